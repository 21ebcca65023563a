#include "engine/host_state.hpp"

#include <gtest/gtest.h>

#include "engine/fold.hpp"
#include "tests/engine/machine_test_support.hpp"

namespace cumulo {
namespace {

using M = host_machine;

host_state run(host_state s, const host::command& c) { return run_command_on<M>(std::move(s), c); }
void expect_refused(const host_state& s, const host::command& c, errc code,
                    const std::string& message) {
  expect_refusal<M>(s, c, code, message);
}

// 2 vCPUs x 2.0, 1024 MB x 1.5, 10 GB x 1.0.
host::register_host report() {
  return host::register_host{"node1", "QEMU", 7002000, "192.168.1.10", 2, 1024, 10, 2.0, 1.5, 1.0};
}

host_state fresh() {
  host_state s;
  s.id = "h1";
  return s;
}

host_state registered() {
  return run(fresh(), report());
}

TEST(HostState, RegisterSetsCapacityAndRatios) {
  auto s = registered();
  EXPECT_TRUE(s.exists());
  EXPECT_EQ(s.hypervisor_hostname, "node1");
  EXPECT_EQ(s.hypervisor_version, 7002000);
  EXPECT_EQ(s.memory_mb, 1024);
  EXPECT_TRUE(s.enabled);
  EXPECT_EQ(vcpus_limit(s), 4);
  EXPECT_EQ(memory_mb_limit(s), 1536);
  EXPECT_EQ(local_gb_limit(s), 10);
  EXPECT_EQ(s.running_vms(), 0);
}

TEST(HostState, DefaultRatiosAreNovasOld) {
  host_registered e;
  EXPECT_DOUBLE_EQ(e.cpu_allocation_ratio, 16.0);
  EXPECT_DOUBLE_EQ(e.ram_allocation_ratio, 1.5);
  EXPECT_DOUBLE_EQ(e.disk_allocation_ratio, 1.0);
}

TEST(HostState, ReRegisterUpdatesOnlyWhatChanged) {
  auto s = registered();
  auto same = M::decide(s, report());
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(same.value().empty()) << "an identical report adds nothing";

  auto r = report();
  r.memory_mb = 2048;
  r.hypervisor_version = 8000000;
  auto d = M::decide(s, r);
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d.value().size(), 1u);
  const auto& u = std::get<host_updated>(d.value()[0]);
  EXPECT_EQ(u.memory_mb, 2048);
  EXPECT_EQ(u.hypervisor_version, 8000000);
  EXPECT_FALSE(u.vcpus);
  EXPECT_FALSE(u.host_ip);
  EXPECT_FALSE(u.cpu_allocation_ratio);
  s = run(s, r);
  EXPECT_EQ(s.memory_mb, 2048);
  EXPECT_EQ(s.vcpus, 2);
  EXPECT_EQ(s.version, 2);
}

TEST(HostState, RegisterValidation) {
  auto r = report();
  r.hypervisor_hostname = "";
  expect_refused(fresh(), r, errc::bad_request, "A host needs a hypervisor_hostname.");
  r = report();
  r.memory_mb = -1;
  expect_refused(fresh(), r, errc::bad_request, "A host's capacity must not be negative.");
  r = report();
  r.ram_allocation_ratio = 0;
  expect_refused(fresh(), r, errc::bad_request, "Allocation ratios must be greater than 0.");
}

TEST(HostState, ClaimsUpToTheRatioAndNoFurther) {
  auto s = registered();
  // RAM: 1024 MB x 1.5 = 1536 MB allocatable.
  s = run(s, host::claim{"i1", 1, 512, 1});
  s = run(s, host::claim{"i2", 1, 512, 1});
  s = run(s, host::claim{"i3", 1, 512, 1});
  EXPECT_EQ(s.memory_mb_used(), 1536);
  EXPECT_EQ(s.vcpus_used(), 3);
  EXPECT_EQ(s.local_gb_used(), 3);
  EXPECT_EQ(s.running_vms(), 3);
  expect_refused(s, host::claim{"i4", 1, 512, 1}, errc::conflict,
                 "Cannot claim resources on host h1 for instance i4: insufficient RAM: "
                 "requested 512 MB, free 0 MB.");
  // vCPUs: 2 x 2.0 = 4; one left.
  expect_refused(s, host::claim{"i4", 2, 0, 0}, errc::conflict,
                 "Cannot claim resources on host h1 for instance i4: insufficient vCPUs: "
                 "requested 2, free 1.");
  s = run(s, host::claim{"i4", 1, 0, 0});
  // Disk: 10 GB x 1.0; 7 left.
  expect_refused(s, host::claim{"i5", 0, 0, 8}, errc::conflict,
                 "Cannot claim resources on host h1 for instance i5: insufficient disk: "
                 "requested 8 GB, free 7 GB.");
  s = run(s, host::claim{"i5", 0, 0, 7});
  EXPECT_EQ(s.local_gb_used(), 10);
}

TEST(HostState, AnInstanceMayNotOvercommitAgainstItself) {
  // 1536 MB are allocatable, but one instance may not have more than the
  // 1024 MB the host has.
  expect_refused(registered(), host::claim{"big", 1, 1100, 1}, errc::conflict,
                 "Cannot claim resources on host h1 for instance big: insufficient RAM: "
                 "requested 1100 MB, total 1024 MB.");
  expect_refused(registered(), host::claim{"big", 3, 1, 1}, errc::conflict,
                 "Cannot claim resources on host h1 for instance big: insufficient vCPUs: "
                 "requested 3, total 2.");
}

TEST(HostState, ClaimRefusals) {
  expect_refused(fresh(), host::claim{"i1", 1, 1, 1}, errc::not_found,
                 "Compute host h1 could not be found.");
  auto s = run(registered(), host::claim{"i1", 1, 256, 1});
  expect_refused(s, host::claim{"i1", 1, 256, 1}, errc::conflict,
                 "Instance i1 already holds a claim on host h1.");
  expect_refused(s, host::claim{"", 1, 256, 1}, errc::bad_request, "A claim needs an instance id.");
  expect_refused(s, host::claim{"i2", -1, 256, 1}, errc::bad_request,
                 "A claim must not be negative.");
}

TEST(HostState, ReleaseFreesTheClaim) {
  auto s = run(registered(), host::claim{"i1", 1, 1024, 5});
  s = run(s, host::claim{"i2", 1, 512, 5});
  expect_refused(s, host::claim{"i3", 1, 512, 0}, errc::conflict,
                 "Cannot claim resources on host h1 for instance i3: insufficient RAM: "
                 "requested 512 MB, free 0 MB.");
  s = run(s, host::release{"i1"});
  EXPECT_EQ(s.memory_mb_used(), 512);
  EXPECT_EQ(s.claims.count("i1"), 0u);
  s = run(s, host::claim{"i3", 1, 512, 0});
  expect_refused(s, host::release{"i1"}, errc::not_found, "Instance i1 holds no claim on host h1.");
  expect_refused(fresh(), host::release{"i1"}, errc::not_found,
                 "Compute host h1 could not be found.");
}

TEST(HostState, ShrinkingCapacityKeepsClaimsButRefusesNewOnes) {
  auto s = run(registered(), host::claim{"i1", 1, 1024, 1});
  auto r = report();
  r.memory_mb = 512;
  s = run(s, r);
  EXPECT_EQ(s.claims.count("i1"), 1u);
  EXPECT_EQ(s.memory_mb_used(), 1024);
  expect_refused(s, host::claim{"i2", 1, 1, 0}, errc::conflict,
                 "Cannot claim resources on host h1 for instance i2: insufficient RAM: "
                 "requested 1 MB, free -256 MB.");
}

TEST(HostState, DisableAndEnable) {
  auto s = run(registered(), host::disable{"maintenance"});
  EXPECT_FALSE(s.enabled);
  EXPECT_EQ(s.disabled_reason, "maintenance");
  auto again = M::decide(s, host::disable{"maintenance"});
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again.value().empty());
  s = run(s, host::disable{"broken disk"});
  EXPECT_EQ(s.disabled_reason, "broken disk");
  s = run(s, host::enable{});
  EXPECT_TRUE(s.enabled);
  EXPECT_EQ(s.disabled_reason, "");
  auto enabled_again = M::decide(s, host::enable{});
  ASSERT_TRUE(enabled_again.ok());
  EXPECT_TRUE(enabled_again.value().empty());
  expect_refused(fresh(), host::disable{"x"}, errc::not_found,
                 "Compute host h1 could not be found.");
  expect_refused(fresh(), host::enable{}, errc::not_found, "Compute host h1 could not be found.");
}

TEST(HostState, ForcedDownAndUpAgainOnceEach) {
  auto s = run(registered(), host::force_down{true});
  EXPECT_TRUE(s.forced_down);
  EXPECT_TRUE(s.enabled) << "down is not disabled";
  auto again = M::decide(s, host::force_down{true});
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again.value().empty());
  s = run(s, host::force_down{false});
  EXPECT_FALSE(s.forced_down);
  expect_refused(fresh(), host::force_down{true}, errc::not_found,
                 "Compute host h1 could not be found.");
}

TEST(HostState, ApplyRejectsEventsThatCannotHappen) {
  EXPECT_THROW(M::apply(fresh(), host_claimed{"i1", 1, 1, 1}), invalid_event);
  EXPECT_THROW(M::apply(fresh(), host_updated{}), invalid_event);
  EXPECT_THROW(M::apply(fresh(), host_enabled{}), invalid_event);
  EXPECT_THROW(M::apply(registered(), host_registered{}), invalid_event);
  EXPECT_THROW(M::apply(registered(), host_released{"i1"}), invalid_event);
  auto s = run(registered(), host::claim{"i1", 1, 1, 1});
  EXPECT_THROW(M::apply(s, host_claimed{"i1", 1, 1, 1}), invalid_event);
}

TEST(HostState, EveryEventRoundTripsThroughTheCodecAndFold) {
  host_updated update;
  update.memory_mb = 2048;
  update.ram_allocation_ratio = 1.0;
  const std::vector<host_event> history{
      host_registered{"node1", "QEMU", 7002000, "192.168.1.10", 2, 1024, 10, 16.0, 1.5, 1.0},
      update,
      host_claimed{"i1", 1, 512, 1},
      host_disabled{"maintenance"},
      host_enabled{},
      host_claim_moved{"i1", "m1"},
      host_released{"m1"},
      host_forced_down{true},
  };
  ASSERT_EQ(history.size(), std::variant_size_v<host_event>);
  auto s = fresh();
  std::int64_t version = 0;
  for (const auto& e : history) {
    new_event n = encode(e);
    ++version;
    recorded_event r{version,      "host/h1", version, n.type,   n.schema_version,
                     version * 10, "req-1",   "",      n.payload};
    auto back = decode<host_event>(r);
    EXPECT_EQ(back.index(), e.index()) << n.type;
    EXPECT_EQ(encode(back).payload, n.payload) << n.type << " changes through the codec";
    s = fold<M>(std::move(s), r);
    if (n.type == "host.updated") {
      EXPECT_EQ(s.memory_mb, 2048);
      EXPECT_DOUBLE_EQ(s.ram_allocation_ratio, 1.0);
      EXPECT_EQ(s.vcpus, 2) << "fields the update does not carry stay";
    }
    if (n.type == "host.claimed") {
      EXPECT_EQ(s.claims.at("i1").memory_mb, 512);
    }
    if (n.type == "host.disabled") {
      EXPECT_EQ(s.disabled_reason, "maintenance");
    }
    if (n.type == "host.claim_moved") {
      EXPECT_EQ(s.claims.count("i1"), 0u);
      EXPECT_EQ(s.claims.at("m1").memory_mb, 512);
    }
  }
  EXPECT_TRUE(s.enabled);
  EXPECT_TRUE(s.claims.empty());
  EXPECT_TRUE(s.forced_down);
  EXPECT_EQ(s.version, 8);
}

TEST(HostState, JsonViewShowsUsage) {
  auto s = run(run(registered(), host::claim{"i1", 1, 512, 2}), host::disable{"drain"});
  nlohmann::json j = s;
  EXPECT_EQ(j["id"], "h1");
  EXPECT_EQ(j["hypervisor_type"], "QEMU");
  EXPECT_EQ(j["memory_mb_used"], 512);
  EXPECT_EQ(j["vcpus_used"], 1);
  EXPECT_EQ(j["local_gb_used"], 2);
  EXPECT_EQ(j["running_vms"], 1);
  EXPECT_EQ(j["enabled"], false);
  EXPECT_EQ(j["disabled_reason"], "drain");
  EXPECT_EQ(j["claims"]["i1"]["memory_mb"], 512);
}

TEST(HostState, AClaimMovesToAMigrationAndBack) {
  auto s = run(registered(), host::claim{"i1", 1, 512, 1});
  s = run(s, host::move_claim{"i1", "m1"});
  EXPECT_EQ(s.claims.count("i1"), 0u);
  EXPECT_EQ(s.memory_mb_used(), 512) << "a moved claim still holds its resources";
  // The instance claims the same host again (a resize to the same host).
  s = run(s, host::claim{"i1", 1, 256, 1});
  EXPECT_EQ(s.memory_mb_used(), 768);
  EXPECT_EQ(M::decide(s, host::move_claim{"m1", "i1"}).error().code, errc::conflict);
  EXPECT_EQ(M::decide(s, host::move_claim{"m9", "i9"}).error().code, errc::not_found);
  s = run(s, host::release{"i1"});
  s = run(s, host::move_claim{"m1", "i1"});
  EXPECT_EQ(s.claims.at("i1").memory_mb, 512);
  EXPECT_THROW(M::apply(s, host_claim_moved{"m1", "i2"}), invalid_event);
}

}  // namespace
}  // namespace cumulo
