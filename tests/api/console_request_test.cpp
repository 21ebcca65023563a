// What the console proxy reads of an opening request: the token of its
// query and whether a browser's Origin may use it.
#include "api/console_request.hpp"

#include <gtest/gtest.h>

namespace cumulo::api {
namespace {

TEST(ConsoleRequest, TheTokenIsAUuidsTextOrNothing) {
  EXPECT_EQ(console_token_of("token=0f0e-9a"), "0f0e-9a");
  EXPECT_EQ(console_token_of("a=1&token=abc&b=2"), "abc");
  EXPECT_EQ(console_token_of("xtoken=abc"), "");
  EXPECT_EQ(console_token_of(""), "");
  EXPECT_EQ(console_token_of("token="), "");
  EXPECT_EQ(console_token_of("token=%3Cscript%3E"), "");
  EXPECT_EQ(console_token_of("token=" + std::string(65, 'a')), "");
  EXPECT_EQ(console_token_of("token=" + std::string(64, 'a')), std::string(64, 'a'));
  EXPECT_EQ(console_token_of("&&token=1&"), "1");
}

TEST(ConsoleRequest, AnOriginMustNameTheHostAsked) {
  EXPECT_TRUE(console_origin_allowed("", "127.0.0.1:6083")) << "not a browser";
  EXPECT_TRUE(console_origin_allowed("http://127.0.0.1:5000", "127.0.0.1:6083"));
  EXPECT_TRUE(console_origin_allowed("https://Cloud.Example", "cloud.example:6083"));
  EXPECT_TRUE(console_origin_allowed("http://[::1]:5000", "[::1]:6083"));
  EXPECT_FALSE(console_origin_allowed("http://evil.example", "127.0.0.1:6083"));
  EXPECT_FALSE(console_origin_allowed("null", "127.0.0.1:6083"));
  EXPECT_FALSE(console_origin_allowed("file://127.0.0.1", "127.0.0.1"));
  EXPECT_FALSE(console_origin_allowed("http://127.0.0.1.evil:80", "127.0.0.1:6083"));
  EXPECT_FALSE(console_origin_allowed("http://", ""));
}

}  // namespace
}  // namespace cumulo::api
