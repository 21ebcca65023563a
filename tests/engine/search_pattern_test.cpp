#include "engine/search_pattern.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace cumulo {
namespace {

TEST(SearchPattern, SearchesAnywhereLikePythonsReSearch) {
  EXPECT_TRUE(search_pattern("web").found_in("my-web-1"));
  EXPECT_TRUE(search_pattern("^my-").found_in("my-web-1"));
  EXPECT_FALSE(search_pattern("^web").found_in("my-web-1"));
  EXPECT_TRUE(search_pattern("web-[0-9]$").found_in("my-web-1"));
  EXPECT_TRUE(search_pattern("10\\.0\\.0\\.").found_in("10.0.0.5"));
}

TEST(SearchPattern, AnInvalidPatternIsLiteralText) {
  search_pattern p("web(");
  EXPECT_TRUE(p.is_literal());
  EXPECT_TRUE(p.found_in("a web( b"));
  EXPECT_FALSE(p.found_in("web"));
}

// The patterns that hung or crashed the cloud on std::regex (issue 22, items
// 2 and 4) answer at once.
TEST(SearchPattern, HostilePatternsCostNothing) {
  const auto start = std::chrono::steady_clock::now();
  const std::string victim = std::string(40, 'a') + "!";
  search_pattern catastrophic("^(a+)+$");
  EXPECT_FALSE(catastrophic.found_in(victim));
  EXPECT_FALSE(catastrophic.found_in(victim));
  const std::string nested = std::string(30000, '(') + "a" + std::string(30000, ')');
  search_pattern deep(nested);  // RE2 refuses the nesting: literal, not a crash
  EXPECT_FALSE(deep.found_in("a"));
  search_pattern huge("(" + std::string(500, 'x') + "){1000}");
  EXPECT_FALSE(huge.found_in("xxx"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

}  // namespace
}  // namespace cumulo
