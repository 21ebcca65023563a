// Keystone's project hierarchy over HTTP on a real `cumulo serve`: a project
// made under a parent (tempest's test_project_create_with_parent), the
// ?parent_id filter, Keystone's refusals (unknown parent, another domain's,
// a disabled branch, more than five levels, deleting or disabling a project
// with children, moving one), and a parent kept across a restart.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>

#include "tests/support/keystone_client.hpp"

namespace cumulo {
namespace {

class IdentityHierarchy : public identity_test {
 protected:
  http_response create_under(const std::string& name, const std::string& parent_id,
                             const std::string& domain_id = "") {
    nlohmann::json p{{"name", name}, {"parent_id", parent_id}};
    if (!domain_id.empty()) p["domain_id"] = domain_id;
    return as_admin("POST", "/v3/projects", {{"project", p}});
  }

  std::string child_of(const std::string& name, const std::string& parent_id,
                       const std::string& domain_id = "") {
    auto r = create_under(name, parent_id, domain_id);
    EXPECT_EQ(r.status, 201) << r.body;
    return json_of(r)["project"].value("id", "");
  }

  std::set<std::string> names_under(const std::string& parent_id) {
    auto r = as_admin("GET", "/v3/projects?parent_id=" + parent_id);
    EXPECT_EQ(r.status, 200) << r.body;
    std::set<std::string> names;
    auto listed_json = json_of(r);  // kept: the loop reads into it
    for (const auto& p : listed_json["projects"]) names.insert(p.value("name", ""));
    return names;
  }
};

std::string message_of(const http_response& r) {
  auto body = json_of(r);
  if (!body.is_object() || !body.contains("error")) return "";
  return body["error"].value("message", "");
}

TEST_F(IdentityHierarchy, AProjectIsMadeUnderItsParentAndListedByIt) {
  const std::string root = create_project("root");
  auto r = create_under("leaf", root);
  ASSERT_EQ(r.status, 201) << r.body;
  auto leaf = json_of(r)["project"];
  EXPECT_EQ(leaf["parent_id"], root);
  EXPECT_EQ(leaf["domain_id"], "default");
  EXPECT_EQ(leaf["is_domain"], false);
  const std::string leaf_id = leaf["id"];
  EXPECT_EQ(json_of(as_admin("GET", "/v3/projects/" + leaf_id))["project"]["parent_id"], root);
  EXPECT_EQ(json_of(as_admin("GET", "/v3/projects/" + root))["project"]["parent_id"], "default");

  EXPECT_EQ(names_under(root), (std::set<std::string>{"leaf"}));
  EXPECT_EQ(names_under("default"), (std::set<std::string>{"admin", "root"}))
      << "a domain's children are its top-level projects";
  EXPECT_TRUE(names_under(leaf_id).empty());
  EXPECT_EQ(
      json_of(as_admin("GET", "/v3/projects?parent_id=" + root + "&name=root"))["projects"].size(),
      0u);

  auto named_domain = create_under("top", "default");
  ASSERT_EQ(named_domain.status, 201) << named_domain.body;
  EXPECT_EQ(json_of(named_domain)["project"]["parent_id"], "default");
}

TEST_F(IdentityHierarchy, TempestsParentInItsOwnDomain) {
  auto d = as_admin("POST", "/v3/domains", {{"domain", {{"name", "tree-domain"}}}});
  ASSERT_EQ(d.status, 201) << d.body;
  const std::string domain_id = json_of(d)["domain"]["id"];
  auto r = as_admin("POST", "/v3/projects",
                    {{"project", {{"name", "root_project"}, {"domain_id", domain_id}}}});
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string root = json_of(r)["project"]["id"];
  EXPECT_EQ(json_of(r)["project"]["parent_id"], domain_id);

  auto child = create_under("project", root, domain_id);
  ASSERT_EQ(child.status, 201) << child.body;
  EXPECT_EQ(json_of(child)["project"]["parent_id"], root);
  EXPECT_EQ(json_of(child)["project"]["domain_id"], domain_id);

  // Without domain_id the project's domain is Default: the parent is not in it.
  auto elsewhere = create_under("stray", root);
  expect_keystone_error(elsewhere, 400, "Bad Request");
  EXPECT_EQ(message_of(elsewhere),
            "Cannot create project, since it specifies its domain_id default, but specifies a "
            "parent in a different domain (" +
                domain_id + ").");
  auto domain_parent = create_under("stray", domain_id);
  expect_keystone_error(domain_parent, 400, "Bad Request");
  EXPECT_EQ(message_of(domain_parent),
            "Cannot create project, the parent (" + domain_id +
                ") is acting as a domain, but this project's domain id (default) does not match "
                "the parent's id.");
  auto unknown = create_under("stray", "0123456789abcdef0123456789abcdef");
  expect_keystone_error(unknown, 404, "Not Found");
  EXPECT_EQ(message_of(unknown), "Could not find project: 0123456789abcdef0123456789abcdef.");
  EXPECT_EQ(names_under(root), (std::set<std::string>{"project"})) << "nothing refused was made";
}

TEST_F(IdentityHierarchy, OnlyALeafIsDeletedAndASubtreeIsDisabledFromTheBottom) {
  const std::string root = create_project("root");
  const std::string leaf = child_of("leaf", root);

  auto del = as_admin("DELETE", "/v3/projects/" + root);
  expect_keystone_error(del, 403, "Forbidden");
  EXPECT_EQ(message_of(del), "Cannot delete the project " + root +
                                 " since it is not a leaf in the hierarchy. Use the cascade "
                                 "option if you want to delete a whole subtree.");
  auto off = as_admin("PATCH", "/v3/projects/" + root, {{"project", {{"enabled", false}}}});
  expect_keystone_error(off, 403, "Forbidden");
  EXPECT_EQ(message_of(off),
            "Cannot disable project " + root + " since its subtree contains enabled projects.");
  EXPECT_EQ(json_of(as_admin("GET", "/v3/projects/" + root))["project"]["enabled"], true);

  ASSERT_EQ(as_admin("PATCH", "/v3/projects/" + leaf, {{"project", {{"enabled", false}}}}).status,
            200);
  ASSERT_EQ(as_admin("PATCH", "/v3/projects/" + root, {{"project", {{"enabled", false}}}}).status,
            200);
  auto on = as_admin("PATCH", "/v3/projects/" + leaf, {{"project", {{"enabled", true}}}});
  expect_keystone_error(on, 403, "Forbidden");
  EXPECT_EQ(message_of(on), "Cannot enable project " + leaf + " since it has disabled parents");
  auto under_disabled = create_under("late", root);
  expect_keystone_error(under_disabled, 400, "Bad Request");
  EXPECT_EQ(message_of(under_disabled),
            "cannot create a project in a branch containing a disabled project: " + root);

  auto move = as_admin("PATCH", "/v3/projects/" + leaf, {{"project", {{"parent_id", "default"}}}});
  expect_keystone_error(move, 403, "Forbidden");
  EXPECT_EQ(message_of(move), "Update of `parent_id` is not allowed.");
  EXPECT_EQ(as_admin("PATCH", "/v3/projects/" + leaf, {{"project", {{"parent_id", root}}}}).status,
            200)
      << "naming the parent it has";

  ASSERT_EQ(as_admin("DELETE", "/v3/projects/" + leaf).status, 204);
  EXPECT_EQ(as_admin("DELETE", "/v3/projects/" + root).status, 204) << "a leaf now";
}

TEST_F(IdentityHierarchy, FiveLevelsAtMost) {
  std::string parent = create_project("level-1");
  for (int level = 2; level <= 5; ++level)
    parent = child_of("level-" + std::to_string(level), parent);
  ASSERT_FALSE(parent.empty());
  auto r = create_under("level-6", parent);
  expect_keystone_error(r, 403, "Forbidden");
  EXPECT_EQ(message_of(r), "Max hierarchy depth reached for " + parent + " branch.");
  EXPECT_TRUE(names_under(parent).empty());
}

TEST_F(IdentityHierarchy, ARestartKeepsTheParent) {
  const std::string root = create_project("root");
  const std::string leaf = child_of("leaf", root);
  restart();
  admin_token = token_for("admin", kAdminPassword, "admin");
  auto got = as_admin("GET", "/v3/projects/" + leaf);
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(json_of(got)["project"]["parent_id"], root);
  EXPECT_EQ(names_under(root), (std::set<std::string>{"leaf"}));
  expect_keystone_error(as_admin("DELETE", "/v3/projects/" + root), 403, "Forbidden");
}

}  // namespace
}  // namespace cumulo
