#include "engine/tenant_usage.hpp"

#include <gtest/gtest.h>

namespace cumulo {
namespace {

constexpr std::int64_t hour = 3600LL * 1000 * 1000;

// An instance stream, its events an hour apart unless a time is given.
struct stream_builder {
  std::string id;
  recorded_events out;
  std::int64_t seq = 0;
  void add(const instance_event& e, std::int64_t time_us) {
    new_event n = encode(e);
    ++seq;
    out.push_back(recorded_event{seq, "instance/" + id, seq, n.type, n.schema_version, time_us,
                                 "req", "u1", n.payload});
  }
};

instance_requested requested(const std::string& project, const instance::flavor& f) {
  instance_requested r;
  r.name = "vm";
  r.project_id = project;
  r.user_id = "u1";
  r.flavor = f;
  r.image_id = "img";
  return r;
}

const instance::flavor tiny{"1", "m1.tiny", 1, 512, 1, 0, 0};
const instance::flavor small{"2", "m1.small", 2, 2048, 20, 0, 0};

recorded_events launched(const std::string& id, const std::string& project, std::int64_t at) {
  stream_builder b{id};
  b.add(requested(project, tiny), at);
  b.add(instance_scheduled{"h1", "h1", {}}, at);
  b.add(instance_spawning{}, at);
  b.add(instance_active{at}, at);
  return b.out;
}

TEST(TenantUsage, HoursInTheWindowWeighEachFlavorPeriod) {
  // Launched at 1 h, resized to m1.small at 3 h, deleted at 5 h.
  stream_builder b{"i1"};
  b.out = launched("i1", "p1", 1 * hour);
  b.seq = 4;
  b.add(instance_resize_requested{"m1", "resize", small, 3 * hour}, 3 * hour);
  b.add(instance_migration_scheduled{"h2", {}, 3 * hour}, 3 * hour);
  b.add(instance_resize_finished{"running", 3 * hour}, 3 * hour);
  b.add(instance_resize_confirmed{3 * hour}, 3 * hour);
  b.add(instance_delete_requested{}, 5 * hour);
  b.add(instance_deleted{}, 5 * hour);
  auto all = b.out;
  // Another project's server, still running.
  auto other = launched("i2", "p2", 2 * hour);
  all.insert(all.end(), other.begin(), other.end());

  auto usage = usage_by_tenant(all, 0, 10 * hour, 6 * hour);
  ASSERT_EQ(usage.size(), 2u);
  const auto& p1 = usage.at("p1");
  ASSERT_EQ(p1.servers.size(), 1u);
  const auto& s = p1.servers[0];
  EXPECT_DOUBLE_EQ(s.hours, 4.0);
  EXPECT_DOUBLE_EQ(s.vcpu_hours, 2 * 1 + 2 * 2.0);
  EXPECT_DOUBLE_EQ(s.memory_mb_hours, 2 * 512 + 2 * 2048.0);
  EXPECT_DOUBLE_EQ(s.local_gb_hours, 2 * 1 + 2 * 20.0);
  EXPECT_EQ(s.state, "terminated");
  EXPECT_EQ(s.ended_at_us, 5 * hour);
  EXPECT_EQ(s.flavor.name, "m1.small");
  EXPECT_DOUBLE_EQ(p1.total_vcpus_usage, 6.0);
  // The running one counts up to now.
  EXPECT_DOUBLE_EQ(usage.at("p2").total_hours, 4.0);
  EXPECT_EQ(usage.at("p2").servers[0].state, "active");

  // A window of [2 h, 4 h): one hour of each flavor.
  auto part = usage_by_tenant(all, 2 * hour, 4 * hour, 6 * hour);
  EXPECT_DOUBLE_EQ(part.at("p1").servers[0].hours, 2.0);
  EXPECT_DOUBLE_EQ(part.at("p1").total_vcpus_usage, 3.0);
  // A window after the delete has no p1; one before the launches, nothing.
  EXPECT_FALSE(usage_by_tenant(all, 5 * hour, 6 * hour, 6 * hour).count("p1"));
  EXPECT_TRUE(usage_by_tenant(all, 0, hour / 2, 6 * hour).empty());
}

TEST(TenantUsage, ABrokenStreamIsLeftOutAndOtherKindsSkipped) {
  auto all = launched("i1", "p1", hour);
  all[2].version = 7;  // out of order: the stream does not fold
  auto ok = launched("i2", "p1", hour);
  all.insert(all.end(), ok.begin(), ok.end());
  all.push_back(recorded_event{99, "network/n1", 1, "network.created", 1, hour, "", "", ""});
  auto usage = usage_by_tenant(all, 0, 3 * hour, 3 * hour);
  ASSERT_EQ(usage.at("p1").servers.size(), 1u);
  EXPECT_EQ(usage.at("p1").servers[0].instance_id, "i2");
}

}  // namespace
}  // namespace cumulo
