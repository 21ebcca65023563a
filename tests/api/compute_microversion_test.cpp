// Nova's microversion negotiation: which header wins, "latest", and Nova's
// 400 and 406 words.
#include <gtest/gtest.h>

#include "api/compute.hpp"

namespace cumulo::api {
namespace {

TEST(ComputeMicroversion, NoHeaderIs21AndLatestIsTheMax) {
  EXPECT_EQ(parse_microversion("", "").version.minor, 1);
  EXPECT_EQ(parse_microversion("compute latest", "").version.minor, max_microversion.minor);
  EXPECT_EQ(parse_microversion("", "LATEST").version.minor, max_microversion.minor);
  EXPECT_EQ(max_microversion.text(), "2.88");
}

TEST(ComputeMicroversion, TheNewHeaderWinsAndMayNameOtherServices) {
  EXPECT_EQ(parse_microversion("compute 2.61", "2.10").version.minor, 61);
  EXPECT_EQ(parse_microversion("image 2.5, compute 2.53", "").version.minor, 53);
  // No compute entry: the legacy header decides.
  EXPECT_EQ(parse_microversion("volume 3.10", "2.10").version.minor, 10);
}

TEST(ComputeMicroversion, OutOfRangeIs406AndGarbageIs400) {
  auto high = parse_microversion("compute 2.89", "");
  EXPECT_EQ(high.status, 406);
  EXPECT_EQ(high.error,
            "Version 2.89 is not supported by the API. Minimum is 2.1 and maximum is 2.88.");
  EXPECT_EQ(parse_microversion("compute 3.0", "").status, 406);
  EXPECT_EQ(parse_microversion("compute 2.0", "").status, 406);
  auto bad = parse_microversion("compute two", "");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.error,
            "API Version String two is of invalid format. Must be of format MajorNum.MinorNum.");
  EXPECT_EQ(parse_microversion("", "2.").status, 400);
  EXPECT_EQ(parse_microversion("", "2.01").status, 400);
  EXPECT_EQ(parse_microversion("", "-2.1").status, 400);
}

}  // namespace
}  // namespace cumulo::api
