// A server's addresses over HTTP on a real `cumulo serve` (issue 19): its
// floating IPs as Nova shows them (after the port's fixed address, type
// "floating", the port's MAC) in the server, /servers/detail and /ips, for
// as long as networking has them associated; and a network without port
// security, which takes a server without security groups and refuses one
// that asks for some, as Nova does.
#include <gtest/gtest.h>

#include "tests/support/compute_servers_support.hpp"

namespace cumulo {
namespace {

using nlohmann::json;

class ServerAddresses : public servers_test {
 protected:
  http_response net(const std::string& method, const std::string& path, const std::string& token,
                    const json& body = nullptr) {
    return call(method, "/networking/v2.0" + path, token, body);
  }
  json created(const http_response& r, const std::string& key) {
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? json_of(r)[key] : json::object();
  }

  // The admin's external network "public" (172.24.4.0/24) and a router of
  // the member's with its gateway there and an interface on `network`'s
  // subnet: the path a floating IP needs. The router's id.
  std::string route(const member_account& m, const std::string& network) {
    if (public_net.empty()) {
      public_net = created(net("POST", "/networks", admin_token,
                               {{"network", {{"name", "public"}, {"router:external", true}}}}),
                           "network")
                       .value("id", "");
      created(net("POST", "/subnets", admin_token,
                  {{"subnet",
                    {{"network_id", public_net}, {"cidr", "172.24.4.0/24"}, {"ip_version", 4}}}}),
              "subnet");
    }
    const std::string router =
        created(
            net("POST", "/routers", m.token,
                {{"router",
                  {{"name", "edge"}, {"external_gateway_info", {{"network_id", public_net}}}}}}),
            "router")
            .value("id", "");
    auto subnets = json_of(net("GET", "/subnets?network_id=" + network, m.token))["subnets"];
    EXPECT_EQ(subnets.size(), 1u) << subnets.dump();
    const std::string subnet = subnets.empty() ? "" : subnets[0].value("id", "");
    auto add = net("PUT", "/routers/" + router + "/add_router_interface", m.token,
                   {{"subnet_id", subnet}});
    EXPECT_EQ(add.status, 200) << add.body;
    return router;
  }
  // The server's one port, as networking has it.
  json port_of(const std::string& token, const std::string& server) {
    auto ports = json_of(net("GET", "/ports?device_id=" + server, token))["ports"];
    EXPECT_EQ(ports.size(), 1u) << ports.dump();
    return ports.empty() ? json::object() : ports[0];
  }
  // A floating IP of the member's on "public", associated with `port`.
  json floating_ip(const std::string& token, const std::string& port) {
    return created(net("POST", "/floatingips", token,
                       {{"floatingip", {{"floating_network_id", public_net}, {"port_id", port}}}}),
                   "floatingip");
  }
  // The server as the member sees it now.
  json server(const std::string& token, const std::string& id, const std::string& version = "") {
    auto r = compute("GET", "/servers/" + id, token, nullptr, version);
    EXPECT_EQ(r.status, 200) << r.body;
    return json_of(r)["server"];
  }
  json detail_of(const std::string& token, const std::string& id, const std::string& query = "") {
    auto r = compute("GET", "/servers/detail" + query, token);
    EXPECT_EQ(r.status, 200) << r.body;
    const json body = json_of(r);  // kept: a range-for over its member would outlive it
    for (const auto& s : body["servers"])
      if (s.value("id", "") == id) return s;
    ADD_FAILURE() << id << " is not in /servers/detail" << query << ": " << r.body;
    return json::object();
  }

  std::string public_net;
};

json entry(const std::string& addr, const std::string& type, const std::string& mac) {
  return {
      {"addr", addr}, {"version", 4}, {"OS-EXT-IPS:type", type}, {"OS-EXT-IPS-MAC:mac_addr", mac}};
}

TEST_F(ServerAddresses, AFloatingIpFollowsItsPortsFixedAddressWhileAssociated) {
  auto m = make_member("fern");
  const auto net1 = make_network(m.token, "net1");
  ASSERT_FALSE(route(m, net1).empty());
  const auto id = boot(m.token, "vm1", net1);
  const auto before = settle(m.token, id);
  ASSERT_EQ(before.value("status", ""), "ACTIVE") << before.dump();
  ASSERT_EQ(before["addresses"]["net1"].size(), 1u) << before.dump();
  const std::string fixed = before["addresses"]["net1"][0]["addr"];
  const auto port = port_of(m.token, id);
  const std::string mac = port.value("mac_address", "");
  ASSERT_FALSE(mac.empty()) << port.dump();

  const auto fip = floating_ip(m.token, port.value("id", ""));
  const std::string address = fip.value("floating_ip_address", "");
  ASSERT_EQ(address.rfind("172.24.4.", 0), 0u) << fip.dump();
  EXPECT_EQ(fip["status"], "ACTIVE");

  // The server: the fixed address, then the floating one, on the port's network.
  const json both = json::array({entry(fixed, "fixed", mac), entry(address, "floating", mac)});
  EXPECT_EQ(server(m.token, id)["addresses"], json({{"net1", both}}));
  EXPECT_EQ(server(m.token, id, "2.47")["addresses"], json({{"net1", both}}));
  EXPECT_EQ(detail_of(m.token, id)["addresses"], json({{"net1", both}}));
  // The admin's view of every project lists it too.
  EXPECT_EQ(detail_of(admin_token, id, "?all_tenants=1")["addresses"], json({{"net1", both}}));

  // /ips: the same addresses, {addr, version} each.
  const json plain =
      json::array({{{"addr", fixed}, {"version", 4}}, {{"addr", address}, {"version", 4}}});
  auto ips = compute("GET", "/servers/" + id + "/ips", m.token);
  ASSERT_EQ(ips.status, 200) << ips.body;
  EXPECT_EQ(json_of(ips), json({{"addresses", {{"net1", plain}}}}));
  auto one = compute("GET", "/servers/" + id + "/ips/net1", m.token);
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(json_of(one), json({{"net1", plain}}));
  expect_nova_error(compute("GET", "/servers/" + id + "/ips/public", m.token), 404,
                    "Instance is not a member of specified network");

  // A rename answers with both (before 2.75 without the OS-EXT-IPS attributes).
  auto renamed = compute("PUT", "/servers/" + id, m.token, {{"server", {{"name", "vm-1"}}}});
  ASSERT_EQ(renamed.status, 200) << renamed.body;
  EXPECT_EQ(json_of(renamed)["server"]["addresses"], json({{"net1", plain}}));

  // Disassociated: the fixed address alone, at once.
  const std::string fip_id = fip.value("id", "");
  auto off =
      net("PUT", "/floatingips/" + fip_id, m.token, {{"floatingip", {{"port_id", nullptr}}}});
  ASSERT_EQ(off.status, 200) << off.body;
  const json alone = json::array({entry(fixed, "fixed", mac)});
  EXPECT_EQ(server(m.token, id)["addresses"], json({{"net1", alone}}));
  EXPECT_EQ(detail_of(m.token, id)["addresses"], json({{"net1", alone}}));

  // Associated again, then deleted: gone with it.
  auto on = net("PUT", "/floatingips/" + fip_id, m.token,
                {{"floatingip", {{"port_id", port.value("id", "")}}}});
  ASSERT_EQ(on.status, 200) << on.body;
  EXPECT_EQ(server(m.token, id)["addresses"], json({{"net1", both}}));
  ASSERT_EQ(net("DELETE", "/floatingips/" + fip_id, m.token).status, 204);
  EXPECT_EQ(server(m.token, id)["addresses"], json({{"net1", alone}}));
}

// One page of /servers/detail asks networking once; every server of it
// shows its own floating IP and only its own, across pages and a restart.
TEST_F(ServerAddresses, EachServerOfAPageShowsItsOwnFloatingIp) {
  auto m = make_member("gus");
  const auto net1 = make_network(m.token, "net1");
  ASSERT_FALSE(route(m, net1).empty());
  std::map<std::string, std::string> floating;  // server id -> its floating IP
  std::string bare;                             // a server without one
  for (const char* name : {"a", "b", "c"}) {
    const auto id = boot(m.token, name, net1);
    ASSERT_EQ(settle(m.token, id).value("status", ""), "ACTIVE");
    if (std::string(name) == "c") {
      bare = id;
      continue;
    }
    floating[id] =
        floating_ip(m.token, port_of(m.token, id).value("id", "")).value("floating_ip_address", "");
    ASSERT_FALSE(floating[id].empty());
  }
  auto check = [&](const json& s) {
    const auto& list = s["addresses"]["net1"];
    const std::string id = s.value("id", "");
    if (id == bare) {
      EXPECT_EQ(list.size(), 1u) << s.dump();
      return;
    }
    ASSERT_EQ(list.size(), 2u) << s.dump();
    EXPECT_EQ(list[0]["OS-EXT-IPS:type"], "fixed");
    EXPECT_EQ(list[1]["OS-EXT-IPS:type"], "floating");
    EXPECT_EQ(list[1]["addr"], floating[id]) << s.dump();
    EXPECT_EQ(list[1]["OS-EXT-IPS-MAC:mac_addr"], list[0]["OS-EXT-IPS-MAC:mac_addr"]);
  };
  auto all = compute("GET", "/servers/detail", m.token);
  ASSERT_EQ(all.status, 200) << all.body;
  ASSERT_EQ(json_of(all)["servers"].size(), 3u) << all.body;
  const json all_body = json_of(all);  // kept: the range-for reads into it
  for (const auto& s : all_body["servers"]) check(s);

  // Page by page (limit 1, the next link's marker): the same answers.
  std::string marker;
  for (int page = 0; page < 3; ++page) {
    auto r = compute("GET", "/servers/detail?limit=1" + (marker.empty() ? "" : "&marker=" + marker),
                     m.token);
    ASSERT_EQ(r.status, 200) << r.body;
    const auto servers = json_of(r)["servers"];
    ASSERT_EQ(servers.size(), 1u) << r.body;
    check(servers[0]);
    marker = servers[0].value("id", "");
  }
  // The summary list has no addresses.
  const json summary = json_of(compute("GET", "/servers", m.token));
  ASSERT_EQ(summary["servers"].size(), 3u) << summary.dump();
  for (const auto& s : summary["servers"]) EXPECT_FALSE(s.contains("addresses")) << s.dump();

  // The association is networking's, kept in its log: a restart shows the same.
  ASSERT_NO_FATAL_FAILURE(restart());
  auto again = compute("GET", "/servers/detail", m.token);
  ASSERT_EQ(again.status, 200) << again.body;
  ASSERT_EQ(json_of(again)["servers"].size(), 3u) << again.body;
  const json again_body = json_of(again);
  for (const auto& s : again_body["servers"]) check(s);
}

// Nova on a network whose port_security_enabled is false: without
// --security-group the server boots and its port has no group (Nova asks
// Neutron for none: "default" alone is no request); asking for groups
// there is 400 SecurityGroupCannotBeApplied at a create; an os-interface
// attach asks for none, so it gets a port without groups there.
TEST_F(ServerAddresses, ANetworkWithoutPortSecurityTakesServersWithoutGroups) {
  auto m = make_member("hal");
  auto n = net("POST", "/networks", m.token,
               {{"network", {{"name", "open"}, {"port_security_enabled", false}}}});
  ASSERT_EQ(n.status, 201) << n.body;
  const std::string open = json_of(n)["network"].value("id", "");
  ASSERT_EQ(net("POST", "/subnets", m.token,
                {{"subnet", {{"network_id", open}, {"cidr", "10.9.0.0/24"}, {"ip_version", 4}}}})
                .status,
            201);
  auto g = net("POST", "/security-groups", m.token, {{"security_group", {{"name", "web"}}}});
  ASSERT_EQ(g.status, 201) << g.body;

  const auto plain = boot(m.token, "plain", open);
  const auto s = settle(m.token, plain);
  ASSERT_EQ(s.value("status", ""), "ACTIVE") << s.dump();
  EXPECT_EQ(s["addresses"]["open"][0]["addr"].get<std::string>().rfind("10.9.0.", 0), 0u)
      << s.dump();
  const auto p = port_of(m.token, plain);
  EXPECT_EQ(p["port_security_enabled"], false) << p.dump();
  EXPECT_EQ(p["security_groups"], json::array()) << p.dump();

  // "default" named alone is no request for groups either (Nova's).
  auto with_default = boot_body("with-default", open);
  with_default["server"]["security_groups"] = json::array({{{"name", "default"}}});
  auto d = compute("POST", "/servers", m.token, with_default);
  ASSERT_EQ(d.status, 202) << d.body;
  const std::string d_id = json_of(d)["server"].value("id", "");
  EXPECT_EQ(settle(m.token, d_id).value("status", ""), "ACTIVE");
  EXPECT_EQ(port_of(m.token, d_id)["security_groups"], json::array());

  const std::string refusal =
      "Network requires port_security_enabled and subnet associated in order to apply security "
      "groups.";
  auto grouped = boot_body("grouped", open);
  grouped["server"]["security_groups"] = json::array({{{"name", "web"}}});
  expect_nova_error(compute("POST", "/servers", m.token, grouped), 400, refusal);
  grouped["server"]["security_groups"] = json::array({{{"name", "web"}}, {{"name", "default"}}});
  expect_nova_error(compute("POST", "/servers", m.token, grouped), 400, refusal);
  // A group that does not exist is the first thing Nova says.
  grouped["server"]["security_groups"] = json::array({{{"name", "nope"}}});
  expect_nova_error(compute("POST", "/servers", m.token, grouped), 400,
                    "Security group nope not found for project " + m.project_id + ".");
  // Nothing was launched by the refusals.
  EXPECT_EQ(json_of(compute("GET", "/servers", m.token))["servers"].size(), 2u);

  // A server with a group, booted on a network with port security, takes
  // a port on the open network too (os-interface): Nova asks Neutron for no
  // group on an attach, and the open network gives none.
  const auto secured = make_network(m.token, "secured", "10.8.0.0/24");
  auto b = boot_body("web-vm", secured);
  b["server"]["security_groups"] = json::array({{{"name", "web"}}});
  auto r = compute("POST", "/servers", m.token, b);
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string web_vm = json_of(r)["server"].value("id", "");
  ASSERT_EQ(settle(m.token, web_vm).value("status", ""), "ACTIVE");
  auto attached = compute("POST", "/servers/" + web_vm + "/os-interface", m.token,
                          {{"interfaceAttachment", {{"net_id", open}}}});
  ASSERT_EQ(attached.status, 200) << attached.body;
  const std::string open_port = json_of(attached)["interfaceAttachment"].value("port_id", "");
  auto shown = net("GET", "/ports/" + open_port, m.token);
  ASSERT_EQ(shown.status, 200) << shown.body;
  EXPECT_EQ(json_of(shown)["port"]["security_groups"], json::array()) << shown.body;
  EXPECT_EQ(json_of(shown)["port"]["port_security_enabled"], false) << shown.body;
  EXPECT_EQ(settle(m.token, web_vm)["addresses"]["open"].size(), 1u);
}

}  // namespace
}  // namespace cumulo
