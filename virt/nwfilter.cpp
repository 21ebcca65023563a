#include "virt/nwfilter.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <sstream>

#include "engine/ipam.hpp"
#include "engine/xml_text.hpp"

namespace cumulo {
namespace {

constexpr const char* prefix = "cumulo-port-";
// The comment of a filter's first rule: "cumulo:" and the filter's digest.
constexpr const char* digest_key = " comment='cumulo:";

// nwfilter priorities: lower runs first. Drops come last. Anti-spoofing
// (ebtables: the guest's frames) is decided before the stateful IP rules.
constexpr int basics_priority = 100;
constexpr int spoofing_accept_priority = 110;
constexpr int spoofing_drop_priority = 120;
constexpr int mac_accept_priority = 130;
constexpr int mac_drop_priority = 140;
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

// One <rule> of a filter: its opening tag and its match element.
struct rule_text {
  std::string head;
  std::string match;
};

void add_rule(std::vector<rule_text>& out, const char* action, const char* direction, int priority,
              std::string match) {
  out.push_back({std::string("<rule action='") + action + "' direction='" + direction +
                     "' priority='" + std::to_string(priority) + "'>",
                 std::move(match)});
}

// ARP both ways (else nothing resolves), DHCP replies to the client port,
// neighbour discovery and router advertisements towards the guest. With
// anti-spoofing, the guest's own ARP is decided there.
void add_basics(std::vector<rule_text>& out, bool guarded) {
  const char* arp_direction = guarded ? "in" : "inout";
  add_rule(out, "accept", arp_direction, basics_priority, "<arp/>");
  add_rule(out, "accept", arp_direction, basics_priority, "<rarp/>");
  add_rule(out, "accept", "in", basics_priority, "<udp srcportstart='67' dstportstart='68'/>");
  add_rule(out, "accept", "in", basics_priority,
           "<udp-ipv6 srcportstart='547' dstportstart='546'/>");
  add_rule(out, "accept", "in", basics_priority, "<icmpv6 type='134'/>");
  add_rule(out, "accept", "in", basics_priority, "<icmpv6 type='135'/>");
  add_rule(out, "accept", "in", basics_priority, "<icmpv6 type='136'/>");
}

// The guest's own traffic out (egress rules are not narrowed); nwfilter's
// state matching lets its replies back in.
void add_egress(std::vector<rule_text>& out) {
  add_rule(out, "accept", "out", egress_priority, "<all/>");
  add_rule(out, "accept", "out", egress_priority, "<all-ipv6/>");
}

// New inbound traffic where an ingress rule allows it, then nothing more.
void add_ingress(std::vector<rule_text>& out, const std::vector<security_group::rule>& rules,
                 const std::map<std::string, std::vector<std::string>>& group_addresses) {
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
      if (!match.empty()) add_rule(out, "accept", "in", ingress_priority, match);
    }
  }
  add_rule(out, "drop", "in", drop_priority, "<all/>");
  add_rule(out, "drop", "in", drop_priority, "<all-ipv6/>");
}

// An address or a CIDR as nwfilter's address and mask ("" for a single
// host); nullopt when it is neither.
struct address_and_mask {
  std::string address;
  std::string mask;
  bool v6 = false;
};
std::optional<address_and_mask> parse_source(const std::string& text) {
  if (text.find('/') != std::string::npos) {
    auto c = ipam::parse_cidr(text);
    if (!c) return std::nullopt;
    const bool v6 = c->network.version == 6;
    std::string mask = c->prefix == ipam::max_prefix(c->network.version)
                           ? std::string()
                           : std::to_string(c->prefix);
    return address_and_mask{ipam::to_string(c->network), mask, v6};
  }
  auto a = ipam::parse_address(text);
  if (!a) return std::nullopt;
  return address_and_mask{ipam::to_string(*a), "", a->version == 6};
}

// The IPv6 link-local address a MAC gives (modified EUI-64): what a guest
// speaks neighbour discovery and DHCPv6 from.
std::optional<std::string> link_local_of(const std::string& mac) {
  std::uint64_t bytes[6] = {};
  int n = 0;
  for (const char c : mac) {
    if (c == ':') continue;
    int v = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    if (v < 0 || n >= 12) return std::nullopt;
    bytes[n / 2] = (bytes[n / 2] << 4) | static_cast<std::uint64_t>(v);
    ++n;
  }
  if (n != 12) return std::nullopt;
  bytes[0] ^= 0x02;  // the universal/local bit, inverted
  ipam::address a;
  a.version = 6;
  a.value.hi = 0xfe80000000000000ULL;
  a.value.lo = bytes[0] << 56 | bytes[1] << 48 | bytes[2] << 40 | 0xffULL << 32 | 0xfeULL << 24 |
               bytes[3] << 16 | bytes[4] << 8 | bytes[5];
  return ipam::to_string(a);
}

// Anti-spoofing, as Neutron's: the guest sends IPv4, IPv6 and ARP only
// from its MAC with its fixed IPs, and from each allowed address pair's
// MAC with the pair's address or CIDR; DHCP requests (from 0.0.0.0), ARP
// probes (sender 0.0.0.0), its link-local addresses and duplicate address
// detection (from ::) pass. Other frames only from those MACs.
void add_anti_spoofing(std::vector<rule_text>& out, const port_filter_input& p) {
  std::vector<std::pair<std::string, std::string>> sources;  // MAC, address or CIDR
  for (const auto& ip : p.fixed_ips) sources.emplace_back(p.mac_address, ip);
  for (const auto& pair : p.allowed_address_pairs)
    sources.emplace_back(pair.mac_address.empty() ? p.mac_address : pair.mac_address,
                         pair.ip_address);
  std::vector<std::string> macs;
  auto add_mac = [&macs](const std::string& m) {
    if (!m.empty() && std::find(macs.begin(), macs.end(), m) == macs.end()) macs.push_back(m);
  };
  add_mac(p.mac_address);
  for (const auto& s : sources) add_mac(s.first);
  for (const auto& m : macs) {
    const std::string mac = xml_escaped(m);
    add_rule(out, "accept", "out", spoofing_accept_priority,
             "<ip srcmacaddr='" + mac +
                 "' srcipaddr='0.0.0.0' protocol='udp' srcportstart='68' dstportstart='67'/>");
    add_rule(out, "accept", "out", spoofing_accept_priority,
             "<arp srcmacaddr='" + mac + "' arpsrcmacaddr='" + mac + "' arpsrcipaddr='0.0.0.0'/>");
    if (auto ll = link_local_of(m))
      add_rule(out, "accept", "out", spoofing_accept_priority,
               "<ipv6 srcmacaddr='" + mac + "' srcipaddr='" + *ll + "'/>");
    add_rule(out, "accept", "out", spoofing_accept_priority,
             "<ipv6 srcmacaddr='" + mac + "' srcipaddr='::' protocol='icmpv6'/>");
  }
  for (const auto& [m, text] : sources) {
    auto s = parse_source(text);
    if (!s || m.empty()) continue;
    const std::string mac = xml_escaped(m);
    const std::string mask = s->mask.empty() ? "" : " srcipmask='" + s->mask + "'";
    if (s->v6) {
      add_rule(out, "accept", "out", spoofing_accept_priority,
               "<ipv6 srcmacaddr='" + mac + "' srcipaddr='" + s->address + "'" + mask + "/>");
      continue;
    }
    add_rule(out, "accept", "out", spoofing_accept_priority,
             "<ip srcmacaddr='" + mac + "' srcipaddr='" + s->address + "'" + mask + "/>");
    add_rule(out, "accept", "out", spoofing_accept_priority,
             "<arp srcmacaddr='" + mac + "' arpsrcmacaddr='" + mac + "' arpsrcipaddr='" +
                 s->address + "'" + (s->mask.empty() ? "" : " arpsrcipmask='" + s->mask + "'") +
                 "/>");
  }
  for (const char* l3 : {"<ip/>", "<ipv6/>", "<arp/>", "<rarp/>"})
    add_rule(out, "drop", "out", spoofing_drop_priority, l3);
  for (const auto& m : macs)
    add_rule(out, "accept", "out", mac_accept_priority,
             "<mac srcmacaddr='" + xml_escaped(m) + "'/>");
  add_rule(out, "drop", "out", mac_drop_priority, "<mac/>");
}

std::string hex_digest(const std::string& text) {
  // FNV-1a: a change detector for our own text, not a security measure.
  std::uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  static const char* digits = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, h >>= 4) out[static_cast<std::size_t>(i)] = digits[h & 15];
  return out;
}

// The filter's XML; with `digest`, the first rule's element carries the
// digest of the XML made without it.
std::string filter_xml(const std::string& port_id, std::vector<rule_text> rules, bool digest) {
  auto render = [&port_id](const std::vector<rule_text>& rs) {
    std::ostringstream x;
    x << "<filter name='" << xml_escaped(port_nwfilter_name(port_id)) << "' chain='root'>\n";
    x << "  <uuid>" << xml_escaped(port_id) << "</uuid>\n";
    for (const auto& r : rs) x << "  " << r.head << r.match << "</rule>\n";
    x << "</filter>\n";
    return x.str();
  };
  if (!digest || rules.empty()) return render(rules);
  auto& first = rules.front().match;  // "<name .../>"
  first.insert(first.size() - 2, std::string(digest_key) + hex_digest(render(rules)) + "'");
  return render(rules);
}

}  // namespace

std::string port_nwfilter_name(const std::string& port_id) {
  return prefix + port_id;
}

bool is_port_nwfilter_name(const std::string& name) {
  return name.rfind(prefix, 0) == 0;
}

std::string port_of_nwfilter(const std::string& name) {
  return is_port_nwfilter_name(name) ? name.substr(std::string(prefix).size()) : std::string();
}

std::set<std::string> port_nwfilters_referenced(const std::string& domain_xml) {
  std::set<std::string> names;
  const std::string key = "filterref filter=";
  for (auto at = domain_xml.find(key); at != std::string::npos;
       at = domain_xml.find(key, at + key.size())) {
    const auto open = at + key.size();
    if (open >= domain_xml.size()) break;
    const auto close = domain_xml.find(domain_xml[open], open + 1);
    if (close == std::string::npos) break;
    auto name = domain_xml.substr(open + 1, close - open - 1);
    if (is_port_nwfilter_name(name)) names.insert(std::move(name));
  }
  return names;
}

bool is_instance_port(const network::port& p) {
  return p.device_owner.rfind("compute:", 0) == 0 && !p.device_id.empty();
}

std::map<std::string, std::set<std::string>> remote_group_members(
    const std::unordered_map<std::string, network_state>& networks) {
  std::map<std::string, std::set<std::string>> members;
  for (const auto& [network_id, n] : networks)
    for (const auto& [port_id, p] : n.ports)
      for (const auto& group : p.security_groups) {
        auto& addresses = members[group];
        for (const auto& f : p.fixed_ips) addresses.insert(f.ip_address);
        for (const auto& pair : p.allowed_address_pairs) addresses.insert(pair.ip_address);
      }
  return members;
}

std::vector<port_filter_input> port_filter_inputs(
    const std::unordered_map<std::string, network_state>& networks,
    const std::unordered_map<std::string, security_group_state>& groups) {
  const auto members = remote_group_members(networks);
  std::vector<port_filter_input> out;
  for (const auto& [network_id, n] : networks) {
    for (const auto& [port_id, p] : n.ports) {
      if (!is_instance_port(p)) continue;
      port_filter_input in;
      in.port_id = port_id;
      in.port_security_enabled = p.port_security_enabled;
      in.mac_address = p.mac_address;
      for (const auto& f : p.fixed_ips) in.fixed_ips.push_back(f.ip_address);
      in.allowed_address_pairs = p.allowed_address_pairs;
      // Without port security nothing is filtered (Neutron refuses groups there).
      if (p.port_security_enabled) {
        for (const auto& group_id : p.security_groups) {
          auto g = groups.find(group_id);
          if (g == groups.end()) continue;
          for (const auto& r : g->second.rules) {
            in.rules.push_back(r);
            if (r.remote_group_id.empty()) continue;
            auto m = members.find(r.remote_group_id);
            auto& admitted = in.remote_groups[r.remote_group_id];
            if (m != members.end()) admitted.assign(m->second.begin(), m->second.end());
          }
        }
      }
      out.push_back(std::move(in));
    }
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.port_id < b.port_id; });
  return out;
}

std::string port_nwfilter_xml(const port_filter_input& port) {
  std::vector<rule_text> rules;
  if (!port.port_security_enabled) {
    // Not filtered: everything passes both ways.
    add_rule(rules, "accept", "inout", basics_priority, "<all/>");
    add_rule(rules, "accept", "inout", basics_priority, "<all-ipv6/>");
    return filter_xml(port.port_id, std::move(rules), true);
  }
  add_basics(rules, true);
  add_anti_spoofing(rules, port);
  add_egress(rules);
  add_ingress(rules, port.rules, port.remote_groups);
  return filter_xml(port.port_id, std::move(rules), true);
}

std::string port_nwfilter_xml(
    const std::string& port_id, const std::vector<security_group::rule>& rules,
    const std::map<std::string, std::vector<std::string>>& group_addresses) {
  std::vector<rule_text> out;
  add_basics(out, false);
  add_egress(out);
  add_ingress(out, rules, group_addresses);
  return filter_xml(port_id, std::move(out), false);
}

std::string nwfilter_digest(const std::string& filter_xml) {
  const auto at = filter_xml.find(digest_key);
  if (at == std::string::npos) return "";
  const auto begin = at + std::string(digest_key).size();
  const auto end = filter_xml.find('\'', begin);
  return end == std::string::npos ? "" : filter_xml.substr(begin, end - begin);
}

std::set<std::string> nwfilter_ingress_accepts(const std::string& filter_xml) {
  std::set<std::string> lines;
  std::istringstream in(filter_xml);
  for (std::string line; std::getline(in, line);) {
    if (line.find("action='accept' direction='in") == std::string::npos) continue;  // in, inout
    if (auto at = line.find(digest_key); at != std::string::npos) {
      const auto end = line.find('\'', at + std::string(digest_key).size());
      line.erase(at, end == std::string::npos ? std::string::npos : end + 1 - at);
    }
    lines.insert(line);
  }
  return lines;
}

}  // namespace cumulo
