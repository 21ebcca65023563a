#include "engine/identity_directory.hpp"

#include <gtest/gtest.h>

#include "crypto/password.hpp"
#include "crypto/token.hpp"
#include "tests/engine/machine_test_support.hpp"

namespace cumulo {
namespace {

// What the identity actor does: open the token with our key, then ask the directory.
outcome<token_info> validate_token(const identity_directory& dir, const token_key& key,
                                   const std::string& token, std::int64_t now_us) {
  return dir.validate(open_token(key, token), token, now_us);
}

constexpr std::int64_t hour_us = 3600LL * 1000 * 1000;
constexpr std::int64_t t0 = 1'800'000'000'000'000;  // µs

project_state project(const std::string& id, const std::string& name, std::int64_t version = 1) {
  project_state p;
  p.id = id;
  p.name = name;
  p.domain_id = "default";
  p.version = version;
  p.created_at_us = t0;
  return p;
}

user_state user(const std::string& id, const std::string& name) {
  user_state u;
  u.id = id;
  u.name = name;
  u.domain_id = "default";
  u.version = 1;
  u.created_at_us = t0;
  u.password_hash = "$argon2id$stand-in";
  return u;
}

role_state role(const std::string& id, const std::string& name) {
  role_state r;
  r.id = id;
  r.name = name;
  r.version = 1;
  r.created_at_us = t0;
  return r;
}

class IdentityDirectory : public ::testing::Test {
 protected:
  void SetUp() override {
    auto p = project("p1", "demo");
    p.roles["u1"] = {"r-member"};
    dir.put(p);
    dir.put(project("p2", "other"));
    dir.put(user("u1", "alice"));
    dir.put(user("u2", "bob"));
    dir.put(role("r-member", "member"));
    dir.put(role("r-admin", "admin"));
    key = generate_token_key();
  }

  std::string token_for(const std::string& user_id, const std::string& project_id,
                        std::int64_t issued = t0 + 10) {
    token_payload p{user_id, project_id, {"password"}, issued, issued + hour_us, "audit-1"};
    return seal_token(key, p);
  }

  identity_directory dir;
  token_key key;
};

TEST_F(IdentityDirectory, FindsByNameWithinTheDomain) {
  ASSERT_NE(dir.project_by_name("demo", "default"), nullptr);
  EXPECT_EQ(dir.project_by_name("demo", "other-domain"), nullptr);
  EXPECT_EQ(dir.user_by_name("alice", "default")->id, "u1");
  EXPECT_EQ(dir.role_by_name("member")->id, "r-member");
  EXPECT_EQ(dir.domain_id_of("", "Default"), "default");
  EXPECT_EQ(dir.domain_id_of("default", ""), "default");
  EXPECT_FALSE(dir.domain_id_of("", "Elsewhere"));
}

TEST_F(IdentityDirectory, NamesAreUniqueButARenameToItselfIsFine) {
  EXPECT_EQ(dir.project_name_taken("demo", "default")->code, errc::conflict);
  EXPECT_FALSE(dir.project_name_taken("demo", "default", "p1"));
  EXPECT_FALSE(dir.project_name_taken("fresh", "default"));
  EXPECT_EQ(dir.user_name_taken("bob", "default", "u1")->code, errc::conflict);
  EXPECT_EQ(dir.role_name_taken("admin")->code, errc::conflict);
}

TEST_F(IdentityDirectory, ADeletedOrOlderStateDoesNotStay) {
  auto stale = project("p1", "renamed-long-ago", 0);
  stale.version = 1;
  auto newer = project("p1", "demo2", 3);
  dir.put(newer);
  dir.put(stale);  // an older answer arriving late
  EXPECT_EQ(dir.project("p1")->name, "demo2");
  auto gone = newer;
  gone.version = 4;
  gone.deleted = true;
  dir.put(gone);
  EXPECT_EQ(dir.project("p1"), nullptr);
}

TEST_F(IdentityDirectory, AssignmentsNameOnlyWhatExists) {
  auto p = *dir.project("p1");
  p.roles["ghost"] = {"r-member"};
  p.roles["u2"] = {"r-gone"};
  p.version = 2;
  dir.put(p);
  auto all = dir.assignments();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].user_name, "alice");
  EXPECT_EQ(all[0].role_name, "member");
  EXPECT_EQ(all[0].project_name, "demo");
}

TEST_F(IdentityDirectory, ScopeNeedsARoleOnAnEnabledProject) {
  auth_request req;
  req.project_name = "demo";
  req.project_domain_name = "Default";
  auto ok = dir.scope(*dir.user("u1"), req);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  ASSERT_TRUE(ok.value().project);
  EXPECT_EQ(ok.value().roles.size(), 1u);
  EXPECT_EQ(dir.scope(*dir.user("u2"), req).error().code, errc::unauthorized);
  req.project_name = "nope";
  EXPECT_EQ(dir.scope(*dir.user("u1"), req).error().code, errc::unauthorized);
  auto p = *dir.project("p1");
  p.enabled = false;
  p.version = 2;
  dir.put(p);
  req.project_name = "demo";
  EXPECT_EQ(dir.scope(*dir.user("u1"), req).error().code, errc::unauthorized);
}

TEST_F(IdentityDirectory, NoScopeMeansTheDefaultProjectWhenTheUserHoldsARoleThere) {
  auto u = *dir.user("u1");
  u.default_project_id = "p1";
  auto scoped = dir.scope(u, auth_request{});
  ASSERT_TRUE(scoped.ok());
  ASSERT_TRUE(scoped.value().project);
  EXPECT_EQ(scoped.value().project->id, "p1");
  auth_request unscoped;
  unscoped.unscoped = true;
  EXPECT_FALSE(dir.scope(u, unscoped).value().project);
  u.default_project_id = "p2";  // no role there: unscoped, not refused
  EXPECT_FALSE(dir.scope(u, auth_request{}).value().project);
}

TEST_F(IdentityDirectory, AValidTokenCarriesItsUserProjectAndRoles) {
  auto v = validate_token(dir, key, token_for("u1", "p1"), t0 + 20);
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v.value().user.name, "alice");
  EXPECT_EQ(v.value().project->name, "demo");
  EXPECT_EQ(v.value().creds().roles, (std::set<std::string>{"member", "reader"}));
  EXPECT_FALSE(v.value().is_admin());
}

TEST_F(IdentityDirectory, ATokenStopsWorkingForEachReasonKeystoneHas) {
  const auto token = token_for("u1", "p1");
  EXPECT_FALSE(validate_token(dir, key, token, t0 + 10 + hour_us).ok()) << "expired";
  EXPECT_FALSE(validate_token(dir, generate_token_key(), token, t0 + 20).ok()) << "another key";
  EXPECT_FALSE(validate_token(dir, key, token + "x", t0 + 20).ok()) << "tampered";

  auto disabled = *dir.user("u1");
  disabled.enabled = false;
  disabled.version = 2;
  identity_directory d1 = dir;
  d1.put(disabled);
  EXPECT_FALSE(validate_token(d1, key, token, t0 + 20).ok()) << "disabled user";

  auto changed = *dir.user("u1");
  changed.password_changed_at_us = t0 + 15;
  changed.version = 2;
  identity_directory d2 = dir;
  d2.put(changed);
  EXPECT_FALSE(validate_token(d2, key, token, t0 + 20).ok()) << "password changed";
  EXPECT_TRUE(validate_token(d2, key, token_for("u1", "p1", t0 + 16), t0 + 20).ok())
      << "a token issued after the change";

  auto revoked = *dir.user("u1");
  revoked.revoked_tokens["audit-1"] = t0 + hour_us;
  revoked.version = 2;
  identity_directory d3 = dir;
  d3.put(revoked);
  EXPECT_FALSE(validate_token(d3, key, token, t0 + 20).ok()) << "revoked";

  auto unassigned = *dir.project("p1");
  unassigned.roles.clear();
  unassigned.version = 2;
  identity_directory d4 = dir;
  d4.put(unassigned);
  EXPECT_FALSE(validate_token(d4, key, token, t0 + 20).ok()) << "role removed";
  EXPECT_TRUE(validate_token(d4, key, token_for("u1", ""), t0 + 20).ok()) << "unscoped still fine";

  identity_directory d5 = dir;
  auto deleted = *dir.user("u1");
  deleted.deleted = true;
  deleted.version = 2;
  d5.put(deleted);
  EXPECT_FALSE(validate_token(d5, key, token, t0 + 20).ok()) << "deleted user";
  for (auto* d : {&d1, &d2, &d3, &d4, &d5})
    EXPECT_EQ(validate_token(*d, key, token, t0 + 20).error().code, errc::unauthorized);
}

// Issue 22, item 12: undoing a disable or a role removal does not bring the
// tokens revoked by it back (Keystone's revocation events), across restarts
// too, since the time is in the events the states fold from.
TEST_F(IdentityDirectory, ADisableOrARoleRemovalStaysARevocationOnceUndone) {
  const auto before = token_for("u1", "p1");  // issued at t0 + 10

  user::update off;
  off.enabled = false;
  off.now_us = t0 + 15;
  user::update on;
  on.enabled = true;
  on.now_us = t0 + 16;
  auto u = run_command_on<user_machine>(*dir.user("u1"), off);
  u = run_command_on<user_machine>(u, on);
  ASSERT_TRUE(u.enabled);
  identity_directory d1 = dir;
  d1.put(u);
  EXPECT_FALSE(validate_token(d1, key, before, t0 + 20).ok()) << "disabled, then enabled";
  EXPECT_TRUE(validate_token(d1, key, token_for("u1", "p1", t0 + 17), t0 + 20).ok())
      << "a token issued after the enable";

  auto p = run_command_on<project_machine>(*dir.project("p1"),
                                           project::revoke_role{"u1", "r-member", t0 + 15});
  p = run_command_on<project_machine>(p, project::grant_role{"u1", "r-member"});
  ASSERT_TRUE(p.has_role("u1", "r-member"));
  identity_directory d2 = dir;
  d2.put(p);
  EXPECT_FALSE(validate_token(d2, key, before, t0 + 20).ok()) << "role removed, then granted";
  EXPECT_TRUE(validate_token(d2, key, token_for("u1", "p1", t0 + 17), t0 + 20).ok())
      << "a token issued after the grant";
  EXPECT_TRUE(validate_token(d2, key, token_for("u1", ""), t0 + 20).ok())
      << "an unscoped token is not the project's";
}

// --- groups: a member holds its groups' roles -------------------------------

group_state make_group(const std::string& id, const std::string& name,
                       const std::vector<group::command>& then = {}) {
  group_state g;
  g.id = id;
  g = run_command_on<group_machine>(g, group::create{name});
  for (const auto& c : then) g = run_command_on<group_machine>(g, c);
  return g;
}

TEST_F(IdentityDirectory, AMemberHoldsItsGroupsRolesButNotAsItsOwnGrants) {
  dir.put(make_group("g1", "devs",
                     {group::add_member{"u2"}, group::grant_role{"p2", "r-member"},
                      group::grant_role{"p1", "r-admin"}}));
  ASSERT_NE(dir.group("g1"), nullptr);
  EXPECT_EQ(dir.group_by_name("devs", "default")->id, "g1");
  EXPECT_EQ(dir.group_name_taken("devs", "default")->message,
            "Conflict occurred attempting to store group - Duplicate entry found with name devs "
            "at domain ID default.");
  EXPECT_FALSE(dir.group_name_taken("devs", "default", "g1"));
  EXPECT_FALSE(dir.group_name_taken("devs", "elsewhere"));
  ASSERT_EQ(dir.groups_of("u2").size(), 1u);
  EXPECT_TRUE(dir.groups_of("u1").empty());
  ASSERT_EQ(dir.members_of(*dir.group("g1")).size(), 1u);

  ASSERT_EQ(dir.roles_on("u2", "p2").size(), 1u);
  EXPECT_EQ(dir.roles_on("u2", "p2")[0].name, "member");
  EXPECT_TRUE(dir.granted_roles("u2", "p2").empty()) << "a group's role is no grant of the user";
  EXPECT_EQ(dir.group_roles("g1", "p2").size(), 1u);
  EXPECT_TRUE(dir.roles_on("u1", "p2").empty()) << "u1 is no member";

  auth_request req;
  req.project_id = "p2";
  auto scoped = dir.scope(*dir.user("u2"), req);
  ASSERT_TRUE(scoped.ok()) << scoped.error().message;
  EXPECT_EQ(scoped.value().project->id, "p2");
  auto v = validate_token(dir, key, token_for("u2", "p2"), t0 + 20);
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v.value().creds().roles, (std::set<std::string>{"member", "reader"}));

  // The member's own roles and its group's, once each.
  auto p1 = *dir.project("p1");
  p1.roles["u2"] = {"r-admin", "r-member"};
  p1.version = 2;
  dir.put(p1);
  EXPECT_EQ(dir.roles_on("u2", "p1").size(), 2u);
}

TEST_F(IdentityDirectory, LeavingTheGroupOrItsDeletionTakesItsRolesFromTheTokens) {
  auto g = make_group("g1", "devs", {group::add_member{"u2"}, group::grant_role{"p2", "r-member"}});
  dir.put(g);
  const auto token = token_for("u2", "p2");
  ASSERT_TRUE(validate_token(dir, key, token, t0 + 20).ok());

  identity_directory left = dir;
  left.put(run_command_on<group_machine>(g, group::remove_member{"u2"}));
  EXPECT_TRUE(left.groups_of("u2").empty());
  EXPECT_EQ(validate_token(left, key, token, t0 + 20).error().code, errc::unauthorized);

  identity_directory gone = dir;
  gone.put(run_command_on<group_machine>(g, group::remove{}));
  EXPECT_EQ(gone.group("g1"), nullptr);
  EXPECT_TRUE(gone.groups_of("u2").empty());
  EXPECT_EQ(validate_token(gone, key, token, t0 + 20).error().code, errc::unauthorized);

  identity_directory stale = dir;
  auto older = g;
  older.members.clear();
  older.version = 1;
  stale.put(older);  // a late, older answer changes nothing
  EXPECT_EQ(stale.groups_of("u2").size(), 1u);
}

// As Keystone revokes each member's grant when a group's role is removed:
// a member's token on the project ends even when it keeps another role
// there, and stays revoked once the role is granted again.
TEST_F(IdentityDirectory, RemovingAGroupsRoleRevokesItsMembersTokensThere) {
  auto g =
      make_group("g1", "readers", {group::add_member{"u1"}, group::grant_role{"p1", "r-admin"}});
  dir.put(g);
  const auto before = token_for("u1", "p1");  // issued at t0 + 10
  ASSERT_TRUE(validate_token(dir, key, before, t0 + 20).ok());
  g = run_command_on<group_machine>(g, group::revoke_role{"p1", "r-admin", t0 + 15});
  g = run_command_on<group_machine>(g, group::grant_role{"p1", "r-admin"});
  dir.put(g);
  auto v = validate_token(dir, key, before, t0 + 20);
  ASSERT_FALSE(v.ok()) << "u1 still holds member on p1 itself, but the token is revoked";
  EXPECT_EQ(v.error().code, errc::unauthorized);
  EXPECT_TRUE(validate_token(dir, key, token_for("u1", "p1", t0 + 16), t0 + 20).ok());
  EXPECT_TRUE(validate_token(dir, key, token_for("u1", "p2"), t0 + 20).error().code ==
              errc::unauthorized)
      << "no role on p2 at all";
}

TEST_F(IdentityDirectory, AssignmentsShowGroupsOrTheirMembersWhenEffective) {
  dir.put(make_group("g1", "devs",
                     {group::add_member{"u1"}, group::add_member{"u2"}, group::add_member{"ghost"},
                      group::grant_role{"p2", "r-member"}, group::grant_role{"p2", "r-gone"},
                      group::grant_role{"p-gone", "r-member"}}));
  auto direct = dir.assignments();
  ASSERT_EQ(direct.size(), 2u) << "alice's own, and the group's that names what exists";
  EXPECT_FALSE(direct[0].of_group());
  const auto& a = direct[1];
  EXPECT_TRUE(a.of_group());
  EXPECT_EQ(a.group_id, "g1");
  EXPECT_EQ(a.group_name, "devs");
  EXPECT_EQ(a.group_domain_name, "Default");
  EXPECT_EQ(a.project_id, "p2");
  EXPECT_EQ(a.role_name, "member");
  EXPECT_TRUE(a.user_id.empty());

  auto effective = dir.assignments(true);
  ASSERT_EQ(effective.size(), 3u) << "alice's own, then one per member that exists";
  std::set<std::string> users;
  for (std::size_t i = 1; i < effective.size(); ++i) {
    EXPECT_FALSE(effective[i].of_group());
    EXPECT_EQ(effective[i].group_id, "g1") << "the group it comes through";
    EXPECT_EQ(effective[i].project_id, "p2");
    users.insert(effective[i].user_name);
  }
  EXPECT_EQ(users, (std::set<std::string>{"alice", "bob"}));
}

TEST_F(IdentityDirectory, ThePasswordMethodFindsTheUserByIdOrByNameInADomain) {
  auth_request by_name;
  by_name.user_name = "alice";
  by_name.user_domain_name = "Default";
  EXPECT_EQ(dir.find_user(by_name).value()->id, "u1");
  auth_request by_id;
  by_id.user_id = "u2";
  EXPECT_EQ(dir.find_user(by_id).value()->name, "bob");
  by_name.user_domain_name = "Elsewhere";
  EXPECT_EQ(dir.find_user(by_name).error().code, errc::unauthorized);
  by_id.user_id = "nobody";
  EXPECT_EQ(dir.find_user(by_id).error().code, errc::unauthorized);
}

}  // namespace
}  // namespace cumulo
