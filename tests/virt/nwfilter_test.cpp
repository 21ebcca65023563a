// Security groups as nwfilter XML: deny-by-default ingress, rules opening it.
#include "virt/nwfilter.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace cumulo {
namespace {

security_group::rule ingress(std::string protocol, std::optional<int> min = std::nullopt,
                             std::optional<int> max = std::nullopt) {
  security_group::rule r;
  r.id = "r";
  r.direction = "ingress";
  r.ethertype = "IPv4";
  r.protocol = std::move(protocol);
  r.port_range_min = min;
  r.port_range_max = max;
  return r;
}

bool has(const std::string& xml, const std::string& piece) {
  return xml.find(piece) != std::string::npos;
}

TEST(Nwfilter, NameIsPerPortAndRecognised) {
  EXPECT_EQ(port_nwfilter_name("p1"), "cumulo-port-p1");
  EXPECT_TRUE(is_port_nwfilter_name("cumulo-port-p1"));
  EXPECT_FALSE(is_port_nwfilter_name("clean-traffic"));
}

TEST(Nwfilter, NoRulesMeansBasicsEgressAndDropAllIngress) {
  auto xml = port_nwfilter_xml("p1", {}, {});
  EXPECT_TRUE(has(xml, "<filter name='cumulo-port-p1' chain='root'>"));
  EXPECT_TRUE(has(xml, "<uuid>p1</uuid>"));
  EXPECT_TRUE(has(xml, "<rule action='accept' direction='inout' priority='100'><arp/></rule>"));
  EXPECT_TRUE(has(xml, "<udp srcportstart='67' dstportstart='68'/>"));
  EXPECT_TRUE(has(xml, "<rule action='accept' direction='out' priority='200'><all/></rule>"));
  EXPECT_TRUE(has(xml, "<rule action='drop' direction='in' priority='900'><all/></rule>"));
  EXPECT_TRUE(has(xml, "<rule action='drop' direction='in' priority='900'><all-ipv6/></rule>"));
  EXPECT_FALSE(has(xml, "priority='300'"));  // no ingress allow at all
}

TEST(Nwfilter, IngressRulesBecomeAcceptsBeforeTheDrop) {
  auto ssh = ingress("tcp", 22, 22);
  ssh.remote_ip_prefix = "10.0.0.0/24";
  auto ping = ingress("icmp");
  auto any = ingress("");
  any.remote_ip_prefix = "0.0.0.0/0";
  auto dns = ingress("17", 53, 53);
  auto echo6 = ingress("ipv6-icmp", 128);
  echo6.ethertype = "IPv6";
  auto xml = port_nwfilter_xml("p1", {ssh, ping, any, dns, echo6}, {});
  EXPECT_TRUE(has(xml,
                  "<rule action='accept' direction='in' priority='300'><tcp srcipaddr='10.0.0.0' "
                  "srcipmask='24' dstportstart='22' dstportend='22'/></rule>"));
  EXPECT_TRUE(has(xml, "<rule action='accept' direction='in' priority='300'><icmp/></rule>"));
  EXPECT_TRUE(has(xml, "<rule action='accept' direction='in' priority='300'><all/></rule>"));
  EXPECT_TRUE(has(xml, "<udp dstportstart='53' dstportend='53'/>"));
  EXPECT_TRUE(has(xml, "<icmpv6 type='128'/>"));
  EXPECT_LT(xml.find("priority='300'"), xml.find("action='drop'"));
}

TEST(Nwfilter, EgressRulesAndInexpressibleProtocolsAddNothing) {
  auto out = ingress("tcp", 80, 80);
  out.direction = "egress";
  auto gre = ingress("gre");
  auto unknown = ingress("made-up");
  auto icmp_as_v6 = ingress("icmp");
  icmp_as_v6.ethertype = "IPv6";
  auto xml = port_nwfilter_xml("p1", {out, gre, unknown, icmp_as_v6}, {});
  EXPECT_FALSE(has(xml, "priority='300'"));
}

TEST(Nwfilter, ARemoteGroupAdmitsItsPortsAddressesOfTheRulesFamily) {
  auto from_group = ingress("icmp");
  from_group.remote_group_id = "g1";
  auto from_unknown = ingress("tcp", 22, 22);
  from_unknown.remote_group_id = "g-none";
  auto xml = port_nwfilter_xml("p1", {from_group, from_unknown},
                               {{"g1", {"10.0.0.5", "fd00::5", "10.0.0.6"}}});
  EXPECT_TRUE(has(xml, "<icmp srcipaddr='10.0.0.5' srcipmask='32'/>"));
  EXPECT_TRUE(has(xml, "<icmp srcipaddr='10.0.0.6' srcipmask='32'/>"));
  EXPECT_FALSE(has(xml, "fd00::5"));
  EXPECT_FALSE(has(xml, "<tcp"));
}

TEST(Nwfilter, UserTextIsEscaped) {
  auto xml = port_nwfilter_xml("p'<x>", {}, {});
  EXPECT_FALSE(has(xml, "p'<x>"));
}

TEST(Nwfilter, APortsFilterComesFromItsOwnGroupsAndARemoteGroupAdmitsTheNetwork) {
  network_state n;
  n.id = "n1";
  network::subnet v4;
  v4.cidr = "10.0.0.0/24";
  network::subnet v6;
  v6.cidr = "fd00::/64";
  n.subnets = {v4, v6};
  network::port me;
  me.id = "p1";
  me.security_groups = {"web"};
  me.fixed_ips = {{"s", "10.0.0.5"}};
  n.ports = {{"p1", me}};
  security_group_state web;
  web.id = "web";
  auto from_web = ingress("icmp");
  from_web.remote_group_id = "web";
  web.rules = {from_web};
  security_group_state other;
  other.id = "other";
  other.rules = {ingress("tcp", 22, 22)};
  auto xml = port_nwfilter_xml(n, "p1", {web, other});
  EXPECT_TRUE(has(xml, "<icmp srcipaddr='10.0.0.0' srcipmask='24'/>"));
  EXPECT_FALSE(has(xml, "fd00::"));  // an IPv4 rule
  EXPECT_FALSE(has(xml, "<tcp"));    // not this port's group
  EXPECT_EQ(port_nwfilter_xml(n, "p-missing", {web}), "");
}

// libvirt's own schema accepts every element we make (where the tool is
// installed: libvirt-clients).
TEST(Nwfilter, LibvirtsSchemaAcceptsTheXml) {
  if (!std::filesystem::exists("/usr/bin/virt-xml-validate") ||
      !std::filesystem::exists("/usr/share/libvirt/schemas/nwfilter.rng"))
    GTEST_SKIP() << "virt-xml-validate or libvirt's nwfilter schema is not installed";
  auto ssh = ingress("tcp", 22, 22);
  ssh.remote_ip_prefix = "10.0.0.0/24";
  auto group = ingress("icmp");
  group.remote_group_id = "g1";
  auto echo6 = ingress("ipv6-icmp", 128, 0);
  echo6.ethertype = "IPv6";
  auto xml = port_nwfilter_xml(
      "0b7f9c1e-4a3d-4c5e-9f1a-2b3c4d5e6f70",
      {ssh, group, echo6, ingress(""), ingress("udp", 1000, 2000), ingress("sctp"), ingress("esp")},
      {{"g1", {"10.0.0.5"}}});
  auto path = std::filesystem::temp_directory_path() / "cumulo-nwfilter-test.xml";
  std::ofstream(path) << xml;
  std::string command = "/usr/bin/virt-xml-validate " + path.string() + " nwfilter >/dev/null 2>&1";
  EXPECT_EQ(std::system(command.c_str()), 0) << xml;
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace cumulo
