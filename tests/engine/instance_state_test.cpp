#include "engine/instance_state.hpp"

#include <gtest/gtest.h>

#include <tuple>

#include "engine/fold.hpp"
#include "tests/engine/machine_test_support.hpp"

namespace cumulo {
namespace {

using M = instance_machine;

instance_state run(instance_state s, const instance::command& c) {
  return run_command_on<M>(std::move(s), c);
}
void expect_refused(const instance_state& s, const instance::command& c, errc code,
                    const std::string& message) {
  expect_refusal<M>(s, c, code, message);
}

instance::request launch() {
  instance::request r;
  r.name = "vm1";
  r.project_id = "p1";
  r.user_id = "u1";
  r.flavor = {"f1", "m1.tiny", 1, 512, 1, 0, 0};
  r.image_id = "img1";
  r.networks = {{"net1", "", ""}};
  r.metadata = {{"k", "v"}};
  return r;
}

instance_state fresh() {
  instance_state s;
  s.id = "i1";
  return s;
}

instance_state building() {
  return run(fresh(), launch());
}

instance_state active() {
  auto s = run(building(), instance::schedule{"h1", "node1", {}});
  s = run(s, instance::bind_port{"port1", "net1", "private", "10.0.0.5", "fa:16:3e:00:00:01"});
  s = run(s, instance::spawn{});
  return run(s, instance::mark_active{1000});
}

instance_state stopped() {
  return run(run(active(), instance::stop{}), instance::complete_stop{});
}

instance_state paused() {
  return run(run(active(), instance::pause{}), instance::complete_pause{});
}

instance_state suspended() {
  return run(run(active(), instance::suspend{}), instance::complete_suspend{});
}

instance_state failed(instance_state s) {
  return run(std::move(s), instance::fail{"boom", 500, "trace", 2000});
}

void expect_states(const instance_state& s, vm_states vm, task_states task, power_states power,
                   const std::string& status) {
  EXPECT_EQ(s.vm_state, vm) << to_string(s.vm_state);
  EXPECT_EQ(s.task_state, task) << to_string(s.task_state);
  EXPECT_EQ(s.power_state, power) << to_string(s.power_state);
  EXPECT_EQ(api_status(s), status);
}

TEST(InstanceState, LaunchFlowToActive) {
  auto s = building();
  EXPECT_TRUE(s.exists());
  EXPECT_EQ(s.name, "vm1");
  EXPECT_EQ(s.flavor.memory_mb, 512);
  EXPECT_EQ(s.availability_zone, "nova");
  EXPECT_EQ(s.security_groups, std::vector<std::string>{"default"});
  expect_states(s, vm_states::building, task_states::scheduling, power_states::nostate, "BUILD");

  s = run(s, instance::schedule{"h1", "node1", {{"h2", "host is disabled: maintenance"}}});
  EXPECT_EQ(s.host, "h1");
  EXPECT_EQ(s.node, "node1");
  expect_states(s, vm_states::building, task_states::networking, power_states::nostate, "BUILD");

  // One port per requested network; the task stays networking.
  s = run(s, instance::bind_port{"port1", "net1", "private", "10.0.0.5", "fa:16:3e:00:00:01"});
  s = run(s, instance::bind_port{"port2", "net2", "public", "172.24.4.9", "fa:16:3e:00:00:02"});
  ASSERT_EQ(s.addresses.size(), 2u);
  EXPECT_EQ(s.addresses[1].network_name, "public");
  EXPECT_EQ(s.addresses[1].ip_address, "172.24.4.9");
  expect_states(s, vm_states::building, task_states::networking, power_states::nostate, "BUILD");

  s = run(s, instance::spawn{});
  expect_states(s, vm_states::building, task_states::spawning, power_states::nostate, "BUILD");

  s = run(s, instance::mark_active{1234});
  expect_states(s, vm_states::active, task_states::none, power_states::running, "ACTIVE");
  EXPECT_EQ(s.launched_at_us, 1234);
  EXPECT_FALSE(s.fault);
}

TEST(InstanceState, LaunchWithoutNetworksSpawnsAfterScheduling) {
  auto s = run(building(), instance::schedule{"h1", "node1", {}});
  s = run(s, instance::spawn{});
  s = run(s, instance::mark_active{1});
  EXPECT_EQ(api_status(s), "ACTIVE");
  EXPECT_TRUE(s.addresses.empty());
}

TEST(InstanceState, ARescheduleGoesBackToSchedulingAndKeepsThePorts) {
  auto s = run(building(), instance::schedule{"h1", "node1", {}});
  s = run(s, instance::bind_port{"port1", "net1", "private", "10.0.0.5", "fa:16:3e:00:00:01"});
  s = run(s, instance::spawn{});
  s = run(s, instance::reschedule{"h1", "libvirt said no", 1});
  expect_states(s, vm_states::building, task_states::scheduling, power_states::nostate, "BUILD");
  EXPECT_EQ(s.host, "");
  EXPECT_EQ(s.node, "");
  ASSERT_EQ(s.addresses.size(), 1u);  // the port stays the instance's
  // The next host, then straight to the spawn: the ports are bound.
  s = run(s, instance::schedule{"h2", "node2", {}});
  s = run(s, instance::spawn{});
  s = run(s, instance::mark_active{7});
  EXPECT_EQ(api_status(s), "ACTIVE");
  EXPECT_EQ(s.host, "h2");
  // Only a build being placed or spawned is rescheduled.
  expect_refused(s, instance::reschedule{"h2", "late", 2}, errc::conflict,
                 "Cannot 'reschedule' instance i1 while it is in vm_state active");
  expect_refused(building(), instance::reschedule{"h1", "early", 1}, errc::conflict,
                 "Cannot 'reschedule' instance i1 while it is in task_state scheduling");
}

TEST(InstanceState, StopAndStart) {
  auto s = run(active(), instance::stop{});
  expect_states(s, vm_states::active, task_states::powering_off, power_states::running, "ACTIVE");
  s = run(s, instance::complete_stop{});
  expect_states(s, vm_states::stopped, task_states::none, power_states::shutdown, "SHUTOFF");
  s = run(s, instance::start{});
  expect_states(s, vm_states::stopped, task_states::powering_on, power_states::shutdown, "SHUTOFF");
  s = run(s, instance::complete_start{});
  expect_states(s, vm_states::active, task_states::none, power_states::running, "ACTIVE");
}

TEST(InstanceState, StopFromErrorOnceLaunched) {
  auto s = failed(active());
  expect_states(s, vm_states::error, task_states::none, power_states::running, "ERROR");
  s = run(s, instance::stop{});
  EXPECT_EQ(s.task_state, task_states::powering_off);
  EXPECT_EQ(api_status(s), "ERROR");
  s = run(s, instance::complete_stop{});
  expect_states(s, vm_states::stopped, task_states::none, power_states::shutdown, "SHUTOFF");
}

TEST(InstanceState, SoftRebootFromActive) {
  auto s = run(active(), instance::reboot{reboot_type::soft});
  expect_states(s, vm_states::active, task_states::rebooting, power_states::running, "REBOOT");
  EXPECT_EQ(s.reboot, reboot_type::soft);
  s = run(s, instance::complete_reboot{});
  expect_states(s, vm_states::active, task_states::none, power_states::running, "ACTIVE");
  EXPECT_FALSE(s.reboot);
}

TEST(InstanceState, HardRebootFromActive) {
  auto s = run(active(), instance::reboot{reboot_type::hard});
  expect_states(s, vm_states::active, task_states::rebooting_hard, power_states::running,
                "HARD_REBOOT");
  EXPECT_EQ(s.reboot, reboot_type::hard);
  s = run(s, instance::complete_reboot{});
  expect_states(s, vm_states::active, task_states::none, power_states::running, "ACTIVE");
}

TEST(InstanceState, HardRebootFromStoppedPausedSuspendedAndError) {
  // Nova's status map has no reboot entry but for ACTIVE: a stopped server
  // being hard-rebooted still shows SHUTOFF.
  auto s = run(stopped(), instance::reboot{reboot_type::hard});
  expect_states(s, vm_states::stopped, task_states::rebooting_hard, power_states::shutdown,
                "SHUTOFF");
  s = run(s, instance::complete_reboot{});
  expect_states(s, vm_states::active, task_states::none, power_states::running, "ACTIVE");

  s = run(paused(), instance::reboot{reboot_type::hard});
  EXPECT_EQ(api_status(s), "PAUSED");
  s = run(s, instance::complete_reboot{});
  expect_states(s, vm_states::active, task_states::none, power_states::running, "ACTIVE");

  s = run(suspended(), instance::reboot{reboot_type::hard});
  EXPECT_EQ(api_status(s), "SUSPENDED");
  s = run(s, instance::complete_reboot{});
  expect_states(s, vm_states::active, task_states::none, power_states::running, "ACTIVE");

  s = run(failed(active()), instance::reboot{reboot_type::hard});
  EXPECT_EQ(api_status(s), "ERROR");
  s = run(s, instance::complete_reboot{});
  expect_states(s, vm_states::active, task_states::none, power_states::running, "ACTIVE");
}

TEST(InstanceState, SoftRebootOnlyFromActiveWithNoTask) {
  expect_refused(stopped(), instance::reboot{reboot_type::soft}, errc::conflict,
                 "Cannot 'reboot' instance i1 while it is in vm_state stopped");
  expect_refused(paused(), instance::reboot{reboot_type::soft}, errc::conflict,
                 "Cannot 'reboot' instance i1 while it is in vm_state paused");
  auto rebooting = run(active(), instance::reboot{reboot_type::soft});
  expect_refused(rebooting, instance::reboot{reboot_type::soft}, errc::conflict,
                 "Cannot 'reboot' instance i1 while it is in task_state rebooting");
}

TEST(InstanceState, HardRebootInterruptsRebootsAndHungOperations) {
  auto s =
      run(run(active(), instance::reboot{reboot_type::soft}), instance::reboot{reboot_type::hard});
  expect_states(s, vm_states::active, task_states::rebooting_hard, power_states::running,
                "HARD_REBOOT");
  s = run(s, instance::reboot{reboot_type::hard});
  EXPECT_EQ(s.task_state, task_states::rebooting_hard);

  s = run(run(active(), instance::pause{}), instance::reboot{reboot_type::hard});
  EXPECT_EQ(s.task_state, task_states::rebooting_hard);
  // The pause that was under way can no longer complete.
  expect_refused(s, instance::complete_pause{}, errc::conflict,
                 "Cannot 'complete_pause' instance i1 while it is in task_state rebooting_hard");

  expect_refused(run(active(), instance::stop{}), instance::reboot{reboot_type::hard},
                 errc::conflict,
                 "Cannot 'reboot' instance i1 while it is in task_state powering-off");
  expect_refused(building(), instance::reboot{reboot_type::hard}, errc::conflict,
                 "Cannot 'reboot' instance i1 while it is in vm_state building");
}

TEST(InstanceState, PauseAndUnpause) {
  auto s = run(active(), instance::pause{});
  expect_states(s, vm_states::active, task_states::pausing, power_states::running, "ACTIVE");
  s = run(s, instance::complete_pause{});
  expect_states(s, vm_states::paused, task_states::none, power_states::paused, "PAUSED");
  s = run(s, instance::unpause{});
  expect_states(s, vm_states::paused, task_states::unpausing, power_states::paused, "PAUSED");
  s = run(s, instance::complete_unpause{});
  expect_states(s, vm_states::active, task_states::none, power_states::running, "ACTIVE");
}

TEST(InstanceState, SuspendAndResume) {
  auto s = run(active(), instance::suspend{});
  expect_states(s, vm_states::active, task_states::suspending, power_states::running, "ACTIVE");
  s = run(s, instance::complete_suspend{});
  expect_states(s, vm_states::suspended, task_states::none, power_states::suspended, "SUSPENDED");
  s = run(s, instance::resume{});
  expect_states(s, vm_states::suspended, task_states::resuming, power_states::suspended,
                "SUSPENDED");
  s = run(s, instance::complete_resume{});
  expect_states(s, vm_states::active, task_states::none, power_states::running, "ACTIVE");
}

TEST(InstanceState, RenameAndUnbindPort) {
  auto s = run(active(), instance::rename{"vm2"});
  EXPECT_EQ(s.name, "vm2");
  expect_refused(s, instance::rename{""}, errc::bad_request, "Server name must not be empty.");
  s = run(s, instance::unbind_port{"port1"});
  EXPECT_TRUE(s.addresses.empty());
  expect_refused(s, instance::unbind_port{"port1"}, errc::not_found,
                 "Port port1 is not attached to instance i1.");
}

// Every vm_state a user can delete from, and with a task under way.
TEST(InstanceState, DeleteFromEveryState) {
  auto scheduled = run(building(), instance::schedule{"h1", "node1", {}});
  auto spawning = run(scheduled, instance::spawn{});
  const std::vector<std::pair<instance_state, std::string>> cases{
      {building(), "BUILD"},
      {scheduled, "BUILD"},
      {spawning, "BUILD"},
      {active(), "ACTIVE"},
      {stopped(), "SHUTOFF"},
      {paused(), "PAUSED"},
      {suspended(), "SUSPENDED"},
      {failed(building()), "ERROR"},
      {run(active(), instance::stop{}), "ACTIVE"},
      {run(active(), instance::reboot{reboot_type::hard}), "ACTIVE"},
  };
  for (const auto& [start, status] : cases) {
    SCOPED_TRACE(status + " " + to_string(start.task_state));
    auto s = run(start, instance::remove{});
    EXPECT_EQ(s.task_state, task_states::deleting);
    EXPECT_EQ(api_status(s), status) << "deleting keeps the vm_state's status";
    auto again = M::decide(s, instance::remove{});
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(again.value().empty()) << "a second delete adds nothing";
    s = run(s, instance::complete_delete{});
    expect_states(s, vm_states::deleted, task_states::none, power_states::nostate, "DELETED");
    EXPECT_TRUE(s.deleted);
    EXPECT_FALSE(s.exists());
  }
}

TEST(InstanceState, ErrorPathRecordsTheFault) {
  // No valid host: the build fails before it has a host.
  auto s = run(building(), instance::fail{"No valid host was found. There are not enough hosts "
                                          "available.",
                                          500, "", 5000});
  expect_states(s, vm_states::error, task_states::none, power_states::nostate, "ERROR");
  ASSERT_TRUE(s.fault);
  EXPECT_EQ(s.fault->code, 500);
  EXPECT_EQ(s.fault->time_us, 5000);
  EXPECT_EQ(s.fault->message, "No valid host was found. There are not enough hosts available.");
  // Nova's check_instance_host comes first for stop and start.
  expect_refused(s, instance::stop{}, errc::conflict, "Instance i1 is not ready");
  // Never launched: Nova's launched_at check gives the generic sentence.
  expect_refused(s, instance::reboot{reboot_type::hard}, errc::conflict,
                 "Instance i1 is in an invalid state for 'reboot'");
  auto spawn_failed =
      failed(run(run(building(), instance::schedule{"h1", "n1", {}}), instance::spawn{}));
  expect_refused(spawn_failed, instance::stop{}, errc::conflict,
                 "Instance i1 is in an invalid state for 'stop'");
  // Failing again replaces the fault; delete still works.
  s = run(s, instance::fail{"again", 400, "d", 6000});
  EXPECT_EQ(s.fault->message, "again");
  EXPECT_EQ(s.fault->code, 400);
  s = run(run(s, instance::remove{}), instance::complete_delete{});
  EXPECT_TRUE(s.deleted);
}

TEST(InstanceState, FailEndsAnyTask) {
  auto s = failed(run(active(), instance::reboot{reboot_type::hard}));
  expect_states(s, vm_states::error, task_states::none, power_states::running, "ERROR");
  EXPECT_FALSE(s.reboot);
  s = failed(run(active(), instance::remove{}));
  EXPECT_EQ(s.task_state, task_states::none);
  EXPECT_EQ(api_status(s), "ERROR");
}

TEST(InstanceState, AbortTaskRestoresTheVmState) {
  auto s = run(run(active(), instance::stop{}), instance::abort_task{"restart"});
  expect_states(s, vm_states::active, task_states::none, power_states::running, "ACTIVE");
  s = run(run(stopped(), instance::start{}), instance::abort_task{"restart"});
  expect_states(s, vm_states::stopped, task_states::none, power_states::shutdown, "SHUTOFF");
  s = run(run(active(), instance::reboot{reboot_type::soft}), instance::abort_task{"restart"});
  EXPECT_EQ(api_status(s), "ACTIVE");
  EXPECT_FALSE(s.reboot);
  s = run(run(paused(), instance::remove{}), instance::abort_task{"restart"});
  expect_states(s, vm_states::paused, task_states::none, power_states::paused, "PAUSED");

  expect_refused(active(), instance::abort_task{"x"}, errc::conflict,
                 "Instance i1 is in an invalid state for 'abort_task'");
  expect_refused(building(), instance::abort_task{"x"}, errc::conflict,
                 "Cannot 'abort_task' instance i1 while it is in vm_state building");
}

TEST(InstanceState, RefusesUserActionsInTheWrongVmState) {
  const std::vector<std::tuple<instance_state, instance::command, std::string>> cases{
      {active(), instance::start{}, "Cannot 'start' instance i1 while it is in vm_state active"},
      {stopped(), instance::stop{}, "Cannot 'stop' instance i1 while it is in vm_state stopped"},
      {paused(), instance::stop{}, "Cannot 'stop' instance i1 while it is in vm_state paused"},
      {stopped(), instance::pause{}, "Cannot 'pause' instance i1 while it is in vm_state stopped"},
      {active(), instance::unpause{},
       "Cannot 'unpause' instance i1 while it is in vm_state active"},
      {paused(), instance::suspend{},
       "Cannot 'suspend' instance i1 while it is in vm_state paused"},
      {active(), instance::resume{}, "Cannot 'resume' instance i1 while it is in vm_state active"},
      {run(building(), instance::schedule{"h1", "n1", {}}), instance::pause{},
       "Cannot 'pause' instance i1 while it is in vm_state building"},
  };
  for (const auto& [s, c, message] : cases) expect_refused(s, c, errc::conflict, message);
}

TEST(InstanceState, RefusesUserActionsWhileATaskRuns) {
  auto powering_off = run(active(), instance::stop{});
  expect_refused(powering_off, instance::stop{}, errc::conflict,
                 "Cannot 'stop' instance i1 while it is in task_state powering-off");
  expect_refused(powering_off, instance::pause{}, errc::conflict,
                 "Cannot 'pause' instance i1 while it is in task_state powering-off");
  expect_refused(run(stopped(), instance::start{}), instance::start{}, errc::conflict,
                 "Cannot 'start' instance i1 while it is in task_state powering-on");
  expect_refused(run(active(), instance::suspend{}), instance::suspend{}, errc::conflict,
                 "Cannot 'suspend' instance i1 while it is in task_state suspending");
  expect_refused(run(active(), instance::remove{}), instance::stop{}, errc::conflict,
                 "Cannot 'stop' instance i1 while it is in task_state deleting");
}

TEST(InstanceState, RefusesProgressOutOfOrder) {
  expect_refused(active(), instance::schedule{"h1", "n1", {}}, errc::conflict,
                 "Cannot 'schedule' instance i1 while it is in vm_state active");
  expect_refused(building(), instance::spawn{}, errc::conflict,
                 "Cannot 'spawn' instance i1 while it is in task_state scheduling");
  expect_refused(building(), instance::bind_port{"p", "n", "net", "10.0.0.2", "m"}, errc::conflict,
                 "Cannot 'bind_port' instance i1 while it is in task_state scheduling");
  auto scheduled = run(building(), instance::schedule{"h1", "n1", {}});
  expect_refused(scheduled, instance::mark_active{1}, errc::conflict,
                 "Cannot 'mark_active' instance i1 while it is in task_state networking");
  expect_refused(building(), instance::schedule{"", "", {}}, errc::bad_request,
                 "A scheduled instance needs a host.");
  auto bound = run(scheduled, instance::bind_port{"p1", "n", "net", "10.0.0.2", "m"});
  expect_refused(bound, instance::bind_port{"p1", "n", "net", "10.0.0.3", "m"}, errc::conflict,
                 "Port p1 is already bound to instance i1.");
  expect_refused(active(), instance::complete_stop{}, errc::conflict,
                 "Instance i1 is in an invalid state for 'complete_stop'");
  expect_refused(run(active(), instance::stop{}), instance::complete_start{}, errc::conflict,
                 "Cannot 'complete_start' instance i1 while it is in task_state powering-off");
  expect_refused(active(), instance::complete_delete{}, errc::conflict,
                 "Instance i1 is in an invalid state for 'complete_delete'");
}

TEST(InstanceState, UnknownOrDeletedInstanceIsNotFound) {
  auto gone = run(run(active(), instance::remove{}), instance::complete_delete{});
  const std::vector<instance::command> commands{
      instance::stop{},
      instance::start{},
      instance::reboot{},
      instance::pause{},
      instance::unpause{},
      instance::suspend{},
      instance::resume{},
      instance::rename{"x"},
      instance::remove{},
      instance::schedule{"h", "n", {}},
      instance::bind_port{"p", "n", "net", "ip", "mac"},
      instance::unbind_port{"p"},
      instance::spawn{},
      instance::mark_active{},
      instance::fail{},
      instance::complete_stop{},
      instance::complete_start{},
      instance::complete_reboot{},
      instance::complete_pause{},
      instance::complete_unpause{},
      instance::complete_suspend{},
      instance::complete_resume{},
      instance::complete_delete{},
      instance::abort_task{},
      instance::update{},
      instance::set_metadata{},
      instance::delete_metadata{"k"},
      instance::set_tags{},
      instance::add_tag{"t"},
      instance::remove_tag{"t"},
      instance::lock{},
      instance::unlock{},
      instance::set_security_groups{{"web"}},
      instance::snapshot{"img", "snap"},
      instance::snapshot_taken{},
      instance::snapshot_uploading{},
      instance::complete_snapshot{},
      instance::rebuild{"img", "", {}, {}, "", "", {}, {}},
      instance::rebuild_spawning{},
      instance::complete_rebuild{},
  };
  for (const auto& c : commands) {
    expect_refused(fresh(), c, errc::not_found, "Instance i1 could not be found.");
    expect_refused(gone, c, errc::not_found, "Instance i1 could not be found.");
  }
  expect_refused(gone, launch(), errc::conflict, "Instance i1 already exists.");
  expect_refused(active(), launch(), errc::conflict, "Instance i1 already exists.");
}

TEST(InstanceState, MetadataReplacesMergesAndDeletesWithinItsQuota) {
  auto s = run(active(), instance::set_metadata{{{"a", "1"}}, false, -1});
  EXPECT_EQ(s.metadata, (std::map<std::string, std::string>{{"a", "1"}, {"k", "v"}}));
  s = run(s, instance::set_metadata{{{"b", "2"}}, true, -1});
  EXPECT_EQ(s.metadata, (std::map<std::string, std::string>{{"b", "2"}}));
  // Nothing changes: no event.
  EXPECT_TRUE(M::decide(s, instance::set_metadata{{{"b", "2"}}, false, -1}).value().empty());
  expect_refused(s, instance::set_metadata{{{"c", "3"}}, false, 1}, errc::forbidden,
                 "Quota exceeded for metadata_items: maximum number of metadata items is 1.");
  // Replacing stays within the quota even where a merge would not.
  EXPECT_TRUE(M::decide(s, instance::set_metadata{{{"c", "3"}}, true, 1}).ok());
  expect_refused(s, instance::delete_metadata{"nope"}, errc::not_found,
                 "Metadata item was not found");
  s = run(s, instance::delete_metadata{"b"});
  EXPECT_TRUE(s.metadata.empty());
  // Nova's states: not while building or with a task under way.
  expect_refused(building(), instance::set_metadata{{{"a", "1"}}, false, -1}, errc::conflict,
                 "Cannot 'update metadata' instance i1 while it is in vm_state building");
  expect_refused(run(active(), instance::stop{}), instance::delete_metadata{"k"}, errc::conflict,
                 "Cannot 'delete metadata' instance i1 while it is in task_state powering-off");
  EXPECT_TRUE(M::decide(stopped(), instance::set_metadata{{{"a", "1"}}, false, -1}).ok());
}

TEST(InstanceState, TagsKeepTheirOrderOnceEachWithinNovasLimits) {
  auto s = run(active(), instance::set_tags{{"b", "a", "b"}});
  EXPECT_EQ(s.tags, (std::vector<std::string>{"b", "a"}));
  s = run(s, instance::add_tag{"c"});
  EXPECT_EQ(s.tags, (std::vector<std::string>{"b", "a", "c"}));
  EXPECT_TRUE(M::decide(s, instance::add_tag{"a"}).value().empty()) << "already there";
  s = run(s, instance::remove_tag{"a"});
  EXPECT_EQ(s.tags, (std::vector<std::string>{"b", "c"}));
  expect_refused(s, instance::remove_tag{"a"}, errc::not_found, "Instance i1 has no tag 'a'");
  for (const auto* bad : {"", "a/b", "a,b"})
    EXPECT_FALSE(M::decide(s, instance::add_tag{bad}).ok()) << bad;
  EXPECT_FALSE(M::decide(s, instance::add_tag{std::string(61, 't')}).ok());
  EXPECT_TRUE(M::decide(s, instance::add_tag{std::string(60, 't')}).ok());
  std::vector<std::string> many;
  for (int i = 0; i < 51; ++i) many.push_back("t" + std::to_string(i));
  expect_refused(s, instance::set_tags{many}, errc::bad_request,
                 "The number of tags exceeded the per-server limit 50");
  many.pop_back();
  s = run(s, instance::set_tags{many});
  expect_refused(s, instance::add_tag{"one-more"}, errc::bad_request,
                 "The number of tags exceeded the per-server limit 50");
  s = run(s, instance::set_tags{});
  EXPECT_TRUE(s.tags.empty());
  expect_refused(building(), instance::add_tag{"x"}, errc::conflict,
                 "Cannot 'update tag' instance i1 while it is in vm_state building");
  // A launch's tags (2.52) follow the same rules.
  auto r = launch();
  r.tags = {"x", "x", "y"};
  EXPECT_EQ(run(fresh(), r).tags, (std::vector<std::string>{"x", "y"}));
  r.tags = {"no/slash"};
  EXPECT_FALSE(M::decide(fresh(), r).ok());
}

TEST(InstanceState, LockRefusesOthersActionsButNotAnAdmins) {
  auto s = run(active(), instance::lock{true, "backup running"});
  EXPECT_TRUE(s.locked);
  EXPECT_EQ(s.locked_by, "owner");
  EXPECT_EQ(s.locked_reason, "backup running");
  // Locking again keeps the first lock.
  EXPECT_TRUE(M::decide(s, instance::lock{false, "other"}).value().empty());
  for (const instance::command& c : std::vector<instance::command>{
           instance::stop{}, instance::reboot{}, instance::pause{}, instance::suspend{},
           instance::remove{}, instance::set_metadata{{{"a", "b"}}, false, -1},
           instance::delete_metadata{"k"}}) {
    auto err = instance::check_lock(s, c, false);
    ASSERT_TRUE(err) << c.index();
    EXPECT_EQ(err->code, errc::conflict);
    EXPECT_EQ(err->message, "Instance i1 is locked");
    EXPECT_FALSE(instance::check_lock(s, c, true)) << "an admin is not held by the lock";
  }
  // Renames, updates, tags and the lock itself are not held by it (Nova).
  for (const instance::command& c : std::vector<instance::command>{
           instance::rename{"x"}, instance::update{}, instance::add_tag{"t"}, instance::unlock{}})
    EXPECT_FALSE(instance::check_lock(s, c, false)) << c.index();
  s = run(s, instance::unlock{});
  EXPECT_FALSE(s.locked);
  EXPECT_EQ(s.locked_reason, "");
  EXPECT_FALSE(instance::check_lock(s, instance::stop{}, false));
  EXPECT_TRUE(M::decide(s, instance::unlock{}).value().empty());
}

TEST(InstanceState, UpdateSetsDescriptionAndAccessAddresses) {
  EXPECT_FALSE(active().description) << "null until set";
  instance::update u;
  u.description = std::optional<std::string>("front end");
  u.access_ip_v4 = "192.0.2.10";
  auto s = run(active(), u);
  EXPECT_EQ(s.description, "front end");
  EXPECT_EQ(s.access_ip_v4, "192.0.2.10");
  EXPECT_EQ(s.access_ip_v6, "");
  instance::update clear;
  clear.description = std::optional<std::string>();
  s = run(s, clear);
  EXPECT_FALSE(s.description);
  EXPECT_EQ(s.access_ip_v4, "192.0.2.10") << "fields not named stay";
  EXPECT_TRUE(M::decide(s, instance::update{}).value().empty());
}

TEST(InstanceState, SnapshotStepsThroughNovasTaskStates) {
  for (const auto& from : {active(), stopped(), paused(), suspended()}) {
    auto s = run(from, instance::snapshot{"img9", "snap"});
    EXPECT_EQ(s.task_state, task_states::image_snapshot);
    EXPECT_EQ(s.snapshot_image_id, "img9");
    EXPECT_EQ(api_status(s), api_status(from)) << "the status stays";
    expect_refused(s, instance::snapshot{"img10", "again"}, errc::conflict,
                   "Cannot 'createImage' instance i1 while it is in task_state image_snapshot");
    expect_refused(s, instance::snapshot_uploading{}, errc::conflict,
                   "Cannot 'snapshot_uploading' instance i1 while it is in task_state "
                   "image_snapshot");
    s = run(s, instance::snapshot_taken{});
    EXPECT_EQ(s.task_state, task_states::image_pending_upload);
    s = run(s, instance::snapshot_uploading{});
    EXPECT_EQ(s.task_state, task_states::image_uploading);
    auto done = M::decide(s, instance::complete_snapshot{}).value();
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(std::get<instance_snapshot_done>(done[0]).image_id, "img9");
    s = run(s, instance::complete_snapshot{});
    EXPECT_EQ(s.task_state, task_states::none);
    EXPECT_EQ(s.snapshot_image_id, "");
    EXPECT_EQ(s.vm_state, from.vm_state);
  }
  // A failed snapshot ends its task; a building server has no disk yet.
  auto s = run(run(active(), instance::snapshot{"img9", "snap"}), instance::abort_task{"copy"});
  EXPECT_EQ(s.task_state, task_states::none);
  EXPECT_EQ(s.snapshot_image_id, "");
  expect_refused(building(), instance::snapshot{"img9", "snap"}, errc::conflict,
                 "Cannot 'createImage' instance i1 while it is in vm_state building");
  // Not held by a lock (Nova).
  auto locked = run(active(), instance::lock{true, ""});
  EXPECT_FALSE(instance::check_lock(locked, instance::snapshot{"img9", "snap"}, false));
}

TEST(InstanceState, RebuildKeepsTheServerOnANewImage) {
  instance::rebuild r{"img2",
                      "vm-new",
                      std::map<std::string, std::string>{{"a", "b"}},
                      std::optional<std::string>("again"),
                      "",
                      "",
                      std::string("k2"),
                      {}};
  auto s = run(active(), r);
  EXPECT_EQ(s.task_state, task_states::rebuilding);
  EXPECT_EQ(api_status(s), "REBUILD");
  EXPECT_EQ(s.image_id, "img2");
  EXPECT_EQ(s.name, "vm-new");
  EXPECT_EQ(s.metadata, (std::map<std::string, std::string>{{"a", "b"}}));
  EXPECT_EQ(s.description, "again");
  EXPECT_EQ(s.key_name, "k2");
  EXPECT_EQ(s.addresses.size(), 1u) << "its ports stay";
  expect_refused(s, r, errc::conflict,
                 "Cannot 'rebuild' instance i1 while it is in task_state rebuilding");
  s = run(s, instance::rebuild_spawning{});
  EXPECT_EQ(api_status(s), "REBUILD");
  s = run(s, instance::complete_rebuild{power_states::running});
  EXPECT_EQ(api_status(s), "ACTIVE");
  EXPECT_EQ(s.task_state, task_states::none);
  // A stopped server ends stopped; one in ERROR is repaired.
  auto stopped_one = run(run(run(stopped(), instance::rebuild{"img3", "", {}, {}, "", "", {}, {}}),
                             instance::rebuild_spawning{}),
                         instance::complete_rebuild{power_states::shutdown});
  EXPECT_EQ(api_status(stopped_one), "SHUTOFF");
  EXPECT_EQ(stopped_one.name, "vm1") << "no name: kept";
  auto broken = run(active(), instance::fail{"boom", 500, "", 1});
  broken = run(run(run(broken, instance::rebuild{"img3", "", {}, {}, "", "", {}, {}}),
                   instance::rebuild_spawning{}),
               instance::complete_rebuild{power_states::running});
  EXPECT_EQ(api_status(broken), "ACTIVE");
  EXPECT_FALSE(broken.fault);
  // Held by the lock; not from a paused server.
  auto locked = run(active(), instance::lock{true, ""});
  EXPECT_TRUE(instance::check_lock(locked, r, false));
  expect_refused(paused(), r, errc::conflict,
                 "Cannot 'rebuild' instance i1 while it is in vm_state paused");
}

const instance::flavor big{"f2", "m1.small", 2, 1024, 2, 0, 0};

TEST(InstanceState, ResizeConfirmMovesTheServerToItsNewFlavorAndHost) {
  auto s = run(active(), instance::resize{"m1", "resize", big, 10});
  expect_states(s, vm_states::active, task_states::resize_prep, power_states::running, "RESIZE");
  ASSERT_TRUE(s.migration);
  EXPECT_EQ(s.migration->status, "pre-migrating");
  EXPECT_EQ(s.migration->source_host, "h1");
  expect_refused(s, instance::resize{"m2", "resize", big, 10}, errc::conflict,
                 "Cannot 'resize' instance i1 while it is in task_state resize_prep");
  s = run(s, instance::schedule_migration{"h2", {{"h1", "the source"}}, 11});
  EXPECT_EQ(s.task_state, task_states::resize_migrating);
  EXPECT_EQ(s.migration->status, "migrating");
  EXPECT_EQ(s.host, "h1") << "the host changes when the domain is there";
  s = run(s, instance::finish_resize{power_states::running, 12});
  expect_states(s, vm_states::resized, task_states::none, power_states::running, "VERIFY_RESIZE");
  EXPECT_EQ(s.host, "h2");
  EXPECT_EQ(s.flavor.id, "f2");
  s = run(s, instance::confirm_resize{13});
  expect_states(s, vm_states::active, task_states::none, power_states::running, "ACTIVE");
  EXPECT_FALSE(s.migration);
  ASSERT_EQ(s.migrations.size(), 1u);
  EXPECT_EQ(s.migrations[0].status, "confirmed");
  EXPECT_EQ(s.migrations[0].dest_host, "h2");
  EXPECT_EQ(s.migrations[0].updated_at_us, 13);
  expect_refused(s, instance::confirm_resize{14}, errc::conflict,
                 "Cannot 'confirmResize' instance i1 while it is in vm_state active");
}

TEST(InstanceState, RevertGoesBackToTheSourceAndOldFlavorAndAStoppedServerStaysStopped) {
  auto s = run(stopped(), instance::resize{"m1", "resize", big, 10});
  EXPECT_EQ(api_status(s), "RESIZE");
  s = run(s, instance::schedule_migration{"h2", {}, 11});
  s = run(s, instance::finish_resize{power_states::shutdown, 12});
  EXPECT_EQ(api_status(s), "VERIFY_RESIZE");
  s = run(s, instance::revert_resize{13});
  EXPECT_EQ(api_status(s), "REVERT_RESIZE");
  EXPECT_EQ(s.migration->status, "reverting");
  s = run(s, instance::complete_revert{power_states::shutdown, 14});
  expect_states(s, vm_states::stopped, task_states::none, power_states::shutdown, "SHUTOFF");
  EXPECT_EQ(s.host, "h1");
  EXPECT_EQ(s.flavor.id, "f1");
  EXPECT_EQ(s.migrations.back().status, "reverted");
}

TEST(InstanceState, ResizeRefusals) {
  expect_refused(active(), instance::resize{"m1", "resize", {"f1", "m1.tiny", 1, 512, 1, 0, 0}, 1},
                 errc::bad_request, "When resizing, instances must change flavor!");
  expect_refused(paused(), instance::resize{"m1", "resize", big, 1}, errc::conflict,
                 "Cannot 'resize' instance i1 while it is in vm_state paused");
  expect_refused(paused(), instance::resize{"m1", "migration", big, 1}, errc::conflict,
                 "Cannot 'migrate' instance i1 while it is in vm_state paused");
  expect_refused(stopped(), instance::live_migrate{"m1", "", false, 1}, errc::conflict,
                 "Cannot 'os-migrateLive' instance i1 while it is in vm_state stopped");
  auto locked = run(active(), instance::lock{true, ""});
  EXPECT_TRUE(instance::check_lock(locked, instance::resize{"m1", "resize", big, 1}, false));
  EXPECT_TRUE(instance::check_lock(locked, instance::shelve{"img", "x"}, false));
  EXPECT_FALSE(instance::check_lock(locked, instance::shelve{"img", "x"}, true));
}

TEST(InstanceState, AFailedMigrationLeavesTheServerWhereItWas) {
  auto s = run(active(), instance::resize{"m1", "migration", active().flavor, 10});
  s = run(s, instance::fail_migration{"No valid host was found.", 11});
  expect_states(s, vm_states::active, task_states::none, power_states::running, "ACTIVE");
  EXPECT_EQ(s.migrations.back().status, "error");
  EXPECT_EQ(s.fault->message, "No valid host was found.");
  auto live = run(active(), instance::live_migrate{"m2", "h2", false, 10});
  EXPECT_EQ(live.migration->dest_host, "h2") << "the admin's host, for the scheduler";
  expect_states(live, vm_states::active, task_states::migrating, power_states::running,
                "MIGRATING");
  live = run(live, instance::fail_migration{"gone", 11});
  EXPECT_EQ(live.migrations.back().status, "failed");
}

TEST(InstanceState, LiveMigrationEndsOnTheDestination) {
  auto s = run(active(), instance::live_migrate{"m1", "", true, 10});
  expect_refused(s, instance::complete_live_migration{11}, errc::conflict,
                 "The live migration has no destination yet.");
  s = run(s, instance::schedule_migration{"h3", {}, 11});
  EXPECT_EQ(s.migration->status, "running");
  EXPECT_EQ(api_status(s), "MIGRATING");
  s = run(s, instance::complete_live_migration{12});
  expect_states(s, vm_states::active, task_states::none, power_states::running, "ACTIVE");
  EXPECT_EQ(s.host, "h3");
  EXPECT_EQ(s.migrations.back().status, "completed");
  EXPECT_EQ(s.migrations.back().type, "live-migration");
}

TEST(InstanceState, ShelveSnapshotsThenOffloadsAndUnshelveSchedulesAgain) {
  auto s = run(active(), instance::shelve{"img-s", "vm1-shelved"});
  EXPECT_EQ(s.task_state, task_states::shelving);
  s = run(s, instance::snapshot_taken{});
  EXPECT_EQ(s.task_state, task_states::shelving_image_pending_upload);
  s = run(s, instance::snapshot_uploading{});
  EXPECT_EQ(s.task_state, task_states::shelving_image_uploading);
  s = run(s, instance::complete_snapshot{});
  expect_states(s, vm_states::shelved, task_states::none, power_states::shutdown, "SHELVED");
  EXPECT_EQ(s.shelved_image_id, "img-s");
  s = run(s, instance::shelve_offload{});
  EXPECT_EQ(s.task_state, task_states::shelving_offloading);
  s = run(s, instance::complete_shelve_offload{});
  expect_states(s, vm_states::shelved_offloaded, task_states::none, power_states::nostate,
                "SHELVED_OFFLOADED");
  EXPECT_EQ(s.host, "");
  EXPECT_EQ(s.addresses.size(), 1u) << "its ports stay";
  // Metadata may change while shelved, as in Nova; a start may not.
  run(s, instance::set_metadata{{{"a", "b"}}, false, -1});
  expect_refused(s, instance::start{}, errc::conflict, "Instance i1 is not ready");
  auto failed_unshelve =
      run(run(s, instance::unshelve{}), instance::fail_unshelve{"No valid host was found.", 5});
  expect_states(failed_unshelve, vm_states::shelved_offloaded, task_states::none,
                power_states::nostate, "SHELVED_OFFLOADED");
  s = run(s, instance::unshelve{});
  EXPECT_EQ(s.task_state, task_states::unshelving);
  s = run(s, instance::schedule_unshelve{"h2", {}});
  EXPECT_EQ(s.task_state, task_states::spawning);
  EXPECT_EQ(s.host, "h2");
  s = run(s, instance::complete_unshelve{});
  expect_states(s, vm_states::active, task_states::none, power_states::running, "ACTIVE");
  EXPECT_EQ(s.shelved_image_id, "");
  // A createImage's snapshot is not a shelve's.
  auto snap = run(run(run(active(), instance::snapshot{"img-x", "x"}), instance::snapshot_taken{}),
                  instance::snapshot_uploading{});
  EXPECT_EQ(snap.task_state, task_states::image_uploading);
  EXPECT_EQ(api_status(run(snap, instance::complete_snapshot{})), "ACTIVE");
}

TEST(InstanceState, EvacuateRebuildsTheServerOnAnotherHostAsItWas) {
  auto s = run(active(), instance::evacuate{"m1", "h3", 10});
  expect_states(s, vm_states::active, task_states::rebuilding, power_states::running, "REBUILD");
  EXPECT_EQ(s.migration->type, "evacuation");
  EXPECT_EQ(s.migration->status, "accepted");
  EXPECT_EQ(s.migration->dest_host, "h3") << "the admin's host, for the scheduler";
  EXPECT_EQ(s.host, "h1") << "still on its host until another is chosen";
  s = run(s, instance::schedule_migration{"h3", {{"h1", "the instance is on this host"}}, 11});
  EXPECT_EQ(s.host, "h3");
  EXPECT_EQ(s.migration->status, "pre-migrating");
  EXPECT_EQ(s.task_state, task_states::rebuild_spawning);
  s = run(s, instance::complete_evacuation{power_states::running, 12});
  expect_states(s, vm_states::active, task_states::none, power_states::running, "ACTIVE");
  EXPECT_FALSE(s.migration);
  EXPECT_EQ(s.migrations.back().status, "done");
  EXPECT_EQ(s.migrations.back().source_host, "h1");

  // A stopped server stays stopped; one in ERROR comes back ACTIVE.
  auto off = run(stopped(), instance::evacuate{"m2", "", 10});
  off = run(off, instance::schedule_migration{"h2", {}, 11});
  off = run(off, instance::complete_evacuation{power_states::shutdown, 12});
  expect_states(off, vm_states::stopped, task_states::none, power_states::shutdown, "SHUTOFF");
  auto broken = run(active(), instance::fail{"lost", 500, "", 5});
  broken = run(broken, instance::evacuate{"m3", "", 10});
  broken = run(broken, instance::schedule_migration{"h2", {}, 11});
  broken = run(broken, instance::complete_evacuation{power_states::running, 12});
  EXPECT_EQ(api_status(broken), "ACTIVE");
  EXPECT_FALSE(broken.fault);
}

TEST(InstanceState, AnEvacuationThatFindsNoHostLeavesTheServerAndOneThatBreaksIsError) {
  auto s = run(active(), instance::evacuate{"m1", "", 10});
  s = run(s, instance::fail_migration{"No valid host was found.", 11});
  expect_states(s, vm_states::active, task_states::none, power_states::running, "ACTIVE");
  EXPECT_EQ(s.host, "h1");
  EXPECT_EQ(s.migrations.back().status, "error");
  auto broke = run(active(), instance::evacuate{"m2", "", 10});
  broke = run(broke, instance::schedule_migration{"h2", {}, 11});
  broke = run(broke, instance::fail{"spawn failed", 500, "", 12});
  EXPECT_EQ(api_status(broke), "ERROR");
  EXPECT_EQ(broke.host, "h2");
  EXPECT_EQ(broke.migrations.back().status, "failed");
  // Nova's states; a plain rebuild is not a move to fail; the lock does
  // not hold an admin's evacuate.
  expect_refused(paused(), instance::evacuate{"m3", "", 1}, errc::conflict,
                 "Cannot 'evacuate' instance i1 while it is in vm_state paused");
  auto rebuilding = run(active(), instance::rebuild{"img2", "", {}, {}, "", "", {}, {}});
  expect_refused(rebuilding, instance::fail_migration{"x", 1}, errc::conflict,
                 "A rebuild is not a move.");
  expect_refused(run(rebuilding, instance::rebuild_spawning{}),
                 instance::complete_evacuation{power_states::running, 1}, errc::conflict,
                 "No evacuation is under way.");
  auto locked = run(active(), instance::lock{true, ""});
  EXPECT_FALSE(instance::check_lock(locked, instance::evacuate{"m4", "", 1}, false));
}

TEST(InstanceState, InterfacesAttachAndDetachWithoutATask) {
  auto s = run(active(), instance::attach_interface{"p2", "n2", "second", "10.2.0.9",
                                                    "fa:16:3e:00:00:02", false});
  expect_states(s, vm_states::active, task_states::none, power_states::running, "ACTIVE");
  ASSERT_EQ(s.addresses.size(), 2u);
  EXPECT_EQ(s.addresses.back().ip_address, "10.2.0.9");
  EXPECT_EQ(s.networks.size(), active().networks.size()) << "a port made for it is not the user's";
  s = run(s,
          instance::attach_interface{"p3", "n2", "second", "10.2.0.7", "fa:16:3e:00:00:03", true});
  EXPECT_EQ(s.networks.back().port_id, "p3");
  expect_refused(s, instance::attach_interface{"p3", "n2", "second", "", "", true}, errc::conflict,
                 "Port p3 is still in use.");
  s = run(s, instance::detach_interface{"p3"});
  EXPECT_EQ(s.addresses.size(), 2u);
  EXPECT_TRUE(std::none_of(s.networks.begin(), s.networks.end(),
                           [](const auto& n) { return n.port_id == "p3"; }));
  expect_refused(s, instance::detach_interface{"p3"}, errc::not_found, "Port p3 is not attached");
  // A stopped server takes one; a paused one too; a shelved one not.
  EXPECT_EQ(
      run(stopped(), instance::attach_interface{"p4", "n2", "s", "", "", false}).addresses.size(),
      stopped().addresses.size() + 1);
  expect_refused(paused(), instance::detach_interface{"p9"}, errc::not_found,
                 "Port p9 is not attached");
  auto locked = run(active(), instance::lock{true, ""});
  EXPECT_TRUE(instance::check_lock(locked, instance::attach_interface{"p5"}, false));
  EXPECT_TRUE(instance::check_lock(locked, instance::detach_interface{"p5"}, false));
}

TEST(InstanceState, VolumesAttachOnVdbOnwardsAndTheRootStays) {
  auto vol = [](const std::string& id, const std::string& device, int boot_index = -1) {
    return instance::volume_attachment{id,    "att-" + id, device, "", false, boot_index,
                                       "/v/" + id, false,      false};
  };
  EXPECT_EQ(instance::next_volume_device(active()), "/dev/vdb");
  auto s = run(active(), instance::attach_volume{vol("v1", "/dev/vdb")});
  expect_states(s, vm_states::active, task_states::none, power_states::running, "ACTIVE");
  EXPECT_EQ(instance::next_volume_device(s), "/dev/vdc");
  ASSERT_NE(instance::find_volume(s, "v1"), nullptr);
  // Nova's refusals: the same volume twice, a device taken, a building
  // server (only its boot volume), an incomplete attachment.
  expect_refused(s, instance::attach_volume{vol("v1", "/dev/vdc")}, errc::bad_request,
                 "Invalid volume: volume v1 is already attached to this server.");
  expect_refused(s, instance::attach_volume{vol("v2", "/dev/vdb")}, errc::conflict,
                 "The supplied device path (/dev/vdb) is in use.");
  expect_refused(building(), instance::attach_volume{vol("v2", "/dev/vdb")}, errc::conflict,
                 "Cannot 'attach_volume' instance i1 while it is in vm_state building");
  EXPECT_EQ(run(building(), instance::attach_volume{vol("root", "/dev/vda", 0)}).volumes.size(), 1u);
  auto partial = vol("v2", "/dev/vdc");
  partial.path.clear();
  EXPECT_FALSE(instance_machine::decide(s, instance::attach_volume{partial}));
  // A stopped server takes one; a locked one refuses its owner.
  EXPECT_EQ(run(stopped(), instance::attach_volume{vol("v3", "/dev/vdb")}).volumes.size(), 1u);
  auto locked = run(s, instance::lock{true, ""});
  EXPECT_TRUE(instance::check_lock(locked, instance::detach_volume{"v1"}, false));
  EXPECT_TRUE(instance::check_lock(locked, instance::attach_volume{vol("v4", "/dev/vdc")}, false));
  // Detach: what it has, not its root.
  s = run(s, instance::detach_volume{"v1"});
  EXPECT_TRUE(s.volumes.empty());
  expect_refused(s, instance::detach_volume{"v1"}, errc::not_found,
                 "Volume v1 is not attached to server i1.");
  auto booted = active();  // as a build that attached its boot volume leaves it
  booted.volumes.push_back(vol("root", "/dev/vda", 0));
  expect_refused(booted, instance::detach_volume{"root"}, errc::bad_request,
                 "Cannot detach a root device volume");
}

TEST(InstanceState, RescueAndUnrescue) {
  auto s = run(stopped(), instance::rescue{"img-r"});
  EXPECT_EQ(s.task_state, task_states::rescuing);
  s = run(s, instance::complete_rescue{});
  expect_states(s, vm_states::rescued, task_states::none, power_states::running, "RESCUE");
  EXPECT_EQ(s.rescue_image_id, "img-r");
  expect_refused(s, instance::rescue{"img-r"}, errc::conflict,
                 "Cannot 'rescue' instance i1 while it is in vm_state rescued");
  // A server whose build failed was never launched: nothing to rescue or
  // rebuild in place.
  auto never = failed(building());
  expect_refused(never, instance::rescue{"img-r"}, errc::conflict, "Instance i1 is not ready");
  expect_refused(never, instance::rebuild{"img2", "", {}, {}, "", "", {}, {}}, errc::conflict,
                 "Instance i1 is in an invalid state for 'rebuild'");
  s = run(run(s, instance::unrescue{}), instance::complete_unrescue{});
  expect_states(s, vm_states::active, task_states::none, power_states::running, "ACTIVE");
  expect_refused(s, instance::unrescue{}, errc::conflict,
                 "Cannot 'unrescue' instance i1 while it is in vm_state active");
}

TEST(InstanceState, LaunchValidation) {
  auto r = launch();
  r.name = "";
  expect_refused(fresh(), r, errc::bad_request, "Server name must not be empty.");
  r.name = std::string(256, 'a');
  expect_refused(fresh(), r, errc::bad_request, "Server name is longer than 255 characters.");
  r.name = std::string(255, 'a');
  EXPECT_TRUE(M::decide(fresh(), r).ok());
  r = launch();
  r.flavor.vcpus = 0;
  expect_refused(fresh(), r, errc::bad_request, "Flavor's vcpus must be greater than 0.");
  r = launch();
  r.flavor.memory_mb = 0;
  expect_refused(fresh(), r, errc::bad_request, "Flavor's memory_mb must be greater than 0.");
  r = launch();
  r.flavor.root_gb = -1;
  expect_refused(fresh(), r, errc::bad_request, "Flavor's disk sizes must not be negative.");
}

TEST(InstanceState, ApplyRejectsEventsThatCannotHappen) {
  EXPECT_THROW(M::apply(fresh(), instance_scheduled{"h1", "n1", {}}), invalid_event);
  EXPECT_THROW(M::apply(fresh(), instance_renamed{"x"}), invalid_event);
  EXPECT_THROW(M::apply(building(), instance_requested{}), invalid_event);
  EXPECT_THROW(M::apply(building(), instance_active{1}), invalid_event);
  EXPECT_THROW(M::apply(active(), instance_stopped{}), invalid_event);
  EXPECT_THROW(M::apply(stopped(), instance_stop_requested{}), invalid_event);
  EXPECT_THROW(M::apply(active(), instance_reboot_requested{"WARM"}), invalid_event);
  EXPECT_THROW(M::apply(stopped(), instance_reboot_requested{"SOFT"}), invalid_event);
  EXPECT_THROW(M::apply(active(), instance_port_unbound{"nope"}), invalid_event);
  EXPECT_THROW(M::apply(active(), instance_deleted{}), invalid_event);
  EXPECT_THROW(M::apply(active(), instance_task_aborted{"x"}), invalid_event);
  auto deleting = run(active(), instance::remove{});
  EXPECT_THROW(M::apply(deleting, instance_delete_requested{}), invalid_event);
}

// Every event type through the codec and the fold, in an order the machine
// accepts.
TEST(InstanceState, EveryEventRoundTripsThroughTheCodecAndFold) {
  const std::vector<instance_event> history{
      instance_requested{"vm1",
                         "p1",
                         "u1",
                         {"f1", "m1.tiny", 1, 512, 1, 2, 64},
                         "img1",
                         {{"net1", "port0", "10.0.0.9"}},
                         "key1",
                         {{"k", "v"}},
                         "dXNlcg==",
                         "nova",
                         {"default", "web"}},
      instance_scheduled{"h1", "node1", {{"h2", "insufficient RAM: requested 512 MB, free 0 MB"}}},
      instance_port_bound{"port1", "net1", "private", "10.0.0.5", "fa:16:3e:00:00:01"},
      instance_spawning{},
      // A failed spawn back to the scheduler, then on to the same host.
      instance_rescheduled{"h9", "spawn failed", 1},
      instance_scheduled{"h1", "node1", {{"h9", "a build of this instance failed on this host"}}},
      instance_spawning{},
      instance_active{1700000000000000},
      instance_stop_requested{},
      instance_stopped{},
      instance_start_requested{},
      instance_started{},
      instance_reboot_requested{"HARD"},
      instance_rebooted{},
      instance_pause_requested{},
      instance_paused{},
      instance_unpause_requested{},
      instance_unpaused{},
      instance_suspend_requested{},
      instance_suspended{},
      instance_resume_requested{},
      instance_resumed{},
      instance_power_synced{"shutdown", "libvirt event"},
      instance_power_synced{"running", "restart"},
      instance_renamed{"vm2"},
      instance_updated{"web tier", true, "203.0.113.7", "2001:db8::7"},
      instance_metadata_set{{{"role", "web"}}},
      instance_tags_set{{"blue", "green"}},
      instance_locked{"admin", "maintenance"},
      instance_unlocked{},
      instance_security_groups_set{{"default", "db"}},
      instance_snapshot_requested{"img-snap", "vm2-snap"},
      instance_snapshot_taken{},
      instance_snapshot_uploading{},
      instance_snapshot_done{"img-snap"},
      instance_rebuild_requested{"img2",
                                 "vm3",
                                 true,
                                 {{"m", "1"}},
                                 true,
                                 "rebuilt",
                                 false,
                                 "192.0.2.1",
                                 "",
                                 true,
                                 "key2",
                                 false,
                                 ""},
      instance_rebuild_spawning{},
      instance_rebuilt{"running"},
      instance_resize_requested{"m1", "resize", {"f2", "m1.big", 2, 1024, 2, 0, 0}, 10},
      instance_migration_scheduled{"h2", {{"h1", "the source"}}, 11},
      instance_resize_finished{"running", 12},
      instance_resize_revert_requested{13},
      instance_resize_reverted{"running", 14},
      instance_resize_requested{"m2", "migration", {"f2", "m1.big", 2, 1024, 2, 0, 0}, 15},
      instance_migration_failed{"No valid host was found.", 16},
      instance_live_migration_requested{"m3", "h2", false, 17},
      instance_migration_scheduled{"h2", {}, 18},
      instance_live_migrated{19},
      instance_resize_requested{"m4", "resize", {"f2", "m1.big", 2, 1024, 2, 0, 0}, 20},
      instance_migration_scheduled{"h1", {}, 21},
      instance_resize_finished{"running", 22},
      instance_resize_confirmed{23},
      instance_rescue_requested{"img2"},
      instance_rescued{},
      instance_unrescue_requested{},
      instance_unrescued{},
      instance_evacuation_requested{"m5", "", 25},
      instance_migration_scheduled{"h2", {}, 26},
      instance_evacuated{"running", 27},
      instance_interface_attached{"port9", "net2", "second", "10.2.0.9", "fa:16:3e:00:00:09", true},
      instance_interface_detached{"port9"},
      instance_volume_attached{{"vol1", "att1", "/dev/vdb", "data", true, -1, "/v/volume-vol1",
                                false, false}},
      instance_volume_detached{"vol1"},
      instance_shelve_requested{"img-shelf", "vm3-shelved"},
      instance_snapshot_taken{},
      instance_snapshot_uploading{},
      instance_shelved{"img-shelf"},
      instance_shelve_offload_requested{},
      instance_shelve_offloaded{},
      instance_unshelve_requested{},
      instance_unshelve_failed{"No valid host was found.", 24},
      instance_unshelve_requested{},
      instance_unshelve_scheduled{"h1", {}},
      instance_unshelved{},
      instance_port_unbound{"port1"},
      instance_error{"boom", 500, "trace", 1700000000000001},
      instance_delete_requested{},
      instance_task_aborted{"restart"},
      instance_delete_requested{},
      instance_deleted{},
  };
  ASSERT_GE(history.size(), std::variant_size_v<instance_event>);
  std::vector<bool> seen(std::variant_size_v<instance_event>);
  auto s = fresh();
  std::int64_t version = 0;
  for (const auto& e : history) {
    seen[e.index()] = true;
    new_event n = encode(e);
    EXPECT_EQ(n.schema_version, 1);
    ++version;
    recorded_event r{version,      "instance/i1", version, n.type,   n.schema_version,
                     version * 10, "req-1",       "u1",    n.payload};
    auto back = decode<instance_event>(r);
    EXPECT_EQ(back.index(), e.index()) << n.type;
    EXPECT_EQ(encode(back).payload, n.payload) << n.type << " changes through the codec";
    s = fold<M>(std::move(s), r);
    if (n.type == "instance.requested") {
      EXPECT_EQ(s.flavor.swap_mb, 64);
      EXPECT_EQ(s.networks.at(0).fixed_ip, "10.0.0.9");
      EXPECT_EQ(s.metadata.at("k"), "v");
      EXPECT_EQ(s.security_groups.size(), 2u);
    }
    if (n.type == "instance.scheduled") {
      EXPECT_EQ(s.host, "h1");
    }
    if (n.type == "instance.active") {
      EXPECT_EQ(s.launched_at_us, 1700000000000000);
    }
    if (n.type == "instance.rescheduled") {
      EXPECT_EQ(s.host, "");
      EXPECT_EQ(s.task_state, task_states::scheduling);
      EXPECT_EQ(s.addresses.size(), 1u);
    }
    if (n.type == "instance.renamed") {
      EXPECT_EQ(s.name, "vm2");
    }
    if (n.type == "instance.updated") {
      EXPECT_EQ(s.description, "web tier");
      EXPECT_EQ(s.access_ip_v6, "2001:db8::7");
    }
    if (n.type == "instance.metadata_set") {
      EXPECT_EQ(s.metadata, (std::map<std::string, std::string>{{"role", "web"}}));
    }
    if (n.type == "instance.tags_set") {
      EXPECT_EQ(s.tags, (std::vector<std::string>{"blue", "green"}));
    }
    if (n.type == "instance.locked") {
      EXPECT_TRUE(s.locked);
      EXPECT_EQ(s.locked_by, "admin");
      EXPECT_EQ(s.locked_reason, "maintenance");
    }
    if (n.type == "instance.unlocked") {
      EXPECT_FALSE(s.locked);
    }
    if (n.type == "instance.interface_attached") {
      EXPECT_EQ(s.addresses.back().port_id, "port9");
      EXPECT_EQ(s.networks.back().port_id, "port9") << "the caller's port";
    }
    if (n.type == "instance.interface_detached") {
      EXPECT_NE(s.addresses.back().port_id, "port9");
    }
    if (n.type == "instance.volume_attached") {
      ASSERT_EQ(s.volumes.size(), 1u);
      EXPECT_EQ(s.volumes[0].device, "/dev/vdb");
      EXPECT_EQ(s.volumes[0].path, "/v/volume-vol1");
      EXPECT_TRUE(s.volumes[0].delete_on_termination);
    }
    if (n.type == "instance.volume_detached") {
      EXPECT_TRUE(s.volumes.empty());
    }
    if (n.type == "instance.evacuated") {
      EXPECT_EQ(s.host, "h2");
      EXPECT_EQ(s.migrations.back().type, "evacuation");
      EXPECT_EQ(s.migrations.back().status, "done");
    }
    if (n.type == "instance.error") {
      EXPECT_EQ(s.fault->details, "trace");
    }
  }
  for (std::size_t i = 0; i < seen.size(); ++i) EXPECT_TRUE(seen[i]) << "event " << i;
  EXPECT_TRUE(s.deleted);
  EXPECT_EQ(s.version, version);
  EXPECT_EQ(s.created_at_us, 10);
}

TEST(InstanceState, JsonViewShowsNovaFields) {
  nlohmann::json j = failed(active());
  EXPECT_EQ(j["id"], "i1");
  EXPECT_EQ(j["status"], "ERROR");
  EXPECT_EQ(j["vm_state"], "error");
  EXPECT_TRUE(j["task_state"].is_null());
  EXPECT_EQ(j["power_state"], 1);
  EXPECT_EQ(j["fault"]["message"], "boom");
  EXPECT_EQ(j["fault"]["code"], 500);
  EXPECT_EQ(j["addresses"][0]["ip_address"], "10.0.0.5");
  EXPECT_EQ(j["flavor"]["name"], "m1.tiny");
  EXPECT_FALSE(j["launched_at"].is_null());
  j = run(active(), instance::stop{});
  EXPECT_EQ(j["task_state"], "powering-off");
  EXPECT_TRUE(j["fault"].is_null());
}

TEST(InstanceState, EnumsReadAsNovaPrintsThem) {
  EXPECT_STREQ(to_string(task_states::powering_off), "powering-off");
  EXPECT_STREQ(to_string(task_states::rebooting_hard), "rebooting_hard");
  EXPECT_STREQ(to_string(vm_states::stopped), "stopped");
  EXPECT_STREQ(to_string(power_states::shutdown), "shutdown");
  EXPECT_STREQ(to_string(reboot_type::hard), "HARD");
  EXPECT_EQ(static_cast<int>(power_states::suspended), 7);
  for (auto v : {vm_states::building, vm_states::active, vm_states::stopped, vm_states::paused,
                 vm_states::suspended, vm_states::error, vm_states::deleted})
    EXPECT_EQ(from_string<vm_states>(to_string(v)), v);
  for (int t = 0; t <= static_cast<int>(task_states::deleting); ++t) {
    auto task = static_cast<task_states>(t);
    EXPECT_EQ(from_string<task_states>(to_string(task)), task);
  }
  for (auto p : {power_states::nostate, power_states::running, power_states::paused,
                 power_states::shutdown, power_states::crashed, power_states::suspended})
    EXPECT_EQ(from_string<power_states>(to_string(p)), p);
  EXPECT_EQ(from_string<reboot_type>("SOFT"), reboot_type::soft);
  EXPECT_FALSE(from_string<vm_states>("ACTIVE"));
  EXPECT_FALSE(from_string<task_states>("powering_off"));
}

// libvirt is the truth for power: a guest that powered itself off is
// stopped (SHUTOFF); one started behind cumulo's back is active again;
// nothing is recorded while an operation runs or when nothing changed.
TEST(InstancePowerSync, TheHypervisorsWordSettlesTheVmState) {
  auto off = run(active(), instance::sync_power{power_states::shutdown, "libvirt event"});
  EXPECT_EQ(off.vm_state, vm_states::stopped);
  EXPECT_EQ(off.power_state, power_states::shutdown);
  EXPECT_EQ(api_status(off), "SHUTOFF");
  auto on = run(off, instance::sync_power{power_states::running, "restart"});
  EXPECT_EQ(on.vm_state, vm_states::active);
  EXPECT_EQ(api_status(on), "ACTIVE");
  auto crashed = run(active(), instance::sync_power{power_states::crashed, "libvirt event"});
  EXPECT_EQ(crashed.vm_state, vm_states::stopped);
  EXPECT_EQ(crashed.power_state, power_states::crashed);
  // No news, or an operation under way: no event.
  const auto same = M::decide(active(), instance::sync_power{power_states::running, "x"});
  ASSERT_TRUE(same);
  EXPECT_TRUE(same.value().empty());
  const auto stopping = run(active(), instance::stop{});
  const auto busy = M::decide(stopping, instance::sync_power{power_states::shutdown, "x"});
  ASSERT_TRUE(busy);
  EXPECT_TRUE(busy.value().empty());
  EXPECT_FALSE(M::decide(fresh(), instance::sync_power{power_states::running, "x"}));
}

}  // namespace
}  // namespace cumulo
