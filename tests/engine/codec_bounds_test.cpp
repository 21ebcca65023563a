// A payload read from a log is bounded before it is decoded (issue 22; the
// codec fuzzer found an array header of 2^32 elements asking for 64 GB).
#include <gtest/gtest.h>

#include <string>

#include "engine/codec.hpp"
#include "engine/network_state.hpp"

namespace cumulo {
namespace {

TEST(CodecBounds, LengthsPastThePayloadAndDeepNestingAreDecodeErrors) {
  // fixmap {"a": array32 of 0xffffffff elements}, then nothing.
  const std::string huge_array("\x81\xa1" "a" "\xdd\xff\xff\xff\xff", 8);
  EXPECT_THROW(unpack_bounded(huge_array), std::exception);
  EXPECT_THROW(decode_payload<network_subnet_updated>("network.subnet_updated", 1, huge_array),
               decode_error);
  EXPECT_EQ(payload_to_json(huge_array), "\"<undecodable payload>\"");
  const std::string deep(100000, '\x91');  // [[[[...
  EXPECT_THROW(unpack_bounded(deep), std::exception);
  EXPECT_EQ(payload_to_json(deep), "\"<undecodable payload>\"");
  const std::string fine("\x81\xa1" "a" "\x93\x01\x02\x03", 7);
  EXPECT_EQ(payload_to_json(fine), "{\"a\":[1,2,3]}");
}

}  // namespace
}  // namespace cumulo
