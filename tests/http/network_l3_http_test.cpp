// Neutron v2.0 L3 and security resources over HTTP on a real `cumulo serve`:
// security groups and their rules, routers and their interfaces and
// gateways, floating IPs, and the quotas that bound them, as neutronclient,
// openstacksdk and tempest use them; and a restart that keeps all of it.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <set>
#include <string>
#include <thread>

#include "tests/support/keystone_client.hpp"

namespace cumulo {
namespace {

const std::string kNet = "/networking/v2.0";

// Asserts Neutron's error body: {"NeutronError": {"type", "message", "detail"}}.
void expect_neutron_error(const http_response& r, int status, const std::string& type,
                          const std::string& message_part = "") {
  EXPECT_EQ(r.status, status) << r.body;
  auto body = json_of(r);
  ASSERT_TRUE(body.is_object() && body.contains("NeutronError")) << r.body;
  const auto& e = body["NeutronError"];
  EXPECT_EQ(e["type"], type) << r.body;
  ASSERT_TRUE(e["message"].is_string()) << r.body;
  EXPECT_NE(e["message"].get<std::string>().find(message_part), std::string::npos) << r.body;
  EXPECT_TRUE(e.contains("detail")) << r.body;
}

std::set<std::string> ids_of(const nlohmann::json& items) {
  std::set<std::string> ids;
  if (items.is_array())
    for (const auto& i : items) ids.insert(i.value("id", ""));
  return ids;
}

class network_l3_test : public identity_test {
 protected:
  http_response net(const std::string& method, const std::string& path, const std::string& token,
                    const nlohmann::json& body = nullptr) {
    return call(method, kNet + path, token, body);
  }

  // POSTs {key: body} to path and answers the created object ({} and a
  // failure otherwise).
  nlohmann::json create(const std::string& path, const std::string& key, const nlohmann::json& body,
                        const std::string& token) {
    auto r = net("POST", path, token, {{key, body}});
    EXPECT_EQ(r.status, 201) << "POST " << path << " " << body.dump() << ": " << r.body;
    auto j = json_of(r);
    return r.status == 201 && j.contains(key) ? j[key] : nlohmann::json::object();
  }

  std::string network(const std::string& name, const std::string& token, bool external = false) {
    nlohmann::json n{{"name", name}};
    if (external) n["router:external"] = true;
    return create("/networks", "network", n, token).value("id", "");
  }
  nlohmann::json subnet(const std::string& network_id, const std::string& cidr,
                        const std::string& token) {
    return create("/subnets", "subnet",
                  {{"network_id", network_id}, {"cidr", cidr}, {"ip_version", 4}}, token);
  }
  nlohmann::json port(const std::string& network_id, const std::string& token) {
    return create("/ports", "port", {{"network_id", network_id}}, token);
  }
  nlohmann::json router(const std::string& name, const std::string& token,
                        const std::string& gateway_network = "") {
    nlohmann::json b{{"name", name}};
    if (!gateway_network.empty()) b["external_gateway_info"] = {{"network_id", gateway_network}};
    return create("/routers", "router", b, token);
  }
  nlohmann::json group(const std::string& name, const std::string& token) {
    return create("/security-groups", "security_group",
                  {{"name", name}, {"description", name + " group"}}, token);
  }
  http_response add_rule(const std::string& token, nlohmann::json rule) {
    return net("POST", "/security-group-rules", token, {{"security_group_rule", rule}});
  }
  // The ports whose device_id is `device`, as `token` sees them.
  nlohmann::json ports_of(const std::string& device, const std::string& token) {
    auto r = net("GET", "/ports?device_id=" + device, token);
    EXPECT_EQ(r.status, 200) << r.body;
    return json_of(r)["ports"];
  }
  // Whether GET path answers 404 within two seconds (a deletion that
  // happens after the answer that caused it is still a deletion).
  bool gone_eventually(const std::string& path, const std::string& token) {
    for (int i = 0; i < 40; ++i) {
      if (net("GET", path, token).status == 404) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  std::string default_group_of(const std::string& token) {
    auto r = net("GET", "/security-groups?name=default", token);
    EXPECT_EQ(r.status, 200) << r.body;
    auto groups = json_of(r)["security_groups"];
    if (!groups.is_array() || groups.size() != 1) {
      ADD_FAILURE() << "default group: " << r.body;
      return "";
    }
    return groups[0].value("id", "");
  }

  // An admin-made external network "public" with 172.24.4.0/24, and a
  // member's private network with 10.0.0.0/24.
  void topology(const member_account& m) {
    public_net = network("public", admin_token, true);
    public_subnet = subnet(public_net, "172.24.4.0/24", admin_token);
    private_net = network("private", m.token);
    private_subnet = subnet(private_net, "10.0.0.0/24", m.token);
    ASSERT_FALSE(public_net.empty());
    ASSERT_FALSE(private_net.empty());
    ASSERT_EQ(private_subnet["gateway_ip"], "10.0.0.1") << private_subnet.dump();
  }

  std::string public_net, private_net;
  nlohmann::json public_subnet, private_subnet;
};

class NetworkL3SecurityGroups : public network_l3_test {};
class NetworkL3Routers : public network_l3_test {};
class NetworkL3FloatingIps : public network_l3_test {};
class NetworkL3Quotas : public network_l3_test {};

// --- security groups ------------------------------------------------------

TEST_F(NetworkL3SecurityGroups, ListingMakesTheProjectsDefaultGroupWithNeutronsFourRules) {
  auto m = make_member("sgm");
  auto r = net("GET", "/security-groups", m.token);
  ASSERT_EQ(r.status, 200) << r.body;
  auto groups = json_of(r)["security_groups"];
  ASSERT_EQ(groups.size(), 1u) << r.body;
  const auto& g = groups[0];
  EXPECT_EQ(g["name"], "default");
  EXPECT_EQ(g["project_id"], m.project_id);
  EXPECT_EQ(g["tenant_id"], m.project_id);
  const std::string id = g["id"];
  const auto& rules = g["security_group_rules"];
  ASSERT_EQ(rules.size(), 4u) << r.body;
  std::multiset<std::string> shapes;
  for (const auto& rule : rules) {
    EXPECT_EQ(rule["security_group_id"], id);
    EXPECT_TRUE(rule["protocol"].is_null()) << rule.dump();
    EXPECT_TRUE(rule["port_range_min"].is_null()) << rule.dump();
    EXPECT_TRUE(rule["port_range_max"].is_null()) << rule.dump();
    EXPECT_TRUE(rule["remote_ip_prefix"].is_null()) << rule.dump();
    EXPECT_EQ(rule["project_id"], m.project_id);
    const std::string remote = rule["remote_group_id"].is_null() ? "none"
                               : rule["remote_group_id"] == id ? "self"
                                                               : "other";
    shapes.insert(rule["direction"].get<std::string>() + "/" +
                  rule["ethertype"].get<std::string>() + "/" + remote);
  }
  EXPECT_EQ(shapes, (std::multiset<std::string>{"egress/IPv4/none", "egress/IPv6/none",
                                                 "ingress/IPv4/self", "ingress/IPv6/self"}));

  // Listing again makes no second default group.
  auto again = json_of(net("GET", "/security-groups", m.token))["security_groups"];
  ASSERT_EQ(again.size(), 1u) << again.dump();
  EXPECT_EQ(again[0]["id"], id);
  // Its rules are in the rule listing too.
  auto listed = json_of(net("GET", "/security-group-rules?security_group_id=" + id, m.token));
  EXPECT_EQ(listed["security_group_rules"].size(), 4u) << listed.dump();
}

TEST_F(NetworkL3SecurityGroups, CreateShowUpdateDeleteAGroupWithItsTwoEgressRules) {
  auto m = make_member("sgc");
  auto g = group("web", m.token);
  ASSERT_TRUE(g.contains("id")) << g.dump();
  const std::string id = g["id"];
  EXPECT_EQ(g["name"], "web");
  EXPECT_EQ(g["description"], "web group");
  EXPECT_EQ(g["project_id"], m.project_id);
  EXPECT_EQ(g["stateful"], true);
  ASSERT_EQ(g["security_group_rules"].size(), 2u) << g.dump();
  std::set<std::string> ethertypes;
  for (const auto& rule : g["security_group_rules"]) {
    EXPECT_EQ(rule["direction"], "egress") << rule.dump();
    EXPECT_TRUE(rule["remote_group_id"].is_null()) << rule.dump();
    EXPECT_TRUE(rule["protocol"].is_null()) << rule.dump();
    ethertypes.insert(rule["ethertype"]);
  }
  EXPECT_EQ(ethertypes, (std::set<std::string>{"IPv4", "IPv6"}));

  auto shown = net("GET", "/security-groups/" + id, m.token);
  ASSERT_EQ(shown.status, 200) << shown.body;
  EXPECT_EQ(json_of(shown)["security_group"]["name"], "web");

  auto up = net("PUT", "/security-groups/" + id, m.token,
                {{"security_group", {{"name", "web2"}, {"description", "changed"}}}});
  ASSERT_EQ(up.status, 200) << up.body;
  EXPECT_EQ(json_of(up)["security_group"]["name"], "web2");
  EXPECT_EQ(json_of(up)["security_group"]["description"], "changed");
  EXPECT_EQ(json_of(net("GET", "/security-groups/" + id, m.token))["security_group"]["name"],
            "web2");

  auto del = net("DELETE", "/security-groups/" + id, m.token);
  EXPECT_EQ(del.status, 204) << del.body;
  EXPECT_TRUE(del.body.empty()) << del.body;
  expect_neutron_error(net("GET", "/security-groups/" + id, m.token), 404,
                       "SecurityGroupNotFound", id);
  expect_neutron_error(net("DELETE", "/security-groups/" + id, m.token), 404,
                       "SecurityGroupNotFound", id);
}

TEST_F(NetworkL3SecurityGroups, RulesAreCreatedShownListedAndDeleted) {
  auto m = make_member("sgr");
  const std::string gid = group("ssh", m.token).value("id", "");
  ASSERT_FALSE(gid.empty());
  auto r = add_rule(m.token, {{"security_group_id", gid},
                              {"direction", "ingress"},
                              {"ethertype", "IPv4"},
                              {"protocol", "tcp"},
                              {"port_range_min", 22},
                              {"port_range_max", 22},
                              {"remote_ip_prefix", "0.0.0.0/0"}});
  ASSERT_EQ(r.status, 201) << r.body;
  auto rule = json_of(r)["security_group_rule"];
  const std::string rid = rule["id"];
  EXPECT_EQ(rule["security_group_id"], gid);
  EXPECT_EQ(rule["direction"], "ingress");
  EXPECT_EQ(rule["ethertype"], "IPv4");
  EXPECT_EQ(rule["protocol"], "tcp");
  EXPECT_EQ(rule["port_range_min"], 22);
  EXPECT_EQ(rule["port_range_max"], 22);
  EXPECT_EQ(rule["remote_ip_prefix"], "0.0.0.0/0");
  EXPECT_TRUE(rule["remote_group_id"].is_null());
  EXPECT_EQ(rule["project_id"], m.project_id);

  auto shown = net("GET", "/security-group-rules/" + rid, m.token);
  ASSERT_EQ(shown.status, 200) << shown.body;
  EXPECT_EQ(json_of(shown)["security_group_rule"]["id"], rid);

  auto group_now = json_of(net("GET", "/security-groups/" + gid, m.token))["security_group"];
  EXPECT_EQ(group_now["security_group_rules"].size(), 3u) << group_now.dump();
  auto listed = json_of(net("GET", "/security-group-rules?security_group_id=" + gid, m.token));
  EXPECT_EQ(listed["security_group_rules"].size(), 3u) << listed.dump();
  EXPECT_EQ(ids_of(json_of(net("GET", "/security-group-rules?protocol=tcp", m.token))
                       ["security_group_rules"]),
            (std::set<std::string>{rid}));

  auto del = net("DELETE", "/security-group-rules/" + rid, m.token);
  EXPECT_EQ(del.status, 204) << del.body;
  expect_neutron_error(net("GET", "/security-group-rules/" + rid, m.token), 404,
                       "SecurityGroupRuleNotFound", rid);
  expect_neutron_error(net("DELETE", "/security-group-rules/" + rid, m.token), 404,
                       "SecurityGroupRuleNotFound", rid);
  EXPECT_EQ(json_of(net("GET", "/security-groups/" + gid, m.token))["security_group"]
                ["security_group_rules"]
                    .size(),
            2u);
}

TEST_F(NetworkL3SecurityGroups, InvalidRulesAre400AndADuplicateIs409) {
  auto m = make_member("sgv");
  const std::string gid = group("checks", m.token).value("id", "");
  ASSERT_FALSE(gid.empty());
  const nlohmann::json base{{"security_group_id", gid}, {"direction", "ingress"},
                            {"ethertype", "IPv4"}};
  auto with = [&](nlohmann::json extra) {
    nlohmann::json b = base;
    for (auto& [k, v] : extra.items()) b[k] = v;
    return add_rule(m.token, b);
  };

  // Attribute validation: Neutron answers webob's HTTPBadRequest.
  expect_neutron_error(with({{"direction", "sideways"}}), 400, "HTTPBadRequest", "direction");
  expect_neutron_error(with({{"ethertype", "IPv5"}}), 400, "HTTPBadRequest", "ethertype");
  expect_neutron_error(with({{"protocol", "bogus"}}), 400, "SecurityGroupRuleInvalidProtocol",
                       "bogus");
  expect_neutron_error(
      with({{"protocol", "tcp"}, {"port_range_min", 100}, {"port_range_max", 90}}), 400,
      "SecurityGroupInvalidPortRange");
  expect_neutron_error(with({{"port_range_min", 22}, {"port_range_max", 22}}), 400,
                       "SecurityGroupProtocolRequiredWithPorts");
  expect_neutron_error(with({{"remote_ip_prefix", "10.0.0.0/8"}, {"remote_group_id", gid}}), 400,
                       "SecurityGroupRemoteGroupAndRemoteIpPrefix");
  expect_neutron_error(with({{"remote_ip_prefix", "not-a-cidr"}}), 400, "InvalidCIDR");
  expect_neutron_error(
      add_rule(m.token, {{"security_group_id", "0123456789abcdef0123456789abcdef"},
                         {"direction", "ingress"}}),
      404, "SecurityGroupNotFound");

  auto first = with({{"protocol", "udp"}, {"port_range_min", 53}, {"port_range_max", 53}});
  ASSERT_EQ(first.status, 201) << first.body;
  const std::string rid = json_of(first)["security_group_rule"]["id"];
  expect_neutron_error(with({{"protocol", "udp"}, {"port_range_min", 53}, {"port_range_max", 53}}),
                       409, "SecurityGroupRuleExists", rid);
  // The new group's own egress rule again.
  expect_neutron_error(add_rule(m.token, {{"security_group_id", gid},
                                          {"direction", "egress"},
                                          {"ethertype", "IPv6"}}),
                       409, "SecurityGroupRuleExists");
  // Nothing of the refused ones was added.
  EXPECT_EQ(json_of(net("GET", "/security-groups/" + gid, m.token))["security_group"]
                ["security_group_rules"]
                    .size(),
            3u);
}

// Neutron lets an admin remove a project's default group: test frameworks
// (tempest, Rally) clean up projects that way.
TEST_F(NetworkL3SecurityGroups, AnAdminRemovesAProjectsDefaultGroup) {
  auto m = make_member("sga");
  const std::string def = default_group_of(m.token);
  ASSERT_FALSE(def.empty());
  EXPECT_EQ(net("DELETE", "/security-groups/" + def, admin_token).status, 204);
  expect_neutron_error(net("GET", "/security-groups/" + def, admin_token), 404,
                       "SecurityGroupNotFound");
}

TEST_F(NetworkL3SecurityGroups, TheDefaultGroupCannotBeDeletedNorRenamedNorDuplicated) {
  auto m = make_member("sgd");
  const std::string def = default_group_of(m.token);
  ASSERT_FALSE(def.empty());
  expect_neutron_error(net("DELETE", "/security-groups/" + def, m.token), 409,
                       "SecurityGroupCannotRemoveDefault");
  expect_neutron_error(
      net("PUT", "/security-groups/" + def, m.token, {{"security_group", {{"name", "other"}}}}),
      409, "SecurityGroupCannotUpdateDefault");
  expect_neutron_error(net("POST", "/security-groups", m.token,
                           {{"security_group", {{"name", "default"}}}}),
                       409, "SecurityGroupDefaultAlreadyExists");
  EXPECT_EQ(net("GET", "/security-groups/" + def, m.token).status, 200);
}

TEST_F(NetworkL3SecurityGroups, APortWithoutGroupsGetsTheProjectsDefaultGroup) {
  auto m = make_member("sgp");
  const std::string n = network("sgp-net", m.token);
  subnet(n, "10.9.0.0/24", m.token);
  auto p = port(n, m.token);
  ASSERT_TRUE(p.contains("security_groups")) << p.dump();
  const std::string def = default_group_of(m.token);
  EXPECT_EQ(p["security_groups"], nlohmann::json::array({def})) << p.dump();

  const std::string web = group("web", m.token).value("id", "");
  auto r = net("POST", "/ports", m.token,
               {{"port", {{"network_id", n}, {"security_groups", {web}}}}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(json_of(r)["port"]["security_groups"], nlohmann::json::array({web}));
  // Still one default group.
  EXPECT_EQ(json_of(net("GET", "/security-groups?name=default", m.token))["security_groups"].size(),
            1u);
}

TEST_F(NetworkL3SecurityGroups, AMemberSeesOnlyItsOwnGroupsAndRules) {
  auto a = make_member("sga");
  auto b = make_member("sgb");
  const std::string ga = group("mine", a.token).value("id", "");
  ASSERT_FALSE(ga.empty());
  auto ra = add_rule(a.token, {{"security_group_id", ga},
                               {"direction", "ingress"},
                               {"protocol", "icmp"}});
  ASSERT_EQ(ra.status, 201) << ra.body;
  const std::string rid = json_of(ra)["security_group_rule"]["id"];

  expect_neutron_error(net("GET", "/security-groups/" + ga, b.token), 404,
                       "SecurityGroupNotFound");
  expect_neutron_error(
      net("PUT", "/security-groups/" + ga, b.token, {{"security_group", {{"name", "x"}}}}), 404,
      "SecurityGroupNotFound");
  expect_neutron_error(net("DELETE", "/security-groups/" + ga, b.token), 404,
                       "SecurityGroupNotFound");
  expect_neutron_error(net("GET", "/security-group-rules/" + rid, b.token), 404,
                       "SecurityGroupRuleNotFound");
  expect_neutron_error(net("DELETE", "/security-group-rules/" + rid, b.token), 404,
                       "SecurityGroupRuleNotFound");
  expect_neutron_error(
      add_rule(b.token, {{"security_group_id", ga}, {"direction", "egress"}, {"protocol", "tcp"}}),
      404, "SecurityGroupNotFound");

  auto listed = json_of(net("GET", "/security-groups", b.token))["security_groups"];
  ASSERT_EQ(listed.size(), 1u) << listed.dump();  // b's own default only
  EXPECT_EQ(listed[0]["name"], "default");
  EXPECT_EQ(listed[0]["project_id"], b.project_id);
  for (const auto& rule :
       json_of(net("GET", "/security-group-rules", b.token))["security_group_rules"])
    EXPECT_EQ(rule["project_id"], b.project_id) << rule.dump();

  // The admin sees both.
  auto all = ids_of(json_of(net("GET", "/security-groups", admin_token))["security_groups"]);
  EXPECT_EQ(all.count(ga), 1u);
  EXPECT_EQ(all.count(listed[0]["id"]), 1u);
}

// --- routers ----------------------------------------------------------------

TEST_F(NetworkL3Routers, CreateWithoutGatewayShowListRenameDelete) {
  auto m = make_member("rtc");
  auto rt = router("r1", m.token);
  ASSERT_TRUE(rt.contains("id")) << rt.dump();
  const std::string id = rt["id"];
  EXPECT_EQ(rt["name"], "r1");
  EXPECT_EQ(rt["status"], "ACTIVE");
  EXPECT_EQ(rt["admin_state_up"], true);
  EXPECT_TRUE(rt["external_gateway_info"].is_null()) << rt.dump();
  EXPECT_EQ(rt["project_id"], m.project_id);
  EXPECT_EQ(rt["tenant_id"], m.project_id);
  EXPECT_EQ(rt["routes"], nlohmann::json::array());

  auto shown = net("GET", "/routers/" + id, m.token);
  ASSERT_EQ(shown.status, 200) << shown.body;
  EXPECT_EQ(json_of(shown)["router"]["id"], id);
  EXPECT_EQ(ids_of(json_of(net("GET", "/routers", m.token))["routers"]),
            (std::set<std::string>{id}));
  EXPECT_EQ(ids_of(json_of(net("GET", "/routers?name=r1", m.token))["routers"]),
            (std::set<std::string>{id}));
  EXPECT_TRUE(json_of(net("GET", "/routers?name=zz", m.token))["routers"].empty());

  auto up = net("PUT", "/routers/" + id, m.token, {{"router", {{"name", "r1-renamed"}}}});
  ASSERT_EQ(up.status, 200) << up.body;
  EXPECT_EQ(json_of(up)["router"]["name"], "r1-renamed");

  auto del = net("DELETE", "/routers/" + id, m.token);
  EXPECT_EQ(del.status, 204) << del.body;
  expect_neutron_error(net("GET", "/routers/" + id, m.token), 404, "RouterNotFound", id);
  expect_neutron_error(net("DELETE", "/routers/" + id, m.token), 404, "RouterNotFound", id);
  EXPECT_TRUE(json_of(net("GET", "/routers", m.token))["routers"].empty());
}

TEST_F(NetworkL3Routers, TheGatewayIsSetAtCreationClearedAndSetAgainOnlyOnAnExternalNetwork) {
  auto m = make_member("rtg");
  ASSERT_NO_FATAL_FAILURE(topology(m));
  auto rt = router("gw", m.token, public_net);
  ASSERT_TRUE(rt.contains("id")) << rt.dump();
  const std::string id = rt["id"];
  const auto& gw = rt["external_gateway_info"];
  ASSERT_TRUE(gw.is_object()) << rt.dump();
  EXPECT_EQ(gw["network_id"], public_net);
  EXPECT_EQ(gw["enable_snat"], true);
  ASSERT_EQ(gw["external_fixed_ips"].size(), 1u) << rt.dump();
  EXPECT_EQ(gw["external_fixed_ips"][0]["subnet_id"], public_subnet["id"]);
  const std::string gw_ip = gw["external_fixed_ips"][0]["ip_address"];
  EXPECT_EQ(gw_ip.rfind("172.24.4.", 0), 0u) << gw_ip;
  EXPECT_NE(gw_ip, "172.24.4.1");  // the subnet's gateway

  // The gateway port, the cloud's own, is on the external network.
  auto gw_ports = ports_of(id, admin_token);
  ASSERT_EQ(gw_ports.size(), 1u) << gw_ports.dump();
  EXPECT_EQ(gw_ports[0]["device_owner"], "network:router_gateway");
  EXPECT_EQ(gw_ports[0]["network_id"], public_net);
  EXPECT_EQ(gw_ports[0]["fixed_ips"][0]["ip_address"], gw_ip);
  const std::string gw_port = gw_ports[0]["id"];

  auto cleared = net("PUT", "/routers/" + id, m.token,
                     {{"router", {{"external_gateway_info", nullptr}}}});
  ASSERT_EQ(cleared.status, 200) << cleared.body;
  EXPECT_TRUE(json_of(cleared)["router"]["external_gateway_info"].is_null()) << cleared.body;
  // Neutron deletes the gateway port before it answers.
  EXPECT_TRUE(ports_of(id, admin_token).empty()) << "the gateway port outlived the answer";
  EXPECT_TRUE(gone_eventually("/ports/" + gw_port, admin_token));

  auto set = net("PUT", "/routers/" + id, m.token,
                 {{"router", {{"external_gateway_info", {{"network_id", public_net}}}}}});
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(json_of(set)["router"]["external_gateway_info"]["network_id"], public_net);
  EXPECT_EQ(json_of(net("GET", "/routers/" + id, m.token))["router"]["external_gateway_info"]
                ["network_id"],
            public_net);

  // A network that is not external can't be a gateway, at creation or later.
  expect_neutron_error(
      net("PUT", "/routers/" + id, m.token,
          {{"router", {{"external_gateway_info", {{"network_id", private_net}}}}}}),
      400, "BadRequest", private_net);
  expect_neutron_error(net("POST", "/routers", m.token,
                           {{"router",
                             {{"name", "bad"},
                              {"external_gateway_info", {{"network_id", private_net}}}}}}),
                       400, "BadRequest", private_net);
  // A network that does not exist is Neutron's 404 (issue 18).
  const std::string missing = "0b7c8f62-0000-4000-8000-0000000000ff";
  expect_neutron_error(
      net("POST", "/routers", m.token,
          {{"router",
            {{"name", "nowhere"}, {"external_gateway_info", {{"network_id", missing}}}}}}),
      404, "NetworkNotFound", missing);
  // The refused creations left no router behind.
  EXPECT_EQ(ids_of(json_of(net("GET", "/routers", m.token))["routers"]),
            (std::set<std::string>{id}));
  // The gateway is still the public one.
  EXPECT_EQ(json_of(net("GET", "/routers/" + id, m.token))["router"]["external_gateway_info"]
                ["network_id"],
            public_net);

  // Deleting the router deletes its gateway port (Neutron: before it answers).
  const std::string gw_port2 = ports_of(id, admin_token)[0].value("id", "");
  ASSERT_EQ(net("DELETE", "/routers/" + id, m.token).status, 204);
  EXPECT_TRUE(ports_of(id, admin_token).empty()) << "the gateway port outlived the answer";
  EXPECT_TRUE(gone_eventually("/ports/" + gw_port2, admin_token));
}

TEST_F(NetworkL3Routers, InterfacesBySubnetAndByPortAndARouterInUseIsNotDeleted) {
  auto m = make_member("rti");
  ASSERT_NO_FATAL_FAILURE(topology(m));
  const std::string id = router("ri", m.token).value("id", "");
  ASSERT_FALSE(id.empty());
  const std::string sub = private_subnet["id"];

  auto add = net("PUT", "/routers/" + id + "/add_router_interface", m.token, {{"subnet_id", sub}});
  ASSERT_EQ(add.status, 200) << add.body;
  auto body = json_of(add);
  EXPECT_EQ(body["id"], id);
  EXPECT_EQ(body["subnet_id"], sub);
  EXPECT_EQ(body["subnet_ids"], nlohmann::json::array({sub}));
  EXPECT_EQ(body["network_id"], private_net);
  EXPECT_EQ(body["project_id"], m.project_id);
  const std::string if_port = body["port_id"];

  auto shown = net("GET", "/ports/" + if_port, m.token);
  ASSERT_EQ(shown.status, 200) << shown.body;
  auto p = json_of(shown)["port"];
  EXPECT_EQ(p["device_owner"], "network:router_interface");
  EXPECT_EQ(p["device_id"], id);
  EXPECT_EQ(p["network_id"], private_net);
  ASSERT_EQ(p["fixed_ips"].size(), 1u) << p.dump();
  EXPECT_EQ(p["fixed_ips"][0]["subnet_id"], sub);
  EXPECT_EQ(p["fixed_ips"][0]["ip_address"], "10.0.0.1");

  // A second interface on the same subnet is refused.
  expect_neutron_error(
      net("PUT", "/routers/" + id + "/add_router_interface", m.token, {{"subnet_id", sub}}), 400,
      "BadRequest", sub);
  expect_neutron_error(net("PUT", "/routers/" + id + "/add_router_interface", m.token,
                           nlohmann::json::object()),
                       400, "BadRequest");

  // An existing unused port on another subnet, attached by port_id.
  const std::string net2 = network("second", m.token);
  const std::string sub2 = subnet(net2, "10.1.0.0/24", m.token).value("id", "");
  auto free_port = port(net2, m.token);
  const std::string free_id = free_port["id"];
  auto by_port =
      net("PUT", "/routers/" + id + "/add_router_interface", m.token, {{"port_id", free_id}});
  ASSERT_EQ(by_port.status, 200) << by_port.body;
  EXPECT_EQ(json_of(by_port)["port_id"], free_id);
  EXPECT_EQ(json_of(by_port)["subnet_id"], sub2);
  auto attached = json_of(net("GET", "/ports/" + free_id, m.token))["port"];
  EXPECT_EQ(attached["device_owner"], "network:router_interface");
  EXPECT_EQ(attached["device_id"], id);
  EXPECT_EQ(ports_of(id, m.token).size(), 2u);
  // A port already attached can't be attached again.
  expect_neutron_error(
      net("PUT", "/routers/" + id + "/add_router_interface", m.token, {{"port_id", free_id}}), 409,
      "PortInUse");

  expect_neutron_error(net("DELETE", "/routers/" + id, m.token), 409, "RouterInUse", id);
  EXPECT_EQ(net("GET", "/routers/" + id, m.token).status, 200);

  auto rm = net("PUT", "/routers/" + id + "/remove_router_interface", m.token, {{"subnet_id", sub}});
  ASSERT_EQ(rm.status, 200) << rm.body;
  EXPECT_EQ(json_of(rm)["port_id"], if_port);
  EXPECT_EQ(json_of(rm)["subnet_id"], sub);
  // Neutron deletes the interface's port before it answers.
  expect_neutron_error(net("GET", "/ports/" + if_port, m.token), 404, "PortNotFound");
  EXPECT_TRUE(gone_eventually("/ports/" + if_port, m.token));
  expect_neutron_error(
      net("PUT", "/routers/" + id + "/remove_router_interface", m.token, {{"subnet_id", sub}}), 404,
      "RouterInterfaceNotFoundForSubnet");

  auto rm2 =
      net("PUT", "/routers/" + id + "/remove_router_interface", m.token, {{"port_id", free_id}});
  ASSERT_EQ(rm2.status, 200) << rm2.body;
  EXPECT_EQ(json_of(rm2)["port_id"], free_id);
  // Neutron deletes the port, even one the user made, before it answers.
  EXPECT_TRUE(ports_of(id, m.token).empty()) << "interface ports outlived the answer";
  EXPECT_TRUE(gone_eventually("/ports/" + free_id, m.token));

  EXPECT_EQ(net("DELETE", "/routers/" + id, m.token).status, 204);
}

TEST_F(NetworkL3Routers, AMemberSeesOnlyItsOwnRouters) {
  auto a = make_member("rta");
  auto b = make_member("rtb");
  const std::string ra = router("a-router", a.token).value("id", "");
  const std::string rb = router("b-router", b.token).value("id", "");
  ASSERT_FALSE(ra.empty());
  EXPECT_EQ(ids_of(json_of(net("GET", "/routers", b.token))["routers"]),
            (std::set<std::string>{rb}));
  expect_neutron_error(net("GET", "/routers/" + ra, b.token), 404, "RouterNotFound", ra);
  expect_neutron_error(net("PUT", "/routers/" + ra, b.token, {{"router", {{"name", "x"}}}}), 404,
                       "RouterNotFound");
  expect_neutron_error(net("DELETE", "/routers/" + ra, b.token), 404, "RouterNotFound");
  const std::string bnet = network("b-net", b.token);
  const std::string bsub = subnet(bnet, "10.5.0.0/24", b.token).value("id", "");
  expect_neutron_error(net("PUT", "/routers/" + ra + "/add_router_interface", b.token,
                           {{"subnet_id", bsub}}),
                       404, "RouterNotFound");
  // a can't plug b's subnet into its own router.
  expect_neutron_error(net("PUT", "/routers/" + ra + "/add_router_interface", a.token,
                           {{"subnet_id", bsub}}),
                       404, "SubnetNotFound");
  EXPECT_EQ(ids_of(json_of(net("GET", "/routers", admin_token))["routers"]),
            (std::set<std::string>{ra, rb}));
}

// --- floating IPs -----------------------------------------------------------

TEST_F(NetworkL3FloatingIps, CreateAssociateDisassociateDelete) {
  auto m = make_member("fip");
  ASSERT_NO_FATAL_FAILURE(topology(m));
  auto target = port(private_net, m.token);
  const std::string target_id = target["id"];
  const std::string target_ip = target["fixed_ips"][0]["ip_address"];

  auto f = create("/floatingips", "floatingip", {{"floating_network_id", public_net}}, m.token);
  ASSERT_TRUE(f.contains("id")) << f.dump();
  const std::string id = f["id"];
  const std::string address = f["floating_ip_address"];
  EXPECT_EQ(address.rfind("172.24.4.", 0), 0u) << address;
  EXPECT_EQ(f["floating_network_id"], public_net);
  EXPECT_EQ(f["status"], "DOWN");
  EXPECT_TRUE(f["port_id"].is_null());
  EXPECT_TRUE(f["fixed_ip_address"].is_null());
  EXPECT_TRUE(f["router_id"].is_null());
  EXPECT_EQ(f["project_id"], m.project_id);

  auto fip_ports = ports_of(id, admin_token);
  ASSERT_EQ(fip_ports.size(), 1u) << fip_ports.dump();
  EXPECT_EQ(fip_ports[0]["device_owner"], "network:floatingip");
  EXPECT_EQ(fip_ports[0]["network_id"], public_net);
  EXPECT_EQ(fip_ports[0]["fixed_ips"][0]["ip_address"], address);
  const std::string fip_port = fip_ports[0]["id"];

  // No router reaches the port's subnet from public yet.
  expect_neutron_error(
      net("PUT", "/floatingips/" + id, m.token, {{"floatingip", {{"port_id", target_id}}}}), 404,
      "ExternalGatewayForFloatingIPNotFound");
  // A router with only an interface isn't enough: it needs the gateway too.
  const std::string rid = router("edge", m.token).value("id", "");
  ASSERT_EQ(net("PUT", "/routers/" + rid + "/add_router_interface", m.token,
                {{"subnet_id", private_subnet["id"]}})
                .status,
            200);
  expect_neutron_error(
      net("PUT", "/floatingips/" + id, m.token, {{"floatingip", {{"port_id", target_id}}}}), 404,
      "ExternalGatewayForFloatingIPNotFound");
  ASSERT_EQ(net("PUT", "/routers/" + rid, m.token,
                {{"router", {{"external_gateway_info", {{"network_id", public_net}}}}}})
                .status,
            200);

  auto assoc =
      net("PUT", "/floatingips/" + id, m.token, {{"floatingip", {{"port_id", target_id}}}});
  ASSERT_EQ(assoc.status, 200) << assoc.body;
  auto a = json_of(assoc)["floatingip"];
  EXPECT_EQ(a["status"], "ACTIVE");
  EXPECT_EQ(a["port_id"], target_id);
  EXPECT_EQ(a["fixed_ip_address"], target_ip);
  EXPECT_EQ(a["router_id"], rid);
  EXPECT_EQ(a["floating_ip_address"], address);
  auto shown = json_of(net("GET", "/floatingips/" + id, m.token))["floatingip"];
  EXPECT_EQ(shown["port_id"], target_id);
  EXPECT_EQ(shown["status"], "ACTIVE");
  EXPECT_EQ(ids_of(json_of(net("GET", "/floatingips?port_id=" + target_id, m.token))
                       ["floatingips"]),
            (std::set<std::string>{id}));

  auto dis = net("PUT", "/floatingips/" + id, m.token, {{"floatingip", {{"port_id", nullptr}}}});
  ASSERT_EQ(dis.status, 200) << dis.body;
  auto d = json_of(dis)["floatingip"];
  EXPECT_EQ(d["status"], "DOWN");
  EXPECT_TRUE(d["port_id"].is_null()) << dis.body;
  EXPECT_TRUE(d["fixed_ip_address"].is_null()) << dis.body;
  EXPECT_TRUE(d["router_id"].is_null()) << dis.body;

  auto del = net("DELETE", "/floatingips/" + id, m.token);
  EXPECT_EQ(del.status, 204) << del.body;
  expect_neutron_error(net("GET", "/floatingips/" + id, m.token), 404, "FloatingIPNotFound", id);
  expect_neutron_error(net("DELETE", "/floatingips/" + id, m.token), 404, "FloatingIPNotFound");
  // Neutron deletes the floating IP's port before it answers.
  expect_neutron_error(net("GET", "/ports/" + fip_port, admin_token), 404, "PortNotFound");
  EXPECT_TRUE(gone_eventually("/ports/" + fip_port, admin_token));
}

TEST_F(NetworkL3FloatingIps, ANonExternalNetworkIsRefusedAndOnlyAnAdminMakesOneExternal) {
  auto m = make_member("fipx");
  ASSERT_NO_FATAL_FAILURE(topology(m));
  expect_neutron_error(
      net("POST", "/floatingips", m.token, {{"floatingip", {{"floating_network_id", private_net}}}}),
      400, "BadRequest", private_net);
  expect_neutron_error(net("POST", "/floatingips", m.token,
                           {{"floatingip",
                             {{"floating_network_id", "0123456789abcdef0123456789abcdef"}}}}),
                       404, "NetworkNotFound");
  EXPECT_TRUE(json_of(net("GET", "/floatingips", m.token))["floatingips"].empty());

  // router:external is an admin's to set.
  auto r = net("POST", "/networks", m.token,
               {{"network", {{"name", "mine-ext"}, {"router:external", true}}}});
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(json_of(r)["NeutronError"]["type"], "PolicyNotAuthorized") << r.body;
}

TEST_F(NetworkL3FloatingIps, AMemberSeesOnlyItsOwnFloatingIps) {
  auto a = make_member("fipa");
  auto b = make_member("fipb");
  ASSERT_NO_FATAL_FAILURE(topology(a));
  const std::string fa =
      create("/floatingips", "floatingip", {{"floating_network_id", public_net}}, a.token)
          .value("id", "");
  const std::string fb =
      create("/floatingips", "floatingip", {{"floating_network_id", public_net}}, b.token)
          .value("id", "");
  ASSERT_FALSE(fa.empty());
  ASSERT_FALSE(fb.empty());
  EXPECT_EQ(ids_of(json_of(net("GET", "/floatingips", b.token))["floatingips"]),
            (std::set<std::string>{fb}));
  expect_neutron_error(net("GET", "/floatingips/" + fa, b.token), 404, "FloatingIPNotFound", fa);
  expect_neutron_error(
      net("PUT", "/floatingips/" + fa, b.token, {{"floatingip", {{"port_id", nullptr}}}}), 404,
      "FloatingIPNotFound");
  expect_neutron_error(net("DELETE", "/floatingips/" + fa, b.token), 404, "FloatingIPNotFound");
  // b can't point its own floating IP at a's port.
  const std::string a_port = port(private_net, a.token).value("id", "");
  expect_neutron_error(
      net("PUT", "/floatingips/" + fb, b.token, {{"floatingip", {{"port_id", a_port}}}}), 404,
      "PortNotFound");
  EXPECT_EQ(ids_of(json_of(net("GET", "/floatingips", admin_token))["floatingips"]),
            (std::set<std::string>{fa, fb}));
  EXPECT_EQ(net("GET", "/floatingips/" + fa, a.token).status, 200);
}

// --- quotas -----------------------------------------------------------------

TEST_F(NetworkL3Quotas, AProjectsQuotaIsNeutronsDefaults) {
  auto m = make_member("qd");
  const nlohmann::json expected{{"quota",
                                 {{"network", 100},
                                  {"subnet", 100},
                                  {"port", 500},
                                  {"router", 10},
                                  {"floatingip", 50},
                                  {"security_group", 10},
                                  {"security_group_rule", 100}}}};
  auto own = net("GET", "/quotas/" + m.project_id, m.token);
  ASSERT_EQ(own.status, 200) << own.body;
  EXPECT_EQ(json_of(own), expected);
  auto by_admin = net("GET", "/quotas/" + m.project_id, admin_token);
  ASSERT_EQ(by_admin.status, 200) << by_admin.body;
  EXPECT_EQ(json_of(by_admin), expected);

  // Another project's quota is an admin's to read.
  expect_neutron_error(net("GET", "/quotas/" + project_id("admin"), m.token), 403,
                       "AdminRequired");
}

TEST_F(NetworkL3Quotas, TheEleventhRouterIsOverQuota) {
  auto m = make_member("qr");
  for (int i = 1; i <= 10; ++i) {
    auto r = net("POST", "/routers", m.token, {{"router", {{"name", "r" + std::to_string(i)}}}});
    ASSERT_EQ(r.status, 201) << "router " << i << ": " << r.body;
  }
  auto over = net("POST", "/routers", m.token, {{"router", {{"name", "r11"}}}});
  expect_neutron_error(over, 409, "OverQuota");
  EXPECT_EQ(json_of(over)["NeutronError"]["message"], "Quota exceeded for resources: ['router'].");
  EXPECT_EQ(json_of(net("GET", "/routers", m.token))["routers"].size(), 10u);
  // Another project has its own 10.
  auto other = make_member("qr2");
  EXPECT_EQ(net("POST", "/routers", other.token, {{"router", {{"name", "x"}}}}).status, 201);
}

TEST_F(NetworkL3Quotas, AnAdminRaisesAndResetsAProjectsQuotaAndTheChangeSurvivesARestart) {
  auto m = make_member("qa");
  auto path = "/quotas/" + m.project_id;
  // Only an admin changes quotas; a bad body is 400.
  expect_neutron_error(net("PUT", path, m.token, {{"quota", {{"router", 11}}}}), 403,
                       "AdminRequired");
  EXPECT_EQ(net("PUT", path, admin_token, {{"quota", {{"nonsense", 1}}}}).status, 400);
  EXPECT_EQ(net("PUT", path, admin_token, {{"quota", {{"router", -2}}}}).status, 400);
  auto raised = net("PUT", path, admin_token, {{"quota", {{"router", 11}, {"port", -1}}}});
  ASSERT_EQ(raised.status, 200) << raised.body;
  EXPECT_EQ(json_of(raised)["quota"]["router"], 11);
  EXPECT_EQ(json_of(raised)["quota"]["port"], -1);
  EXPECT_EQ(json_of(raised)["quota"]["network"], 100);
  ASSERT_NO_FATAL_FAILURE(restart());
  // Tokens outlive a restart too.
  EXPECT_EQ(json_of(net("GET", path, m.token))["quota"]["router"], 11) << "an event, replayed";
  for (int i = 1; i <= 11; ++i)
    ASSERT_EQ(net("POST", "/routers", m.token, {{"router", {{"name", "r" + std::to_string(i)}}}}).status,
              201)
        << "router " << i;
  expect_neutron_error(net("POST", "/routers", m.token, {{"router", {{"name", "r12"}}}}), 409,
                       "OverQuota");
  // The list names the projects whose limits differ from the defaults (an admin's).
  auto changed = [&] {
    std::vector<std::string> projects;
    auto listed = net("GET", "/quotas", admin_token);
    EXPECT_EQ(listed.status, 200) << listed.body;
    const auto body = json_of(listed);
    for (const auto& q : body["quotas"]) {
      projects.push_back(q.value("project_id", ""));
      if (projects.back() == m.project_id) {
        EXPECT_EQ(q["router"], 11) << q.dump();
      }
    }
    return projects;
  };
  const auto raised_list = changed();
  EXPECT_NE(std::find(raised_list.begin(), raised_list.end(), m.project_id), raised_list.end());
  expect_neutron_error(net("GET", "/quotas", m.token), 403, "AdminRequired");
  EXPECT_EQ(net("DELETE", path, admin_token).status, 204);
  EXPECT_EQ(json_of(net("GET", path, m.token))["quota"]["router"], 10) << "the default again";
  const auto after_reset = changed();
  EXPECT_EQ(std::find(after_reset.begin(), after_reset.end(), m.project_id), after_reset.end());
}

TEST_F(NetworkL3Quotas, TheEleventhSecurityGroupCountingTheDefaultIsOverQuota) {
  auto m = make_member("qs");
  ASSERT_FALSE(default_group_of(m.token).empty());  // group 1 of 10
  for (int i = 2; i <= 10; ++i) {
    auto r = net("POST", "/security-groups", m.token,
                 {{"security_group", {{"name", "g" + std::to_string(i)}}}});
    ASSERT_EQ(r.status, 201) << "group " << i << ": " << r.body;
  }
  auto over = net("POST", "/security-groups", m.token, {{"security_group", {{"name", "g11"}}}});
  expect_neutron_error(over, 409, "OverQuota");
  EXPECT_EQ(json_of(over)["NeutronError"]["message"],
            "Quota exceeded for resources: ['security_group'].");
  EXPECT_EQ(json_of(net("GET", "/security-groups", m.token))["security_groups"].size(), 10u);
}

// --- restart ----------------------------------------------------------------

TEST_F(NetworkL3Routers, RoutersInterfacesFloatingIpsAndGroupsSurviveARestart) {
  auto m = make_member("rs");
  ASSERT_NO_FATAL_FAILURE(topology(m));
  const std::string rid = router("keep", m.token, public_net).value("id", "");
  ASSERT_FALSE(rid.empty());
  auto add = net("PUT", "/routers/" + rid + "/add_router_interface", m.token,
                 {{"subnet_id", private_subnet["id"]}});
  ASSERT_EQ(add.status, 200) << add.body;
  const std::string if_port = json_of(add)["port_id"];
  auto target = port(private_net, m.token);
  const std::string fid =
      create("/floatingips", "floatingip", {{"floating_network_id", public_net}}, m.token)
          .value("id", "");
  auto assoc = net("PUT", "/floatingips/" + fid, m.token,
                   {{"floatingip", {{"port_id", target["id"]}}}});
  ASSERT_EQ(assoc.status, 200) << assoc.body;
  const std::string gid = group("kept", m.token).value("id", "");
  auto rule = add_rule(m.token, {{"security_group_id", gid},
                                 {"direction", "ingress"},
                                 {"protocol", "tcp"},
                                 {"port_range_min", 443},
                                 {"port_range_max", 443}});
  ASSERT_EQ(rule.status, 201) << rule.body;
  const std::string rule_id = json_of(rule)["security_group_rule"]["id"];
  const std::string def = default_group_of(m.token);

  const auto router_before = json_of(net("GET", "/routers/" + rid, m.token))["router"];
  const auto fip_before = json_of(net("GET", "/floatingips/" + fid, m.token))["floatingip"];
  const auto group_before = json_of(net("GET", "/security-groups/" + gid, m.token))["security_group"];

  ASSERT_NO_FATAL_FAILURE(restart());

  auto router_after = net("GET", "/routers/" + rid, m.token);
  ASSERT_EQ(router_after.status, 200) << router_after.body;
  EXPECT_EQ(json_of(router_after)["router"], router_before);
  auto fip_after = net("GET", "/floatingips/" + fid, m.token);
  ASSERT_EQ(fip_after.status, 200) << fip_after.body;
  EXPECT_EQ(json_of(fip_after)["floatingip"], fip_before);
  EXPECT_EQ(json_of(fip_after)["floatingip"]["status"], "ACTIVE");
  EXPECT_EQ(json_of(fip_after)["floatingip"]["router_id"], rid);
  auto group_after = net("GET", "/security-groups/" + gid, m.token);
  ASSERT_EQ(group_after.status, 200) << group_after.body;
  EXPECT_EQ(json_of(group_after)["security_group"], group_before);
  EXPECT_EQ(net("GET", "/security-group-rules/" + rule_id, m.token).status, 200);
  // Still one default group, the same.
  EXPECT_EQ(default_group_of(m.token), def);

  auto p = net("GET", "/ports/" + if_port, m.token);
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_EQ(json_of(p)["port"]["device_owner"], "network:router_interface");
  // The interface still holds the router; removing it still works.
  expect_neutron_error(net("DELETE", "/routers/" + rid, m.token), 409, "RouterInUse");
  EXPECT_EQ(net("PUT", "/floatingips/" + fid, m.token, {{"floatingip", {{"port_id", nullptr}}}})
                .status,
            200);
  auto rm = net("PUT", "/routers/" + rid + "/remove_router_interface", m.token,
                {{"subnet_id", private_subnet["id"]}});
  EXPECT_EQ(rm.status, 200) << rm.body;
  EXPECT_EQ(net("DELETE", "/routers/" + rid, m.token).status, 204);
}

// Issue 18: Neutron as its clients read it. security_groups: [] is no
// group; PUT fixed_ips moves a port's addresses; binding:host_id is the
// admin's and kept; each port counts its own revisions; a subnet's
// host_routes change; a router refuses a subnet overlapping one it has.
TEST_F(NetworkL3SecurityGroups, PortsAsNeutronsClientsChangeThem) {
  auto m = make_member("nq");
  const std::string n = network("nq-net", m.token);
  const std::string s1 = subnet(n, "10.7.0.0/24", m.token).value("id", "");
  auto none = net("POST", "/ports", m.token,
                  {{"port", {{"network_id", n}, {"security_groups", nlohmann::json::array()}}}});
  ASSERT_EQ(none.status, 201) << none.body;
  EXPECT_EQ(json_of(none)["port"]["security_groups"], nlohmann::json::array());

  auto p = port(n, m.token);
  const std::string id = p.value("id", "");
  EXPECT_EQ(p["revision_number"], 1) << p.dump();
  auto moved = net("PUT", "/ports/" + id, m.token,
                   {{"port", {{"fixed_ips", {{{"subnet_id", s1}, {"ip_address", "10.7.0.99"}}}}}}});
  ASSERT_EQ(moved.status, 200) << moved.body;
  auto after = json_of(moved)["port"];
  ASSERT_EQ(after["fixed_ips"].size(), 1u);
  EXPECT_EQ(after["fixed_ips"][0]["ip_address"], "10.7.0.99");
  EXPECT_EQ(after["revision_number"], 2);
  port(n, m.token);  // another port's change
  EXPECT_EQ(json_of(net("GET", "/ports/" + id, m.token))["port"]["revision_number"], 2);

  expect_neutron_error(
      net("PUT", "/ports/" + id, m.token, {{"port", {{"binding:host_id", "compute-1"}}}}), 403,
      "PolicyNotAuthorized", "update_port:binding:host_id");
  auto bound =
      net("PUT", "/ports/" + id, admin_token, {{"port", {{"binding:host_id", "compute-1"}}}});
  ASSERT_EQ(bound.status, 200) << bound.body;
  EXPECT_EQ(json_of(net("GET", "/ports/" + id, admin_token))["port"]["binding:host_id"],
            "compute-1");

  auto routed =
      net("PUT", "/subnets/" + s1, m.token,
          {{"subnet",
            {{"host_routes", {{{"destination", "192.168.9.0/24"}, {"nexthop", "10.7.0.254"}}}}}}});
  ASSERT_EQ(routed.status, 200) << routed.body;
  EXPECT_EQ(json_of(routed)["subnet"]["host_routes"][0]["nexthop"], "10.7.0.254");
  EXPECT_EQ(json_of(routed)["subnet"]["revision_number"], 2);
}

TEST_F(NetworkL3Routers, ARouterRefusesASubnetOverlappingOneItHas) {
  auto m = make_member("ovl");
  const std::string a = network("ovl-a", m.token);
  const std::string b = network("ovl-b", m.token);
  const std::string sa = subnet(a, "10.5.0.0/24", m.token).value("id", "");
  const std::string sb = subnet(b, "10.5.0.0/25", m.token).value("id", "");
  const std::string id = router("ovl", m.token).value("id", "");
  ASSERT_EQ(
      net("PUT", "/routers/" + id + "/add_router_interface", m.token, {{"subnet_id", sa}}).status,
      200);
  expect_neutron_error(
      net("PUT", "/routers/" + id + "/add_router_interface", m.token, {{"subnet_id", sb}}), 400,
      "BadRequest", "overlaps");
}

// Neutron deletes an external network's floating IPs with it (OpenStack's
// test_delete_external_networks_with_floating_ip); a network with any other
// port is NetworkInUse and keeps its floating IPs.
TEST_F(NetworkL3FloatingIps, DeletingAnExternalNetworkTakesItsFloatingIps) {
  const std::string ext = network("ext-del", admin_token, true);
  subnet(ext, "172.30.0.0/24", admin_token);
  auto f = create("/floatingips", "floatingip", {{"floating_network_id", ext}}, admin_token);
  ASSERT_TRUE(f.contains("id")) << f.dump();
  const std::string fid = f["id"];

  const std::string busy = network("ext-busy", admin_token, true);
  subnet(busy, "172.31.0.0/24", admin_token);
  auto g = create("/floatingips", "floatingip", {{"floating_network_id", busy}}, admin_token);
  port(busy, admin_token);
  expect_neutron_error(net("DELETE", "/networks/" + busy, admin_token), 409, "NetworkInUse");
  EXPECT_EQ(net("GET", "/floatingips/" + g.value("id", ""), admin_token).status, 200);

  EXPECT_EQ(net("DELETE", "/networks/" + ext, admin_token).status, 204);
  expect_neutron_error(net("GET", "/floatingips/" + fid, admin_token), 404, "FloatingIPNotFound");
  expect_neutron_error(net("GET", "/networks/" + ext, admin_token), 404, "NetworkNotFound");
}

// Neutron moves an associated floating IP to another port in one update,
// and disassociates it when its port is deleted (OpenStack's
// test_create_list_show_update_delete_floating_ip, test_floating_ip_delete_port).
TEST_F(NetworkL3FloatingIps, AFloatingIpMovesBetweenPortsAndOutlivesItsPort) {
  auto m = make_member("fmv");
  ASSERT_NO_FATAL_FAILURE(topology(m));
  const std::string a = port(private_net, m.token).value("id", "");
  const std::string b = port(private_net, m.token).value("id", "");
  const std::string rid = router("fmv-edge", m.token, public_net).value("id", "");
  ASSERT_EQ(net("PUT", "/routers/" + rid + "/add_router_interface", m.token,
                {{"subnet_id", private_subnet["id"]}})
                .status,
            200);
  auto f = create("/floatingips", "floatingip",
                  {{"floating_network_id", public_net}, {"port_id", a}}, m.token);
  const std::string id = f.value("id", "");
  ASSERT_EQ(f["port_id"], a) << f.dump();
  auto moved = net("PUT", "/floatingips/" + id, m.token, {{"floatingip", {{"port_id", b}}}});
  ASSERT_EQ(moved.status, 200) << moved.body;
  EXPECT_EQ(json_of(moved)["floatingip"]["port_id"], b);
  EXPECT_EQ(net("DELETE", "/ports/" + b, m.token).status, 204);
  auto after = json_of(net("GET", "/floatingips/" + id, m.token))["floatingip"];
  EXPECT_TRUE(after["port_id"].is_null()) << after.dump();
  EXPECT_EQ(after["status"], "DOWN");
}

// Neutron's ext-gw-mode (tempest's test_routers ext-gw-mode tests): a
// gateway's enable_snat and external_fixed_ips are an admin's to give; the
// gateway port takes the address asked, moves when another is asked, and
// enable_snat false is shown and kept across a restart.
TEST_F(NetworkL3Routers, AnAdminPicksTheGatewayAddressAndTurnsSnatOff) {
  auto m = make_member("egw");
  ASSERT_NO_FATAL_FAILURE(topology(m));
  const std::string sub = public_subnet.value("id", "");
  auto with_gateway = [](const nlohmann::json& info) {
    return nlohmann::json{{"router", {{"name", "egw"}, {"external_gateway_info", info}}}};
  };

  // A member sets a gateway, not its mode nor its address, whatever the value.
  expect_neutron_error(net("POST", "/routers", m.token,
                           with_gateway({{"network_id", public_net}, {"enable_snat", true}})),
                       403, "PolicyNotAuthorized",
                       "create_router:external_gateway_info:enable_snat");
  expect_neutron_error(net("POST", "/routers", m.token,
                           with_gateway({{"network_id", public_net},
                                         {"external_fixed_ips", {{{"subnet_id", sub}}}}})),
                       403, "PolicyNotAuthorized",
                       "create_router:external_gateway_info:external_fixed_ips");
  EXPECT_TRUE(json_of(net("GET", "/routers", m.token))["routers"].empty());
  const std::string id = router("egw", m.token, public_net).value("id", "");
  ASSERT_FALSE(id.empty());
  expect_neutron_error(
      net("PUT", "/routers/" + id, m.token,
          {{"router",
            {{"external_gateway_info", {{"network_id", public_net}, {"enable_snat", false}}}}}}),
      403, "PolicyNotAuthorized", "update_router:external_gateway_info:enable_snat");

  // The admin makes a router with the gateway address it asks and no SNAT.
  auto asked = net("POST", "/routers", admin_token,
                   with_gateway({{"network_id", public_net},
                                 {"enable_snat", false},
                                 {"external_fixed_ips",
                                  {{{"subnet_id", sub}, {"ip_address", "172.24.4.50"}}}}}));
  ASSERT_EQ(asked.status, 201) << asked.body;
  const auto made = json_of(asked)["router"];
  const std::string rid = made["id"];
  EXPECT_EQ(made["external_gateway_info"]["enable_snat"], false) << made.dump();
  EXPECT_EQ(made["external_gateway_info"]["external_fixed_ips"],
            (nlohmann::json{{{"subnet_id", sub}, {"ip_address", "172.24.4.50"}}}))
      << made.dump();
  auto gw_ports = ports_of(rid, admin_token);
  ASSERT_EQ(gw_ports.size(), 1u) << gw_ports.dump();
  EXPECT_EQ(gw_ports[0]["fixed_ips"][0]["ip_address"], "172.24.4.50");
  const std::string gw_port = gw_ports[0]["id"];

  // The address taken is refused to another gateway (and the router with
  // it: Neutron removes a router whose gateway fails); one outside the
  // subnet is 400.
  expect_neutron_error(
      net("POST", "/routers", admin_token,
          with_gateway({{"network_id", public_net},
                        {"external_fixed_ips", {{{"ip_address", "172.24.4.50"}}}}})),
      409, "IpAddressAlreadyAllocated", "172.24.4.50");
  expect_neutron_error(
      net("PUT", "/routers/" + id, admin_token,
          {{"router",
            {{"external_gateway_info",
              {{"network_id", public_net},
               {"external_fixed_ips", {{{"subnet_id", sub}, {"ip_address", "10.9.9.9"}}}}}}}}}),
      400, "InvalidIpForSubnet", "10.9.9.9");
  EXPECT_EQ(json_of(net("GET", "/routers", admin_token))["routers"].size(), 2u);

  // The member's router: SNAT turned off, then its gateway address moved.
  auto snat_off =
      net("PUT", "/routers/" + id, admin_token,
          {{"router",
            {{"external_gateway_info", {{"network_id", public_net}, {"enable_snat", false}}}}}});
  ASSERT_EQ(snat_off.status, 200) << snat_off.body;
  EXPECT_EQ(json_of(snat_off)["router"]["external_gateway_info"]["enable_snat"], false)
      << snat_off.body;
  auto moved = net("PUT", "/routers/" + id, admin_token,
                   {{"router",
                     {{"external_gateway_info",
                       {{"network_id", public_net},
                        {"enable_snat", false},
                        {"external_fixed_ips", {{{"ip_address", "172.24.4.60"}}}}}}}}});
  ASSERT_EQ(moved.status, 200) << moved.body;
  const auto info = json_of(moved)["router"]["external_gateway_info"];
  EXPECT_EQ(info["enable_snat"], false) << info.dump();
  EXPECT_EQ(info["external_fixed_ips"],
            (nlohmann::json{{{"subnet_id", sub}, {"ip_address", "172.24.4.60"}}}))
      << info.dump();
  auto member_gw = ports_of(id, admin_token);
  ASSERT_EQ(member_gw.size(), 1u) << member_gw.dump();
  EXPECT_EQ(member_gw[0]["fixed_ips"][0]["ip_address"], "172.24.4.60");
  // The member sees the router as the admin left it.
  const auto before = json_of(net("GET", "/routers/" + id, m.token))["router"];
  EXPECT_EQ(before["external_gateway_info"]["enable_snat"], false) << before.dump();

  ASSERT_NO_FATAL_FAILURE(restart());

  EXPECT_EQ(json_of(net("GET", "/routers/" + id, m.token))["router"], before);
  const auto admin_router = json_of(net("GET", "/routers/" + rid, admin_token))["router"];
  EXPECT_EQ(admin_router["external_gateway_info"]["enable_snat"], false) << admin_router.dump();
  EXPECT_EQ(ports_of(rid, admin_token)[0]["id"], gw_port);

  // A gateway set again without enable_snat gets Neutron's default, true.
  auto reset = net("PUT", "/routers/" + rid, admin_token,
                   {{"router", {{"external_gateway_info", {{"network_id", public_net}}}}}});
  ASSERT_EQ(reset.status, 200) << reset.body;
  EXPECT_EQ(json_of(reset)["router"]["external_gateway_info"]["enable_snat"], true) << reset.body;
}

// Issue 19: an associated floating IP's path (its router's gateway on the
// floating network, an interface on the port's subnet) stays while it is
// associated, as in Neutron: removing the interface is 409
// RouterInterfaceInUseByFloatingIP, clearing or moving the gateway 409
// RouterExternalGatewayInUseByFloatingIp, and the ports of the router and of
// the floating IP are not deleted by their id (409 ServicePortInUse). So
// ACTIVE always means the path exists; once disassociated (DOWN) it may go.
TEST_F(NetworkL3FloatingIps, TheRouterPathOfAnAssociatedFloatingIpStays) {
  auto m = make_member("fpath");
  ASSERT_NO_FATAL_FAILURE(topology(m));
  const std::string target = port(private_net, m.token).value("id", "");
  const std::string rid = router("path", m.token, public_net).value("id", "");
  ASSERT_FALSE(rid.empty());
  const std::string sub = private_subnet["id"];
  auto add = net("PUT", "/routers/" + rid + "/add_router_interface", m.token, {{"subnet_id", sub}});
  ASSERT_EQ(add.status, 200) << add.body;
  const std::string if_port = json_of(add)["port_id"];
  auto f = create("/floatingips", "floatingip",
                  {{"floating_network_id", public_net}, {"port_id", target}}, m.token);
  const std::string fid = f.value("id", "");
  ASSERT_EQ(f["status"], "ACTIVE") << f.dump();
  ASSERT_EQ(f["router_id"], rid) << f.dump();

  // The interface stays, asked by subnet or by port.
  expect_neutron_error(
      net("PUT", "/routers/" + rid + "/remove_router_interface", m.token, {{"subnet_id", sub}}),
      409, "RouterInterfaceInUseByFloatingIP",
      "Router interface for subnet " + sub + " on router " + rid +
          " cannot be deleted, as it is required by one or more floating IPs.");
  expect_neutron_error(
      net("PUT", "/routers/" + rid + "/remove_router_interface", m.token, {{"port_id", if_port}}),
      409, "RouterInterfaceInUseByFloatingIP");
  // The gateway stays: not cleared, not moved to another external network.
  expect_neutron_error(
      net("PUT", "/routers/" + rid, m.token, {{"router", {{"external_gateway_info", nullptr}}}}),
      409, "RouterExternalGatewayInUseByFloatingIp",
      "Gateway cannot be updated for router " + rid + ", since a gateway to external network " +
          public_net + " is required by one or more floating IPs.");
  const std::string other = network("public-2", admin_token, true);
  subnet(other, "172.25.0.0/24", admin_token);
  expect_neutron_error(net("PUT", "/routers/" + rid, m.token,
                           {{"router", {{"external_gateway_info", {{"network_id", other}}}}}}),
                       409, "RouterExternalGatewayInUseByFloatingIp");
  // The same network asked again changes nothing that matters: fine.
  EXPECT_EQ(net("PUT", "/routers/" + rid, m.token,
                {{"router", {{"external_gateway_info", {{"network_id", public_net}}}}}})
                .status,
            200);
  // Neither the interface's port nor the gateway's nor the floating IP's
  // is deleted by its id.
  expect_neutron_error(net("DELETE", "/ports/" + if_port, m.token), 409, "ServicePortInUse",
                       "cannot be deleted directly via the port API: has device owner "
                       "network:router_interface");
  std::string gw_port;
  for (const auto& p : ports_of(rid, admin_token))
    if (p["device_owner"] == "network:router_gateway") gw_port = p.value("id", "");
  ASSERT_FALSE(gw_port.empty());
  expect_neutron_error(net("DELETE", "/ports/" + gw_port, admin_token), 409, "ServicePortInUse",
                       "network:router_gateway");
  const auto fip_ports = ports_of(fid, admin_token);
  ASSERT_EQ(fip_ports.size(), 1u) << fip_ports.dump();
  expect_neutron_error(net("DELETE", "/ports/" + fip_ports[0].value("id", ""), admin_token), 409,
                       "ServicePortInUse", "network:floatingip");

  // All refused: the path is whole, the floating IP still ACTIVE.
  auto shown = json_of(net("GET", "/floatingips/" + fid, m.token))["floatingip"];
  EXPECT_EQ(shown["status"], "ACTIVE") << shown.dump();
  EXPECT_EQ(shown["router_id"], rid);
  EXPECT_EQ(json_of(net("GET", "/routers/" + rid,
                        m.token))["router"]["external_gateway_info"]["network_id"],
            public_net);
  EXPECT_EQ(net("GET", "/ports/" + if_port, m.token).status, 200);

  // Disassociated (DOWN), the path may go.
  auto dis = net("PUT", "/floatingips/" + fid, m.token, {{"floatingip", {{"port_id", nullptr}}}});
  ASSERT_EQ(dis.status, 200) << dis.body;
  EXPECT_EQ(json_of(dis)["floatingip"]["status"], "DOWN");
  EXPECT_EQ(
      net("PUT", "/routers/" + rid + "/remove_router_interface", m.token, {{"subnet_id", sub}})
          .status,
      200);
  EXPECT_EQ(
      net("PUT", "/routers/" + rid, m.token, {{"router", {{"external_gateway_info", nullptr}}}})
          .status,
      200);
  EXPECT_EQ(net("DELETE", "/floatingips/" + fid, m.token).status, 204);
  EXPECT_EQ(net("DELETE", "/routers/" + rid, m.token).status, 204);
}

}  // namespace
}  // namespace cumulo
