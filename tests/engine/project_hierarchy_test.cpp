// Keystone's project tree as the identity actor checks it before a project is
// made, deleted, disabled or enabled: the parent must be a project of the same
// domain on an enabled branch, five levels at most; only a leaf is deleted; a
// project is disabled after its subtree and enabled after its parents.
#include "engine/project_hierarchy.hpp"

#include <gtest/gtest.h>

namespace cumulo {
namespace {

project_state project(const std::string& id, const std::string& parent,
                      const std::string& domain = "d1") {
  project_state p;
  p.id = id;
  p.name = "name-" + id;
  p.domain_id = domain;
  p.parent_id = parent;
  p.version = 1;
  return p;
}

domain_state domain(const std::string& id, bool enabled = true) {
  domain_state d;
  d.id = id;
  d.name = "name-" + id;
  d.enabled = enabled;
  d.version = 1;
  return d;
}

void expect_error(const std::optional<domain_error>& e, errc code, const std::string& message) {
  ASSERT_TRUE(e.has_value()) << "expected: " << message;
  EXPECT_EQ(e->code, code) << e->message;
  EXPECT_EQ(e->message, message);
}

// d1: a -> b -> c; d2: x.
class ProjectHierarchy : public ::testing::Test {
 protected:
  void SetUp() override {
    dir.put(domain("d1"));
    dir.put(domain("d2"));
    dir.put(project("a", "d1"));
    dir.put(project("b", "a"));
    dir.put(project("c", "b"));
    dir.put(project("x", "d2", "d2"));
  }

  void put(project_state p) {
    p.version = dir.project(p.id) ? dir.project(p.id)->version + 1 : 1;
    dir.put(p);
  }

  identity_directory dir;
};

TEST_F(ProjectHierarchy, ParentsAndChildren) {
  const auto up = ancestors_of(dir, *dir.project("c"));
  ASSERT_EQ(up.size(), 2u);
  EXPECT_EQ(up[0]->id, "b");
  EXPECT_EQ(up[1]->id, "a");
  EXPECT_TRUE(ancestors_of(dir, *dir.project("a")).empty());
  ASSERT_EQ(children_of(dir, "a").size(), 1u);
  EXPECT_EQ(children_of(dir, "a")[0].id, "b");
  ASSERT_EQ(children_of(dir, "d1").size(), 1u) << "a domain's children: its top-level projects";
  EXPECT_EQ(children_of(dir, "d1")[0].id, "a");
  EXPECT_TRUE(children_of(dir, "c").empty());
  auto legacy = project("old", "");
  EXPECT_EQ(parent_of(legacy), "d1") << "no parent recorded: the domain";
}

TEST_F(ProjectHierarchy, ANewProjectGoesUnderAProjectOfItsDomain) {
  EXPECT_FALSE(parent_refusal(dir, "", "d1"));
  EXPECT_FALSE(parent_refusal(dir, "d1", "d1")) << "the domain named as the parent";
  EXPECT_FALSE(parent_refusal(dir, "c", "d1"));
  expect_error(parent_refusal(dir, "nowhere", "d1"), errc::not_found,
               "Could not find project: nowhere.");
  expect_error(parent_refusal(dir, "x", "d1"), errc::bad_request,
               "Cannot create project, since it specifies its domain_id d1, but specifies a "
               "parent in a different domain (d2).");
  expect_error(parent_refusal(dir, "d2", "d1"), errc::bad_request,
               "Cannot create project, the parent (d2) is acting as a domain, but this "
               "project's domain id (d1) does not match the parent's id.");
}

TEST_F(ProjectHierarchy, TheBranchAboveMustBeEnabled) {
  auto a = *dir.project("a");
  a.enabled = false;
  put(a);
  expect_error(parent_refusal(dir, "c", "d1"), errc::bad_request,
               "cannot create a project in a branch containing a disabled project: a");
  EXPECT_FALSE(parent_refusal(dir, "", "d1"));
  dir.put([] {
    auto d = domain("d1", false);
    d.version = 2;
    return d;
  }());
  expect_error(parent_refusal(dir, "", "d1"), errc::bad_request,
               "cannot create a project in a branch containing a disabled project: d1");
}

TEST_F(ProjectHierarchy, FiveLevelsAtMost) {
  dir.put(project("d", "c"));
  EXPECT_FALSE(parent_refusal(dir, "d", "d1")) << "the fifth level";
  dir.put(project("e", "d"));
  expect_error(parent_refusal(dir, "e", "d1"), errc::forbidden,
               "Max hierarchy depth reached for e branch.");
  EXPECT_FALSE(parent_refusal(dir, "a", "d1")) << "another branch stays open";
}

TEST_F(ProjectHierarchy, OnlyALeafIsDeleted) {
  expect_error(removal_refusal(dir, "b"), errc::forbidden,
               "Cannot delete the project b since it is not a leaf in the hierarchy. Use the "
               "cascade option if you want to delete a whole subtree.");
  EXPECT_FALSE(removal_refusal(dir, "c"));
  EXPECT_FALSE(removal_refusal(dir, "x"));
  auto c = *dir.project("c");
  c.deleted = true;
  put(c);
  EXPECT_FALSE(removal_refusal(dir, "b")) << "its child deleted, b is a leaf";
}

TEST_F(ProjectHierarchy, DisabledFromTheBottomEnabledFromTheTop) {
  expect_error(enabling_refusal(dir, *dir.project("a"), false), errc::forbidden,
               "Cannot disable project a since its subtree contains enabled projects.");
  EXPECT_FALSE(enabling_refusal(dir, *dir.project("a"), true)) << "no change";
  EXPECT_FALSE(enabling_refusal(dir, *dir.project("c"), false));
  for (const char* id : {"c", "b"}) {
    auto p = *dir.project(id);
    p.enabled = false;
    put(p);
  }
  EXPECT_FALSE(enabling_refusal(dir, *dir.project("a"), false)) << "its subtree is disabled";
  auto a = *dir.project("a");
  a.enabled = false;
  put(a);
  expect_error(enabling_refusal(dir, *dir.project("b"), true), errc::forbidden,
               "Cannot enable project b since it has disabled parents");
  EXPECT_FALSE(enabling_refusal(dir, *dir.project("a"), true));
}

}  // namespace
}  // namespace cumulo
