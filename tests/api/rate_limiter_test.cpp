#include "api/rate_limiter.hpp"

#include <gtest/gtest.h>

namespace cumulo::api {
namespace {

using namespace std::chrono_literals;

TEST(RateLimiter, ABurstThenTheRate) {
  rate_limiter limit(2.0, 3.0);
  const auto t0 = rate_limiter::clock::time_point{} + 100s;
  EXPECT_TRUE(limit.admit("a", t0));
  EXPECT_TRUE(limit.admit("a", t0));
  EXPECT_TRUE(limit.admit("a", t0));
  EXPECT_FALSE(limit.admit("a", t0)) << "the burst is spent";
  EXPECT_NEAR(limit.retry_after("a", t0), 0.5, 1e-9);
  EXPECT_TRUE(limit.admit("b", t0)) << "another client has its own bucket";
  EXPECT_FALSE(limit.admit("a", t0 + 400ms));
  EXPECT_TRUE(limit.admit("a", t0 + 500ms)) << "2 a second";
  EXPECT_FALSE(limit.admit("a", t0 + 500ms));
  EXPECT_TRUE(limit.admit("a", t0 + 10s));
}

TEST(RateLimiter, MemoryStaysBounded) {
  rate_limiter limit(1.0, 1.0, 2);
  const auto t0 = rate_limiter::clock::time_point{} + 100s;
  EXPECT_TRUE(limit.admit("a", t0));
  EXPECT_TRUE(limit.admit("b", t0));
  // Full: "a" and "b" refilled by t0 + 2 s and are forgotten for "c".
  EXPECT_TRUE(limit.admit("c", t0 + 2s));
  EXPECT_TRUE(limit.admit("a", t0 + 2s));
}

}  // namespace
}  // namespace cumulo::api
