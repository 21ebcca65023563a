// The flow of one launch through the actors (DESIGN.md): scheduler, ports,
// image, compute host; the actions on a running instance; delete; and what
// a restart does to instances and their domains.
#include <gtest/gtest.h>

#include <caf/all.hpp>

#include <set>

#include "engine/ids.hpp"
#include "tests/actors/compute_test_support.hpp"

namespace cumulo {
namespace {

std::vector<std::string> event_types(cloud& c, const std::string& id) {
  auto events =
      ask<recorded_events>(c.system(), c.journal(), read_atom::value, make_stream("instance", id));
  std::vector<std::string> out;
  if (events.ok())
    for (const auto& e : *events) out.push_back(e.type);
  return out;
}

TEST(Launch, ReachesActiveWithAPortAndAnAddress) {
  temp_dir dir;
  cloud c(compute_cloud(dir));
  const auto net = make_network(c, "p1");
  const auto image = make_image(c);
  auto requested = launch(c, a_request("web-1", image, net));
  ASSERT_TRUE(requested.ok()) << requested.error.message;
  EXPECT_EQ(api_status(*requested), "BUILD");
  EXPECT_EQ(requested->task_state, task_states::scheduling);
  EXPECT_TRUE(is_uuid(requested->id));
  const auto id = requested->id;

  const auto vm = settled(c, id);
  ASSERT_EQ(api_status(vm), "ACTIVE") << (vm.fault ? vm.fault->message : "");
  EXPECT_EQ(vm.power_state, power_states::running);
  EXPECT_EQ(vm.host, "compute-1");
  EXPECT_GT(vm.launched_at_us, 0);
  ASSERT_EQ(vm.addresses.size(), 1u);
  EXPECT_EQ(vm.addresses[0].network_name, "private");
  EXPECT_EQ(vm.addresses[0].ip_address.rfind("10.0.0.", 0), 0u) << vm.addresses[0].ip_address;
  EXPECT_EQ(vm.addresses[0].mac_address.rfind("fa:16:3e:", 0), 0u);

  auto n = ask<network_state>(c.system(), c.networking(), caf::get_atom::value, port_atom::value,
                              vm.addresses[0].port_id);
  ASSERT_TRUE(n.ok());
  const auto* port = n->find_port(vm.addresses[0].port_id);
  ASSERT_NE(port, nullptr);
  EXPECT_EQ(port->device_id, id);
  EXPECT_EQ(port->device_owner, "compute:nova");
  EXPECT_EQ(port->project_id, "p1");

  EXPECT_EQ(domain_power(c, "compute-1", id), power_states::running);
  EXPECT_TRUE(holds_claim(c, id));
  EXPECT_EQ(
      event_types(c, id),
      (std::vector<std::string>{"instance.requested", "instance.scheduled", "instance.port_bound",
                                "instance.spawning", "instance.active"}));
  auto console =
      ask<std::string>(c.system(), c.conductor(), console_atom::value, id, std::int32_t{10});
  ASSERT_TRUE(console.ok()) << console.error.message;
  EXPECT_NE(console->find("defined and started"), std::string::npos) << *console;
}

TEST(Launch, AnExistingPortAndAFixedAddressAreHonoured) {
  temp_dir dir;
  cloud c(compute_cloud(dir));
  const auto net = make_network(c, "p1");
  const auto image = make_image(c);
  network::create_port p;
  p.port_id = "my-port";
  p.project_id = "p1";
  p.fixed_ips = std::vector<network::fixed_ip>{{"", "10.0.0.50"}};
  ASSERT_TRUE(ask<network_state>(c.system(), c.networking(), command_atom::value, net,
                                 network::command{p}, test_meta())
                  .ok());
  auto r = a_request("two-nics", image);
  r.networks = {{"", "my-port", ""}, {net, "", "10.0.0.77"}};
  const auto vm = settled(c, launch(c, r)->id);
  ASSERT_EQ(api_status(vm), "ACTIVE") << (vm.fault ? vm.fault->message : "");
  ASSERT_EQ(vm.addresses.size(), 2u);
  EXPECT_EQ(vm.addresses[0].port_id, "my-port");
  EXPECT_EQ(vm.addresses[0].ip_address, "10.0.0.50");
  EXPECT_EQ(vm.addresses[1].ip_address, "10.0.0.77");
  EXPECT_EQ(ports_of(c, net, vm.id), 2);

  // Delete: our port goes, the user's port is given back unbound.
  ASSERT_TRUE(action(c, vm.id, instance::remove{}).ok());
  EXPECT_TRUE(settled(c, vm.id).deleted);
  auto n = ask<network_state>(c.system(), c.networking(), caf::get_atom::value, network_atom::value,
                              net);
  ASSERT_TRUE(n.ok());
  ASSERT_EQ(n->ports.size(), 1u);
  EXPECT_EQ(n->ports.begin()->first, "my-port");
  EXPECT_EQ(n->ports.begin()->second.device_id, "");
}

TEST(Launch, ParallelLaunchesOnTwoSmallHostsNeverOvercommit) {
  temp_dir dir;
  cloud c(compute_cloud(dir, {small_host("compute-1"), small_host("compute-2")}));
  const auto image = make_image(c);
  // 1024 MB each: three fit in a host's 3072 MB (2048 MB x 1.5), six in all.
  caf::scoped_actor self{c.system()};
  for (int i = 0; i < 20; ++i)
    self->send(c.conductor(), launch_atom::value,
               a_request("vm-" + std::to_string(i), image, "", 1, 1024), test_meta());
  std::vector<std::string> ids;
  for (int i = 0; i < 20; ++i)
    self->receive([&](instance_state& s) { ids.push_back(s.id); },
                  [&](caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
  ASSERT_EQ(ids.size(), 20u);
  int active = 0, no_host = 0;
  std::map<std::string, int> per_host;
  for (const auto& id : ids) {
    const auto vm = settled(c, id);
    if (api_status(vm) == "ACTIVE") {
      ++active;
      ++per_host[vm.host];
      EXPECT_EQ(domain_power(c, vm.host, id), power_states::running);
    } else {
      ASSERT_EQ(api_status(vm), "ERROR");
      ASSERT_TRUE(vm.fault.has_value());
      EXPECT_EQ(vm.fault->message.rfind("No valid host was found.", 0), 0u) << vm.fault->message;
      EXPECT_FALSE(holds_claim(c, id));
      ++no_host;
    }
  }
  EXPECT_EQ(active, 6);
  EXPECT_EQ(no_host, 14);
  EXPECT_EQ(per_host["compute-1"], 3);
  EXPECT_EQ(per_host["compute-2"], 3);
  for (const auto& h : hosts_of(c)) {
    EXPECT_LE(h.memory_mb_used(), memory_mb_limit(h)) << h.id;
    EXPECT_LE(h.vcpus_used(), vcpus_limit(h)) << h.id;
    EXPECT_EQ(h.running_vms(), 3) << h.id;
  }
}

TEST(Launch, ADisabledHostGetsNoInstance) {
  temp_dir dir;
  cloud c(compute_cloud(dir, {small_host("compute-1"), small_host("compute-2")}));
  const auto image = make_image(c);
  ASSERT_TRUE(ask<host_state>(c.system(), c.scheduler(), command_atom::value,
                              std::string("compute-2"), host::command{host::disable{"maintenance"}},
                              test_meta())
                  .ok());
  for (int i = 0; i < 3; ++i) {
    const auto vm = settled(c, launch(c, a_request("vm", image, "", 1, 512))->id);
    ASSERT_EQ(api_status(vm), "ACTIVE");
    EXPECT_EQ(vm.host, "compute-1");
  }
  auto p = ask<domain_power_states>(c.system(), c.compute_hosts().at("compute-2"), list_atom::value,
                                    power_atom::value);
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->empty());
}

TEST(Launch, EveryActionGoesThroughItsStates) {
  temp_dir dir;
  cloud c(compute_cloud(dir));
  const auto image = make_image(c);
  const auto id = settled(c, launch(c, a_request("vm", image))->id).id;
  struct step_t {
    instance::command command;
    const char* requested_task;
    const char* status;
    power_states power;
  };
  const std::vector<step_t> steps{
      {instance::stop{}, "powering-off", "SHUTOFF", power_states::shutdown},
      {instance::start{}, "powering-on", "ACTIVE", power_states::running},
      {instance::reboot{reboot_type::soft}, "rebooting", "ACTIVE", power_states::running},
      {instance::reboot{reboot_type::hard}, "rebooting_hard", "ACTIVE", power_states::running},
      {instance::pause{}, "pausing", "PAUSED", power_states::paused},
      {instance::unpause{}, "unpausing", "ACTIVE", power_states::running},
      {instance::suspend{}, "suspending", "SUSPENDED", power_states::suspended},
      {instance::resume{}, "resuming", "ACTIVE", power_states::running},
  };
  for (const auto& s : steps) {
    auto requested = action(c, id, s.command);
    ASSERT_TRUE(requested.ok()) << requested.error.message;
    EXPECT_STREQ(to_string(requested->task_state), s.requested_task);
    const auto vm = settled(c, id);
    EXPECT_EQ(api_status(vm), s.status) << s.requested_task;
    EXPECT_EQ(vm.power_state, s.power) << s.requested_task;
    EXPECT_EQ(domain_power(c, "compute-1", id), s.power) << "libvirt agrees: " << s.requested_task;
  }
  // Wrong states keep Nova's 409 texts.
  auto wrong = action(c, id, instance::unpause{});
  EXPECT_EQ(wrong.error.code, errc::conflict);
  EXPECT_EQ(wrong.error.message,
            "Cannot 'unpause' instance " + id + " while it is in vm_state active");
  auto progress = action(c, id, instance::mark_active{1});
  EXPECT_EQ(progress.error.code, errc::bad_request) << "only a user's actions";
  auto unknown = action(c, "nope", instance::stop{});
  EXPECT_EQ(unknown.error.code, errc::not_found);
}

TEST(Launch, DeleteReleasesClaimPortAndDomain) {
  temp_dir dir;
  cloud c(compute_cloud(dir));
  const auto net = make_network(c, "p1");
  const auto image = make_image(c);
  const auto vm = settled(c, launch(c, a_request("vm", image, net))->id);
  ASSERT_EQ(api_status(vm), "ACTIVE");
  ASSERT_EQ(ports_of(c, net, vm.id), 1);
  auto deleting = action(c, vm.id, instance::remove{});
  ASSERT_TRUE(deleting.ok());
  EXPECT_EQ(deleting->task_state, task_states::deleting);
  const auto gone = settled(c, vm.id);
  EXPECT_TRUE(gone.deleted);
  EXPECT_TRUE(gone.addresses.empty());
  EXPECT_FALSE(holds_claim(c, vm.id));
  EXPECT_EQ(ports_of(c, net, vm.id), 0);
  EXPECT_EQ(domain_power(c, "compute-1", vm.id), power_states::nostate);
  auto list = ask<std::vector<instance_state>>(c.system(), c.conductor(), list_atom::value,
                                               instance_atom::value);
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->empty());
}

TEST(Launch, ADeleteDuringTheBuildUndoesIt) {
  temp_dir dir;
  cloud c(compute_cloud(dir));
  const auto net = make_network(c, "p1");
  const auto image = make_image(c);
  const auto id = launch(c, a_request("vm", image, net))->id;
  ASSERT_TRUE(action(c, id, instance::remove{}).ok());
  EXPECT_TRUE(settled(c, id).deleted);
  EXPECT_FALSE(holds_claim(c, id));
  EXPECT_EQ(ports_of(c, net, id), 0);
  EXPECT_EQ(domain_power(c, "compute-1", id), power_states::nostate);
}

TEST(Launch, AFailingSpawnEndsInErrorWithNothingHeld) {
  temp_dir dir;
  auto o = compute_cloud(dir);
  o.require_image_files = true;  // and the image has no file: the driver refuses
  cloud c(o);
  const auto net = make_network(c, "p1");
  const auto image = make_image(c);
  const auto vm = settled(c, launch(c, a_request("vm", image, net))->id);
  ASSERT_EQ(api_status(vm), "ERROR");
  ASSERT_TRUE(vm.fault.has_value());
  EXPECT_EQ(vm.fault->message,
            "Image file " + (dir.path() / "data" / "images" / image).string() + " does not exist.");
  EXPECT_EQ(vm.fault->code, 500);
  EXPECT_TRUE(vm.addresses.empty());
  EXPECT_FALSE(holds_claim(c, vm.id));
  EXPECT_EQ(ports_of(c, net, vm.id), 0);
  EXPECT_EQ(domain_power(c, "compute-1", vm.id), power_states::nostate);
  // An instance in ERROR can still be deleted.
  ASSERT_TRUE(action(c, vm.id, instance::remove{}).ok());
  EXPECT_TRUE(settled(c, vm.id).deleted);
}

TEST(Launch, NoValidHostAndABadImageEndInError) {
  temp_dir dir;
  cloud c(compute_cloud(dir, {small_host("compute-1")}));
  const auto image = make_image(c);
  const auto queued = make_image(c, "queued", false);
  const auto huge = settled(c, launch(c, a_request("huge", image, "", 64, 512))->id);
  ASSERT_EQ(api_status(huge), "ERROR");
  EXPECT_EQ(huge.fault->message, no_valid_host_message());
  EXPECT_FALSE(holds_claim(c, huge.id));
  const auto not_active = settled(c, launch(c, a_request("q", queued))->id);
  ASSERT_EQ(api_status(not_active), "ERROR");
  EXPECT_EQ(not_active.fault->message, "Image queued is not active (queued).");
  EXPECT_FALSE(holds_claim(c, not_active.id));
  const auto missing = settled(c, launch(c, a_request("m", "no-such-image"))->id);
  EXPECT_EQ(missing.fault->message, "Image no-such-image could not be found.");
  // Refused before anything is recorded: a bad flavor.
  auto bad = launch(c, a_request("bad", image, "", 0, 512));
  EXPECT_EQ(bad.error.code, errc::bad_request);
}

TEST(Launch, ARestartResolvesAnInFlightBuild) {
  temp_dir dir;
  std::string net;
  const std::string id = "0190a7c4-8c2e-7d3a-9b1e-2f4c5d6e7f80";
  {
    cloud c(compute_cloud(dir));
    net = make_network(c, "p1");
    // A build stopped after its claim and its port: what the log has when
    // the process dies in the middle of a launch.
    auto run = [&](instance::command cmd) {
      auto r = ask<instance_state>(c.system(), c.conductor(), command_atom::value, id,
                                   std::move(cmd), test_meta());
      ASSERT_TRUE(r.ok()) << r.error.message;
    };
    run(a_request("vm", "cirros", net));
    ASSERT_TRUE(ask<std::string>(c.system(), c.scheduler(), select_atom::value,
                                 request_spec{id, 1, 512, 1}, test_meta())
                    .ok());
    run(instance::schedule{"compute-1", "compute-1", {}});
    network::create_port p;
    p.port_id = "build-port";
    p.project_id = "p1";
    p.device_id = id;
    p.device_owner = "compute:nova";
    auto n = ask<network_state>(c.system(), c.networking(), command_atom::value, net,
                                network::command{p}, test_meta());
    ASSERT_TRUE(n.ok());
    const auto* port = n->find_port("build-port");
    run(instance::bind_port{"build-port", net, "private", port->fixed_ips.at(0).ip_address,
                            port->mac_address});
    ASSERT_TRUE(holds_claim(c, id));
  }
  cloud c(compute_cloud(dir));
  // Resolution is over when the cloud is up.
  auto vm = get_instance(c, id);
  ASSERT_TRUE(vm.ok());
  EXPECT_EQ(api_status(*vm), "ERROR");
  ASSERT_TRUE(vm->fault.has_value());
  EXPECT_NE(vm->fault->message.find("interrupted by a restart"), std::string::npos);
  EXPECT_TRUE(vm->addresses.empty());
  EXPECT_FALSE(holds_claim(c, id));
  EXPECT_EQ(ports_of(c, net, id), 0);
}

TEST(Launch, AnInstanceWhoseDomainCannotComeBackIsErrorAfterARestart) {
  temp_dir dir;
  std::string id;
  {
    cloud c(compute_cloud(dir));
    id = settled(c, launch(c, a_request("vm", make_image(c)))->id).id;
    ASSERT_EQ(api_status(*get_instance(c, id)), "ACTIVE");
  }
  auto o = compute_cloud(dir);
  o.require_image_files = true;  // the image has no file: the domain can't be defined
  cloud c(o);
  auto vm = get_instance(c, id);
  ASSERT_TRUE(vm.ok());
  EXPECT_EQ(api_status(*vm), "ERROR");
  ASSERT_TRUE(vm->fault.has_value());
  EXPECT_EQ(vm->fault->message.rfind("Its domain could not be defined again after a restart: "
                                     "Image file ",
                                     0),
            0u)
      << vm->fault->message;
  EXPECT_EQ(domain_power(c, "compute-1", id), power_states::nostate);
  ASSERT_TRUE(action(c, id, instance::remove{}).ok());
  EXPECT_TRUE(settled(c, id).deleted);
}

TEST(Launch, AnInstanceActorThatDiesResolvesItsOperation) {
  temp_dir dir;
  cloud c(compute_cloud(dir));
  const auto image = make_image(c);
  const auto id = settled(c, launch(c, a_request("vm", image))->id).id;
  // A stop recorded (state machine only) whose work died with the actor.
  auto stopping = ask<instance_state>(c.system(), c.conductor(), command_atom::value, id,
                                      instance::command{instance::stop{}}, test_meta());
  ASSERT_EQ(stopping->task_state, task_states::powering_off);
  ASSERT_TRUE(
      ask<caf::ok_atom>(c.system(), c.conductor(), crash_atom::value, make_stream("instance", id))
          .ok());
  const auto vm = settled(c, id);
  EXPECT_EQ(api_status(vm), "ACTIVE");
  EXPECT_EQ(vm.task_state, task_states::none);
  EXPECT_EQ(domain_power(c, "compute-1", id), power_states::running);
  // And the new actor runs the next action.
  ASSERT_TRUE(action(c, id, instance::stop{}).ok());
  EXPECT_EQ(api_status(settled(c, id)), "SHUTOFF");
}

TEST(Launch, DomainsAndTheLogAgreeAfterARestart) {
  temp_dir dir;
  std::map<std::string, power_states> expected;
  std::string deleted;
  {
    cloud c(compute_cloud(dir, {small_host("compute-1"), small_host("compute-2")}));
    const auto net = make_network(c, "p1");
    const auto image = make_image(c);
    std::vector<std::string> ids;
    for (int i = 0; i < 5; ++i) {
      auto vm = settled(c, launch(c, a_request("vm" + std::to_string(i), image, net))->id);
      ASSERT_EQ(api_status(vm), "ACTIVE");
      ids.push_back(vm.id);
    }
    ASSERT_TRUE(action(c, ids[0], instance::stop{}).ok());
    ASSERT_TRUE(action(c, ids[1], instance::pause{}).ok());
    ASSERT_TRUE(action(c, ids[2], instance::suspend{}).ok());
    ASSERT_TRUE(action(c, ids[3], instance::remove{}).ok());
    for (const auto& id : ids) {
      const auto vm = settled(c, id);
      if (!vm.deleted) expected[id] = vm.power_state;
    }
    deleted = ids[3];
    EXPECT_EQ(expected.size(), 4u);
  }
  cloud c(compute_cloud(dir, {small_host("compute-1"), small_host("compute-2")}));
  std::map<std::string, power_states> domains;
  for (const auto& [name, host] : c.compute_hosts()) {
    auto p = ask<domain_power_states>(c.system(), host, list_atom::value, power_atom::value);
    ASSERT_TRUE(p.ok());
    for (const auto& [id, power] : *p) {
      domains[id] = power;
      EXPECT_EQ(get_instance(c, id)->host, name);
    }
  }
  EXPECT_EQ(domains, expected);
  EXPECT_EQ(domains.count(deleted), 0u);
  // And they go on working: the stopped one starts.
  for (const auto& [id, power] : expected)
    if (power == power_states::shutdown) {
      ASSERT_TRUE(action(c, id, instance::start{}).ok());
      EXPECT_EQ(api_status(settled(c, id)), "ACTIVE");
    }
}

}  // namespace
}  // namespace cumulo
