// Nova v2.1 over HTTP on a real `cumulo serve`, everything but servers:
// version discovery and microversion headers, flavors and their extra
// specs, keypairs, limits and quota sets, hypervisors, services and
// availability zones; Nova's error bodies and policies (a member's 403s).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <regex>
#include <string>

#include "tests/support/keystone_client.hpp"
#include "tests/support/seeded_hosts.hpp"

namespace cumulo {
namespace {

const std::string kCompute = "/compute/v2.1";
const std::string kKey =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFXMiatOrtirOZkWl9eB38z6fdt8Nb3nSCNIfhz6jtv0 test@host";

// Asserts Nova's error body: {"<fault>": {"code", "message"}}.
void expect_nova_error(const http_response& r, long status, const std::string& fault,
                       const std::string& message = "") {
  EXPECT_EQ(r.status, status) << r.body;
  auto body = json_of(r);
  ASSERT_TRUE(body.is_object() && body.contains(fault)) << r.body;
  EXPECT_EQ(body[fault].value("code", 0), status) << r.body;
  ASSERT_TRUE(body[fault]["message"].is_string()) << r.body;
  if (!message.empty()) {
    EXPECT_EQ(body[fault]["message"], message) << r.body;
  }
}

bool is_uuid(const nlohmann::json& v) {
  static const std::regex uuid("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$");
  return v.is_string() && std::regex_match(v.get<std::string>(), uuid);
}

class compute_http : public identity_test {
 protected:
  // Two compute hosts on test nodes; compute-1 also holds a launch's claim
  // (seeded before the first start), whose usage the hypervisor views show.
  void SetUp() override {
    seed_hosts(dir.path() / "data", 2, true);
    start();
  }
  std::vector<std::string> extra_args() const override { return {"--hosts", "2"}; }

  http_response nova(const std::string& method, const std::string& path, const std::string& token,
                     const nlohmann::json& body = nullptr, const std::string& version = "") {
    auto h = auth_headers(token);
    if (!version.empty()) h["OpenStack-API-Version"] = "compute " + version;
    return raw(method, kCompute + path, body.is_null() ? "" : body.dump(), h);
  }
  http_response admin_nova(const std::string& method, const std::string& path,
                           const nlohmann::json& body = nullptr, const std::string& version = "") {
    return nova(method, path, admin_token, body, version);
  }
  nlohmann::json flavor_body(const std::string& name) {
    return {{"flavor", {{"name", name}, {"ram", 256}, {"vcpus", 1}, {"disk", 1}, {"id", nullptr}}}};
  }
};

TEST_F(compute_http, VersionDiscovery) {
  auto root = raw("GET", "/compute", "", {});
  ASSERT_EQ(root.status, 200) << root.body;
  auto versions = json_of(root)["versions"];
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_EQ(versions[1]["id"], "v2.1");
  auto v21 = raw("GET", kCompute, "", {});
  ASSERT_EQ(v21.status, 200) << v21.body;
  auto v = json_of(v21)["version"];
  EXPECT_EQ(v["id"], "v2.1");
  EXPECT_EQ(v["status"], "CURRENT");
  EXPECT_EQ(v["version"], "2.88");
  EXPECT_EQ(v["min_version"], "2.1");
}

TEST_F(compute_http, MicroversionsAreNegotiatedAndEchoed) {
  auto plain = admin_nova("GET", "/flavors");
  ASSERT_EQ(plain.status, 200);
  EXPECT_EQ(plain.headers["openstack-api-version"], "compute 2.1");
  EXPECT_EQ(plain.headers["x-openstack-nova-api-version"], "2.1");
  EXPECT_EQ(plain.headers["vary"], "OpenStack-API-Version, X-OpenStack-Nova-API-Version");
  auto new_header = admin_nova("GET", "/flavors", nullptr, "2.61");
  EXPECT_EQ(new_header.headers["openstack-api-version"], "compute 2.61");
  EXPECT_EQ(new_header.headers["x-openstack-nova-api-version"], "2.61");
  auto h = auth_headers(admin_token);
  h["X-OpenStack-Nova-API-Version"] = "2.53";
  auto legacy = raw("GET", kCompute + "/flavors", "", h);
  EXPECT_EQ(legacy.headers["openstack-api-version"], "compute 2.53");
  auto latest = admin_nova("GET", "/flavors", nullptr, "latest");
  EXPECT_EQ(latest.headers["x-openstack-nova-api-version"], "2.88");
  // The headers are echoed on errors too.
  auto missing = admin_nova("GET", "/flavors/nope", nullptr, "2.61");
  expect_nova_error(missing, 404, "itemNotFound", "Flavor nope could not be found.");
  EXPECT_EQ(missing.headers["openstack-api-version"], "compute 2.61");
  expect_nova_error(admin_nova("GET", "/flavors", nullptr, "2.89"), 406, "computeFault",
                    "Version 2.89 is not supported by the API. Minimum is 2.1 and maximum is "
                    "2.88.");
  expect_nova_error(admin_nova("GET", "/flavors", nullptr, "3.0"), 406, "computeFault");
  expect_nova_error(admin_nova("GET", "/flavors", nullptr, "two"), 400, "badRequest",
                    "API Version String two is of invalid format. Must be of format "
                    "MajorNum.MinorNum.");
}

TEST_F(compute_http, DefaultFlavorsAndTheirShapePerMicroversion) {
  auto list = json_of(admin_nova("GET", "/flavors"))["flavors"];
  ASSERT_EQ(list.size(), 5u);
  EXPECT_EQ(list[0]["id"], "1");
  EXPECT_EQ(list[0]["name"], "m1.tiny");
  EXPECT_FALSE(list[0].contains("ram"));
  EXPECT_EQ(list[0]["links"][0]["rel"], "self");
  auto old = json_of(admin_nova("GET", "/flavors/detail"))["flavors"][0];
  EXPECT_EQ(old["ram"], 512);
  EXPECT_EQ(old["vcpus"], 1);
  EXPECT_EQ(old["disk"], 1);
  EXPECT_EQ(old["swap"], "");
  EXPECT_EQ(old["OS-FLV-EXT-DATA:ephemeral"], 0);
  EXPECT_EQ(old["os-flavor-access:is_public"], true);
  EXPECT_EQ(old["OS-FLV-DISABLED:disabled"], false);
  EXPECT_EQ(old["rxtx_factor"], 1.0);
  EXPECT_FALSE(old.contains("description"));
  EXPECT_FALSE(old.contains("extra_specs"));
  auto sdk =
      json_of(admin_nova("GET", "/flavors/detail?is_public=True", nullptr, "2.61"))["flavors"];
  ASSERT_EQ(sdk.size(), 5u);
  EXPECT_TRUE(sdk[4]["description"].is_null());
  EXPECT_EQ(sdk[4]["extra_specs"], nlohmann::json::object());
  EXPECT_EQ(sdk[4]["name"], "m1.xlarge");
  EXPECT_EQ(sdk[4]["ram"], 16384);
  auto new_swap = json_of(admin_nova("GET", "/flavors/2", nullptr, "2.75"))["flavor"];
  EXPECT_EQ(new_swap["swap"], 0);
  EXPECT_EQ(new_swap["name"], "m1.small");
  // A name is not an id (novaclient's lookup relies on the 404).
  expect_nova_error(admin_nova("GET", "/flavors/m1.tiny"), 404, "itemNotFound",
                    "Flavor m1.tiny could not be found.");
}

TEST_F(compute_http, FlavorFiltersAndPages) {
  auto big = json_of(admin_nova("GET", "/flavors/detail?minRam=8192"))["flavors"];
  ASSERT_EQ(big.size(), 2u);
  auto disk = json_of(admin_nova("GET", "/flavors?minDisk=40"))["flavors"];
  EXPECT_EQ(disk.size(), 3u);
  auto page = json_of(admin_nova("GET", "/flavors?limit=2"));
  ASSERT_EQ(page["flavors"].size(), 2u);
  ASSERT_TRUE(page.contains("flavors_links")) << page.dump();
  const std::string next = page["flavors_links"][0]["href"];
  EXPECT_NE(next.find("/compute/v2.1/flavors?limit=2&marker=2"), std::string::npos) << next;
  auto second = json_of(admin_nova("GET", "/flavors?limit=2&marker=2"))["flavors"];
  ASSERT_EQ(second.size(), 2u);
  EXPECT_EQ(second[0]["id"], "3");
  auto last = json_of(admin_nova("GET", "/flavors?limit=2&marker=4"));
  EXPECT_EQ(last["flavors"].size(), 1u);
  EXPECT_FALSE(last.contains("flavors_links"));
  expect_nova_error(admin_nova("GET", "/flavors?marker=zzz"), 400, "badRequest",
                    "marker [zzz] not found");
  expect_nova_error(admin_nova("GET", "/flavors?limit=-1"), 400, "badRequest");
  expect_nova_error(admin_nova("GET", "/flavors?minRam=lots"), 400, "badRequest",
                    "Invalid minRam filter [lots]");
}

TEST_F(compute_http, AdminCreatesAndDeletesFlavors) {
  auto sdk = admin_nova("POST", "/flavors",
                        {{"flavor",
                          {{"name", "f.sdk"},
                           {"ram", 256},
                           {"vcpus", 1},
                           {"disk", 1},
                           {"swap", 0},
                           {"rxtx_factor", 1.0},
                           {"os-flavor-access:is_public", true},
                           {"OS-FLV-EXT-DATA:ephemeral", 0},
                           {"id", nullptr}}}},
                        "2.61");
  ASSERT_EQ(sdk.status, 200) << sdk.body;
  auto f = json_of(sdk)["flavor"];
  EXPECT_TRUE(is_uuid(f["id"])) << f.dump();
  EXPECT_EQ(f["ram"], 256);
  EXPECT_EQ(f["extra_specs"], nlohmann::json::object());

  // tempest's body: an integer id, a string boolean, an integer factor.
  auto tempest = admin_nova("POST", "/flavors",
                            {{"flavor",
                              {{"ram", 512},
                               {"vcpus", 1},
                               {"disk", 10},
                               {"name", "f.tempest"},
                               {"id", 1849748741},
                               {"swap", 1024},
                               {"rxtx_factor", 2},
                               {"OS-FLV-EXT-DATA:ephemeral", 10},
                               {"os-flavor-access:is_public", "True"}}}});
  ASSERT_EQ(tempest.status, 200) << tempest.body;
  auto t = json_of(tempest)["flavor"];
  EXPECT_EQ(t["id"], "1849748741");
  EXPECT_EQ(t["os-flavor-access:is_public"], true);
  EXPECT_EQ(t["rxtx_factor"], 2.0);
  EXPECT_EQ(t["swap"], 1024);
  EXPECT_EQ(t["OS-FLV-EXT-DATA:ephemeral"], 10);

  expect_nova_error(admin_nova("POST", "/flavors", flavor_body("f.sdk")), 409, "conflictingRequest",
                    "Flavor with name f.sdk already exists.");
  auto same_id = flavor_body("other");
  same_id["flavor"]["id"] = "1849748741";
  expect_nova_error(admin_nova("POST", "/flavors", same_id), 409, "conflictingRequest",
                    "Flavor with ID 1849748741 already exists.");
  auto bad = flavor_body("bad");
  bad["flavor"]["ram"] = 0;
  expect_nova_error(admin_nova("POST", "/flavors", bad), 400, "badRequest");
  bad = flavor_body("bad");
  bad["flavor"].erase("vcpus");
  expect_nova_error(admin_nova("POST", "/flavors", bad), 400, "badRequest");
  bad = flavor_body("bad");
  bad["flavor"]["id"] = " spaced";
  expect_nova_error(admin_nova("POST", "/flavors", bad), 400, "badRequest");
  expect_nova_error(raw("POST", kCompute + "/flavors", "{not json", auth_headers(admin_token)), 400,
                    "badRequest");

  // The description: from 2.55, changed by PUT.
  auto described = flavor_body("f.described");
  described["flavor"]["description"] = "for tests";
  expect_nova_error(admin_nova("POST", "/flavors", described), 400, "badRequest");
  auto d = admin_nova("POST", "/flavors", described, "2.55");
  ASSERT_EQ(d.status, 200) << d.body;
  const std::string did = json_of(d)["flavor"]["id"];
  EXPECT_EQ(json_of(d)["flavor"]["description"], "for tests");
  auto put =
      admin_nova("PUT", "/flavors/" + did, {{"flavor", {{"description", "changed"}}}}, "2.55");
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(json_of(put)["flavor"]["description"], "changed");
  expect_nova_error(admin_nova("PUT", "/flavors/" + did, {{"flavor", {{"description", "x"}}}}), 404,
                    "itemNotFound");

  const std::string id = f["id"];
  auto del = admin_nova("DELETE", "/flavors/" + id);
  EXPECT_EQ(del.status, 202) << del.body;
  expect_nova_error(admin_nova("GET", "/flavors/" + id), 404, "itemNotFound");
  expect_nova_error(admin_nova("DELETE", "/flavors/" + id), 404, "itemNotFound");
}

TEST_F(compute_http, AMemberMayReadPublicFlavorsOnly) {
  auto m = make_member("alice");
  auto forbidden = nova("POST", "/flavors", m.token, flavor_body("mine"));
  expect_nova_error(forbidden, 403, "forbidden",
                    "Policy doesn't allow os_compute_api:os-flavor-manage:create to be performed.");
  expect_nova_error(nova("DELETE", "/flavors/1", m.token), 403, "forbidden",
                    "Policy doesn't allow os_compute_api:os-flavor-manage:delete to be performed.");
  auto priv = flavor_body("private");
  priv["flavor"]["os-flavor-access:is_public"] = false;
  priv["flavor"]["id"] = "priv-1";
  ASSERT_EQ(admin_nova("POST", "/flavors", priv).status, 200);
  // The member sees the public ones only, whatever it asks.
  EXPECT_EQ(json_of(nova("GET", "/flavors?is_public=None", m.token))["flavors"].size(), 5u);
  expect_nova_error(nova("GET", "/flavors/priv-1", m.token), 404, "itemNotFound");
  // The admin chooses.
  EXPECT_EQ(json_of(admin_nova("GET", "/flavors"))["flavors"].size(), 5u);
  auto only_private = json_of(admin_nova("GET", "/flavors?is_public=false"))["flavors"];
  ASSERT_EQ(only_private.size(), 1u);
  EXPECT_EQ(only_private[0]["id"], "priv-1");
  EXPECT_EQ(json_of(admin_nova("GET", "/flavors?is_public=None"))["flavors"].size(), 6u);
  EXPECT_EQ(nova("GET", "/flavors/1", m.token).status, 200);
  expect_nova_error(nova("GET", "/flavors", ""), 401, "unauthorized");
}

TEST_F(compute_http, ExtraSpecs) {
  const std::string specs = "/flavors/1/os-extra_specs";
  EXPECT_EQ(json_of(admin_nova("GET", specs)),
            (nlohmann::json{{"extra_specs", nlohmann::json::object()}}));
  auto set = admin_nova("POST", specs, {{"extra_specs", {{"hw:cpu_policy", "shared"}, {"n", 2}}}});
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(json_of(set)["extra_specs"]["n"], "2");
  auto all = json_of(admin_nova("GET", specs))["extra_specs"];
  EXPECT_EQ(all, (nlohmann::json{{"hw:cpu_policy", "shared"}, {"n", "2"}}));
  EXPECT_EQ(json_of(admin_nova("GET", specs + "/n")), (nlohmann::json{{"n", "2"}}));
  auto put = admin_nova("PUT", specs + "/n", {{"n", "3"}});
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(json_of(put), (nlohmann::json{{"n", "3"}}));
  expect_nova_error(admin_nova("PUT", specs + "/n", {{"m", "3"}}), 400, "badRequest",
                    "Request body and URI mismatch");
  EXPECT_EQ(admin_nova("DELETE", specs + "/n").status, 202);
  expect_nova_error(admin_nova("GET", specs + "/n"), 404, "itemNotFound",
                    "Flavor 1 has no extra specs with key n.");
  expect_nova_error(admin_nova("DELETE", specs + "/n"), 404, "itemNotFound");
  expect_nova_error(admin_nova("GET", "/flavors/none/os-extra_specs"), 404, "itemNotFound");
  // At 2.61 the flavor carries them.
  EXPECT_EQ(json_of(admin_nova("GET", "/flavors/1", nullptr, "2.61"))["flavor"]["extra_specs"],
            (nlohmann::json{{"hw:cpu_policy", "shared"}}));
  auto m = make_member("bob");
  EXPECT_EQ(nova("GET", specs, m.token).status, 200);
  expect_nova_error(nova("POST", specs, m.token, {{"extra_specs", {{"a", "b"}}}}), 403, "forbidden",
                    "Policy doesn't allow os_compute_api:os-flavor-extra-specs:create to be "
                    "performed.");
}

TEST_F(compute_http, Keypairs) {
  // Made by Nova (the SDK's 2.10): 201 and the private key, once.
  auto made = admin_nova("POST", "/os-keypairs", {{"keypair", {{"name", "made"}}}}, "2.10");
  ASSERT_EQ(made.status, 201) << made.body;
  auto k = json_of(made)["keypair"];
  EXPECT_EQ(k["type"], "ssh");
  EXPECT_NE(k.value("private_key", "").find("BEGIN OPENSSH PRIVATE KEY"), std::string::npos);
  EXPECT_EQ(k["public_key"].get<std::string>().rfind("ssh-ed25519 ", 0), 0u);
  EXPECT_FALSE(k["user_id"].get<std::string>().empty());
  // Imported (novaclient's 2.1): 200, no private key.
  auto imported =
      admin_nova("POST", "/os-keypairs", {{"keypair", {{"name", "my key"}, {"public_key", kKey}}}});
  ASSERT_EQ(imported.status, 200) << imported.body;
  auto i = json_of(imported)["keypair"];
  EXPECT_EQ(i["fingerprint"], "4c:e5:d3:45:61:93:cc:d9:8c:aa:ac:bc:bd:5e:81:4f");
  EXPECT_FALSE(i.contains("private_key"));
  EXPECT_FALSE(i.contains("type"));  // 2.2

  auto list = json_of(admin_nova("GET", "/os-keypairs", nullptr, "2.10"))["keypairs"];
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]["keypair"]["name"], "made");
  EXPECT_EQ(list[1]["keypair"]["type"], "ssh");
  auto shown = admin_nova("GET", "/os-keypairs/my%20key", nullptr, "2.10");
  ASSERT_EQ(shown.status, 200) << shown.body;
  auto s = json_of(shown)["keypair"];
  EXPECT_EQ(s["name"], "my key");
  EXPECT_EQ(s["public_key"], kKey);
  EXPECT_TRUE(s["id"].is_number_integer());
  EXPECT_EQ(s["deleted"], false);
  EXPECT_TRUE(s["created_at"].is_string());

  expect_nova_error(admin_nova("POST", "/os-keypairs", {{"keypair", {{"name", "made"}}}}), 409,
                    "conflictingRequest", "Key pair 'made' already exists.");
  expect_nova_error(
      admin_nova("POST", "/os-keypairs", {{"keypair", {{"name", "junk"}, {"public_key", "junk"}}}}),
      400, "badRequest", "Keypair data is invalid: failed to generate fingerprint");
  expect_nova_error(admin_nova("POST", "/os-keypairs", {{"keypair", {{"name", "a/b"}}}}), 400,
                    "badRequest");
  expect_nova_error(
      admin_nova("POST", "/os-keypairs", {{"keypair", {{"name", "t"}, {"type", "ssh"}}}}), 400,
      "badRequest");  // type needs 2.2

  // Keypairs are their user's: another user sees none and gets 404.
  auto m = make_member("carol");
  EXPECT_EQ(json_of(nova("GET", "/os-keypairs", m.token))["keypairs"].size(), 0u);
  auto admin_user =
      json_of(admin_nova("GET", "/os-keypairs/made", nullptr, "2.10"))["keypair"]["user_id"];
  expect_nova_error(nova("GET", "/os-keypairs/made", m.token), 404, "itemNotFound",
                    "Keypair made not found for user " + m.user_id);
  expect_nova_error(nova("GET", "/os-keypairs/made?user_id=" + admin_user.get<std::string>(),
                         m.token, nullptr, "2.10"),
                    403, "forbidden");
  // An admin names the user (2.10).
  EXPECT_EQ(nova("POST", "/os-keypairs", m.token, {{"keypair", {{"name", "made"}}}}).status, 200);
  EXPECT_EQ(admin_nova("GET", "/os-keypairs/made?user_id=" + m.user_id, nullptr, "2.10").status,
            200);

  EXPECT_EQ(admin_nova("DELETE", "/os-keypairs/made", nullptr, "2.10").status, 204);
  EXPECT_EQ(admin_nova("DELETE", "/os-keypairs/my%20key").status, 202);
  expect_nova_error(admin_nova("DELETE", "/os-keypairs/made"), 404, "itemNotFound");

  // The key_pairs quota.
  ASSERT_EQ(admin_nova("PUT", "/os-quota-sets/" + m.project_id, {{"quota_set", {{"key_pairs", 1}}}})
                .status,
            200);
  expect_nova_error(nova("POST", "/os-keypairs", m.token, {{"keypair", {{"name", "second"}}}}), 403,
                    "forbidden", "Quota exceeded, too many key pairs.");
}

TEST_F(compute_http, LimitsAndQuotaSets) {
  auto m = make_member("dave");
  auto limits = nova("GET", "/limits", m.token);
  ASSERT_EQ(limits.status, 200) << limits.body;
  auto a = json_of(limits)["limits"]["absolute"];
  EXPECT_EQ(a["maxTotalInstances"], 10);
  EXPECT_EQ(a["maxTotalCores"], 20);
  EXPECT_EQ(a["maxTotalRAMSize"], 51200);
  EXPECT_EQ(a["maxTotalKeypairs"], 100);
  EXPECT_EQ(a["totalInstancesUsed"], 0);
  EXPECT_EQ(a["totalCoresUsed"], 0);
  EXPECT_EQ(a["totalRAMUsed"], 0);
  EXPECT_EQ(a["maxPersonality"], 5);
  EXPECT_EQ(a["maxSecurityGroups"], 10);
  EXPECT_EQ(json_of(limits)["limits"]["rate"], nlohmann::json::array());
  auto new_limits = json_of(nova("GET", "/limits", m.token, nullptr, "2.57"))["limits"]["absolute"];
  EXPECT_FALSE(new_limits.contains("maxPersonality"));
  EXPECT_FALSE(new_limits.contains("maxSecurityGroups"));
  EXPECT_FALSE(new_limits.contains("maxImageMeta"));
  EXPECT_EQ(new_limits["maxServerMeta"], 128);

  auto own = nova("GET", "/os-quota-sets/" + m.project_id, m.token);
  ASSERT_EQ(own.status, 200) << own.body;
  auto q = json_of(own)["quota_set"];
  EXPECT_EQ(q["id"], m.project_id);
  EXPECT_EQ(q["instances"], 10);
  EXPECT_EQ(q["metadata_items"], 128);
  EXPECT_EQ(q["injected_files"], 5);
  EXPECT_EQ(q["fixed_ips"], -1);
  auto at57 =
      json_of(nova("GET", "/os-quota-sets/" + m.project_id, m.token, nullptr, "2.57"))["quota_set"];
  EXPECT_FALSE(at57.contains("injected_files"));
  EXPECT_FALSE(at57.contains("floating_ips"));
  auto other = create_project("elsewhere");
  expect_nova_error(nova("GET", "/os-quota-sets/" + other, m.token), 403, "forbidden",
                    "Policy doesn't allow os_compute_api:os-quota-sets:show to be performed.");
  EXPECT_EQ(
      json_of(nova("GET", "/os-quota-sets/" + other + "/defaults", m.token))["quota_set"]["cores"],
      20);

  expect_nova_error(
      nova("PUT", "/os-quota-sets/" + m.project_id, m.token, {{"quota_set", {{"instances", 50}}}}),
      403, "forbidden",
      "Policy doesn't allow os_compute_api:os-quota-sets:update to be performed.");
  auto put = admin_nova("PUT", "/os-quota-sets/" + m.project_id,
                        {{"quota_set", {{"instances", 3}, {"cores", "-1"}, {"ram", 1024}}}});
  ASSERT_EQ(put.status, 200) << put.body;
  auto updated = json_of(put)["quota_set"];
  EXPECT_EQ(updated["instances"], 3);
  EXPECT_EQ(updated["cores"], -1);
  EXPECT_FALSE(updated.contains("id"));
  EXPECT_EQ(json_of(nova("GET", "/limits", m.token))["limits"]["absolute"]["maxTotalInstances"], 3);
  // An admin reads another project's limits with tenant_id; a member cannot.
  EXPECT_EQ(json_of(admin_nova("GET", "/limits?tenant_id=" +
                                          m.project_id))["limits"]["absolute"]["maxTotalRAMSize"],
            1024);
  EXPECT_EQ(json_of(nova("GET", "/limits?tenant_id=" + other,
                         m.token))["limits"]["absolute"]["maxTotalRAMSize"],
            1024);
  auto detail =
      json_of(nova("GET", "/os-quota-sets/" + m.project_id + "/detail", m.token))["quota_set"];
  EXPECT_EQ(detail["instances"], (nlohmann::json{{"limit", 3}, {"in_use", 0}, {"reserved", 0}}));
  expect_nova_error(
      admin_nova("PUT", "/os-quota-sets/" + m.project_id, {{"quota_set", {{"bogus", 1}}}}), 400,
      "badRequest");
  expect_nova_error(
      admin_nova("PUT", "/os-quota-sets/" + m.project_id, {{"quota_set", {{"instances", -5}}}}),
      400, "badRequest");
  EXPECT_EQ(admin_nova("DELETE", "/os-quota-sets/" + m.project_id).status, 202);
  EXPECT_EQ(
      json_of(nova("GET", "/os-quota-sets/" + m.project_id, m.token))["quota_set"]["instances"],
      10);

  // Quotas and flavors survive a restart.
  ASSERT_EQ(
      admin_nova("PUT", "/os-quota-sets/" + m.project_id, {{"quota_set", {{"cores", 4}}}}).status,
      200);
  restart();
  admin_token = token_for("admin", kAdminPassword, "admin");
  EXPECT_EQ(json_of(admin_nova("GET", "/os-quota-sets/" + m.project_id))["quota_set"]["cores"], 4);
  EXPECT_EQ(json_of(admin_nova("GET", "/flavors"))["flavors"].size(), 5u);
}

TEST_F(compute_http, Hypervisors) {
  auto list = admin_nova("GET", "/os-hypervisors/detail");
  ASSERT_EQ(list.status, 200) << list.body;
  auto hs = json_of(list)["hypervisors"];
  ASSERT_EQ(hs.size(), 2u);
  EXPECT_EQ(hs[0]["id"], 1);
  EXPECT_EQ(hs[0]["hypervisor_hostname"], "compute-1");
  // What the compute host reports when it registers at start.
  EXPECT_EQ(hs[0]["hypervisor_type"], "test");
  EXPECT_EQ(hs[0]["host_ip"], "127.0.0.1");
  EXPECT_EQ(hs[0]["state"], "up");
  EXPECT_EQ(hs[0]["status"], "enabled");
  EXPECT_EQ(hs[0]["vcpus"], 8);
  EXPECT_EQ(hs[0]["memory_mb"], 16384);
  EXPECT_EQ(hs[0]["vcpus_used"], 2);  // the claim of a launch
  EXPECT_EQ(hs[0]["memory_mb_used"], 2048);
  EXPECT_EQ(hs[0]["local_gb_used"], 20);
  EXPECT_EQ(hs[0]["free_ram_mb"], 16384 - 2048);
  // running_vms is libvirt's count of domains: the seeded claim has none.
  EXPECT_EQ(hs[0]["running_vms"], 0);
  EXPECT_EQ(hs[1]["running_vms"], 0);
  EXPECT_TRUE(hs[0]["cpu_info"].is_string());
  EXPECT_EQ(hs[0]["service"]["host"], "compute-1");
  auto brief = json_of(admin_nova("GET", "/os-hypervisors"))["hypervisors"][1];
  EXPECT_EQ(brief, (nlohmann::json{{"id", 2},
                                   {"hypervisor_hostname", "compute-2"},
                                   {"state", "up"},
                                   {"status", "enabled"}}));
  auto one = admin_nova("GET", "/os-hypervisors/2");
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(json_of(one)["hypervisor"]["hypervisor_hostname"], "compute-2");
  expect_nova_error(admin_nova("GET", "/os-hypervisors/compute-2"), 404, "itemNotFound");
  auto uptime = json_of(admin_nova("GET", "/os-hypervisors/1/uptime"))["hypervisor"];
  EXPECT_NE(uptime["uptime"].get<std::string>().find(" up "), std::string::npos);
  auto stats = json_of(admin_nova("GET", "/os-hypervisors/statistics"))["hypervisor_statistics"];
  EXPECT_EQ(stats["count"], 2);
  EXPECT_EQ(stats["vcpus"], 16);
  EXPECT_EQ(stats["memory_mb"], 32768);
  EXPECT_EQ(stats["local_gb"], 400);
  EXPECT_EQ(stats["running_vms"], 0);  // libvirt's domains, not the claims
  EXPECT_EQ(stats["vcpus_used"], 2);
  auto search = json_of(admin_nova("GET", "/os-hypervisors/compute-1/servers"))["hypervisors"];
  ASSERT_EQ(search.size(), 1u);
  EXPECT_EQ(search[0]["servers"], (nlohmann::json{{{"uuid", kClaimedInstance}, {"name", ""}}}));
  expect_nova_error(admin_nova("GET", "/os-hypervisors/nomatch/search"), 404, "itemNotFound");
  EXPECT_EQ(json_of(admin_nova("GET", "/os-aggregates"))["aggregates"], nlohmann::json::array());

  // 2.53: UUIDs; 2.88: no usage, uptime in the object, no statistics.
  auto uuid_list = json_of(admin_nova("GET", "/os-hypervisors/detail?with_servers=true", nullptr,
                                      "2.53"))["hypervisors"];
  ASSERT_EQ(uuid_list.size(), 2u);
  ASSERT_TRUE(is_uuid(uuid_list[0]["id"])) << uuid_list[0].dump();
  EXPECT_TRUE(uuid_list[0]["cpu_info"].is_object());
  EXPECT_EQ(uuid_list[0]["servers"][0]["uuid"], kClaimedInstance);
  EXPECT_EQ(uuid_list[1]["servers"], nlohmann::json::array());
  const std::string hid = uuid_list[0]["id"];
  auto sdk = admin_nova("GET", "/os-hypervisors/" + hid, nullptr, "2.88");
  ASSERT_EQ(sdk.status, 200) << sdk.body;
  auto h88 = json_of(sdk)["hypervisor"];
  EXPECT_EQ(h88["id"], hid);
  EXPECT_FALSE(h88.contains("vcpus"));
  EXPECT_TRUE(h88["uptime"].is_string());
  expect_nova_error(admin_nova("GET", "/os-hypervisors/statistics", nullptr, "2.88"), 404,
                    "itemNotFound");
  // Stable across restarts.
  restart();
  admin_token = token_for("admin", kAdminPassword, "admin");
  EXPECT_EQ(json_of(admin_nova("GET", "/os-hypervisors", nullptr, "2.53"))["hypervisors"][0]["id"],
            hid);

  // A member: 403 before any lookup, in Nova's words.
  auto m = make_member("erin");
  expect_nova_error(nova("GET", "/os-hypervisors", m.token), 403, "forbidden",
                    "Policy doesn't allow os_compute_api:os-hypervisors:list to be performed.");
  expect_nova_error(nova("GET", "/os-hypervisors/detail", m.token), 403, "forbidden",
                    "Policy doesn't allow os_compute_api:os-hypervisors:list-detail to be "
                    "performed.");
  expect_nova_error(nova("GET", "/os-hypervisors/999", m.token), 403, "forbidden",
                    "Policy doesn't allow os_compute_api:os-hypervisors:show to be performed.");
  expect_nova_error(nova("GET", "/os-hypervisors/statistics", m.token), 403, "forbidden");
}

TEST_F(compute_http, ServicesAndAvailabilityZones) {
  auto old = json_of(admin_nova("GET", "/os-services"))["services"];
  ASSERT_EQ(old.size(), 4u);
  EXPECT_EQ(old[0]["binary"], "nova-scheduler");
  EXPECT_EQ(old[0]["zone"], "internal");
  EXPECT_EQ(old[1]["binary"], "nova-conductor");
  EXPECT_EQ(old[2]["binary"], "nova-compute");
  EXPECT_EQ(old[2]["host"], "compute-1");
  EXPECT_EQ(old[2]["zone"], "nova");
  EXPECT_EQ(old[2]["id"], 3);
  EXPECT_EQ(old[2]["state"], "up");
  EXPECT_EQ(old[2]["status"], "enabled");
  EXPECT_EQ(json_of(admin_nova("GET", "/os-services?binary=nova-compute"))["services"].size(), 2u);

  // Below 2.53: the action form.
  auto off =
      admin_nova("PUT", "/os-services/disable-log-reason",
                 {{"host", "compute-1"}, {"binary", "nova-compute"}, {"disabled_reason", "fan"}});
  ASSERT_EQ(off.status, 200) << off.body;
  EXPECT_EQ(json_of(off)["service"]["status"], "disabled");
  EXPECT_EQ(json_of(off)["service"]["disabled_reason"], "fan");
  EXPECT_EQ(json_of(admin_nova("GET", "/os-hypervisors/1"))["hypervisor"]["status"], "disabled");
  auto on =
      admin_nova("PUT", "/os-services/enable", {{"host", "compute-1"}, {"binary", "nova-compute"}});
  ASSERT_EQ(on.status, 200) << on.body;
  EXPECT_EQ(json_of(on)["service"]["status"], "enabled");
  expect_nova_error(
      admin_nova("PUT", "/os-services/disable", {{"host", "nohost"}, {"binary", "nova-compute"}}),
      404, "itemNotFound");

  // 2.53: by UUID.
  auto services = json_of(admin_nova("GET", "/os-services", nullptr, "2.53"))["services"];
  ASSERT_TRUE(is_uuid(services[3]["id"]));
  EXPECT_EQ(services[3]["forced_down"], false);
  const std::string sid = services[3]["id"];
  auto disabled = admin_nova("PUT", "/os-services/" + sid,
                             {{"status", "disabled"}, {"disabled_reason", "maintenance"}}, "2.53");
  ASSERT_EQ(disabled.status, 200) << disabled.body;
  auto sv = json_of(disabled)["service"];
  EXPECT_EQ(sv["status"], "disabled");
  EXPECT_EQ(sv["disabled_reason"], "maintenance");
  EXPECT_EQ(sv["host"], "compute-2");
  expect_nova_error(admin_nova("PUT", "/os-services/" + sid,
                               {{"status", "enabled"}, {"disabled_reason", "x"}}, "2.53"),
                    400, "badRequest");
  expect_nova_error(admin_nova("PUT", "/os-services/" + services[0]["id"].get<std::string>(),
                               {{"status", "disabled"}}, "2.53"),
                    400, "badRequest",
                    "Updating a nova-scheduler service is not supported. Only nova-compute "
                    "services can be updated.");
  expect_nova_error(admin_nova("PUT", "/os-services/00000000-0000-0000-0000-000000000000",
                               {{"status", "disabled"}}, "2.53"),
                    404, "itemNotFound");
  // From 2.53 the action form is gone: its body is refused, and so is the id.
  expect_nova_error(admin_nova("PUT", "/os-services/disable",
                               {{"host", "compute-1"}, {"binary", "nova-compute"}}, "2.53"),
                    400, "badRequest");
  expect_nova_error(admin_nova("PUT", "/os-services/disable", {{"status", "disabled"}}, "2.53"),
                    400, "badRequest", "Invalid uuid disable");

  auto m = make_member("frank");
  expect_nova_error(nova("GET", "/os-services", m.token), 403, "forbidden",
                    "Policy doesn't allow os_compute_api:os-services:list to be performed.");
  auto zones = nova("GET", "/os-availability-zone", m.token);
  ASSERT_EQ(zones.status, 200) << zones.body;
  auto z = json_of(zones)["availabilityZoneInfo"];
  ASSERT_EQ(z.size(), 1u);
  EXPECT_EQ(z[0]["zoneName"], "nova");
  EXPECT_EQ(z[0]["zoneState"]["available"], true);
  EXPECT_TRUE(z[0]["hosts"].is_null());
  expect_nova_error(nova("GET", "/os-availability-zone/detail", m.token), 403, "forbidden");
  auto detail = json_of(admin_nova("GET", "/os-availability-zone/detail"))["availabilityZoneInfo"];
  ASSERT_EQ(detail.size(), 2u);
  EXPECT_EQ(detail[0]["zoneName"], "internal");
  EXPECT_TRUE(detail[1]["hosts"].contains("compute-1"));
  EXPECT_TRUE(detail[1]["hosts"]["compute-1"].contains("nova-compute"));
}

}  // namespace
}  // namespace cumulo
