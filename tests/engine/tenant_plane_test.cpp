// The tenant plane's plan: what bridges, namespaces, legs, DHCP files and
// NAT rules the networking states ask of a host.
#include "engine/tenant_plane.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "tests/support/tenant_topology.hpp"

namespace cumulo {
namespace {

plane_options options() {
  plane_options o;
  o.cloud_id = "c0ffee00";
  o.run_dir = "/run/cumulo/c0ffee00";
  o.external_cidr = "198.18.250.0/24";
  return o;
}

const plane::bridge* bridge_of(const plane::layout& l, const std::string& network_id) {
  for (const auto& b : l.bridges)
    if (b.network_id == network_id) return &b;
  return nullptr;
}

bool has_line(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

TEST(TenantPlane, EachNetworkIsABridgeAndOnlyTheExternalOneHasTheHostOnIt) {
  const auto t = testing::make_tenant_topology("0a01");
  const auto l = plan_tenant_plane(t.networks, t.routers, t.floatingips, options());
  ASSERT_EQ(l.bridges.size(), 3u);
  const auto* a = bridge_of(l, t.a);
  const auto* b = bridge_of(l, t.b);
  const auto* e = bridge_of(l, t.e);
  ASSERT_TRUE(a && b && e);
  EXPECT_NE(a->name, b->name);  // the same CIDR, two bridges
  EXPECT_LE(a->name.size(), 15u);
  EXPECT_EQ(a->mtu, 1450);
  EXPECT_TRUE(a->host_addresses.empty());
  EXPECT_TRUE(b->host_addresses.empty());
  EXPECT_EQ(e->host_addresses, std::vector<std::string>{t.host_address + "/24"});

  auto other = options();
  other.external_cidr = "";
  const auto none = plan_tenant_plane(t.networks, t.routers, t.floatingips, other);
  EXPECT_TRUE(bridge_of(none, t.e)->host_addresses.empty());

  other.external_bridge = "br-ex";
  const auto shared = plan_tenant_plane(t.networks, t.routers, t.floatingips, other);
  EXPECT_EQ(bridge_of(shared, t.e)->name, "br-ex");
  EXPECT_FALSE(bridge_of(shared, t.e)->own);
}

TEST(TenantPlane, DhcpServesEveryPortWithTheSubnetsOptions) {
  const auto t = testing::make_tenant_topology("0a02");
  const auto l = plan_tenant_plane(t.networks, t.routers, t.floatingips, options());
  ASSERT_EQ(l.dhcp.size(), 2u);  // A and B; E has no DHCP
  const auto& d = l.dhcp[0].network_id == t.a ? l.dhcp[0] : l.dhcp[1];
  EXPECT_EQ(d.ns, "cumulo-c0ffee00-qdhcp-" + t.a);
  EXPECT_EQ(d.port.addresses, (std::vector<std::string>{"10.9.0.2/24", "169.254.169.254/32"}));
  EXPECT_EQ(d.port.mac, "fa:16:3e:00:0a:02");
  EXPECT_EQ(d.port.bridge, bridge_of(l, t.a)->name);
  EXPECT_LE(d.port.host_end.size(), 15u);
  EXPECT_LE(d.port.ns_end.size(), 15u);
  // A host line per guest and router port, none for the DHCP port or the gateway.
  EXPECT_TRUE(has_line(d.hosts, "fa:16:3e:00:0a:05,10.9.0.5,host-10-9-0-5")) << d.hosts;
  EXPECT_EQ(d.hosts.find("fa:16:3e:00:0a:02"), std::string::npos);
  EXPECT_EQ(d.hosts.find("10.9.0.1,"), std::string::npos);
  const auto tag = "tag:subnet-" + t.networks.at(t.a).subnets[0].id;
  EXPECT_TRUE(has_line(d.opts, tag + ",option:router,10.9.0.1"));
  EXPECT_TRUE(has_line(d.opts, tag + ",option:classless-static-route,169.254.169.254/32,10.9.0.2,"
                                     "192.168.77.0/24,10.9.0.1,0.0.0.0/0,10.9.0.1"));
  EXPECT_TRUE(has_line(d.opts, tag + ",option:dns-server,192.0.2.53"));
  const auto& args = d.dnsmasq;
  EXPECT_NE(std::find(args.begin(), args.end(),
                      "--dhcp-range=set:subnet-" + t.networks.at(t.a).subnets[0].id +
                          ",10.9.0.0,static,255.255.255.0,86400s"),
            args.end());
  EXPECT_NE(std::find(args.begin(), args.end(), "--interface=" + d.port.ns_end), args.end());
}

TEST(TenantPlane, ExtraDhcpOptionsGoToTheirPortAndNothingElseGetsAWholeLine) {
  auto t = testing::make_tenant_topology("0a03");
  auto& port = t.networks.at(t.a).ports.at(t.a_guest);
  port.extra_dhcp_opts = {{"tftp-server", "192.0.2.9", 4},
                          {"66", "boot.example", 4},
                          {"bootfile-name", "a\nb", 4},  // never a second line
                          {"dns-server", "2001:db8::1", 6}};
  const auto l = plan_tenant_plane(t.networks, t.routers, t.floatingips, options());
  const auto& d = l.dhcp[0].network_id == t.a ? l.dhcp[0] : l.dhcp[1];
  EXPECT_TRUE(has_line(d.opts, "tag:port-" + t.a_guest + ",option:tftp-server,192.0.2.9"));
  // The port with options of its own is tagged in the hosts file.
  EXPECT_TRUE(has_line(d.hosts, "fa:16:3e:00:0a:05,set:port-" + t.a_guest +
                                    ",10.9.0.5,host-10-9-0-5"))
      << d.hosts;
  EXPECT_TRUE(has_line(d.opts, "tag:port-" + t.a_guest + ",66,boot.example"));
  EXPECT_EQ(d.opts.find("bootfile"), std::string::npos);
  EXPECT_EQ(d.opts.find("2001:db8::1"), std::string::npos);
}

TEST(TenantPlane, ARouterHoldsTheGatewaysAndTranslatesFloatingIps) {
  const auto t = testing::make_tenant_topology("0a04");
  const auto l = plan_tenant_plane(t.networks, t.routers, t.floatingips, options());
  ASSERT_EQ(l.routers.size(), 1u);
  const auto& r = l.routers[0];
  EXPECT_EQ(r.ns, "cumulo-c0ffee00-qrouter-" + t.router);
  ASSERT_EQ(r.legs.size(), 2u);
  EXPECT_EQ(r.legs[0].addresses, std::vector<std::string>{"10.9.0.1/24"});
  EXPECT_EQ(r.legs[0].ns_end.substr(0, 3), "qr-");
  EXPECT_EQ(r.legs[1].ns_end.substr(0, 3), "qg-");
  EXPECT_EQ(r.legs[1].addresses,
            (std::vector<std::string>{"198.18.250.10/24", t.floating_ip + "/32"}));
  EXPECT_EQ(r.legs[1].bridge, bridge_of(l, t.e)->name);
  ASSERT_EQ(r.routes.size(), 1u);
  EXPECT_EQ(r.routes[0].destination, "default");
  EXPECT_EQ(r.routes[0].via, t.host_address);
  EXPECT_NE(r.nat.find("ip daddr " + t.floating_ip + " dnat to 10.9.0.5"), std::string::npos);
  EXPECT_NE(
      r.nat.find("ip saddr 10.9.0.5 oifname \"" + r.legs[1].ns_end + "\" snat to " + t.floating_ip),
      std::string::npos);
  EXPECT_NE(r.nat.find("ip saddr { 10.9.0.0/24 } snat to 198.18.250.10"), std::string::npos);
}

TEST(TenantPlane, ARoutersExtraRoutesAreItsNamespacesRoutes) {
  auto t = testing::make_tenant_topology("0a08");
  t.routers.at(t.router).routes = {{"192.168.50.0/24", "10.9.0.7"}};
  const auto l = plan_tenant_plane(t.networks, t.routers, t.floatingips, options());
  ASSERT_EQ(l.routers[0].routes.size(), 2u);
  EXPECT_EQ(l.routers[0].routes[1].destination, "192.168.50.0/24");
  EXPECT_EQ(l.routers[0].routes[1].via, "10.9.0.7");
}

TEST(TenantPlane, WithoutSnatOnlyFloatingIpsAreTranslated) {
  auto t = testing::make_tenant_topology("0a05");
  t.routers.at(t.router).gateway->enable_snat = false;
  t.floatingips.clear();
  const auto l = plan_tenant_plane(t.networks, t.routers, t.floatingips, options());
  EXPECT_EQ(l.routers[0].nat.find("snat"), std::string::npos);
  EXPECT_EQ(l.routers[0].legs[1].addresses, std::vector<std::string>{"198.18.250.10/24"});
}

TEST(TenantPlane, WhatNoLongerExistsIsNotPlanned) {
  auto t = testing::make_tenant_topology("0a06");
  t.routers.at(t.router).deleted = true;
  t.networks.at(t.b).deleted = true;
  const auto l = plan_tenant_plane(t.networks, t.routers, t.floatingips, options());
  EXPECT_TRUE(l.routers.empty());
  EXPECT_EQ(l.bridges.size(), 2u);
  EXPECT_EQ(l.dhcp.size(), 1u);
}

TEST(TenantPlane, TheHostMasqueradesTheExternalCidrOnlyWhenAsked) {
  const auto t = testing::make_tenant_topology("0a07");
  auto o = options();
  EXPECT_EQ(plan_tenant_plane(t.networks, t.routers, t.floatingips, o).host_nat, "");
  o.masquerade = true;
  const auto nat = plan_tenant_plane(t.networks, t.routers, t.floatingips, o).host_nat;
  EXPECT_NE(nat.find("table ip cumulo-c0ffee00"), std::string::npos) << nat;
  EXPECT_NE(nat.find("ip saddr 198.18.250.0/24 ip daddr != 198.18.250.0/24 masquerade"),
            std::string::npos)
      << nat;
}

}  // namespace
}  // namespace cumulo
