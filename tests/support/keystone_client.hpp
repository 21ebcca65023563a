// A Keystone v3 client for the HTTP tests of a real `cumulo serve`: issue
// a token by name/password/project, call a route with it, and build the
// identity resources a test needs (projects, users, role grants). Every
// call checks that the answer carries a request id.
#pragma once

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <ctime>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/served_cloud.hpp"
#include "tests/http_client.hpp"
#include "tests/temp_dir.hpp"

namespace cumulo {

inline const std::string kAdminPassword = "admin-secret-1";
inline const std::string kForbiddenPrefix =
    "You are not authorized to perform the requested action: ";

inline nlohmann::json json_of(const http_response& r) {
  return nlohmann::json::parse(r.body, nullptr, false);
}

inline std::map<std::string, std::string> auth_headers(const std::string& token) {
  return {{"X-Auth-Token", token}, {"Content-Type", "application/json"}};
}

// The body of a password authentication by user name in domain "Default",
// scoped to a project by name in domain "Default" (or unscoped when empty).
inline nlohmann::json password_auth(const std::string& user, const std::string& password,
                                    const std::string& project = "") {
  nlohmann::json body{
      {"auth",
       {{"identity",
         {{"methods", {"password"}},
          {"password",
           {{"user", {{"name", user}, {"domain", {{"name", "Default"}}}, {"password", password}}}}}}}}}};
  if (!project.empty())
    body["auth"]["scope"] = {{"project", {{"name", project}, {"domain", {{"name", "Default"}}}}}};
  return body;
}

// "2026-11-25T14:49:48.000000Z" as seconds since the epoch; -1 if not that shape.
inline long long epoch_of(const std::string& iso) {
  std::tm tm{};
  const char* rest = strptime(iso.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!rest) return -1;
  return static_cast<long long>(timegm(&tm));
}

// Asserts Keystone's error body: {"error": {"code", "title", "message"}}.
inline void expect_keystone_error(const http_response& r, int code, const std::string& title) {
  EXPECT_EQ(r.status, code) << r.body;
  auto body = json_of(r);
  ASSERT_TRUE(body.is_object() && body.contains("error")) << r.body;
  const auto& e = body["error"];
  EXPECT_EQ(e["code"], code) << r.body;
  EXPECT_EQ(e["title"], title) << r.body;
  ASSERT_TRUE(e["message"].is_string()) << r.body;
  EXPECT_FALSE(e["message"].get<std::string>().empty()) << r.body;
  EXPECT_NE(r.headers.count("content-type"), 0u);
  if (r.headers.count("content-type")) {
    EXPECT_NE(r.headers.at("content-type").find("application/json"), std::string::npos);
  }
}

// A member: a user with the role member on its own project, and its token.
struct member_account {
  std::string user_id, user_name, password, project_id, project_name, token;
};

// A fresh cloud per test, with cheap password hashes, and the admin's token.
class identity_test : public ::testing::Test {
 protected:
  void SetUp() override { start(); }
  void TearDown() override {
    if (cloud) {
      EXPECT_EQ(cloud->stop(), 0) << cloud->err();
    }
  }

  virtual std::vector<std::string> extra_args() const { return {}; }

  void start() {
    std::vector<std::string> args{"--password-cost", "min", "--admin-password", kAdminPassword};
    for (const auto& a : extra_args()) args.push_back(a);
    cloud = std::make_unique<served_cloud>(dir.path() / "data", dir.path(), args);
    ASSERT_TRUE(cloud->serving()) << cloud->err();
    admin = issue(password_auth("admin", kAdminPassword, "admin"));
    ASSERT_EQ(admin.status, 201) << admin.body;
    admin_token = admin.headers["x-subject-token"];
    ASSERT_FALSE(admin_token.empty());
  }

  // Stops the server and starts a new one on the same data dir.
  void restart() {
    ASSERT_EQ(cloud->stop(), 0) << cloud->err();
    std::vector<std::string> args{"--password-cost", "min"};
    for (const auto& a : extra_args()) args.push_back(a);
    cloud = std::make_unique<served_cloud>(dir.path() / "data", dir.path(), args);
    ASSERT_TRUE(cloud->serving()) << cloud->err();
  }

  http_response raw(const std::string& method, const std::string& path, const std::string& body,
                    const std::map<std::string, std::string>& headers) {
    auto r = http_request(method, cloud->url(path), body, headers);
    EXPECT_NE(r.status, 0) << method << " " << path << ": no answer";
    const auto id = r.headers.find("x-openstack-request-id");
    EXPECT_TRUE(id != r.headers.end() && id->second.rfind("req-", 0) == 0)
        << method << " " << path << " has no x-openstack-request-id";
    return r;
  }

  http_response issue(const nlohmann::json& body, const std::string& query = "") {
    return raw("POST", "/v3/auth/tokens" + query, body.dump(),
               {{"Content-Type", "application/json"}});
  }

  // The token of a password authentication, "" (and a failure) if refused.
  std::string token_for(const std::string& user, const std::string& password,
                        const std::string& project = "") {
    auto r = issue(password_auth(user, password, project));
    EXPECT_EQ(r.status, 201) << r.body;
    return r.headers["x-subject-token"];
  }

  http_response call(const std::string& method, const std::string& path, const std::string& token,
                     const nlohmann::json& body = nullptr,
                     std::map<std::string, std::string> headers = {}) {
    auto h = auth_headers(token);
    if (token.empty()) h.erase("X-Auth-Token");
    for (auto& [k, v] : headers) h[k] = v;
    return raw(method, path, body.is_null() ? "" : body.dump(), h);
  }
  http_response as_admin(const std::string& method, const std::string& path,
                         const nlohmann::json& body = nullptr) {
    return call(method, path, admin_token, body);
  }

  std::string create_project(const std::string& name) {
    auto r = as_admin("POST", "/v3/projects", {{"project", {{"name", name}}}});
    EXPECT_EQ(r.status, 201) << r.body;
    return json_of(r)["project"].value("id", "");
  }
  std::string create_user(const std::string& name, const std::string& password,
                          const std::string& default_project_id = "") {
    nlohmann::json user{{"name", name}, {"password", password}, {"enabled", true}};
    if (!default_project_id.empty()) user["default_project_id"] = default_project_id;
    auto r = as_admin("POST", "/v3/users", {{"user", user}});
    EXPECT_EQ(r.status, 201) << r.body;
    return json_of(r)["user"].value("id", "");
  }
  std::string role_id(const std::string& name) {
    auto r = as_admin("GET", "/v3/roles?name=" + name);
    EXPECT_EQ(r.status, 200) << r.body;
    auto roles = json_of(r)["roles"];
    if (!roles.is_array() || roles.size() != 1) {
      ADD_FAILURE() << "role " << name << ": " << r.body;
      return "";
    }
    return roles[0].value("id", "");
  }
  std::string project_id(const std::string& name) {
    auto r = as_admin("GET", "/v3/projects?name=" + name);
    auto projects = json_of(r)["projects"];
    if (!projects.is_array() || projects.size() != 1) {
      ADD_FAILURE() << "project " << name << ": " << r.body;
      return "";
    }
    return projects[0].value("id", "");
  }
  void grant(const std::string& project, const std::string& user, const std::string& role) {
    auto r = as_admin("PUT", "/v3/projects/" + project + "/users/" + user + "/roles/" + role);
    EXPECT_EQ(r.status, 204) << r.body;
  }

  // A user `name` with role member on a new project `name`-project, and its token.
  member_account make_member(const std::string& name) {
    member_account m;
    m.user_name = name;
    m.password = name + "-pw";
    m.project_name = name + "-project";
    m.project_id = create_project(m.project_name);
    m.user_id = create_user(m.user_name, m.password, m.project_id);
    grant(m.project_id, m.user_id, role_id("member"));
    m.token = token_for(m.user_name, m.password, m.project_name);
    return m;
  }

  temp_dir dir;
  std::unique_ptr<served_cloud> cloud;
  http_response admin;
  std::string admin_token;
};

}  // namespace cumulo
