// The real `openstack` CLI (python3-openstackclient, through openstacksdk)
// against a real `cumulo serve`: network, subnet and port commands as a
// user types them, in a clean environment (env -i), parsed from `-f json`.
// Identity setup (a member and its project) goes over HTTP to keep the
// number of (slow) CLI processes small.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "tests/cli/openstack_cli.hpp"

namespace cumulo {
namespace {

// The whole fixture is openstack_cli_test.
using NetworkCli = openstack_cli_test;

TEST_F(NetworkCli, NetworkSubnetAndPortLifecycle) {
  auto created = cli({"network", "create", "net1", "-f", "json"});
  ASSERT_EQ(created.exit_code, 0) << report(created);
  auto n = json_out(created);
  const std::string net_id = n.value("id", "");
  EXPECT_FALSE(net_id.empty()) << report(created);
  EXPECT_EQ(n["name"], "net1");
  EXPECT_EQ(n["status"], "ACTIVE");
  EXPECT_EQ(n["shared"], false) << report(created);

  auto renamed = cli({"network", "set", "--name", "net1b", "net1"});
  ASSERT_EQ(renamed.exit_code, 0) << report(renamed);
  EXPECT_TRUE(renamed.out.empty()) << report(renamed);

  auto subnet = cli({"subnet", "create", "--network", "net1b", "--subnet-range", "10.0.0.0/24",
                     "sub1", "-f", "json"});
  ASSERT_EQ(subnet.exit_code, 0) << report(subnet);
  auto s = json_out(subnet);
  const std::string subnet_id = s.value("id", "");
  EXPECT_EQ(s["cidr"], "10.0.0.0/24") << report(subnet);
  EXPECT_EQ(s["gateway_ip"], "10.0.0.1") << report(subnet);
  EXPECT_EQ(s["network_id"], net_id) << report(subnet);
  EXPECT_EQ(s["ip_version"], 4) << report(subnet);
  EXPECT_EQ(s["allocation_pools"],
            nlohmann::json::parse(R"([{"start": "10.0.0.2", "end": "10.0.0.254"}])"))
      << report(subnet);

  // network show by its new name lists the subnet.
  auto shown = cli({"network", "show", "net1b", "-f", "json"});
  ASSERT_EQ(shown.exit_code, 0) << report(shown);
  auto sn = json_out(shown);
  EXPECT_EQ(sn["id"], net_id);
  EXPECT_EQ(sn["name"], "net1b");
  EXPECT_EQ(sn["subnets"], nlohmann::json::array({subnet_id})) << report(shown);

  auto subnets = cli({"subnet", "list", "-f", "json"});
  ASSERT_EQ(subnets.exit_code, 0) << report(subnets);
  auto sl = json_out(subnets);
  ASSERT_TRUE(sl.is_array() && sl.size() == 1u) << report(subnets);
  EXPECT_EQ(sl[0]["ID"], subnet_id);
  EXPECT_EQ(sl[0]["Name"], "sub1");
  EXPECT_EQ(sl[0]["Network"], net_id);
  EXPECT_EQ(sl[0]["Subnet"], "10.0.0.0/24");

  auto subnet_shown = cli({"subnet", "show", "sub1", "-f", "json"});
  ASSERT_EQ(subnet_shown.exit_code, 0) << report(subnet_shown);
  EXPECT_EQ(json_out(subnet_shown)["id"], subnet_id);
  EXPECT_EQ(json_out(subnet_shown)["enable_dhcp"], true) << report(subnet_shown);

  auto port = cli({"port", "create", "--network", "net1b", "port1", "-f", "json"});
  ASSERT_EQ(port.exit_code, 0) << report(port);
  auto p = json_out(port);
  const std::string port_id = p.value("id", "");
  EXPECT_TRUE(std::regex_match(p.value("mac_address", ""),
                               std::regex("^fa:16:3e(:[0-9a-f]{2}){3}$")))
      << report(port);
  ASSERT_TRUE(p["fixed_ips"].is_array() && p["fixed_ips"].size() == 1u) << report(port);
  EXPECT_EQ(p["fixed_ips"][0]["subnet_id"], subnet_id);
  const std::string ip = p["fixed_ips"][0].value("ip_address", "");
  EXPECT_EQ(ip.rfind("10.0.0.", 0), 0u) << report(port);
  EXPECT_NE(ip, "10.0.0.1");

  auto ports = cli({"port", "list", "-f", "json"});
  ASSERT_EQ(ports.exit_code, 0) << report(ports);
  auto pl = json_out(ports);
  ASSERT_TRUE(pl.is_array() && pl.size() == 1u) << report(ports);
  EXPECT_EQ(pl[0]["ID"], port_id);
  EXPECT_EQ(pl[0]["Name"], "port1");
  EXPECT_EQ(pl[0]["MAC Address"], p["mac_address"]);

  auto port_shown = cli({"port", "show", "port1", "-f", "json"});
  ASSERT_EQ(port_shown.exit_code, 0) << report(port_shown);
  EXPECT_EQ(json_out(port_shown)["id"], port_id);
  EXPECT_EQ(json_out(port_shown)["fixed_ips"], p["fixed_ips"]) << report(port_shown);

  // A network with a port can't go (NetworkInUse); the CLI says so and fails.
  auto busy = cli({"network", "delete", "net1b"});
  EXPECT_NE(busy.exit_code, 0) << report(busy);

  auto del_port = cli({"port", "delete", "port1"});
  EXPECT_EQ(del_port.exit_code, 0) << report(del_port);
  auto del_subnet = cli({"subnet", "delete", "sub1"});
  EXPECT_EQ(del_subnet.exit_code, 0) << report(del_subnet);
  auto del_net = cli({"network", "delete", "net1b"});
  EXPECT_EQ(del_net.exit_code, 0) << report(del_net);

  auto none = cli({"network", "list", "-f", "json"});
  ASSERT_EQ(none.exit_code, 0) << report(none);
  EXPECT_EQ(json_out(none), nlohmann::json::array()) << report(none);
  EXPECT_LE(invocations, 15);
}

TEST_F(NetworkCli, SharedNetworksAreSeenByAMemberOthersAreNot) {
  const auto member = make_member("alice");
  const cli_user alice{member.user_name, member.password, member.project_name};

  auto shared = cli({"network", "create", "--share", "pub", "-f", "json"});
  ASSERT_EQ(shared.exit_code, 0) << report(shared);
  EXPECT_EQ(json_out(shared)["shared"], true) << report(shared);
  auto priv = cli({"network", "create", "secret", "-f", "json"});
  ASSERT_EQ(priv.exit_code, 0) << report(priv);
  const std::string secret_id = json_out(priv).value("id", "");

  auto all = cli({"network", "list", "-f", "json"});
  ASSERT_EQ(all.exit_code, 0) << report(all);
  EXPECT_EQ(column(json_out(all), "Name"), (std::set<std::string>{"pub", "secret"}));

  auto theirs = openstack(alice, {"network", "list", "-f", "json"});
  ASSERT_EQ(theirs.exit_code, 0) << report(theirs);
  EXPECT_EQ(column(json_out(theirs), "Name"), (std::set<std::string>{"pub"}));

  auto by_id = openstack(alice, {"network", "show", secret_id});
  EXPECT_NE(by_id.exit_code, 0) << report(by_id);
  EXPECT_NE(by_id.err.find(secret_id), std::string::npos) << report(by_id);
  auto by_name = openstack(alice, {"network", "show", "secret"});
  EXPECT_NE(by_name.exit_code, 0) << report(by_name);
  EXPECT_NE(by_name.err.find("secret"), std::string::npos) << report(by_name);
  EXPECT_LE(invocations, 7);
}

}  // namespace
}  // namespace cumulo
