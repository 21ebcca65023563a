// Neutron's agents, availability zones, quota details and the extensions
// that announce them, over HTTP on a real `cumulo serve`: the network
// host's DHCP, L3 and metadata agents as an admin lists, shows, changes
// and deletes them (and a restart keeps the changes), what a member sees,
// the agents hosting a network or a router, the zones their agents give.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <regex>
#include <set>
#include <string>

#include "tests/support/keystone_client.hpp"

namespace cumulo {
namespace {

const std::string kNet = "/networking/v2.0";

void expect_neutron_error(const http_response& r, int status, const std::string& type) {
  EXPECT_EQ(r.status, status) << r.body;
  auto body = json_of(r);
  ASSERT_TRUE(body.is_object() && body.contains("NeutronError")) << r.body;
  EXPECT_EQ(body["NeutronError"].value("type", ""), type) << r.body;
}

class network_agents_test : public identity_test {
 protected:
  http_response net(const std::string& method, const std::string& path,
                    const nlohmann::json& body = nullptr, const std::string& token = "") {
    return call(method, kNet + path, token.empty() ? admin_token : token, body);
  }
  nlohmann::json create(const std::string& path, const std::string& key, const nlohmann::json& body,
                        const std::string& token = "") {
    auto r = net("POST", path, {{key, body}}, token);
    EXPECT_EQ(r.status, 201) << "POST " << path << ": " << r.body;
    auto j = json_of(r);
    return r.status == 201 && j.contains(key) ? j[key] : nlohmann::json::object();
  }
  nlohmann::json agents(const std::string& query = "", const std::string& token = "") {
    auto r = net("GET", "/agents" + query, nullptr, token);
    EXPECT_EQ(r.status, 200) << r.body;
    auto j = json_of(r)["agents"];
    EXPECT_TRUE(j.is_array()) << r.body;
    return j.is_array() ? j : nlohmann::json::array();
  }
  // The agent of that type, {} (and a failure) when there is not exactly one.
  nlohmann::json agent_of(const std::string& type) {
    nlohmann::json found = nlohmann::json::object();
    int n = 0;
    for (const auto& a : agents())
      if (a.value("agent_type", "") == type) found = a, ++n;
    EXPECT_EQ(n, 1) << type;
    return found;
  }
};

class NetworkAgents : public network_agents_test {};

bool neutron_time(const nlohmann::json& v) {
  static const std::regex time("^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}$");
  return v.is_string() && std::regex_match(v.get<std::string>(), time);
}

TEST_F(NetworkAgents, TheNetworkHostsDhcpL3AndMetadataAgentsAreListedAlive) {
  const auto n = create("/networks", "network", {{"name", "n"}});
  create("/subnets", "subnet",
         {{"network_id", n["id"]}, {"cidr", "10.0.0.0/24"}, {"ip_version", 4}});
  create("/ports", "port", {{"network_id", n["id"]}});
  create("/routers", "router", {{"name", "r"}});

  const auto all = agents();
  ASSERT_EQ(all.size(), 3u) << all.dump();
  std::set<std::string> types, binaries, hosts;
  for (const auto& a : all) {
    types.insert(a.value("agent_type", ""));
    binaries.insert(a.value("binary", ""));
    hosts.insert(a.value("host", ""));
    EXPECT_EQ(a["alive"], true) << a.dump();
    EXPECT_EQ(a["admin_state_up"], true) << a.dump();
    EXPECT_TRUE(neutron_time(a["heartbeat_timestamp"])) << a.dump();
    EXPECT_TRUE(neutron_time(a["created_at"])) << a.dump();
    EXPECT_TRUE(neutron_time(a["started_at"])) << a.dump();
    EXPECT_TRUE(a["description"].is_null()) << a.dump();
    EXPECT_TRUE(a["configurations"].is_object()) << a.dump();
    EXPECT_EQ(a.value("id", "").size(), 36u) << a.dump();
  }
  EXPECT_EQ(types, (std::set<std::string>{"DHCP agent", "L3 agent", "Metadata agent"}));
  EXPECT_EQ(binaries, (std::set<std::string>{"neutron-dhcp-agent", "neutron-l3-agent",
                                             "neutron-metadata-agent"}));
  ASSERT_EQ(hosts.size(), 1u) << "one network host";
  EXPECT_FALSE(hosts.begin()->empty());

  const auto dhcp = agent_of("DHCP agent");
  EXPECT_EQ(dhcp["availability_zone"], "nova");
  EXPECT_EQ(dhcp["topic"], "dhcp_agent");
  EXPECT_EQ(dhcp["configurations"]["networks"], 1) << dhcp.dump();
  EXPECT_EQ(dhcp["configurations"]["subnets"], 1) << dhcp.dump();
  EXPECT_EQ(dhcp["configurations"]["ports"], 1) << dhcp.dump();
  const auto l3 = agent_of("L3 agent");
  EXPECT_EQ(l3["availability_zone"], "nova");
  EXPECT_EQ(l3["configurations"]["routers"], 1) << l3.dump();
  EXPECT_TRUE(agent_of("Metadata agent")["availability_zone"].is_null());

  // Listed again: the same agents (registered once), filters on any field.
  auto again = agents();
  std::set<std::string> first, second;
  for (const auto& a : all) first.insert(a.value("id", ""));
  for (const auto& a : again) second.insert(a.value("id", ""));
  EXPECT_EQ(first, second);
  auto only = agents("?agent_type=L3%20agent&alive=true");
  ASSERT_EQ(only.size(), 1u);
  EXPECT_EQ(only[0]["binary"], "neutron-l3-agent");
  EXPECT_EQ(agents("?binary=neutron-dhcp-agent&fields=id&fields=host")[0].size(), 2u);
}

TEST_F(NetworkAgents, AnAdminShowsChangesAndDeletesAnAgentAndTheChangeSurvivesARestart) {
  const auto dhcp = agent_of("DHCP agent");
  const std::string path = "/agents/" + dhcp.value("id", "");
  auto shown = net("GET", path);
  ASSERT_EQ(shown.status, 200) << shown.body;
  EXPECT_EQ(json_of(shown)["agent"]["id"], dhcp["id"]);

  auto put = net("PUT", path, {{"agent", {{"admin_state_up", false}, {"description", "drained"}}}});
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(json_of(put)["agent"]["admin_state_up"], false);
  EXPECT_EQ(json_of(put)["agent"]["description"], "drained");
  EXPECT_EQ(json_of(put)["agent"]["alive"], true) << "administratively down is still alive";
  EXPECT_EQ(net("PUT", path, {{"agent", {{"admin_state_up", "no"}}}}).status, 400);

  ASSERT_NO_FATAL_FAILURE(restart());
  auto after = json_of(net("GET", path))["agent"];
  EXPECT_EQ(after["admin_state_up"], false) << after.dump();
  EXPECT_EQ(after["description"], "drained");
  EXPECT_EQ(agents().size(), 3u) << "no agent registered twice across a restart";

  // Neutron deletes an agent whatever its state; one whose host still
  // reports is registered again, with a new id.
  EXPECT_EQ(net("DELETE", path).status, 204);
  expect_neutron_error(net("GET", path), 404, "AgentNotFound");
  expect_neutron_error(net("DELETE", path), 404, "AgentNotFound");
  const auto back = agent_of("DHCP agent");
  EXPECT_NE(back["id"], dhcp["id"]);
  EXPECT_EQ(back["admin_state_up"], true);
  EXPECT_EQ(agents().size(), 3u);
}

TEST_F(NetworkAgents, AMemberSeesNoAgentNorTheirHostingLists) {
  const auto m = make_member("alice");
  const auto id = agent_of("L3 agent").value("id", "");
  EXPECT_EQ(agents("", m.token), nlohmann::json::array());
  expect_neutron_error(net("GET", "/agents/" + id, nullptr, m.token), 404, "AgentNotFound");
  expect_neutron_error(net("PUT", "/agents/" + id, {{"agent", {{"description", "mine"}}}}, m.token),
                       404, "AgentNotFound");
  expect_neutron_error(net("DELETE", "/agents/" + id, nullptr, m.token), 404, "AgentNotFound");
  const auto n = create("/networks", "network", {{"name", "own"}}, m.token);
  expect_neutron_error(
      net("GET", "/networks/" + n.value("id", "") + "/dhcp-agents", nullptr, m.token), 403,
      "PolicyNotAuthorized");
  EXPECT_EQ(agent_of("L3 agent")["description"], nullptr) << "unchanged";
}

TEST_F(NetworkAgents, TheAgentsHostingANetworkOrARouter) {
  const auto n = create("/networks", "network", {{"name", "n"}});
  const std::string hosting = "/networks/" + n.value("id", "") + "/dhcp-agents";
  auto none = net("GET", hosting);
  ASSERT_EQ(none.status, 200) << none.body;
  EXPECT_EQ(json_of(none)["agents"], nlohmann::json::array()) << "no DHCP subnet yet";
  create("/subnets", "subnet",
         {{"network_id", n["id"]}, {"cidr", "10.0.0.0/24"}, {"ip_version", 4}});
  auto one = json_of(net("GET", hosting))["agents"];
  ASSERT_EQ(one.size(), 1u) << one.dump();
  EXPECT_EQ(one[0]["agent_type"], "DHCP agent");

  const auto r = create("/routers", "router", {{"name", "r"}});
  auto l3 = json_of(net("GET", "/routers/" + r.value("id", "") + "/l3-agents"))["agents"];
  ASSERT_EQ(l3.size(), 1u) << l3.dump();
  EXPECT_EQ(l3[0]["agent_type"], "L3 agent");
  EXPECT_TRUE(l3[0].contains("ha_state"));
  const std::string nobody = "00000000-0000-0000-0000-000000000000";
  expect_neutron_error(net("GET", "/networks/" + nobody + "/dhcp-agents"), 404, "NetworkNotFound");
  expect_neutron_error(net("GET", "/routers/" + nobody + "/l3-agents"), 404, "RouterNotFound");
}

TEST_F(NetworkAgents, AvailabilityZonesComeFromTheAgents) {
  const auto m = make_member("bob");
  auto r = net("GET", "/availability_zones", nullptr, m.token);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json_of(r)["availability_zones"],
            nlohmann::json::parse(R"([{"name": "nova", "resource": "network", "state": "available"},
                                      {"name": "nova", "resource": "router", "state": "available"}])"))
      << r.body;
  auto routers = json_of(net("GET", "/availability_zones?resource=router", nullptr, m.token));
  EXPECT_EQ(routers["availability_zones"].size(), 1u) << routers.dump();

  // With its only DHCP agent down, the zone has no network to offer.
  const auto dhcp = agent_of("DHCP agent");
  ASSERT_EQ(net("PUT", "/agents/" + dhcp.value("id", ""), {{"agent", {{"admin_state_up", false}}}})
                .status,
            200);
  auto down = json_of(net("GET", "/availability_zones?resource=network"))["availability_zones"];
  ASSERT_EQ(down.size(), 1u) << down.dump();
  EXPECT_EQ(down[0]["state"], "unavailable");

  // Networks and routers say where they are.
  const auto n = create("/networks", "network", {{"name", "n"}}, m.token);
  EXPECT_EQ(n["availability_zones"], nlohmann::json({"nova"}));
  EXPECT_EQ(n["availability_zone_hints"], nlohmann::json::array());
  const auto router = create("/routers", "router", {{"name", "r"}}, m.token);
  EXPECT_EQ(router["availability_zones"], nlohmann::json({"nova"}));
}

TEST_F(NetworkAgents, QuotaDetailsAndDefaults) {
  const auto m = make_member("carol");
  create("/networks", "network", {{"name", "a"}}, m.token);
  create("/networks", "network", {{"name", "b"}}, m.token);
  auto r = net("GET", "/quotas/" + m.project_id + "/details", nullptr, m.token);
  ASSERT_EQ(r.status, 200) << r.body;
  const auto q = json_of(r)["quota"];
  EXPECT_EQ(q["network"], nlohmann::json::parse(R"({"limit": 100, "used": 2, "reserved": 0})"))
      << r.body;
  EXPECT_EQ(q["router"]["used"], 0);
  EXPECT_EQ(q["port"]["limit"], 500);
  for (const char* resource : {"network", "subnet", "port", "router", "floatingip",
                               "security_group", "security_group_rule"})
    EXPECT_TRUE(q.contains(resource)) << resource;
  auto by_admin = net("GET", "/quotas/" + m.project_id + "/details");
  EXPECT_EQ(json_of(by_admin)["quota"]["network"]["used"], 2);
  expect_neutron_error(net("GET", "/quotas/" + project_id("admin") + "/details", nullptr, m.token),
                       403, "AdminRequired");

  ASSERT_EQ(net("PUT", "/quotas/" + m.project_id, {{"quota", {{"network", 7}}}}).status, 200);
  EXPECT_EQ(json_of(net("GET", "/quotas/" + m.project_id + "/details", nullptr,
                        m.token))["quota"]["network"]["limit"],
            7);
  auto defaults = net("GET", "/quotas/" + m.project_id + "/default", nullptr, m.token);
  ASSERT_EQ(defaults.status, 200) << defaults.body;
  EXPECT_EQ(json_of(defaults)["quota"]["network"], 100);
}

TEST_F(NetworkAgents, TheExtensionsAnnounceWhatIsThere) {
  auto r = net("GET", "/extensions");
  ASSERT_EQ(r.status, 200) << r.body;
  std::set<std::string> aliases, names;
  auto listed_json = json_of(r);  // kept: the loop reads into it
  for (const auto& e : listed_json["extensions"]) {
    aliases.insert(e.value("alias", ""));
    names.insert(e.value("name", ""));
  }
  for (const char* alias : {"standard-attr-tag", "tag-creation", "tag-ports-during-bulk-creation",
                            "agent", "availability_zone", "network_availability_zone",
                            "router_availability_zone", "quota_details", "quotas"})
    EXPECT_TRUE(aliases.count(alias)) << alias;
  // The CLI finds the zones' extension by its name.
  EXPECT_TRUE(names.count("Availability Zone"));
  auto one = net("GET", "/extensions/standard-attr-tag");
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(json_of(one)["extension"]["alias"], "standard-attr-tag");
}

}  // namespace
}  // namespace cumulo
