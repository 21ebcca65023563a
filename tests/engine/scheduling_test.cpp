#include "engine/scheduling.hpp"

#include <gtest/gtest.h>

namespace cumulo {
namespace {

// A registered host with `memory_mb` of RAM, 4 vCPUs, 20 GB of disk and
// ratios of 1.0 unless given.
host_state make_host(const std::string& id, std::int64_t memory_mb, double ram_ratio = 1.0) {
  host_state h;
  h.id = id;
  h.version = 1;
  h.hypervisor_hostname = id;
  h.vcpus = 4;
  h.memory_mb = memory_mb;
  h.local_gb = 20;
  h.cpu_allocation_ratio = 1.0;
  h.ram_allocation_ratio = ram_ratio;
  h.disk_allocation_ratio = 1.0;
  return h;
}

request_spec spec(int vcpus, std::int64_t memory_mb, std::int64_t disk_gb) {
  return request_spec{"i1", vcpus, memory_mb, disk_gb};
}

TEST(Scheduling, FiltersSayWhyAHostDoesNotPass) {
  auto h = make_host("h1", 1024);
  EXPECT_FALSE(compute_filter(h, spec(1, 1, 1)));
  h.enabled = false;
  h.disabled_reason = "maintenance";
  EXPECT_EQ(compute_filter(h, spec(1, 1, 1)), "host is disabled: maintenance");
  h.disabled_reason = "";
  EXPECT_EQ(compute_filter(h, spec(1, 1, 1)), "host is disabled");
  h.forced_down = true;
  EXPECT_EQ(compute_filter(h, spec(1, 1, 1)), "host is down") << "down says more than disabled";
  host_state unregistered;
  unregistered.id = "h9";
  EXPECT_EQ(compute_filter(unregistered, spec(1, 1, 1)), "host is not registered");

  h = make_host("h1", 1024);
  h.claims["other"] = {3, 768, 15};
  EXPECT_EQ(ram_filter(h, spec(1, 512, 1)), "insufficient RAM: requested 512 MB, free 256 MB");
  EXPECT_FALSE(ram_filter(h, spec(1, 256, 1)));
  EXPECT_EQ(core_filter(h, spec(2, 1, 1)), "insufficient vCPUs: requested 2, free 1");
  EXPECT_FALSE(core_filter(h, spec(1, 1, 1)));
  EXPECT_EQ(disk_filter(h, spec(1, 1, 6)), "insufficient disk: requested 6 GB, free 5 GB");
  EXPECT_FALSE(disk_filter(h, spec(1, 1, 5)));
}

TEST(Scheduling, RamFilterAppliesTheAllocationRatio) {
  auto h = make_host("h1", 1024, 1.5);
  h.claims["other"] = {1, 1024, 1};
  EXPECT_FALSE(ram_filter(h, spec(1, 512, 1)));
  EXPECT_EQ(ram_filter(h, spec(1, 513, 1)), "insufficient RAM: requested 513 MB, free 512 MB");
}

TEST(Scheduling, HostsABuildFailedOnAreIgnoredWithTheirReason) {
  auto a = make_host("a", 8192);
  auto b = make_host("b", 4096);
  auto r = spec(1, 512, 1);
  EXPECT_EQ(select_destination({&a, &b}, r).host, "a");
  r.ignore_hosts = {"a"};
  auto chosen = select_destination({&a, &b}, r);
  EXPECT_EQ(chosen.host, "b");
  ASSERT_EQ(chosen.rejections.size(), 1u);
  EXPECT_EQ(chosen.rejections[0].first, "a");
  EXPECT_EQ(chosen.rejections[0].second, "a build of this instance failed on this host");
  r.ignore_hosts = {"a", "b"};
  EXPECT_FALSE(select_destination({&a, &b}, r).host);
}

TEST(Scheduling, AMoveIgnoresItsSourceAndMayAskForOneHost) {
  auto a = make_host("a", 8192);
  auto b = make_host("b", 4096);
  auto c = make_host("c", 4096);
  auto r = spec(1, 512, 1);
  r.ignore_hosts = {"a"};
  r.ignore_reason = "the instance is on this host";
  r.requested_host = "c";
  auto chosen = select_destination({&a, &b, &c}, r);
  EXPECT_EQ(chosen.host, "c");
  ASSERT_EQ(chosen.rejections.size(), 2u);
  EXPECT_EQ(chosen.rejections[0].second, "the instance is on this host");
  EXPECT_EQ(chosen.rejections[1].second, "not the requested host c");
}

TEST(Scheduling, WeigherPrefersMostFreeRamThenHostname) {
  auto a = make_host("a", 2048);
  auto b = make_host("b", 4096);
  auto c = make_host("c", 4096);
  auto r = select_destination({&a, &c, &b}, spec(1, 512, 1));
  EXPECT_EQ(r.host, "b") << "b and c tie on free RAM; b sorts first";
  EXPECT_TRUE(r.rejections.empty());
  b.claims["x"] = {1, 1024, 1};
  EXPECT_EQ(select_destination({&a, &b, &c}, spec(1, 512, 1)).host, "c");
  c.claims["y"] = {1, 3000, 1};
  EXPECT_EQ(select_destination({&a, &b, &c}, spec(1, 512, 1)).host, "b");
}

TEST(Scheduling, RejectsEachHostByItsFirstFailingFilter) {
  auto disabled = make_host("disabled", 8192);
  disabled.enabled = false;
  disabled.disabled_reason = "maintenance";
  auto small = make_host("small", 256);
  auto busy = make_host("busy", 8192);
  busy.claims["x"] = {4, 1, 1};
  auto fits = make_host("fits", 1024);
  auto r = select_destination({&disabled, &small, &busy, &fits}, spec(2, 512, 10));
  EXPECT_EQ(r.host, "fits");
  const std::vector<std::pair<std::string, std::string>> expected{
      {"disabled", "host is disabled: maintenance"},
      {"small", "insufficient RAM: requested 512 MB, total 256 MB"},
      {"busy", "insufficient vCPUs: requested 2, free 0"},
  };
  EXPECT_EQ(r.rejections, expected);
}

TEST(Scheduling, NoValidHost) {
  auto a = make_host("a", 256);
  auto b = make_host("b", 1024);
  b.local_gb = 1;
  auto r = select_destination({&a, &b}, spec(1, 512, 10));
  EXPECT_FALSE(r.host);
  ASSERT_EQ(r.rejections.size(), 2u);
  EXPECT_EQ(r.rejections[1].second, "insufficient disk: requested 10 GB, total 1 GB");
  EXPECT_FALSE(select_destination({}, spec(1, 1, 1)).host);
  EXPECT_EQ(no_valid_host_message(),
            "No valid host was found. There are not enough hosts available.");
}

TEST(Scheduling, RequestSpecFromAFlavor) {
  auto r = make_request_spec("i1", instance::flavor{"f1", "m1.small", 2, 2048, 20, 5, 1536});
  EXPECT_EQ(r.instance_id, "i1");
  EXPECT_EQ(r.vcpus, 2);
  EXPECT_EQ(r.memory_mb, 2048);
  EXPECT_EQ(r.disk_gb, 27) << "swap 1536 MB rounds up to 2 GB";
  EXPECT_EQ(make_request_spec("i1", instance::flavor{"f", "n", 1, 1, 1, 0, 0}).disk_gb, 1);
}

// The scheduler and the claim share one test of capacity: what the
// scheduler picks, the host accepts.
TEST(Scheduling, ChosenHostAcceptsTheClaim) {
  auto h = make_host("h1", 1024, 1.5);
  h.claims["x"] = {1, 1000, 1};
  const auto r = spec(1, 500, 1);
  ASSERT_EQ(select_destination({&h}, r).host, "h1");
  EXPECT_TRUE(
      host_machine::decide(h, host::claim{r.instance_id, r.vcpus, r.memory_mb, r.disk_gb}).ok());
  const auto too_much = spec(1, 537, 1);
  EXPECT_FALSE(select_destination({&h}, too_much).host);
  EXPECT_FALSE(host_machine::decide(h, host::claim{too_much.instance_id, too_much.vcpus,
                                                   too_much.memory_mb, too_much.disk_gb})
                   .ok());
}

}  // namespace
}  // namespace cumulo

namespace cumulo {
namespace {

request_spec group_spec(const std::string& id, const std::string& policy, std::int64_t most = 0) {
  request_spec r{id, 1, 128, 1};
  r.group_id = "g1";
  r.group_policy = policy;
  r.max_server_per_host = most;
  return r;
}

// Nova's ServerGroupAntiAffinityFilter: a host with a member is out (or
// max_server_per_host of them); none left is no valid host.
TEST(Scheduling, AntiAffinitySpreadsAndRefusesWhenNoHostIsLeft) {
  auto a = make_host("a", 8192);
  auto b = make_host("b", 4096);
  a.claims["m1"] = {1, 128, 1};
  const std::vector<std::string> members{"m1", "m2"};
  auto r = select_destination({&a, &b}, group_spec("m2", "anti-affinity"), members);
  EXPECT_EQ(r.host, "b") << "a holds m1, though it has more free RAM";
  ASSERT_EQ(r.rejections.size(), 1u);
  EXPECT_EQ(r.rejections[0].second,
            "server group g1 (anti-affinity) has 1 member(s) here already, at most 1 per host");
  b.claims["m2"] = {1, 128, 1};
  const std::vector<std::string> three{"m1", "m2", "m3"};
  EXPECT_FALSE(select_destination({&a, &b}, group_spec("m3", "anti-affinity"), three).host);
  // With max_server_per_host 2, a takes a second member.
  EXPECT_EQ(select_destination({&a, &b}, group_spec("m3", "anti-affinity", 2), three).host, "a");
  // A member's own claim (a reschedule) does not count against it.
  EXPECT_FALSE(server_group_filter(a, group_spec("m1", "anti-affinity"), members, true));
}

TEST(Scheduling, AffinityFollowsTheFirstMember) {
  auto a = make_host("a", 8192);
  auto b = make_host("b", 4096);
  const std::vector<std::string> members{"m1", "m2"};
  // No member placed yet: anywhere (the weigher picks a).
  EXPECT_EQ(select_destination({&a, &b}, group_spec("m1", "affinity"), members).host, "a");
  b.claims["m1"] = {1, 128, 1};
  auto r = select_destination({&a, &b}, group_spec("m2", "affinity"), members);
  EXPECT_EQ(r.host, "b");
  ASSERT_EQ(r.rejections.size(), 1u);
  EXPECT_EQ(r.rejections[0].second, "server group g1 (affinity) has its members on another host");
  // The member's host full: no valid host.
  b.memory_mb = 128;
  EXPECT_FALSE(select_destination({&a, &b}, group_spec("m2", "affinity"), members).host);
}

TEST(Scheduling, SoftPoliciesOnlyWeigh) {
  auto a = make_host("a", 8192);
  auto b = make_host("b", 4096);
  a.claims["m1"] = {1, 128, 1};
  const std::vector<std::string> members{"m1", "m2"};
  EXPECT_EQ(select_destination({&a, &b}, group_spec("m2", "soft-anti-affinity"), members).host,
            "b");
  b.claims["m1"] = {1, 128, 1};
  a.claims.erase("m1");
  EXPECT_EQ(select_destination({&a, &b}, group_spec("m2", "soft-affinity"), members).host, "b");
  // Soft: a full host list still places (never no valid host for the group).
  a.claims["m1"] = {1, 128, 1};
  EXPECT_TRUE(
      select_destination({&a, &b}, group_spec("m3", "soft-anti-affinity"), {"m1", "m3"}).host);
}

}  // namespace
}  // namespace cumulo
