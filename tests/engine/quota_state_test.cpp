#include "engine/quota_state.hpp"

#include <gtest/gtest.h>

#include "engine/fold.hpp"
#include "tests/engine/machine_test_support.hpp"

namespace cumulo {
namespace {

using M = quota_machine;

TEST(QuotaState, AnUpdateChangesOnlyTheLimitsItNamesAndAResetRestoresTheDefaults) {
  quota_state s;
  s.id = "p1";
  s = run_command_on<M>(s, quota::update{{{"port", -1}, {"router", 20}}});
  EXPECT_EQ(s.limits.port, -1);
  EXPECT_EQ(s.limits.router, 20);
  EXPECT_EQ(s.limits.network, 100);
  s = run_command_on<M>(s, quota::update{{{"network", 5}}});
  EXPECT_EQ(s.limits.port, -1) << "kept";
  EXPECT_EQ(s.limits.network, 5);
  s = run_command_on<M>(s, quota::reset{});
  EXPECT_EQ(s.limits.port, 500);
  EXPECT_TRUE(s.exists()) << "a reset is not a delete: the stream goes on";
  s = run_command_on<M>(s, quota::update{{{"port", 7}}});
  EXPECT_EQ(s.limits.port, 7);
}

TEST(QuotaState, RefusesUnknownResourcesAndLimitsBelowMinusOne) {
  quota_state s;
  s.id = "p1";
  EXPECT_EQ(M::decide(s, quota::update{{{"bogus", 1}}}).error().code, errc::not_found);
  EXPECT_EQ(M::decide(s, quota::update{{{"port", -2}}}).error().code, errc::bad_request);
  EXPECT_EQ(M::decide(s, quota::update{}).error().code, errc::bad_request);
  auto nothing = M::decide(s, quota::reset{});
  ASSERT_TRUE(nothing.ok());
  EXPECT_TRUE(nothing.value().empty()) << "no quotas set: nothing to reset";
}

}  // namespace
}  // namespace cumulo
