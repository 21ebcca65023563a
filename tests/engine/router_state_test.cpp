#include "engine/router_state.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "engine/fold.hpp"
#include "engine/log_fold.hpp"
#include "tests/engine/machine_test_support.hpp"

namespace cumulo {
namespace {

using M = router_machine;

router_state run(router_state s, const router::command& c,
                 std::vector<router_event>* history = nullptr) {
  return run_command_on<M>(std::move(s), c, history);
}

router_state fresh() {
  router_state s;
  s.id = "r1";
  return s;
}

router_state created() {
  return run(fresh(), router::create{"edge", "p1", true, "the edge"});
}

router::set_gateway gateway() {
  return router::set_gateway{"ext", "gwport", {{"extsub", "203.0.113.5"}}, true};
}

void expect_neutron_refusal(const router_state& s, const router::command& c, errc code,
                            const std::string& type, const std::string& message) {
  const domain_error e = refusal_of<M>(s, c);
  EXPECT_EQ(e.code, code) << e.message;
  EXPECT_EQ(e.type, type) << e.message;
  EXPECT_EQ(e.message, message);
}

TEST(RouterState, CreateUpdateDelete) {
  auto s = created();
  EXPECT_TRUE(s.exists());
  EXPECT_EQ(s.name, "edge");
  EXPECT_EQ(s.project_id, "p1");
  EXPECT_TRUE(s.admin_state_up);
  EXPECT_EQ(s.description, "the edge");
  EXPECT_FALSE(s.gateway);
  EXPECT_FALSE(s.has_interfaces());
  auto j = nlohmann::json(s);
  EXPECT_TRUE(j["external_gateway_info"].is_null());
  EXPECT_EQ(j["status"], "ACTIVE");
  s = run(s, router::update{"core", false, std::nullopt});
  EXPECT_EQ(s.name, "core");
  EXPECT_FALSE(s.admin_state_up);
  EXPECT_EQ(s.description, "the edge");
  s = run(s, router::update{std::nullopt, std::nullopt, "d"});
  EXPECT_EQ(s.name, "core");
  EXPECT_EQ(s.description, "d");
  s = run(s, router::remove{});
  EXPECT_TRUE(s.deleted);
  EXPECT_FALSE(s.exists());
}

TEST(RouterState, SetsReplacesAndClearsTheGateway) {
  auto s = run(created(), gateway());
  ASSERT_TRUE(s.gateway);
  EXPECT_EQ(s.gateway->network_id, "ext");
  EXPECT_EQ(s.gateway->port_id, "gwport");
  ASSERT_EQ(s.gateway->external_fixed_ips.size(), 1u);
  EXPECT_EQ(s.gateway->external_fixed_ips[0].ip_address, "203.0.113.5");
  auto j = nlohmann::json(s);
  EXPECT_EQ(j["external_gateway_info"]["network_id"], "ext");
  EXPECT_EQ(j["external_gateway_info"]["enable_snat"], true);
  EXPECT_EQ(j["external_gateway_info"]["external_fixed_ips"][0]["subnet_id"], "extsub");
  EXPECT_EQ(j["gateway_port_id"], "gwport");

  auto same = M::decide(s, gateway());
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(same.value().empty()) << "the same gateway again records nothing";

  auto no_snat = gateway();
  no_snat.enable_snat = false;
  s = run(s, no_snat);
  EXPECT_FALSE(s.gateway->enable_snat);
  // The same port with another address (ext-gw-mode's external_fixed_ips
  // moved it) is a change to record.
  auto moved = no_snat;
  moved.external_fixed_ips = {{"extsub", "203.0.113.9"}};
  s = run(s, moved);
  EXPECT_EQ(s.gateway->port_id, "gwport");
  EXPECT_EQ(s.gateway->external_fixed_ips[0].ip_address, "203.0.113.9");
  EXPECT_FALSE(s.gateway->enable_snat);
  s = run(s, router::set_gateway{"ext2", "gwport2", {}, true});
  EXPECT_EQ(s.gateway->network_id, "ext2") << "replaced";
  EXPECT_EQ(s.gateway->port_id, "gwport2");

  s = run(s, router::clear_gateway{});
  EXPECT_FALSE(s.gateway);
  EXPECT_TRUE(nlohmann::json(s)["external_gateway_info"].is_null());
  auto again = M::decide(s, router::clear_gateway{});
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again.value().empty()) << "no gateway: nothing to clear";
}

TEST(RouterState, AddsFindsAndRemovesInterfaces) {
  auto s = run(created(), router::add_interface{"port-a", "sub-a", "net-a"});
  s = run(s, router::add_interface{"port-b", "sub-b", "net-b"});
  s = run(s, router::add_interface{"port-c", "sub-c", "net-a"});
  ASSERT_EQ(s.interfaces.size(), 3u);
  EXPECT_TRUE(s.has_interfaces());
  ASSERT_NE(s.find_interface_by_subnet("sub-b"), nullptr);
  EXPECT_EQ(s.find_interface_by_subnet("sub-b")->port_id, "port-b");
  ASSERT_NE(s.find_interface_by_port("port-c"), nullptr);
  EXPECT_EQ(s.find_interface_by_port("port-c")->subnet_id, "sub-c");
  EXPECT_EQ(s.find_interface_by_port("nope"), nullptr);
  EXPECT_EQ(nlohmann::json(s)["interfaces"].size(), 3u);

  s = run(s, router::remove_interface{"port-a", ""});
  EXPECT_EQ(s.find_interface_by_port("port-a"), nullptr);
  s = run(s, router::remove_interface{"", "sub-b"});
  EXPECT_EQ(s.find_interface_by_subnet("sub-b"), nullptr);
  s = run(s, router::remove_interface{"port-c", "sub-c"});
  EXPECT_FALSE(s.has_interfaces());
  s = run(s, router::remove{});
  EXPECT_TRUE(s.deleted);
}

TEST(RouterState, RefusesASecondPortOnASubnet) {
  auto s = run(created(), router::add_interface{"port-a", "sub-a", "net-a"});
  expect_neutron_refusal(s, router::add_interface{"port-b", "sub-a", "net-a"}, errc::bad_request,
                         "BadRequest",
                         "Bad router request: Router already has a port on subnet sub-a.");
  EXPECT_EQ(refusal_of<M>(s, router::add_interface{"port-a", "sub-z", "net-a"}).code,
            errc::conflict)
      << "the same port twice";
}

TEST(RouterState, RefusesAnInterfaceOnItsGatewaysSubnet) {
  const auto s = run(created(), gateway());
  expect_neutron_refusal(s, router::add_interface{"port-b", "extsub", "ext"}, errc::bad_request,
                         "BadRequest",
                         "Bad router request: Router already has a port on subnet extsub.");
}

TEST(RouterState, RefusesRemovingAnInterfaceItDoesNotHave) {
  auto s = run(created(), router::add_interface{"port-a", "sub-a", "net-a"});
  expect_neutron_refusal(s, router::remove_interface{"port-x", ""}, errc::not_found,
                         "RouterInterfaceNotFound",
                         "Router r1 does not have an interface with id port-x");
  expect_neutron_refusal(s, router::remove_interface{"", "sub-x"}, errc::not_found,
                         "RouterInterfaceNotFoundForSubnet",
                         "Router r1 has no interface on subnet sub-x");
  expect_neutron_refusal(s, router::remove_interface{"port-a", "sub-x"}, errc::bad_request,
                         "SubnetMismatchForPort",
                         "Subnet on port port-a does not match the requested subnet sub-x.");
  expect_neutron_refusal(s, router::remove_interface{"", ""}, errc::bad_request, "BadRequest",
                         "Bad router request: Either subnet_id or port_id must be specified.");
}

TEST(RouterState, RefusesRemovingARouterWithInterfaces) {
  auto s = run(created(), router::add_interface{"port-a", "sub-a", "net-a"});
  expect_neutron_refusal(s, router::remove{}, errc::conflict, "RouterInUse",
                         "Router r1 still has ports");
}

TEST(RouterState, RemovingARouterClearsItsGateway) {
  auto s = run(created(), gateway());
  auto d = M::decide(s, router::remove{});
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d.value().size(), 2u);
  EXPECT_TRUE(std::holds_alternative<router_gateway_cleared>(d.value()[0]));
  EXPECT_TRUE(std::holds_alternative<router_deleted>(d.value()[1]));
  s = run(s, router::remove{});
  EXPECT_TRUE(s.deleted);
  EXPECT_FALSE(s.gateway);
}

TEST(RouterState, RefusesCommandsOnARouterThatDoesNotExist) {
  const auto none = fresh();
  const std::string message = "Router r1 could not be found";
  expect_neutron_refusal(none, router::remove{}, errc::not_found, "RouterNotFound", message);
  expect_neutron_refusal(none, router::update{}, errc::not_found, "RouterNotFound", message);
  expect_neutron_refusal(none, gateway(), errc::not_found, "RouterNotFound", message);
  expect_neutron_refusal(none, router::clear_gateway{}, errc::not_found, "RouterNotFound", message);
  expect_neutron_refusal(none, router::add_interface{"p", "s", "n"}, errc::not_found,
                         "RouterNotFound", message);
  expect_neutron_refusal(none, router::remove_interface{"p", ""}, errc::not_found, "RouterNotFound",
                         message);
  auto gone = run(created(), router::remove{});
  expect_neutron_refusal(gone, router::remove{}, errc::not_found, "RouterNotFound", message);
  EXPECT_EQ(refusal_of<M>(created(), router::create{"edge", "p1"}).code, errc::conflict);
  EXPECT_EQ(refusal_of<M>(fresh(), router::create{std::string(256, 'a'), "p1"}).code,
            errc::bad_request);
}

TEST(RouterState, ApplyRejectsEventsThatCannotHappen) {
  EXPECT_THROW(M::apply(fresh(), router_deleted{}), invalid_event);
  EXPECT_THROW(M::apply(fresh(), router_updated{}), invalid_event);
  EXPECT_THROW(M::apply(fresh(), router_gateway_set{}), invalid_event);
  EXPECT_THROW(M::apply(fresh(), router_interface_added{}), invalid_event);
  auto s = created();
  EXPECT_THROW(M::apply(s, router_created{}), invalid_event);
  EXPECT_THROW(M::apply(s, router_gateway_cleared{}), invalid_event) << "no gateway";
  EXPECT_THROW(M::apply(s, router_interface_removed{"p"}), invalid_event);
  s = run(s, router::add_interface{"p", "sub", "net"});
  EXPECT_THROW(M::apply(s, router_interface_added{"p2", "sub", "net"}), invalid_event);
  EXPECT_THROW(M::apply(s, router_deleted{}), invalid_event) << "interfaces left";
}

TEST(RouterState, EventsRoundTripThroughTheCodecAndTheLogFold) {
  std::vector<router_event> history;
  auto s = run(fresh(), router::create{"edge", "p1", true, ""}, &history);
  s = run(s, gateway(), &history);
  s = run(s, router::add_interface{"port-a", "sub-a", "net-a"}, &history);
  s = run(s, router::add_interface{"port-b", "sub-b", "net-b"}, &history);
  s = run(s, router::remove_interface{"", "sub-a"}, &history);
  s = run(s, router::update{"core", std::nullopt, std::nullopt}, &history);
  log_fold f;
  std::int64_t seq = 0;
  for (const auto& e : history) {
    new_event n = encode(e);
    ++seq;
    f.apply(recorded_event{seq, "router/r1", seq, n.type, n.schema_version, seq, "req", "admin",
                           n.payload});
  }
  const router_state* folded = f.get<router_state>("router/r1");
  ASSERT_NE(folded, nullptr);
  nlohmann::json expected(s);
  nlohmann::json got(*folded);
  for (const char* meta : {"created_at", "updated_at"}) {
    expected.erase(meta);
    got.erase(meta);
  }
  EXPECT_EQ(got, expected);
  EXPECT_EQ(folded->interfaces.size(), 1u);
  EXPECT_EQ(folded->gateway->external_fixed_ips[0].subnet_id, "extsub");
  const auto& kinds = stream_kinds();
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "router"), kinds.end());
}

}  // namespace
}  // namespace cumulo
