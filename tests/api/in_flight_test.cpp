// Shutdown's drain: it waits for the answers in flight, but not forever.
#include <gtest/gtest.h>

#include <thread>

#include "api/server_context.hpp"

namespace cumulo::api {
namespace {

using namespace std::chrono_literals;

TEST(InFlight, DrainWaitsForTheLastAnswerAndStopsAccepting) {
  in_flight f;
  f.begin();
  std::thread answer([&] {
    std::this_thread::sleep_for(100ms);
    f.end();
  });
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(f.drain(5s));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 90ms);
  EXPECT_FALSE(f.accepting());
  EXPECT_TRUE(f.closed());
  answer.join();
}

TEST(InFlight, DrainGivesUpAfterItsLimit) {
  in_flight f;
  f.begin();
  EXPECT_FALSE(f.drain(50ms));
  EXPECT_EQ(f.count(), 1);
  EXPECT_TRUE(f.closed());  // a late answer is dropped, not written to a closed transport
}

}  // namespace
}  // namespace cumulo::api
