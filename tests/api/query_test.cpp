// api/query.cpp: the raw query as clients send it, repeated keys kept.
#include "api/query.hpp"

#include <gtest/gtest.h>

#include "api/network_views.hpp"

namespace cumulo::api {
namespace {

TEST(Query, KeepsRepeatedKeysInOrderAndDecodes) {
  const auto q = parse_query("fields=id&name=a+b%21&fields=name&&flag&x=%zz");
  const query_pairs want{
      {"fields", "id"}, {"name", "a b!"}, {"fields", "name"}, {"flag", ""}, {"x", "%zz"}};
  EXPECT_EQ(q, want);
  EXPECT_EQ(query_values(q, "fields"), (std::set<std::string>{"id", "name"}));
  EXPECT_EQ(query_values(parse_query("fields=id,,tenant_id"), "fields"),
            (std::set<std::string>{"id", "tenant_id"}));
  EXPECT_EQ(percent_decoded("a+b%2Fc", false), "a+b/c");
}

TEST(Query, PairsAreBounded) {
  std::string raw;
  for (int i = 0; i < 5000; ++i) raw += "k=" + std::to_string(i) + "&";
  EXPECT_EQ(parse_query(raw).size(), max_query_pairs);
}

// Neutron's ?id=a&id=b: any of the values matches.
TEST(Query, NeutronFiltersMatchAnyValueOfARepeatedKey) {
  const auto q = list_query_of(parse_query("id=a&id=b&fields=name"));
  EXPECT_TRUE(q.match({{"id", "a"}, {"name", "x"}}));
  EXPECT_TRUE(q.match({{"id", "b"}}));
  EXPECT_FALSE(q.match({{"id", "c"}}));
  EXPECT_EQ(q.filters.count("fields"), 0u) << "a projection, not a filter";
  // A key the resource does not have filters nothing (Neutron without
  // filter-validation ignores it).
  EXPECT_TRUE(list_query_of(parse_query("invalid_filter=x")).match({{"id", "a"}}));
}

}  // namespace
}  // namespace cumulo::api
