// The actor core as a user of it sees it: resources live in actors, survive
// an actor crash and a process restart, and refuse what their machine refuses.
#include <gtest/gtest.h>

#include <thread>

#include "store/event_store.hpp"
#include "tests/actors/actor_test_support.hpp"
#include "tests/temp_dir.hpp"

namespace cumulo {
namespace {

cloud_options options_for(const temp_dir& dir) {
  cloud_options o;
  o.data_dir = dir.path() / "data";
  return o;
}

reply_or_error<project_state> create_project(cloud& c, const std::string& id,
                                             const std::string& name) {
  return ask<project_state>(c.system(), c.conductor(), command_atom::value, id,
                            project::command{project::create{name, "default", "demo project"}},
                            test_meta());
}

instance::request launch_request(const std::string& name) {
  instance::request r;
  r.name = name;
  r.project_id = "p1";
  r.user_id = "u1";
  r.flavor = instance::flavor{"f1", "m1.tiny", 1, 512, 1, 0, 0};
  r.image_id = "img-1";
  return r;
}

TEST(Conductor, CreatesAndReadsAResource) {
  temp_dir dir;
  cloud c(options_for(dir));
  auto created = create_project(c, "p1", "demo");
  ASSERT_TRUE(created.ok()) << created.error.message;
  EXPECT_EQ(created->name, "demo");
  EXPECT_EQ(created->version, 1);
  auto got = ask<project_state>(c.system(), c.conductor(), caf::get_atom::value,
                                project_atom::value, std::string("p1"));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->name, "demo");
  auto listed = ask<std::vector<project_state>>(c.system(), c.conductor(), list_atom::value,
                                                project_atom::value);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 1u);
}

TEST(Conductor, RefusalsComeBackAsTypedErrorsAndWriteNothing) {
  temp_dir dir;
  cloud c(options_for(dir));
  auto missing = ask<project_state>(c.system(), c.conductor(), caf::get_atom::value,
                                    project_atom::value, std::string("nope"));
  EXPECT_EQ(missing.error.code, errc::not_found);
  auto bad = create_project(c, "p1", "");
  EXPECT_EQ(bad.error.code, errc::bad_request);
  auto update_missing =
      ask<project_state>(c.system(), c.conductor(), command_atom::value, std::string("p2"),
                         project::command{project::remove{}}, test_meta());
  EXPECT_EQ(update_missing.error.code, errc::not_found);
  ASSERT_TRUE(create_project(c, "p1", "demo").ok());
  EXPECT_EQ(create_project(c, "p1", "again").error.code, errc::conflict);
  auto listed = ask<std::vector<project_state>>(c.system(), c.conductor(), list_atom::value,
                                                project_atom::value);
  EXPECT_EQ(listed->size(), 1u);
}

// A churning cloud keeps no actor per deleted resource (issue 22, item 7:
// lists asked every one of them, and memory grew with the cloud's age).
TEST(Conductor, ADeletedResourcesActorRetiresAndItsStreamStillAnswers) {
  temp_dir dir;
  cloud c(options_for(dir));
  auto children = [&] {
    return *ask<std::uint64_t>(c.system(), c.conductor(), children_atom::value);
  };
  const auto before = children();
  for (int i = 0; i < 20; ++i) {
    const std::string id = "p" + std::to_string(i);
    ASSERT_TRUE(create_project(c, id, "demo" + std::to_string(i)).ok());
    auto gone = ask<project_state>(c.system(), c.conductor(), command_atom::value, id,
                                   project::command{project::remove{}}, test_meta());
    ASSERT_TRUE(gone.ok()) << gone.error.message;
    EXPECT_TRUE(gone->deleted);
  }
  auto now = children();
  for (int i = 0; i < 500 && now != before; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    now = children();
  }
  EXPECT_EQ(now, before) << "the deleted projects' actors are still alive";
  auto get = ask<project_state>(c.system(), c.conductor(), caf::get_atom::value,
                                project_atom::value, std::string("p3"));
  EXPECT_EQ(get.error.code, errc::not_found);
  // A command on a retired stream is decided on its folded state: the id is
  // taken (Keystone's conflict), not a journal version clash.
  auto again = create_project(c, "p3", "again");
  EXPECT_EQ(again.error.code, errc::conflict) << again.error.message;
  auto update = ask<project_state>(
      c.system(), c.conductor(), command_atom::value, std::string("p4"),
      project::command{project::update{std::string("x"), std::nullopt, false}}, test_meta());
  EXPECT_EQ(update.error.code, errc::not_found) << update.error.message;
  auto restarts = ask<std::uint64_t>(c.system(), c.conductor(), restarts_atom::value);
  EXPECT_EQ(*restarts, 0u) << "a retirement is not a crash";
}

TEST(Conductor, ACrashedResourceActorIsRestartedFromItsStream) {
  temp_dir dir;
  cloud c(options_for(dir));
  ASSERT_TRUE(create_project(c, "p1", "demo").ok());
  auto renamed = ask<project_state>(
      c.system(), c.conductor(), command_atom::value, std::string("p1"),
      project::command{project::update{std::string("renamed"), std::nullopt, false}}, test_meta());
  ASSERT_TRUE(renamed.ok());
  auto crashed =
      ask<caf::ok_atom>(c.system(), c.conductor(), crash_atom::value, std::string("project/p1"));
  ASSERT_TRUE(crashed.ok());
  // Asked again at once: the conductor either still has the dead actor (the
  // request fails, it restarts and retries) or already restarted it.
  auto after = ask<project_state>(c.system(), c.conductor(), caf::get_atom::value,
                                  project_atom::value, std::string("p1"));
  ASSERT_TRUE(after.ok()) << after.error.message;
  EXPECT_EQ(after->name, "renamed");
  EXPECT_FALSE(after->enabled);
  EXPECT_EQ(after->version, 2);
  EXPECT_EQ(after->created_at_us, renamed->created_at_us);
  auto restarts = ask<std::uint64_t>(c.system(), c.conductor(), restarts_atom::value);
  EXPECT_EQ(*restarts, 1u);
  // And it still takes commands on the state it was rebuilt with.
  auto deleted =
      ask<project_state>(c.system(), c.conductor(), command_atom::value, std::string("p1"),
                         project::command{project::remove{}}, test_meta());
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(deleted->version, 3);
}

TEST(Conductor, ARestartedProcessFindsTheSameState) {
  temp_dir dir;
  project_state before;
  instance_state vm_before;
  {
    cloud c(options_for(dir));
    ASSERT_TRUE(create_project(c, "p1", "demo").ok());
    ASSERT_TRUE(create_project(c, "p2", "gone").ok());
    ASSERT_TRUE(ask<project_state>(c.system(), c.conductor(), command_atom::value,
                                   std::string("p2"), project::command{project::remove{}},
                                   test_meta())
                    .ok());
    reply_or_error<instance_state> vm;
    for (instance::command step : std::vector<instance::command>{
             launch_request("vm1"), instance::schedule{"host1", "host1", {}}, instance::spawn{},
             instance::mark_active{1}}) {
      vm = ask<instance_state>(c.system(), c.conductor(), command_atom::value, std::string("vm1"),
                               step, test_meta());
      ASSERT_TRUE(vm.ok()) << vm.error.message;
    }
    ASSERT_EQ(api_status(*vm), "ACTIVE");
    before = *ask<project_state>(c.system(), c.conductor(), caf::get_atom::value,
                                 project_atom::value, std::string("p1"));
    vm_before = *vm;
  }
  cloud c(options_for(dir));
  // compute-1 registered, p1, p2 created and deleted, vm1's four steps
  EXPECT_EQ(c.events_at_start(), 8);
  auto after = ask<project_state>(c.system(), c.conductor(), caf::get_atom::value,
                                  project_atom::value, std::string("p1"));
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(nlohmann::json(*after), nlohmann::json(before));
  auto vm = ask<instance_state>(c.system(), c.conductor(), caf::get_atom::value,
                                instance_atom::value, std::string("vm1"));
  ASSERT_TRUE(vm.ok());
  EXPECT_EQ(nlohmann::json(*vm), nlohmann::json(vm_before));
  auto gone = ask<project_state>(c.system(), c.conductor(), caf::get_atom::value,
                                 project_atom::value, std::string("p2"));
  EXPECT_EQ(gone.error.code, errc::not_found) << "a deleted resource is not respawned";
  // Its id stays taken: the create is decided on the folded stream, not on an
  // empty state that would clash with the stream's version in the journal.
  auto again = create_project(c, "p2", "again");
  EXPECT_EQ(again.error.code, errc::conflict) << again.error.message;
  auto listed = ask<std::vector<project_state>>(c.system(), c.conductor(), list_atom::value,
                                                project_atom::value);
  EXPECT_EQ(listed->size(), 1u);
}

TEST(Conductor, ADataDirServesOneCloudAtATime) {
  temp_dir dir;
  cloud c(options_for(dir));
  EXPECT_THROW(cloud second(options_for(dir)), data_dir_error);
}

TEST(Journal, ManyConcurrentAppendsShareTransactionsAndAreDurableWhenAnswered) {
  temp_dir dir;
  const int appends = 400;
  std::uint64_t at_start = 0;  // compute-1's registration
  {
    cloud c(options_for(dir));
    at_start = ask<journal_stats>(c.system(), c.journal(), stats_atom::value)->events;
    caf::scoped_actor self{c.system()};
    // All appends are sent before any answer is read, as from many callers.
    for (int i = 0; i < appends; ++i) {
      append_request r{"project/p" + std::to_string(i),
                       event_store::no_stream,
                       {encode(project_event{project_created{"p"}})},
                       test_meta()};
      self->send(c.journal(), append_atom::value, std::move(r));
    }
    int answered = 0, durable = 0;
    self->receive_for(
        answered, appends)([&](recorded_events& evs) { durable += static_cast<int>(evs.size()); });
    EXPECT_EQ(durable, appends);
    auto stats = ask<journal_stats>(c.system(), c.journal(), stats_atom::value);
    EXPECT_EQ(stats->events - at_start, static_cast<std::uint64_t>(appends));
    EXPECT_LT(stats->transactions, static_cast<std::uint64_t>(appends))
        << "group commit: appends in the mailbox together share one transaction";
    EXPECT_GT(stats->largest_batch, 1u);
  }
  event_store reader(data_dir::events_db_of(dir.path() / "data"), {durability::full, true, {}});
  EXPECT_EQ(reader.event_count(), appends + static_cast<std::int64_t>(at_start));
}

TEST(Scheduler, PlacesOnTheHostWithMostFreeRamAndNeverOvercommits) {
  temp_dir dir;
  cloud c(options_for(dir));
  auto scheduler =
      *ask<caf::actor>(c.system(), c.conductor(), caf::get_atom::value, scheduler_atom::value);
  // The cloud's own compute host stays out of the way.
  ASSERT_TRUE(ask<host_state>(c.system(), scheduler, command_atom::value, std::string("compute-1"),
                              host::command{host::disable{"not in this test"}}, test_meta())
                  .ok());
  for (auto [name, ram] : {std::pair{"small", 1024}, std::pair{"big", 2048}}) {
    host::register_host reg;
    reg.hypervisor_hostname = name;
    reg.hypervisor_type = "test";
    reg.vcpus = 4;
    reg.memory_mb = ram;
    reg.local_gb = 100;
    reg.ram_allocation_ratio = 1.0;
    ASSERT_TRUE(ask<host_state>(c.system(), scheduler, command_atom::value, std::string(name),
                                host::command{reg}, test_meta())
                    .ok());
  }
  auto first = ask<std::string>(c.system(), scheduler, select_atom::value,
                                request_spec{"vm0", 1, 512, 1}, test_meta());
  ASSERT_TRUE(first.ok()) << first.error.message;
  EXPECT_EQ(*first, "big");
  // Fire many requests at once: 3072 MB in all fit six 512 MB instances
  // (five more after the first), whatever the interleaving.
  caf::scoped_actor self{c.system()};
  for (int i = 1; i <= 8; ++i)
    self->send(scheduler, select_atom::value, request_spec{"vm" + std::to_string(i), 1, 512, 1},
               test_meta());
  int answers = 0, placed = 0, refused = 0;
  self->receive_for(answers, 8)([&](std::string&) { ++placed; },
                                [&](caf::error& e) {
                                  EXPECT_EQ(from_caf_error(e).code, errc::no_valid_host);
                                  ++refused;
                                });
  EXPECT_EQ(placed, 5);
  EXPECT_EQ(refused, 3);
  auto hosts = *ask<std::vector<host_state>>(c.system(), scheduler, caf::get_atom::value);
  std::int64_t used = 0;
  for (const auto& h : hosts) {
    EXPECT_LE(h.memory_mb_used(), h.memory_mb) << h.id;
    used += h.memory_mb_used();
  }
  EXPECT_EQ(used, 3072);
}

}  // namespace
}  // namespace cumulo

namespace cumulo {
namespace {

reply_or_error<instance_state> command(cloud& c, const std::string& id, instance::command cmd) {
  return ask<instance_state>(c.system(), c.conductor(), command_atom::value, id, std::move(cmd),
                             test_meta());
}

TEST(Conductor, NoResourceStaysInATransitionalStateAfterARestart) {
  temp_dir dir;
  {
    cloud c(options_for(dir));
    ASSERT_TRUE(command(c, "building", launch_request("building")).ok());
    for (const char* id : {"stopping", "deleting"}) {
      ASSERT_TRUE(command(c, id, launch_request(id)).ok());
      ASSERT_TRUE(command(c, id, instance::schedule{"host1", "host1", {}}).ok());
      ASSERT_TRUE(command(c, id, instance::spawn{}).ok());
      auto active = command(c, id, instance::mark_active{1});
      ASSERT_TRUE(active.ok()) << active.error.message;
      ASSERT_EQ(api_status(*active), "ACTIVE");
    }
    ASSERT_EQ(command(c, "stopping", instance::stop{})->task_state, task_states::powering_off);
    ASSERT_EQ(command(c, "deleting", instance::remove{})->task_state, task_states::deleting);
  }  // the process "stops" with three operations in flight
  cloud c(options_for(dir));
  auto get = [&](const std::string& id) {
    // Resolution runs right after the conductor starts: wait for it.
    reply_or_error<instance_state> s;
    for (int i = 0; i < 200; ++i) {
      s = ask<instance_state>(c.system(), c.conductor(), caf::get_atom::value, instance_atom::value,
                              id);
      if (!s.ok() || s->task_state == task_states::none) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return s;
  };
  auto building = get("building");
  ASSERT_TRUE(building.ok());
  EXPECT_EQ(api_status(*building), "ERROR");
  ASSERT_TRUE(building->fault.has_value());
  EXPECT_NE(building->fault->message.find("interrupted by a restart"), std::string::npos);
  auto stopping = get("stopping");
  EXPECT_EQ(api_status(*stopping), "ACTIVE");
  EXPECT_EQ(stopping->task_state, task_states::none);
  auto deleting = get("deleting");
  EXPECT_TRUE(deleting.ok() ? deleting->deleted : deleting.error.code == errc::not_found);
}

}  // namespace
}  // namespace cumulo
