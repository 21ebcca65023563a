// Faults of the compute hosts (what `serve --faults` injects): a crashed
// host started again with its domains, builds rescheduled away from a host
// whose libvirt fails or hangs, and ERROR once every host failed.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/actors/compute_test_support.hpp"

namespace cumulo {
namespace {

cloud_options faulty_cloud(const temp_dir& dir, std::shared_ptr<fault_board> faults) {
  auto o = compute_cloud(dir, {small_host("compute-1"), small_host("compute-2")});
  o.faults = std::move(faults);
  return o;
}

TEST(ComputeFaults, ACrashedHostIsStartedAgainWithItsDomains) {
  temp_dir dir;
  auto faults = std::make_shared<fault_board>();
  cloud c(faulty_cloud(dir, faults));
  const auto net = make_network(c, "p1");
  const auto image = make_image(c);
  const auto vm = settled(c, launch(c, a_request("vm", image, net))->id);
  ASSERT_EQ(api_status(vm), "ACTIVE");
  const auto before = c.compute_hosts().at(vm.host);
  EXPECT_FALSE(faults->crash_host("compute-9"));
  ASSERT_TRUE(faults->crash_host(vm.host));
  // The supervisor puts a new actor in place and defines the domain again
  // (the test driver lost it with the connection).
  for (int i = 0; i < 500 && (c.compute_hosts().at(vm.host) == before ||
                              domain_power(c, vm.host, vm.id) != power_states::running);
       ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_NE(c.compute_hosts().at(vm.host), before);
  EXPECT_EQ(domain_power(c, vm.host, vm.id), power_states::running);
  ASSERT_TRUE(action(c, vm.id, instance::stop{}).ok());
  EXPECT_EQ(api_status(settled(c, vm.id)), "SHUTOFF");
}

TEST(ComputeFaults, ABuildOnAFailingHostIsRescheduled) {
  temp_dir dir;
  auto faults = std::make_shared<fault_board>();
  cloud c(faulty_cloud(dir, faults));
  const auto net = make_network(c, "p1");
  const auto image = make_image(c);
  // Both hosts are empty: the tie goes to compute-1.
  faults->set_libvirt("compute-1", libvirt_fault::fail,
                      fault_board::clock::now() + std::chrono::minutes(1));
  const auto vm = settled(c, launch(c, a_request("vm", image, net))->id);
  ASSERT_EQ(api_status(vm), "ACTIVE") << (vm.fault ? vm.fault->message : "");
  EXPECT_EQ(vm.host, "compute-2");
  EXPECT_EQ(ports_of(c, net, vm.id), 1);  // the port of the first attempt, kept
  for (const auto& h : hosts_of(c))
    EXPECT_EQ(h.claims.count(vm.id), h.id == "compute-2" ? 1u : 0u) << h.id;

  // Every host fails: ERROR with the last host's reason, nothing held.
  faults->set_libvirt("compute-2", libvirt_fault::fail,
                      fault_board::clock::now() + std::chrono::minutes(1));
  const auto doomed = settled(c, launch(c, a_request("doomed", image, net))->id);
  ASSERT_EQ(api_status(doomed), "ERROR");
  ASSERT_TRUE(doomed.fault.has_value());
  EXPECT_NE(doomed.fault->message.find("injected fault"), std::string::npos)
      << doomed.fault->message;
  EXPECT_NE(doomed.fault->details.find("No other host could take the build"), std::string::npos)
      << doomed.fault->details;
  EXPECT_FALSE(holds_claim(c, doomed.id));
  EXPECT_EQ(ports_of(c, net, doomed.id), 0);
}

TEST(ComputeFaults, AHungSpawnTimesOutAndIsRescheduled) {
  temp_dir dir;
  auto faults = std::make_shared<fault_board>();
  auto o = faulty_cloud(dir, faults);
  o.spawn_timeout = std::chrono::seconds(1);
  cloud c(o);
  const auto net = make_network(c, "p1");
  const auto image = make_image(c);
  faults->set_libvirt("compute-1", libvirt_fault::hang,
                      fault_board::clock::now() + std::chrono::seconds(2));
  const auto vm = settled(c, launch(c, a_request("vm", image, net))->id);
  ASSERT_EQ(api_status(vm), "ACTIVE") << (vm.fault ? vm.fault->message : "");
  EXPECT_EQ(vm.host, "compute-2");
  // Once the hang is over, the domain the hung spawn made is gone.
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  EXPECT_EQ(domain_power(c, "compute-1", vm.id), power_states::nostate);
  EXPECT_EQ(domain_power(c, "compute-2", vm.id), power_states::running);
}

}  // namespace
}  // namespace cumulo
