// A router's extra routes (Neutron's extraroute and extraroute-atomic) in
// the router's pure machine: replaced, added, removed, checked whole
// against the router's addresses, and an interface a route needs kept.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "engine/router_routes.hpp"
#include "engine/router_state.hpp"
#include "tests/engine/machine_test_support.hpp"

namespace cumulo {
namespace {

using M = router_machine;
using routes = std::vector<network::host_route>;

router_state run(router_state s, const router::command& c,
                 std::vector<router_event>* history = nullptr) {
  return run_command_on<M>(std::move(s), c, history);
}

// Router r1 with an interface on 10.0.0.0/24 (its address 10.0.0.1) and a
// gateway on 203.0.113.0/24 (203.0.113.5).
router_state connected(std::vector<router_event>* history = nullptr) {
  router_state s;
  s.id = "r1";
  s = run(s, router::create{"edge", "p1", true, ""}, history);
  s = run(s, router::add_interface{"port-a", "sub-a", "net-a"}, history);
  s = run(s, router::set_gateway{"ext", "gwport", {{"extsub", "203.0.113.5"}}, true}, history);
  return s;
}

std::vector<router::link> links() {
  return {{"port-a", "sub-a", "10.0.0.0/24", "10.0.0.1"},
          {"gwport", "extsub", "203.0.113.0/24", "203.0.113.5"}};
}

router::set_routes setting(routes r) {
  return router::set_routes{std::move(r), links()};
}
router::add_routes adding(routes r) {
  return router::add_routes{std::move(r), links()};
}
router::remove_routes removing(routes r) {
  return router::remove_routes{std::move(r), links()};
}

std::vector<std::string> texts(const routes& rs) {
  std::vector<std::string> out;
  for (const auto& r : rs) out.push_back(r.destination + " via " + r.nexthop);
  return out;
}

void expect_neutron_refusal(const router_state& s, const router::command& c, errc code,
                            const std::string& type, const std::string& message) {
  const domain_error e = refusal_of<M>(s, c);
  EXPECT_EQ(e.code, code) << e.message;
  EXPECT_EQ(e.type, type) << e.message;
  EXPECT_EQ(e.message, message);
}

TEST(RouterRoutes, ARouterHasNoRoutesUntilSomeAreSet) {
  const auto s = connected();
  EXPECT_TRUE(s.routes.empty());
  EXPECT_EQ(nlohmann::json(s)["routes"], nlohmann::json::array());
}

TEST(RouterRoutes, SetReplacesTheRoutesAndNoneClearsThem) {
  std::vector<router_event> history;
  auto s = connected();
  s = run(s, setting({{"10.1.0.0/24", "10.0.0.9"}, {"0.0.0.0/0", "203.0.113.1"}}), &history);
  ASSERT_EQ(history.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<router_routes_set>(history[0]));
  EXPECT_EQ(texts(s.routes),
            (std::vector<std::string>{"10.1.0.0/24 via 10.0.0.9", "0.0.0.0/0 via 203.0.113.1"}));
  EXPECT_EQ(nlohmann::json(s)["routes"],
            (nlohmann::json{{{"destination", "10.1.0.0/24"}, {"nexthop", "10.0.0.9"}},
                            {{"destination", "0.0.0.0/0"}, {"nexthop", "203.0.113.1"}}}));

  auto again = M::decide(s, setting({{"10.1.0.0/24", "10.0.0.9"}, {"0.0.0.0/0", "203.0.113.1"}}));
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again.value().empty()) << "the same routes again record nothing";

  s = run(s, setting({{"10.2.0.0/16", "10.0.0.10"}}));
  EXPECT_EQ(texts(s.routes), (std::vector<std::string>{"10.2.0.0/16 via 10.0.0.10"}));
  s = run(s, setting({}));
  EXPECT_TRUE(s.routes.empty());
}

TEST(RouterRoutes, RoutesAreKeptInCanonicalText) {
  // IPv6: lower case, compressed.
  auto s = run(connected(), router::add_interface{"port-6", "sub-6", "net-6"});
  auto six = links();
  six.push_back({"port-6", "sub-6", "2001:db8:1::/64", "2001:db8:1::1"});
  s = run(s, router::set_routes{{{"2001:DB8:FF:0::/64", "2001:DB8:1:0::9"}}, six});
  EXPECT_EQ(texts(s.routes), (std::vector<std::string>{"2001:db8:ff::/64 via 2001:db8:1::9"}));
  // The same route in other text is the same route.
  auto again = M::decide(s, router::set_routes{{{"2001:db8:ff::/64", "2001:db8:1::9"}}, six});
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_TRUE(again.value().empty());
}

// neutron-lib's validate_route_cidr and validate_ip_address, in
// InvalidInput's words.
TEST(RouterRoutes, RoutesThatAreNotRoutesAreNeutronsInvalidInput) {
  const auto s = connected();
  auto refused = [&](const std::string& destination, const std::string& nexthop,
                     const std::string& reason) {
    expect_neutron_refusal(s, setting({{destination, nexthop}}), errc::bad_request, "InvalidInput",
                           "Invalid input for routes. Reason: " + reason + ".");
  };
  refused("nowhere", "10.0.0.9", "'nowhere' is not a valid CIDR");
  refused("10.1.0.0/33", "10.0.0.9", "'10.1.0.0/33' is not a valid CIDR");
  refused("10.1.0.0/", "10.0.0.9", "'10.1.0.0/' is not a valid CIDR");
  refused("10.1.0.0", "10.0.0.9",
          "'10.1.0.0' is not a recognized CIDR, '10.1.0.0/32' is recommended");
  refused("10.1.0.7/24", "10.0.0.9",
          "'10.1.0.7/24' is not a recognized CIDR, '10.1.0.0/24' is recommended");
  refused("2001:db8::5/64", "10.0.0.9",
          "'2001:db8::5/64' is not a recognized CIDR, '2001:db8::/64' is recommended");
  refused("127.0.0.0/8", "10.0.0.9", "'127.0.0.0/8' is not a routable CIDR");
  refused("127.3.0.0/16", "10.0.0.9", "'127.3.0.0/16' is not a routable CIDR");
  refused("::1/128", "10.0.0.9", "'::1/128' is not a routable CIDR");
  refused("10.1.0.0/24", "10.0.0.300", "'10.0.0.300' is not a valid IP address");
  refused("10.1.0.0/24", "", "'' is not a valid IP address");
  refused("10.1.0.0/24", "10.0.0.0/24", "'10.0.0.0/24' is not a valid IP address");
  expect_neutron_refusal(
      s, setting({{"10.1.0.0/24", "10.0.0.9"}, {"10.1.0.0/24", "10.0.0.9"}}), errc::bad_request,
      "InvalidInput",
      "Invalid input for routes. Reason: Duplicate hostroute '{'destination': '10.1.0.0/24', "
      "'nexthop': '10.0.0.9'}'.");
  // The same destination through two nexthops is two routes; a default
  // route and a route covering 127.0.0.0/8 are routes.
  EXPECT_EQ(
      run(s, setting({{"10.1.0.0/24", "10.0.0.9"}, {"10.1.0.0/24", "10.0.0.10"}})).routes.size(),
      2u);
  EXPECT_EQ(run(s, setting({{"0.0.0.0/0", "10.0.0.9"}, {"64.0.0.0/2", "10.0.0.9"}})).routes.size(),
            2u);
}

TEST(RouterRoutes, ANexthopMustBeOnTheRoutersSubnetsAndNotItsOwnAddress) {
  const auto s = connected();
  expect_neutron_refusal(s, setting({{"10.2.0.0/24", "192.168.0.1"}}), errc::bad_request,
                         "InvalidRoutes",
                         "Invalid format for routes: [{'destination': '10.2.0.0/24', 'nexthop': "
                         "'192.168.0.1'}], the nexthop is not connected with router");
  expect_neutron_refusal(s, setting({{"10.2.0.0/24", "10.0.0.9"}, {"10.3.0.0/24", "10.0.0.1"}}),
                         errc::bad_request, "InvalidRoutes",
                         "Invalid format for routes: [{'destination': '10.2.0.0/24', 'nexthop': "
                         "'10.0.0.9'}, {'destination': '10.3.0.0/24', 'nexthop': '10.0.0.1'}], "
                         "the nexthop is used by router");
  expect_neutron_refusal(s, setting({{"0.0.0.0/0", "203.0.113.5"}}), errc::bad_request,
                         "InvalidRoutes",
                         "Invalid format for routes: [{'destination': '0.0.0.0/0', 'nexthop': "
                         "'203.0.113.5'}], the nexthop is used by router");
  // A link of a port the router does not have counts for nothing.
  auto stray = links();
  stray.push_back({"port-x", "sub-x", "192.168.0.0/24", "192.168.0.1"});
  EXPECT_EQ(refusal_of<M>(s, router::set_routes{{{"10.2.0.0/24", "192.168.0.7"}}, stray}).type,
            "InvalidRoutes");
  // Without links, no nexthop is connected.
  EXPECT_EQ(refusal_of<M>(s, router::set_routes{{{"10.2.0.0/24", "10.0.0.9"}}, {}}).type,
            "InvalidRoutes");
  // An IPv6 nexthop is on no IPv4 subnet.
  EXPECT_EQ(refusal_of<M>(s, setting({{"::/0", "::ffff:10.0.0.9"}})).type, "InvalidRoutes");
}

TEST(RouterRoutes, AtMostThirtyRoutes) {
  const auto s = connected();
  routes thirty;
  for (int i = 0; i < 30; ++i)
    thirty.push_back({"10.1." + std::to_string(i) + ".0/24", "10.0.0.9"});
  auto full = run(s, setting(thirty));
  EXPECT_EQ(full.routes.size(), 30u);
  auto more = thirty;
  more.push_back({"10.2.0.0/24", "10.0.0.9"});
  const std::string exhausted =
      "Unable to complete operation for r1. The number of routes exceeds the maximum 30.";
  expect_neutron_refusal(s, setting(more), errc::bad_request, "RoutesExhausted", exhausted);
  expect_neutron_refusal(full, adding({{"10.2.0.0/24", "10.0.0.9"}}), errc::bad_request,
                         "RoutesExhausted", exhausted);
  // One already there adds nothing: still thirty.
  auto same = M::decide(full, adding({{"10.1.0.0/24", "10.0.0.9"}}));
  ASSERT_TRUE(same.ok()) << same.error().message;
  EXPECT_TRUE(same.value().empty());
}

TEST(RouterRoutes, AddAndRemoveChangeTheRoutesTheRouterHas) {
  auto s = connected();
  s = run(s, adding({{"10.1.0.0/24", "10.0.0.9"}}));
  // One already there, one given twice: each is one route, after those there.
  s = run(s, adding({{"10.1.0.0/24", "10.0.0.9"},
                     {"10.2.0.0/24", "10.0.0.10"},
                     {"10.2.0.0/24", "10.0.0.10"},
                     {"10.1.0.0/24", "10.0.0.11"}}));
  EXPECT_EQ(texts(s.routes),
            (std::vector<std::string>{"10.1.0.0/24 via 10.0.0.9", "10.2.0.0/24 via 10.0.0.10",
                                      "10.1.0.0/24 via 10.0.0.11"}));
  // Removing one the router does not have is no error.
  s = run(s, removing({{"10.2.0.0/24", "10.0.0.10"}, {"10.9.0.0/24", "10.0.0.9"}}));
  EXPECT_EQ(texts(s.routes),
            (std::vector<std::string>{"10.1.0.0/24 via 10.0.0.9", "10.1.0.0/24 via 10.0.0.11"}));
  auto nothing = M::decide(s, removing({{"10.9.0.0/24", "10.0.0.9"}}));
  ASSERT_TRUE(nothing.ok());
  EXPECT_TRUE(nothing.value().empty()) << "nothing removed, nothing recorded";
  s = run(s, removing({{"10.1.0.0/24", "10.0.0.9"}, {"10.1.0.0/24", "10.0.0.11"}}));
  EXPECT_TRUE(s.routes.empty());

  // What is added is checked as a PUT's routes are.
  expect_neutron_refusal(s, adding({{"10.1.0.0/24", "nowhere"}}), errc::bad_request, "InvalidInput",
                         "Invalid input for routes. Reason: 'nowhere' is not a valid IP address.");
  EXPECT_EQ(refusal_of<M>(s, adding({{"10.1.0.0/24", "192.168.0.1"}})).type, "InvalidRoutes");
  EXPECT_EQ(refusal_of<M>(s, removing({{"garbage", "10.0.0.9"}})).type, "InvalidInput");
}

TEST(RouterRoutes, AnInterfaceARouteNeedsStays) {
  auto s = run(connected(), setting({{"10.1.0.0/24", "10.0.0.9"}, {"0.0.0.0/0", "203.0.113.1"}}));
  const std::string in_use =
      "Router interface for subnet sub-a on router r1 cannot be deleted, as it is required by "
      "one or more routes.";
  expect_neutron_refusal(s, router::remove_interface{"port-a", "", links()}, errc::conflict,
                         "RouterInterfaceInUseByRoute", in_use);
  expect_neutron_refusal(s, router::remove_interface{"", "sub-a", links()}, errc::conflict,
                         "RouterInterfaceInUseByRoute", in_use);
  ASSERT_NE(s.route_via("10.0.0.0/24"), nullptr);
  EXPECT_EQ(s.route_via("10.0.0.0/24")->destination, "10.1.0.0/24");
  EXPECT_EQ(s.route_via("10.9.0.0/24"), nullptr);

  // Once no route goes through it, it goes.
  s = run(s, setting({{"0.0.0.0/0", "203.0.113.1"}}));
  s = run(s, router::remove_interface{"port-a", "", links()});
  EXPECT_FALSE(s.has_interfaces());
  // A route through the interface's subnet, asked with the door's old
  // links, finds the router without that port.
  EXPECT_EQ(refusal_of<M>(s, setting({{"10.1.0.0/24", "10.0.0.9"}})).type, "InvalidRoutes");
}

TEST(RouterRoutes, AnInterfacePortOnTwoSubnetsStaysForARouteThroughEither) {
  auto two = links();
  two.push_back({"port-a", "sub-b", "10.5.0.0/24", "10.5.0.1"});
  auto s = run(connected(), router::set_routes{{{"10.6.0.0/24", "10.5.0.9"}}, two});
  expect_neutron_refusal(s, router::remove_interface{"port-a", "", two}, errc::conflict,
                         "RouterInterfaceInUseByRoute",
                         "Router interface for subnet sub-b on router r1 cannot be deleted, as it "
                         "is required by one or more routes.");
  // Links of other ports (the gateway's) keep nothing.
  s = run(s, router::set_routes{{{"0.0.0.0/0", "203.0.113.1"}}, two});
  s = run(s, router::remove_interface{"port-a", "", two});
  EXPECT_FALSE(s.has_interfaces());
}

TEST(RouterRoutes, CommandsOnARouterThatDoesNotExistAreRouterNotFound) {
  router_state none;
  none.id = "r1";
  const std::string message = "Router r1 could not be found";
  expect_neutron_refusal(none, setting({}), errc::not_found, "RouterNotFound", message);
  expect_neutron_refusal(none, adding({}), errc::not_found, "RouterNotFound", message);
  expect_neutron_refusal(none, removing({}), errc::not_found, "RouterNotFound", message);
  EXPECT_THROW(M::apply(none, router_routes_set{}), invalid_event);
}

TEST(RouterRoutes, RoutesRoundTripThroughTheCodecAndTheLogFold) {
  std::vector<router_event> history;
  auto s = connected(&history);
  s = run(s, setting({{"10.1.0.0/24", "10.0.0.9"}, {"10.2.0.0/24", "10.0.0.10"}}), &history);
  s = run(s, removing({{"10.1.0.0/24", "10.0.0.9"}}), &history);
  s = run(s, adding({{"0.0.0.0/0", "203.0.113.1"}}), &history);
  std::set<std::string> types;
  const auto folded = refold<M>("r1", history, &types);
  EXPECT_TRUE(types.count("router.routes_set"));
  EXPECT_EQ(texts(folded.routes),
            (std::vector<std::string>{"10.2.0.0/24 via 10.0.0.10", "0.0.0.0/0 via 203.0.113.1"}));
  EXPECT_EQ(nlohmann::json(folded)["routes"], nlohmann::json(s)["routes"]);
  EXPECT_EQ(folded.version, s.version);
}

}  // namespace
}  // namespace cumulo
