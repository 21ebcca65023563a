// Users and roles as actors, and the identity a fresh data dir is given
// (actors/identity_bootstrap.hpp): made once, never twice, and no password
// in the log.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "actors/identity_bootstrap.hpp"
#include "store/event_store.hpp"
#include "crypto/password.hpp"
#include "tests/actors/actor_test_support.hpp"
#include "tests/temp_dir.hpp"

namespace cumulo {
namespace {

const std::string admin_password = "Adm1n-Secret-Passw0rd";

cloud_options options_for(const temp_dir& dir) {
  cloud_options o;
  o.data_dir = dir.path() / "data";
  return o;
}

std::int64_t events_in(const temp_dir& dir) {
  store_options ro;
  ro.read_only = true;
  event_store store(data_dir::events_db_of(dir.path() / "data"), ro);
  return store.event_count();
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(IdentityBootstrap, CreatesTheAdminRolesProjectAndUser) {
  temp_dir dir;
  bootstrap_result boot;
  {
    cloud c(options_for(dir));
    boot = bootstrap_identity(c, admin_password);
    EXPECT_TRUE(boot.created);
    EXPECT_TRUE(boot.user_created);

    auto roles =
        ask<std::vector<role_state>>(c.system(), c.conductor(), list_atom::value, role_atom::value);
    ASSERT_TRUE(roles.ok()) << roles.error.message;
    std::vector<std::string> names;
    for (const auto& r : *roles) names.push_back(r.name);
    std::sort(names.begin(), names.end());
    EXPECT_EQ(names, (std::vector<std::string>{"admin", "member", "reader"}));

    auto projects = ask<std::vector<project_state>>(c.system(), c.conductor(), list_atom::value,
                                                    project_atom::value);
    ASSERT_TRUE(projects.ok());
    ASSERT_EQ(projects->size(), 1u);
    EXPECT_EQ(projects->front().name, "admin");
    EXPECT_EQ(projects->front().domain_id, "default");
    EXPECT_EQ(projects->front().id, boot.project_id);
    EXPECT_TRUE(projects->front().has_role(boot.user_id, boot.admin_role_id));

    auto users =
        ask<std::vector<user_state>>(c.system(), c.conductor(), list_atom::value, user_atom::value);
    ASSERT_TRUE(users.ok());
    ASSERT_EQ(users->size(), 1u);
    auto user = ask<user_state>(c.system(), c.conductor(), caf::get_atom::value, user_atom::value,
                                boot.user_id);
    ASSERT_TRUE(user.ok()) << user.error.message;
    EXPECT_EQ(user->name, "admin");
    EXPECT_EQ(user->domain_id, "default");
    EXPECT_EQ(user->default_project_id, boot.project_id);
    EXPECT_TRUE(verify_password(user->password_hash, admin_password));
    EXPECT_FALSE(verify_password(user->password_hash, "wrong"));

    auto role = ask<role_state>(c.system(), c.conductor(), caf::get_atom::value, role_atom::value,
                                boot.admin_role_id);
    ASSERT_TRUE(role.ok());
    EXPECT_EQ(role->name, "admin");
  }
  // 3 roles, 1 project, 1 user, 1 role assignment; and compute-1 registered.
  EXPECT_EQ(events_in(dir), 7);
  store_options ro;
  ro.read_only = true;
  event_store store(data_dir::events_db_of(dir.path() / "data"), ro);
  store.for_each(1, [&](recorded_event& e) {
    if (e.stream.rfind("host/", 0) == 0) return true;  // the compute host's registration
    EXPECT_EQ(e.user_id, "cumulo-bootstrap");
    EXPECT_EQ(e.request_id.rfind("req-bootstrap-", 0), 0u) << e.request_id;
    EXPECT_EQ(e.payload.find(admin_password), std::string::npos) << e.stream << " " << e.type;
    return true;
  });
  // Nor anywhere in the database's files.
  for (const auto& entry : std::filesystem::directory_iterator(dir.path() / "data")) {
    if (!entry.is_regular_file()) continue;
    EXPECT_EQ(slurp(entry.path()).find(admin_password), std::string::npos) << entry.path();
  }
}

TEST(IdentityBootstrap, IsIdempotentWithinAndAcrossProcesses) {
  temp_dir dir;
  bootstrap_result first;
  {
    cloud c(options_for(dir));
    first = bootstrap_identity(c, admin_password);
    auto again = bootstrap_identity(c, "another password");
    EXPECT_FALSE(again.created);
    EXPECT_FALSE(again.user_created);
    EXPECT_EQ(again.user_id, first.user_id);
    EXPECT_EQ(again.project_id, first.project_id);
    EXPECT_EQ(again.admin_role_id, first.admin_role_id);
  }
  const auto events = events_in(dir);
  EXPECT_EQ(events, 7);  // the bootstrap's 6 and compute-1's registration
  {
    cloud c(options_for(dir));
    auto after_restart = bootstrap_identity(c, "another password");
    EXPECT_FALSE(after_restart.created);
    EXPECT_EQ(after_restart.user_id, first.user_id);
    EXPECT_EQ(after_restart.project_id, first.project_id);
    auto user = ask<user_state>(c.system(), c.conductor(), caf::get_atom::value, user_atom::value,
                                first.user_id);
    ASSERT_TRUE(user.ok());
    EXPECT_TRUE(verify_password(user->password_hash, admin_password));
  }
  EXPECT_EQ(events_in(dir), events);
}

TEST(IdentityActors, UsersAndRolesSurviveACrashOfTheirActor) {
  temp_dir dir;
  cloud c(options_for(dir));
  ASSERT_TRUE(ask<role_state>(c.system(), c.conductor(), command_atom::value, std::string("r1"),
                              role::command{role::create{"operator", "", "runs things"}},
                              test_meta())
                  .ok());
  user::create create;
  create.name = "alice";
  create.password_hash = hash_password("pw", password_cost::cheapest());
  ASSERT_TRUE(ask<user_state>(c.system(), c.conductor(), command_atom::value, std::string("u1"),
                              user::command{create}, test_meta())
                  .ok());
  auto renamed = ask<user_state>(c.system(), c.conductor(), command_atom::value, std::string("u1"),
                                 user::command{user::update{std::string("alice2"), std::nullopt,
                                                            false, std::nullopt, std::nullopt}},
                                 test_meta());
  ASSERT_TRUE(renamed.ok()) << renamed.error.message;

  for (const char* stream : {"user/u1", "role/r1"})
    ASSERT_TRUE(
        ask<caf::ok_atom>(c.system(), c.conductor(), crash_atom::value, std::string(stream)).ok());

  auto user = ask<user_state>(c.system(), c.conductor(), caf::get_atom::value, user_atom::value,
                              std::string("u1"));
  ASSERT_TRUE(user.ok()) << user.error.message;
  EXPECT_EQ(user->name, "alice2");
  EXPECT_FALSE(user->enabled);
  EXPECT_EQ(user->version, 2);
  EXPECT_TRUE(verify_password(user->password_hash, "pw"));
  auto role = ask<role_state>(c.system(), c.conductor(), caf::get_atom::value, role_atom::value,
                              std::string("r1"));
  ASSERT_TRUE(role.ok()) << role.error.message;
  EXPECT_EQ(role->name, "operator");
  EXPECT_EQ(*ask<std::uint64_t>(c.system(), c.conductor(), restarts_atom::value), 2u);

  // Still taking commands, and refusing what the machine refuses.
  auto removed = ask<role_state>(c.system(), c.conductor(), command_atom::value, std::string("r1"),
                                 role::command{role::remove{}}, test_meta());
  ASSERT_TRUE(removed.ok());
  auto missing = ask<user_state>(c.system(), c.conductor(), caf::get_atom::value, user_atom::value,
                                 std::string("nobody"));
  EXPECT_EQ(missing.error.code, errc::not_found);
  auto roles =
      ask<std::vector<role_state>>(c.system(), c.conductor(), list_atom::value, role_atom::value);
  ASSERT_TRUE(roles.ok());
  EXPECT_TRUE(roles->empty());
}

}  // namespace
}  // namespace cumulo
