// A router's extra routes with the real `openstack` CLI
// (python3-openstackclient, through openstacksdk) as a user types them:
// `router set --route` (a PUT of the routes it read plus the new one),
// `router add route` and `router remove route` (extraroute-atomic),
// `router unset --route` (a PUT of the routes without it: the CLI compares
// the routes the server shows with what was typed) and `router set
// --no-route`. The networks and the router are made over HTTP, and the
// routes checked over HTTP, to keep the number of (slow) CLI processes small.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>
#include <string>
#include <utility>

#include "tests/cli/openstack_cli.hpp"

namespace cumulo {
namespace {

using route_set = std::set<std::pair<std::string, std::string>>;

class NetworkExtraRoutesCli : public openstack_cli_test {
 protected:
  http_response net(const std::string& method, const std::string& path, const std::string& token,
                    const nlohmann::json& body = nullptr) {
    return call(method, "/networking/v2.0" + path, token, body);
  }
  std::string made(const http_response& r, const std::string& key) {
    EXPECT_EQ(r.status, 201) << r.body;
    auto j = json_of(r);
    return j.contains(key) ? j[key].value("id", "") : "";
  }
  route_set routes_of(const std::string& router_id, const std::string& token) {
    auto r = net("GET", "/routers/" + router_id, token);
    EXPECT_EQ(r.status, 200) << r.body;
    route_set out;
    const auto body = json_of(r);  // kept: a range-for over its member would outlive it
    for (const auto& route : body["router"]["routes"])
      out.insert({route.value("destination", ""), route.value("nexthop", "")});
    return out;
  }
};

TEST_F(NetworkExtraRoutesCli, RoutesAreSetAddedRemovedAndUnsetAsAUserTypesThem) {
  auto m = make_member("erin");
  ASSERT_FALSE(m.token.empty());
  const cli_user erin{m.user_name, m.password, m.project_name};
  const std::string network_id =
      made(net("POST", "/networks", m.token, {{"network", {{"name", "private"}}}}), "network");
  const std::string subnet_id = made(net("POST", "/subnets", m.token,
                                         {{"subnet",
                                           {{"name", "private-subnet"},
                                            {"network_id", network_id},
                                            {"cidr", "10.0.0.0/24"},
                                            {"ip_version", 4}}}}),
                                     "subnet");
  const std::string router_id =
      made(net("POST", "/routers", m.token, {{"router", {{"name", "r1"}}}}), "router");
  ASSERT_FALSE(subnet_id.empty());
  ASSERT_FALSE(router_id.empty());
  auto add = net("PUT", "/routers/" + router_id + "/add_router_interface", m.token,
                 {{"subnet_id", subnet_id}});
  ASSERT_EQ(add.status, 200) << add.body;

  auto set = openstack(
      erin, {"router", "set", "--route", "destination=10.1.0.0/24,gateway=10.0.0.9", "r1"});
  ASSERT_EQ(set.exit_code, 0) << report(set);
  EXPECT_EQ(routes_of(router_id, m.token), (route_set{{"10.1.0.0/24", "10.0.0.9"}}));

  auto added = openstack(
      erin, {"router", "add", "route", "--route", "destination=10.2.0.0/24,gateway=10.0.0.10",
             "--route", "destination=10.3.0.0/24,gateway=10.0.0.10", "r1", "-f", "json"});
  ASSERT_EQ(added.exit_code, 0) << report(added);
  EXPECT_EQ(json_out(added).value("id", ""), router_id) << report(added);
  EXPECT_NE(added.out.find("10.3.0.0/24"), std::string::npos) << report(added);
  EXPECT_EQ(routes_of(router_id, m.token), (route_set{{"10.1.0.0/24", "10.0.0.9"},
                                                      {"10.2.0.0/24", "10.0.0.10"},
                                                      {"10.3.0.0/24", "10.0.0.10"}}));

  auto removed = openstack(erin, {"router", "remove", "route", "--route",
                                  "destination=10.2.0.0/24,gateway=10.0.0.10", "r1"});
  ASSERT_EQ(removed.exit_code, 0) << report(removed);
  EXPECT_EQ(routes_of(router_id, m.token),
            (route_set{{"10.1.0.0/24", "10.0.0.9"}, {"10.3.0.0/24", "10.0.0.10"}}));

  auto unset = openstack(
      erin, {"router", "unset", "--route", "destination=10.1.0.0/24,gateway=10.0.0.9", "r1"});
  ASSERT_EQ(unset.exit_code, 0) << report(unset);
  EXPECT_EQ(routes_of(router_id, m.token), (route_set{{"10.3.0.0/24", "10.0.0.10"}}));

  // A nexthop on no subnet of the router: Neutron's 400, nothing changed.
  auto refused = openstack(
      erin, {"router", "set", "--route", "destination=10.4.0.0/24,gateway=192.168.9.9", "r1"});
  EXPECT_NE(refused.exit_code, 0) << report(refused);
  EXPECT_NE(refused.err.find("the nexthop is not connected with router"), std::string::npos)
      << report(refused);
  EXPECT_EQ(routes_of(router_id, m.token), (route_set{{"10.3.0.0/24", "10.0.0.10"}}));

  // The interface the route goes through stays while the route does.
  auto in_use = openstack(erin, {"router", "remove", "subnet", "r1", "private-subnet"});
  EXPECT_NE(in_use.exit_code, 0) << report(in_use);

  auto cleared = openstack(erin, {"router", "set", "--no-route", "r1"});
  ASSERT_EQ(cleared.exit_code, 0) << report(cleared);
  EXPECT_TRUE(routes_of(router_id, m.token).empty());
  auto gone = openstack(erin, {"router", "remove", "subnet", "r1", "private-subnet"});
  EXPECT_EQ(gone.exit_code, 0) << report(gone);
  EXPECT_LE(invocations, 8);
}

}  // namespace
}  // namespace cumulo
