// The real `openstack` CLI (python3-openstackclient) against a real
// `cumulo serve`, doing exactly what a user does: source keystonerc_admin,
// issue tokens, manage projects, users and role assignments, change a
// password, read the catalog. Every command runs with a clean environment
// (env -i) so no user config, proxy or cache leaks in, and its output is
// parsed from `-f json` or `-f value`.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <ctime>
#include <filesystem>
#include <iomanip>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/run_command.hpp"
#include "tests/support/served_cloud.hpp"
#include "tests/temp_dir.hpp"

namespace cumulo {
namespace {

constexpr const char* kAdminPassword = "s3cret-admin";

struct credentials {
  std::string user;
  std::string password;
  std::string project;
};

const credentials kAdmin{"admin", kAdminPassword, "admin"};

class OpenstackCli : public ::testing::Test {
 protected:
  void SetUp() override {
    home = dir.path() / "home";
    std::filesystem::create_directories(home);
    cloud = std::make_unique<served_cloud>(
        dir.path() / "data", dir.path(),
        std::vector<std::string>{"--admin-password", kAdminPassword, "--password-cost", "min"});
    ASSERT_TRUE(cloud->serving()) << cloud->err();
  }
  void TearDown() override {
    if (cloud) {
      EXPECT_EQ(cloud->stop(), 0) << cloud->err();
    }
  }

  // The clean environment every command runs in: nothing of the caller's.
  std::vector<std::string> clean_env() const {
    return {"/usr/bin/env", "-i", "PATH=/usr/bin:/bin", "HOME=" + home.string(),
            "no_proxy=127.0.0.1", "NO_PROXY=127.0.0.1"};
  }

  // `openstack ARGS...` as the given user, with the variables keystonerc_admin
  // exports (the user, password and project swapped).
  command_result openstack(const credentials& who, const std::vector<std::string>& args) {
    auto argv = clean_env();
    for (const std::string& v :
         {"OS_USERNAME=" + who.user, "OS_PASSWORD=" + who.password,
          "OS_AUTH_URL=" + cloud->url("/v3"), "OS_PROJECT_NAME=" + who.project,
          std::string("OS_USER_DOMAIN_NAME=Default"), std::string("OS_PROJECT_DOMAIN_NAME=Default"),
          std::string("OS_IDENTITY_API_VERSION=3"), std::string("OS_REGION_NAME=RegionOne")}) {
      argv.push_back(v);
    }
    argv.push_back("openstack");
    argv.insert(argv.end(), args.begin(), args.end());
    last_command = describe(who, args);
    return run_command(argv);
  }
  command_result admin(const std::vector<std::string>& args) { return openstack(kAdmin, args); }

  static std::string describe(const credentials& who, const std::vector<std::string>& args) {
    std::string s = "[as " + who.user + "/" + who.project + "] openstack";
    for (const auto& a : args) s += " " + a;
    return s;
  }

  // What a failed assertion prints: the command and everything it said.
  std::string report(const command_result& r) const {
    return last_command + "\nexit " + std::to_string(r.exit_code) + "\nstdout: " + r.out +
           "\nstderr: " + r.err;
  }

  // Parses the JSON a `-f json` command printed; a test fails on anything else.
  nlohmann::json json_out(const command_result& r) {
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << "not JSON\n" << report(r);
    return j.is_discarded() ? nlohmann::json() : j;
  }

  // `-f value -c X` prints the value and a newline.
  static std::string value_out(const command_result& r) {
    std::string s = r.out;
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
  }

  static std::set<std::string> names_of(const nlohmann::json& list) {
    std::set<std::string> names;
    if (!list.is_array()) return names;
    for (const auto& row : list) names.insert(row.value("Name", ""));
    return names;
  }

  // A project demo with a user alice (password pw) holding member on it.
  // Returns {demo's id, alice's id}.
  std::pair<std::string, std::string> demo_with_member_alice() {
    auto p = admin({"project", "create", "demo", "-f", "value", "-c", "id"});
    EXPECT_EQ(p.exit_code, 0) << report(p);
    auto u = admin({"user", "create", "--project", "demo", "--password", "pw", "alice", "-f",
                    "value", "-c", "id"});
    EXPECT_EQ(u.exit_code, 0) << report(u);
    auto r = admin({"role", "add", "--project", "demo", "--user", "alice", "member"});
    EXPECT_EQ(r.exit_code, 0) << report(r);
    return {value_out(p), value_out(u)};
  }

  temp_dir dir;
  std::filesystem::path home;
  std::unique_ptr<served_cloud> cloud;
  std::string last_command;
};

// Seconds since the epoch of the CLI's "2026-11-30T04:36:13+0000".
std::time_t parse_expires(const std::string& s) {
  std::tm tm{};
  std::istringstream in(s);
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
  if (in.fail()) return 0;
  std::string zone;
  in >> zone;
  if (zone != "+0000" && zone != "Z" && zone != "+00:00" && !zone.empty()) return 0;
  return timegm(&tm);
}

TEST_F(OpenstackCli, SourcingKeystonercAdminIsEnoughToIssueAToken) {
  const auto rc = (dir.path() / "data" / "keystonerc_admin").string();
  auto argv = clean_env();
  argv.insert(argv.end(),
              {"bash", "-c", "source '" + rc + "' && openstack token issue -f json"});
  last_command = "bash -c 'source " + rc + " && openstack token issue -f json'";
  const std::time_t before = std::time(nullptr);
  auto r = run_command(argv);
  ASSERT_EQ(r.exit_code, 0) << report(r);
  auto token = json_out(r);
  ASSERT_TRUE(token.is_object()) << report(r);
  for (const char* key : {"id", "project_id", "user_id", "expires"}) {
    ASSERT_TRUE(token.contains(key) && token[key].is_string()) << key << "\n" << report(r);
    EXPECT_FALSE(token[key].get<std::string>().empty()) << key << "\n" << report(r);
  }
  EXPECT_NE(token["project_id"], token["user_id"]);
  EXPECT_GE(token["id"].get<std::string>().size(), 32u) << report(r);
  // Keystone's default lifetime: an hour from now.
  const std::time_t expires = parse_expires(token["expires"].get<std::string>());
  EXPECT_GE(expires, before + 3600 - 120) << token["expires"];
  EXPECT_LE(expires, std::time(nullptr) + 3600 + 120) << token["expires"];
}

TEST_F(OpenstackCli, ProjectCreateListShowSetDelete) {
  auto created = admin({"project", "create", "demo", "--description", "d", "-f", "json"});
  ASSERT_EQ(created.exit_code, 0) << report(created);
  auto demo = json_out(created);
  EXPECT_EQ(demo["name"], "demo") << report(created);
  EXPECT_EQ(demo["description"], "d") << report(created);
  EXPECT_EQ(demo["domain_id"], "default") << report(created);
  EXPECT_EQ(demo["enabled"], true) << report(created);
  ASSERT_TRUE(demo["id"].is_string()) << report(created);
  const std::string demo_id = demo["id"];

  auto list = admin({"project", "list", "-f", "json"});
  ASSERT_EQ(list.exit_code, 0) << report(list);
  EXPECT_EQ(names_of(json_out(list)), (std::set<std::string>{"admin", "demo"})) << report(list);

  auto shown = admin({"project", "show", "demo", "-f", "json"});  // by name
  ASSERT_EQ(shown.exit_code, 0) << report(shown);
  auto show = json_out(shown);
  EXPECT_EQ(show["id"], demo_id) << report(shown);
  EXPECT_EQ(show["name"], "demo") << report(shown);
  EXPECT_EQ(show["description"], "d") << report(shown);

  auto set = admin({"project", "set", "demo", "--description", "x"});
  ASSERT_EQ(set.exit_code, 0) << report(set);
  auto after_set = admin({"project", "show", "demo", "-f", "value", "-c", "description"});
  ASSERT_EQ(after_set.exit_code, 0) << report(after_set);
  EXPECT_EQ(value_out(after_set), "x") << report(after_set);

  auto again = admin({"project", "create", "demo"});
  EXPECT_NE(again.exit_code, 0) << report(again);
  EXPECT_TRUE(again.err.find("409") != std::string::npos ||
              again.err.find("Conflict") != std::string::npos)
      << report(again);

  auto deleted = admin({"project", "delete", "demo"});
  ASSERT_EQ(deleted.exit_code, 0) << report(deleted);
  auto gone = admin({"project", "show", "demo"});
  EXPECT_NE(gone.exit_code, 0) << report(gone);
  EXPECT_NE(gone.err.find("demo"), std::string::npos) << report(gone);
}

TEST_F(OpenstackCli, AMemberSeesOnlyItsProjectAndLosesAccessWhenTheRoleIsRemoved) {
  auto p = admin({"project", "create", "demo", "-f", "value", "-c", "id"});
  ASSERT_EQ(p.exit_code, 0) << report(p);
  const std::string demo_id = value_out(p);

  auto u = admin({"user", "create", "--project", "demo", "--password", "pw", "alice", "-f",
                  "json"});
  ASSERT_EQ(u.exit_code, 0) << report(u);
  auto alice = json_out(u);
  EXPECT_EQ(alice["name"], "alice") << report(u);
  EXPECT_EQ(alice["default_project_id"], demo_id) << report(u);
  EXPECT_EQ(alice["domain_id"], "default") << report(u);
  EXPECT_EQ(alice["enabled"], true) << report(u);
  EXPECT_FALSE(alice.contains("password")) << report(u);
  ASSERT_TRUE(alice["id"].is_string()) << report(u);
  const std::string alice_id = alice["id"];

  auto add = admin({"role", "add", "--project", "demo", "--user", "alice", "member"});
  ASSERT_EQ(add.exit_code, 0) << report(add);

  auto assignments = admin({"role", "assignment", "list", "--project", "demo", "--user", "alice",
                            "--names", "-f", "json"});
  ASSERT_EQ(assignments.exit_code, 0) << report(assignments);
  auto rows = json_out(assignments);
  ASSERT_TRUE(rows.is_array()) << report(assignments);
  ASSERT_EQ(rows.size(), 1u) << report(assignments);
  EXPECT_EQ(rows[0]["Role"], "member") << report(assignments);
  EXPECT_EQ(rows[0]["User"], "alice@Default") << report(assignments);
  EXPECT_EQ(rows[0]["Project"], "demo@Default") << report(assignments);

  const credentials as_alice{"alice", "pw", "demo"};
  auto token = openstack(as_alice, {"token", "issue", "-f", "json"});
  ASSERT_EQ(token.exit_code, 0) << report(token);
  auto t = json_out(token);
  EXPECT_EQ(t["user_id"], alice_id) << report(token);
  EXPECT_EQ(t["project_id"], demo_id) << report(token);

  auto mine = openstack(as_alice, {"project", "list", "-f", "json"});
  ASSERT_EQ(mine.exit_code, 0) << report(mine);
  auto projects = json_out(mine);
  ASSERT_TRUE(projects.is_array()) << report(mine);
  ASSERT_EQ(projects.size(), 1u) << report(mine);
  EXPECT_EQ(projects[0]["Name"], "demo") << report(mine);
  EXPECT_EQ(projects[0]["ID"], demo_id) << report(mine);

  auto forbidden = openstack(as_alice, {"project", "create", "x"});
  EXPECT_NE(forbidden.exit_code, 0) << report(forbidden);
  EXPECT_NE(forbidden.err.find("You are not authorized to perform the requested action: "
                               "identity:create_project."),
            std::string::npos)
      << report(forbidden);
  EXPECT_NE(forbidden.err.find("403"), std::string::npos) << report(forbidden);

  auto removed = admin({"role", "remove", "--project", "demo", "--user", "alice", "member"});
  ASSERT_EQ(removed.exit_code, 0) << report(removed);
  auto refused = openstack(as_alice, {"token", "issue", "-f", "json"});
  EXPECT_NE(refused.exit_code, 0) << report(refused);
  EXPECT_NE(refused.err.find("401"), std::string::npos) << report(refused);
}

TEST_F(OpenstackCli, AUserChangesItsOwnPassword) {
  const auto [demo_id, alice_id] = demo_with_member_alice();
  ASSERT_FALSE(HasFailure());

  auto changed = openstack({"alice", "pw", "demo"},
                           {"user", "password", "set", "--original-password", "pw", "--password",
                            "pw2"});
  ASSERT_EQ(changed.exit_code, 0) << report(changed);

  auto old_password = openstack({"alice", "pw", "demo"}, {"token", "issue", "-f", "json"});
  EXPECT_NE(old_password.exit_code, 0) << report(old_password);
  EXPECT_NE(old_password.err.find("401"), std::string::npos) << report(old_password);

  auto new_password =
      openstack({"alice", "pw2", "demo"}, {"token", "issue", "-f", "value", "-c", "user_id"});
  ASSERT_EQ(new_password.exit_code, 0) << report(new_password);
  EXPECT_EQ(value_out(new_password), alice_id) << report(new_password);
}

TEST_F(OpenstackCli, TheCatalogListsIdentityComputeImageNetworkAndBlockStorage) {
  auto r = admin({"catalog", "list", "-f", "json"});
  ASSERT_EQ(r.exit_code, 0) << report(r);
  auto catalog = json_out(r);
  ASSERT_TRUE(catalog.is_array()) << report(r);
  std::set<std::string> types;
  for (const auto& service : catalog) {
    types.insert(service.value("Type", ""));
    // Every service has endpoints in the region the credentials name, on this server.
    ASSERT_TRUE(service["Endpoints"].is_array()) << service;
    EXPECT_FALSE(service["Endpoints"].empty()) << service;
    for (const auto& e : service["Endpoints"]) {
      EXPECT_EQ(e.value("region", ""), "RegionOne") << e;
      EXPECT_EQ(e.value("url", "").rfind(cloud->url(""), 0), 0u) << e;
    }
  }
  for (const char* type :
       {"identity", "compute", "image", "network", "block-storage", "volumev3"}) {
    EXPECT_EQ(types.count(type), 1u) << type << "\n" << report(r);
  }
}

TEST_F(OpenstackCli, DeletingTheUserAndTheProject) {
  auto p = admin({"project", "create", "demo", "-f", "value", "-c", "id"});
  ASSERT_EQ(p.exit_code, 0) << report(p);
  auto u = admin({"user", "create", "--project", "demo", "--password", "pw", "alice", "-f",
                  "value", "-c", "id"});
  ASSERT_EQ(u.exit_code, 0) << report(u);

  auto user_deleted = admin({"user", "delete", "alice"});
  EXPECT_EQ(user_deleted.exit_code, 0) << report(user_deleted);
  auto project_deleted = admin({"project", "delete", "demo"});
  EXPECT_EQ(project_deleted.exit_code, 0) << report(project_deleted);

  auto users = admin({"user", "list", "-f", "json"});
  ASSERT_EQ(users.exit_code, 0) << report(users);
  EXPECT_EQ(names_of(json_out(users)), std::set<std::string>{"admin"}) << report(users);
  auto projects = admin({"project", "list", "-f", "json"});
  ASSERT_EQ(projects.exit_code, 0) << report(projects);
  EXPECT_EQ(names_of(json_out(projects)), std::set<std::string>{"admin"}) << report(projects);
}

// A CI job's way in: an application credential made by the user, then only
// its id and secret in the environment (OS_AUTH_TYPE=v3applicationcredential).
TEST_F(OpenstackCli, AnApplicationCredentialAuthenticatesInsteadOfAPassword) {
  const auto [demo_id, alice_id] = demo_with_member_alice();
  ASSERT_FALSE(HasFailure());
  const credentials alice{"alice", "pw", "demo"};
  auto made = openstack(alice, {"application", "credential", "create", "ci", "--description",
                                "for CI", "-f", "json"});
  ASSERT_EQ(made.exit_code, 0) << report(made);
  auto j = json_out(made);
  const std::string id = j.value("id", "");
  const std::string secret = j.value("secret", "");
  ASSERT_FALSE(id.empty()) << report(made);
  ASSERT_FALSE(secret.empty()) << report(made);
  EXPECT_EQ(j.value("project_id", ""), demo_id) << report(made);

  auto as_credential = [&](const std::vector<std::string>& args) {
    auto argv = clean_env();
    for (const std::string& v :
         {std::string("OS_AUTH_TYPE=v3applicationcredential"), "OS_AUTH_URL=" + cloud->url("/v3"),
          "OS_APPLICATION_CREDENTIAL_ID=" + id, "OS_APPLICATION_CREDENTIAL_SECRET=" + secret,
          std::string("OS_IDENTITY_API_VERSION=3"), std::string("OS_REGION_NAME=RegionOne")})
      argv.push_back(v);
    argv.push_back("openstack");
    argv.insert(argv.end(), args.begin(), args.end());
    last_command = "[application credential ci] openstack";
    for (const auto& a : args) last_command += " " + a;
    return run_command(argv);
  };
  auto token = as_credential({"token", "issue", "-f", "json"});
  ASSERT_EQ(token.exit_code, 0) << report(token);
  auto t = json_out(token);
  EXPECT_EQ(t.value("project_id", ""), demo_id) << report(token);
  EXPECT_EQ(t.value("user_id", ""), alice_id) << report(token);
  auto networks = as_credential({"network", "list", "-f", "json"});
  EXPECT_EQ(networks.exit_code, 0) << report(networks);

  auto listed = openstack(alice, {"application", "credential", "list", "-f", "json"});
  ASSERT_EQ(listed.exit_code, 0) << report(listed);
  EXPECT_EQ(names_of(json_out(listed)), std::set<std::string>{"ci"}) << report(listed);
  auto shown = openstack(alice, {"application", "credential", "show", "ci", "-f", "json"});
  ASSERT_EQ(shown.exit_code, 0) << report(shown);
  EXPECT_EQ(shown.out.find(secret), std::string::npos) << report(shown);

  auto deleted = openstack(alice, {"application", "credential", "delete", "ci"});
  ASSERT_EQ(deleted.exit_code, 0) << report(deleted);
  auto refused = as_credential({"token", "issue", "-f", "json"});
  EXPECT_NE(refused.exit_code, 0) << report(refused);
  EXPECT_NE(refused.err.find("401"), std::string::npos) << report(refused);
}

// An operator's look at the catalog, and an added service with an endpoint
// in a new region, as `openstack` does it.
TEST_F(OpenstackCli, ServicesEndpointsAndRegionsAsAnOperatorManagesThem) {
  auto endpoints = admin({"endpoint", "list", "-f", "json"});
  ASSERT_EQ(endpoints.exit_code, 0) << report(endpoints);
  // Six services (identity, compute, image, network, block-storage and
  // volumev3), each public, internal and admin.
  EXPECT_EQ(json_out(endpoints).size(), 18u) << report(endpoints);
  auto region = admin({"region", "create", "--description", "the other one", "RegionTwo"});
  ASSERT_EQ(region.exit_code, 0) << report(region);
  auto service = admin({"service", "create", "--name", "swift", "--description", "objects",
                        "object-store", "-f", "value", "-c", "id"});
  ASSERT_EQ(service.exit_code, 0) << report(service);
  auto endpoint = admin({"endpoint", "create", "--region", "RegionTwo", "swift", "public",
                         "http://swift.example:8080/v1", "-f", "json"});
  ASSERT_EQ(endpoint.exit_code, 0) << report(endpoint);
  EXPECT_EQ(json_out(endpoint).value("service_name", ""), "swift") << report(endpoint);

  auto catalog = admin({"catalog", "show", "object-store", "-f", "json"});
  ASSERT_EQ(catalog.exit_code, 0) << report(catalog);
  EXPECT_NE(catalog.out.find("http://swift.example:8080/v1"), std::string::npos) << report(catalog);
  auto listed = admin({"endpoint", "list", "--service", "swift", "-f", "json"});
  ASSERT_EQ(listed.exit_code, 0) << report(listed);
  EXPECT_EQ(json_out(listed).size(), 1u) << report(listed);

  auto builtin = admin({"service", "delete", "nova"});
  EXPECT_NE(builtin.exit_code, 0) << report(builtin);
  auto deleted = admin({"service", "delete", "swift"});
  ASSERT_EQ(deleted.exit_code, 0) << report(deleted);
  auto gone = admin({"region", "delete", "RegionTwo"});
  EXPECT_EQ(gone.exit_code, 0) << report(gone);
}

}  // namespace
}  // namespace cumulo
