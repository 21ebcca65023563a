// Nova's servers API over HTTP on a real `cumulo serve`: create (one or
// several, every networks form), list with filters and paging, show by
// microversion, rename, delete, the power actions and their 409s, the
// console, instance actions, member isolation, and concurrent launches on
// small hosts that must never overcommit.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <thread>

#include "tests/support/compute_servers_support.hpp"

namespace cumulo {
namespace {

using nlohmann::json;

class ComputeServers : public servers_test {
 protected:
  std::vector<seeded_image> images() const override {
    return {{"cirros", "nobody", "public", true},
            {"someone-elses", "another-project", "private", true},
            {"still-queued", "nobody", "public", false}};
  }
};

TEST_F(ComputeServers, LaunchShowRenameDelete) {
  auto m = make_member("alice");
  const auto net = make_network(m.token, "private");
  auto r = compute("POST", "/servers", m.token, boot_body("web", net));
  ASSERT_EQ(r.status, 202) << r.body;
  auto created = json_of(r)["server"];
  const std::string id = created.value("id", "");
  ASSERT_EQ(id.size(), 36u) << r.body;
  EXPECT_EQ(created["OS-DCF:diskConfig"], "MANUAL");
  EXPECT_EQ(created["security_groups"], json::parse(R"([{"name": "default"}])"));
  EXPECT_GE(created.value("adminPass", "").size(), 8u);
  EXPECT_EQ(created["links"][0]["rel"], "self");
  EXPECT_NE(created["links"][0].value("href", "").find("/compute/v2.1/servers/" + id),
            std::string::npos);
  EXPECT_NE(r.headers["location"].find("/compute/v2.1/servers/" + id), std::string::npos);
  EXPECT_EQ(r.headers["openstack-api-version"], "compute 2.1");
  EXPECT_EQ(r.headers["vary"], "OpenStack-API-Version, X-OpenStack-Nova-API-Version");

  const auto s = settle(m.token, id);
  ASSERT_EQ(s.value("status", ""), "ACTIVE") << s.dump();
  EXPECT_EQ(s["OS-EXT-STS:vm_state"], "active");
  EXPECT_EQ(s["OS-EXT-STS:power_state"], 1);
  EXPECT_TRUE(s["OS-EXT-STS:task_state"].is_null());
  EXPECT_EQ(s["tenant_id"], m.project_id);
  EXPECT_EQ(s["user_id"], m.user_id);
  EXPECT_EQ(s["flavor"]["id"], "1");
  EXPECT_EQ(s["image"]["id"], "cirros");
  EXPECT_EQ(s["OS-EXT-AZ:availability_zone"], "nova");
  EXPECT_TRUE(s["key_name"].is_null());
  EXPECT_EQ(s["progress"], 100);
  EXPECT_TRUE(std::regex_match(s.value("hostId", ""), std::regex("[0-9a-f]{56}"))) << s.dump();
  EXPECT_TRUE(s["OS-SRV-USG:launched_at"].is_string());
  EXPECT_TRUE(s["OS-SRV-USG:terminated_at"].is_null());
  ASSERT_EQ(s["addresses"]["private"].size(), 1u) << s.dump();
  const auto& a = s["addresses"]["private"][0];
  EXPECT_EQ(a["version"], 4);
  EXPECT_EQ(a["OS-EXT-IPS:type"], "fixed");
  EXPECT_EQ(a.value("addr", "").rfind("10.0.0.", 0), 0u);
  EXPECT_EQ(a.value("OS-EXT-IPS-MAC:mac_addr", "").rfind("fa:16:3e:", 0), 0u);
  EXPECT_FALSE(s.contains("OS-EXT-SRV-ATTR:host")) << "admin only";
  EXPECT_FALSE(s.contains("locked")) << "2.9 and above only";
  EXPECT_FALSE(s.contains("fault"));

  // An admin sees where it runs.
  auto as_adm = json_of(compute("GET", "/servers/" + id, admin_token))["server"];
  EXPECT_EQ(as_adm["OS-EXT-SRV-ATTR:host"], "compute-1");
  EXPECT_EQ(as_adm["OS-EXT-SRV-ATTR:hypervisor_hostname"].is_string(), true);
  EXPECT_EQ(as_adm.value("OS-EXT-SRV-ATTR:instance_name", "").rfind("instance-", 0), 0u);

  // Microversions: the embedded flavor at 2.47, every key up to 2.73 (and
  // "latest", 2.88, answers with 2.73's body).
  auto v47 = compute("GET", "/servers/" + id, m.token, nullptr, "2.47");
  ASSERT_EQ(v47.status, 200);
  EXPECT_EQ(v47.headers["openstack-api-version"], "compute 2.47");
  EXPECT_EQ(v47.headers["x-openstack-nova-api-version"], "2.47");
  auto f = json_of(v47)["server"]["flavor"];
  EXPECT_EQ(f, json::parse(R"({"original_name": "m1.tiny", "vcpus": 1, "ram": 512, "disk": 1,
                               "ephemeral": 0, "swap": 0, "extra_specs": {}})"));
  auto latest = compute("GET", "/servers/" + id, m.token, nullptr, "latest");
  EXPECT_EQ(latest.headers["openstack-api-version"], "compute 2.88");
  auto l = json_of(latest)["server"];
  for (const char* key : {"locked", "description", "tags", "trusted_image_certificates",
                          "server_groups", "locked_reason"})
    EXPECT_TRUE(l.contains(key)) << key;
  auto legacy = call("GET", "/compute/v2.1/servers/" + id, m.token, nullptr,
                     {{"X-OpenStack-Nova-API-Version", "2.9"}});
  EXPECT_EQ(legacy.headers["x-openstack-nova-api-version"], "2.9");
  EXPECT_EQ(json_of(legacy)["server"]["locked"], false);
  expect_nova_error(
      compute("GET", "/servers/" + id, m.token, nullptr, "2.99"), 406,
      "Version 2.99 is not supported by the API. Minimum is 2.1 and maximum is 2.88.");
  expect_nova_error(compute("GET", "/servers/" + id, m.token, nullptr, "two"), 400,
                    "API Version String two is of invalid format. Must be of format "
                    "MajorNum.MinorNum.");

  // Rename.
  auto put = compute("PUT", "/servers/" + id, m.token, {{"server", {{"name", "www"}}}});
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(json_of(put)["server"]["name"], "www");
  EXPECT_EQ(compute("PUT", "/servers/" + id, m.token, {{"server", {{"color", "red"}}}}).status,
            400);

  // Lookups by name go through ?name= after a 404, as novaclient does.
  expect_nova_error(compute("GET", "/servers/www", m.token), 404,
                    "Instance www could not be found.");
  auto by_name = json_of(compute("GET", "/servers?name=www", m.token))["servers"];
  ASSERT_EQ(by_name.size(), 1u);
  EXPECT_EQ(by_name[0]["id"], id);
  EXPECT_EQ(by_name[0].size(), 3u) << "the summary: id, name, links";

  ASSERT_EQ(compute("DELETE", "/servers/" + id, m.token).status, 204);
  const auto gone = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  int status = 200;
  while (status != 404 && std::chrono::steady_clock::now() < gone) {
    status = compute("GET", "/servers/" + id, m.token).status;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  expect_nova_error(compute("GET", "/servers/" + id, m.token), 404,
                    "Instance " + id + " could not be found.");
  expect_nova_error(compute("DELETE", "/servers/" + id, m.token), 404,
                    "Instance " + id + " could not be found.");
}

TEST_F(ComputeServers, LaunchesOverTheQuotaAreNovas403) {
  auto m = make_member("quinn");
  ASSERT_EQ(compute("PUT", "/os-quota-sets/" + m.project_id, admin_token,
                    {{"quota_set", {{"instances", 2}}}})
                .status,
            200);
  const std::string first = boot(m.token, "q-1", "");
  ASSERT_FALSE(first.empty());
  // Two asked, one left: Nova starts what fits when min_count allows it.
  auto two = compute("POST", "/servers", m.token,
                     {{"server",
                       {{"name", "q-2"},
                        {"imageRef", "cirros"},
                        {"flavorRef", "1"},
                        {"min_count", 1},
                        {"max_count", 2}}}});
  EXPECT_EQ(two.status, 202) << two.body;
  expect_nova_error(compute("POST", "/servers", m.token, boot_body("q-3", "")), 403,
                    "Quota exceeded for instances: Requested 1, but already used 2 of 2 "
                    "instances");
  // A delete gives the quota back.
  EXPECT_EQ(compute("DELETE", "/servers/" + first, m.token).status, 204);
  EXPECT_EQ(compute("POST", "/servers", m.token, boot_body("q-4", "")).status, 202);
  auto limits = json_of(compute("GET", "/limits", m.token))["limits"]["absolute"];
  EXPECT_EQ(limits.value("totalInstancesUsed", 0), 2) << limits.dump();
}

TEST_F(ComputeServers, AKeyNameMustBeOneOfTheCallersKeypairs) {
  auto m = make_member("kira");
  auto body = boot_body("k-1", "");
  body["server"]["key_name"] = "nope";
  expect_nova_error(compute("POST", "/servers", m.token, body), 400, "Invalid key_name provided.");
  ASSERT_EQ(compute("POST", "/os-keypairs", m.token, {{"keypair", {{"name", "mine"}}}}).status,
            200);
  body["server"]["key_name"] = "mine";
  auto created = compute("POST", "/servers", m.token, body);
  ASSERT_EQ(created.status, 202) << created.body;
  const std::string id = json_of(created)["server"].value("id", "");
  EXPECT_EQ(json_of(compute("GET", "/servers/" + id, m.token))["server"].value("key_name", ""),
            "mine");
  // Another user's key pair of the same name is not the caller's.
  auto other = make_member("lars");
  expect_nova_error(compute("POST", "/servers", other.token, body), 400,
                    "Invalid key_name provided.");
}

TEST_F(ComputeServers, BadLaunchesAre4xxAndLeaveNothing) {
  auto m = make_member("bob");
  const auto net = make_network(m.token, "net");
  auto post = [&](json body, const std::string& version = "") {
    return compute("POST", "/servers", m.token, body, version);
  };
  expect_nova_error(post(boot_body("x", net, "99")), 400, "Flavor 99 could not be found.");
  auto b = boot_body("x", net);
  b["server"]["imageRef"] = "nope";
  expect_nova_error(post(b), 400, "Image nope could not be found.");
  b["server"]["imageRef"] = "someone-elses";
  expect_nova_error(post(b), 400, "Image someone-elses could not be found.");
  b["server"]["imageRef"] = "still-queued";
  expect_nova_error(post(b), 400, "Image still-queued is not active.");
  b["server"].erase("imageRef");
  expect_nova_error(post(b), 400, "Missing imageRef attribute");
  expect_nova_error(post(boot_body("x", "no-such-net")), 400,
                    "Network no-such-net could not be found.");
  b = boot_body("x", net);
  b["server"]["networks"][0]["fixed_ip"] = "10.0.0.300";
  expect_nova_error(post(b), 400, "Invalid fixed IP address (10.0.0.300)");
  b = boot_body("x", net);
  b["server"]["user_data"] = "not base64!";
  expect_nova_error(post(b), 400, "User data needs to be valid base 64.");
  b = boot_body("x", net);
  b["server"]["availability_zone"] = "mars";
  expect_nova_error(post(b), 400, "The requested availability zone is not available");
  b = boot_body("x", net);
  b["server"]["security_groups"] = json::array({{{"name", "web"}}});
  expect_nova_error(post(b), 400, "Security group web not found for project " + m.project_id + ".");
  b = boot_body("x", net);
  b["server"]["min_count"] = 3;
  b["server"]["max_count"] = 2;
  expect_nova_error(post(b), 400, "min_count must be <= max_count");
  b["server"]["min_count"] = 0;
  EXPECT_EQ(post(b).status, 400);
  b = boot_body("", net);
  EXPECT_EQ(post(b).status, 400) << "an empty name";
  EXPECT_EQ(compute("POST", "/servers", m.token, json::parse(R"({"server": 1})")).status, 400);
  auto raw_bad = call("POST", "/compute/v2.1/servers", m.token);
  EXPECT_EQ(raw_bad.status, 400) << raw_bad.body;
  // The networks forms by microversion.
  b = boot_body("x", "");
  b["server"]["networks"] = "auto";
  EXPECT_EQ(post(b).status, 400) << "'auto' is 2.37";
  b["server"].erase("networks");
  expect_nova_error(post(b, "2.37"), 400,
                    "Invalid input for field/attribute server. 'networks' is a required property");
  // Nothing was made.
  EXPECT_EQ(json_of(compute("GET", "/servers", m.token))["servers"].size(), 0u);
  // A token that is not valid.
  EXPECT_EQ(compute("POST", "/servers", "bogus", boot_body("x", net)).status, 401);
}

TEST_F(ComputeServers, NetworksAutoNoneAbsentAndPorts) {
  auto m = make_member("carol");
  // Without any network: 2.1 boots without a NIC, "auto" cannot.
  auto b = boot_body("bare", "");
  auto bare = compute("POST", "/servers", m.token, b);
  ASSERT_EQ(bare.status, 202) << bare.body;
  auto s = settle(m.token, json_of(bare)["server"].value("id", ""));
  EXPECT_EQ(s.value("status", ""), "ACTIVE") << s.dump();
  EXPECT_TRUE(s["addresses"].empty());
  b["server"]["networks"] = "auto";
  expect_nova_error(compute("POST", "/servers", m.token, b, "2.37"), 400,
                    "Unable to automatically allocate a network for project " + m.project_id);

  const auto net = make_network(m.token, "only");
  auto one = compute("POST", "/servers", m.token, b, "2.37");
  ASSERT_EQ(one.status, 202) << one.body;
  s = settle(m.token, json_of(one)["server"].value("id", ""));
  EXPECT_EQ(s["addresses"].contains("only"), true) << s.dump();
  b["server"]["networks"] = "none";
  auto none = compute("POST", "/servers", m.token, b, "2.37");
  ASSERT_EQ(none.status, 202) << none.body;
  s = settle(m.token, json_of(none)["server"].value("id", ""));
  EXPECT_TRUE(s["addresses"].empty()) << s.dump();

  make_network(m.token, "second", "10.1.0.0/24");
  b["server"]["networks"] = "auto";
  expect_nova_error(compute("POST", "/servers", m.token, b, "2.37"), 409,
                    "Multiple possible networks found, use a Network ID to be more specific.");
  b["server"].erase("networks");
  expect_nova_error(compute("POST", "/servers", m.token, b), 409,
                    "Multiple possible networks found, use a Network ID to be more specific.");

  // An existing port, and a fixed address.
  auto p = call("POST", "/networking/v2.0/ports", m.token, {{"port", {{"network_id", net}}}});
  ASSERT_EQ(p.status, 201) << p.body;
  const std::string port = json_of(p)["port"].value("id", "");
  b["server"]["networks"] = json::array({{{"port", port}}});
  auto on_port = compute("POST", "/servers", m.token, b);
  ASSERT_EQ(on_port.status, 202) << on_port.body;
  s = settle(m.token, json_of(on_port)["server"].value("id", ""));
  ASSERT_EQ(s.value("status", ""), "ACTIVE") << s.dump();
  expect_nova_error(compute("POST", "/servers", m.token, b), 409,
                    "Port " + port + " is still in use.");
  b["server"]["networks"] = json::array({{{"port", "nope"}}});
  expect_nova_error(compute("POST", "/servers", m.token, b), 400, "Port nope could not be found.");
  b["server"]["networks"] = json::array({{{"uuid", net}, {"fixed_ip", "10.0.0.77"}}});
  auto fixed = compute("POST", "/servers", m.token, b);
  ASSERT_EQ(fixed.status, 202) << fixed.body;
  s = settle(m.token, json_of(fixed)["server"].value("id", ""));
  EXPECT_EQ(s["addresses"]["only"][0]["addr"], "10.0.0.77") << s.dump();
}

TEST_F(ComputeServers, SeveralInstancesInOneRequest) {
  auto m = make_member("dave");
  const auto net = make_network(m.token, "net");
  auto b = boot_body("batch", net);
  b["server"]["min_count"] = 2;
  b["server"]["max_count"] = "3";
  auto sg = call("POST", "/networking/v2.0/security-groups", m.token,
                 {{"security_group", {{"name", "web"}}}});
  ASSERT_EQ(sg.status, 201) << sg.body;
  b["server"]["security_groups"] = json::array({{{"name", "web"}}, {{"name", "default"}}});
  auto r = compute("POST", "/servers", m.token, b);
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(json_of(r)["server"]["security_groups"],
            json::parse(R"([{"name": "web"}, {"name": "default"}])"));
  auto list = json_of(compute("GET", "/servers", m.token))["servers"];
  std::set<std::string> names;
  for (const auto& s : list) names.insert(s.value("name", ""));
  EXPECT_EQ(names, (std::set<std::string>{"batch-1", "batch-2", "batch-3"}));
  b["server"]["return_reservation_id"] = true;
  b["server"]["max_count"] = 1;
  b["server"]["min_count"] = 1;
  auto rid = compute("POST", "/servers", m.token, b);
  ASSERT_EQ(rid.status, 202) << rid.body;
  EXPECT_TRUE(
      std::regex_match(json_of(rid).value("reservation_id", ""), std::regex("r-[a-z0-9]{8}")))
      << rid.body;
}

TEST_F(ComputeServers, ListFiltersPagingAndAllTenants) {
  auto m = make_member("erin");
  auto other = make_member("frank");
  const auto net = make_network(m.token, "net");
  const auto other_net = make_network(other.token, "net", "10.9.0.0/24");
  std::vector<std::string> ids;
  for (const char* name : {"app-1", "app-2", "db-1"}) ids.push_back(boot(m.token, name, net));
  const auto foreign = boot(other.token, "app-x", other_net);
  for (const auto& id : ids) settle(m.token, id);
  settle(other.token, foreign);
  ASSERT_EQ(
      compute("POST", "/servers/" + ids[2] + "/action", m.token, {{"os-stop", nullptr}}).status,
      202);
  settle(m.token, ids[2]);

  auto names_of = [&](const std::string& query, const std::string& token) {
    auto r = compute("GET", "/servers/detail" + query, token);
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<std::string> out;
    const auto body = json_of(r);
    for (const auto& s : body["servers"]) out.push_back(s.value("name", ""));
    return out;
  };
  EXPECT_EQ(names_of("", m.token), (std::vector<std::string>{"db-1", "app-2", "app-1"}))
      << "newest first, own project only";
  EXPECT_EQ(names_of("?name=^app", m.token), (std::vector<std::string>{"app-2", "app-1"}));
  EXPECT_EQ(names_of("?status=SHUTOFF", m.token), (std::vector<std::string>{"db-1"}));
  EXPECT_EQ(names_of("?status=active", m.token), (std::vector<std::string>{"app-2", "app-1"}));
  EXPECT_EQ(names_of("?image=cirros&flavor=1", m.token).size(), 3u);
  EXPECT_EQ(names_of("?flavor=2", m.token).size(), 0u);
  auto first = json_of(compute("GET", "/servers/" + ids[0], m.token))["server"];
  const std::string ip = first["addresses"]["net"][0].value("addr", "");
  EXPECT_EQ(names_of("?ip=" + ip + "$", m.token), (std::vector<std::string>{"app-1"}));
  EXPECT_EQ(names_of("?changes-since=2000-01-01T00:00:00Z", m.token).size(), 3u);
  EXPECT_EQ(names_of("?changes-since=2999-01-01T00:00:00Z", m.token).size(), 0u);
  EXPECT_EQ(compute("GET", "/servers?changes-since=yesterday", m.token).status, 400);
  EXPECT_EQ(names_of("?host=compute-1", m.token).size(), 3u) << "a member's host filter is ignored";

  // Paging.
  auto page = compute("GET", "/servers?limit=2", m.token);
  auto body = json_of(page);
  ASSERT_EQ(body["servers"].size(), 2u) << page.body;
  const std::string next = body["servers_links"][0].value("href", "");
  EXPECT_EQ(body["servers_links"][0]["rel"], "next");
  EXPECT_NE(next.find("/compute/v2.1/servers?limit=2&marker=" + ids[1]), std::string::npos) << next;
  auto rest = json_of(compute("GET", "/servers?limit=2&marker=" + ids[1], m.token));
  ASSERT_EQ(rest["servers"].size(), 1u);
  EXPECT_EQ(rest["servers"][0]["id"], ids[0]);
  EXPECT_FALSE(rest.contains("servers_links"));
  expect_nova_error(compute("GET", "/servers?limit=abc", m.token), 400,
                    "limit param must be an integer");
  expect_nova_error(compute("GET", "/servers?limit=-1", m.token), 400,
                    "limit param must be positive");
  expect_nova_error(compute("GET", "/servers?marker=nope", m.token), 400,
                    "marker [nope] not found");

  // all_tenants: an admin's; a member gets Nova's 403.
  expect_nova_error(
      compute("GET", "/servers?all_tenants=True", m.token), 403,
      "Policy doesn't allow os_compute_api:servers:index:get_all_tenants to be performed.");
  expect_nova_error(
      compute("GET", "/servers/detail?all_tenants=True", m.token), 403,
      "Policy doesn't allow os_compute_api:servers:detail:get_all_tenants to be performed.");
  EXPECT_EQ(names_of("?all_tenants=True", admin_token).size(), 4u);
  EXPECT_EQ(names_of("?all_tenants=True&project_id=" + other.project_id, admin_token),
            (std::vector<std::string>{"app-x"}));
  EXPECT_EQ(names_of("?all_tenants=True&host=nowhere", admin_token).size(), 0u);
  EXPECT_EQ(names_of("", admin_token).size(), 0u) << "the admin project has none";
}

TEST_F(ComputeServers, AnotherProjectsServerIsNotFound) {
  auto m = make_member("gina");
  auto other = make_member("hank");
  const auto id = boot(m.token, "mine", make_network(m.token, "net"));
  settle(m.token, id);
  const std::string missing = "Instance " + id + " could not be found.";
  expect_nova_error(compute("GET", "/servers/" + id, other.token), 404, missing);
  expect_nova_error(compute("PUT", "/servers/" + id, other.token, {{"server", {{"name", "x"}}}}),
                    404, missing);
  expect_nova_error(
      compute("POST", "/servers/" + id + "/action", other.token, {{"os-stop", nullptr}}), 404,
      missing);
  expect_nova_error(compute("GET", "/servers/" + id + "/os-instance-actions", other.token), 404,
                    missing);
  expect_nova_error(compute("DELETE", "/servers/" + id, other.token), 404, missing);
  EXPECT_EQ(json_of(compute("GET", "/servers/detail", other.token))["servers"].size(), 0u);
  EXPECT_EQ(settle(m.token, id).value("status", ""), "ACTIVE");
}

TEST_F(ComputeServers, PowerActionsAndTheirConflicts) {
  auto m = make_member("ivy");
  const auto id = boot(m.token, "vm", make_network(m.token, "net"));
  ASSERT_EQ(settle(m.token, id).value("status", ""), "ACTIVE");
  auto act = [&](const json& body) {
    return compute("POST", "/servers/" + id + "/action", m.token, body);
  };
  auto expect_status = [&](const std::string& status, int power) {
    auto s = settle(m.token, id, {"BUILD", "REBOOT", "HARD_REBOOT"});
    EXPECT_EQ(s.value("status", ""), status) << s.dump();
    if (power >= 0) {
      EXPECT_EQ(s.value("OS-EXT-STS:power_state", -1), power) << s.dump();
    }
  };

  auto console = act({{"os-getConsoleOutput", {{"length", 5}}}});
  ASSERT_EQ(console.status, 200) << console.body;
  EXPECT_TRUE(json_of(console)["output"].is_string());
  EXPECT_EQ(act({{"os-getConsoleOutput", {{"length", "-1"}}}}).status, 200);
  // Nova's tail: the last `length` pieces of the text split at newlines.
  const std::string three = json_of(act({{"os-getConsoleOutput", {{"length", 3}}}}))["output"];
  EXPECT_EQ(std::count(three.begin(), three.end(), '\n') + 1, 3) << three;
  EXPECT_EQ(act({{"os-getConsoleOutput", {{"length", -5}}}}).status, 400);
  EXPECT_EQ(act({{"os-getConsoleOutput", nullptr}}).status, 200);

  ASSERT_EQ(act({{"os-stop", nullptr}}).status, 202);
  expect_status("SHUTOFF", 4);
  expect_nova_error(act({{"os-stop", nullptr}}), 409,
                    "Cannot 'stop' instance " + id + " while it is in vm_state stopped");
  // A stopped server's console is its log file, as Nova reads it.
  auto stopped_console = act({{"os-getConsoleOutput", nullptr}});
  ASSERT_EQ(stopped_console.status, 200) << stopped_console.body;
  EXPECT_FALSE(json_of(stopped_console).value("output", "").empty()) << stopped_console.body;
  EXPECT_EQ(act({{"pause", nullptr}}).status, 409);
  ASSERT_EQ(act({{"os-start", nullptr}}).status, 202);
  expect_status("ACTIVE", 1);
  expect_nova_error(act({{"os-start", nullptr}}), 409,
                    "Cannot 'start' instance " + id + " while it is in vm_state active");
  ASSERT_EQ(act({{"reboot", {{"type", "SOFT"}}}}).status, 202);
  expect_status("ACTIVE", 1);
  ASSERT_EQ(act({{"reboot", {{"type", "HARD"}}}}).status, 202);
  expect_status("ACTIVE", 1);
  EXPECT_EQ(act({{"reboot", {{"type", "GENTLE"}}}}).status, 400);
  EXPECT_EQ(act({{"reboot", nullptr}}).status, 400);
  ASSERT_EQ(act({{"pause", nullptr}}).status, 202);
  expect_status("PAUSED", 3);
  expect_nova_error(act({{"os-stop", nullptr}}), 409,
                    "Cannot 'stop' instance " + id + " while it is in vm_state paused");
  ASSERT_EQ(act({{"unpause", nullptr}}).status, 202);
  expect_status("ACTIVE", 1);
  EXPECT_EQ(act({{"unpause", nullptr}}).status, 409);
  ASSERT_EQ(act({{"suspend", nullptr}}).status, 202);
  expect_status("SUSPENDED", -1);
  EXPECT_EQ(act({{"resume", nullptr}}).status, 202);
  expect_status("ACTIVE", 1);
  expect_nova_error(act({{"fly", nullptr}}), 400, "There is no such action: fly");
  EXPECT_EQ(act(json::parse(R"({"os-stop": null, "os-start": null})")).status, 400);
  expect_nova_error(compute("POST", "/servers/nope/action", m.token, {{"os-stop", nullptr}}), 404,
                    "Instance nope could not be found.");
}

TEST_F(ComputeServers, InstanceActionsComeFromTheEventStream) {
  auto m = make_member("jack");
  const auto id = boot(m.token, "vm", make_network(m.token, "net"));
  ASSERT_EQ(settle(m.token, id).value("status", ""), "ACTIVE");
  auto stop = compute("POST", "/servers/" + id + "/action", m.token, {{"os-stop", nullptr}});
  ASSERT_EQ(stop.status, 202);
  const std::string stop_request = stop.headers["x-openstack-request-id"];
  settle(m.token, id);

  auto list = compute("GET", "/servers/" + id + "/os-instance-actions", m.token);
  ASSERT_EQ(list.status, 200) << list.body;
  auto actions = json_of(list)["instanceActions"];
  ASSERT_EQ(actions.size(), 2u) << list.body;
  EXPECT_EQ(actions[0]["action"], "stop");
  EXPECT_EQ(actions[0]["request_id"], stop_request);
  EXPECT_EQ(actions[1]["action"], "create");
  EXPECT_EQ(actions[1]["instance_uuid"], id);
  EXPECT_EQ(actions[1]["project_id"], m.project_id);
  EXPECT_EQ(actions[1]["user_id"], m.user_id);
  EXPECT_TRUE(actions[1]["message"].is_null());
  const std::string create_request = actions[1].value("request_id", "");

  // Below 2.51 a member sees no events; from 2.51 it does.
  auto old = json_of(compute("GET", "/servers/" + id + "/os-instance-actions/" + create_request,
                             m.token))["instanceAction"];
  EXPECT_EQ(old["action"], "create");
  EXPECT_FALSE(old.contains("events"));
  auto shown = compute("GET", "/servers/" + id + "/os-instance-actions/" + create_request, m.token,
                       nullptr, "2.51");
  ASSERT_EQ(shown.status, 200) << shown.body;
  auto events = json_of(shown)["instanceAction"]["events"];
  ASSERT_EQ(events.size(), 2u) << shown.body;
  EXPECT_EQ(events[0]["event"], "conductor_schedule_and_build_instances");
  EXPECT_EQ(events[1]["event"], "compute__do_build_and_run_instance");
  for (const auto& e : events) {
    EXPECT_EQ(e["result"], "Success");
    EXPECT_TRUE(e["finish_time"].is_string());
    EXPECT_FALSE(e.contains("traceback"));
  }
  auto admin_view =
      json_of(compute("GET", "/servers/" + id + "/os-instance-actions/" + stop_request, admin_token,
                      nullptr, "2.62"))["instanceAction"];
  ASSERT_EQ(admin_view["events"].size(), 1u);
  EXPECT_EQ(admin_view["events"][0]["event"], "compute_stop_instance");
  EXPECT_EQ(admin_view["events"][0]["host"], "compute-1");
  EXPECT_TRUE(admin_view.contains("updated_at"));
  expect_nova_error(compute("GET", "/servers/" + id + "/os-instance-actions/req-nope", m.token),
                    404, "Action for request_id req-nope on instance " + id + " not found");

  // A deleted server's actions stay readable, the delete among them.
  ASSERT_EQ(compute("DELETE", "/servers/" + id, m.token).status, 204);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  json after;
  while (std::chrono::steady_clock::now() < deadline) {
    after = json_of(compute("GET", "/servers/" + id + "/os-instance-actions", m.token));
    if (after["instanceActions"].size() == 3u) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(after["instanceActions"].size(), 3u) << after.dump();
  EXPECT_EQ(after["instanceActions"][0]["action"], "delete");
}

// Small hosts: 1024 MB each (1536 MB at Nova's 1.5 RAM ratio) fit three
// m1.tiny (512 MB); 4 GB of disk would fit four: RAM is the limit.
class ComputeServersOnSmallHosts : public servers_test {
 protected:
  std::vector<std::string> extra_args() const override {
    const auto file = hosts_file();
    std::ofstream(file) << "small-1 2 1024 4\nsmall-2 2 1024 4\n";
    return {"--hosts-file", file.string()};
  }
  std::filesystem::path hosts_file() const { return dir.path() / "hosts.txt"; }
};

TEST_F(ComputeServersOnSmallHosts, ConcurrentLaunchesNeverExceedCapacity) {
  auto m = make_member("kim");
  const auto net = make_network(m.token, "net");
  // Nova's default quota (10 instances) would stop the launches first.
  ASSERT_EQ(compute("PUT", "/os-quota-sets/" + m.project_id, admin_token,
                    {{"quota_set", {{"instances", 100}, {"cores", 100}}}})
                .status,
            200);
  constexpr int launches = 16;
  std::vector<std::string> ids(launches);
  std::vector<int> statuses(launches, 0);
  std::vector<std::thread> threads;
  for (int i = 0; i < launches; ++i)
    threads.emplace_back([&, i] {
      auto r =
          http_request("POST", cloud->url("/compute/v2.1/servers"),
                       boot_body("vm-" + std::to_string(i), net).dump(), auth_headers(m.token));
      statuses[i] = r.status;
      ids[i] = json_of(r)["server"].value("id", "");
    });
  for (auto& t : threads) t.join();
  int active = 0, no_host = 0;
  std::map<std::string, int> per_host;
  for (int i = 0; i < launches; ++i) {
    ASSERT_EQ(statuses[i], 202);
    auto s = settle(m.token, ids[i]);
    if (s.value("status", "") == "ACTIVE") {
      ++active;
      auto seen = json_of(compute("GET", "/servers/" + ids[i], admin_token))["server"];
      ++per_host[seen.value("OS-EXT-SRV-ATTR:host", "")];
    } else {
      ASSERT_EQ(s.value("status", ""), "ERROR") << s.dump();
      EXPECT_EQ(s["fault"].value("message", "").rfind("No valid host was found.", 0), 0u)
          << s.dump();
      EXPECT_TRUE(s["fault"]["created"].is_string());
      EXPECT_EQ(s["OS-EXT-STS:vm_state"], "error");
      EXPECT_FALSE(s["fault"].contains("details")) << "a 500's details are an admin's";
      auto seen = json_of(compute("GET", "/servers/" + ids[i], admin_token))["server"];
      EXPECT_TRUE(seen["fault"].contains("details")) << seen.dump();
      ++no_host;
    }
  }
  EXPECT_EQ(active, 6);
  EXPECT_EQ(no_host, launches - 6);
  EXPECT_LE(per_host["small-1"], 3);
  EXPECT_LE(per_host["small-2"], 3);
  EXPECT_EQ(json_of(compute("GET", "/servers?status=ERROR", m.token))["servers"].size(),
            static_cast<std::size_t>(launches - 6));
}

}  // namespace
// os-server-diagnostics: admin only (Nova's 403 for a member), the domain's
// state from libvirt for an admin, 404 for a server that does not exist.
TEST_F(ComputeServers, DiagnosticsAreAnAdminsAndComeFromLibvirt) {
  auto m = make_member("dora");
  const auto net = make_network(m.token, "private");
  const std::string id = boot(m.token, "vm", net);
  ASSERT_EQ(settle(m.token, id).value("status", ""), "ACTIVE");

  expect_nova_error(compute("GET", "/servers/" + id + "/diagnostics", m.token), 403,
                    "Policy doesn't allow os_compute_api:os-server-diagnostics to be performed.");
  auto d = compute("GET", "/servers/" + id + "/diagnostics", admin_token, nullptr, "2.48");
  ASSERT_EQ(d.status, 200) << d.body;
  const auto diag = json_of(d);
  EXPECT_EQ(diag["state"], "running") << d.body;
  EXPECT_EQ(diag["hypervisor"], "test") << "libvirt's virt type, not a constant";
  EXPECT_EQ(diag["num_cpus"], 1);
  EXPECT_EQ(diag["memory_details"]["maximum"], 512) << "MiB, as libvirt defined the domain";
  ASSERT_EQ(diag["nic_details"].size(), 1u) << d.body;
  EXPECT_EQ(diag["nic_details"][0]["mac_address"],
            settle(m.token, id)["addresses"]["private"][0]["OS-EXT-IPS-MAC:mac_addr"]);

  const std::string missing = "01a22c00-0000-7000-8000-000000000000";
  auto gone = compute("GET", "/servers/" + missing + "/diagnostics", admin_token);
  EXPECT_EQ(gone.status, 404) << gone.body;
  EXPECT_TRUE(json_of(gone).contains("itemNotFound")) << gone.body;
}

}  // namespace cumulo
