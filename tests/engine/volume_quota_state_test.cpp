#include "engine/volume_quota_state.hpp"

#include <gtest/gtest.h>

#include <set>

#include "tests/engine/machine_test_support.hpp"

namespace cumulo {
namespace {

using M = volume_quota_machine;

volume_quota_state fresh() {
  volume_quota_state s;
  s.id = "p1";
  return s;
}

TEST(VolumeQuotaState, CindersDefaults) {
  volume_quota_set q;
  EXPECT_EQ(q.limit("volumes"), 10);
  EXPECT_EQ(q.limit("gigabytes"), 1000);
  EXPECT_EQ(q.limit("snapshots"), 10);
  EXPECT_EQ(q.limit("backups"), 10);
  EXPECT_EQ(q.limit("backup_gigabytes"), 1000);
  EXPECT_EQ(q.limit("groups"), 10);
  EXPECT_EQ(q.limit("per_volume_gigabytes"), -1);
  EXPECT_EQ(q.limit("volumes___DEFAULT__"), -1) << "per type: unlimited unless set";
  EXPECT_EQ(volume_quota_resources().size(), 7u);
  EXPECT_EQ(volume_type_quota_resources("lvm"),
            (std::vector<std::string>{"volumes_lvm", "gigabytes_lvm", "snapshots_lvm"}));
  EXPECT_TRUE(is_volume_quota_resource("gigabytes", {}));
  EXPECT_TRUE(is_volume_quota_resource("snapshots_lvm", {"lvm"}));
  EXPECT_FALSE(is_volume_quota_resource("snapshots_lvm", {"__DEFAULT__"}));
  EXPECT_FALSE(is_volume_quota_resource("cores", {"lvm"}));
}

TEST(VolumeQuotaState, UpdateAndReset) {
  volume_quota::update u{
      {{"volumes", 3}, {"gigabytes_lvm", 50}, {"per_volume_gigabytes", 2}}, {}, {"lvm"}};
  auto s = run_command_on<M>(fresh(), u);
  EXPECT_EQ(s.limits.limit("volumes"), 3);
  EXPECT_EQ(s.limits.limit("gigabytes_lvm"), 50);
  EXPECT_EQ(s.limits.limit("per_volume_gigabytes"), 2);
  EXPECT_EQ(s.limits.limit("snapshots"), 10);
  s = run_command_on<M>(s, volume_quota::reset{});
  EXPECT_EQ(s.limits.limit("volumes"), 10);
  EXPECT_EQ(s.limits.limit("gigabytes_lvm"), -1);
  EXPECT_TRUE(M::decide(fresh(), volume_quota::reset{}).value().empty());
  EXPECT_TRUE(M::decide(fresh(), volume_quota::update{}).value().empty());
}

TEST(VolumeQuotaState, UpdateRefusesUnknownKeysBadLimitsAndLimitsBelowUsage) {
  expect_refusal<M>(fresh(), volume_quota::update{{{"bogus", 1}, {"cores", 2}}, {}, {}},
                    errc::bad_request,
                    "Invalid input received: Bad key(s) in quota set: bogus, cores");
  expect_refusal<M>(fresh(), volume_quota::update{{{"volumes", -2}}, {}, {}}, errc::bad_request,
                    "volumes must be >= -1");
  expect_refusal<M>(fresh(), volume_quota::update{{{"volumes", 2147483648}}, {}, {}},
                    errc::bad_request, "volumes must be <= 2147483647");
  expect_refusal<M>(fresh(), volume_quota::update{{{"volumes", 2}}, {{"volumes", 3}}, {}},
                    errc::bad_request,
                    "Quota volumes limit must be equal or greater than existing resources. "
                    "Current usage is 3 and the requested limit is 2.");
  // Unlimited, and per_volume_gigabytes (a bound, not a sum), are never below usage.
  EXPECT_TRUE(M::decide(fresh(), volume_quota::update{{{"volumes", -1}}, {{"volumes", 3}}, {}}));
  EXPECT_TRUE(M::decide(
      fresh(),
      volume_quota::update{{{"per_volume_gigabytes", 1}}, {{"per_volume_gigabytes", 5}}, {}}));
}

TEST(VolumeQuotaState, VolumeQuotaInCindersWords) {
  volume_quota_set q;
  EXPECT_FALSE(check_volume_quota(q, {{"volumes", 9}, {"gigabytes", 990}}, 10, "lvm"));
  auto e = check_volume_quota(q, {{"volumes", 10}}, 1, "lvm");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, errc::too_large);
  EXPECT_EQ(http_status(e->code), 413);
  EXPECT_EQ(e->message, "Maximum number of volumes allowed (10) exceeded for quota 'volumes'.");
  // gigabytes comes first in name order.
  e = check_volume_quota(q, {{"volumes", 10}, {"gigabytes", 998}}, 5, "lvm");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->message,
            "Requested volume or snapshot exceeds allowed gigabytes quota. Requested 5G, quota is "
            "1000G and 998G has been consumed.");
  q.limits["per_volume_gigabytes"] = 2;
  e = check_volume_quota(q, {}, 5, "lvm");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->message, "Requested volume size 5G is larger than maximum allowed limit 2G.");
  q = volume_quota_set{};
  q.limits["volumes_lvm"] = 1;
  e = check_volume_quota(q, {{"volumes_lvm", 1}}, 1, "lvm");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->message, "Maximum number of volumes allowed (1) exceeded for quota 'volumes_lvm'.");
  EXPECT_FALSE(check_volume_quota(q, {{"volumes_lvm", 1}}, 1, "ssd")) << "another type";
  q.limits["volumes"] = -1;
  EXPECT_FALSE(check_volume_quota(q, {{"volumes", 1000}}, 1, ""));
}

TEST(VolumeQuotaState, SnapshotAndExtendQuotas) {
  volume_quota_set q;
  auto e = check_snapshot_quota(q, {{"snapshots", 10}}, 1, "lvm");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->message, "Maximum number of snapshots allowed (10) exceeded");
  e = check_snapshot_quota(q, {{"gigabytes", 1000}}, 1, "lvm");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->message,
            "Requested volume or snapshot exceeds allowed gigabytes quota. Requested 1G, quota is "
            "1000G and 1000G has been consumed.");
  EXPECT_FALSE(check_snapshot_quota(q, {{"snapshots", 9}}, 1, "lvm"));
  EXPECT_FALSE(check_extend_quota(q, {{"gigabytes", 990}}, 5, 15, "lvm"));
  e = check_extend_quota(q, {{"gigabytes", 995}}, 5, 15, "lvm");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->message,
            "Requested volume or snapshot exceeds allowed gigabytes quota. Requested 10G, quota is "
            "1000G and 995G has been consumed.");
  q.limits["per_volume_gigabytes"] = 10;
  e = check_extend_quota(q, {}, 5, 15, "lvm");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->message, "Requested volume size 15G is larger than maximum allowed limit 10G.");
}

TEST(VolumeQuotaState, ApplyRejectsWhatCannotHappenAndEventsRoundTrip) {
  EXPECT_THROW(M::apply(fresh(), volume_quota_reset{}), invalid_event);
  EXPECT_THROW(M::apply(fresh(), volume_quota_updated{{{"cores", 1}}}), invalid_event);
  EXPECT_THROW(M::apply(fresh(), volume_quota_updated{{{"volumes", -5}}}), invalid_event);
  std::vector<volume_quota_event> h;
  auto s = run_command_on<M>(
      fresh(), volume_quota::update{{{"snapshots", 4}, {"volumes_lvm", 2}}, {}, {"lvm"}}, &h);
  s = run_command_on<M>(s, volume_quota::reset{}, &h);
  s = run_command_on<M>(s, volume_quota::update{{{"gigabytes", 20}}, {}, {}}, &h);
  std::set<std::string> types;
  nlohmann::json a = s, b = refold<M>("p1", h, &types);
  for (auto* j : {&a, &b}) j->erase("created_at"), j->erase("updated_at");
  EXPECT_EQ(a, b);
  EXPECT_EQ(types.size(), std::variant_size_v<volume_quota_event>);
}

}  // namespace
}  // namespace cumulo
