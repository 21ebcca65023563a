// Who sees which image, and GET /v2/images' query: filters, sort keys and
// directions, pages and markers, Glance's 400s.
#include <gtest/gtest.h>

#include "engine/image_listing.hpp"

#include "engine/clock.hpp"

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

namespace cumulo {
namespace {

// Issue 18: a member sees a shared image by id whatever its answer, lists
// it once accepted (member_status picks others), and sees only its own
// membership.
TEST(ImageListing, MembersOfASharedImageListItOnceAccepted) {
  auto shared = image("s", "p1", "shared", 10);
  shared.members["p3"] = image_member{"pending", 1, 1};
  auto priv = image("v", "p1", "private", 11);
  priv.members["p3"] = image_member{"accepted", 1, 1};  // left from when it was shared
  const std::vector<image_state> all{shared, priv};
  const image_viewer p3{"p3", false}, p4{"p4", false}, p1{"p1", false};
  EXPECT_TRUE(image_visible(shared, p3));
  EXPECT_FALSE(image_visible(shared, p4));
  EXPECT_FALSE(image_visible(priv, p3)) << "only a shared image's members see it";

  auto list = [&](std::map<std::string, std::string> params, const image_viewer& v) {
    return ids(list_images(all, parse_image_query(params).value(), v).value());
  };
  EXPECT_TRUE(list({}, p3).empty()) << "pending: not listed";
  EXPECT_EQ(list({{"member_status", "pending"}}, p3), std::vector<std::string>{"s"});
  EXPECT_EQ(list({{"visibility", "shared"}, {"member_status", "all"}}, p3),
            std::vector<std::string>{"s"});
  shared.members["p3"].status = "accepted";
  const std::vector<image_state> accepted{shared, priv};
  EXPECT_EQ(ids(list_images(accepted, parse_image_query({}).value(), p3).value()),
            std::vector<std::string>{"s"});
  EXPECT_EQ(
      ids(list_images(accepted, parse_image_query({{"visibility", "shared"}}).value(), p3).value()),
      std::vector<std::string>{"s"});
  EXPECT_EQ(parse_image_query({{"member_status", "maybe"}}).error().code, errc::bad_request);

  shared.members["p5"] = image_member{"rejected", 2, 2};
  EXPECT_EQ(image_for_viewer(shared, p3).members.size(), 1u);
  EXPECT_EQ(image_for_viewer(shared, p1).members.size(), 2u);
  EXPECT_TRUE(image_for_viewer(shared, p4).members.empty());
}

TEST(ImageListing, SizeFiltersLeaveOutImagesWithoutData) {
  auto small = image("a", "p1", "private", 1);
  small.size = 100;
  auto big = image("b", "p1", "private", 2);
  big.size = 5000;
  auto empty = image("c", "p1", "private", 3);
  const std::vector<image_state> all{small, big, empty};
  const image_viewer p1{"p1", false};
  auto list = [&](std::map<std::string, std::string> params) {
    return ids(list_images(all, parse_image_query(params).value(), p1).value());
  };
  EXPECT_EQ(list({{"size_min", "101"}}), std::vector<std::string>{"b"});
  EXPECT_EQ(list({{"size_max", "100"}}), std::vector<std::string>{"a"});
  EXPECT_EQ(list({{"size_min", "100"}, {"size_max", "5000"}}),
            (std::vector<std::string>{"b", "a"}));
  EXPECT_EQ(list({{"size", "5000"}}), std::vector<std::string>{"b"});
  EXPECT_EQ(parse_image_query({{"size_min", "big"}}).error().code, errc::bad_request);
  EXPECT_EQ(parse_image_query({{"size_max", "-1"}}).error().code, errc::bad_request);
}

}  // namespace
}  // namespace cumulo

namespace cumulo {
namespace {

// Glance filters on any other key as an exact value: checksum, protected,
// and extra properties (?hw_disk_bus=virtio); paging and sorting are not filters.
TEST(ImageListing, OtherKeysFilterAttributesAndPropertiesExactly) {
  auto a = image("a", "p1", "private", 1);
  a.properties["hw_disk_bus"] = "virtio";
  a.checksum = "d41d8cd98f00b204e9800998ecf8427e";
  auto b = image("b", "p1", "private", 2);
  b.is_protected = true;
  const std::vector<image_state> all{a, b};
  const image_viewer p1{"p1", false};
  auto list = [&](std::map<std::string, std::string> params) {
    return ids(list_images(all, parse_image_query(params).value(), p1).value());
  };
  EXPECT_EQ(list({{"hw_disk_bus", "virtio"}}), std::vector<std::string>{"a"});
  EXPECT_TRUE(list({{"hw_disk_bus", "ide"}}).empty());
  EXPECT_EQ(list({{"checksum", a.checksum}}), std::vector<std::string>{"a"});
  EXPECT_EQ(list({{"protected", "True"}}), std::vector<std::string>{"b"});
  EXPECT_EQ(list({{"sort_key", "name"}, {"limit", "5"}}).size(), 2u);
}

}  // namespace
}  // namespace cumulo

namespace cumulo {
namespace {

// Issue 18: Glance's created_at/updated_at filters, "op:time" with op one
// of gt, gte, lt, lte, eq, neq (a bare time is eq); the image's times in
// whole seconds, as shown.
TEST(ImageListing, TimeFiltersCompareWholeSeconds) {
  const std::int64_t s = 1000000;
  const std::int64_t t0 = *parse_iso8601("2026-03-01T10:00:00Z");
  std::vector<image_state> all{image("a", "p1", "private", t0 + 250000),  // 10:00:00.25
                               image("b", "p1", "private", t0 + 60 * s),  // 10:01:00
                               image("c", "p1", "private", t0 + 3600 * s)};
  all[0].updated_at_us = t0 + 7200 * s;
  all[1].updated_at_us = t0 + 60 * s;
  all[2].updated_at_us = t0 + 3600 * s;
  auto listed = [&](std::map<std::string, std::string> params) {
    auto q = parse_image_query(params);
    EXPECT_TRUE(q) << (q ? "" : q.error().message);
    if (!q) return std::vector<std::string>{};
    q.value().sort = {{"name", "asc"}};
    return ids(list_images(all, q.value(), {"p1", false}).value());
  };
  using v = std::vector<std::string>;
  EXPECT_EQ(listed({{"created_at", "eq:2026-03-01T10:00:00Z"}}), v{"a"}) << "the shown second";
  EXPECT_EQ(listed({{"created_at", "2026-03-01T10:00:00Z"}}), v{"a"}) << "a bare time is eq";
  EXPECT_EQ(listed({{"created_at", "gt:2026-03-01T10:00:00Z"}}), (v{"b", "c"}));
  EXPECT_EQ(listed({{"created_at", "gte:2026-03-01T10:01:00Z"}}), (v{"b", "c"}));
  EXPECT_EQ(listed({{"created_at", "lt:2026-03-01T10:01:00Z"}}), v{"a"});
  EXPECT_EQ(listed({{"created_at", "lte:2026-03-01T10:01:00"}}), (v{"a", "b"})) << "no zone: UTC";
  EXPECT_EQ(listed({{"created_at", "neq:2026-03-01T10:01:00Z"}}), (v{"a", "c"}));
  EXPECT_EQ(listed({{"created_at", "gte:2026-03-01T12:01:00+02:00"}}), (v{"b", "c"}))
      << "an offset";
  EXPECT_EQ(listed({{"updated_at", "gt:2026-03-01T11:00:00Z"}}), v{"a"});
  EXPECT_EQ(listed({{"created_at", "gt:2026-03-01T10:00:00Z"},
                    {"updated_at", "lt:2026-03-01T11:00:00.5Z"}}),
            (v{"b", "c"}));

  for (const char* bad : {"gte:yesterday", "gte:2026-13-01T00:00:00Z", "2026-03-01", "gte:"}) {
    auto q = parse_image_query({{"created_at", bad}});
    ASSERT_FALSE(q) << bad;
    EXPECT_EQ(q.error().code, errc::bad_request);
    EXPECT_EQ(q.error().message,
              "Bad \"created_at\" query filter format. Use ISO 8601 DateTime notation.")
        << bad;
  }
  auto op = parse_image_query({{"updated_at", "after:2026-03-01T10:00:00Z"}});
  ASSERT_FALSE(op);
  EXPECT_EQ(op.error().message, "Unable to filter on a unknown operator.");
}

}  // namespace
}  // namespace cumulo
