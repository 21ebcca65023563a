#include "engine/tenant_plane.hpp"

#include <algorithm>
#include <cctype>
#include <set>

#include "engine/ipam.hpp"

namespace cumulo {
namespace plane {
namespace {

// The last `n` hex digits of an id: v7 UUIDs are random at their tail.
std::string tail(const std::string& id, std::size_t n) {
  std::string hex;
  for (char c : id)
    if (std::isxdigit(static_cast<unsigned char>(c)))
      hex += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return hex.substr(hex.size() > n ? hex.size() - n : 0);
}

// address/prefix of `address` in the subnet's CIDR, "" when it is not one.
std::string with_prefix(const std::string& address, const network::subnet& s) {
  const auto net = ipam::parse_cidr(s.cidr);
  if (!net || address.empty()) return {};
  return address + "/" + std::to_string(net->prefix);
}

std::string netmask(int prefix) {
  const std::uint32_t m = prefix <= 0 ? 0 : 0xffffffffu << (32 - prefix);
  return std::to_string(m >> 24) + "." + std::to_string((m >> 16) & 255) + "." +
         std::to_string((m >> 8) & 255) + "." + std::to_string(m & 255);
}

const network::subnet* subnet_of(const network_state& n, const std::string& id) {
  for (const auto& s : n.subnets)
    if (s.id == id) return &s;
  return nullptr;
}

bool served_by_dhcp(const network::subnet& s) {
  return s.enable_dhcp && s.ip_version == 4 && ipam::parse_cidr(s.cidr).has_value();
}

// Text that goes into a dnsmasq file as one field: no line breaks, no
// separators of the format, printable ASCII only. What the API let through
// (extra_dhcp_opts are checked there) never fails this; anything else is
// left out rather than allowed to add a line.
bool safe_field(const std::string& v, bool commas) {
  return !v.empty() && std::all_of(v.begin(), v.end(), [commas](char c) {
    return c > ' ' && c < 127 && c != '#' && (commas || c != ',');
  });
}

const network::port* dhcp_port_of(const network_state& n) {
  for (const auto& [id, p] : n.ports)
    if (p.device_owner == "network:dhcp") return &p;
  return nullptr;
}

std::string bridge_of(const network_state& n, const plane_options& o) {
  return n.external && !o.external_bridge.empty() ? o.external_bridge : bridge_name(n.id);
}

leg leg_of(const network_state& n, const network::port& p, const std::string& ns_prefix,
           const plane_options& o) {
  leg l;
  l.port_id = p.id;
  l.host_end = host_end(p.id);
  l.ns_end = ns_prefix + tail(p.id, 11);
  l.bridge = bridge_of(n, o);
  l.mac = p.mac_address;
  l.mtu = n.mtu;
  for (const auto& f : p.fixed_ips)
    if (const auto* s = subnet_of(n, f.subnet_id))
      if (auto a = with_prefix(f.ip_address, *s); !a.empty()) l.addresses.push_back(a);
  return l;
}

dhcp_server dhcp_of(const network_state& n, const network::port& port, const plane_options& o) {
  dhcp_server d;
  d.network_id = n.id;
  d.ns = dhcp_namespace(o.cloud_id, n.id);
  d.port = leg_of(n, port, "ns-", o);
  d.port.addresses.push_back(std::string(metadata_address) + "/32");
  d.dir = o.run_dir + "/dhcp/" + n.id;
  d.dnsmasq = {"dnsmasq",
               "--conf-file=/dev/null",
               "--no-hosts",
               "--no-resolv",
               "--port=0",  // DHCP only: a subnet's dns_nameservers are the guests' DNS
               "--bind-interfaces",
               "--interface=" + d.port.ns_end,
               "--except-interface=lo",
               "--pid-file=" + d.dir + "/pid",
               "--dhcp-hostsfile=" + d.dir + "/hosts",
               "--dhcp-optsfile=" + d.dir + "/opts",
               "--dhcp-leasefile=" + d.dir + "/leases",
               "--dhcp-authoritative",
               "--user=nobody"};
  std::string opts;
  for (const auto& s : n.subnets) {
    if (!served_by_dhcp(s)) continue;
    const auto net = ipam::parse_cidr(s.cidr);
    const std::string tag = "subnet-" + s.id;
    d.dnsmasq.push_back("--dhcp-range=set:" + tag + "," + ipam::to_string(net->network) +
                        ",static," + netmask(net->prefix) + ",86400s");
    // Sent whether the client asked or not: udhcpc asks for no MTU.
    d.dnsmasq.push_back("--dhcp-option-force=tag:" + tag + ",option:mtu," + std::to_string(n.mtu));
    // Classless static routes (RFC 3442) replace the router option in the
    // clients that read them, so the default route is among them.
    std::string routes;
    std::string own;
    for (const auto& f : port.fixed_ips)
      if (f.subnet_id == s.id) own = f.ip_address;
    if (!own.empty()) routes += std::string(",") + metadata_address + "/32," + own;
    for (const auto& r : s.host_routes) routes += "," + r.destination + "," + r.nexthop;
    if (!s.gateway_ip.empty()) {
      routes += ",0.0.0.0/0," + s.gateway_ip;
      opts += "tag:" + tag + ",option:router," + s.gateway_ip + "\n";
    }
    if (!routes.empty()) {
      opts += "tag:" + tag + ",option:classless-static-route" + routes + "\n";
      opts += "tag:" + tag + ",249" + routes + "\n";  // Windows' own number for it
    }
    if (!s.dns_nameservers.empty()) {
      opts += "tag:" + tag + ",option:dns-server";
      for (const auto& a : s.dns_nameservers) opts += "," + a;
      opts += "\n";
    }
  }
  for (const auto& [id, p] : n.ports)
    for (const auto& e : p.extra_dhcp_opts) {
      if (e.ip_version != 4 || !safe_field(e.opt_name, false) || !safe_field(e.opt_value, true))
        continue;
      const bool number = std::all_of(e.opt_name.begin(), e.opt_name.end(),
                                      [](char c) { return c >= '0' && c <= '9'; });
      opts += "tag:port-" + id + "," + (number ? "" : "option:") + e.opt_name + "," + e.opt_value +
              "\n";
    }
  d.opts = opts;
  for (const auto& line : dhcp_host_lines(n)) d.hosts += line + "\n";
  return d;
}

// The router's NAT: each floating IP's DNAT (in prerouting, and in output
// for the router's own packets) and SNAT, then, with enable_snat, the
// SNAT of every attached subnet leaving by the gateway.
std::string nat_of(const router_state& r, const leg& gateway,
                   const std::vector<std::pair<std::string, std::string>>& floating,
                   const std::vector<std::string>& inside) {
  if (gateway.addresses.empty()) return {};
  const std::string out = "oifname \"" + gateway.ns_end + "\"";
  std::string dnat, snat;
  for (const auto& [fip, fixed] : floating) {
    dnat += "    ip daddr " + fip + " dnat to " + fixed + "\n";
    snat += "    ip saddr " + fixed + " " + out + " snat to " + fip + "\n";
  }
  if (r.gateway->enable_snat && !inside.empty()) {
    std::string set;
    for (const auto& c : inside) set += (set.empty() ? "" : ", ") + c;
    const auto gw = gateway.addresses.front().substr(0, gateway.addresses.front().find('/'));
    snat += "    " + out + " ip saddr { " + set + " } snat to " + gw + "\n";
  }
  return "table ip cumulo {\n"
         "  chain prerouting {\n    type nat hook prerouting priority dstnat; policy accept;\n" +
         dnat +
         "  }\n"
         "  chain output {\n    type nat hook output priority -100; policy accept;\n" +
         dnat +
         "  }\n"
         "  chain postrouting {\n    type nat hook postrouting priority srcnat; policy accept;\n" +
         snat + "  }\n}\n";
}

}  // namespace

std::string bridge_name(const std::string& network_id) {
  return "cbr" + tail(network_id, 12);
}
std::string host_end(const std::string& port_id) {
  return "tap" + tail(port_id, 11);
}
std::string namespace_prefix(const std::string& cloud_id) {
  return "cumulo-" + cloud_id + "-";
}
std::string dhcp_namespace(const std::string& cloud_id, const std::string& network_id) {
  return namespace_prefix(cloud_id) + "qdhcp-" + network_id;
}
std::string router_namespace(const std::string& cloud_id, const std::string& router_id) {
  return namespace_prefix(cloud_id) + "qrouter-" + router_id;
}
std::string host_table(const std::string& cloud_id) {
  return "cumulo-" + cloud_id;
}
std::string link_alias(const std::string& cloud_id, const std::string& what) {
  return "cumulo " + cloud_id + " " + what;
}

std::vector<std::string> dhcp_host_lines(const network_state& n) {
  std::vector<std::string> out;
  for (const auto& [id, p] : n.ports) {
    if (p.device_owner == "network:dhcp" || !safe_field(p.mac_address, false)) continue;
    for (const auto& f : p.fixed_ips) {
      const auto* s = subnet_of(n, f.subnet_id);
      if (!s || !served_by_dhcp(*s) || f.ip_address == s->gateway_ip) continue;
      std::string name = "host-" + f.ip_address;
      std::replace(name.begin(), name.end(), '.', '-');
      // Tagged only when the port has options of its own: dnsmasq 2.90
      // dies re-reading (SIGHUP) a hosts file with tags, so a tagged file
      // makes the plane restart it instead.
      const bool own_options = std::any_of(p.extra_dhcp_opts.begin(), p.extra_dhcp_opts.end(),
                                           [](const auto& e) { return e.ip_version == 4; });
      out.push_back(p.mac_address + (own_options ? ",set:port-" + id : std::string()) + "," +
                    f.ip_address + "," + name);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace plane

plane::layout plan_tenant_plane(const std::map<std::string, network_state>& networks,
                                const std::map<std::string, router_state>& routers,
                                const std::map<std::string, floatingip_state>& floatingips,
                                const plane_options& o) {
  plane::layout out;
  std::set<std::string> external_bridge_seen;
  for (const auto& [id, n] : networks) {
    if (!n.exists()) continue;
    plane::bridge b;
    b.network_id = id;
    b.name = plane::bridge_of(n, o);
    b.mtu = n.mtu;
    b.own = !(n.external && !o.external_bridge.empty());
    if (n.external && b.own && !o.external_cidr.empty()) {
      const auto want = ipam::parse_cidr(o.external_cidr);
      for (const auto& s : n.subnets) {
        const auto net = ipam::parse_cidr(s.cidr);
        if (want && net && ipam::to_string(*want) == ipam::to_string(*net) && !s.gateway_ip.empty())
          b.host_addresses.push_back(plane::with_prefix(s.gateway_ip, s));
      }
    }
    if (!b.own && !external_bridge_seen.insert(b.name).second) continue;
    out.bridges.push_back(std::move(b));
    const auto* port = plane::dhcp_port_of(n);
    if (port && !port->fixed_ips.empty()) out.dhcp.push_back(plane::dhcp_of(n, *port, o));
  }

  for (const auto& [id, r] : routers) {
    if (!r.exists()) continue;
    plane::router p;
    p.router_id = id;
    p.ns = plane::router_namespace(o.cloud_id, id);
    std::vector<std::string> inside;
    for (const auto& i : r.interfaces) {
      auto n = networks.find(i.network_id);
      if (n == networks.end() || !n->second.exists()) continue;
      const auto* port = n->second.find_port(i.port_id);
      if (!port) continue;
      p.legs.push_back(plane::leg_of(n->second, *port, "qr-", o));
      if (const auto* s = plane::subnet_of(n->second, i.subnet_id); s && s->ip_version == 4)
        inside.push_back(s->cidr);
    }
    std::vector<std::pair<std::string, std::string>> floating;
    if (r.gateway) {
      auto n = networks.find(r.gateway->network_id);
      const network::port* port =
          n == networks.end() ? nullptr : n->second.find_port(r.gateway->port_id);
      if (port) {
        auto gw = plane::leg_of(n->second, *port, "qg-", o);
        for (const auto& f : port->fixed_ips)
          if (const auto* s = plane::subnet_of(n->second, f.subnet_id);
              s && s->ip_version == 4 && !s->gateway_ip.empty()) {
            p.routes.push_back({"default", s->gateway_ip});
            break;
          }
        for (const auto& [fid, f] : floatingips)
          if (f.exists() && f.associated() && f.router_id == id && !f.fixed_ip_address.empty() &&
              f.floating_ip_address.find(':') == std::string::npos) {
            gw.addresses.push_back(f.floating_ip_address + "/32");
            floating.emplace_back(f.floating_ip_address, f.fixed_ip_address);
          }
        std::sort(floating.begin(), floating.end());
        p.nat = plane::nat_of(r, gw, floating, inside);
        p.legs.push_back(std::move(gw));
      }
    }
    // Extra routes (extraroute): the nexthop is on one of its subnets.
    for (const auto& rt : r.routes) p.routes.push_back({rt.destination, rt.nexthop});
    out.routers.push_back(std::move(p));
  }
  if (const auto ext = ipam::parse_cidr(o.external_cidr); o.masquerade && ext) {
    const auto cidr = ipam::to_string(*ext);
    out.host_nat = "table ip " + plane::host_table(o.cloud_id) +
                   " {\n  chain postrouting {\n"
                   "    type nat hook postrouting priority srcnat; policy accept;\n"
                   "    ip saddr " +
                   cidr + " ip daddr != " + cidr + " masquerade\n  }\n}\n";
  }
  return out;
}

}  // namespace cumulo
