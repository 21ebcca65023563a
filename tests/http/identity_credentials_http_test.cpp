// Keystone's credentials over HTTP on a real `cumulo serve`: /v3/credentials
// (any type; an ec2 one's id is the SHA-256 of its access key) and the EC2
// credentials of /v3/users/{id}/credentials/OS-EC2, which are the same
// records. An admin manages any, a user its own; a user's and a project's
// credentials go with them; the blobs are sealed at rest (the event log
// never holds one in clear) and survive restarts.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <set>
#include <thread>

#include "engine/codec.hpp"
#include "engine/credential_state.hpp"
#include "engine/user_state.hpp"
#include "store/data_dir.hpp"
#include "store/event_store.hpp"
#include "tests/support/keystone_client.hpp"

namespace cumulo {
namespace {

class Credentials : public identity_test {
 protected:
  static std::string ec2_path(const std::string& user_id) {
    return "/v3/users/" + user_id + "/credentials/OS-EC2";
  }
  // POST /v3/credentials as `token`: the created credential.
  nlohmann::json create(const std::string& token, const nlohmann::json& body) {
    auto r = call("POST", "/v3/credentials", token, {{"credential", body}});
    EXPECT_EQ(r.status, 201) << r.body;
    return json_of(r)["credential"];
  }
  nlohmann::json create_ec2(const std::string& token, const std::string& user_id,
                            const std::string& project_id) {
    auto r = call("POST", ec2_path(user_id), token, {{"tenant_id", project_id}});
    EXPECT_EQ(r.status, 201) << r.body;
    return json_of(r)["credential"];
  }
  // The ids of the credentials `token` lists (with a query).
  std::set<std::string> listed(const std::string& token, const std::string& query = "") {
    auto r = call("GET", "/v3/credentials" + query, token);
    EXPECT_EQ(r.status, 200) << r.body;
    std::set<std::string> ids;
    auto listed_json = json_of(r);  // kept: the loop reads into it
    for (const auto& c : listed_json["credentials"]) ids.insert(c.value("id", ""));
    return ids;
  }
  std::string events_bytes() {
    std::string all;
    for (const char* file : {"events.db", "events.db-wal"}) {
      std::ifstream in(dir.path() / "data" / file, std::ios::binary);
      all.append(std::istreambuf_iterator<char>(in), {});
    }
    return all;
  }
};

bool lower_hex(const std::string& s, std::size_t size) {
  if (s.size() != size) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

TEST_F(Credentials, AMemberCreatesReadsUpdatesAndDeletesItsOwn) {
  auto m = make_member("alice");
  auto made = create(m.token, {{"user_id", m.user_id},
                               {"type", "cert"},
                               {"blob", "-----BEGIN CERTIFICATE-----\nMIIB\n"},
                               {"project_id", m.project_id}});
  const std::string id = made.value("id", "");
  EXPECT_TRUE(lower_hex(id, 32)) << "a random UUID in hex, as Keystone's: " << id;
  EXPECT_EQ(made["user_id"], m.user_id);
  EXPECT_EQ(made["project_id"], m.project_id);
  EXPECT_EQ(made["type"], "cert");
  EXPECT_EQ(made["blob"], "-----BEGIN CERTIFICATE-----\nMIIB\n") << "shown in clear, as Keystone";
  EXPECT_EQ(made["links"]["self"], cloud->url("/v3/credentials/" + id));

  auto shown = call("GET", "/v3/credentials/" + id, m.token);
  ASSERT_EQ(shown.status, 200) << shown.body;
  EXPECT_EQ(json_of(shown)["credential"], made);
  EXPECT_EQ(listed(m.token), std::set<std::string>{id});
  EXPECT_EQ(listed(m.token, "?type=cert"), std::set<std::string>{id});
  EXPECT_TRUE(listed(m.token, "?type=ec2").empty());
  EXPECT_EQ(listed(m.token, "?user_id=" + m.user_id), std::set<std::string>{id});
  EXPECT_TRUE(listed(m.token, "?user_id=someone-else").empty());

  auto patched = call("PATCH", "/v3/credentials/" + id, m.token,
                      {{"credential", {{"blob", "renewed"}, {"project_id", nullptr}}}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(json_of(patched)["credential"]["blob"], "renewed");
  EXPECT_TRUE(json_of(patched)["credential"]["project_id"].is_null());
  EXPECT_EQ(json_of(patched)["credential"]["type"], "cert");
  // OSC's `credential set` sends every attribute, its own user included.
  patched = call("PATCH", "/v3/credentials/" + id, m.token,
                 {{"credential", {{"user_id", m.user_id}, {"type", "totp"}, {"blob", "seed"}}}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(json_of(patched)["credential"]["type"], "totp");
  expect_keystone_error(call("PATCH", "/v3/credentials/" + id, m.token, {{"credential", {}}}), 400,
                        "Bad Request");
  expect_keystone_error(
      call("PATCH", "/v3/credentials/" + id, m.token, {{"credential", {{"id", "another"}}}}), 400,
      "Bad Request");

  EXPECT_EQ(call("DELETE", "/v3/credentials/" + id, m.token).status, 204);
  expect_keystone_error(call("GET", "/v3/credentials/" + id, m.token), 404, "Not Found");
  expect_keystone_error(call("DELETE", "/v3/credentials/" + id, m.token), 404, "Not Found");
  EXPECT_TRUE(listed(m.token).empty());
}

TEST_F(Credentials, BadBodiesAreKeystones400s) {
  auto m = make_member("bob");
  const nlohmann::json base{{"user_id", m.user_id}, {"type", "ec2"}, {"project_id", m.project_id}};
  auto post = [&](nlohmann::json body) {
    return call("POST", "/v3/credentials", m.token, {{"credential", body}});
  };
  auto no_type = base;
  no_type.erase("type");
  no_type["blob"] = "x";
  expect_keystone_error(post(no_type), 400, "Bad Request");
  auto no_blob = base;
  expect_keystone_error(post(no_blob), 400, "Bad Request");
  // An ec2 blob is a JSON object with an access; an ec2 credential names its project.
  for (const char* blob : {"not json", "[]", "{}", R"({"secret": "s"})", R"({"access": 1})"}) {
    auto b = base;
    b["blob"] = blob;
    expect_keystone_error(post(b), 400, "Bad Request");
  }
  auto no_project = base;
  no_project.erase("project_id");
  no_project["blob"] = R"({"access": "a", "secret": "s"})";
  expect_keystone_error(post(no_project), 400, "Bad Request");
  auto long_blob = base;
  long_blob["type"] = "cert";
  long_blob["blob"] = std::string(70000, 'x');
  expect_keystone_error(post(long_blob), 400, "Bad Request");
  // A user or project that does not exist.
  auto unknown_project = base;
  unknown_project["project_id"] = "nope";
  unknown_project["blob"] = R"({"access": "a", "secret": "s"})";
  expect_keystone_error(post(unknown_project), 404, "Not Found");
  auto nobody = base;
  nobody["user_id"] = "nobody";
  nobody["blob"] = R"({"access": "b", "secret": "s"})";
  expect_keystone_error(as_admin("POST", "/v3/credentials", {{"credential", nobody}}), 404,
                        "Not Found");
  EXPECT_TRUE(listed(m.token).empty()) << "nothing half-made";
}

TEST_F(Credentials, AnAdminManagesAnyAUserOnlyItsOwn) {
  auto m = make_member("carol");
  auto other = make_member("dave");
  const std::string id =
      create(m.token, {{"user_id", m.user_id}, {"type", "cert"}, {"blob", "carol's"}})
          .value("id", "");
  const std::string path = "/v3/credentials/" + id;

  expect_keystone_error(call("GET", path, other.token), 403, "Forbidden");
  expect_keystone_error(call("PATCH", path, other.token, {{"credential", {{"blob", "x"}}}}), 403,
                        "Forbidden");
  expect_keystone_error(call("DELETE", path, other.token), 403, "Forbidden");
  expect_keystone_error(
      call("POST", "/v3/credentials", other.token,
           {{"credential", {{"user_id", m.user_id}, {"type", "cert"}, {"blob", "forged"}}}}),
      403, "Forbidden");
  EXPECT_TRUE(listed(other.token).empty()) << "a member lists only its own";
  expect_keystone_error(call("GET", "/v3/credentials/0123456789abcdef", other.token), 404,
                        "Not Found");
  // A member gives none of its credentials to another user.
  expect_keystone_error(
      call("PATCH", path, m.token, {{"credential", {{"user_id", other.user_id}}}}), 403,
      "Forbidden");

  // An admin reads and moves any.
  EXPECT_EQ(as_admin("GET", path).status, 200);
  EXPECT_TRUE(listed(admin_token).count(id));
  auto moved = as_admin("PATCH", path, {{"credential", {{"user_id", other.user_id}}}});
  ASSERT_EQ(moved.status, 200) << moved.body;
  EXPECT_EQ(json_of(moved)["credential"]["user_id"], other.user_id);
  EXPECT_EQ(json_of(moved)["credential"]["blob"], "carol's");
  expect_keystone_error(call("GET", path, m.token), 403, "Forbidden");
  EXPECT_EQ(call("GET", path, other.token).status, 200);
  EXPECT_EQ(listed(other.token), std::set<std::string>{id});
  EXPECT_EQ(as_admin("DELETE", path).status, 204);
}

TEST_F(Credentials, Ec2CredentialsAreTheCredentialsOfTypeEc2) {
  auto m = make_member("erin");
  auto made = create_ec2(m.token, m.user_id, m.project_id);
  const std::string access = made.value("access", "");
  const std::string secret = made.value("secret", "");
  EXPECT_TRUE(lower_hex(access, 32)) << access;
  EXPECT_TRUE(lower_hex(secret, 32)) << secret;
  EXPECT_NE(access, secret);
  EXPECT_EQ(made["user_id"], m.user_id);
  EXPECT_EQ(made["tenant_id"], m.project_id);
  EXPECT_TRUE(made.contains("trust_id") && made["trust_id"].is_null()) << made.dump();
  EXPECT_EQ(made["links"]["self"], cloud->url(ec2_path(m.user_id) + "/" + access));

  auto list = call("GET", ec2_path(m.user_id), m.token);
  ASSERT_EQ(list.status, 200) << list.body;
  ASSERT_EQ(json_of(list)["credentials"].size(), 1u) << list.body;
  EXPECT_EQ(json_of(list)["credentials"][0]["secret"], secret);
  auto one = call("GET", ec2_path(m.user_id) + "/" + access, m.token);
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(json_of(one)["credential"]["secret"], secret);
  expect_keystone_error(call("GET", ec2_path(m.user_id) + "/not-an-access", m.token), 404,
                        "Not Found");

  // The same record under /v3/credentials: its id the access key's SHA-256.
  const std::string id = ec2_credential_id(access);
  auto shown = call("GET", "/v3/credentials/" + id, m.token);
  ASSERT_EQ(shown.status, 200) << shown.body;
  auto c = json_of(shown)["credential"];
  EXPECT_EQ(c["type"], "ec2");
  EXPECT_EQ(c["project_id"], m.project_id);
  auto blob = nlohmann::json::parse(c.value("blob", ""), nullptr, false);
  EXPECT_EQ(blob["access"], access);
  EXPECT_EQ(blob["secret"], secret);

  // An access key is stored once: Keystone's 409.
  expect_keystone_error(
      call("POST", "/v3/credentials", m.token,
           {{"credential",
             {{"user_id", m.user_id},
              {"type", "ec2"},
              {"project_id", m.project_id},
              {"blob", nlohmann::json{{"access", access}, {"secret", "other"}}.dump()}}}}),
      409, "Conflict");
  // One made through /v3/credentials is an EC2 credential too.
  auto own =
      create(m.token, {{"user_id", m.user_id},
                       {"type", "ec2"},
                       {"project_id", m.project_id},
                       {"blob", R"({"access": "my-own-access", "secret": "my-own-secret"})"}});
  EXPECT_EQ(own["id"], ec2_credential_id("my-own-access"));
  auto mine = call("GET", ec2_path(m.user_id) + "/my-own-access", m.token);
  ASSERT_EQ(mine.status, 200) << mine.body;
  EXPECT_EQ(json_of(mine)["credential"]["secret"], "my-own-secret");
  EXPECT_EQ(json_of(call("GET", ec2_path(m.user_id), m.token))["credentials"].size(), 2u);
  // An update gives an ec2 credential a new blob, still one (an access),
  // that keeps the scope of the one it replaces; its id stays (as in
  // Keystone, and OpenStack's API tests change the access so).
  const std::string own_path = "/v3/credentials/" + own.value("id", "");
  for (const char* blob : {"not json", R"({"secret": "s"})"})
    expect_keystone_error(call("PATCH", own_path, m.token, {{"credential", {{"blob", blob}}}}), 400,
                          "Bad Request");
  const std::string other_project = create_project("erin-other");
  auto renewed = call("PATCH", own_path, m.token,
                      {{"credential",
                        {{"blob", R"({"access": "new-access", "secret": "s2"})"},
                         {"project_id", other_project},
                         {"type", "ec2"}}}});
  ASSERT_EQ(renewed.status, 200) << renewed.body;
  auto r = json_of(renewed)["credential"];
  EXPECT_EQ(r["id"], own["id"]);
  EXPECT_EQ(r["project_id"], other_project);
  EXPECT_EQ(nlohmann::json::parse(r.value("blob", ""), nullptr, false)["access"], "new-access");
  // The scope an EC2 credential was made with stays (OS-EC2's has trust_id null).
  auto scoped_path = "/v3/credentials/" + id;
  expect_keystone_error(
      call("PATCH", scoped_path, m.token,
           {{"credential",
             {{"blob",
               nlohmann::json{{"access", access}, {"secret", "x"}, {"trust_id", "t1"}}.dump()}}}}),
      400, "Bad Request");
  EXPECT_EQ(call("PATCH", scoped_path, m.token,
                 {{"credential",
                   {{"blob", nlohmann::json{{"access", access}, {"secret", secret}}.dump()}}}})
                .status,
            200);

  EXPECT_EQ(call("DELETE", ec2_path(m.user_id) + "/" + access, m.token).status, 204);
  expect_keystone_error(call("GET", ec2_path(m.user_id) + "/" + access, m.token), 404, "Not Found");
  expect_keystone_error(call("GET", "/v3/credentials/" + id, m.token), 404, "Not Found");
  // A deleted access key may be stored again.
  create(m.token, {{"user_id", m.user_id},
                   {"type", "ec2"},
                   {"project_id", m.project_id},
                   {"blob", nlohmann::json{{"access", access}, {"secret", "again"}}.dump()}});
  auto again = call("GET", ec2_path(m.user_id) + "/" + access, m.token);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(json_of(again)["credential"]["secret"], "again");
}

TEST_F(Credentials, Ec2RulesAreKeystones) {
  auto m = make_member("frank");
  auto other = make_member("grace");
  const std::string access = create_ec2(m.token, m.user_id, m.project_id).value("access", "");
  expect_keystone_error(call("GET", ec2_path(m.user_id), other.token), 403, "Forbidden");
  expect_keystone_error(
      call("POST", ec2_path(m.user_id), other.token, {{"tenant_id", other.project_id}}), 403,
      "Forbidden");
  // Another's access key, even under one's own user: the credential's owner decides.
  expect_keystone_error(call("GET", ec2_path(other.user_id) + "/" + access, other.token), 403,
                        "Forbidden");
  expect_keystone_error(call("DELETE", ec2_path(other.user_id) + "/" + access, other.token), 403,
                        "Forbidden");
  EXPECT_TRUE(json_of(call("GET", ec2_path(other.user_id), other.token))["credentials"].empty());
  // Keystone's 404s: a project or a user that does not exist.
  expect_keystone_error(call("POST", ec2_path(m.user_id), m.token, {{"tenant_id", "nope"}}), 404,
                        "Not Found");
  expect_keystone_error(as_admin("POST", ec2_path("nobody"), {{"tenant_id", m.project_id}}), 404,
                        "Not Found");
  expect_keystone_error(as_admin("GET", ec2_path("nobody")), 404, "Not Found");
  expect_keystone_error(call("POST", ec2_path(m.user_id), m.token, nlohmann::json::object()), 400,
                        "Bad Request");
  // An admin reads and deletes any.
  EXPECT_EQ(as_admin("GET", ec2_path(m.user_id)).status, 200);
  EXPECT_EQ(as_admin("GET", ec2_path(m.user_id) + "/" + access).status, 200);
  EXPECT_EQ(as_admin("DELETE", ec2_path(m.user_id) + "/" + access).status, 204);
}

TEST_F(Credentials, AUsersAndAProjectsCredentialsGoWithThem) {
  auto m = make_member("heidi");
  const std::string other_project = create_project("heidi-other");
  const std::string on_other =
      ec2_credential_id(create_ec2(m.token, m.user_id, other_project).value("access", ""));
  const std::string on_own =
      ec2_credential_id(create_ec2(m.token, m.user_id, m.project_id).value("access", ""));
  const std::string cert =
      create(m.token, {{"user_id", m.user_id}, {"type", "cert"}, {"blob", "c"}}).value("id", "");
  const std::string bystander_user = create_user("ivan", "ivan-pw");
  const std::string bystander =
      create(admin_token, {{"user_id", bystander_user}, {"type", "cert"}, {"blob", "b"}})
          .value("id", "");

  ASSERT_EQ(as_admin("DELETE", "/v3/projects/" + other_project).status, 204);
  EXPECT_EQ(as_admin("GET", "/v3/credentials/" + on_other).status, 404);
  EXPECT_EQ(as_admin("GET", "/v3/credentials/" + on_own).status, 200);
  EXPECT_EQ(as_admin("GET", "/v3/credentials/" + cert).status, 200);

  ASSERT_EQ(as_admin("DELETE", "/v3/users/" + m.user_id).status, 204);
  for (const auto& id : {on_own, cert})
    EXPECT_EQ(as_admin("GET", "/v3/credentials/" + id).status, 404) << id;
  EXPECT_EQ(listed(admin_token), std::set<std::string>{bystander});

  // The deletes are events: a restart folds them.
  restart();
  admin_token = token_for("admin", kAdminPassword, "admin");
  EXPECT_EQ(listed(admin_token), std::set<std::string>{bystander});
  EXPECT_EQ(as_admin("GET", "/v3/credentials/" + on_own).status, 404);
}

TEST_F(Credentials, BlobsAreSealedAtRestAndSurviveRestarts) {
  auto m = make_member("judy");
  const std::string marker = "plain-blob-text-that-must-not-be-stored-7f3a9c";
  const std::string id =
      create(m.token, {{"user_id", m.user_id}, {"type", "totp"}, {"blob", marker}}).value("id", "");
  auto ec2 = create_ec2(m.token, m.user_id, m.project_id);
  const std::string access = ec2.value("access", "");
  const std::string secret = ec2.value("secret", "");
  ASSERT_EQ(secret.size(), 32u);

  restart();
  const std::string token = token_for(m.user_name, m.password, m.project_name);
  auto shown = call("GET", "/v3/credentials/" + id, token);
  ASSERT_EQ(shown.status, 200) << shown.body;
  EXPECT_EQ(json_of(shown)["credential"]["blob"], marker);
  auto again = call("GET", ec2_path(m.user_id) + "/" + access, token);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(json_of(again)["credential"]["secret"], secret);

  const std::string bytes = events_bytes();
  ASSERT_FALSE(bytes.empty());
  EXPECT_NE(bytes.find("credential.created"), std::string::npos) << "the log was read";
  EXPECT_EQ(bytes.find(marker), std::string::npos) << "the event log has a blob in clear";
  EXPECT_EQ(bytes.find(secret), std::string::npos) << "the event log has an EC2 secret";
  EXPECT_EQ(bytes.find(access), std::string::npos) << "the event log has an EC2 access key";
  for (const std::string& log : {cloud->out(), cloud->err()}) {
    EXPECT_EQ(log.find(marker), std::string::npos) << "the server's log has a blob";
    EXPECT_EQ(log.find(secret), std::string::npos) << "the server's log has an EC2 secret";
  }
  struct stat st {};
  ASSERT_EQ(::stat((dir.path() / "data" / "credential.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 32);
}

// A user deleted while the process stopped before its credentials were:
// the next start deletes them (the log has the user's delete only here).
TEST_F(Credentials, AStartDeletesTheCredentialsARestartCutOff) {
  auto m = make_member("kate");
  const std::string blob = R"({"access": "kate-access", "secret": "s"})";
  create(m.token,
         {{"user_id", m.user_id}, {"type", "ec2"}, {"project_id", m.project_id}, {"blob", blob}});
  ASSERT_EQ(cloud->stop(), 0) << cloud->err();
  {
    event_store store(data_dir::events_db_of(dir.path() / "data"));
    auto r = store.append(append_request{"user/" + m.user_id,
                                         event_store::any_version,
                                         {encode(user_deleted{})},
                                         {"req-cut", "test"}});
    ASSERT_FALSE(r.error) << r.error->message;
  }
  restart();
  admin_token = token_for("admin", kAdminPassword, "admin");
  EXPECT_TRUE(listed(admin_token).empty()) << "a credential without its user is shown to nobody";
  // Its access key is free once its credential.deleted is durable.
  const std::string other = create_user("leo", "leo-pw");
  nlohmann::json body{
      {"credential",
       {{"user_id", other}, {"type", "ec2"}, {"project_id", m.project_id}, {"blob", blob}}}};
  int status = 0;
  for (int i = 0; i < 100 && status != 201; ++i) {
    status = as_admin("POST", "/v3/credentials", body).status;
    if (status != 201) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(status, 201);
  ASSERT_EQ(cloud->stop(), 0) << cloud->err();
  event_store store(data_dir::events_db_of(dir.path() / "data"));
  auto events = store.read_stream("credential/" + ec2_credential_id("kate-access"));
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[1].type, "credential.deleted");
  EXPECT_EQ(events[2].type, "credential.created");
}

}  // namespace
}  // namespace cumulo
