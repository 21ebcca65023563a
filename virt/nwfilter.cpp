#include "virt/nwfilter.hpp"

#include <algorithm>
#include <optional>
#include <sstream>

#include "engine/xml_text.hpp"

namespace cumulo {
namespace {

constexpr const char* prefix = "cumulo-port-";

// nwfilter priorities: lower runs first. Drops come last.
constexpr int basics_priority = 100;
constexpr int egress_priority = 200;
constexpr int ingress_priority = 300;
constexpr int drop_priority = 900;

// A rule's protocol as an IP protocol number ("" = any), from Neutron's
// canonical name or number; nullopt for a name we don't know.
std::optional<int> protocol_number(const std::string& p) {
  static const std::map<std::string, int> names = {
      {"icmp", 1},  {"igmp", 2},  {"tcp", 6},    {"egp", 8},     {"udp", 17},
      {"gre", 47},  {"esp", 50},  {"ah", 51},    {"icmpv6", 58}, {"ipv6-icmp", 58},
      {"ospf", 89}, {"pgm", 113}, {"vrrp", 112}, {"sctp", 132},  {"udplite", 136}};
  if (p.empty()) return -1;
  if (auto it = names.find(p); it != names.end()) return it->second;
  int n = 0;
  for (char c : p) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
    if (n > 255) return std::nullopt;
  }
  return n;
}

bool is_v6(const std::string& address) {
  return address.find(':') != std::string::npos;
}

// "10.0.0.0/24" -> srcipaddr/srcipmask attributes; "" or a /0 -> none.
std::string source_attributes(const std::string& prefix_or_address) {
  if (prefix_or_address.empty()) return {};
  auto slash = prefix_or_address.find('/');
  std::string address = prefix_or_address.substr(0, slash);
  std::string mask = slash == std::string::npos ? (is_v6(address) ? "128" : "32")
                                                : prefix_or_address.substr(slash + 1);
  if (mask == "0") return {};
  return " srcipaddr='" + xml_escaped(address) + "' srcipmask='" + xml_escaped(mask) + "'";
}

// The protocol element and its port/type attributes of an ingress rule
// from `source` (a prefix or ""), or "" when nwfilter can't express it.
std::string match_element(const security_group::rule& r, const std::string& source) {
  auto number = protocol_number(r.protocol);
  if (!number) return {};
  bool v6 = r.ethertype == "IPv6";
  std::string src = source_attributes(source);
  auto ports = [&r] {
    std::string a;
    if (r.port_range_min) a += " dstportstart='" + std::to_string(*r.port_range_min) + "'";
    if (r.port_range_max) a += " dstportend='" + std::to_string(*r.port_range_max) + "'";
    return a;
  };
  switch (*number) {
    case -1:
      return std::string("<") + (v6 ? "all-ipv6" : "all") + src + "/>";
    case 6:
      return std::string("<") + (v6 ? "tcp-ipv6" : "tcp") + src + ports() + "/>";
    case 17:
      return std::string("<") + (v6 ? "udp-ipv6" : "udp") + src + ports() + "/>";
    case 132:
      return std::string("<") + (v6 ? "sctp-ipv6" : "sctp") + src + ports() + "/>";
    case 1:
    case 58: {
      // Neutron: port_range_min is the ICMP type, port_range_max its code.
      if (v6 != (*number == 58)) return {};
      std::string a;
      if (r.port_range_min) a += " type='" + std::to_string(*r.port_range_min) + "'";
      if (r.port_range_max) a += " code='" + std::to_string(*r.port_range_max) + "'";
      return std::string("<") + (v6 ? "icmpv6" : "icmp") + src + a + "/>";
    }
    case 50:
      return std::string("<") + (v6 ? "esp-ipv6" : "esp") + src + "/>";
    case 51:
      return std::string("<") + (v6 ? "ah-ipv6" : "ah") + src + "/>";
    case 136:
      return std::string("<") + (v6 ? "udplite-ipv6" : "udplite") + src + "/>";
    default:
      // nwfilter's stateful (iptables) layer has no element for other IP
      // protocols, and an ethernet-layer accept would still meet the final
      // drop: the rule is left out.
      return {};
  }
}

void rule_line(std::ostringstream& x, const char* action, const char* direction, int priority,
               const std::string& match) {
  x << "  <rule action='" << action << "' direction='" << direction << "' priority='" << priority
    << "'>" << match << "</rule>\n";
}

}  // namespace

std::string port_nwfilter_name(const std::string& port_id) {
  return prefix + port_id;
}

bool is_port_nwfilter_name(const std::string& name) {
  return name.rfind(prefix, 0) == 0;
}

std::string port_nwfilter_xml(
    const std::string& port_id, const std::vector<security_group::rule>& rules,
    const std::map<std::string, std::vector<std::string>>& group_addresses) {
  std::ostringstream x;
  x << "<filter name='" << xml_escaped(port_nwfilter_name(port_id)) << "' chain='root'>\n";
  x << "  <uuid>" << xml_escaped(port_id) << "</uuid>\n";
  // ARP both ways (else nothing resolves), DHCP replies to the client port.
  rule_line(x, "accept", "inout", basics_priority, "<arp/>");
  rule_line(x, "accept", "inout", basics_priority, "<rarp/>");
  rule_line(x, "accept", "in", basics_priority, "<udp srcportstart='67' dstportstart='68'/>");
  rule_line(x, "accept", "in", basics_priority,
            "<udp-ipv6 srcportstart='547' dstportstart='546'/>");
  // IPv6 needs neighbour discovery and router advertisements.
  rule_line(x, "accept", "in", basics_priority, "<icmpv6 type='134'/>");
  rule_line(x, "accept", "in", basics_priority, "<icmpv6 type='135'/>");
  rule_line(x, "accept", "in", basics_priority, "<icmpv6 type='136'/>");
  // The guest's own traffic out; nwfilter's state matching lets its
  // replies back in.
  rule_line(x, "accept", "out", egress_priority, "<all/>");
  rule_line(x, "accept", "out", egress_priority, "<all-ipv6/>");
  for (const auto& r : rules) {
    if (r.direction != "ingress") continue;
    std::vector<std::string> sources;
    if (!r.remote_group_id.empty()) {
      auto it = group_addresses.find(r.remote_group_id);
      if (it == group_addresses.end()) continue;
      for (const auto& a : it->second)
        if (is_v6(a) == (r.ethertype == "IPv6")) sources.push_back(a);
    } else {
      sources.push_back(r.remote_ip_prefix);
    }
    for (const auto& s : sources) {
      std::string match = match_element(r, s);
      if (!match.empty()) rule_line(x, "accept", "in", ingress_priority, match);
    }
  }
  rule_line(x, "drop", "in", drop_priority, "<all/>");
  rule_line(x, "drop", "in", drop_priority, "<all-ipv6/>");
  x << "</filter>\n";
  return x.str();
}

std::string port_nwfilter_xml(const network_state& n, const std::string& port_id,
                              const std::vector<security_group_state>& groups) {
  const auto* port = n.find_port(port_id);
  if (!port) return {};
  std::vector<security_group::rule> rules;
  std::map<std::string, std::vector<std::string>> group_addresses;
  for (const auto& g : groups) {
    if (std::find(port->security_groups.begin(), port->security_groups.end(), g.id) ==
        port->security_groups.end())
      continue;
    rules.insert(rules.end(), g.rules.begin(), g.rules.end());
    for (const auto& r : g.rules)
      if (!r.remote_group_id.empty()) group_addresses[r.remote_group_id];
  }
  // A remote group admits the network's subnets, not only its members'
  // addresses: the filter is made at spawn, and the members that come
  // later (the other guests of a launch) must be let in too.
  for (auto& [group_id, prefixes] : group_addresses)
    for (const auto& sn : n.subnets) prefixes.push_back(sn.cidr);
  return port_nwfilter_xml(port_id, rules, group_addresses);
}

}  // namespace cumulo
