#include "engine/utf8.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/codec.hpp"

namespace cumulo {
namespace {

TEST(Utf8, AcceptsTextInEveryLength) {
  EXPECT_TRUE(valid_utf8(""));
  EXPECT_TRUE(valid_utf8("plain ascii"));
  EXPECT_TRUE(valid_utf8("caf\xc3\xa9"));            // é
  EXPECT_TRUE(valid_utf8("\xe2\x82\xac"));            // €
  EXPECT_TRUE(valid_utf8("\xf0\x9f\x98\x80"));        // 😀
  EXPECT_TRUE(valid_utf8("\xf4\x8f\xbf\xbf"));        // U+10FFFF
  EXPECT_TRUE(valid_utf8(std::string_view("a\0b", 3)));  // NUL is a character
}

TEST(Utf8, RefusesWhatIsNot) {
  EXPECT_FALSE(valid_utf8("\xff\xfe"));                // the probe's tag
  EXPECT_FALSE(valid_utf8("\xc0\xae"));                // overlong '.'
  EXPECT_FALSE(valid_utf8("\xe0\x80\xaf"));            // overlong '/'
  EXPECT_FALSE(valid_utf8("\xf0\x80\x80\xaf"));        // overlong '/'
  EXPECT_FALSE(valid_utf8("\xed\xa0\x80"));            // a surrogate
  EXPECT_FALSE(valid_utf8("\xf4\x90\x80\x80"));        // past U+10FFFF
  EXPECT_FALSE(valid_utf8("\x80"));                    // a lone continuation
  EXPECT_FALSE(valid_utf8("caf\xc3"));                 // cut short
  EXPECT_FALSE(valid_utf8("\xe2\x82"));                // cut short
  EXPECT_FALSE(valid_utf8("\xf8\x88\x80\x80\x80"));    // 5-byte form
}

// A log written before the door refused such text still replays: the
// payload's JSON has U+FFFD where the bad bytes were (issue 22, item 8).
TEST(Utf8, APayloadThatIsNotUtf8StillRendersAsJson) {
  const std::string bad = "tag-\xff\xfe";
  const auto packed = nlohmann::json::to_msgpack(nlohmann::json{{"tags", {bad}}});
  const std::string payload(packed.begin(), packed.end());
  std::string text;
  ASSERT_NO_THROW(text = payload_to_json(payload));
  EXPECT_NE(text.find("tag-\xef\xbf\xbd"), std::string::npos) << text;
  EXPECT_TRUE(valid_utf8(text));
}

}  // namespace
}  // namespace cumulo
