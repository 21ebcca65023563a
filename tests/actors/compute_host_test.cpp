// The compute host actor: its registration with the scheduler and its
// message interface over libvirt's test driver.
#include <gtest/gtest.h>

#include <caf/all.hpp>

#include "tests/actors/compute_test_support.hpp"

namespace cumulo {
namespace {

TEST(ComputeHost, EachHostRegistersItsOwnCapacity) {
  temp_dir dir;
  auto big = small_host("compute-2");
  big.vcpus = 16;
  big.memory_mb = 65536;
  {
    cloud c(compute_cloud(dir, {small_host("compute-1"), big}));
    const auto hosts = hosts_of(c);
    ASSERT_EQ(hosts.size(), 2u);
    EXPECT_EQ(hosts[0].id, "compute-1");
    EXPECT_EQ(hosts[0].hypervisor_hostname, "compute-1");
    EXPECT_EQ(hosts[0].hypervisor_type, "test");
    EXPECT_EQ(hosts[0].vcpus, 2);
    EXPECT_EQ(hosts[0].memory_mb, 2048);
    EXPECT_EQ(hosts[0].local_gb, 100);
    EXPECT_EQ(hosts[1].vcpus, 16);
    EXPECT_EQ(hosts[1].memory_mb, 65536);
    EXPECT_TRUE(std::filesystem::exists(dir.path() / "data" / "hosts" / "compute-2.xml"));
  }
  // A host that comes back with another capacity is updated, not duplicated.
  big.memory_mb = 32768;
  cloud c(compute_cloud(dir, {small_host("compute-1"), big}));
  const auto hosts = hosts_of(c);
  ASSERT_EQ(hosts.size(), 2u);
  EXPECT_EQ(hosts[1].memory_mb, 32768);
  EXPECT_EQ(hosts[1].version, 2);
  EXPECT_EQ(hosts[0].version, 1) << "nothing changed: no event";
}

TEST(ComputeHost, DefaultIsOneHostCompute1) {
  temp_dir dir;
  cloud c(compute_cloud(dir));
  ASSERT_EQ(c.compute_hosts().size(), 1u);
  const auto hosts = hosts_of(c);
  ASSERT_EQ(hosts.size(), 1u);
  EXPECT_EQ(hosts[0].id, "compute-1");
  EXPECT_EQ(hosts[0].vcpus, compute_host_config{}.vcpus);
  EXPECT_EQ(hosts[0].memory_mb, compute_host_config{}.memory_mb);
}

TEST(ComputeHost, AnswersItsMessages) {
  temp_dir dir;
  cloud c(compute_cloud(dir, {small_host("compute-1")}));
  auto& sys = c.system();
  const auto host = c.compute_hosts().at("compute-1");
  auto info = ask<host_info>(sys, host, caf::get_atom::value, host_atom::value);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->vcpus, 2);
  EXPECT_EQ(info->memory_mb, 2048);
  EXPECT_EQ(info->hostname, "compute-1");

  domain_spec spec;
  spec.instance_id = "11111111-2222-4333-8444-555555555555";
  spec.name = "direct";
  spec.vcpus = 1;
  spec.memory_mb = 256;
  auto spawned = ask<power_states>(sys, host, spawn_atom::value, spec);
  ASSERT_TRUE(spawned.ok()) << spawned.error.message;
  EXPECT_EQ(*spawned, power_states::running);
  auto again = ask<power_states>(sys, host, spawn_atom::value, spec);
  EXPECT_EQ(again.error.message,
            "Domain instance-" + spec.instance_id + " already exists on this host.");

  auto paused = ask<power_states>(sys, host, power_atom::value, spec.instance_id,
                                  power_action{power_action::pause});
  ASSERT_TRUE(paused.ok());
  EXPECT_EQ(*paused, power_states::paused);
  auto all = ask<domain_power_states>(sys, host, list_atom::value, power_atom::value);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, (domain_power_states{{spec.instance_id, power_states::paused}}));
  auto console =
      ask<std::string>(sys, host, console_atom::value, spec.instance_id, std::int32_t{1});
  ASSERT_TRUE(console.ok());
  EXPECT_NE(console->find("domain paused"), std::string::npos) << *console;

  auto missing = ask<power_states>(sys, host, power_atom::value, std::string("nope"),
                                   power_action{power_action::power_on});
  EXPECT_EQ(missing.error.message, "Instance nope has no domain on this host.");

  ASSERT_TRUE(ask<caf::ok_atom>(sys, host, caf::delete_atom::value, spec.instance_id).ok());
  auto gone =
      ask<power_states>(sys, host, caf::get_atom::value, power_atom::value, spec.instance_id);
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(*gone, power_states::nostate);
}

TEST(ComputeHost, ReconcileDefinesMissingDomainsAndReapsStrayOnes) {
  temp_dir dir;
  cloud c(compute_cloud(dir, {small_host("compute-1")}));
  auto& sys = c.system();
  const auto host = c.compute_hosts().at("compute-1");
  domain_spec stray;
  stray.instance_id = "stray";
  stray.vcpus = 1;
  stray.memory_mb = 128;
  ASSERT_TRUE(ask<power_states>(sys, host, spawn_atom::value, stray).ok());
  expected_domain kept{stray, power_states::running};
  kept.spec.instance_id = "kept";
  expected_domain off{stray, power_states::shutdown};
  off.spec.instance_id = "off";
  auto report = ask<reconcile_report>(sys, host, reconcile_atom::value,
                                      std::vector<expected_domain>{kept, off});
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->recreated, (std::vector<std::string>{"kept", "off"}));
  EXPECT_EQ(report->reaped, (std::vector<std::string>{"stray"}));
  auto all = ask<domain_power_states>(sys, host, list_atom::value, power_atom::value);
  EXPECT_EQ(*all, (domain_power_states{{"kept", power_states::running},
                                       {"off", power_states::shutdown}}));
}

}  // namespace
}  // namespace cumulo
