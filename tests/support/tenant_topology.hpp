// A small tenant topology as the networking door would hold it, for tests
// of the tenant plane: two networks with the same CIDR (A and B), an
// external network E, a router R with an interface on A and its gateway on
// E, guest ports on A and B and a floating IP on A's first guest port.
// Ids are uuid-shaped with distinct tails (the plane names links after
// the tails). `tag` (4 hex digits) keeps two runs apart.
#pragma once

#include <cstdio>
#include <map>
#include <string>

#include "engine/floatingip_state.hpp"
#include "engine/network_state.hpp"
#include "engine/router_state.hpp"

namespace cumulo::testing {

struct tenant_topology {
  std::map<std::string, network_state> networks;
  std::map<std::string, router_state> routers;
  std::map<std::string, floatingip_state> floatingips;
  std::string a, b, e, router;              // network and router ids
  std::string a_guest, a_other, b_guest;    // guest ports: A's with the FIP, A's without, B's
  std::string external_cidr, host_address;  // E's subnet, the host's address on it
  std::string floating_ip;
};

inline std::string topology_id(const std::string& tag, int n) {
  char tail[16];
  std::snprintf(tail, sizeof tail, "%04x%08x", 0xbeef, n);
  return "0190aaaa-0000-7000-8000-" + tag.substr(0, 4) + std::string(tail).substr(4);
}

inline network::port topology_port(const std::string& id, const std::string& mac,
                                   const std::string& owner, const std::string& subnet,
                                   const std::string& ip) {
  network::port p;
  p.id = id;
  p.mac_address = mac;
  p.device_owner = owner;
  p.device_id = owner == "compute:nova" ? "server-" + id : "";
  p.fixed_ips = {{subnet, ip}};
  return p;
}

// `third`: the third octet of the external CIDR (198.18.<third>.0/24,
// a benchmarking range no real network uses).
inline tenant_topology make_tenant_topology(const std::string& tag, int third = 250) {
  tenant_topology t;
  int next = 1;
  auto id = [&] { return topology_id(tag, next++); };
  t.a = id();
  t.b = id();
  t.e = id();
  t.router = id();
  const std::string ext = "198.18." + std::to_string(third) + ".";
  t.external_cidr = ext + "0/24";
  t.host_address = ext + "1";
  t.floating_ip = ext + "20";
  auto network = [&](const std::string& nid, const std::string& cidr, const std::string& gw,
                     const std::string& first, const std::string& last) {
    network_state n;
    n.id = nid;
    n.version = 1;
    n.project_id = "project";
    n.mtu = 1450;
    network::subnet s;
    s.id = id();
    s.cidr = cidr;
    s.gateway_ip = gw;
    s.allocation_pools = {{first, last}};
    s.dns_nameservers = {"192.0.2.53"};
    s.host_routes = {{"192.168.77.0/24", gw}};
    n.subnets = {s};
    return n;
  };
  auto a = network(t.a, "10.9.0.0/24", "10.9.0.1", "10.9.0.2", "10.9.0.254");
  auto b = network(t.b, "10.9.0.0/24", "10.9.0.1", "10.9.0.2", "10.9.0.254");
  auto e = network(t.e, t.external_cidr, t.host_address, ext + "2", ext + "254");
  e.external = true;
  e.subnets[0].enable_dhcp = false;
  e.subnets[0].host_routes.clear();
  const auto sa = a.subnets[0].id, sb = b.subnets[0].id, se = e.subnets[0].id;
  auto put = [](network_state& n, network::port p) { n.ports[p.id] = std::move(p); };
  put(a, topology_port(id(), "fa:16:3e:00:0a:02", "network:dhcp", sa, "10.9.0.2"));
  put(b, topology_port(id(), "fa:16:3e:00:0b:02", "network:dhcp", sb, "10.9.0.2"));
  const auto r_if = id();
  put(a, topology_port(r_if, "fa:16:3e:00:0a:01", "network:router_interface", sa, "10.9.0.1"));
  const auto r_gw = id();
  put(e, topology_port(r_gw, "fa:16:3e:00:0e:0a", "network:router_gateway", se, ext + "10"));
  t.a_guest = id();
  put(a, topology_port(t.a_guest, "fa:16:3e:00:0a:05", "compute:nova", sa, "10.9.0.5"));
  t.a_other = id();
  put(a, topology_port(t.a_other, "fa:16:3e:00:0a:06", "compute:nova", sa, "10.9.0.6"));
  t.b_guest = id();
  put(b, topology_port(t.b_guest, "fa:16:3e:00:0b:05", "compute:nova", sb, "10.9.0.5"));
  const auto fip_port = id();
  put(e, topology_port(fip_port, "fa:16:3e:00:0e:14", "network:floatingip", se, t.floating_ip));
  t.networks = {{t.a, a}, {t.b, b}, {t.e, e}};

  router_state r;
  r.id = t.router;
  r.version = 1;
  r.project_id = "project";
  r.interfaces = {{r_if, sa, t.a}};
  r.gateway = router::gateway{t.e, r_gw, {{se, ext + "10"}}, true};
  t.routers = {{r.id, r}};

  floatingip_state f;
  f.id = id();
  f.version = 1;
  f.floating_network_id = t.e;
  f.floating_ip_address = t.floating_ip;
  f.floating_port_id = fip_port;
  f.port_id = t.a_guest;
  f.fixed_ip_address = "10.9.0.5";
  f.router_id = t.router;
  t.floatingips = {{f.id, f}};
  return t;
}

}  // namespace cumulo::testing
