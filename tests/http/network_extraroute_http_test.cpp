// Neutron's extra routes of a router over HTTP on a real `cumulo serve`
// (extraroute: PUT /v2.0/routers/{id} with routes; extraroute-atomic:
// add_extraroutes and remove_extraroutes), as tempest, openstacksdk and
// the CLI use them: replaced, added and removed (in parallel too), checked
// against the router's subnets with Neutron's errors, an interface a route
// needs kept, and the routes kept over a restart.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tests/support/keystone_client.hpp"
#include "tests/support/neutron_error.hpp"

namespace cumulo {
namespace {

const std::string kNet = "/networking/v2.0";

using route_set = std::set<std::pair<std::string, std::string>>;

nlohmann::json route(const std::string& destination, const std::string& nexthop) {
  return {{"destination", destination}, {"nexthop", nexthop}};
}

// A body's routes as (destination, nexthop) pairs: Neutron keeps no order.
route_set routes_of(const nlohmann::json& router) {
  route_set out;
  if (router.contains("routes") && router["routes"].is_array())
    for (const auto& r : router["routes"])
      out.insert({r.value("destination", ""), r.value("nexthop", "")});
  return out;
}

class NetworkExtraRoutes : public identity_test {
 protected:
  http_response net(const std::string& method, const std::string& path, const std::string& token,
                    const nlohmann::json& body = nullptr) {
    return call(method, kNet + path, token, body);
  }
  nlohmann::json create(const std::string& path, const std::string& key, const nlohmann::json& body,
                        const std::string& token) {
    auto r = net("POST", path, token, {{key, body}});
    EXPECT_EQ(r.status, 201) << "POST " << path << " " << body.dump() << ": " << r.body;
    auto j = json_of(r);
    return r.status == 201 && j.contains(key) ? j[key] : nlohmann::json::object();
  }
  std::string subnet(const std::string& network_id, const std::string& cidr,
                     const std::string& token) {
    return create("/subnets", "subnet",
                  {{"network_id", network_id}, {"cidr", cidr}, {"ip_version", 4}}, token)
        .value("id", "");
  }
  http_response add_interface(const std::string& router_id, const std::string& subnet_id,
                              const std::string& token) {
    return net("PUT", "/routers/" + router_id + "/add_router_interface", token,
               {{"subnet_id", subnet_id}});
  }
  http_response set_routes(const std::string& router_id, const nlohmann::json& routes,
                           const std::string& token) {
    return net("PUT", "/routers/" + router_id, token, {{"router", {{"routes", routes}}}});
  }
  // A brace list of one route would be that route, not a list of it.
  http_response set_routes(const std::string& router_id,
                           std::initializer_list<nlohmann::json> routes, const std::string& token) {
    return set_routes(router_id, nlohmann::json(std::vector<nlohmann::json>(routes)), token);
  }
  http_response extraroutes(const std::string& router_id, const std::string& action,
                            std::initializer_list<nlohmann::json> routes,
                            const std::string& token) {
    return extraroutes(router_id, action, nlohmann::json(std::vector<nlohmann::json>(routes)),
                       token);
  }
  http_response extraroutes(const std::string& router_id, const std::string& action,
                            const nlohmann::json& routes, const std::string& token) {
    return net("PUT", "/routers/" + router_id + "/" + action, token,
               {{"router", {{"routes", routes}}}});
  }
  route_set routes_now(const std::string& router_id, const std::string& token) {
    auto r = net("GET", "/routers/" + router_id, token);
    EXPECT_EQ(r.status, 200) << r.body;
    return routes_of(json_of(r)["router"]);
  }

  // A member's router with interfaces on 10.0.0.0/24 (the router has
  // 10.0.0.1) and 10.0.1.0/24 (10.0.1.1).
  void topology(const member_account& m) {
    const std::string net_a =
        create("/networks", "network", {{"name", "a"}}, m.token).value("id", "");
    const std::string net_b =
        create("/networks", "network", {{"name", "b"}}, m.token).value("id", "");
    subnet_a = subnet(net_a, "10.0.0.0/24", m.token);
    subnet_b = subnet(net_b, "10.0.1.0/24", m.token);
    router_id = create("/routers", "router", {{"name", "edge"}}, m.token).value("id", "");
    ASSERT_FALSE(subnet_a.empty());
    ASSERT_FALSE(subnet_b.empty());
    ASSERT_FALSE(router_id.empty());
    ASSERT_EQ(add_interface(router_id, subnet_a, m.token).status, 200);
    ASSERT_EQ(add_interface(router_id, subnet_b, m.token).status, 200);
  }

  std::string subnet_a, subnet_b, router_id;
};

TEST_F(NetworkExtraRoutes, TheExtensionsAreListed) {
  for (const char* alias : {"extraroute", "extraroute-atomic"}) {
    auto r = net("GET", std::string("/extensions/") + alias, admin_token);
    ASSERT_EQ(r.status, 200) << alias << ": " << r.body;
    EXPECT_EQ(json_of(r)["extension"]["alias"], alias);
  }
}

TEST_F(NetworkExtraRoutes, APutReplacesTheRoutesAndNullClearsThem) {
  auto m = make_member("xr");
  ASSERT_NO_FATAL_FAILURE(topology(m));
  auto up = set_routes(
      router_id, {route("10.1.0.0/24", "10.0.0.9"), route("10.2.0.0/16", "10.0.1.20")}, m.token);
  ASSERT_EQ(up.status, 200) << up.body;
  const route_set two{{"10.1.0.0/24", "10.0.0.9"}, {"10.2.0.0/16", "10.0.1.20"}};
  EXPECT_EQ(routes_of(json_of(up)["router"]), two) << up.body;
  EXPECT_EQ(routes_now(router_id, m.token), two);
  // Lists show them, and each route has exactly Neutron's two keys (the
  // CLI's `router unset --route` compares the dicts).
  auto listed = json_of(net("GET", "/routers?id=" + router_id, m.token))["routers"];
  ASSERT_EQ(listed.size(), 1u) << listed.dump();
  EXPECT_EQ(routes_of(listed[0]), two);
  for (const auto& r : listed[0]["routes"]) EXPECT_EQ(r.size(), 2u) << r.dump();
  const int revision = json_of(up)["router"]["revision_number"];

  // The same routes and a new name: the name changes, the routes stay.
  auto renamed =
      net("PUT", "/routers/" + router_id, m.token,
          {{"router",
            {{"name", "core"},
             {"routes", {route("10.2.0.0/16", "10.0.1.20"), route("10.1.0.0/24", "10.0.0.9")}}}}});
  ASSERT_EQ(renamed.status, 200) << renamed.body;
  EXPECT_EQ(json_of(renamed)["router"]["name"], "core");
  EXPECT_EQ(routes_of(json_of(renamed)["router"]), two);
  EXPECT_EQ(json_of(renamed)["router"]["revision_number"], revision + 1) << "only the name";

  // Another list replaces them.
  auto one = set_routes(router_id, {route("192.168.7.0/24", "10.0.0.254")}, m.token);
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(routes_of(json_of(one)["router"]), (route_set{{"192.168.7.0/24", "10.0.0.254"}}));

  // tempest clears them with routes: null; [] does the same.
  auto cleared = net("PUT", "/routers/" + router_id, m.token, {{"router", {{"routes", nullptr}}}});
  ASSERT_EQ(cleared.status, 200) << cleared.body;
  EXPECT_EQ(json_of(cleared)["router"]["routes"], nlohmann::json::array());
  ASSERT_EQ(set_routes(router_id, {route("10.1.0.0/24", "10.0.0.9")}, m.token).status, 200);
  auto emptied = set_routes(router_id, nlohmann::json::array(), m.token);
  ASSERT_EQ(emptied.status, 200) << emptied.body;
  EXPECT_TRUE(routes_now(router_id, m.token).empty());
}

TEST_F(NetworkExtraRoutes, RoutesNeutronRefusesAre400s) {
  auto m = make_member("xb");
  ASSERT_NO_FATAL_FAILURE(topology(m));
  expect_neutron_error(set_routes(router_id, {route("10.5.0.0/24", "192.168.0.1")}, m.token), 400,
                       "InvalidRoutes",
                       "Invalid format for routes: [{'destination': '10.5.0.0/24', 'nexthop': "
                       "'192.168.0.1'}], the nexthop is not connected with router");
  expect_neutron_error(set_routes(router_id, {route("10.5.0.0/24", "10.0.1.1")}, m.token), 400,
                       "InvalidRoutes", "the nexthop is used by router");
  expect_neutron_error(set_routes(router_id, {route("nowhere", "10.0.0.9")}, m.token), 400,
                       "InvalidInput",
                       "Invalid input for routes. Reason: 'nowhere' is not a valid CIDR.");
  expect_neutron_error(set_routes(router_id, {route("10.5.0.1/24", "10.0.0.9")}, m.token), 400,
                       "InvalidInput", "'10.5.0.0/24' is recommended");
  expect_neutron_error(set_routes(router_id, {route("10.5.0.0/24", "10.0.0.256")}, m.token), 400,
                       "InvalidInput", "'10.0.0.256' is not a valid IP address");
  expect_neutron_error(
      set_routes(router_id, {route("10.5.0.0/24", "10.0.0.9"), route("10.5.0.0/24", "10.0.0.9")},
                 m.token),
      400, "InvalidInput", "Duplicate hostroute");
  expect_neutron_error(
      set_routes(
          router_id,
          {{{"destination", "10.5.0.0/24"}, {"nexthop", "10.0.0.9"}, {"gateway", "10.0.0.9"}}},
          m.token),
      400, "InvalidInput", "Validation of dictionary's keys failed");
  expect_neutron_error(set_routes(router_id, {{{"destination", "10.5.0.0/24"}}}, m.token), 400,
                       "InvalidInput", "Validation of dictionary's keys failed");
  EXPECT_EQ(set_routes(router_id, "10.5.0.0/24", m.token).status, 400);
  nlohmann::json many = nlohmann::json::array();
  for (int i = 0; i < 31; ++i)
    many.push_back(route("10.100." + std::to_string(i) + ".0/24", "10.0.0.9"));
  expect_neutron_error(set_routes(router_id, many, m.token), 400, "RoutesExhausted",
                       "Unable to complete operation for " + router_id +
                           ". The number of routes exceeds the maximum 30.");
  many.erase(many.end() - 1);
  EXPECT_EQ(set_routes(router_id, many, m.token).status, 200) << "thirty is the limit";
  // Routes are an update's: a create with them is refused.
  auto post = net(
      "POST", "/routers", m.token,
      {{"router",
        {{"name", "r2"}, {"routes", nlohmann::json::array({route("10.5.0.0/24", "10.0.0.9")})}}}});
  expect_neutron_error(post, 400, "HTTPBadRequest", "Attribute 'routes' not allowed in POST");
  // Nothing refused changed the router.
  EXPECT_EQ(routes_now(router_id, m.token).size(), 30u);
}

TEST_F(NetworkExtraRoutes, AddAndRemoveExtraroutesChangeWhatTheRouterHas) {
  auto m = make_member("xa");
  ASSERT_NO_FATAL_FAILURE(topology(m));
  auto added =
      extraroutes(router_id, "add_extraroutes",
                  {route("10.1.0.0/24", "10.0.0.9"), route("10.2.0.0/24", "10.0.0.9")}, m.token);
  ASSERT_EQ(added.status, 200) << added.body;
  EXPECT_EQ(json_of(added)["router"]["id"], router_id) << "the answer is the router";
  EXPECT_EQ(routes_of(json_of(added)["router"]),
            (route_set{{"10.1.0.0/24", "10.0.0.9"}, {"10.2.0.0/24", "10.0.0.9"}}));
  // One already there is one route; the same destination through another
  // nexthop is another.
  auto more =
      extraroutes(router_id, "add_extraroutes",
                  {route("10.2.0.0/24", "10.0.0.9"), route("10.2.0.0/24", "10.0.1.9")}, m.token);
  ASSERT_EQ(more.status, 200) << more.body;
  EXPECT_EQ(routes_of(json_of(more)["router"]), (route_set{{"10.1.0.0/24", "10.0.0.9"},
                                                           {"10.2.0.0/24", "10.0.0.9"},
                                                           {"10.2.0.0/24", "10.0.1.9"}}));
  // Removing one the router does not have is no error.
  auto removed =
      extraroutes(router_id, "remove_extraroutes",
                  {route("10.2.0.0/24", "10.0.0.9"), route("10.9.0.0/24", "10.0.0.9")}, m.token);
  ASSERT_EQ(removed.status, 200) << removed.body;
  EXPECT_EQ(routes_of(json_of(removed)["router"]),
            (route_set{{"10.1.0.0/24", "10.0.0.9"}, {"10.2.0.0/24", "10.0.1.9"}}));

  expect_neutron_error(
      extraroutes(router_id, "add_extraroutes", {route("10.3.0.0/24", "172.16.0.1")}, m.token), 400,
      "InvalidRoutes", "the nexthop is not connected with router");
  // A body without routes is no request (Neutron would fail with a 500).
  EXPECT_EQ(net("PUT", "/routers/" + router_id + "/add_extraroutes", m.token,
                {{"router", {{"name", "x"}}}})
                .status,
            400);
  expect_neutron_error(
      extraroutes("no-such-router", "add_extraroutes", {route("10.3.0.0/24", "10.0.0.9")}, m.token),
      404, "RouterNotFound");
  EXPECT_EQ(routes_now(router_id, m.token).size(), 2u) << "refusals change nothing";

  // Another project's router is not there for this member; an admin
  // changes any.
  auto other = make_member("xo");
  expect_neutron_error(
      extraroutes(router_id, "add_extraroutes", {route("10.3.0.0/24", "10.0.0.9")}, other.token),
      404, "RouterNotFound");
  expect_neutron_error(set_routes(router_id, nlohmann::json::array(), other.token), 404,
                       "RouterNotFound");
  auto by_admin =
      extraroutes(router_id, "remove_extraroutes", {route("10.1.0.0/24", "10.0.0.9")}, admin_token);
  ASSERT_EQ(by_admin.status, 200) << by_admin.body;
  EXPECT_EQ(routes_now(router_id, m.token), (route_set{{"10.2.0.0/24", "10.0.1.9"}}));
}

// extraroute-atomic's point: additions at the same time all stay (a PUT
// of a list read before would lose some).
TEST_F(NetworkExtraRoutes, ParallelAdditionsAllStay) {
  auto m = make_member("xp");
  ASSERT_NO_FATAL_FAILURE(topology(m));
  constexpr int kRoutes = 16;
  const std::string url = cloud->url(kNet + "/routers/" + router_id + "/add_extraroutes");
  const auto headers = auth_headers(m.token);
  std::vector<long> statuses(kRoutes, 0);
  std::vector<std::thread> threads;
  for (int i = 0; i < kRoutes; ++i)
    threads.emplace_back([&, i] {
      const nlohmann::json body{
          {"router", {{"routes", {route("10.200." + std::to_string(i) + ".0/24", "10.0.0.9")}}}}};
      statuses[i] = http_request("PUT", url, body.dump(), headers).status;
    });
  for (auto& t : threads) t.join();
  for (int i = 0; i < kRoutes; ++i) EXPECT_EQ(statuses[i], 200) << "route " << i;
  EXPECT_EQ(routes_now(router_id, m.token).size(), static_cast<std::size_t>(kRoutes));
}

TEST_F(NetworkExtraRoutes, AnInterfaceARouteNeedsStaysUntilTheRouteGoes) {
  auto m = make_member("xi");
  ASSERT_NO_FATAL_FAILURE(topology(m));
  ASSERT_EQ(set_routes(router_id, {route("10.1.0.0/24", "10.0.0.9")}, m.token).status, 200);
  expect_neutron_error(net("PUT", "/routers/" + router_id + "/remove_router_interface", m.token,
                           {{"subnet_id", subnet_a}}),
                       409, "RouterInterfaceInUseByRoute",
                       "Router interface for subnet " + subnet_a + " on router " + router_id +
                           " cannot be deleted, as it is required by one or more routes.");
  // By its port too.
  auto ports =
      json_of(net("GET", "/ports?device_id=" + router_id + "&fixed_ips=subnet_id%3D" + subnet_a,
                  m.token))["ports"];
  ASSERT_EQ(ports.size(), 1u) << ports.dump();
  expect_neutron_error(net("PUT", "/routers/" + router_id + "/remove_router_interface", m.token,
                           {{"port_id", ports[0]["id"]}}),
                       409, "RouterInterfaceInUseByRoute");
  // The other interface goes: no route needs it.
  EXPECT_EQ(net("PUT", "/routers/" + router_id + "/remove_router_interface", m.token,
                {{"subnet_id", subnet_b}})
                .status,
            200);
  // A route through the subnet that went is no route.
  expect_neutron_error(set_routes(router_id, {route("10.1.0.0/24", "10.0.1.9")}, m.token), 400,
                       "InvalidRoutes", "the nexthop is not connected with router");
  ASSERT_EQ(
      extraroutes(router_id, "remove_extraroutes", {route("10.1.0.0/24", "10.0.0.9")}, m.token)
          .status,
      200);
  EXPECT_EQ(net("PUT", "/routers/" + router_id + "/remove_router_interface", m.token,
                {{"subnet_id", subnet_a}})
                .status,
            200);
  EXPECT_EQ(net("DELETE", "/routers/" + router_id, m.token).status, 204);
}

TEST_F(NetworkExtraRoutes, ARouteThroughTheGatewaysSubnet) {
  auto m = make_member("xg");
  auto pub =
      create("/networks", "network", {{"name", "public"}, {"router:external", true}}, admin_token);
  ASSERT_FALSE(subnet(pub.value("id", ""), "172.24.4.0/24", admin_token).empty());
  auto rt =
      create("/routers", "router",
             {{"name", "gw"}, {"external_gateway_info", {{"network_id", pub["id"]}}}}, m.token);
  const std::string id = rt.value("id", "");
  ASSERT_FALSE(id.empty());
  const std::string gateway_ip = rt["external_gateway_info"]["external_fixed_ips"][0]["ip_address"];
  auto up = set_routes(id, {route("198.51.100.0/24", "172.24.4.254")}, m.token);
  ASSERT_EQ(up.status, 200) << up.body;
  EXPECT_EQ(routes_of(json_of(up)["router"]), (route_set{{"198.51.100.0/24", "172.24.4.254"}}));
  expect_neutron_error(set_routes(id, {route("198.51.100.0/24", gateway_ip)}, m.token), 400,
                       "InvalidRoutes", "the nexthop is used by router");
}

TEST_F(NetworkExtraRoutes, RoutesSurviveARestart) {
  auto m = make_member("xs");
  ASSERT_NO_FATAL_FAILURE(topology(m));
  ASSERT_EQ(set_routes(router_id, {route("10.1.0.0/24", "10.0.0.9")}, m.token).status, 200);
  ASSERT_EQ(
      extraroutes(router_id, "add_extraroutes", {route("10.2.0.0/24", "10.0.1.9")}, m.token).status,
      200);
  const auto before = json_of(net("GET", "/routers/" + router_id, m.token))["router"];
  ASSERT_NO_FATAL_FAILURE(restart());
  auto after = net("GET", "/routers/" + router_id, m.token);
  ASSERT_EQ(after.status, 200) << after.body;
  EXPECT_EQ(json_of(after)["router"], before);
  EXPECT_EQ(routes_of(json_of(after)["router"]),
            (route_set{{"10.1.0.0/24", "10.0.0.9"}, {"10.2.0.0/24", "10.0.1.9"}}));
  // The interface a route needs is still kept.
  expect_neutron_error(net("PUT", "/routers/" + router_id + "/remove_router_interface", m.token,
                           {{"subnet_id", subnet_a}}),
                       409, "RouterInterfaceInUseByRoute");
}

}  // namespace
}  // namespace cumulo
