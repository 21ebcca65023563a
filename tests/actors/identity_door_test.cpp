// The identity actor decides the requests that carry their caller with
// Keystone's rules (engine/identity_rules.hpp): the routes parse, ask
// once and render; nothing a rule refuses reaches a resource actor.
#include <gtest/gtest.h>

#include <caf/all.hpp>

#include <algorithm>

#include "actors/identity.hpp"
#include "actors/identity_bootstrap.hpp"
#include "tests/actors/actor_test_support.hpp"
#include "tests/actors/identity_test_support.hpp"
#include "tests/temp_dir.hpp"

namespace cumulo {
namespace {

std::string role_id(cloud& c, const std::string& name) {
  auto roles =
      ask<std::vector<role_state>>(c.system(), c.identity(), list_atom::value, role_atom::value);
  for (const auto& r : *roles)
    if (r.name == name) return r.id;
  return "";
}

std::string forbidden(const std::string& rule) {
  return "You are not authorized to perform the requested action: " + rule + ".";
}

// A member of project "demo" (bob) and the admin, each with a token.
struct two_callers {
  temp_dir dir;
  cloud c{cheap(dir)};
  token_info admin, bob;

  two_callers() {
    bootstrap_identity(c, "pw");
    ask<project_state>(c.system(), c.identity(), command_atom::value, std::string("demo"),
                       project::command{project::create{"demo"}}, test_meta());
    user::create u;
    u.name = "bob";
    ask<user_state>(c.system(), c.identity(), command_atom::value, std::string("bob"),
                    user::command{u}, test_meta(), std::string("bobpw"));
    ask<project_state>(c.system(), c.identity(), command_atom::value, std::string("demo"),
                       project::command{project::grant_role{"bob", role_id(c, "member")}},
                       test_meta());
    admin = *ask<token_info>(c.system(), c.identity(), authenticate_atom::value,
                             password_auth("admin", "pw", "admin"));
    bob = *ask<token_info>(c.system(), c.identity(), authenticate_atom::value,
                           password_auth("bob", "bobpw", "demo"));
  }

  template <class T, class... Ts>
  reply_or_error<T> as(const token_info& who, Ts&&... xs) {
    return ask<T>(c.system(), c.identity(), std::forward<Ts>(xs)..., who.creds());
  }
};

TEST(IdentityDoor, RefusesWhatKeystonesRulesRefuseBeforeAnythingChanges) {
  two_callers t;
  user::create eve;
  eve.name = "eve";
  auto refused = t.as<user_state>(t.bob, command_atom::value, std::string("eve"),
                                  user::command{eve}, test_meta(), std::string("evepw"));
  EXPECT_EQ(refused.error.code, errc::forbidden);
  EXPECT_EQ(refused.error.message, forbidden("identity:create_user"));
  EXPECT_EQ(ask<user_state>(t.c.system(), t.c.identity(), caf::get_atom::value, user_atom::value,
                            std::string("eve"))
                .error.code,
            errc::not_found)
      << "a refused create leaves nothing behind";
  EXPECT_TRUE(t.as<user_state>(t.admin, command_atom::value, std::string("eve"), user::command{eve},
                               test_meta(), std::string("evepw"))
                  .ok());

  EXPECT_EQ(t.as<std::vector<user_state>>(t.bob, list_atom::value, user_atom::value).error.message,
            forbidden("identity:list_users"));
  EXPECT_EQ(
      t.as<std::vector<project_state>>(t.bob, list_atom::value, project_atom::value).error.message,
      forbidden("identity:list_projects"));
  EXPECT_TRUE(t.as<std::vector<user_state>>(t.admin, list_atom::value, user_atom::value).ok());

  role::create r;
  r.name = "auditor";
  EXPECT_EQ(
      t.as<role_state>(t.bob, command_atom::value, std::string("r9"), role::command{r}, test_meta())
          .error.message,
      forbidden("identity:create_role"));
  domain::create d;
  d.name = "other";
  EXPECT_EQ(t.as<domain_state>(t.bob, command_atom::value, std::string("d9"), domain::command{d},
                               test_meta())
                .error.message,
            forbidden("identity:create_domain"));
  EXPECT_EQ(t.as<project_state>(t.bob, command_atom::value, std::string("demo"),
                                project::command{project::remove{}}, test_meta())
                .error.message,
            forbidden("identity:delete_project"));
  EXPECT_TRUE(ask<project_state>(t.c.system(), t.c.identity(), caf::get_atom::value,
                                 project_atom::value, std::string("demo"))
                  .ok());
}

TEST(IdentityDoor, AReadFindsFirstThenDecidesOnWhatItFound) {
  two_callers t;
  EXPECT_TRUE(
      t.as<user_state>(t.bob, caf::get_atom::value, user_atom::value, std::string("bob")).ok())
      << "identity:get_user: the user itself";
  EXPECT_EQ(t.as<user_state>(t.bob, caf::get_atom::value, user_atom::value, t.admin.user.id)
                .error.message,
            forbidden("identity:get_user"));
  EXPECT_EQ(t.as<user_state>(t.bob, caf::get_atom::value, user_atom::value, std::string("ghost"))
                .error.code,
            errc::not_found)
      << "an unknown id is 404 for everyone";
  EXPECT_TRUE(
      t.as<project_state>(t.bob, caf::get_atom::value, project_atom::value, std::string("demo"))
          .ok());
  EXPECT_EQ(
      t.as<project_state>(t.bob, caf::get_atom::value, project_atom::value, t.admin.project->id)
          .error.message,
      forbidden("identity:get_project"));

  // A user's projects: its own, or an admin's look.
  auto own = t.as<std::vector<project_state>>(t.bob, list_atom::value, project_atom::value,
                                              std::string("bob"));
  ASSERT_TRUE(own.ok());
  ASSERT_EQ(own->size(), 1u);
  EXPECT_EQ(own->front().id, "demo");
  EXPECT_EQ(t.as<std::vector<project_state>>(t.bob, list_atom::value, project_atom::value,
                                             t.admin.user.id)
                .error.message,
            forbidden("identity:list_user_projects"));

  // Grants: checked and listed by an admin; a member lists its own
  // assignments only.
  const std::string member = role_id(t.c, "member");
  auto held = t.as<role_state>(t.admin, caf::get_atom::value, assignment_atom::value,
                               std::string("demo"), std::string("bob"), member);
  ASSERT_TRUE(held.ok()) << held.error.message;
  EXPECT_EQ(held->name, "member");
  auto missing = t.as<role_state>(t.admin, caf::get_atom::value, assignment_atom::value,
                                  std::string("demo"), std::string("bob"), role_id(t.c, "admin"));
  EXPECT_EQ(missing.error.code, errc::not_found);
  EXPECT_EQ(t.as<role_state>(t.bob, caf::get_atom::value, assignment_atom::value,
                             std::string("demo"), std::string("bob"), member)
                .error.message,
            forbidden("identity:check_grant"));
  auto roles = t.as<std::vector<role_state>>(t.admin, list_atom::value, role_atom::value,
                                             std::string("demo"), std::string("bob"));
  ASSERT_TRUE(roles.ok());
  ASSERT_EQ(roles->size(), 1u);
  EXPECT_EQ(roles->front().id, member);
  auto mine = t.as<std::vector<role_assignment>>(t.bob, list_atom::value, assignment_atom::value,
                                                 std::string("bob"));
  ASSERT_TRUE(mine.ok());
  EXPECT_TRUE(std::all_of(mine->begin(), mine->end(),
                          [](const role_assignment& a) { return a.user_id == "bob"; }));
  EXPECT_EQ(mine->size(), 1u);
  EXPECT_EQ(t.as<std::vector<role_assignment>>(t.bob, list_atom::value, assignment_atom::value,
                                               std::string(""))
                .error.message,
            forbidden("identity:list_role_assignments"));
}

TEST(IdentityDoor, AnUpdateWithAPasswordIsOneFlowAndOneAnswer) {
  two_callers t;
  user::update u;
  u.description = "from the admin";
  EXPECT_EQ(t.as<user_state>(t.bob, command_atom::value, std::string("bob"), user::command{u},
                             test_meta(), std::string("mine"))
                .error.message,
            forbidden("identity:update_user"))
      << "a member resets no password through PATCH, not even its own";
  auto after = t.as<user_state>(t.admin, command_atom::value, std::string("bob"), user::command{u},
                                test_meta(), std::string("bobpw2"));
  ASSERT_TRUE(after.ok()) << after.error.message;
  EXPECT_EQ(after->description, "from the admin");
  EXPECT_FALSE(
      ask<token_info>(t.c.system(), t.c.identity(), validate_atom::value, t.bob.token).ok())
      << "the answer comes after the password changed: the older token is gone";
  EXPECT_TRUE(ask<token_info>(t.c.system(), t.c.identity(), authenticate_atom::value,
                              password_auth("bob", "bobpw2", "demo"))
                  .ok());

  // The self-service change: the user itself, with the original.
  EXPECT_EQ(t.as<user_state>(t.bob, password_atom::value, t.admin.user.id, std::string("pw"),
                             std::string("x"), test_meta())
                .error.message,
            forbidden("identity:change_password"));
}

TEST(IdentityDoor, TokensAreCheckedAndRevokedForTheirOwnUserOrAnAdmin) {
  two_callers t;
  auto self = ask<token_info>(t.c.system(), t.c.identity(), validate_atom::value, t.bob.token,
                              t.bob.token, false);
  ASSERT_TRUE(self.ok()) << self.error.message;
  EXPECT_EQ(self->user.id, "bob");
  auto others = ask<token_info>(t.c.system(), t.c.identity(), validate_atom::value, t.bob.token,
                                t.admin.token, true);
  EXPECT_EQ(others.error.message, forbidden("identity:check_token"));
  EXPECT_EQ(ask<token_info>(t.c.system(), t.c.identity(), validate_atom::value, t.admin.token,
                            std::string("not-a-token"), false)
                .error.code,
            errc::not_found);
  EXPECT_EQ(ask<token_info>(t.c.system(), t.c.identity(), validate_atom::value,
                            std::string("not-a-token"), t.admin.token, false)
                .error.code,
            errc::unauthorized)
      << "the caller's own token is checked first";
  EXPECT_EQ(ask<user_state>(t.c.system(), t.c.identity(), revoke_atom::value, t.bob.token,
                            t.admin.token, test_meta())
                .error.message,
            forbidden("identity:revoke_token"));
  ASSERT_TRUE(ask<user_state>(t.c.system(), t.c.identity(), revoke_atom::value, t.admin.token,
                              t.bob.token, test_meta())
                  .ok());
  EXPECT_FALSE(
      ask<token_info>(t.c.system(), t.c.identity(), validate_atom::value, t.bob.token).ok());
  EXPECT_TRUE(
      ask<token_info>(t.c.system(), t.c.identity(), validate_atom::value, t.admin.token).ok());
}

}  // namespace
}  // namespace cumulo
