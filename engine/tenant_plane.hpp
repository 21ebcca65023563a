// The data plane of tenant networks on one Linux host, as Neutron's
// reference agents lay it out (linuxbridge, DHCP and L3 agents), computed
// from the networking states alone: what bridges, network namespaces,
// veth legs, addresses, routes, NAT rules and DHCP server files the host
// must have. Pure: virt/namespace_plane.hpp makes the host equal to it, so
// a restart (or a SIGKILL) only computes the plan again and reconciles.
//
//   network  -> a bridge `cbr<id tail>` (no address of the host's on it,
//               so two networks may hold the same CIDR)
//   DHCP     -> a namespace per network holding its `network:dhcp` port's
//               addresses and 169.254.169.254 (the metadata service),
//               a dnsmasq inside with a host entry per port
//   router   -> a namespace per router: a `qr-` leg per interface (the
//               subnet's gateway address lives there), a `qg-` leg on the
//               external network with the gateway's and floating IPs'
//               addresses, SNAT and DNAT in an nftables table
#pragma once

#include <map>
#include <string>
#include <vector>

#include "engine/floatingip_state.hpp"
#include "engine/network_state.hpp"
#include "engine/router_state.hpp"

namespace cumulo {

struct plane_options {
  // Names this cloud's namespaces and marks its links, so that two clouds
  // on one host never take each other's for strays.
  std::string cloud_id;
  // An external subnet with exactly this CIDR has its gateway address on
  // the host, on the network's bridge: the host is the routers' upstream
  // ("" for none).
  std::string external_cidr;
  // When set, external networks use this existing bridge of the host's
  // (one with an uplink, say) instead of one of their own; cumulo neither
  // creates it nor removes it nor puts addresses on it.
  std::string external_bridge;
  // Where each network's DHCP files go: <run_dir>/dhcp/<network id>/.
  std::string run_dir;
  // Lets the external CIDR out of the host, masqueraded as the host's own
  // address (guests online through their routers' SNAT). Off by default:
  // nothing leaves the machine unless asked.
  bool masquerade = false;
};

namespace plane {

// A Linux bridge's name (at most 15 characters) from the random tail of
// a network's id (the head of a v7 UUID is its creation time).
std::string bridge_name(const std::string& network_id);
// "tap" + the port id's tail: the host's end of a namespace's leg.
std::string host_end(const std::string& port_id);
std::string dhcp_namespace(const std::string& cloud_id, const std::string& network_id);
std::string router_namespace(const std::string& cloud_id, const std::string& router_id);
// Every namespace and link of this cloud starts with / carries this.
std::string namespace_prefix(const std::string& cloud_id);
std::string link_alias(const std::string& cloud_id, const std::string& what);

// The metadata service's address, inside each DHCP namespace.
inline constexpr const char* metadata_address = "169.254.169.254";

struct bridge {
  std::string name;
  std::string network_id;
  int mtu = 1500;
  bool own = true;                          // made and removed by cumulo
  std::vector<std::string> host_addresses;  // "172.24.4.1/24": the host's own
  bool operator==(const bridge&) const = default;
};

// A veth pair: one end on a bridge of the host, the other in a namespace
// with a port's MAC and addresses.
struct leg {
  std::string port_id;
  std::string host_end;  // in the root namespace, on `bridge`
  std::string ns_end;    // in the namespace
  std::string bridge;
  std::string mac;
  std::vector<std::string> addresses;  // address/prefix
  int mtu = 1500;
  bool operator==(const leg&) const = default;
};

struct route {
  std::string destination;  // a CIDR, "default"
  std::string via;
  bool operator==(const route&) const = default;
};

// One network's DHCP server.
struct dhcp_server {
  std::string network_id;
  std::string ns;
  leg port;                          // the network:dhcp port
  std::string dir;                   // its files
  std::vector<std::string> dnsmasq;  // dnsmasq's arguments (the program first)
  std::string hosts;                 // --dhcp-hostsfile: a line per port address
  std::string opts;                  // --dhcp-optsfile: subnets' and ports' options
  bool operator==(const dhcp_server&) const = default;
};

struct router {
  std::string router_id;
  std::string ns;
  std::vector<leg> legs;  // interfaces first, then the gateway
  std::vector<route> routes;
  // The nftables ruleset of the router's table `ip cumulo` ("" for none:
  // no gateway, so nothing to translate).
  std::string nat;
  bool operator==(const router&) const = default;
};

struct layout {
  std::vector<bridge> bridges;
  std::vector<dhcp_server> dhcp;
  std::vector<router> routers;
  // The host's own nftables table `ip cumulo-<cloud id>` (the masquerade),
  // "" for none.
  std::string host_nat;
};

// The name of the host's table of this cloud.
std::string host_table(const std::string& cloud_id);

// A line of a dnsmasq hosts file for a port: "MAC,IP,host-IP", with
// ",set:port-ID" after the MAC when the port has extra_dhcp_opts.
std::vector<std::string> dhcp_host_lines(const network_state& n);

}  // namespace plane

// The plan of the whole host. Networks, routers and floating IPs by id;
// those that no longer exist are left out of the plan (their plumbing is
// then a stray, and goes).
plane::layout plan_tenant_plane(const std::map<std::string, network_state>& networks,
                                const std::map<std::string, router_state>& routers,
                                const std::map<std::string, floatingip_state>& floatingips,
                                const plane_options& options);

}  // namespace cumulo
