// The real `openstack` CLI (python3-openstackclient, through openstacksdk)
// against a real `cumulo serve`: an address scope, a subnet pool in it, a
// subnet allocated from the pool by prefix length, the pool listed, shown,
// changed and deleted, as a member types them in a clean environment
// (env -i), parsed from `-f json`. Identity setup and the checks behind
// the CLI's back go over HTTP.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "tests/cli/openstack_cli.hpp"

namespace cumulo {
namespace {

class NetworkSubnetpoolsCli : public openstack_cli_test {
 protected:
  http_response net(const std::string& method, const std::string& path, const std::string& token) {
    return call(method, "/networking/v2.0" + path, token);
  }
};

TEST_F(NetworkSubnetpoolsCli, AScopeAPoolAndASubnetFromItAsAUserTypesThem) {
  auto m = make_member("dana");
  ASSERT_FALSE(m.token.empty());
  const cli_user dana{m.user_name, m.password, m.project_name};

  // --- the address scope ---
  auto sc =
      openstack(dana, {"address", "scope", "create", "--ip-version", "4", "s1", "-f", "json"});
  ASSERT_EQ(sc.exit_code, 0) << report(sc);
  const auto scope = json_out(sc);
  const std::string scope_id = scope.value("id", "");
  ASSERT_FALSE(scope_id.empty()) << report(sc);
  EXPECT_EQ(scope.value("name", ""), "s1");
  EXPECT_EQ(scope.value("ip_version", 0), 4) << report(sc);
  EXPECT_EQ(scope.value("shared", true), false) << report(sc);
  EXPECT_EQ(scope.value("project_id", ""), m.project_id) << report(sc);

  // --- the pool, in the scope by its name ---
  auto pc = openstack(
      dana, {"subnet", "pool", "create", "--pool-prefix", "10.10.0.0/16", "--default-prefix-length",
             "24", "--address-scope", "s1", "p1", "-f", "json"});
  ASSERT_EQ(pc.exit_code, 0) << report(pc);
  const auto p = json_out(pc);
  const std::string pool_id = p.value("id", "");
  ASSERT_FALSE(pool_id.empty()) << report(pc);
  EXPECT_EQ(p.value("name", ""), "p1");
  EXPECT_EQ(p["prefixes"], nlohmann::json::array({"10.10.0.0/16"})) << report(pc);
  EXPECT_EQ(p.value("default_prefixlen", 0), 24) << report(pc);
  EXPECT_EQ(p.value("min_prefixlen", 0), 8) << report(pc);
  EXPECT_EQ(p.value("max_prefixlen", 0), 32) << report(pc);
  EXPECT_EQ(p.value("address_scope_id", ""), scope_id) << report(pc);
  EXPECT_EQ(p.value("ip_version", 0), 4) << report(pc);

  // --- a subnet of 64 addresses from the pool ---
  auto nc = openstack(dana, {"network", "create", "n", "-f", "json"});
  ASSERT_EQ(nc.exit_code, 0) << report(nc);
  const std::string network_id = json_out(nc).value("id", "");
  auto snc = openstack(dana, {"subnet", "create", "--network", "n", "--subnet-pool", "p1",
                              "--prefix-length", "26", "s", "-f", "json"});
  ASSERT_EQ(snc.exit_code, 0) << report(snc);
  const auto s = json_out(snc);
  const std::string subnet_id = s.value("id", "");
  EXPECT_EQ(s.value("cidr", ""), "10.10.0.0/26") << report(snc);
  EXPECT_EQ(s.value("subnetpool_id", ""), pool_id) << report(snc);
  EXPECT_EQ(s.value("gateway_ip", ""), "10.10.0.1") << report(snc);
  EXPECT_EQ(s["allocation_pools"],
            nlohmann::json::parse(R"([{"start": "10.10.0.2", "end": "10.10.0.62"}])"))
      << report(snc);
  // The network is in the pool's scope now.
  auto ns = openstack(dana, {"network", "show", "n", "-f", "json"});
  ASSERT_EQ(ns.exit_code, 0) << report(ns);
  EXPECT_EQ(json_out(ns).value("ipv4_address_scope", ""), scope_id) << report(ns);

  // --- list, show, set ---
  auto pl = openstack(dana, {"subnet", "pool", "list", "-f", "json"});
  ASSERT_EQ(pl.exit_code, 0) << report(pl);
  const auto rows = json_out(pl);
  ASSERT_TRUE(rows.is_array() && rows.size() == 1u) << report(pl);
  EXPECT_EQ(rows[0].value("ID", ""), pool_id);
  EXPECT_EQ(rows[0].value("Name", ""), "p1");
  EXPECT_EQ(rows[0]["Prefixes"], nlohmann::json::array({"10.10.0.0/16"})) << report(pl);
  auto longer = openstack(dana, {"subnet", "pool", "list", "--long", "-f", "json"});
  ASSERT_EQ(longer.exit_code, 0) << report(longer);
  EXPECT_EQ(json_out(longer)[0].value("Address Scope", ""), scope_id) << report(longer);

  auto set = openstack(dana, {"subnet", "pool", "set", "--name", "p2", "--pool-prefix",
                              "10.11.0.0/16", "--default-prefix-length", "25", "p1"});
  ASSERT_EQ(set.exit_code, 0) << report(set);
  auto shown = openstack(dana, {"subnet", "pool", "show", "p2", "-f", "json"});
  ASSERT_EQ(shown.exit_code, 0) << report(shown);
  const auto after = json_out(shown);
  EXPECT_EQ(after.value("id", ""), pool_id);
  EXPECT_EQ(after["prefixes"], nlohmann::json::array({"10.10.0.0/15"})) << report(shown);
  EXPECT_EQ(after.value("default_prefixlen", 0), 25) << report(shown);
  EXPECT_EQ(after.value("revision_number", 0), 2) << report(shown);

  auto addr_scopes = openstack(dana, {"address", "scope", "list", "-f", "json"});
  ASSERT_EQ(addr_scopes.exit_code, 0) << report(addr_scopes);
  EXPECT_EQ(column(json_out(addr_scopes), "ID"), std::set<std::string>{scope_id});

  // --- delete: not while the subnet uses the pool, nor the pool the scope ---
  auto busy = openstack(dana, {"subnet", "pool", "delete", "p2"});
  EXPECT_NE(busy.exit_code, 0) << report(busy);
  EXPECT_EQ(net("GET", "/subnetpools/" + pool_id, m.token).status, 200);
  auto scope_busy = openstack(dana, {"address", "scope", "delete", "s1"});
  EXPECT_NE(scope_busy.exit_code, 0) << report(scope_busy);

  auto del_subnet = openstack(dana, {"subnet", "delete", "s"});
  ASSERT_EQ(del_subnet.exit_code, 0) << report(del_subnet);
  auto del_pool = openstack(dana, {"subnet", "pool", "delete", "p2"});
  ASSERT_EQ(del_pool.exit_code, 0) << report(del_pool);
  EXPECT_EQ(net("GET", "/subnetpools/" + pool_id, m.token).status, 404);
  auto del_scope = openstack(dana, {"address", "scope", "delete", "s1"});
  ASSERT_EQ(del_scope.exit_code, 0) << report(del_scope);
  EXPECT_EQ(net("GET", "/address-scopes/" + scope_id, m.token).status, 404);
  EXPECT_EQ(net("GET", "/subnets/" + subnet_id, m.token).status, 404);
  EXPECT_EQ(net("GET", "/networks/" + network_id, m.token).status, 200);
}

}  // namespace
}  // namespace cumulo
