// Keystone's groups over HTTP on a real `cumulo serve`: /v3/groups, their
// members, their role assignments on projects, /v3/role_assignments with
// groups (group.id, ?effective, include_names), the policy a member meets,
// and a token that gains and loses a role through a group.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <set>
#include <thread>

#include "tests/support/keystone_client.hpp"

namespace cumulo {
namespace {

class IdentityGroups : public identity_test {
 protected:
  std::string create_group(const std::string& name) {
    auto r = as_admin("POST", "/v3/groups", {{"group", {{"name", name}}}});
    EXPECT_EQ(r.status, 201) << r.body;
    return json_of(r)["group"].value("id", "");
  }
  std::string members_path(const std::string& group, const std::string& user) {
    return "/v3/groups/" + group + "/users/" + user;
  }
  std::string grant_path(const std::string& project, const std::string& group,
                         const std::string& role) {
    return "/v3/projects/" + project + "/groups/" + group + "/roles/" + role;
  }
  nlohmann::json assignments(const std::string& query) {
    auto r = as_admin("GET", "/v3/role_assignments" + query);
    EXPECT_EQ(r.status, 200) << r.body;
    return json_of(r)["role_assignments"];
  }
};

std::set<std::string> names_in(const nlohmann::json& items) {
  std::set<std::string> names;
  if (items.is_array())
    for (const auto& i : items) names.insert(i.value("name", ""));
  return names;
}

TEST_F(IdentityGroups, CreateShowListUpdateAndDeleteAsKeystoneClientReadsThem) {
  auto r = as_admin("POST", "/v3/groups", {{"group", {{"name", "devs"}, {"description", "d"}}}});
  ASSERT_EQ(r.status, 201) << r.body;
  auto g = json_of(r)["group"];
  ASSERT_TRUE(g["id"].is_string()) << r.body;
  const std::string id = g["id"];
  EXPECT_EQ(g["name"], "devs");
  EXPECT_EQ(g["domain_id"], "default");
  EXPECT_EQ(g["description"], "d");
  EXPECT_EQ(g["links"]["self"], cloud->url("/v3/groups/" + id));

  auto got = as_admin("GET", "/v3/groups/" + id);
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(json_of(got)["group"], g);
  auto bare = as_admin("POST", "/v3/groups", {{"group", {{"name", "ops"}}}});
  ASSERT_EQ(bare.status, 201) << bare.body;
  EXPECT_EQ(json_of(bare)["group"]["description"], "");

  // The clients' lookup by name: the name as an id is 404, then ?name=.
  expect_keystone_error(as_admin("GET", "/v3/groups/devs"), 404, "Not Found");
  auto by_name = as_admin("GET", "/v3/groups?name=devs");
  ASSERT_EQ(by_name.status, 200) << by_name.body;
  ASSERT_EQ(json_of(by_name)["groups"].size(), 1u) << by_name.body;
  EXPECT_EQ(json_of(by_name)["groups"][0]["id"], id);
  EXPECT_EQ(json_of(by_name)["links"]["self"], cloud->url("/v3/groups"));
  EXPECT_EQ(names_in(json_of(as_admin("GET", "/v3/groups"))["groups"]),
            (std::set<std::string>{"devs", "ops"}));
  EXPECT_EQ(json_of(as_admin("GET", "/v3/groups?domain_id=default"))["groups"].size(), 2u);
  EXPECT_EQ(json_of(as_admin("GET", "/v3/groups?domain_id=other"))["groups"].size(), 0u);

  // Names are unique in a domain.
  auto twin = as_admin("POST", "/v3/groups", {{"group", {{"name", "devs"}}}});
  expect_keystone_error(twin, 409, "Conflict");
  EXPECT_EQ(json_of(twin)["error"]["message"],
            "Conflict occurred attempting to store group - Duplicate entry found with name devs "
            "at domain ID default.");
  expect_keystone_error(as_admin("POST", "/v3/groups", {{"group", {{"name", ""}}}}), 400,
                        "Bad Request");
  expect_keystone_error(as_admin("POST", "/v3/groups", {{"group", {{"description", "x"}}}}), 400,
                        "Bad Request");
  expect_keystone_error(
      as_admin("POST", "/v3/groups", {{"group", {{"name", "x"}, {"domain_id", "nowhere"}}}}), 404,
      "Not Found");

  auto patched = as_admin("PATCH", "/v3/groups/" + id,
                          {{"group", {{"name", "developers"}, {"description", "changed"}}}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(json_of(patched)["group"]["name"], "developers");
  EXPECT_EQ(json_of(patched)["group"]["description"], "changed");
  expect_keystone_error(as_admin("PATCH", "/v3/groups/" + id, {{"group", {{"name", "ops"}}}}), 409,
                        "Conflict");
  expect_keystone_error(
      as_admin("PATCH", "/v3/groups/" + id, {{"group", {{"domain_id", "elsewhere"}}}}), 400,
      "Bad Request");

  auto del = as_admin("DELETE", "/v3/groups/" + id);
  EXPECT_EQ(del.status, 204) << del.body;
  EXPECT_TRUE(del.body.empty());
  expect_keystone_error(as_admin("GET", "/v3/groups/" + id), 404, "Not Found");
  expect_keystone_error(as_admin("DELETE", "/v3/groups/" + id), 404, "Not Found");
  expect_keystone_error(as_admin("PATCH", "/v3/groups/" + id, {{"group", {{"name", "z"}}}}), 404,
                        "Not Found");
}

TEST_F(IdentityGroups, MembersAreAddedCheckedListedAndRemoved) {
  const std::string g = create_group("members");
  const std::string alice = create_user("alice", "pw");
  const std::string bob = create_user("bob", "pw");
  EXPECT_EQ(as_admin("HEAD", members_path(g, alice)).status, 404);
  ASSERT_EQ(as_admin("PUT", members_path(g, alice)).status, 204);
  EXPECT_EQ(as_admin("PUT", members_path(g, alice)).status, 204) << "adding twice is fine";
  ASSERT_EQ(as_admin("PUT", members_path(g, bob)).status, 204);
  EXPECT_EQ(as_admin("HEAD", members_path(g, alice)).status, 204);
  EXPECT_EQ(as_admin("GET", members_path(g, alice)).status, 204);

  auto users = as_admin("GET", "/v3/groups/" + g + "/users");
  ASSERT_EQ(users.status, 200) << users.body;
  EXPECT_EQ(names_in(json_of(users)["users"]), (std::set<std::string>{"alice", "bob"}));
  EXPECT_EQ(json_of(users)["links"]["self"], cloud->url("/v3/groups/" + g + "/users"));
  auto groups = as_admin("GET", "/v3/users/" + alice + "/groups");
  ASSERT_EQ(groups.status, 200) << groups.body;
  EXPECT_EQ(names_in(json_of(groups)["groups"]), (std::set<std::string>{"members"}));

  ASSERT_EQ(as_admin("DELETE", members_path(g, alice)).status, 204);
  EXPECT_EQ(as_admin("HEAD", members_path(g, alice)).status, 404);
  auto again = as_admin("DELETE", members_path(g, alice));
  expect_keystone_error(again, 404, "Not Found");
  EXPECT_EQ(json_of(again)["error"]["message"],
            "User '" + alice + "' not found in group '" + g + "'");
  EXPECT_EQ(json_of(as_admin("GET", "/v3/users/" + alice + "/groups"))["groups"].size(), 0u);

  const std::string nobody = "0123456789abcdef0123456789abcdef";
  expect_keystone_error(as_admin("PUT", members_path(g, nobody)), 404, "Not Found");
  expect_keystone_error(as_admin("PUT", members_path(nobody, bob)), 404, "Not Found");
  expect_keystone_error(as_admin("GET", "/v3/groups/" + nobody + "/users"), 404, "Not Found");
  expect_keystone_error(as_admin("GET", "/v3/users/" + nobody + "/groups"), 404, "Not Found");

  // A deleted user leaves its groups.
  ASSERT_EQ(as_admin("DELETE", "/v3/users/" + bob).status, 204);
  EXPECT_EQ(json_of(as_admin("GET", "/v3/groups/" + g + "/users"))["users"].size(), 0u);
}

TEST_F(IdentityGroups, AMemberIsRefusedEverythingButItsOwnGroups) {
  auto m = make_member("grp-member");
  const std::string g = create_group("theirs");
  ASSERT_EQ(as_admin("PUT", members_path(g, m.user_id)).status, 204);
  auto refused = [&](const std::string& method, const std::string& path, const std::string& rule,
                     const nlohmann::json& body = nullptr) {
    auto r = call(method, path, m.token, body);
    expect_keystone_error(r, 403, "Forbidden");
    EXPECT_EQ(json_of(r)["error"]["message"], kForbiddenPrefix + rule + ".") << method << path;
  };
  refused("POST", "/v3/groups", "identity:create_group", {{"group", {{"name", "mine"}}}});
  refused("GET", "/v3/groups", "identity:list_groups");
  refused("GET", "/v3/groups/" + g, "identity:get_group");
  refused("PATCH", "/v3/groups/" + g, "identity:update_group", {{"group", {{"name", "x"}}}});
  refused("DELETE", "/v3/groups/" + g, "identity:delete_group");
  refused("GET", "/v3/groups/" + g + "/users", "identity:list_users_in_group");
  refused("PUT", members_path(g, m.user_id), "identity:add_user_to_group");
  refused("DELETE", members_path(g, m.user_id), "identity:remove_user_from_group");
  refused("PUT", grant_path(m.project_id, g, role_id("admin")), "identity:create_grant");
  refused("GET",
          "/v3/users/" + json_of(admin)["token"]["user"]["id"].get<std::string>() + "/groups",
          "identity:list_groups_for_user");

  auto own = call("GET", "/v3/users/" + m.user_id + "/groups", m.token);
  ASSERT_EQ(own.status, 200) << own.body;
  EXPECT_EQ(names_in(json_of(own)["groups"]), (std::set<std::string>{"theirs"}));
}

TEST_F(IdentityGroups, AGroupsRoleOnAProjectIsGrantedCheckedListedAndRevoked) {
  const std::string g = create_group("granted");
  const std::string p = create_project("grp-project");
  const std::string member = role_id("member");
  const std::string path = grant_path(p, g, member);
  EXPECT_EQ(as_admin("HEAD", path).status, 404);
  ASSERT_EQ(as_admin("PUT", path).status, 204);
  EXPECT_EQ(as_admin("PUT", path).status, 204) << "granting twice is fine";
  EXPECT_EQ(as_admin("HEAD", path).status, 204);
  EXPECT_EQ(as_admin("GET", path).status, 204);
  auto roles = as_admin("GET", "/v3/projects/" + p + "/groups/" + g + "/roles");
  ASSERT_EQ(roles.status, 200) << roles.body;
  ASSERT_EQ(json_of(roles)["roles"].size(), 1u) << roles.body;
  EXPECT_EQ(json_of(roles)["roles"][0]["name"], "member");

  const std::string nobody = "0123456789abcdef0123456789abcdef";
  expect_keystone_error(as_admin("PUT", grant_path(p, g, nobody)), 404, "Not Found");
  expect_keystone_error(as_admin("PUT", grant_path(p, nobody, member)), 404, "Not Found");
  expect_keystone_error(as_admin("PUT", grant_path(nobody, g, member)), 404, "Not Found");
  expect_keystone_error(as_admin("GET", "/v3/projects/" + p + "/groups/" + nobody + "/roles"), 404,
                        "Not Found");

  ASSERT_EQ(as_admin("DELETE", path).status, 204);
  EXPECT_EQ(as_admin("HEAD", path).status, 404);
  auto again = as_admin("DELETE", path);
  expect_keystone_error(again, 404, "Not Found");
  EXPECT_EQ(json_of(again)["error"]["message"],
            "Could not find role assignment with role: " + member + ", user or group: " + g +
                ", project, domain, or system: " + p + ".");
}

TEST_F(IdentityGroups, RoleAssignmentsShowGroupsAndTheirMembersWhenEffective) {
  const std::string g = create_group("team");
  const std::string p = create_project("team-project");
  const std::string alice = create_user("team-alice", "pw");
  const std::string member = role_id("member");
  ASSERT_EQ(as_admin("PUT", members_path(g, alice)).status, 204);
  ASSERT_EQ(as_admin("PUT", grant_path(p, g, member)).status, 204);

  auto of_group = assignments("?group.id=" + g);
  ASSERT_EQ(of_group.size(), 1u) << of_group.dump();
  EXPECT_EQ(of_group[0]["group"]["id"], g);
  EXPECT_FALSE(of_group[0].contains("user"));
  EXPECT_EQ(of_group[0]["role"]["id"], member);
  EXPECT_EQ(of_group[0]["scope"]["project"]["id"], p);
  EXPECT_EQ(of_group[0]["links"]["assignment"], cloud->url(grant_path(p, g, member)));
  EXPECT_EQ(assignments("?user.id=" + alice).size(), 0u) << "the group's, not alice's own";

  for (const std::string flag : {"&effective", "&effective=True"}) {
    auto effective = assignments("?user.id=" + alice + flag);
    ASSERT_EQ(effective.size(), 1u) << flag << effective.dump();
    const auto& a = effective[0];
    EXPECT_EQ(a["user"]["id"], alice);
    EXPECT_FALSE(a.contains("group"));
    EXPECT_EQ(a["scope"]["project"]["id"], p);
    EXPECT_EQ(a["links"]["assignment"], cloud->url(grant_path(p, g, member)));
    EXPECT_EQ(a["links"]["membership"], cloud->url(members_path(g, alice)));
  }
  EXPECT_EQ(assignments("?user.id=" + alice + "&effective=0").size(), 0u);
  EXPECT_EQ(assignments("?scope.project.id=" + p + "&effective").size(), 1u);

  auto named = assignments("?group.id=" + g + "&include_names=True");
  ASSERT_EQ(named.size(), 1u);
  EXPECT_EQ(named[0]["group"]["name"], "team");
  EXPECT_EQ(named[0]["group"]["domain"]["id"], "default");
  EXPECT_EQ(named[0]["group"]["domain"]["name"], "Default");
  EXPECT_EQ(named[0]["role"]["name"], "member");
  EXPECT_EQ(named[0]["scope"]["project"]["name"], "team-project");
  auto named_member = assignments("?user.id=" + alice + "&effective&include_names=1");
  ASSERT_EQ(named_member.size(), 1u);
  EXPECT_EQ(named_member[0]["user"]["name"], "team-alice");

  expect_keystone_error(as_admin("GET", "/v3/role_assignments?group.id=" + g + "&effective"), 400,
                        "Bad Request");
  expect_keystone_error(as_admin("GET", "/v3/role_assignments?group.id=" + g + "&user.id=" + alice),
                        400, "Bad Request");

  // A deleted project takes the group's assignments on it along.
  ASSERT_EQ(as_admin("DELETE", "/v3/projects/" + p).status, 204);
  EXPECT_EQ(assignments("?group.id=" + g).size(), 0u);
}

// What the group brings, its tokens carry: a role on the project, the
// project in its lists; leaving the group, the group's deletion or its
// role's removal ends the tokens that relied on it.
TEST_F(IdentityGroups, ATokenGainsAndLosesARoleThroughAGroup) {
  const std::string p = create_project("through");
  const std::string u = create_user("joiner", "joiner-pw");
  const std::string g = create_group("joiners");
  const std::string member = role_id("member");
  ASSERT_EQ(as_admin("PUT", grant_path(p, g, member)).status, 204);
  expect_keystone_error(issue(password_auth("joiner", "joiner-pw", "through")), 401,
                        "Unauthorized");

  ASSERT_EQ(as_admin("PUT", members_path(g, u)).status, 204);
  auto issued = issue(password_auth("joiner", "joiner-pw", "through"));
  ASSERT_EQ(issued.status, 201) << issued.body;
  const std::string token = issued.headers["x-subject-token"];
  auto t = json_of(issued)["token"];
  ASSERT_EQ(t["roles"].size(), 1u) << issued.body;
  EXPECT_EQ(t["roles"][0]["name"], "member");
  EXPECT_EQ(t["project"]["id"], p);
  auto mine = call("GET", "/v3/auth/projects", token);
  ASSERT_EQ(mine.status, 200) << mine.body;
  EXPECT_EQ(names_in(json_of(mine)["projects"]), (std::set<std::string>{"through"}));
  EXPECT_EQ(names_in(json_of(as_admin("GET", "/v3/users/" + u + "/projects"))["projects"]),
            (std::set<std::string>{"through"}));
  EXPECT_EQ(call("GET", "/v3/projects/" + p, token).status, 200);

  // Leaving the group.
  ASSERT_EQ(as_admin("DELETE", members_path(g, u)).status, 204);
  expect_keystone_error(call("GET", "/v3/projects/" + p, token), 401, "Unauthorized");
  expect_keystone_error(issue(password_auth("joiner", "joiner-pw", "through")), 401,
                        "Unauthorized");

  // The group's role removed: revoked, and not back with the role.
  ASSERT_EQ(as_admin("PUT", members_path(g, u)).status, 204);
  const std::string second = token_for("joiner", "joiner-pw", "through");
  ASSERT_EQ(call("GET", "/v3/projects/" + p, second).status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_EQ(as_admin("DELETE", grant_path(p, g, member)).status, 204);
  expect_keystone_error(call("GET", "/v3/projects/" + p, second), 401, "Unauthorized");
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_EQ(as_admin("PUT", grant_path(p, g, member)).status, 204);
  expect_keystone_error(call("GET", "/v3/projects/" + p, second), 401, "Unauthorized");

  // The group deleted.
  const std::string third = token_for("joiner", "joiner-pw", "through");
  ASSERT_EQ(call("GET", "/v3/projects/" + p, third).status, 200);
  ASSERT_EQ(as_admin("DELETE", "/v3/groups/" + g).status, 204);
  expect_keystone_error(call("GET", "/v3/projects/" + p, third), 401, "Unauthorized");
  EXPECT_EQ(json_of(as_admin("GET", "/v3/users/" + u + "/projects"))["projects"].size(), 0u);
}

TEST_F(IdentityGroups, GroupsMembersAndTheirRolesSurviveARestart) {
  const std::string p = create_project("kept");
  const std::string u = create_user("keeper", "keeper-pw");
  const std::string g = create_group("keepers");
  ASSERT_EQ(as_admin("PUT", members_path(g, u)).status, 204);
  ASSERT_EQ(as_admin("PUT", grant_path(p, g, role_id("member"))).status, 204);
  const std::string token = token_for("keeper", "keeper-pw", "kept");
  restart();
  admin_token = token_for("admin", kAdminPassword, "admin");
  EXPECT_EQ(as_admin("GET", "/v3/groups/" + g).status, 200);
  EXPECT_EQ(as_admin("HEAD", members_path(g, u)).status, 204);
  EXPECT_EQ(assignments("?group.id=" + g).size(), 1u);
  EXPECT_EQ(call("GET", "/v3/projects/" + p, token).status, 200);
}

}  // namespace
}  // namespace cumulo
