#include "engine/project_state.hpp"

#include <gtest/gtest.h>

#include "engine/fold.hpp"
#include "tests/engine/machine_test_support.hpp"

namespace cumulo {
namespace {

using M = project_machine;

project_state run(project_state s, const project::command& c) {
  return run_command_on<M>(std::move(s), c);
}

project_state fresh() {
  project_state s;
  s.id = "p1";
  return s;
}

TEST(ProjectState, CreateUpdateDelete) {
  auto s = run(fresh(), project::create{"demo", "default", "a project", true, {"x"}});
  EXPECT_TRUE(s.exists());
  EXPECT_EQ(s.name, "demo");
  s = run(s, project::update{"demo2", std::nullopt, false, std::nullopt});
  EXPECT_EQ(s.name, "demo2");
  EXPECT_FALSE(s.enabled);
  EXPECT_EQ(s.description, "a project");
  s = run(s, project::remove{});
  EXPECT_TRUE(s.deleted);
  EXPECT_FALSE(s.exists());
}

TEST(ProjectState, RefusesIllegalCommands) {
  auto none = fresh();
  EXPECT_EQ(M::decide(none, project::update{}).error().code, errc::not_found);
  EXPECT_EQ(M::decide(none, project::remove{}).error().code, errc::not_found);
  EXPECT_EQ(M::decide(none, project::create{""}).error().code, errc::bad_request);
  EXPECT_EQ(M::decide(none, project::create{std::string(65, 'a')}).error().code,
            errc::bad_request);
  auto s = run(none, project::create{"demo"});
  EXPECT_EQ(M::decide(s, project::create{"demo"}).error().code, errc::conflict);
  s = run(s, project::remove{});
  EXPECT_EQ(M::decide(s, project::remove{}).error().code, errc::not_found) << "delete twice";
}

TEST(ProjectState, ApplyRejectsEventsThatCannotHappen) {
  EXPECT_THROW(M::apply(fresh(), project_deleted{}), invalid_event);
  auto s = run(fresh(), project::create{"demo"});
  EXPECT_THROW(M::apply(s, project_created{}), invalid_event);
}

TEST(ProjectState, GrantAndRevokeRoles) {
  auto s = run(fresh(), project::create{"demo"});
  s = run(s, project::grant_role{"u1", "member"});
  s = run(s, project::grant_role{"u1", "admin"});
  s = run(s, project::grant_role{"u2", "reader"});
  EXPECT_TRUE(s.has_role("u1", "member"));
  EXPECT_TRUE(s.has_role("u1", "admin"));
  EXPECT_FALSE(s.has_role("u2", "admin"));
  EXPECT_EQ(s.roles_of("u1"), (std::set<std::string>{"admin", "member"}));
  EXPECT_TRUE(s.roles_of("nobody").empty());
  s = run(s, project::revoke_role{"u2", "reader"});
  EXPECT_EQ(s.roles.count("u2"), 0u) << "a user without roles has no entry";
  s = run(s, project::revoke_role{"u1", "admin"});
  EXPECT_EQ(s.roles_of("u1"), (std::set<std::string>{"member"}));
  const auto j = nlohmann::json(s);
  EXPECT_EQ(j["roles"]["u1"], nlohmann::json::array({"member"}));
}

TEST(ProjectState, GrantingAnExistingAssignmentRecordsNothing) {
  auto s = run(fresh(), project::create{"demo"});
  s = run(s, project::grant_role{"u1", "member"});
  auto d = M::decide(s, project::grant_role{"u1", "member"});
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d.value().empty());
}

TEST(ProjectState, RefusesIllegalRoleAssignments) {
  auto none = fresh();
  expect_refusal<M>(none, project::grant_role{"u1", "r1"}, errc::not_found,
                    "Could not find project: p1.");
  auto s = run(none, project::create{"demo"});
  expect_refusal<M>(s, project::revoke_role{"u1", "r1"}, errc::not_found,
                    "Could not find role assignment with role: r1, user or group: u1, project, "
                    "domain, or system: p1.");
  EXPECT_EQ(M::decide(s, project::grant_role{"", "r1"}).error().code, errc::bad_request);
  EXPECT_EQ(M::decide(s, project::grant_role{"u1", ""}).error().code, errc::bad_request);
  s = run(s, project::grant_role{"u1", "r1"});
  EXPECT_EQ(M::decide(s, project::revoke_role{"u1", "r2"}).error().code, errc::not_found);
  EXPECT_EQ(M::decide(s, project::revoke_role{"u2", "r1"}).error().code, errc::not_found);
  s = run(s, project::remove{});
  EXPECT_EQ(M::decide(s, project::grant_role{"u1", "r1"}).error().code, errc::not_found);
  EXPECT_EQ(M::decide(s, project::revoke_role{"u1", "r1"}).error().code, errc::not_found);
}

TEST(ProjectState, ApplyRejectsImpossibleRoleEvents) {
  EXPECT_THROW(M::apply(fresh(), project_role_granted{"u1", "r1"}), invalid_event);
  auto s = run(fresh(), project::create{"demo"});
  EXPECT_THROW(M::apply(s, project_role_revoked{"u1", "r1"}), invalid_event);
  s = run(s, project::grant_role{"u1", "r1"});
  EXPECT_THROW(M::apply(s, project_role_granted{"u1", "r1"}), invalid_event);
  EXPECT_THROW(M::apply(s, project_role_revoked{"u1", "r2"}), invalid_event);
}

TEST(ProjectState, RoleEventsRoundTripThroughTheCodec) {
  auto s = run(fresh(), project::create{"demo"});
  new_event n = encode(project_event{project_role_granted{"u1", "r1"}});
  EXPECT_EQ(n.type, "project.role_granted");
  recorded_event r{2, "project/p1", 2, n.type, n.schema_version, 7, "req-2", "u0", n.payload};
  s = fold<M>(s, r);
  EXPECT_TRUE(s.has_role("u1", "r1"));
  n = encode(project_event{project_role_revoked{"u1", "r1"}});
  EXPECT_EQ(n.type, "project.role_revoked");
  r = recorded_event{3, "project/p1", 3, n.type, n.schema_version, 8, "req-3", "u0", n.payload};
  s = fold<M>(s, r);
  EXPECT_FALSE(s.has_role("u1", "r1"));
  EXPECT_EQ(s.version, 3);
}

TEST(ProjectState, EventsRoundTripThroughTheCodec) {
  project_created c{"demo", "default", "d", false, {"a", "b"}};
  new_event n = encode(project_event{c});
  EXPECT_EQ(n.type, "project.created");
  recorded_event r{1, "project/p1", 1, n.type, n.schema_version, 5, "req-1", "u1", n.payload};
  auto back = std::get<project_created>(decode<project_event>(r));
  EXPECT_EQ(back.name, "demo");
  EXPECT_FALSE(back.enabled);
  EXPECT_EQ(back.tags, (std::vector<std::string>{"a", "b"}));
  auto s = fold<M>(fresh(), r);
  EXPECT_EQ(s.version, 1);
  EXPECT_EQ(s.created_at_us, 5);
}

TEST(ProjectState, KeepsItsParentOrItsDomain) {
  auto top = run(fresh(), project::create{"top", "d1"});
  EXPECT_EQ(top.parent_id, "d1") << "a top-level project's parent is its domain";
  project::create c{"child", "d1"};
  c.parent_id = "p0";
  auto child = run(fresh(), c);
  EXPECT_EQ(child.parent_id, "p0");
  EXPECT_EQ(nlohmann::json(child)["parent_id"], "p0");
}

TEST(ProjectState, AParentIsNeverChanged) {
  project::create c{"child", "d1"};
  c.parent_id = "p0";
  auto s = run(fresh(), c);
  project::update u;
  u.parent_id = "p9";
  expect_refusal<M>(s, u, errc::forbidden, "Update of `parent_id` is not allowed.");
  u.parent_id = "p0";
  EXPECT_TRUE(M::decide(s, u).ok()) << "naming the parent it has is accepted";
}

TEST(ProjectState, TheParentRoundTripsThroughTheCodec) {
  project_created c{"demo", "d1", "", true, {}, "p0"};
  new_event n = encode(project_event{c});
  recorded_event r{1, "project/p1", 1, n.type, n.schema_version, 5, "req-1", "u1", n.payload};
  EXPECT_EQ(std::get<project_created>(decode<project_event>(r)).parent_id, "p0");
  EXPECT_EQ(fold<M>(fresh(), r).parent_id, "p0");
}

// A log written before hierarchies were kept: its project.created has no
// parent_id, and the project reads back as a top-level one of its domain.
TEST(ProjectState, AnOlderCreatedEventReadsAsTopLevel) {
  auto bytes = nlohmann::json::to_msgpack({{"name", "old"},
                                           {"domain_id", "d1"},
                                           {"description", ""},
                                           {"enabled", true},
                                           {"tags", nlohmann::json::array()}});
  recorded_event r{1,
                   "project/p1",
                   1,
                   "project.created",
                   1,
                   5,
                   "req-1",
                   "u1",
                   std::string(bytes.begin(), bytes.end())};
  EXPECT_FALSE(std::get<project_created>(decode<project_event>(r)).parent_id);
  auto s = fold<M>(fresh(), r);
  EXPECT_EQ(s.name, "old");
  EXPECT_EQ(s.parent_id, "d1");
}

}  // namespace
}  // namespace cumulo
