// The real `openstack` CLI (python3-openstackclient, through openstacksdk)
// against a real `cumulo serve`: security groups and rules, routers with a
// gateway and an interface, and a floating IP on a port, as a user types
// them, in a clean environment (env -i), parsed from `-f json`. The admin
// makes the external network; a member does the rest. Identity setup and
// the checks behind the CLI's back go over HTTP, to keep the number of
// (slow) CLI processes small.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "tests/cli/openstack_cli.hpp"

namespace cumulo {
namespace {

class NetworkL3Cli : public openstack_cli_test {
 protected:
  http_response net(const std::string& method, const std::string& path, const std::string& token,
                    const nlohmann::json& body = nullptr) {
    return call(method, "/networking/v2.0" + path, token, body);
  }
};

TEST_F(NetworkL3Cli, GroupsRulesRoutersAndAFloatingIpAsAUserTypesThem) {
  auto m = make_member("carol");
  ASSERT_FALSE(m.token.empty());
  const cli_user admin{"admin", kAdminPassword, "admin"};
  const cli_user carol{m.user_name, m.password, m.project_name};

  // --- security groups ---
  auto sg = openstack(carol, {"security", "group", "create", "web", "-f", "json"});
  ASSERT_EQ(sg.exit_code, 0) << report(sg);
  const auto g = json_out(sg);
  const std::string gid = g.value("id", "");
  ASSERT_FALSE(gid.empty()) << report(sg);
  EXPECT_EQ(g.value("name", ""), "web");

  auto rule = openstack(carol, {"security", "group", "rule", "create", "--proto", "tcp",
                                "--dst-port", "22", "web", "-f", "json"});
  ASSERT_EQ(rule.exit_code, 0) << report(rule);
  const auto rj = json_out(rule);
  const std::string rule_id = rj.value("id", "");
  EXPECT_EQ(rj.value("protocol", ""), "tcp") << report(rule);
  EXPECT_EQ(rj.value("port_range_min", 0), 22) << report(rule);
  EXPECT_EQ(rj.value("port_range_max", 0), 22) << report(rule);
  EXPECT_EQ(rj.value("direction", ""), "ingress") << report(rule);
  EXPECT_EQ(rj.value("security_group_id", ""), gid) << report(rule);

  auto rules = openstack(carol, {"security", "group", "rule", "list", "web", "-f", "json"});
  ASSERT_EQ(rules.exit_code, 0) << report(rules);
  const auto rows = json_out(rules);
  ASSERT_TRUE(rows.is_array()) << report(rules);
  EXPECT_EQ(rows.size(), 3u) << report(rules);  // two egress rules and ssh
  bool ssh = false;
  for (const auto& row : rows)
    if (row.value("ID", "") == rule_id) {
      ssh = true;
      EXPECT_EQ(row.value("IP Protocol", ""), "tcp") << row.dump();
      EXPECT_EQ(row.value("Port Range", ""), "22:22") << row.dump();
      EXPECT_EQ(row.value("Direction", ""), "ingress") << row.dump();
    }
  EXPECT_TRUE(ssh) << report(rules);

  // --- the external network (the admin's) and a private one ---
  auto pub = openstack(admin, {"network", "create", "--external", "public", "-f", "json"});
  ASSERT_EQ(pub.exit_code, 0) << report(pub);
  const std::string public_id = json_out(pub).value("id", "");
  EXPECT_EQ(json_out(pub).value("router:external", false), true) << report(pub);
  auto pub_sub = openstack(admin, {"subnet", "create", "--network", "public", "--subnet-range",
                                   "172.24.4.0/24", "public-subnet", "-f", "json"});
  ASSERT_EQ(pub_sub.exit_code, 0) << report(pub_sub);

  auto priv = openstack(carol, {"network", "create", "private", "-f", "json"});
  ASSERT_EQ(priv.exit_code, 0) << report(priv);
  const std::string private_id = json_out(priv).value("id", "");
  auto priv_sub = openstack(carol, {"subnet", "create", "--network", "private", "--subnet-range",
                                    "10.0.0.0/24", "private-subnet", "-f", "json"});
  ASSERT_EQ(priv_sub.exit_code, 0) << report(priv_sub);
  const std::string private_subnet_id = json_out(priv_sub).value("id", "");

  // --- the router ---
  auto rt = openstack(carol, {"router", "create", "r1", "-f", "json"});
  ASSERT_EQ(rt.exit_code, 0) << report(rt);
  const std::string router_id = json_out(rt).value("id", "");
  ASSERT_FALSE(router_id.empty()) << report(rt);

  auto gw = openstack(carol, {"router", "set", "--external-gateway", "public", "r1"});
  ASSERT_EQ(gw.exit_code, 0) << report(gw);
  auto add = openstack(carol, {"router", "add", "subnet", "r1", "private-subnet"});
  ASSERT_EQ(add.exit_code, 0) << report(add);

  auto shown = net("GET", "/routers/" + router_id, m.token);
  ASSERT_EQ(shown.status, 200) << shown.body;
  EXPECT_EQ(json_of(shown)["router"]["external_gateway_info"]["network_id"], public_id)
      << shown.body;
  auto if_ports = json_of(net("GET", "/ports?device_id=" + router_id, m.token))["ports"];
  ASSERT_EQ(if_ports.size(), 1u) << if_ports.dump();
  EXPECT_EQ(if_ports[0]["device_owner"], "network:router_interface");
  EXPECT_EQ(if_ports[0]["fixed_ips"][0]["ip_address"], "10.0.0.1");

  // --- a port and a floating IP on it ---
  auto p = openstack(carol, {"port", "create", "--network", "private", "p1", "-f", "json"});
  ASSERT_EQ(p.exit_code, 0) << report(p);
  const std::string port_id = json_out(p).value("id", "");
  const auto port_body = json_of(net("GET", "/ports/" + port_id, m.token))["port"];
  const std::string fixed_ip = port_body["fixed_ips"][0].value("ip_address", "");
  // The port has carol's default group.
  const auto defaults =
      json_of(net("GET", "/security-groups?name=default", m.token))["security_groups"];
  ASSERT_EQ(defaults.size(), 1u) << defaults.dump();
  EXPECT_EQ(port_body["security_groups"], nlohmann::json::array({defaults[0]["id"]}));

  auto fc = openstack(carol, {"floating", "ip", "create", "public", "-f", "json"});
  ASSERT_EQ(fc.exit_code, 0) << report(fc);
  const auto f = json_out(fc);
  const std::string fip_id = f.value("id", "");
  const std::string address = f.value("floating_ip_address", "");
  ASSERT_FALSE(fip_id.empty()) << report(fc);
  EXPECT_EQ(address.rfind("172.24.4.", 0), 0u) << report(fc);
  EXPECT_EQ(f.value("floating_network_id", ""), public_id) << report(fc);

  auto fs = openstack(carol, {"floating", "ip", "set", "--port", "p1", fip_id});
  ASSERT_EQ(fs.exit_code, 0) << report(fs);

  auto fl = openstack(carol, {"floating", "ip", "list", "-f", "json"});
  ASSERT_EQ(fl.exit_code, 0) << report(fl);
  const auto flist = json_out(fl);
  ASSERT_TRUE(flist.is_array() && flist.size() == 1u) << report(fl);
  EXPECT_EQ(flist[0].value("ID", ""), fip_id) << report(fl);
  EXPECT_EQ(flist[0].value("Floating IP Address", ""), address) << report(fl);
  EXPECT_EQ(flist[0].value("Fixed IP Address", ""), fixed_ip) << report(fl);
  EXPECT_EQ(flist[0].value("Port", ""), port_id) << report(fl);
  EXPECT_EQ(flist[0].value("Floating Network", ""), public_id) << report(fl);

  auto fshow = json_of(net("GET", "/floatingips/" + fip_id, m.token))["floatingip"];
  EXPECT_EQ(fshow["status"], "ACTIVE") << fshow.dump();
  EXPECT_EQ(fshow["router_id"], router_id) << fshow.dump();

  // --- taking it apart ---
  auto fu = openstack(carol, {"floating", "ip", "unset", "--port", fip_id});
  ASSERT_EQ(fu.exit_code, 0) << report(fu);
  fshow = json_of(net("GET", "/floatingips/" + fip_id, m.token))["floatingip"];
  EXPECT_TRUE(fshow["port_id"].is_null()) << fshow.dump();
  EXPECT_EQ(fshow["status"], "DOWN") << fshow.dump();

  // A router with an interface can't go.
  auto in_use = openstack(carol, {"router", "delete", "r1"});
  EXPECT_NE(in_use.exit_code, 0) << report(in_use);

  auto rm = openstack(carol, {"router", "remove", "subnet", "r1", "private-subnet"});
  ASSERT_EQ(rm.exit_code, 0) << report(rm);
  EXPECT_TRUE(json_of(net("GET", "/ports?device_owner=network:router_interface&device_id=" +
                                     router_id,
                                 m.token))["ports"]
                  .empty());

  auto fd = openstack(carol, {"floating", "ip", "delete", fip_id});
  EXPECT_EQ(fd.exit_code, 0) << report(fd);
  auto rd = openstack(carol, {"router", "delete", "r1"});
  EXPECT_EQ(rd.exit_code, 0) << report(rd);
  auto sd = openstack(carol, {"security", "group", "delete", "web"});
  EXPECT_EQ(sd.exit_code, 0) << report(sd);

  EXPECT_EQ(net("GET", "/floatingips/" + fip_id, m.token).status, 404);
  EXPECT_EQ(net("GET", "/routers/" + router_id, m.token).status, 404);
  EXPECT_EQ(net("GET", "/security-groups/" + gid, m.token).status, 404);
  // The floating IP's and the gateway's ports went with them.
  EXPECT_TRUE(json_of(net("GET", "/ports?network_id=" + public_id, admin_token))["ports"].empty());
  EXPECT_EQ(json_of(net("GET", "/networks/" + private_id, m.token))["network"]["id"], private_id);
  EXPECT_LE(invocations, 22);
}

// Neutron's ext-gw-mode as the CLI sets it: `router set --external-gateway
// public --disable-snat` and `--fixed-ip subnet=...,ip-address=...` (an
// admin's: a member's --disable-snat is refused). The networks and the
// router are made over HTTP, to keep the number of CLI processes small.
TEST_F(NetworkL3Cli, AnAdminTurnsSnatOffAndPicksTheGatewayAddress) {
  auto m = make_member("dave");
  ASSERT_FALSE(m.token.empty());
  const cli_user dave{m.user_name, m.password, m.project_name};
  auto pub = net("POST", "/networks", admin_token,
                 {{"network", {{"name", "public"}, {"router:external", true}}}});
  ASSERT_EQ(pub.status, 201) << pub.body;
  const std::string public_id = json_of(pub)["network"]["id"];
  auto pub_sub = net("POST", "/subnets", admin_token,
                     {{"subnet",
                       {{"name", "public-subnet"},
                        {"network_id", public_id},
                        {"cidr", "172.24.4.0/24"},
                        {"ip_version", 4}}}});
  ASSERT_EQ(pub_sub.status, 201) << pub_sub.body;
  const std::string public_subnet_id = json_of(pub_sub)["subnet"]["id"];
  auto rt = net("POST", "/routers", m.token, {{"router", {{"name", "r1"}}}});
  ASSERT_EQ(rt.status, 201) << rt.body;
  const std::string router_id = json_of(rt)["router"]["id"];
  auto router_now = [&] {
    auto shown = net("GET", "/routers/" + router_id, m.token);
    EXPECT_EQ(shown.status, 200) << shown.body;
    return json_of(shown)["router"];
  };

  auto refused =
      openstack(dave, {"router", "set", "--external-gateway", "public", "--disable-snat", "r1"});
  EXPECT_NE(refused.exit_code, 0) << report(refused);
  EXPECT_TRUE(router_now()["external_gateway_info"].is_null()) << router_now().dump();

  auto off = cli({"router", "set", "--external-gateway", "public", "--disable-snat", router_id});
  ASSERT_EQ(off.exit_code, 0) << report(off);
  auto info = router_now()["external_gateway_info"];
  ASSERT_TRUE(info.is_object()) << info.dump();
  EXPECT_EQ(info["network_id"], public_id) << info.dump();
  EXPECT_EQ(info["enable_snat"], false) << info.dump();

  auto fixed = cli({"router", "set", "--external-gateway", "public", "--disable-snat", "--fixed-ip",
                    "subnet=public-subnet,ip-address=172.24.4.77", router_id});
  ASSERT_EQ(fixed.exit_code, 0) << report(fixed);
  info = router_now()["external_gateway_info"];
  EXPECT_EQ(info["enable_snat"], false) << info.dump();
  EXPECT_EQ(info["external_fixed_ips"],
            (nlohmann::json{{{"subnet_id", public_subnet_id}, {"ip_address", "172.24.4.77"}}}))
      << info.dump();
  auto gw_ports = json_of(net("GET", "/ports?device_id=" + router_id, admin_token))["ports"];
  ASSERT_EQ(gw_ports.size(), 1u) << gw_ports.dump();
  EXPECT_EQ(gw_ports[0]["fixed_ips"][0]["ip_address"], "172.24.4.77");
  EXPECT_LE(invocations, 3);
}

}  // namespace
}  // namespace cumulo
