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

}  // namespace
}  // namespace cumulo
