// Keystone's application credentials over HTTP on a real `cumulo serve`: a
// user delegates its roles on its project to a secret; the secret
// authenticates (by id, or by name and user) to a token of that project
// with those roles; the credential ends with its deletion, its expiry or a
// role its user lost, and survives restarts. The secret is shown once and
// never kept, logged or shown again.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <iterator>
#include <set>

#include "tests/support/keystone_client.hpp"

namespace cumulo {
namespace {

class ApplicationCredentials : public identity_test {
 protected:
  std::string collection(const std::string& user_id) {
    return "/v3/users/" + user_id + "/application_credentials";
  }
  // POST as `token`; the created credential (its secret included).
  nlohmann::json create(const std::string& token, const std::string& user_id,
                        const nlohmann::json& body) {
    auto r = call("POST", collection(user_id), token, {{"application_credential", body}});
    EXPECT_EQ(r.status, 201) << r.body;
    return json_of(r)["application_credential"];
  }
  nlohmann::json by_id(const std::string& id, const std::string& secret) {
    return {{"auth",
             {{"identity",
               {{"methods", {"application_credential"}},
                {"application_credential", {{"id", id}, {"secret", secret}}}}}}}};
  }
  static std::set<std::string> names(const nlohmann::json& roles) {
    std::set<std::string> out;
    for (const auto& r : roles) out.insert(r.value("name", ""));
    return out;
  }
};

TEST_F(ApplicationCredentials, AMemberDelegatesItsRolesToASecretThatAuthenticates) {
  auto m = make_member("app");
  auto made = create(m.token, m.user_id, {{"name", "ci"}, {"description", "for CI"}});
  const std::string id = made.value("id", "");
  const std::string secret = made.value("secret", "");
  ASSERT_FALSE(id.empty());
  EXPECT_GE(secret.size(), 32u) << "a secret the client named none for is made, long";
  EXPECT_EQ(made["project_id"], m.project_id);
  EXPECT_EQ(made["description"], "for CI");
  EXPECT_EQ(made["unrestricted"], false);
  EXPECT_TRUE(made["expires_at"].is_null());
  EXPECT_TRUE(names(made["roles"]).count("member")) << made.dump();
  EXPECT_EQ(made["links"]["self"], cloud->url(collection(m.user_id) + "/" + id));

  auto issued = issue(by_id(id, secret));
  ASSERT_EQ(issued.status, 201) << issued.body;
  const std::string token = issued.headers["x-subject-token"];
  auto t = json_of(issued)["token"];
  EXPECT_EQ(t["methods"], nlohmann::json::array({"application_credential"}));
  EXPECT_EQ(t["project"]["id"], m.project_id);
  EXPECT_EQ(t["user"]["id"], m.user_id);
  EXPECT_EQ(t["application_credential"]["id"], id);
  EXPECT_EQ(t["application_credential"]["restricted"], true);
  EXPECT_TRUE(names(t["roles"]).count("member"));
  EXPECT_EQ(call("GET", "/v3/auth/projects", token).status, 200);

  // By name and user, as keystoneauth sends it with a name.
  nlohmann::json by_name{
      {"auth",
       {{"identity",
         {{"methods", {"application_credential"}},
          {"application_credential",
           {{"name", "ci"}, {"secret", secret}, {"user", {{"id", m.user_id}}}}}}}}}};
  EXPECT_EQ(issue(by_name).status, 201);
  by_name["auth"]["identity"]["application_credential"]["user"] = {
      {"name", m.user_name}, {"domain", {{"name", "Default"}}}};
  EXPECT_EQ(issue(by_name).status, 201);

  expect_keystone_error(issue(by_id(id, secret + "x")), 401, "Unauthorized");
  expect_keystone_error(issue(by_id("nope", secret)), 401, "Unauthorized");
  auto scoped = by_id(id, secret);
  scoped["auth"]["scope"] = {{"project", {{"id", m.project_id}}}};
  expect_keystone_error(issue(scoped), 401, "Unauthorized");

  // Shown, never with its secret.
  auto listed = call("GET", collection(m.user_id) + "?name=ci", m.token);
  ASSERT_EQ(listed.status, 200) << listed.body;
  ASSERT_EQ(json_of(listed)["application_credentials"].size(), 1u);
  EXPECT_EQ(listed.body.find(secret), std::string::npos);
  EXPECT_EQ(json_of(call("GET", collection(m.user_id) + "?name=other",
                         m.token))["application_credentials"]
                .size(),
            0u);
  auto shown = call("GET", collection(m.user_id) + "/" + id, m.token);
  ASSERT_EQ(shown.status, 200) << shown.body;
  EXPECT_FALSE(json_of(shown)["application_credential"].contains("secret"));
  EXPECT_EQ(as_admin("GET", collection(m.user_id) + "/" + id).status, 200);
  EXPECT_EQ(as_admin("GET", collection(m.user_id) + "/nope").status, 404);
}

TEST_F(ApplicationCredentials, KeystonesRulesDecideWhoMakesReadsAndDeletes) {
  auto m = make_member("owner");
  auto other = make_member("other");
  expect_keystone_error(call("POST", collection(m.user_id), other.token,
                             {{"application_credential", {{"name", "x"}}}}),
                        403, "Forbidden");
  expect_keystone_error(
      as_admin("POST", collection(m.user_id), {{"application_credential", {{"name", "x"}}}}), 403,
      "Forbidden");
  expect_keystone_error(call("GET", collection(m.user_id), other.token), 403, "Forbidden");

  // Only roles the caller's token holds; a name taken is 409.
  expect_keystone_error(
      call("POST", collection(m.user_id), m.token,
           {{"application_credential", {{"name", "x"}, {"roles", {{{"name", "admin"}}}}}}}),
      404, "Not Found");
  auto made =
      create(m.token, m.user_id,
             {{"name", "reader-only"}, {"roles", {{{"name", "reader"}}}}, {"secret", "s1"}});
  EXPECT_EQ(names(made["roles"]), std::set<std::string>{"reader"});
  EXPECT_EQ(made["secret"], "s1");
  expect_keystone_error(call("POST", collection(m.user_id), m.token,
                             {{"application_credential", {{"name", "reader-only"}}}}),
                        409, "Conflict");

  // A restricted credential's token manages no credentials.
  auto issued = issue(by_id(made["id"], "s1"));
  ASSERT_EQ(issued.status, 201) << issued.body;
  const std::string restricted = issued.headers["x-subject-token"];
  EXPECT_EQ(names(json_of(issued)["token"]["roles"]), std::set<std::string>{"reader"});
  expect_keystone_error(call("POST", collection(m.user_id), restricted,
                             {{"application_credential", {{"name", "more"}}}}),
                        403, "Forbidden");
  expect_keystone_error(
      call("DELETE", collection(m.user_id) + "/" + made["id"].get<std::string>(), restricted), 403,
      "Forbidden");
  expect_keystone_error(
      call("DELETE", collection(m.user_id) + "/" + made["id"].get<std::string>(), other.token), 403,
      "Forbidden");

  // Deleting it ends its tokens.
  EXPECT_EQ(
      call("DELETE", collection(m.user_id) + "/" + made["id"].get<std::string>(), m.token).status,
      204);
  expect_keystone_error(call("GET", "/v3/auth/projects", restricted), 401, "Unauthorized");
  expect_keystone_error(issue(by_id(made["id"], "s1")), 401, "Unauthorized");
  EXPECT_EQ(
      call("DELETE", collection(m.user_id) + "/" + made["id"].get<std::string>(), m.token).status,
      404);
}

TEST_F(ApplicationCredentials, ExpiryAndALostRoleEndIt) {
  auto m = make_member("ends");
  expect_keystone_error(call("POST", collection(m.user_id), m.token,
                             {{"application_credential",
                               {{"name", "past"}, {"expires_at", "2001-01-01T00:00:00Z"}}}}),
                        400, "Bad Request");
  expect_keystone_error(
      call("POST", collection(m.user_id), m.token,
           {{"application_credential", {{"name", "bad"}, {"expires_at", "next tuesday"}}}}),
      400, "Bad Request");
  auto made = create(m.token, m.user_id,
                     {{"name", "soon"}, {"expires_at", "2099-01-01T00:00:00"}, {"secret", "s2"}});
  EXPECT_EQ(made["expires_at"], "2099-01-01T00:00:00.000000");
  auto issued = issue(by_id(made["id"], "s2"));
  ASSERT_EQ(issued.status, 201) << issued.body;
  const std::string token = issued.headers["x-subject-token"];

  // The user loses its role: the credential no longer delegates it.
  ASSERT_EQ(as_admin("DELETE", "/v3/projects/" + m.project_id + "/users/" + m.user_id + "/roles/" +
                                   role_id("member"))
                .status,
            204);
  expect_keystone_error(call("GET", "/v3/auth/projects", token), 401, "Unauthorized");
  expect_keystone_error(issue(by_id(made["id"], "s2")), 401, "Unauthorized");
}

TEST_F(ApplicationCredentials, ACredentialSurvivesARestartAndItsSecretIsNeverKept) {
  auto m = make_member("keep");
  const std::string secret = "a-secret-nobody-else-knows-0123456789";
  auto made = create(m.token, m.user_id, {{"name", "kept"}, {"secret", secret}});
  const std::string id = made.value("id", "");
  restart();
  EXPECT_EQ(issue(by_id(id, secret)).status, 201);
  EXPECT_EQ(cloud->err().find(secret), std::string::npos) << "the server's log has the secret";
  EXPECT_EQ(cloud->out().find(secret), std::string::npos) << "the server's log has the secret";
  for (const char* file : {"events.db", "events.db-wal"}) {
    std::ifstream events(dir.path() / "data" / file, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(events)), {});
    EXPECT_EQ(bytes.find(secret), std::string::npos) << "the event log has the secret: " << file;
  }
  ASSERT_EQ(call("DELETE", collection(m.user_id) + "/" + id,
                 token_for(m.user_name, m.password, m.project_name))
                .status,
            204);
  restart();
  expect_keystone_error(issue(by_id(id, secret)), 401, "Unauthorized");
}

}  // namespace
}  // namespace cumulo
