#include "engine/network_state.hpp"

#include <gtest/gtest.h>

#include <set>

#include "engine/fold.hpp"
#include "tests/engine/machine_test_support.hpp"

namespace cumulo {
namespace {

using M = network_machine;
using strings = std::vector<std::string>;

// Every event the tests applied, to replay them through the codec.
std::vector<network_event> history;

network_state run(network_state s, const network::command& c) {
  return run_command_on<M>(std::move(s), c, &history);
}
domain_error refused(const network_state& s, const network::command& c) {
  return refusal_of<M>(s, c);
}

network_state fresh() {
  network_state s;
  s.id = "n1";
  return s;
}

network_state created() {
  return run(fresh(), network::create{"private", "p1"});
}

network::add_subnet subnet(const std::string& id, const std::string& cidr) {
  network::add_subnet c;
  c.subnet_id = id;
  c.name = id;
  c.cidr = cidr;
  c.project_id = "p1";
  if (cidr.find(':') != std::string::npos) c.ip_version = 6;
  return c;
}

network::create_port port(const std::string& id, const std::string& mac,
                          std::optional<std::vector<network::fixed_ip>> ips = std::nullopt) {
  network::create_port c;
  c.port_id = id;
  c.mac_address = mac;
  c.device_id = "vm-" + id;
  c.device_owner = "compute:nova";
  c.fixed_ips = std::move(ips);
  c.project_id = "p1";
  return c;
}

strings ips(const network_state& s, const std::string& port_id) {
  strings out;
  for (const auto& f : s.find_port(port_id)->fixed_ips) out.push_back(f.ip_address);
  return out;
}

TEST(NetworkState, CreateUpdateDelete) {
  network::create c{"private", "p1", true, true, 1450, false, "a network"};
  auto s = run(fresh(), c);
  EXPECT_TRUE(s.exists());
  EXPECT_EQ(s.name, "private");
  EXPECT_EQ(s.project_id, "p1");
  EXPECT_TRUE(s.shared);
  EXPECT_TRUE(s.external);
  EXPECT_EQ(s.mtu, 1450);
  EXPECT_FALSE(s.admin_state_up);
  s = run(s, network::update{"renamed", false, std::nullopt, 9000, true, std::nullopt});
  EXPECT_EQ(s.name, "renamed");
  EXPECT_FALSE(s.shared);
  EXPECT_TRUE(s.external);
  EXPECT_EQ(s.mtu, 9000);
  EXPECT_TRUE(s.admin_state_up);
  EXPECT_EQ(s.description, "a network");
  s = run(s, network::remove{});
  EXPECT_TRUE(s.deleted);
  EXPECT_FALSE(s.exists());
}

TEST(NetworkState, RefusesIllegalNetworkCommands) {
  auto none = fresh();
  for (const network::command& c :
       {network::command{network::update{}}, network::command{subnet("s1", "10.0.0.0/24")},
        network::command{network::update_subnet{"s1"}},
        network::command{network::remove_subnet{"s1"}},
        network::command{port("p", "fa:16:3e:00:00:01")},
        network::command{network::update_port{"p"}}, network::command{network::delete_port{"p"}},
        network::command{network::remove{}}}) {
    auto e = refused(none, c);
    EXPECT_EQ(e.code, errc::not_found);
    EXPECT_EQ(e.message, "Network n1 could not be found.");
  }
  EXPECT_EQ(refused(none, network::create{std::string(256, 'a')}).code, errc::bad_request);
  EXPECT_EQ(refused(none, network::create{"n", "p", false, false, 67}).code, errc::bad_request);
  EXPECT_EQ(refused(none, network::create{"n", "p", false, false, 9001}).code, errc::bad_request);
  EXPECT_TRUE(M::decide(none, network::create{"n", "p", false, false, 68}).ok());
  auto s = created();
  EXPECT_EQ(refused(s, network::create{"again"}).code, errc::conflict);
  EXPECT_EQ(refused(s, network::update{std::string(256, 'a')}).code, errc::bad_request);
  network::update mtu;
  mtu.mtu = 10000;
  EXPECT_EQ(refused(s, mtu).code, errc::bad_request);
  s = run(s, network::remove{});
  EXPECT_EQ(refused(s, network::remove{}).code, errc::not_found) << "delete twice";
  EXPECT_EQ(refused(s, subnet("s1", "10.0.0.0/24")).code, errc::not_found);
}

TEST(NetworkState, AddsASubnetWithNeutronDefaults) {
  // Host bits are refused as Neutron does (issue 22, item 16).
  EXPECT_EQ(refused(created(), subnet("s1", "10.0.0.7/24")).message,
            "Invalid input for cidr. Reason: '10.0.0.7/24' isn't a recognized IP subnet cidr, "
            "'10.0.0.0/24' is recommended.");
  auto s = run(created(), subnet("s1", "10.0.0.0/24"));
  ASSERT_EQ(s.subnets.size(), 1u);
  const auto& sub = *s.find_subnet("s1");
  EXPECT_EQ(sub.cidr, "10.0.0.0/24");
  EXPECT_EQ(sub.ip_version, 4);
  EXPECT_EQ(sub.gateway_ip, "10.0.0.1");
  ASSERT_EQ(sub.allocation_pools.size(), 1u);
  EXPECT_EQ(sub.allocation_pools[0].start, "10.0.0.2");
  EXPECT_EQ(sub.allocation_pools[0].end, "10.0.0.254");
  EXPECT_TRUE(sub.enable_dhcp);
  EXPECT_EQ(sub.project_id, "p1");
}

TEST(NetworkState, AddsASubnetWithExplicitSettings) {
  auto c = subnet("s1", "10.0.0.0/24");
  c.gateway_ip = "10.0.0.254";
  c.allocation_pools = {{"10.0.0.100", "10.0.0.150"}};
  c.dns_nameservers = {"8.8.8.8", "1.1.1.1"};
  c.host_routes = {{"192.168.7.9/24", "10.0.0.3"}};
  c.enable_dhcp = false;
  auto s = run(created(), c);
  const auto& sub = *s.find_subnet("s1");
  EXPECT_EQ(sub.gateway_ip, "10.0.0.254");
  EXPECT_EQ(sub.allocation_pools[0].start, "10.0.0.100");
  EXPECT_EQ(sub.dns_nameservers, (strings{"8.8.8.8", "1.1.1.1"}));
  EXPECT_EQ(sub.host_routes[0].destination, "192.168.7.0/24");
  EXPECT_FALSE(sub.enable_dhcp);

  auto none = subnet("s2", "10.1.0.0/24");
  none.gateway_ip = "";
  s = run(s, none);
  EXPECT_EQ(s.find_subnet("s2")->gateway_ip, "");
  EXPECT_EQ(s.find_subnet("s2")->allocation_pools[0].start, "10.1.0.1");
}

TEST(NetworkState, RefusesBadSubnets) {
  auto s = run(created(), subnet("s1", "10.0.0.0/24"));
  for (const char* bad : {"10.0.0.0/33", "300.1.1.1/24", "abc", "10.5.0.0"})
    EXPECT_EQ(refused(s, subnet("s2", bad)).code, errc::bad_request) << bad;
  EXPECT_EQ(refused(s, subnet("s2", "fe80::/129")).code, errc::bad_request);
  auto overlap = refused(s, subnet("s2", "10.0.0.128/25"));
  EXPECT_EQ(overlap.code, errc::bad_request);
  EXPECT_EQ(overlap.message,
            "Invalid input for operation: Requested subnet with cidr: 10.0.0.128/25 for "
            "network: n1 overlaps with another subnet.");
  EXPECT_EQ(overlap.type, "InvalidInput");
  EXPECT_EQ(refused(s, subnet("s2", "10.0.0.0/8")).code, errc::bad_request) << "contains s1";
  EXPECT_EQ(refused(s, subnet("s1", "10.9.0.0/24")).code, errc::conflict) << "same id";
  EXPECT_EQ(refused(s, subnet("", "10.9.0.0/24")).code, errc::bad_request);
  auto gw = subnet("s2", "10.9.0.0/24");
  gw.gateway_ip = "10.8.0.1";
  EXPECT_EQ(refused(s, gw).code, errc::bad_request) << "gateway outside the CIDR";
  auto v = subnet("s2", "10.9.0.0/24");
  v.ip_version = 6;
  EXPECT_EQ(refused(s, v).code, errc::bad_request);
  auto dns = subnet("s2", "10.9.0.0/24");
  dns.dns_nameservers = {"dns.example.com"};
  EXPECT_EQ(refused(s, dns).code, errc::bad_request);
  dns.dns_nameservers = {"8.8.8.8", "8.8.8.8"};
  EXPECT_EQ(refused(s, dns).code, errc::bad_request) << "duplicate nameserver";
  auto route = subnet("s2", "10.9.0.0/24");
  route.host_routes = {{"10.7.0.0/33", "10.9.0.1"}};
  EXPECT_EQ(refused(s, route).code, errc::bad_request);
  auto pools = subnet("s2", "10.9.0.0/24");
  pools.allocation_pools = {{"10.9.0.2", "10.9.0.9"}, {"10.9.0.5", "10.9.0.20"}};
  EXPECT_EQ(refused(s, pools).code, errc::conflict);
  auto name = subnet("s2", "10.9.0.0/24");
  name.name = std::string(256, 'x');
  EXPECT_EQ(refused(s, name).code, errc::bad_request);
}

TEST(NetworkState, UpdatesAndRemovesSubnets) {
  auto s = run(created(), subnet("s1", "10.0.0.0/24"));
  network::update_subnet u{"s1", "renamed", "", strings{"9.9.9.9"}, false, "d"};
  s = run(s, u);
  const auto* sub = s.find_subnet("s1");
  EXPECT_EQ(sub->name, "renamed");
  EXPECT_EQ(sub->gateway_ip, "");
  EXPECT_EQ(sub->dns_nameservers, strings{"9.9.9.9"});
  EXPECT_FALSE(sub->enable_dhcp);
  EXPECT_EQ(sub->description, "d");
  network::update_subnet gw{"s1"};
  gw.gateway_ip = "10.0.0.1";  // outside the pool 10.0.0.2-254: allowed
  s = run(s, gw);
  EXPECT_EQ(s.find_subnet("s1")->gateway_ip, "10.0.0.1");
  gw.gateway_ip = "10.0.0.9";
  EXPECT_EQ(refused(s, gw).code, errc::conflict) << "in the pool";
  gw.gateway_ip = "10.1.0.1";
  EXPECT_EQ(refused(s, gw).code, errc::bad_request) << "outside the CIDR";
  gw.gateway_ip = "nope";
  EXPECT_EQ(refused(s, gw).code, errc::bad_request);
  network::update_subnet dns{"s1"};
  dns.dns_nameservers = strings{"::1"};
  EXPECT_EQ(refused(s, dns).code, errc::bad_request) << "IPv6 nameserver on an IPv4 subnet";
  auto missing = refused(s, network::update_subnet{"s9"});
  EXPECT_EQ(missing.code, errc::not_found);
  EXPECT_EQ(missing.message, "Subnet s9 could not be found.");
  EXPECT_EQ(refused(s, network::remove_subnet{"s9"}).code, errc::not_found);
  s = run(s, network::remove_subnet{"s1"});
  EXPECT_TRUE(s.subnets.empty());
  EXPECT_EQ(refused(s, network::remove_subnet{"s1"}).code, errc::not_found) << "twice";
  s = run(s, subnet("s1b", "10.0.0.0/24"));  // the CIDR is free again
  EXPECT_EQ(s.subnets.size(), 1u);
}

TEST(NetworkState, PortsGetTheLowestFreeAddress) {
  auto s = run(created(), subnet("s1", "10.0.0.0/24"));
  s = run(s, port("a", "FA:16:3E:00:00:0A"));
  s = run(s, port("b", "fa:16:3e:00:00:0b"));
  EXPECT_EQ(ips(s, "a"), strings{"10.0.0.2"});
  EXPECT_EQ(ips(s, "b"), strings{"10.0.0.3"});
  EXPECT_EQ(s.find_port("a")->mac_address, "fa:16:3e:00:00:0a") << "normalised";
  EXPECT_EQ(s.find_port("a")->fixed_ips[0].subnet_id, "s1");
  EXPECT_EQ(s.find_port("a")->device_owner, "compute:nova");
  s = run(s, network::delete_port{"a"});
  EXPECT_FALSE(s.find_port("a"));
  s = run(s, port("c", "fa:16:3e:00:00:0c"));
  EXPECT_EQ(ips(s, "c"), strings{"10.0.0.2"}) << "a freed address is used again";
}

TEST(NetworkState, PortsWithExplicitAddresses) {
  auto s = run(created(), subnet("s1", "10.0.0.0/24"));
  s = run(s, subnet("s2", "10.1.0.0/24"));
  s = run(s, port("a", "fa:16:3e:00:00:01", {{{"", "10.0.0.50"}}}));
  EXPECT_EQ(ips(s, "a"), strings{"10.0.0.50"});
  EXPECT_EQ(s.find_port("a")->fixed_ips[0].subnet_id, "s1") << "the subnet is found";
  s = run(s, port("b", "fa:16:3e:00:00:02", {{{"s2", ""}, {"s1", "10.0.0.1"}}}));
  EXPECT_EQ(ips(s, "b"), (strings{"10.1.0.2", "10.0.0.1"})) << "the gateway may be asked for";
  s = run(s, port("none", "fa:16:3e:00:00:03", std::vector<network::fixed_ip>{}));
  EXPECT_TRUE(s.find_port("none")->fixed_ips.empty());

  auto taken = refused(s, port("x", "fa:16:3e:00:00:09", {{{"s1", "10.0.0.50"}}}));
  EXPECT_EQ(taken.code, errc::conflict);
  EXPECT_EQ(taken.message, "IP address 10.0.0.50 already allocated in subnet s1");
  EXPECT_EQ(
      refused(s, port("x", "fa:16:3e:00:00:09", {{{"", "10.0.0.60"}, {"", "10.0.0.60"}}})).code,
      errc::conflict)
      << "twice in one request";
  EXPECT_EQ(refused(s, port("x", "fa:16:3e:00:00:09", {{{"s1", "10.1.0.9"}}})).code,
            errc::bad_request)
      << "not in the named subnet";
  EXPECT_EQ(refused(s, port("x", "fa:16:3e:00:00:09", {{{"", "10.7.0.9"}}})).code,
            errc::bad_request)
      << "in no subnet";
  EXPECT_EQ(refused(s, port("x", "fa:16:3e:00:00:09", {{{"s1", "10.0.0.255"}}})).code,
            errc::bad_request)
      << "broadcast";
  EXPECT_EQ(refused(s, port("x", "fa:16:3e:00:00:09", {{{"s1", "10.0.0.0"}}})).code,
            errc::bad_request)
      << "network address";
  EXPECT_EQ(refused(s, port("x", "fa:16:3e:00:00:09", {{{"s1", "ten"}}})).code, errc::bad_request);
  EXPECT_EQ(refused(s, port("x", "fa:16:3e:00:00:09", {{{"s9", ""}}})).code, errc::bad_request)
      << "a subnet of no network of ours";
  EXPECT_EQ(refused(s, port("x", "fa:16:3e:00:00:09", {{{"", ""}}})).code, errc::bad_request);
}

TEST(NetworkState, RefusesBadPorts) {
  auto s = run(created(), subnet("s1", "10.0.0.0/24"));
  s = run(s, port("a", "fa:16:3e:00:00:01"));
  EXPECT_EQ(refused(s, port("a", "fa:16:3e:00:00:02")).code, errc::conflict) << "same id";
  EXPECT_EQ(refused(s, port("", "fa:16:3e:00:00:02")).code, errc::bad_request);
  auto mac = refused(s, port("b", "FA:16:3E:00:00:01"));
  EXPECT_EQ(mac.code, errc::conflict);
  EXPECT_EQ(mac.message,
            "Unable to complete operation for network n1. The mac address fa:16:3e:00:00:01 is "
            "in use.");
  for (const char* bad : {"", "fa:16:3e:00:00", "fa-16-3e-00-00-01", "fa:16:3e:00:00:0g",
                          "00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff"})
    EXPECT_EQ(refused(s, port("b", bad)).code, errc::bad_request) << bad;
  auto name = port("b", "fa:16:3e:00:00:02");
  name.name = std::string(256, 'n');
  EXPECT_EQ(refused(s, name).code, errc::bad_request);
}

TEST(NetworkState, APoolRunsOut) {
  // A /30 has two host addresses; the gateway takes one.
  auto s = run(created(), subnet("s1", "10.0.0.0/30"));
  s = run(s, port("a", "fa:16:3e:00:00:01"));
  EXPECT_EQ(ips(s, "a"), strings{"10.0.0.2"});
  auto full = refused(s, port("b", "fa:16:3e:00:00:02"));
  EXPECT_EQ(full.code, errc::conflict);
  EXPECT_EQ(full.message, "No more IP addresses available on network n1.");
  EXPECT_EQ(full.type, "IpAddressGenerationFailure");
  EXPECT_EQ(refused(s, port("b", "fa:16:3e:00:00:02", {{{"s1", ""}}})).code, errc::conflict);
  // A second subnet with room is used when the first is full.
  s = run(s, subnet("s2", "10.0.1.0/24"));
  s = run(s, port("b", "fa:16:3e:00:00:02"));
  EXPECT_EQ(ips(s, "b"), strings{"10.0.1.2"});
}

TEST(NetworkState, PortsOnANetworkWithoutSubnetsHaveNoAddress) {
  auto s = run(created(), port("a", "fa:16:3e:00:00:01"));
  EXPECT_TRUE(s.find_port("a")->fixed_ips.empty());
}

TEST(NetworkState, IPv6SubnetsAndDualStackPorts) {
  auto s = run(created(), subnet("v6", "2001:DB8::/64"));
  const auto* sub = s.find_subnet("v6");
  EXPECT_EQ(sub->cidr, "2001:db8::/64");
  EXPECT_EQ(sub->gateway_ip, "2001:db8::1");
  EXPECT_EQ(sub->allocation_pools[0].start, "2001:db8::2");
  EXPECT_EQ(sub->allocation_pools[0].end, "2001:db8::ffff:ffff:ffff:ffff");
  s = run(s, port("a", "fa:16:3e:00:00:01"));
  EXPECT_EQ(ips(s, "a"), strings{"2001:db8::2"});
  s = run(s, subnet("v4", "10.0.0.0/24"));
  s = run(s, port("b", "fa:16:3e:00:00:02"));
  EXPECT_EQ(ips(s, "b"), (strings{"10.0.0.2", "2001:db8::3"})) << "one address per family";
  s = run(s, port("c", "fa:16:3e:00:00:03", {{{"", "2001:DB8::ABCD"}}}));
  EXPECT_EQ(ips(s, "c"), strings{"2001:db8::abcd"});
  EXPECT_EQ(refused(s, port("d", "fa:16:3e:00:00:04", {{{"", "2001:db8::abcd"}}})).code,
            errc::conflict);
  // The subnet-router anycast address is for routers only.
  EXPECT_EQ(refused(s, port("d", "fa:16:3e:00:00:04", {{{"v6", "2001:db8::"}}})).code,
            errc::bad_request);
  auto router = port("r", "fa:16:3e:00:00:05", {{{"v6", "2001:db8::"}}});
  router.device_owner = "network:router_interface";
  s = run(s, router);
  EXPECT_EQ(ips(s, "r"), strings{"2001:db8::"});
  auto overlap = subnet("v6b", "2001:db8::/48");
  EXPECT_EQ(refused(s, overlap).code, errc::bad_request);
  auto gw = subnet("v6c", "2001:db9::/64");
  gw.gateway_ip = "2001:db9::";
  EXPECT_TRUE(M::decide(s, gw).ok()) << "IPv6 has no reserved network address for gateways";
}

TEST(NetworkState, UpdatesAndDeletesPorts) {
  auto s = run(created(), subnet("s1", "10.0.0.0/24"));
  s = run(s, port("a", "fa:16:3e:00:00:01"));
  network::update_port u{"a", "eth0", "vm-2", "compute:nova", false, strings{"default", "web"}};
  s = run(s, u);
  const auto* p = s.find_port("a");
  EXPECT_EQ(p->name, "eth0");
  EXPECT_EQ(p->device_id, "vm-2");
  EXPECT_FALSE(p->admin_state_up);
  EXPECT_EQ(p->security_groups, (strings{"default", "web"}));
  EXPECT_EQ(p->mac_address, "fa:16:3e:00:00:01");
  EXPECT_EQ(refused(s, network::update_port{"a", std::string(256, 'x')}).code, errc::bad_request);
  auto missing = refused(s, network::update_port{"z"});
  EXPECT_EQ(missing.code, errc::not_found);
  EXPECT_EQ(missing.message, "Port z could not be found.");
  EXPECT_EQ(refused(s, network::delete_port{"z"}).code, errc::not_found);
  s = run(s, network::delete_port{"a"});
  EXPECT_EQ(refused(s, network::delete_port{"a"}).code, errc::not_found) << "twice";
}

TEST(NetworkState, InUseNetworksAndSubnetsCannotGo) {
  auto s = run(created(), subnet("s1", "10.0.0.0/24"));
  s = run(s, subnet("s2", "10.1.0.0/24"));
  s = run(s, port("a", "fa:16:3e:00:00:01"));
  auto net = refused(s, network::remove{});
  EXPECT_EQ(net.code, errc::conflict);
  EXPECT_EQ(net.message,
            "Unable to complete operation on network n1. There are one or more ports still in "
            "use on the network.");
  EXPECT_EQ(refused(s, network::remove_subnet{"s1"}).code, errc::conflict);
  s = run(s, network::remove_subnet{"s2"});  // no port has an address from s2
  s = run(s, network::delete_port{"a"});
  s = run(s, network::remove_subnet{"s1"});
  s = run(s, subnet("s3", "10.3.0.0/24"));
  s = run(s, network::remove{});  // subnets go with the network
  EXPECT_TRUE(s.deleted);
}

TEST(NetworkState, ApplyRejectsEventsThatCannotHappen) {
  EXPECT_THROW(M::apply(fresh(), network_deleted{}), invalid_event);
  EXPECT_THROW(M::apply(fresh(), network_updated{}), invalid_event);
  EXPECT_THROW(M::apply(fresh(), network_subnet_added{"s1"}), invalid_event);
  auto s = run(created(), subnet("s1", "10.0.0.0/24"));
  EXPECT_THROW(M::apply(s, network_created{}), invalid_event);
  EXPECT_THROW(M::apply(s, network_subnet_added{"s1"}), invalid_event);
  EXPECT_THROW(M::apply(s, network_subnet_updated{"s9"}), invalid_event);
  EXPECT_THROW(M::apply(s, network_subnet_removed{"s9"}), invalid_event);
  EXPECT_THROW(M::apply(s, network_port_updated{"p9"}), invalid_event);
  EXPECT_THROW(M::apply(s, network_port_deleted{"p9"}), invalid_event);
  network_port_created bad{"p1"};
  bad.fixed_ips = {{"s9", "10.9.0.2"}};
  EXPECT_THROW(M::apply(s, bad), invalid_event) << "unknown subnet";
  bad.fixed_ips = {{"s1", "10.0.0.x"}};
  EXPECT_THROW(M::apply(s, bad), invalid_event) << "unreadable address";
  network_subnet_added junk{"s2"};
  junk.cidr = "nonsense";
  EXPECT_THROW(M::apply(s, junk), invalid_event) << "unreadable cidr";
  s = run(s, port("p1", "fa:16:3e:00:00:01"));
  EXPECT_THROW(M::apply(s, network_port_created{"p1"}), invalid_event);
  EXPECT_THROW(M::apply(s, network_subnet_removed{"s1"}), invalid_event) << "in use";
  EXPECT_THROW(M::apply(s, network_deleted{}), invalid_event) << "ports left";
}

TEST(NetworkState, JsonViewHoldsSubnetsAndPorts) {
  auto s = run(created(), subnet("s1", "10.0.0.0/24"));
  s = run(s, port("a", "fa:16:3e:00:00:01"));
  nlohmann::json j = s;
  EXPECT_EQ(j["id"], "n1");
  EXPECT_EQ(j["name"], "private");
  EXPECT_EQ(j["router:external"], false);
  EXPECT_EQ(j["subnets"][0]["cidr"], "10.0.0.0/24");
  EXPECT_EQ(j["subnets"][0]["allocation_pools"][0]["start"], "10.0.0.2");
  EXPECT_EQ(j["ports"][0]["fixed_ips"][0]["ip_address"], "10.0.0.2");
  s = run(s, network::update_subnet{"s1", std::nullopt, ""});
  j = s;
  EXPECT_TRUE(j["subnets"][0]["gateway_ip"].is_null());
}

// Every event type, encoded, recorded and folded back, gives the same state.
TEST(NetworkState, EventsRoundTripThroughTheCodec) {
  history.clear();
  network::create c{"private", "p1", true, false, 1400, true, "d"};
  auto s = run(fresh(), c);
  s = run(s, network::update{"n", std::nullopt, true});
  auto sc = subnet("s1", "10.0.0.0/24");
  sc.dns_nameservers = {"8.8.8.8"};
  sc.host_routes = {{"10.9.0.0/16", "10.0.0.9"}};
  s = run(s, sc);
  s = run(s, subnet("v6", "2001:db8::/64"));
  s = run(s, network::update_subnet{"s1", "renamed", "", strings{}, false, std::nullopt,
                                    std::vector<network::host_route>{{"10.8.0.0/16", "10.0.0.8"}}});
  auto pc = port("a", "fa:16:3e:00:00:01");
  pc.binding_host_id = "compute-1";
  pc.allowed_address_pairs = {{"10.0.0.50", ""}, {"10.1.0.0/24", "fa:16:3e:00:00:99"}};
  pc.extra_dhcp_opts = {{"tftp-server", "10.0.0.9", 4}, {"bootfile-name", std::nullopt, 4}};
  s = run(s, pc);
  s = run(s,
          network::update_port{"a", "eth0", std::nullopt, std::nullopt, false, strings{"default"},
                               std::vector<network::fixed_ip>{{"s1", "10.0.0.77"}}, "compute-2"});
  s = run(s, network::set_tags{{tagging::op::add, {"t"}}});
  s = run(s, network::set_subnet_tags{"s1", {tagging::op::add, {"web"}}});
  s = run(s, network::set_port_tags{"a", {tagging::op::replace, {"vm", "db"}}});
  s = run(s, subnet("s2", "10.1.0.0/24"));
  s = run(s, network::remove_subnet{"s2"});
  s = run(s, network::delete_port{"a"});
  s = run(s, network::create_rbac_policy{"r1", "access_as_shared", "p2", "p1"});
  s = run(s, network::update_rbac_policy{"r1", "p3"});
  s = run(s, network::create_rbac_policy{"r2", "access_as_external", "p3", "p1"});
  s = run(s, network::delete_rbac_policy{"r1"});
  ASSERT_EQ(s.rbac_policies.size(), 3u) << "the shared and external \"*\" ones, and r2";
  s = run(s, network::remove{});

  network_state folded = fresh();
  std::set<std::string> types;
  std::int64_t v = 0;
  for (const auto& e : history) {
    new_event n = encode(e);
    types.insert(n.type);
    ++v;
    recorded_event r{v, "network/n1", v, n.type, n.schema_version, 100 + v, "req", "u", n.payload};
    EXPECT_EQ(std::visit([](const auto& x) { return std::string(x.type_name); },
                         decode<network_event>(r)),
              n.type);
    folded = fold<M>(std::move(folded), r);
  }
  EXPECT_EQ(types.size(), std::variant_size_v<network_event>) << "every event type";
  nlohmann::json a = s, b = folded;
  for (auto* j : {&a, &b}) j->erase("created_at"), j->erase("updated_at");
  EXPECT_EQ(a, b);
  EXPECT_EQ(folded.version, v);
  EXPECT_EQ(folded.created_at_us, 101);
  EXPECT_TRUE(folded.deleted);
  EXPECT_EQ(folded.find_subnet("s1")->host_routes[0].nexthop, "10.0.0.8");
  EXPECT_EQ(folded.find_subnet("s1")->revision, 3) << "an update and a tag change";
  EXPECT_EQ(folded.find_subnet("s1")->tags, strings{"web"});
  EXPECT_EQ(folded.tags, strings{"t"});
  EXPECT_EQ(folded.find_subnet("v6")->allocation_pools[0].end, "2001:db8::ffff:ffff:ffff:ffff");
}

}  // namespace
}  // namespace cumulo

namespace cumulo {
namespace {

// Issue 18: PUT /ports/{id} with fixed_ips: the list replaces the port's
// addresses; an entry with only a subnet keeps the address the port has
// there; another port's address is 409; each port and subnet counts its
// own revisions.
TEST(NetworkState, APortUpdateReplacesItsAddresses) {
  auto s = run(created(), subnet("s1", "10.0.0.0/24"));
  s = run(s, subnet("s2", "10.0.1.0/24"));
  s = run(s, port("a", "fa:16:3e:00:00:01"));
  s = run(s, port("b", "fa:16:3e:00:00:02"));
  ASSERT_EQ(ips(s, "a"), strings{"10.0.0.2"});
  EXPECT_EQ(s.find_port("a")->revision, 1);

  network::update_port u;
  u.port_id = "a";
  u.fixed_ips = std::vector<network::fixed_ip>{{"s1", ""}, {"s2", ""}};
  s = run(s, u);
  EXPECT_EQ(ips(s, "a"), (strings{"10.0.0.2", "10.0.1.2"})) << "kept on s1, new on s2";
  EXPECT_EQ(s.find_port("a")->revision, 2);
  EXPECT_EQ(s.find_port("b")->revision, 1) << "another port's change is not its own";

  u.fixed_ips = std::vector<network::fixed_ip>{{"", "10.0.0.50"}};
  s = run(s, u);
  EXPECT_EQ(ips(s, "a"), strings{"10.0.0.50"});
  // The addresses it gave up are free again.
  network::update_port take;
  take.port_id = "b";
  take.fixed_ips = std::vector<network::fixed_ip>{{"", "10.0.1.2"}};
  s = run(s, take);
  EXPECT_EQ(ips(s, "b"), strings{"10.0.1.2"});
  u.fixed_ips = std::vector<network::fixed_ip>{{"", "10.0.1.2"}};
  EXPECT_EQ(refused(s, u).code, errc::conflict);
  u.fixed_ips = std::vector<network::fixed_ip>{{"nope", ""}};
  EXPECT_EQ(refused(s, u).code, errc::bad_request);

  network::update_port bind;
  bind.port_id = "a";
  bind.binding_host_id = "compute-1";
  s = run(s, bind);
  EXPECT_EQ(s.find_port("a")->binding_host_id, "compute-1");
}

TEST(NetworkState, ASubnetUpdateChangesItsHostRoutes) {
  auto s = run(created(), subnet("s1", "10.0.0.0/24"));
  network::update_subnet u;
  u.subnet_id = "s1";
  u.host_routes = std::vector<network::host_route>{{"192.168.0.0/24", "10.0.0.254"}};
  s = run(s, u);
  ASSERT_EQ(s.find_subnet("s1")->host_routes.size(), 1u);
  EXPECT_EQ(s.find_subnet("s1")->host_routes[0].destination, "192.168.0.0/24");
  EXPECT_EQ(s.find_subnet("s1")->revision, 2);
  u.host_routes = std::vector<network::host_route>{{"not a cidr", "10.0.0.254"}};
  EXPECT_EQ(refused(s, u).code, errc::bad_request);
}

}  // namespace
}  // namespace cumulo

namespace cumulo {
namespace {

// Issue 18: a subnet allocated from a subnet pool records the pool (the
// door chose its cidr); a subnet.added of a log written before pools has
// none.
TEST(NetworkState, ASubnetFromAPoolRecordsThePool) {
  auto c = subnet("s1", "10.10.0.0/26");
  c.subnetpool_id = "sp1";
  c.prefixlen = 26;
  auto s = run(created(), c);
  EXPECT_EQ(s.find_subnet("s1")->subnetpool_id, "sp1");
  EXPECT_EQ(s.find_subnet("s1")->gateway_ip, "10.10.0.1") << "as for a cidr subnet";
  EXPECT_EQ(s.find_subnet("s1")->allocation_pools[0].end, "10.10.0.62");
  EXPECT_EQ(nlohmann::json(s)["subnets"][0]["subnetpool_id"], "sp1");

  network_subnet_added e;
  e.subnet_id = "s1";
  e.cidr = "10.0.0.0/24";
  e.subnetpool_id = "sp1";
  const new_event n = encode(e);
  auto payload = nlohmann::json::from_msgpack(n.payload);
  EXPECT_EQ(payload["subnetpool_id"], "sp1");
  payload.erase("subnetpool_id");
  const auto old = nlohmann::json::to_msgpack(payload);
  const recorded_event r{1,
                         "network/n1",
                         2,
                         n.type,
                         n.schema_version,
                         1,
                         "req",
                         "u",
                         std::string(old.begin(), old.end())};
  const auto decoded = std::get<network_subnet_added>(decode<network_event>(r));
  EXPECT_EQ(decoded.subnetpool_id, "");
  EXPECT_EQ(decoded.cidr, "10.0.0.0/24");
}

}  // namespace
}  // namespace cumulo
