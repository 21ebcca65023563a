// The real `openstack` CLI (python3-openstackclient, through openstacksdk)
// against a real `cumulo serve` (issue 18): `network rbac create/list/show/
// set/delete` sharing a network with one project, which then lists the
// network and makes a port on it; and a port's allowed address pairs, port
// security and extra DHCP options with `port create/set/unset`. Identity
// setup and the checks behind the CLI's back go over HTTP, to keep the
// number of (slow) CLI processes small.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>
#include <string>
#include <vector>

#include "tests/cli/openstack_cli.hpp"

namespace cumulo {
namespace {

class NetworkRbacCli : public openstack_cli_test {
 protected:
  http_response net(const std::string& method, const std::string& path, const std::string& token,
                    const nlohmann::json& body = nullptr) {
    return call(method, "/networking/v2.0" + path, token, body);
  }
  // A network of the admin's with a subnet, made over HTTP; its id.
  std::string admin_network(const std::string& name, const std::string& cidr) {
    auto n = net("POST", "/networks", admin_token, {{"network", {{"name", name}}}});
    EXPECT_EQ(n.status, 201) << n.body;
    const std::string id = json_of(n)["network"].value("id", "");
    auto s = net("POST", "/subnets", admin_token,
                 {{"subnet", {{"network_id", id}, {"cidr", cidr}, {"ip_version", 4}}}});
    EXPECT_EQ(s.status, 201) << s.body;
    return id;
  }
};

TEST_F(NetworkRbacCli, ANetworkSharedWithAProjectIsListedAndUsedByIt) {
  const auto alice = make_member("alice");
  const auto bob = make_member("bob");
  const cli_user alice_cli{alice.user_name, alice.password, alice.project_name};
  const std::string net_id = admin_network("shared-net", "10.20.0.0/24");
  ASSERT_FALSE(net_id.empty());

  auto created =
      cli({"network", "rbac", "create", "--target-project", alice.project_name, "--action",
           "access_as_shared", "--type", "network", "shared-net", "-f", "json"});
  ASSERT_EQ(created.exit_code, 0) << report(created);
  const auto policy = json_out(created);
  const std::string policy_id = policy.value("id", "");
  ASSERT_FALSE(policy_id.empty()) << report(created);
  EXPECT_EQ(policy.value("object_id", ""), net_id) << report(created);
  EXPECT_EQ(policy.value("object_type", ""), "network") << report(created);
  EXPECT_EQ(policy.value("action", ""), "access_as_shared") << report(created);
  EXPECT_EQ(policy.value("target_project_id", ""), alice.project_id) << report(created);

  // The target project's user sees the network and makes a port on it.
  auto listed = openstack(alice_cli, {"network", "list", "-f", "json"});
  ASSERT_EQ(listed.exit_code, 0) << report(listed);
  EXPECT_EQ(column(json_out(listed), "ID"), std::set<std::string>{net_id}) << report(listed);
  auto port = openstack(alice_cli,
                        {"port", "create", "--network", "shared-net", "alice-port", "-f", "json"});
  ASSERT_EQ(port.exit_code, 0) << report(port);
  const auto p = json_out(port);
  EXPECT_EQ(p.value("network_id", ""), net_id) << report(port);
  EXPECT_EQ(p.value("project_id", ""), alice.project_id) << report(port);
  const std::string port_id = p.value("id", "");
  // Another project does not see it.
  auto theirs = net("GET", "/networks", bob.token);
  EXPECT_EQ(json_of(theirs)["networks"], nlohmann::json::array()) << theirs.body;

  auto rbacs = cli({"network", "rbac", "list", "--long", "-f", "json"});
  ASSERT_EQ(rbacs.exit_code, 0) << report(rbacs);
  EXPECT_EQ(column(json_out(rbacs), "ID"), std::set<std::string>{policy_id}) << report(rbacs);
  EXPECT_EQ(column(json_out(rbacs), "Action"), std::set<std::string>{"access_as_shared"});
  auto shown = cli({"network", "rbac", "show", policy_id, "-f", "json"});
  ASSERT_EQ(shown.exit_code, 0) << report(shown);
  EXPECT_EQ(json_out(shown).value("target_project_id", ""), alice.project_id) << report(shown);

  // Her port keeps the policy: it can neither move to bob nor go.
  auto moved = cli({"network", "rbac", "set", "--target-project", bob.project_name, policy_id});
  EXPECT_NE(moved.exit_code, 0) << report(moved);
  auto kept = cli({"network", "rbac", "delete", policy_id});
  EXPECT_NE(kept.exit_code, 0) << report(kept);
  ASSERT_EQ(net("DELETE", "/ports/" + port_id, alice.token).status, 204);

  moved = cli({"network", "rbac", "set", "--target-project", bob.project_name, policy_id});
  ASSERT_EQ(moved.exit_code, 0) << report(moved);
  auto after = net("GET", "/rbac-policies/" + policy_id, admin_token);
  EXPECT_EQ(json_of(after)["rbac_policy"]["target_tenant"], bob.project_id) << after.body;
  EXPECT_EQ(net("GET", "/networks/" + net_id, alice.token).status, 404);
  EXPECT_EQ(net("GET", "/networks/" + net_id, bob.token).status, 200);

  auto deleted = cli({"network", "rbac", "delete", policy_id});
  EXPECT_EQ(deleted.exit_code, 0) << report(deleted);
  EXPECT_EQ(net("GET", "/networks/" + net_id, bob.token).status, 404);
  EXPECT_LE(invocations, 10);
}

TEST_F(NetworkRbacCli, PortAttributesWithPortCreateSetAndUnset) {
  const std::string net_id = admin_network("pnet", "10.30.0.0/24");
  ASSERT_FALSE(net_id.empty());

  auto created =
      cli({"port", "create", "--network", "pnet", "--allowed-address", "ip-address=10.30.0.50",
           "--allowed-address", "ip-address=10.31.0.0/28,mac-address=fa:16:3e:11:22:33",
           "--extra-dhcp-option", "name=tftp-server,value=10.30.0.9", "--extra-dhcp-option",
           "name=bootfile-name,value=pxelinux.0", "p1", "-f", "json"});
  ASSERT_EQ(created.exit_code, 0) << report(created);
  const auto p1 = json_out(created);
  const std::string id = p1.value("id", "");
  const std::string mac = p1.value("mac_address", "");
  EXPECT_EQ(p1["allowed_address_pairs"],
            nlohmann::json::parse(R"([{"ip_address": "10.30.0.50", "mac_address": ")" + mac +
                                  R"("}, {"ip_address": "10.31.0.0/28", "mac_address": )"
                                  R"("fa:16:3e:11:22:33"}])"))
      << report(created);
  EXPECT_EQ(p1["extra_dhcp_opts"].size(), 2u) << report(created);
  EXPECT_EQ(p1["port_security_enabled"], true) << report(created);

  // Port security off, with no groups (no default one) and no pairs.
  auto open =
      cli({"port", "create", "--network", "pnet", "--disable-port-security", "p2", "-f", "json"});
  ASSERT_EQ(open.exit_code, 0) << report(open);
  EXPECT_EQ(json_out(open)["port_security_enabled"], false) << report(open);
  EXPECT_EQ(json_out(open)["security_group_ids"], nlohmann::json::array()) << report(open);
  auto refused = cli({"port", "create", "--network", "pnet", "--disable-port-security",
                      "--allowed-address", "ip-address=10.30.0.60", "p3"});
  EXPECT_NE(refused.exit_code, 0) << report(refused);

  // p1 keeps its port security while it has a group and pairs; all at once works.
  auto kept = cli({"port", "set", "--disable-port-security", "p1"});
  EXPECT_NE(kept.exit_code, 0) << report(kept);
  auto off = cli({"port", "set", "--disable-port-security", "--no-security-group",
                  "--no-allowed-address", "p1"});
  ASSERT_EQ(off.exit_code, 0) << report(off);
  auto after_off = json_of(net("GET", "/ports/" + id, admin_token))["port"];
  EXPECT_EQ(after_off["port_security_enabled"], false) << after_off.dump();
  EXPECT_EQ(after_off["security_groups"], nlohmann::json::array());
  EXPECT_EQ(after_off["allowed_address_pairs"], nlohmann::json::array());

  // Back on with a pair; a DHCP option changed, another added.
  auto on =
      cli({"port", "set", "--enable-port-security", "--allowed-address", "ip-address=10.30.0.70",
           "--extra-dhcp-option", "name=tftp-server,value=10.30.0.10", "--extra-dhcp-option",
           "name=server-ip-address,value=10.30.0.11", "p1"});
  ASSERT_EQ(on.exit_code, 0) << report(on);
  auto after_on = json_of(net("GET", "/ports/" + id, admin_token))["port"];
  EXPECT_EQ(after_on["port_security_enabled"], true) << after_on.dump();
  EXPECT_EQ(
      after_on["allowed_address_pairs"],
      nlohmann::json::parse(R"([{"ip_address": "10.30.0.70", "mac_address": ")" + mac + R"("}])"));
  EXPECT_EQ(after_on["extra_dhcp_opts"], nlohmann::json::parse(R"([
      {"opt_name": "tftp-server", "opt_value": "10.30.0.10", "ip_version": 4},
      {"opt_name": "bootfile-name", "opt_value": "pxelinux.0", "ip_version": 4},
      {"opt_name": "server-ip-address", "opt_value": "10.30.0.11", "ip_version": 4}])"));

  // unset names a pair as the port shows it: address and MAC.
  auto unset =
      cli({"port", "unset", "--allowed-address", "ip-address=10.30.0.70,mac-address=" + mac, "p1"});
  ASSERT_EQ(unset.exit_code, 0) << report(unset);
  auto shown = cli({"port", "show", "p1", "-f", "json"});
  ASSERT_EQ(shown.exit_code, 0) << report(shown);
  EXPECT_EQ(json_out(shown)["allowed_address_pairs"], nlohmann::json::array()) << report(shown);
  EXPECT_EQ(json_out(shown)["extra_dhcp_opts"].size(), 3u) << report(shown);
  EXPECT_LE(invocations, 9);
}

}  // namespace
}  // namespace cumulo
