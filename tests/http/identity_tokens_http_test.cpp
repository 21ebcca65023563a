// Keystone v3 tokens over HTTP on a real `cumulo serve`: issuing
// (password, token rescoping, scopes), validating and revoking, the
// token's own projects and catalog, and what ends a token (expiry,
// revocation, a disabled or deleted user, a new password, a lost role),
// across restarts of the server.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <set>
#include <thread>

#include "tests/support/keystone_client.hpp"

namespace cumulo {
namespace {

class IdentityTokens : public identity_test {};
class IdentityTokenErrors : public identity_test {};
class IdentityTokenValidation : public identity_test {};
class IdentityTokenLifetime : public identity_test {};

class IdentityTokenExpiry : public identity_test {
 protected:
  std::vector<std::string> extra_args() const override { return {"--token-ttl", "2"}; }
};

long long now_epoch() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// --- issuing ----------------------------------------------------------------

TEST_F(IdentityTokens, PasswordByNameScopedByNameGivesTheFullTokenAndCatalog) {
  auto r = issue(password_auth("admin", kAdminPassword, "admin"));
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.headers["content-type"], "application/json");
  const std::string token = r.headers["x-subject-token"];
  EXPECT_GE(token.size(), 16u);
  auto t = json_of(r)["token"];
  ASSERT_TRUE(t.is_object()) << r.body;
  EXPECT_EQ(t["methods"], nlohmann::json({"password"}));
  EXPECT_EQ(t["user"]["name"], "admin");
  EXPECT_TRUE(t["user"]["id"].is_string());
  EXPECT_EQ(t["user"]["domain"]["id"], "default");
  EXPECT_EQ(t["user"]["domain"]["name"], "Default");
  EXPECT_TRUE(t["user"].contains("password_expires_at"));
  EXPECT_EQ(t["project"]["name"], "admin");
  EXPECT_EQ(t["project"]["id"], project_id("admin"));
  EXPECT_EQ(t["project"]["domain"]["id"], "default");
  EXPECT_EQ(t["project"]["domain"]["name"], "Default");
  EXPECT_EQ(t["is_domain"], false);
  ASSERT_TRUE(t["audit_ids"].is_array());
  EXPECT_EQ(t["audit_ids"].size(), 1u);

  std::set<std::string> roles;
  for (const auto& role : t["roles"]) {
    EXPECT_TRUE(role["id"].is_string());
    roles.insert(role["name"].get<std::string>());
  }
  EXPECT_EQ(roles.count("admin"), 1u) << t["roles"].dump();

  const long long issued = epoch_of(t["issued_at"].get<std::string>());
  const long long expires = epoch_of(t["expires_at"].get<std::string>());
  ASSERT_GT(expires, 0) << t["expires_at"];
  EXPECT_NEAR(static_cast<double>(expires - now_epoch()), 3600.0, 60.0);
  EXPECT_NEAR(static_cast<double>(expires - issued), 3600.0, 2.0);
  EXPECT_EQ(t["expires_at"].get<std::string>().back(), 'Z');

  ASSERT_TRUE(t["catalog"].is_array()) << r.body;
  std::set<std::string> types;
  for (const auto& service : t["catalog"]) {
    const std::string type = service["type"];
    types.insert(type);
    EXPECT_TRUE(service["id"].is_string());
    EXPECT_TRUE(service["name"].is_string());
    std::set<std::string> interfaces;
    for (const auto& e : service["endpoints"]) {
      interfaces.insert(e["interface"].get<std::string>());
      EXPECT_EQ(e["region"], "RegionOne");
      EXPECT_EQ(e["region_id"], "RegionOne");
      const std::string url = e["url"];
      EXPECT_EQ(url.rfind(cloud->url(""), 0), 0u) << url;
    }
    EXPECT_EQ(interfaces, (std::set<std::string>{"public", "internal", "admin"})) << type;
  }
  EXPECT_EQ(types, (std::set<std::string>{"identity", "compute", "image", "network",
                                          "block-storage", "volumev3"}));
}

TEST_F(IdentityTokens, NoCatalogLeavesTheCatalogOut) {
  auto r = issue(password_auth("admin", kAdminPassword, "admin"), "?nocatalog");
  ASSERT_EQ(r.status, 201) << r.body;
  auto t = json_of(r)["token"];
  EXPECT_FALSE(t.contains("catalog")) << r.body;
  EXPECT_EQ(t["project"]["name"], "admin");
}

TEST_F(IdentityTokens, PasswordByUserIdScopedByProjectId) {
  const std::string admin_id = json_of(admin)["token"]["user"]["id"];
  const std::string pid = project_id("admin");
  nlohmann::json body{
      {"auth",
       {{"identity",
         {{"methods", {"password"}},
          {"password", {{"user", {{"id", admin_id}, {"password", kAdminPassword}}}}}}},
        {"scope", {{"project", {{"id", pid}}}}}}}};
  auto r = issue(body);
  ASSERT_EQ(r.status, 201) << r.body;
  auto t = json_of(r)["token"];
  EXPECT_EQ(t["user"]["id"], admin_id);
  EXPECT_EQ(t["project"]["id"], pid);
  EXPECT_FALSE(r.headers["x-subject-token"].empty());
}

TEST_F(IdentityTokens, ProjectByNameInDomainId) {
  nlohmann::json body = password_auth("admin", kAdminPassword);
  body["auth"]["identity"]["password"]["user"]["domain"] = {{"id", "default"}};
  body["auth"]["scope"] = {{"project", {{"name", "admin"}, {"domain", {{"id", "default"}}}}}};
  auto r = issue(body);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(json_of(r)["token"]["project"]["name"], "admin");
}

TEST_F(IdentityTokens, WithoutScopeOrWithUnscopedTheTokenHasNoProjectNorCatalog) {
  // A user without a default project (bootstrap gives admin one).
  const std::string pid = create_project("somewhere");
  const std::string uid = create_user("nomad", "nomad-pw");
  grant(pid, uid, role_id("member"));
  auto plain = issue(password_auth("nomad", "nomad-pw"));
  nlohmann::json explicit_body = password_auth("admin", kAdminPassword);
  explicit_body["auth"]["scope"] = "unscoped";
  auto expl = issue(explicit_body);
  for (const auto* r : {&plain, &expl}) {
    ASSERT_EQ(r->status, 201) << r->body;
    auto t = json_of(*r)["token"];
    EXPECT_FALSE(t.contains("project")) << r->body;
    EXPECT_FALSE(t.contains("catalog")) << r->body;
    EXPECT_TRUE(t["user"]["name"] == "admin" || t["user"]["name"] == "nomad");
    EXPECT_FALSE(t.contains("roles")) << r->body;
    EXPECT_FALSE(r->headers.at("x-subject-token").empty());
  }
}

TEST_F(IdentityTokens, AUserWithADefaultProjectIsScopedToItUnlessUnscopedIsAsked) {
  auto m = make_member("dora");
  auto r = issue(password_auth("dora", m.password));
  ASSERT_EQ(r.status, 201) << r.body;
  auto t = json_of(r)["token"];
  EXPECT_EQ(t["project"]["id"], m.project_id) << r.body;
  ASSERT_TRUE(t["roles"].is_array());
  ASSERT_EQ(t["roles"].size(), 1u) << r.body;
  EXPECT_EQ(t["roles"][0]["name"], "member");
  EXPECT_TRUE(t["catalog"].is_array());

  nlohmann::json unscoped = password_auth("dora", m.password);
  unscoped["auth"]["scope"] = "unscoped";
  auto u = issue(unscoped);
  ASSERT_EQ(u.status, 201) << u.body;
  EXPECT_FALSE(json_of(u)["token"].contains("project")) << u.body;
}

TEST_F(IdentityTokens, TheTokenMethodRescopesAnUnscopedTokenKeepingItsExpiry) {
  nlohmann::json unscoped_body = password_auth("admin", kAdminPassword);
  unscoped_body["auth"]["scope"] = "unscoped";
  auto unscoped = issue(unscoped_body);
  ASSERT_EQ(unscoped.status, 201);
  ASSERT_FALSE(json_of(unscoped)["token"].contains("project")) << unscoped.body;
  const std::string original_expiry = json_of(unscoped)["token"]["expires_at"];
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  const std::string pid = project_id("admin");
  nlohmann::json body{
      {"auth",
       {{"identity",
         {{"methods", {"token"}}, {"token", {{"id", unscoped.headers["x-subject-token"]}}}}},
        {"scope", {{"project", {{"id", pid}}}}}}}};
  auto r = issue(body);
  ASSERT_EQ(r.status, 201) << r.body;
  auto t = json_of(r)["token"];
  EXPECT_EQ(t["project"]["id"], pid);
  EXPECT_EQ(t["user"]["name"], "admin");
  EXPECT_EQ(t["expires_at"], original_expiry);
  EXPECT_NE(r.headers["x-subject-token"], unscoped.headers["x-subject-token"]);
  ASSERT_TRUE(t["methods"].is_array());
  std::set<std::string> methods;
  for (const auto& m : t["methods"]) methods.insert(m.get<std::string>());
  EXPECT_EQ(methods.count("token"), 1u) << t["methods"].dump();
  EXPECT_TRUE(t["catalog"].is_array());
  // The new token works.
  EXPECT_EQ(call("GET", "/v3/projects", r.headers["x-subject-token"]).status, 200);
}

// --- refusals ---------------------------------------------------------------

TEST_F(IdentityTokenErrors, AWrongPasswordOrAnUnknownUserIs401) {
  expect_keystone_error(issue(password_auth("admin", "not-the-password", "admin")), 401,
                        "Unauthorized");
  expect_keystone_error(issue(password_auth("nobody", "whatever", "admin")), 401, "Unauthorized");
  // The same words for both: the answer must not tell which users exist.
  auto a = json_of(issue(password_auth("admin", "not-the-password")));
  auto b = json_of(issue(password_auth("nobody", "whatever")));
  EXPECT_EQ(a["error"]["message"], b["error"]["message"]);
}

TEST_F(IdentityTokenErrors, AUserWithoutARoleOnTheProjectIs401) {
  const std::string pid = create_project("elsewhere");
  create_user("rolf", "rolf-pw");
  expect_keystone_error(issue(password_auth("rolf", "rolf-pw", "elsewhere")), 401, "Unauthorized");
  // The same user can still have an unscoped token.
  EXPECT_EQ(issue(password_auth("rolf", "rolf-pw")).status, 201);
  (void)pid;
}

TEST_F(IdentityTokenErrors, ADisabledUserIs401) {
  auto m = make_member("dis");
  auto r = as_admin("PATCH", "/v3/users/" + m.user_id, {{"user", {{"enabled", false}}}});
  ASSERT_EQ(r.status, 200) << r.body;
  expect_keystone_error(issue(password_auth("dis", m.password, m.project_name)), 401,
                        "Unauthorized");
  expect_keystone_error(issue(password_auth("dis", m.password)), 401, "Unauthorized");
}

TEST_F(IdentityTokenErrors, AnUnknownProjectIs401) {
  expect_keystone_error(issue(password_auth("admin", kAdminPassword, "no-such-project")), 401,
                        "Unauthorized");
  nlohmann::json by_id = password_auth("admin", kAdminPassword);
  by_id["auth"]["scope"] = {{"project", {{"id", "0123456789abcdef0123456789abcdef"}}}};
  expect_keystone_error(issue(by_id), 401, "Unauthorized");
}

TEST_F(IdentityTokenErrors, MalformedBodiesAre400) {
  auto malformed = raw("POST", "/v3/auth/tokens", "{\"auth\": {", {{"Content-Type", "application/json"}});
  expect_keystone_error(malformed, 400, "Bad Request");
  expect_keystone_error(issue({{"identity", {{"methods", {"password"}}}}}), 400, "Bad Request");
  // Wrong types: methods a string, the password a number, the user a list.
  nlohmann::json methods_string = password_auth("admin", kAdminPassword);
  methods_string["auth"]["identity"]["methods"] = "password";
  expect_keystone_error(issue(methods_string), 400, "Bad Request");
  nlohmann::json password_number = password_auth("admin", kAdminPassword);
  password_number["auth"]["identity"]["password"]["user"]["password"] = 42;
  expect_keystone_error(issue(password_number), 400, "Bad Request");
  nlohmann::json user_list = password_auth("admin", kAdminPassword);
  user_list["auth"]["identity"]["password"]["user"] = nlohmann::json::array({"admin"});
  expect_keystone_error(issue(user_list), 400, "Bad Request");
  nlohmann::json scope_number = password_auth("admin", kAdminPassword);
  scope_number["auth"]["scope"] = 7;
  expect_keystone_error(issue(scope_number), 400, "Bad Request");
}

TEST_F(IdentityTokenErrors, AnotherMediaTypeIs415) {
  auto r = raw("POST", "/v3/auth/tokens", password_auth("admin", kAdminPassword).dump(),
               {{"Content-Type", "text/plain"}});
  expect_keystone_error(r, 415, "Unsupported Media Type");
}

TEST_F(IdentityTokenErrors, ABodyOverOneMebibyteIs413) {
  nlohmann::json body = password_auth("admin", kAdminPassword);
  body["auth"]["identity"]["password"]["user"]["password"] = std::string(1024 * 1024 + 16, 'x');
  expect_keystone_error(issue(body), 413, "Request Entity Too Large");
}

// --- validation and revocation ---------------------------------------------

TEST_F(IdentityTokenValidation, GetReturnsTheSubjectTokenAndHeadOnlyTheHeaders) {
  auto m = make_member("val");
  auto r = call("GET", "/v3/auth/tokens", admin_token, nullptr, {{"X-Subject-Token", m.token}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers["x-subject-token"], m.token);
  auto t = json_of(r)["token"];
  EXPECT_EQ(t["user"]["id"], m.user_id);
  EXPECT_EQ(t["project"]["id"], m.project_id);
  EXPECT_EQ(t["roles"][0]["name"], "member");
  EXPECT_TRUE(t["catalog"].is_array());
  EXPECT_TRUE(t["expires_at"].is_string());

  auto nocat =
      call("GET", "/v3/auth/tokens?nocatalog", admin_token, nullptr, {{"X-Subject-Token", m.token}});
  ASSERT_EQ(nocat.status, 200);
  EXPECT_FALSE(json_of(nocat)["token"].contains("catalog"));

  auto head = call("HEAD", "/v3/auth/tokens", admin_token, nullptr, {{"X-Subject-Token", m.token}});
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
  EXPECT_EQ(head.headers["x-subject-token"], m.token);

  // A user may validate its own token.
  auto own = call("GET", "/v3/auth/tokens", m.token, nullptr, {{"X-Subject-Token", m.token}});
  EXPECT_EQ(own.status, 200) << own.body;
}

TEST_F(IdentityTokenValidation, WithoutAnAuthTokenIs401WithWwwAuthenticate) {
  for (const char* method : {"GET", "DELETE"}) {
    auto r = call(method, "/v3/auth/tokens", "", nullptr, {{"X-Subject-Token", admin_token}});
    expect_keystone_error(r, 401, "Unauthorized");
    EXPECT_NE(r.headers.count("www-authenticate"), 0u) << method;
    EXPECT_EQ(r.headers["www-authenticate"].rfind("Keystone uri=", 0), 0u);
  }
  auto head = call("HEAD", "/v3/auth/tokens", "", nullptr, {{"X-Subject-Token", admin_token}});
  EXPECT_EQ(head.status, 401);
  // A token that is not one is 401 too.
  auto bogus = call("GET", "/v3/auth/tokens", "not-a-token", nullptr, {{"X-Subject-Token", admin_token}});
  expect_keystone_error(bogus, 401, "Unauthorized");
  EXPECT_NE(bogus.headers.count("www-authenticate"), 0u);
}

TEST_F(IdentityTokenValidation, AnUnknownSubjectIs404) {
  auto r = call("GET", "/v3/auth/tokens", admin_token, nullptr, {{"X-Subject-Token", "not-a-token"}});
  expect_keystone_error(r, 404, "Not Found");
  auto head = call("HEAD", "/v3/auth/tokens", admin_token, nullptr, {{"X-Subject-Token", "nope"}});
  EXPECT_EQ(head.status, 404);
  auto del = call("DELETE", "/v3/auth/tokens", admin_token, nullptr, {{"X-Subject-Token", "nope"}});
  expect_keystone_error(del, 404, "Not Found");
}

TEST_F(IdentityTokenValidation, AMemberCannotValidateAnotherUsersToken) {
  auto m = make_member("peek");
  auto r = call("GET", "/v3/auth/tokens", m.token, nullptr, {{"X-Subject-Token", admin_token}});
  expect_keystone_error(r, 403, "Forbidden");
  EXPECT_EQ(json_of(r)["error"]["message"], kForbiddenPrefix + "identity:validate_token.");
}

TEST_F(IdentityTokenValidation, ARevokedTokenIs401EverywhereAnd404AsSubjectEvenAfterARestart) {
  auto m = make_member("rev");
  ASSERT_EQ(call("GET", "/v3/auth/projects", m.token).status, 200);
  auto del = call("DELETE", "/v3/auth/tokens", admin_token, nullptr, {{"X-Subject-Token", m.token}});
  ASSERT_EQ(del.status, 204) << del.body;
  EXPECT_TRUE(del.body.empty());

  auto check_revoked = [&] {
    for (const char* path : {"/v3/auth/projects", "/v3/projects", "/v3/auth/catalog"})
      expect_keystone_error(call("GET", path, m.token), 401, "Unauthorized");
    expect_keystone_error(
        call("GET", "/v3/auth/tokens", admin_token, nullptr, {{"X-Subject-Token", m.token}}), 404,
        "Not Found");
    // Revoking one token leaves the user's other tokens alone.
    EXPECT_EQ(call("GET", "/v3/auth/projects", token_for(m.user_name, m.password)).status, 200);
  };
  check_revoked();
  restart();
  check_revoked();
}

TEST_F(IdentityTokenValidation, AUserMayRevokeItsOwnToken) {
  auto m = make_member("self");
  auto del = call("DELETE", "/v3/auth/tokens", m.token, nullptr, {{"X-Subject-Token", m.token}});
  EXPECT_EQ(del.status, 204) << del.body;
  EXPECT_EQ(call("GET", "/v3/auth/projects", m.token).status, 401);
}

// --- what a token ends with -------------------------------------------------

TEST_F(IdentityTokenLifetime, TokensStayValidAcrossARestart) {
  auto m = make_member("stay");
  restart();
  auto r = call("GET", "/v3/projects", admin_token);
  EXPECT_EQ(r.status, 200) << r.body;
  auto v = call("GET", "/v3/auth/tokens", admin_token, nullptr, {{"X-Subject-Token", m.token}});
  EXPECT_EQ(v.status, 200) << v.body;
  EXPECT_EQ(json_of(v)["token"]["project"]["id"], m.project_id);
}

TEST_F(IdentityTokenExpiry, AnExpiredTokenIs401) {
  auto r = issue(password_auth("admin", kAdminPassword, "admin"));
  ASSERT_EQ(r.status, 201);
  auto t = json_of(r)["token"];
  EXPECT_NEAR(static_cast<double>(epoch_of(t["expires_at"].get<std::string>()) -
                                      epoch_of(t["issued_at"].get<std::string>())), 2.0, 1.0);
  const std::string token = r.headers["x-subject-token"];
  EXPECT_EQ(call("GET", "/v3/projects", token).status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(3200));
  expect_keystone_error(call("GET", "/v3/projects", token), 401, "Unauthorized");
  // And it can't be used to get a new one.
  nlohmann::json rescope{{"auth",
                          {{"identity", {{"methods", {"token"}}, {"token", {{"id", token}}}}},
                           {"scope", {{"project", {{"name", "admin"}, {"domain", {{"id", "default"}}}}}}}}}};
  auto again = issue(rescope);
  EXPECT_TRUE(again.status == 401 || again.status == 404) << again.status << " " << again.body;
}

TEST_F(IdentityTokenLifetime, DisablingTheUserEndsItsTokens) {
  auto m = make_member("off");
  auto r = as_admin("PATCH", "/v3/users/" + m.user_id, {{"user", {{"enabled", false}}}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json_of(r)["user"]["enabled"], false);
  expect_keystone_error(call("GET", "/v3/auth/projects", m.token), 401, "Unauthorized");
  // Enabled again, it can authenticate again.
  ASSERT_EQ(as_admin("PATCH", "/v3/users/" + m.user_id, {{"user", {{"enabled", true}}}}).status, 200);
  EXPECT_EQ(issue(password_auth(m.user_name, m.password, m.project_name)).status, 201);
}

TEST_F(IdentityTokenLifetime, DeletingTheUserEndsItsTokens) {
  auto m = make_member("gone");
  ASSERT_EQ(as_admin("DELETE", "/v3/users/" + m.user_id).status, 204);
  expect_keystone_error(call("GET", "/v3/auth/projects", m.token), 401, "Unauthorized");
  expect_keystone_error(issue(password_auth(m.user_name, m.password)), 401, "Unauthorized");
}

TEST_F(IdentityTokenLifetime, ChangingThePasswordEndsTheOldTokens) {
  auto m = make_member("pwd");
  const std::string path = "/v3/users/" + m.user_id + "/password";
  auto wrong = call("POST", path, m.token,
                    {{"user", {{"original_password", "wrong"}, {"password", "new-pw-1"}}}});
  expect_keystone_error(wrong, 401, "Unauthorized");
  // A wrong original changes nothing.
  EXPECT_EQ(call("GET", "/v3/auth/projects", m.token).status, 200);

  auto ok = call("POST", path, m.token,
                 {{"user", {{"original_password", m.password}, {"password", "new-pw-1"}}}});
  ASSERT_EQ(ok.status, 204) << ok.body;
  expect_keystone_error(call("GET", "/v3/auth/projects", m.token), 401, "Unauthorized");
  expect_keystone_error(issue(password_auth(m.user_name, m.password, m.project_name)), 401,
                        "Unauthorized");
  const std::string fresh = token_for(m.user_name, "new-pw-1", m.project_name);
  ASSERT_FALSE(fresh.empty());
  auto projects = call("GET", "/v3/auth/projects", fresh);
  EXPECT_EQ(projects.status, 200) << projects.body;
}

TEST_F(IdentityTokenLifetime, LosingTheRoleOnTheProjectEndsTheProjectToken) {
  auto m = make_member("lose");
  const std::string member = role_id("member");
  auto del = as_admin("DELETE",
                      "/v3/projects/" + m.project_id + "/users/" + m.user_id + "/roles/" + member);
  ASSERT_EQ(del.status, 204) << del.body;
  expect_keystone_error(call("GET", "/v3/projects/" + m.project_id, m.token), 401, "Unauthorized");
  expect_keystone_error(issue(password_auth(m.user_name, m.password, m.project_name)), 401,
                        "Unauthorized");
}

TEST_F(IdentityTokenLifetime, DisablingOrDeletingTheProjectEndsItsTokens) {
  auto a = make_member("pdis");
  auto b = make_member("pdel");
  ASSERT_EQ(as_admin("PATCH", "/v3/projects/" + a.project_id, {{"project", {{"enabled", false}}}}).status,
            200);
  expect_keystone_error(call("GET", "/v3/auth/projects", a.token), 401, "Unauthorized");
  expect_keystone_error(issue(password_auth(a.user_name, a.password, a.project_name)), 401,
                        "Unauthorized");
  ASSERT_EQ(as_admin("DELETE", "/v3/projects/" + b.project_id).status, 204);
  expect_keystone_error(call("GET", "/v3/auth/projects", b.token), 401, "Unauthorized");
  expect_keystone_error(issue(password_auth(b.user_name, b.password, b.project_name)), 401,
                        "Unauthorized");
}

TEST_F(IdentityTokenLifetime, DeletingTheRoleEndsTheTokensThatCarryIt) {
  auto m = make_member("rdel");
  auto r = as_admin("POST", "/v3/roles", {{"role", {{"name", "temp"}}}});
  ASSERT_EQ(r.status, 201);
  const std::string temp = json_of(r)["role"]["id"];
  ASSERT_EQ(as_admin("DELETE", "/v3/projects/" + m.project_id + "/users/" + m.user_id + "/roles/" +
                                   role_id("member"))
                .status,
            204);
  grant(m.project_id, m.user_id, temp);
  const std::string token = token_for(m.user_name, m.password, m.project_name);
  ASSERT_FALSE(token.empty());
  ASSERT_EQ(as_admin("DELETE", "/v3/roles/" + temp).status, 204);
  expect_keystone_error(call("GET", "/v3/auth/projects", token), 401, "Unauthorized");
  EXPECT_EQ(json_of(as_admin("GET", "/v3/role_assignments?user.id=" + m.user_id))["role_assignments"].size(),
            0u);
}

TEST_F(IdentityTokenErrors, AUserNameInAnotherDomainIs401) {
  nlohmann::json body = password_auth("admin", kAdminPassword, "admin");
  body["auth"]["identity"]["password"]["user"]["domain"] = {{"name", "Elsewhere"}};
  expect_keystone_error(issue(body), 401, "Unauthorized");
  nlohmann::json by_id = password_auth("admin", kAdminPassword, "admin");
  by_id["auth"]["identity"]["password"]["user"]["domain"] = {{"id", "elsewhere"}};
  expect_keystone_error(issue(by_id), 401, "Unauthorized");
}

// --- the token's own view ---------------------------------------------------

TEST_F(IdentityTokens, AuthProjectsListsTheProjectsTheUserHoldsARoleOn) {
  auto m = make_member("mine");
  create_project("not-mine");
  auto r = call("GET", "/v3/auth/projects", m.token);
  ASSERT_EQ(r.status, 200) << r.body;
  auto body = json_of(r);
  ASSERT_TRUE(body["projects"].is_array());
  ASSERT_EQ(body["projects"].size(), 1u) << r.body;
  EXPECT_EQ(body["projects"][0]["id"], m.project_id);
  EXPECT_EQ(body["projects"][0]["name"], m.project_name);
  EXPECT_TRUE(body["links"]["self"].is_string());
}

TEST_F(IdentityTokens, AuthCatalogNeedsAProjectScopedToken) {
  auto r = call("GET", "/v3/auth/catalog", admin_token);
  ASSERT_EQ(r.status, 200) << r.body;
  auto catalog = json_of(r)["catalog"];
  ASSERT_TRUE(catalog.is_array());
  EXPECT_EQ(catalog.size(), 6u);
  EXPECT_EQ(catalog, json_of(admin)["token"]["catalog"]);

  nlohmann::json body = password_auth("admin", kAdminPassword);
  body["auth"]["scope"] = "unscoped";
  const std::string unscoped = issue(body).headers["x-subject-token"];
  expect_keystone_error(call("GET", "/v3/auth/catalog", unscoped), 403, "Forbidden");
}

TEST_F(IdentityTokens, AuthDomainsAnswersAList) {
  auto r = call("GET", "/v3/auth/domains", admin_token);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(json_of(r)["domains"].is_array());
  expect_keystone_error(call("GET", "/v3/auth/domains", ""), 401, "Unauthorized");
}

}  // namespace
}  // namespace cumulo
