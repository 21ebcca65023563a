#include "engine/compute_quota_state.hpp"

#include <gtest/gtest.h>

#include "tests/engine/machine_test_support.hpp"

namespace cumulo {
namespace {

using M = compute_quota_machine;

compute_quota_state fresh() {
  compute_quota_state s;
  s.id = "p1";
  return s;
}

TEST(ComputeQuotaState, NovaDefaults) {
  compute_quota_set q;
  EXPECT_EQ(q.limit("instances"), 10);
  EXPECT_EQ(q.limit("cores"), 20);
  EXPECT_EQ(q.limit("ram"), 51200);
  EXPECT_EQ(q.limit("key_pairs"), 100);
  EXPECT_EQ(q.limit("metadata_items"), 128);
  EXPECT_EQ(q.limit("injected_files"), 5);
  EXPECT_EQ(q.limit("injected_file_content_bytes"), 10240);
  EXPECT_EQ(q.limit("injected_file_path_bytes"), 255);
  EXPECT_EQ(q.limit("server_groups"), 10);
  EXPECT_EQ(q.limit("server_group_members"), 10);
  EXPECT_TRUE(compute_quota_shown("floating_ips", 35));
  EXPECT_FALSE(compute_quota_shown("floating_ips", 36));
  EXPECT_TRUE(compute_quota_shown("injected_files", 56));
  EXPECT_FALSE(compute_quota_shown("injected_files", 57));
}

TEST(ComputeQuotaState, UpdateAndReset) {
  auto s = run_command_on<M>(fresh(), compute_quota::update{{{"instances", 3}, {"cores", -1}}});
  EXPECT_EQ(s.limits.limit("instances"), 3);
  EXPECT_EQ(s.limits.limit("cores"), -1);
  EXPECT_EQ(s.limits.limit("ram"), 51200);
  s = run_command_on<M>(s, compute_quota::reset{});
  EXPECT_EQ(s.limits.limit("instances"), 10);
  auto again = M::decide(fresh(), compute_quota::reset{});
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again.value().empty());
}

TEST(ComputeQuotaState, RefusesUnknownKeysNegativeLimitsAndLimitsBelowUsage) {
  expect_refusal<M>(fresh(), compute_quota::update{{{"bogus", 1}}}, errc::bad_request,
                    "Bad key(s) bogus in quota_set");
  expect_refusal<M>(fresh(), compute_quota::update{{{"instances", -2}}}, errc::bad_request,
                    "Quota limit -2 for instances must be greater than or equal to -1.");
  compute_quota::update below{{{"instances", 1}}, false, compute_usage{2, 2, 1024}};
  expect_refusal<M>(fresh(), below, errc::bad_request,
                    "Quota limit 1 for instances must be greater than or equal to already used "
                    "and reserved 2.");
  below.force = true;
  EXPECT_EQ(run_command_on<M>(fresh(), below).limits.limit("instances"), 1);
}

TEST(ComputeQuotaState, InstanceQuotaInNovasWords) {
  compute_quota_set q;
  EXPECT_FALSE(check_instance_quota(q, {9, 9, 9 * 512}, {1, 1, 512}));
  auto e = check_instance_quota(q, {10, 10, 5120}, {1, 1, 512});
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, errc::forbidden);
  EXPECT_EQ(e->message,
            "Quota exceeded for instances: Requested 1, but already used 10 of 10 instances");
  e = check_instance_quota(q, {10, 20, 5120}, {1, 2, 512});
  ASSERT_TRUE(e);
  EXPECT_EQ(e->message,
            "Quota exceeded for cores,instances: Requested 2, but already used 20 of 20 "
            "cores,instances");
  e = check_instance_quota(q, {0, 0, 51000}, {1, 1, 512});
  ASSERT_TRUE(e);
  EXPECT_EQ(e->message,
            "Quota exceeded for ram: Requested 512, but already used 51000 of 51200 ram");
  q.limits["instances"] = -1;
  EXPECT_FALSE(check_instance_quota(q, {1000, 0, 0}, {1, 0, 0}));
}

TEST(ComputeQuotaState, KeypairQuota) {
  compute_quota_set q;
  EXPECT_FALSE(check_keypair_quota(q, 99));
  auto e = check_keypair_quota(q, 100);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, errc::forbidden);
  EXPECT_EQ(e->message, "Quota exceeded, too many key pairs.");
}

}  // namespace
}  // namespace cumulo
