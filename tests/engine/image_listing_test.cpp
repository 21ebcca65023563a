// Who sees which image, and GET /v2/images' query: filters, sort keys and
// directions, pages and markers, Glance's 400s.
#include <gtest/gtest.h>

#include "engine/image_listing.hpp"

namespace cumulo {
namespace {

image_state image(const std::string& id, const std::string& owner, const std::string& visibility,
                  std::int64_t created, const std::string& name = "") {
  image_state s;
  s.id = id;
  s.version = 1;
  s.owner = owner;
  s.visibility = visibility;
  s.status = "queued";
  s.created_at_us = created;
  s.name = name.empty() ? id : name;
  return s;
}

std::vector<std::string> ids(const image_page& p) {
  std::vector<std::string> out;
  for (const auto& s : p.images) out.push_back(s.id);
  return out;
}

const std::vector<image_state> kAll{
    image("a", "p1", "private", 1), image("b", "p1", "shared", 2), image("c", "p2", "public", 3),
    image("d", "p2", "community", 4), image("e", "p2", "private", 5)};

TEST(ImageVisibility, OwnersSeeTheirsEveryoneSeesPublicAndCommunityAdminsAll) {
  const image_viewer p1{"p1", false}, admin{"x", true};
  EXPECT_TRUE(image_visible(kAll[0], p1));
  EXPECT_TRUE(image_visible(kAll[1], p1));
  EXPECT_TRUE(image_visible(kAll[2], p1));
  EXPECT_TRUE(image_visible(kAll[3], p1));
  EXPECT_FALSE(image_visible(kAll[4], p1));
  EXPECT_TRUE(image_visible(kAll[4], admin));
  EXPECT_FALSE(image_owned(kAll[2], p1));
  EXPECT_TRUE(image_owned(kAll[2], admin));
  auto deleted = kAll[0];
  deleted.deleted = true;
  EXPECT_FALSE(image_visible(deleted, admin));
}

TEST(ImageListing, DefaultListLeavesCommunityOutNewestFirst) {
  auto q = parse_image_query({});
  ASSERT_TRUE(q);
  auto page = list_images(kAll, q.value(), {"p1", false});
  ASSERT_TRUE(page);
  EXPECT_EQ(ids(page.value()), (std::vector<std::string>{"c", "b", "a"}));
  auto community = list_images(kAll, parse_image_query({{"visibility", "community"}}).value(), {"p1", false});
  EXPECT_EQ(ids(community.value()), std::vector<std::string>{"d"});
  auto admin = list_images(kAll, q.value(), {"x", true});
  EXPECT_EQ(admin.value().images.size(), 5u);
}

TEST(ImageListing, SortsPagesAndMarkers) {
  auto q = parse_image_query({{"sort_key", "name"}, {"sort_dir", "asc"}, {"limit", "2"}});
  ASSERT_TRUE(q);
  auto first = list_images(kAll, q.value(), {"x", true});
  EXPECT_EQ(ids(first.value()), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(first.value().more);
  auto next = q.value();
  next.marker = "b";
  auto second = list_images(kAll, next, {"x", true});
  EXPECT_EQ(ids(second.value()), (std::vector<std::string>{"c", "d"}));
  next.marker = "d";
  auto last = list_images(kAll, next, {"x", true});
  EXPECT_EQ(ids(last.value()), std::vector<std::string>{"e"});
  EXPECT_FALSE(last.value().more);
  next.marker = "zzz";
  EXPECT_FALSE(list_images(kAll, next, {"x", true}));
  auto sorted = parse_image_query({{"sort", "owner:asc,created_at:desc"}});
  EXPECT_EQ(ids(list_images(kAll, sorted.value(), {"x", true}).value()),
            (std::vector<std::string>{"b", "a", "e", "d", "c"}));
}

TEST(ImageListing, BadQueriesAreGlances400s) {
  EXPECT_EQ(parse_image_query({{"sort_key", "colour"}}).error().code, errc::bad_request);
  EXPECT_EQ(parse_image_query({{"sort_dir", "up"}}).error().code, errc::bad_request);
  EXPECT_EQ(parse_image_query({{"limit", "ten"}}).error().code, errc::bad_request);
  EXPECT_EQ(parse_image_query({{"limit", "-1"}}).error().code, errc::bad_request);
  EXPECT_EQ(parse_image_query({{"visibility", "everyone"}}).error().code, errc::bad_request);
  EXPECT_EQ(parse_image_query({{"sort", "name"}, {"sort_key", "id"}}).error().code,
            errc::bad_request);
  EXPECT_EQ(parse_image_query({{"limit", "5000"}}).value().limit, 1000);
}

}  // namespace
}  // namespace cumulo
