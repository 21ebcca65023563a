#include "engine/clock.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace cumulo {
namespace {

TEST(Clock, ParsesTheIso8601FormsReplayAccepts) {
  EXPECT_EQ(parse_iso8601("1970-01-01T00:00:01Z"), 1000000);
  EXPECT_EQ(parse_iso8601("1970-01-01T00:00:01.5Z"), 1500000);
  EXPECT_EQ(parse_iso8601("1970-01-01T00:00:01.000002+00:00"), 1000002);
  EXPECT_EQ(parse_iso8601("2026-11-25T10:00:00"), parse_iso8601("2026-11-25T10:00:00Z"));
  const std::int64_t t = *parse_iso8601("2026-11-25T10:00:00.123456Z");
  EXPECT_EQ(format_iso8601_us(t), "2026-11-25T10:00:00.123456Z");
  EXPECT_EQ(format_iso8601(t), "2026-11-25T10:00:00Z");
}

TEST(Clock, RefusesWhatIsNotATime) {
  for (const char* bad : {"", "yesterday", "2026-11-25", "2026-11-25T-1:00:00Z",
                          "2026-02-31T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-25T24:00:00Z",
                          "2026-11-25T10:00:00+02:00", "2026-11-25T10:00:00.Z", "12345"})
    EXPECT_FALSE(parse_iso8601(bad).has_value()) << bad;
}

}  // namespace
}  // namespace cumulo

#include "store/ids.hpp"

namespace cumulo {
namespace {

TEST(Ids, UuidsAreValidAndNewOnesSortInTheOrderTheyWereMade) {
  const std::string a = new_uuid();
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  const std::string b = new_uuid();
  EXPECT_TRUE(is_uuid(a));
  EXPECT_EQ(a[14], '7') << "version 7";
  EXPECT_LT(a, b) << "time-ordered";
  const std::string r = new_random_uuid();
  EXPECT_TRUE(is_uuid(r));
  EXPECT_EQ(r[14], '4') << "version 4";
  EXPECT_NE(new_uuid(), new_uuid());
  EXPECT_FALSE(is_uuid("not-a-uuid"));
}

}  // namespace
}  // namespace cumulo
