// A server's floating IP with the real `openstack` CLI (issue 19): `server
// add floating ip` associates it through Neutron, then `server show` and
// `server list` (novaclient's addresses, OSC's Networks column) show it
// after the fixed address, and `server remove floating ip` takes it away.
// The network, router and server are made over HTTP: fewer slow CLI runs.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

#include "tests/cli/openstack_cli.hpp"
#include "tests/support/compute_servers_support.hpp"

namespace cumulo {
namespace {

using nlohmann::json;

class ServerAddressesCli : public openstack_cli<servers_test> {
 protected:
  static cli_user who(const member_account& m) { return {m.user_name, m.password, m.project_name}; }
  http_response net(const std::string& method, const std::string& path, const std::string& token,
                    const json& body = nullptr) {
    return call(method, "/networking/v2.0" + path, token, body);
  }
  std::string made(const http_response& r, const std::string& key) {
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? json_of(r)[key].value("id", "") : "";
  }
};

TEST_F(ServerAddressesCli, ServerShowAndListShowTheFloatingIpAfterTheFixedOne) {
  auto m = make_member("iona");
  // An admin's external network, the member's network and its router to it.
  const std::string pub = made(net("POST", "/networks", admin_token,
                                   {{"network", {{"name", "public"}, {"router:external", true}}}}),
                               "network");
  made(net("POST", "/subnets", admin_token,
           {{"subnet", {{"network_id", pub}, {"cidr", "172.24.4.0/24"}, {"ip_version", 4}}}}),
       "subnet");
  const std::string net1 = make_network(m.token, "net1");
  const std::string sub =
      json_of(net("GET", "/subnets?network_id=" + net1, m.token))["subnets"][0].value("id", "");
  const std::string router =
      made(net("POST", "/routers", m.token,
               {{"router", {{"name", "edge"}, {"external_gateway_info", {{"network_id", pub}}}}}}),
           "router");
  ASSERT_EQ(
      net("PUT", "/routers/" + router + "/add_router_interface", m.token, {{"subnet_id", sub}})
          .status,
      200);
  const std::string id = boot(m.token, "vm1", net1);
  const auto s = settle(m.token, id);
  ASSERT_EQ(s.value("status", ""), "ACTIVE") << s.dump();
  const std::string fixed = s["addresses"]["net1"][0].value("addr", "");
  ASSERT_EQ(fixed.rfind("10.0.0.", 0), 0u) << s.dump();

  auto fip = openstack(who(m), {"floating", "ip", "create", "public", "-f", "json"});
  ASSERT_EQ(fip.exit_code, 0) << report(fip);
  const std::string address = json_out(fip).value("floating_ip_address", "");
  ASSERT_EQ(address.rfind("172.24.4.", 0), 0u) << report(fip);

  auto add = openstack(who(m), {"server", "add", "floating", "ip", "vm1", address});
  ASSERT_EQ(add.exit_code, 0) << report(add);

  auto show = openstack(who(m), {"server", "show", "vm1", "-f", "json"});
  ASSERT_EQ(show.exit_code, 0) << report(show);
  EXPECT_EQ(json_out(show)["addresses"], json({{"net1", {fixed, address}}})) << report(show);
  // The Networks column as a user reads it (the table: OSC's human form).
  auto list = openstack(who(m), {"server", "list", "-c", "Name", "-c", "Networks"});
  ASSERT_EQ(list.exit_code, 0) << report(list);
  EXPECT_NE(list.out.find("| net1=" + fixed + ", " + address + " |"), std::string::npos)
      << report(list);
  auto listed = openstack(who(m), {"server", "list", "-f", "json"});
  ASSERT_EQ(listed.exit_code, 0) << report(listed);
  const auto rows = json_out(listed);
  ASSERT_TRUE(rows.is_array() && rows.size() == 1u) << report(listed);
  EXPECT_EQ(rows[0]["Networks"], json({{"net1", {fixed, address}}})) << report(listed);

  auto remove = openstack(who(m), {"server", "remove", "floating", "ip", "vm1", address});
  ASSERT_EQ(remove.exit_code, 0) << report(remove);
  auto after = openstack(who(m), {"server", "list", "-c", "Name", "-c", "Networks"});
  ASSERT_EQ(after.exit_code, 0) << report(after);
  EXPECT_NE(after.out.find("| net1=" + fixed + " |"), std::string::npos) << report(after);
  EXPECT_EQ(after.out.find(address), std::string::npos) << report(after);
}

}  // namespace
}  // namespace cumulo
