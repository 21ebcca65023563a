// The compute door runs a create of servers and owns its quota: a launch
// that answers late or whose caller went away leaves the project's usage
// exact, creates racing at the limit never exceed it, and a reservation
// that is never committed nor released expires. The timing tests put the
// door in front of stand-ins for the conductor, Glance and Neutron, so a
// launch answers exactly when the test says; the race runs on a real cloud.
#include <gtest/gtest.h>

#include <caf/all.hpp>

#include <atomic>
#include <deque>
#include <functional>
#include <memory>

#include "actors/compute.hpp"
#include "actors/compute_bootstrap.hpp"
#include "actors/networking.hpp"
#include "store/ids.hpp"
#include "tests/actors/compute_test_support.hpp"

namespace cumulo {
namespace {

using namespace std::chrono_literals;

// --- stand-ins ---

// A conductor with one flavor ("1": 1 vCPU, 512 MB) and no instances, whose
// launches answer `delay` after they arrive (never, with answer = false);
// a server named "bad" is refused at once.
struct slow_conductor_state {
  std::shared_ptr<std::atomic<int>> launches;
  std::chrono::milliseconds delay{0};
  bool answer = true;
  std::deque<std::pair<caf::typed_response_promise<instance_state>, instance_state>> waiting;
};

caf::behavior slow_conductor(caf::stateful_actor<slow_conductor_state>* self,
                             std::shared_ptr<std::atomic<int>> launches,
                             std::chrono::milliseconds delay, bool answer) {
  self->state.launches = std::move(launches);
  self->state.delay = delay;
  self->state.answer = answer;
  return {
      [](list_atom, flavor_atom) {
        flavor_state f;
        f.id = "1";
        f.name = "m1.tiny";
        f.version = 1;
        f.vcpus = 1;
        f.ram = 512;
        f.disk = 1;
        return std::vector<flavor_state>{f};
      },
      [](list_atom, keypair_atom) { return std::vector<keypair_state>{}; },
      [](list_atom, server_group_atom) { return std::vector<server_group_state>{}; },
      [](list_atom, compute_quota_atom) { return std::vector<compute_quota_state>{}; },
      [](list_atom, instance_atom) { return std::vector<instance_state>{}; },
      [self](caf::get_atom, scheduler_atom) { return caf::actor_cast<caf::actor>(self); },
      [self](launch_atom, instance::request& r, event_metadata&) -> caf::result<instance_state> {
        ++*self->state.launches;
        if (r.name == "bad") return to_caf_error({errc::bad_request, "Invalid server name."});
        instance_state s;
        s.id = new_uuid();
        s.version = 1;
        s.name = r.name;
        s.project_id = r.project_id;
        s.flavor = r.flavor;
        auto promise = self->make_response_promise<instance_state>();
        self->state.waiting.emplace_back(promise, s);
        if (self->state.answer) self->delayed_send(self, self->state.delay, caf::ok_atom::value);
        return promise;
      },
      [self](caf::ok_atom) {
        auto [promise, s] = self->state.waiting.front();
        self->state.waiting.pop_front();
        promise.deliver(s);
      },
  };
}

// Glance with every image public and active.
caf::behavior any_image(caf::event_based_actor*) {
  return {
      [](caf::get_atom, image_atom, const std::string& id) {
        image_state i;
        i.id = id;
        i.version = 1;
        i.status = "active";
        i.visibility = "public";
        return i;
      },
  };
}

// Neutron without networks: a server boots without a NIC.
caf::behavior no_networks(caf::event_based_actor*) {
  return {
      [](list_atom, network_atom, const std::string&, bool) {
        return std::vector<network_state>{};
      },
  };
}

// A door in front of the stand-ins, in an actor system of its own.
struct door_fixture {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::shared_ptr<std::atomic<int>> launches = std::make_shared<std::atomic<int>>(0);
  std::shared_ptr<std::atomic<std::int64_t>> clock =
      std::make_shared<std::atomic<std::int64_t>>(1'000'000'000'000);
  caf::actor conductor, images, networks, door;

  door_fixture(std::chrono::milliseconds launch_delay, bool answer, compute_options opts) {
    cfg.set("scheduler.max-threads", 2);
    sys = std::make_unique<caf::actor_system>(cfg);
    conductor = sys->spawn(slow_conductor, launches, launch_delay, answer);
    images = sys->spawn(any_image);
    networks = sys->spawn(no_networks);
    opts.clock = [c = clock] { return c->load(); };
    door = spawn_compute(*sys, conductor, networks, images, std::move(opts));
  }
  ~door_fixture() {
    for (auto* a : {&door, &conductor, &images, &networks})
      caf::anon_send_exit(*a, caf::exit_reason::user_shutdown);
  }

  compute_usage usage() {
    auto u = ask<compute_usage>(*sys, door, caf::get_atom::value, usage_atom::value,
                                std::string("p1"));
    EXPECT_TRUE(u.ok()) << u.error.message;
    return u.ok() ? *u : compute_usage{-1, -1, -1};
  }
  std::int64_t reservations() {
    auto n = ask<std::int64_t>(*sys, door, caf::get_atom::value, reserve_atom::value,
                               std::string("p1"));
    EXPECT_TRUE(n.ok()) << n.error.message;
    return n.ok() ? *n : -1;
  }
};

create_servers_request a_create(int max_count = 1, int min_count = 1) {
  create_servers_request c;
  c.base.name = "web";
  c.base.project_id = "p1";
  c.base.user_id = "u1";
  c.flavor_ref = "1";
  c.image_ref = "cirros";
  c.networks = create_servers_request::networks_mode::any_single;
  c.max_count = max_count;
  c.min_count = min_count;
  c.meta = test_meta();
  return c;
}

// Polls `done` for at most `limit`.
bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit = 5s) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return done();
}

// --- the door gives a late launch up, and counts it when it answers ---

TEST(ComputeDoor, ALaunchThatAnswersAfterTheDoorGaveUpIsCountedNotLeaked) {
  compute_options opts;
  opts.launch_timeout = 100ms;
  door_fixture f(600ms, true, opts);
  auto created = ask<created_servers>(*f.sys, f.door, create_servers_atom::value, a_create());
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error.code, errc::unavailable);
  EXPECT_EQ(created.error.message, "The service did not answer in time; try again.");
  // Given up: nothing held for it, no reservation left behind.
  EXPECT_EQ(f.reservations(), 0);
  EXPECT_EQ(f.usage().instances, 0);
  // The instance exists once the conductor answers: it is counted.
  EXPECT_TRUE(eventually([&] { return f.usage().instances == 1; }));
  EXPECT_EQ(f.usage().cores, 1);
  EXPECT_EQ(f.usage().ram, 512);
  EXPECT_EQ(f.reservations(), 0);
  EXPECT_EQ(f.launches->load(), 1);
}

TEST(ComputeDoor, ACallerThatGoesAwayLeavesTheQuotaExact) {
  compute_options opts;
  opts.launch_timeout = 10s;
  door_fixture f(1000ms, true, opts);
  // As the HTTP bridge asks: a short-lived actor whose own timeout (300 ms)
  // ends it while the first of three launches is in flight.
  f.sys->spawn([door = f.door](caf::event_based_actor* self) {
    self->request(door, 300ms, create_servers_atom::value, a_create(3))
        .then([](created_servers&) { ADD_FAILURE() << "answered before its timeout"; },
              [](caf::error&) {});
  });
  ASSERT_TRUE(eventually([&] { return f.launches->load() == 1; }));
  // The launch in flight holds its reservation until it answers...
  EXPECT_EQ(f.reservations(), 1);
  // ...then its instance is committed, and nothing more is launched for a
  // caller that is gone.
  ASSERT_TRUE(eventually([&] { return f.usage().instances == 1 && f.reservations() == 0; }))
      << "instances " << f.usage().instances << ", reservations " << f.reservations()
      << ", launches " << f.launches->load();
  std::this_thread::sleep_for(300ms);  // a second launch would be on its way by now
  EXPECT_EQ(f.launches->load(), 1);
  EXPECT_EQ(f.usage().instances, 1);
  EXPECT_EQ(f.reservations(), 0);
}

TEST(ComputeDoor, ACreateStartsWhatTheQuotaAllowsAndAFailedLaunchHoldsNothing) {
  compute_options opts;
  door_fixture f(0ms, true, opts);
  // The conductor refuses the launch: its reservation is given back.
  auto bad = a_create();
  bad.base.name = "bad";
  auto failed = ask<created_servers>(*f.sys, f.door, create_servers_atom::value, bad);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error.code, errc::bad_request);
  EXPECT_EQ(failed.error.message, "Invalid server name.");
  EXPECT_EQ(f.launches->load(), 1);
  EXPECT_EQ(f.reservations(), 0);
  EXPECT_EQ(f.usage().instances, 0);
  // A flavor of the conductor's is missing at the door: no reservation at all.
  auto c = a_create();
  c.flavor_ref = "http://h/compute/flavors/42";
  auto refused = ask<created_servers>(*f.sys, f.door, create_servers_atom::value, c);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error.code, errc::bad_request);
  EXPECT_EQ(refused.error.message, "Flavor http://h/compute/flavors/42 could not be found.");
  // Three launches that answer: three instances, as one create.
  auto created = ask<created_servers>(*f.sys, f.door, create_servers_atom::value, a_create(3));
  ASSERT_TRUE(created.ok()) << created.error.message;
  ASSERT_EQ(created->servers.size(), 3u);
  EXPECT_EQ(created->servers[0].name, "web-1");
  EXPECT_EQ(created->servers[2].name, "web-3");
  EXPECT_EQ(f.usage().instances, 3);
  EXPECT_EQ(f.reservations(), 0);
  // The quota (10) lets 7 more start: max_count 9, min_count 2 starts 7.
  created = ask<created_servers>(*f.sys, f.door, create_servers_atom::value, a_create(9, 2));
  ASSERT_TRUE(created.ok()) << created.error.message;
  EXPECT_EQ(created->servers.size(), 7u);
  auto over = ask<created_servers>(*f.sys, f.door, create_servers_atom::value, a_create());
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error.code, errc::forbidden);
  EXPECT_EQ(over.error.message,
            "Quota exceeded for instances: Requested 1, but already used 10 of 10 instances");
  EXPECT_EQ(f.reservations(), 0);
}

// --- expiry ---

TEST(ComputeDoor, AnExpiredReservationIsSwept) {
  compute_options opts;
  opts.reservation_expiry = 600s;
  opts.sweep_interval = 20ms;
  opts.launch_timeout = 3600s;
  door_fixture f(0ms, false, opts);  // launches never answer
  caf::scoped_actor caller{*f.sys};
  caller->send(f.door, create_servers_atom::value, a_create());
  ASSERT_TRUE(eventually([&] { return f.reservations() == 1; }));
  // A reservation made directly expires the same way.
  ASSERT_TRUE(ask<std::string>(*f.sys, f.door, reserve_atom::value, std::string("p1"),
                               compute_usage{1, 1, 512})
                  .ok());
  EXPECT_EQ(f.usage().instances, 2);
  // Sweeps before the expiry keep them.
  std::this_thread::sleep_for(100ms);
  f.clock->fetch_add(std::int64_t{599} * 1'000'000);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(f.reservations(), 2);
  EXPECT_EQ(f.usage().instances, 2);
  // Past it, the next sweep releases both.
  f.clock->fetch_add(std::int64_t{2} * 1'000'000);
  EXPECT_TRUE(eventually([&] { return f.reservations() == 0; }, 2s));
  EXPECT_EQ(f.usage().instances, 0);
  EXPECT_EQ(f.usage().ram, 0);
}

// --- a real cloud ---

cloud_options real_cloud(const temp_dir& dir) {
  auto o = compute_cloud(dir);
  o.sync = durability::normal;
  return o;
}

std::string make_public_image(cloud& c) {
  const std::string id = new_uuid();
  auto run = [&](image::command cmd) {
    auto r = ask<image_state>(c.system(), c.image_registry(), command_atom::value, id,
                              std::move(cmd), test_meta());
    EXPECT_TRUE(r.ok()) << r.error.message;
  };
  run(image::create{"cirros", "p1", "qcow2", "bare"});
  run(image::start_upload{});
  run(image::finish_upload{16, std::string(32, 'a'), "sha512", std::string(128, 'b'), 16});
  return id;
}

int live_instances_of(cloud& c, const std::string& project) {
  auto all = ask<std::vector<instance_state>>(c.system(), c.conductor(), list_atom::value,
                                              instance_atom::value);
  EXPECT_TRUE(all.ok());
  int n = 0;
  if (all.ok())
    for (const auto& s : *all) n += s.exists() && s.project_id == project;
  return n;
}

TEST(ComputeDoor, CreatesRacingAtTheQuotaLimitNeverExceedIt) {
  temp_dir dir;
  cloud c(real_cloud(dir));
  bootstrap_flavors(c);
  ASSERT_TRUE(ask<compute_quota_set>(
                  c.system(), c.compute(), compute_quota_atom::value, std::string("p1"),
                  compute_quota::command{compute_quota::update{{{"instances", 5}}}}, test_meta())
                  .ok());
  auto create = a_create(2, 1);
  create.image_ref = make_public_image(c);
  create.networks = create_servers_request::networks_mode::none;
  // Eight creates of up to two servers each, all at once, from eight callers.
  caf::scoped_actor self{c.system()};
  for (int i = 0; i < 8; ++i)
    self->send(c.compute(), create_servers_atom::value, create);
  std::size_t started = 0;
  int refused = 0;
  for (int i = 0; i < 8; ++i)
    self->receive([&](created_servers& s) { started += s.servers.size(); },
                  [&](caf::error& e) {
                    const auto de = from_caf_error(e);
                    EXPECT_EQ(de.code, errc::forbidden) << de.message;
                    ++refused;
                  });
  EXPECT_EQ(started, 5u);
  EXPECT_GE(refused, 3);  // the creates that started none
  EXPECT_EQ(live_instances_of(c, "p1"), 5);
  auto used = ask<compute_usage>(c.system(), c.compute(), caf::get_atom::value, usage_atom::value,
                                 std::string("p1"));
  ASSERT_TRUE(used.ok());
  EXPECT_EQ(used->instances, 5);
  EXPECT_EQ(*ask<std::int64_t>(c.system(), c.compute(), caf::get_atom::value, reserve_atom::value,
                               std::string("p1")),
            0);
}

TEST(ComputeDoor, ACallerGoneMidCreateLeavesUsageEqualToTheLiveInstances) {
  temp_dir dir;
  cloud c(real_cloud(dir));
  bootstrap_flavors(c);
  auto create = a_create(6);
  create.image_ref = make_public_image(c);
  create.networks = create_servers_request::networks_mode::none;
  // Callers that give up after 1 ms, during their creates.
  for (int i = 0; i < 3; ++i)
    c.system().spawn([door = c.compute(), create](caf::event_based_actor* self) {
      self->request(door, 1ms, create_servers_atom::value, create)
          .then([](created_servers&) {}, [](caf::error&) {});
    });
  auto reservations = [&] {
    return *ask<std::int64_t>(c.system(), c.compute(), caf::get_atom::value, reserve_atom::value,
                              std::string("p1"));
  };
  ASSERT_TRUE(eventually([&] { return reservations() == 0; }));
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(reservations(), 0);
  const int live = live_instances_of(c, "p1");
  auto used = ask<compute_usage>(c.system(), c.compute(), caf::get_atom::value, usage_atom::value,
                                 std::string("p1"));
  ASSERT_TRUE(used.ok());
  EXPECT_EQ(used->instances, live);
  EXPECT_EQ(used->ram, 512 * live);
  // Deletes through the door free the usage.
  auto all = *ask<std::vector<instance_state>>(c.system(), c.conductor(), list_atom::value,
                                               instance_atom::value);
  for (const auto& s : all) {
    if (!s.exists()) continue;
    ASSERT_TRUE(ask<instance_state>(c.system(), c.compute(), caf::delete_atom::value,
                                    instance_atom::value, s.id, test_meta())
                    .ok());
  }
  used = ask<compute_usage>(c.system(), c.compute(), caf::get_atom::value, usage_atom::value,
                            std::string("p1"));
  EXPECT_EQ(used->instances, 0);
}

}  // namespace
}  // namespace cumulo
