// Security groups as nwfilter XML: deny-by-default ingress, rules opening it,
// remote groups as their members, anti-spoofing, port security.
#include "virt/nwfilter.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "virt/port_filters.hpp"

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

// --- a port's filter from the cloud's networks and groups ---

network::port instance_port(std::string id, std::string mac, std::vector<std::string> ips,
                            std::vector<std::string> groups) {
  network::port p;
  p.id = std::move(id);
  p.mac_address = std::move(mac);
  p.device_id = "server-" + p.id;
  p.device_owner = "compute:nova";
  for (auto& ip : ips) p.fixed_ips.push_back({"s", std::move(ip)});
  p.security_groups = std::move(groups);
  return p;
}

network_state network_of(std::string id, std::vector<network::port> ports) {
  network_state n;
  n.id = std::move(id);
  n.version = 1;
  network::subnet v4;
  v4.id = "s";
  v4.cidr = "10.0.0.0/24";
  n.subnets = {v4};
  for (auto& p : ports) n.ports[p.id] = std::move(p);
  return n;
}

security_group_state group_of(std::string id, std::vector<security_group::rule> rules) {
  security_group_state g;
  g.id = std::move(id);
  g.version = 1;
  g.rules = std::move(rules);
  return g;
}

// "web": ICMP from its own members; "other": SSH from anywhere.
struct cloud_of_groups {
  std::unordered_map<std::string, network_state> networks;
  std::unordered_map<std::string, security_group_state> groups;

  cloud_of_groups() {
    auto from_web = ingress("icmp");
    from_web.remote_group_id = "web";
    groups["web"] = group_of("web", {from_web});
    groups["other"] = group_of("other", {ingress("tcp", 22, 22)});
  }
  port_filter_input input_of(const std::string& port_id) const {
    for (const auto& in : port_filter_inputs(networks, groups))
      if (in.port_id == port_id) return in;
    ADD_FAILURE() << "no filter for port " << port_id;
    return {};
  }
  std::string xml_of(const std::string& port_id) const {
    return port_nwfilter_xml(input_of(port_id));
  }
};

TEST(Nwfilter, ARemoteGroupAdmitsExactlyItsMembersAddressesOnAnyNetwork) {
  cloud_of_groups c;
  auto b = instance_port("b", "fa:16:3e:00:00:02", {"10.1.0.6"}, {"web"});
  b.allowed_address_pairs = {{"10.1.0.128/25", "fa:16:3e:00:00:02"}};
  c.networks["n1"] =
      network_of("n1", {instance_port("a", "fa:16:3e:00:00:01", {"10.0.0.5", "fd00::5"}, {"web"}),
                        instance_port("c", "fa:16:3e:00:00:03", {"10.0.0.7"}, {"other"})});
  c.networks["n2"] = network_of("n2", {b});
  const auto a = c.input_of("a");
  EXPECT_EQ(a.remote_groups.at("web"),
            (std::vector<std::string>{"10.0.0.5", "10.1.0.128/25", "10.1.0.6", "fd00::5"}));
  EXPECT_EQ(a.rules.size(), 1u) << "only the rules of the port's own groups";
  const auto xml = port_nwfilter_xml(a);
  EXPECT_TRUE(has(xml, "<icmp srcipaddr='10.1.0.6' srcipmask='32'/>")) << xml;
  EXPECT_TRUE(has(xml, "<icmp srcipaddr='10.1.0.128' srcipmask='25'/>")) << xml;
  EXPECT_TRUE(has(xml, "<icmp srcipaddr='10.0.0.5' srcipmask='32'/>")) << xml;
  EXPECT_FALSE(has(xml, "srcipaddr='10.0.0.7'")) << "c is not in web: " << xml;
  EXPECT_FALSE(has(xml, "<icmp srcipaddr='10.0.0.0'")) << "not the whole subnet: " << xml;
  EXPECT_FALSE(has(xml, "<tcp")) << "c's group is not a's";
  EXPECT_FALSE(has(xml, "icmp srcipaddr='fd00::5'")) << "an IPv4 rule admits IPv4 members";
}

TEST(Nwfilter, AMemberJoiningOrLeavingARemoteGroupChangesTheOtherPortsFilters) {
  cloud_of_groups c;
  c.networks["n1"] =
      network_of("n1", {instance_port("a", "fa:16:3e:00:00:01", {"10.0.0.5"}, {"web"}),
                        instance_port("c", "fa:16:3e:00:00:03", {"10.0.0.7"}, {"other"})});
  const auto before = c.xml_of("a");
  EXPECT_FALSE(has(before, "srcipaddr='10.0.0.7'"));

  c.networks["n1"].ports["c"].security_groups = {"other", "web"};  // c joins web
  const auto joined = c.xml_of("a");
  EXPECT_TRUE(has(joined, "<icmp srcipaddr='10.0.0.7' srcipmask='32'/>")) << joined;
  EXPECT_NE(nwfilter_digest(joined), nwfilter_digest(before));
  auto old_in = nwfilter_ingress_accepts(before), new_in = nwfilter_ingress_accepts(joined);
  EXPECT_TRUE(std::includes(new_in.begin(), new_in.end(), old_in.begin(), old_in.end()))
      << "a member joining only lets more in: no connection to forget";

  c.networks["n1"].ports["c"].security_groups = {"other"};  // and leaves
  const auto left = c.xml_of("a");
  EXPECT_FALSE(has(left, "srcipaddr='10.0.0.7'")) << left;
  EXPECT_EQ(nwfilter_digest(left), nwfilter_digest(before));
  old_in = nwfilter_ingress_accepts(joined);
  new_in = nwfilter_ingress_accepts(left);
  EXPECT_FALSE(std::includes(new_in.begin(), new_in.end(), old_in.begin(), old_in.end()))
      << "c's connections to a must be forgotten";

  // A deleted port leaves its groups too.
  c.networks["n1"].ports["c"].security_groups = {"web"};
  EXPECT_TRUE(has(c.xml_of("a"), "srcipaddr='10.0.0.7'"));
  c.networks["n1"].ports.erase("c");
  EXPECT_FALSE(has(c.xml_of("a"), "srcipaddr='10.0.0.7'"));
}

TEST(Nwfilter, ARuleRemovedFromAGroupLeavesItsPortsFilters) {
  cloud_of_groups c;
  c.groups["web"].rules.push_back(ingress("tcp", 80, 80));
  c.networks["n1"] =
      network_of("n1", {instance_port("a", "fa:16:3e:00:00:01", {"10.0.0.5"}, {"web"})});
  const auto with_http = c.xml_of("a");
  EXPECT_TRUE(has(with_http, "<tcp dstportstart='80' dstportend='80'/>")) << with_http;
  c.groups["web"].rules.pop_back();
  const auto without = c.xml_of("a");
  EXPECT_FALSE(has(without, "<tcp")) << without;
  EXPECT_NE(nwfilter_digest(without), nwfilter_digest(with_http));
  // A group the port names that no longer exists adds nothing.
  c.groups.erase("web");
  EXPECT_FALSE(has(c.xml_of("a"), "priority='300'"));
}

TEST(Nwfilter, OnlyInstancePortsGetAFilter) {
  cloud_of_groups c;
  auto dhcp = instance_port("dhcp", "fa:16:3e:00:00:0a", {"10.0.0.2"}, {});
  dhcp.device_owner = "network:dhcp";
  auto router = instance_port("router", "fa:16:3e:00:00:0b", {"10.0.0.1"}, {});
  router.device_owner = "network:router_interface";
  auto unbound = instance_port("unbound", "fa:16:3e:00:00:0c", {"10.0.0.9"}, {"web"});
  unbound.device_id.clear();
  auto other_zone = instance_port("zone", "fa:16:3e:00:00:0d", {"10.0.0.10"}, {"web"});
  other_zone.device_owner = "compute:az2";
  c.networks["n1"] = network_of("n1", {dhcp, router, unbound, other_zone});
  const auto inputs = port_filter_inputs(c.networks, c.groups);
  ASSERT_EQ(inputs.size(), 1u);
  EXPECT_EQ(inputs[0].port_id, "zone");
  // The unbound port still is a member of web: Neutron counts every port of a group.
  EXPECT_EQ(inputs[0].remote_groups.at("web"), (std::vector<std::string>{"10.0.0.10", "10.0.0.9"}));
}

TEST(Nwfilter, WithoutPortSecurityThePortIsNotFiltered) {
  cloud_of_groups c;
  auto open = instance_port("open", "fa:16:3e:00:00:01", {"10.0.0.5"}, {});
  open.port_security_enabled = false;
  c.networks["n1"] = network_of("n1", {open});
  const auto in = c.input_of("open");
  EXPECT_FALSE(in.port_security_enabled);
  const auto xml = port_nwfilter_xml(in);
  EXPECT_TRUE(has(xml, "<rule action='accept' direction='inout' priority='100'><all comment="))
      << xml;
  EXPECT_TRUE(
      has(xml, "<rule action='accept' direction='inout' priority='100'><all-ipv6/></rule>"));
  EXPECT_FALSE(has(xml, "action='drop'")) << "no ingress drop, no anti-spoofing: " << xml;
  EXPECT_FALSE(has(xml, "srcmacaddr")) << xml;
  // Port security back on: the filter guards again.
  c.networks["n1"].ports["open"].port_security_enabled = true;
  const auto guarded = c.xml_of("open");
  EXPECT_TRUE(has(guarded, "<rule action='drop' direction='in' priority='900'><all/></rule>"));
  EXPECT_NE(nwfilter_digest(guarded), nwfilter_digest(xml));
}

TEST(Nwfilter, AntiSpoofingLetsTheGuestSendOnlyFromItsAddressesAndPairs) {
  cloud_of_groups c;
  auto p = instance_port("p", "fa:16:3e:00:00:01", {"10.0.0.5", "fd00::5"}, {"web"});
  p.allowed_address_pairs = {{"10.0.1.0/24", "fa:16:3e:00:00:02"},
                             {"10.0.0.99", "fa:16:3e:00:00:01"},
                             {"fd00::99", "fa:16:3e:00:00:01"}};
  c.networks["n1"] = network_of("n1", {p});
  const auto xml = c.xml_of("p");
  auto out = [](const std::string& match) {
    return "<rule action='accept' direction='out' priority='110'>" + match + "</rule>";
  };
  // Its MAC with its fixed IPs, in IPv4, ARP and IPv6.
  EXPECT_TRUE(has(xml, out("<ip srcmacaddr='fa:16:3e:00:00:01' srcipaddr='10.0.0.5'/>"))) << xml;
  EXPECT_TRUE(has(xml, out("<arp srcmacaddr='fa:16:3e:00:00:01' arpsrcmacaddr='fa:16:3e:00:00:01' "
                           "arpsrcipaddr='10.0.0.5'/>")));
  EXPECT_TRUE(has(xml, out("<ipv6 srcmacaddr='fa:16:3e:00:00:01' srcipaddr='fd00::5'/>")));
  // Each pair: its MAC with its address or CIDR.
  EXPECT_TRUE(has(xml, out("<ip srcmacaddr='fa:16:3e:00:00:02' srcipaddr='10.0.1.0' "
                           "srcipmask='24'/>")));
  EXPECT_TRUE(has(xml, out("<arp srcmacaddr='fa:16:3e:00:00:02' arpsrcmacaddr='fa:16:3e:00:00:02' "
                           "arpsrcipaddr='10.0.1.0' arpsrcipmask='24'/>")));
  EXPECT_TRUE(has(xml, out("<ip srcmacaddr='fa:16:3e:00:00:01' srcipaddr='10.0.0.99'/>")));
  EXPECT_TRUE(has(xml, out("<ipv6 srcmacaddr='fa:16:3e:00:00:01' srcipaddr='fd00::99'/>")));
  EXPECT_FALSE(has(xml, "srcmacaddr='fa:16:3e:00:00:01' srcipaddr='10.0.1.0'"))
      << "a pair's address goes with the pair's MAC only";
  // DHCP requests, ARP probes, link-local and duplicate address detection.
  EXPECT_TRUE(has(xml, out("<ip srcmacaddr='fa:16:3e:00:00:01' srcipaddr='0.0.0.0' "
                           "protocol='udp' srcportstart='68' dstportstart='67'/>")));
  EXPECT_TRUE(has(xml, out("<arp srcmacaddr='fa:16:3e:00:00:01' arpsrcmacaddr='fa:16:3e:00:00:01' "
                           "arpsrcipaddr='0.0.0.0'/>")));
  EXPECT_TRUE(
      has(xml, out("<ipv6 srcmacaddr='fa:16:3e:00:00:01' srcipaddr='fe80::f816:3eff:fe00:1'/>")));
  EXPECT_TRUE(
      has(xml, out("<ipv6 srcmacaddr='fa:16:3e:00:00:02' srcipaddr='fe80::f816:3eff:fe00:2'/>")));
  EXPECT_TRUE(
      has(xml, out("<ipv6 srcmacaddr='fa:16:3e:00:00:01' srcipaddr='::' protocol='icmpv6'/>")));
  // Everything else the guest sends is dropped; frames of other kinds only from its MACs.
  for (const char* l3 : {"<ip/>", "<ipv6/>", "<arp/>", "<rarp/>"})
    EXPECT_TRUE(has(
        xml, std::string("<rule action='drop' direction='out' priority='120'>") + l3 + "</rule>"))
        << l3;
  EXPECT_TRUE(has(xml,
                  "<rule action='accept' direction='out' priority='130'><mac "
                  "srcmacaddr='fa:16:3e:00:00:02'/></rule>"));
  EXPECT_TRUE(has(xml, "<rule action='drop' direction='out' priority='140'><mac/></rule>"));
  // ARP towards the guest still passes; its own ARP is decided above.
  EXPECT_TRUE(has(xml, "<rule action='accept' direction='in' priority='100'><arp comment="));
  EXPECT_FALSE(has(xml, "direction='inout' priority='100'><arp"));
  // A pair changed is a filter changed.
  c.networks["n1"].ports["p"].allowed_address_pairs.pop_back();
  EXPECT_NE(nwfilter_digest(c.xml_of("p")), nwfilter_digest(xml));
}

TEST(Nwfilter, TheDigestIsStableAndReadBackFromLibvirtsRendering) {
  cloud_of_groups c;
  c.networks["n1"] =
      network_of("n1", {instance_port("a", "fa:16:3e:00:00:01", {"10.0.0.5"}, {"web"})});
  const auto xml = c.xml_of("a");
  const auto digest = nwfilter_digest(xml);
  EXPECT_EQ(digest.size(), 16u) << xml;
  EXPECT_EQ(c.xml_of("a"), xml) << "the same input gives the same filter";
  // libvirt renders a filter its own way (one element a line): the
  // comment is all that is read.
  const std::string libvirts =
      "<filter name='cumulo-port-a' chain='root'>\n  <uuid>a</uuid>\n"
      "  <rule action='accept' direction='in' priority='100'>\n"
      "    <arp comment='cumulo:" +
      digest + "'/>\n  </rule>\n</filter>\n";
  EXPECT_EQ(nwfilter_digest(libvirts), digest);
  EXPECT_EQ(nwfilter_digest(port_nwfilter_xml("a", {}, {})), "") << "a driver's stand-in";
}

TEST(Nwfilter, TheFiltersADomainReferencesAreFound) {
  const std::string xml =
      "<domain><devices><interface type='bridge'><filterref filter='cumulo-port-p1'/>"
      "</interface><interface><filterref filter=\"cumulo-port-p2\">"
      "<parameter name='IP' value='10.0.0.1'/></filterref></interface>"
      "<interface><filterref filter='clean-traffic'/></interface></devices></domain>";
  EXPECT_EQ(port_nwfilters_referenced(xml),
            (std::set<std::string>{"cumulo-port-p1", "cumulo-port-p2"}));
  EXPECT_EQ(port_of_nwfilter("cumulo-port-p1"), "p1");
  EXPECT_EQ(port_of_nwfilter("clean-traffic"), "");
}

// The test driver has no nwfilter: the network host's filters do nothing there.
TEST(PortFilters, DoNothingOnLibvirtsTestDriver) {
  port_filters filters("test:///default");
  cloud_of_groups c;
  c.networks["n1"] =
      network_of("n1", {instance_port("a", "fa:16:3e:00:00:01", {"10.0.0.5"}, {"web"})});
  filters.put(c.networks["n1"]);
  filters.put(c.groups["web"]);
  filters.flush();
  EXPECT_FALSE(filters.pending());
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
  // A port's own filter: anti-spoofing with an address pair (a CIDR pair's
  // arpsrcipmask is libvirt's, but not in its 9.0 schema: a host pair here),
  // and one without port security.
  port_filter_input guarded;
  guarded.port_id = "0b7f9c1e-4a3d-4c5e-9f1a-2b3c4d5e6f71";
  guarded.mac_address = "fa:16:3e:00:00:01";
  guarded.fixed_ips = {"10.0.0.5", "fd00::5"};
  guarded.allowed_address_pairs = {{"10.0.0.99", "fa:16:3e:00:00:02"}};
  guarded.rules = {ssh, group};
  guarded.remote_groups = {{"g1", {"10.0.0.5", "10.0.1.0/24"}}};
  port_filter_input open = guarded;
  open.port_security_enabled = false;
  auto path = std::filesystem::temp_directory_path() / "cumulo-nwfilter-test.xml";
  for (const auto& one : {xml, port_nwfilter_xml(guarded), port_nwfilter_xml(open)}) {
    std::ofstream(path) << one;
    std::string command =
        "/usr/bin/virt-xml-validate " + path.string() + " nwfilter >/dev/null 2>&1";
    EXPECT_EQ(std::system(command.c_str()), 0) << one;
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace cumulo
