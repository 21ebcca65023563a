#include "engine/role_state.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "engine/fold.hpp"
#include "engine/log_fold.hpp"
#include "tests/engine/machine_test_support.hpp"

namespace cumulo {
namespace {

using M = role_machine;

role_state run(role_state s, const role::command& c) {
  return run_command_on<M>(std::move(s), c);
}

role_state fresh() {
  role_state s;
  s.id = "r1";
  return s;
}

TEST(RoleState, CreateUpdateDelete) {
  auto s = run(fresh(), role::create{"member"});
  EXPECT_TRUE(s.exists());
  EXPECT_EQ(s.name, "member");
  EXPECT_TRUE(s.domain_id.empty()) << "global by default";
  EXPECT_TRUE(nlohmann::json(s)["domain_id"].is_null());
  s = run(s, role::update{std::nullopt, "members of a project"});
  EXPECT_EQ(s.name, "member");
  EXPECT_EQ(s.description, "members of a project");
  s = run(s, role::update{"_member_", std::nullopt});
  EXPECT_EQ(s.name, "_member_");
  s = run(s, role::remove{});
  EXPECT_TRUE(s.deleted);
  EXPECT_FALSE(s.exists());
}

TEST(RoleState, DomainSpecificRole) {
  auto s = run(fresh(), role::create{"auditor", "default", "reads"});
  EXPECT_EQ(nlohmann::json(s)["domain_id"], "default");
}

TEST(RoleState, RefusesIllegalCommands) {
  auto none = fresh();
  expect_refusal<M>(none, role::update{}, errc::not_found, "Could not find role: r1.");
  EXPECT_EQ(M::decide(none, role::remove{}).error().code, errc::not_found);
  EXPECT_EQ(M::decide(none, role::create{""}).error().code, errc::bad_request);
  EXPECT_EQ(M::decide(none, role::create{std::string(256, 'a')}).error().code, errc::bad_request);
  auto s = run(none, role::create{"admin"});
  expect_refusal<M>(s, role::create{"admin"}, errc::conflict, "Role r1 already exists.");
  EXPECT_EQ(M::decide(s, role::update{""}).error().code, errc::bad_request);
  s = run(s, role::remove{});
  EXPECT_EQ(M::decide(s, role::remove{}).error().code, errc::not_found) << "delete twice";
}

TEST(RoleState, ApplyRejectsEventsThatCannotHappen) {
  EXPECT_THROW(M::apply(fresh(), role_deleted{}), invalid_event);
  EXPECT_THROW(M::apply(fresh(), role_updated{}), invalid_event);
  auto s = run(fresh(), role::create{"admin"});
  EXPECT_THROW(M::apply(s, role_created{}), invalid_event);
}

TEST(RoleState, EventsRoundTripThroughTheCodecAndTheLogFold) {
  log_fold f;
  new_event n = encode(role_event{role_created{"reader", "", "read only"}});
  EXPECT_EQ(n.type, "role.created");
  f.apply(
      recorded_event{1, "role/r1", 1, n.type, n.schema_version, 5, "req-1", "admin", n.payload});
  n = encode(role_event{role_deleted{}});
  f.apply(
      recorded_event{2, "role/r1", 2, n.type, n.schema_version, 6, "req-2", "admin", n.payload});
  const role_state* s = f.get<role_state>("role/r1");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->name, "reader");
  EXPECT_TRUE(s->deleted);
  EXPECT_FALSE(f.live("role/r1"));
}

TEST(RoleState, UserAndRoleAreStreamKinds) {
  const auto& kinds = stream_kinds();
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "user"), kinds.end());
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "role"), kinds.end());
}

}  // namespace
}  // namespace cumulo
