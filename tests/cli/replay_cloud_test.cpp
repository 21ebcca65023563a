// The end-to-end check: a data dir written by the real actor core
// (journal, conductor, resource actors, scheduler) reads back as a readable
// history with `cumulo replay`, and verifies.
#include <gtest/gtest.h>

#include "engine/clock.hpp"
#include "store/wall_clock.hpp"
#include "tests/actors/actor_test_support.hpp"
#include "tests/support/run_command.hpp"
#include "tests/temp_dir.hpp"

namespace cumulo {
namespace {

TEST(ReplayOfACloud, ShowsTheHistoryTheActorsWrote) {
  temp_dir dir;
  const auto data = dir.path() / "data";
  {
    cloud c(cloud_options{data, durability::full, 2});
    event_metadata meta{"req-launch-1", "admin-user"};
    ASSERT_TRUE(ask<project_state>(c.system(), c.conductor(), command_atom::value,
                                   std::string("p1"),
                                   project::command{project::create{"demo", "default", ""}}, meta)
                    .ok());
    instance::request launch;
    launch.name = "vm1";
    launch.project_id = "p1";
    launch.user_id = "admin-user";
    launch.flavor = instance::flavor{"f1", "m1.tiny", 1, 512, 1, 0, 0};
    launch.image_id = "img1";
    for (instance::command step : std::vector<instance::command>{
             launch, instance::schedule{"compute-1", "compute-1", {}}, instance::spawn{},
             instance::mark_active{now_us()}, instance::stop{}, instance::complete_stop{}}) {
      auto r = ask<instance_state>(c.system(), c.conductor(), command_atom::value,
                                   std::string("vm1"), step, meta);
      ASSERT_TRUE(r.ok()) << r.error.message;
    }
  }
  auto list = run_command({CUMULO_BINARY, "replay", "--data-dir", data.string()});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("instance/vm1"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("total: 8 events in 3 streams"), std::string::npos) << list.out;

  auto history = run_command(
      {CUMULO_BINARY, "replay", "--data-dir", data.string(), "--stream", "instance/vm1"});
  ASSERT_EQ(history.exit_code, 0) << history.err;
  std::size_t at = 0;
  for (const char* type : {"instance.requested", "instance.scheduled", "instance.spawning",
                           "instance.active", "instance.stop_requested", "instance.stopped"}) {
    at = history.out.find(type, at);
    ASSERT_NE(at, std::string::npos) << type << " missing or out of order:\n" << history.out;
  }
  EXPECT_NE(history.out.find("request req-launch-1  user admin-user"), std::string::npos);
  EXPECT_NE(history.out.find("\"compute-1\""), std::string::npos) << "the chosen host";

  auto before_stop = run_command({CUMULO_BINARY, "replay", "--data-dir", data.string(), "--stream",
                                  "instance/vm1", "--at", "6", "--json"});
  ASSERT_EQ(before_stop.exit_code, 0) << before_stop.err;
  auto state = nlohmann::json::parse(before_stop.out, nullptr, false);
  EXPECT_EQ(state["instance/vm1"]["status"], "ACTIVE") << before_stop.out;

  auto verify = run_command({CUMULO_BINARY, "replay", "verify", "--data-dir", data.string()});
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_NE(verify.out.find("verified 8 events in 3 streams"), std::string::npos) << verify.out;
}

// A Keystone group's stream, as the identity actor decides it: replay
// shows each step with who asked, and the group's state now.
TEST(ReplayOfACloud, ShowsAGroupsMembersAndRoles) {
  temp_dir dir;
  const auto data = dir.path() / "data";
  {
    cloud c(cloud_options{data, durability::full, 2});
    event_metadata meta{"req-group-1", "admin-user"};
    auto& id = c.identity();
    ASSERT_TRUE(ask<project_state>(c.system(), id, command_atom::value, std::string("p1"),
                                   project::command{project::create{"demo"}}, meta)
                    .ok());
    ASSERT_TRUE(ask<role_state>(c.system(), id, command_atom::value, std::string("r1"),
                                role::command{role::create{"member"}}, meta)
                    .ok());
    user::create alice;
    alice.name = "alice";
    ASSERT_TRUE(ask<user_state>(c.system(), id, command_atom::value, std::string("u1"),
                                user::command{alice}, meta)
                    .ok());
    for (group::command step : std::vector<group::command>{
             group::create{"devs"}, group::add_member{"u1"}, group::grant_role{"p1", "r1"},
             group::revoke_role{"p1", "r1"}, group::remove_member{"u1"}, group::remove{}}) {
      auto r = ask<group_state>(c.system(), id, command_atom::value, std::string("g1"), step, meta);
      ASSERT_TRUE(r.ok()) << r.error.message;
    }
  }
  auto history =
      run_command({CUMULO_BINARY, "replay", "--data-dir", data.string(), "--stream", "group/g1"});
  ASSERT_EQ(history.exit_code, 0) << history.err;
  std::size_t at = 0;
  for (const char* type : {"group.created", "group.member_added", "group.role_granted",
                           "group.role_revoked", "group.member_removed", "group.deleted"}) {
    at = history.out.find(type, at);
    ASSERT_NE(at, std::string::npos) << type << " missing or out of order:\n" << history.out;
  }
  EXPECT_NE(history.out.find("request req-group-1  user admin-user"), std::string::npos);

  // The state once the role was granted (its seq, as the stream's events say).
  auto events = run_command(
      {CUMULO_BINARY, "replay", "--data-dir", data.string(), "--stream", "group/g1", "--json"});
  ASSERT_EQ(events.exit_code, 0) << events.err;
  auto listed = nlohmann::json::parse(events.out, nullptr, false);
  ASSERT_TRUE(listed.is_array() && listed.size() == 6u) << events.out;
  EXPECT_EQ(listed[2]["type"], "group.role_granted");
  EXPECT_EQ(listed[2]["payload"]["project_id"], "p1");
  const std::string granted_seq = std::to_string(listed[2].value("seq", 0));
  auto granted = run_command({CUMULO_BINARY, "replay", "--data-dir", data.string(), "--stream",
                              "group/g1", "--at", granted_seq, "--json"});
  ASSERT_EQ(granted.exit_code, 0) << granted.err;
  auto state = nlohmann::json::parse(granted.out, nullptr, false);
  EXPECT_EQ(state["group/g1"]["members"], nlohmann::json::array({"u1"})) << granted.out;
  EXPECT_EQ(state["group/g1"]["roles"]["p1"], nlohmann::json::array({"r1"})) << granted.out;

  auto verify = run_command({CUMULO_BINARY, "replay", "verify", "--data-dir", data.string()});
  EXPECT_EQ(verify.exit_code, 0) << verify.err << verify.out;
}

}  // namespace
}  // namespace cumulo
