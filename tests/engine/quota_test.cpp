#include "engine/quota.hpp"

#include <gtest/gtest.h>

namespace cumulo {
namespace {

TEST(Quota, NeutronsDefaults) {
  const quota_set q;
  const nlohmann::json expected = {{"quota",
                                    {{"network", 100},
                                     {"subnet", 100},
                                     {"port", 500},
                                     {"router", 10},
                                     {"floatingip", 50},
                                     {"security_group", 10},
                                     {"security_group_rule", 100}}}};
  EXPECT_EQ(nlohmann::json(q), expected);
  EXPECT_EQ(q.limit("port"), 500);
  EXPECT_EQ(q.limit("volumes"), std::nullopt);
  EXPECT_EQ(quota_resources().size(), 7u);
}

TEST(Quota, AllowsUpToTheLimit) {
  const quota_set q;
  EXPECT_FALSE(check_quota(q, "router", 0));
  EXPECT_FALSE(check_quota(q, "router", 9));
  EXPECT_FALSE(check_quota(q, "security_group_rule", 96, 4));
  EXPECT_FALSE(check_quota(q, "router", 10, 0)) << "nothing wanted";
}

TEST(Quota, RefusesBeyondTheLimit) {
  const quota_set q;
  auto e = check_quota(q, "router", 10);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, errc::over_quota);
  EXPECT_EQ(http_status(e->code), 409);
  EXPECT_EQ(e->type, "OverQuota");
  EXPECT_EQ(e->message, "Quota exceeded for resources: ['router'].");
  e = check_quota(q, "security_group_rule", 97, 4);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->message, "Quota exceeded for resources: ['security_group_rule'].");
}

TEST(Quota, MinusOneIsUnlimitedAndZeroAllowsNone) {
  quota_set q;
  q.floatingip = -1;
  EXPECT_FALSE(check_quota(q, "floatingip", 1000000, 5));
  q.network = 0;
  EXPECT_TRUE(check_quota(q, "network", 0));
}

TEST(Quota, SetsLimits) {
  quota_set q;
  EXPECT_FALSE(q.set_limit("network", 3));
  EXPECT_EQ(q.network, 3);
  EXPECT_FALSE(q.set_limit("port", -1));
  EXPECT_EQ(nlohmann::json(q)["quota"]["port"], -1);
  auto e = q.set_limit("port", -2);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, errc::bad_request);
  EXPECT_EQ(q.port, -1) << "unchanged";
  e = q.set_limit("volumes", 1);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type, "QuotaResourceUnknown");
}

TEST(Quota, AnUnknownResourceIsRefused) {
  auto e = check_quota(quota_set{}, "volumes", 0);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, errc::not_found);
  EXPECT_EQ(e->type, "QuotaResourceUnknown");
}

}  // namespace
}  // namespace cumulo
