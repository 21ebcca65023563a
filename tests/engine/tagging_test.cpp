// Neutron's tag rules (engine/tagging): what a tag may be, what a change
// gives, and the four list filters.
#include "engine/tagging.hpp"

#include <gtest/gtest.h>

namespace cumulo {
namespace {

using strings = std::vector<std::string>;
using tagging::change;
using tagging::op;

strings after(const strings& current, change c) {
  auto out = tagging::after(current, c, "networks");
  EXPECT_TRUE(out.ok()) << (out.ok() ? "" : out.error().message);
  return out.ok() ? out.value() : strings{"<refused>"};
}

domain_error refused(const strings& current, change c) {
  auto out = tagging::after(current, c, "networks");
  EXPECT_FALSE(out.ok()) << "accepted";
  return out.ok() ? domain_error{} : out.error();
}

strings fifty() {
  strings out;
  for (int i = 0; i < 50; ++i) out.push_back("t" + std::to_string(100 + i));
  return out;
}

TEST(Tagging, ReplaceAddRemoveClearGiveASortedSet) {
  EXPECT_EQ(after({}, {op::replace, {"red", "blue"}}), (strings{"blue", "red"}));
  EXPECT_EQ(after({"blue", "red"}, {op::replace, {"green"}}), (strings{"green"}));
  EXPECT_EQ(after({"blue"}, {op::add, {"red", "blue", "amber"}}),
            (strings{"amber", "blue", "red"}));
  EXPECT_EQ(after({"blue", "red"}, {op::remove, {"blue"}}), (strings{"red"}));
  EXPECT_EQ(after({"blue", "red"}, {op::clear, {}}), strings{});
  EXPECT_EQ(after({"red", "blue"}, {op::add, {"red"}}), (strings{"blue", "red"}))
      << "adding a tag it has changes nothing but the order";
  // Case matters (Neutron's tags are case sensitive), and so does any
  // character but the length limit.
  EXPECT_EQ(after({}, {op::replace, {"Red", "red", "a,b", "été", ""}}),
            (strings{"", "Red", "a,b", "red", "été"}));
}

TEST(Tagging, ATagIsAtMost255CharactersNotBytes) {
  const std::string longest(255, 'x');
  EXPECT_EQ(after({}, {op::add, {longest}}), strings{longest});
  std::string accents;
  for (int i = 0; i < 255; ++i) accents += "é";  // 510 bytes, 255 characters
  EXPECT_FALSE(tagging::check_tag(accents)) << "255 characters in 510 bytes is a tag";
  const auto e = refused({}, {op::add, {longest + "x"}});
  EXPECT_EQ(e.code, errc::bad_request);
  EXPECT_EQ(e.type, "InvalidInput");
  EXPECT_EQ(e.message,
            "Invalid input for operation: '" + longest + "x' exceeds maximum length of 255.");
  EXPECT_TRUE(tagging::check_tag("\xff")) << "not UTF-8";
  EXPECT_EQ(tagging::check_tag("\xc3")->type, "InvalidInput");
}

TEST(Tagging, AListNamesNoTagTwice) {
  const auto e = refused({}, {op::replace, {"a", "b", "a", "b", "c"}});
  EXPECT_EQ(e.code, errc::bad_request);
  EXPECT_EQ(e.type, "InvalidInput");
  EXPECT_EQ(e.message, "Invalid input for operation: Duplicate items in the list: 'a, b'.");
  EXPECT_EQ(refused({"a"}, {op::add, {"x", "x"}}).type, "InvalidInput");
}

TEST(Tagging, AResourceHasAtMostFiftyTags) {
  EXPECT_EQ(after({}, {op::replace, fifty()}).size(), 50u);
  auto too_many = fifty();
  too_many.push_back("one-more");
  auto e = refused({}, {op::replace, too_many});
  EXPECT_EQ(e.code, errc::bad_request);
  EXPECT_EQ(e.type, "BadRequest");
  EXPECT_EQ(e.message,
            "Bad networks request: The number of tags exceed the per-resource limit of 50.");
  EXPECT_EQ(refused(fifty(), {op::add, {"one-more"}}).type, "BadRequest");
  // One it has already is no 51st; and a resource may always lose some.
  EXPECT_EQ(after(fifty(), {op::add, {"t100"}}).size(), 50u);
  EXPECT_EQ(after(fifty(), {op::remove, {"t100"}}).size(), 49u);
  auto e2 = tagging::initial(too_many, "security_groups");
  ASSERT_FALSE(e2.ok());
  EXPECT_EQ(e2.error().message,
            "Bad security_groups request: The number of tags exceed the per-resource limit of 50.");
}

TEST(Tagging, RemovingATagItHasNotIsTagNotFound) {
  const auto e = refused({"red"}, {op::remove, {"blue"}});
  EXPECT_EQ(e.code, errc::not_found);
  EXPECT_EQ(e.type, "TagNotFound");
  EXPECT_EQ(e.message, "Tag blue could not be found.");
}

TEST(Tagging, FiltersAllAnyAndTheirNegations) {
  tagging::filter f;
  EXPECT_TRUE(f.empty());
  EXPECT_FALSE(f.take("name", "x"));
  EXPECT_TRUE(f.take("tags", "red,blue"));
  EXPECT_FALSE(f.empty());
  EXPECT_TRUE(f.match({"blue", "green", "red"}));
  EXPECT_FALSE(f.match({"red"})) << "tags: all of them";

  tagging::filter any;
  any.take("tags-any", "red");
  any.take("tags-any", "blue");  // a key given twice adds to it
  EXPECT_TRUE(any.match({"blue"}));
  EXPECT_FALSE(any.match({"green"}));
  EXPECT_FALSE(any.match({}));

  tagging::filter not_all;
  not_all.take("not-tags", "red,blue");
  EXPECT_TRUE(not_all.match({"red"}));
  EXPECT_TRUE(not_all.match({}));
  EXPECT_FALSE(not_all.match({"red", "blue"}));

  tagging::filter not_any;
  not_any.take("not-tags-any", "red,blue");
  EXPECT_FALSE(not_any.match({"blue"}));
  EXPECT_TRUE(not_any.match({"green"}));

  tagging::filter both;
  both.take("tags", "a");
  both.take("not-tags-any", "b");
  EXPECT_TRUE(both.match({"a", "c"}));
  EXPECT_FALSE(both.match({"a", "b"}));
}

}  // namespace
}  // namespace cumulo
