#include "engine/network_state.hpp"

#include <algorithm>
#include <set>

#include "engine/ipam.hpp"
#include "engine/network_rbac.hpp"
#include "engine/port_attributes.hpp"

namespace cumulo {
namespace {

using network::fixed_ip;
using network::normalise_mac;

// Each error names Neutron's exception, which its error body carries.
domain_error bad(std::string message) {
  return make_neutron_error(errc::bad_request, "InvalidInput", std::move(message));
}
domain_error conflict(std::string message, std::string type = "Conflict") {
  return make_neutron_error(errc::conflict, std::move(type), std::move(message));
}

domain_error not_found(const network_state& s) {
  return make_neutron_error(errc::not_found, "NetworkNotFound",
                            "Network " + s.id + " could not be found.");
}
domain_error subnet_not_found(const std::string& id) {
  return make_neutron_error(errc::not_found, "SubnetNotFound",
                            "Subnet " + id + " could not be found.");
}
domain_error port_not_found(const std::string& id) {
  return make_neutron_error(errc::not_found, "PortNotFound", "Port " + id + " could not be found.");
}
domain_error exhausted(const network_state& s) {
  return conflict("No more IP addresses available on network " + s.id + ".",
                  "IpAddressGenerationFailure");
}

// Neutron limits names and descriptions to 255 characters.
std::optional<domain_error> check_length(const char* field, const std::string& value) {
  if (value.size() <= 255) return std::nullopt;
  return bad(std::string("Invalid input for ") + field + ". Reason: '" + value +
             "' exceeds maximum length of 255.");
}
std::optional<domain_error> check_length(const char* field,
                                         const std::optional<std::string>& value) {
  return value ? check_length(field, *value) : std::nullopt;
}

std::optional<domain_error> check_mtu(int mtu) {
  if (mtu < 68)
    return bad("Invalid input for mtu. Reason: '" + std::to_string(mtu) +
               "' is too small - must be at least '68'.");
  if (mtu > 9000)
    return bad("Invalid input for mtu. Reason: '" + std::to_string(mtu) +
               "' is too large - must be no larger than '9000'.");
  return std::nullopt;
}

// Validates and canonicalises nameservers in place.
std::optional<domain_error> check_nameservers(std::vector<std::string>& servers, int version) {
  std::set<ipam::address> seen;
  for (auto& text : servers) {
    auto a = ipam::parse_address(text);
    if (!a || a->version != version)
      return bad("Invalid input for dns_nameservers. Reason: '" + text +
                 "' is not a valid nameserver.");
    if (!seen.insert(*a).second)
      return bad("Invalid input for dns_nameservers. Reason: Duplicate nameserver '" + text + "'.");
    text = ipam::to_string(*a);
  }
  return std::nullopt;
}

std::optional<domain_error> check_routes(std::vector<network::host_route>& routes, int version) {
  for (auto& r : routes) {
    auto dest = ipam::parse_cidr(r.destination);
    auto hop = ipam::parse_address(r.nexthop);
    if (!dest || !hop || dest->network.version != version || hop->version != version)
      return bad("Invalid input for host_routes. Reason: '" + r.destination + " via " + r.nexthop +
                 "' is not a valid IPv" + std::to_string(version) + " host route.");
    r.destination = ipam::to_string(*dest);
    r.nexthop = ipam::to_string(*hop);
  }
  return std::nullopt;
}

// The state keeps canonical text, so parsing it back cannot fail.
ipam::cidr cidr_of(const network::subnet& sub) {
  return *ipam::parse_cidr(sub.cidr);
}

std::vector<ipam::range> pools_of(const network::subnet& sub) {
  std::vector<ipam::range> pools;
  for (const auto& p : sub.allocation_pools)
    pools.push_back({*ipam::parse_address(p.start), *ipam::parse_address(p.end)});
  return pools;
}

// Subnets of one network never overlap, so one set holds every address in use.
std::set<ipam::address> used_addresses(const network_state& s) {
  std::set<ipam::address> used;
  for (const auto& [id, port] : s.ports)
    for (const auto& f : port.fixed_ips) used.insert(*ipam::parse_address(f.ip_address));
  return used;
}

// Neutron's check_subnet_ip: never the IPv4 network or broadcast address;
// the IPv6 network address only for a router's or DHCP's port.
bool host_address(const ipam::cidr& net, const ipam::address& a, const std::string& owner) {
  if (!ipam::contains(net, a)) return false;
  if (net.network.version == 4) return a != net.network && a != ipam::last(net);
  return a != net.network || owner.rfind("network:router", 0) == 0 || owner == "network:dhcp";
}

// Chooses the addresses of a new port, or of a port being updated (its
// own addresses are free to it, and an entry with only a subnet keeps the
// address it has there).
struct port_addresses {
  const network_state& s;
  const std::optional<std::vector<fixed_ip>>& requested;
  const std::string& device_owner;
  const network::port* existing = nullptr;
  std::set<ipam::address> used = used_addresses(s);

  outcome<std::vector<fixed_ip>> operator()() {
    std::vector<fixed_ip> out;
    if (existing)
      for (const auto& f : existing->fixed_ips) used.erase(*ipam::parse_address(f.ip_address));
    if (!requested) {
      for (int version : {4, 6})
        if (auto e = any_subnet(version, out)) return *e;
      return out;
    }
    for (const auto& f : *requested) {
      if (auto kept = kept_on_subnet(f, out)) {
        used.insert(*ipam::parse_address(kept->ip_address));
        out.push_back(*kept);
        continue;
      }
      if (auto e = one(f, out)) return *e;
    }
    return out;
  }

  // {"subnet_id": S} on an update: the address the port already has on S.
  std::optional<fixed_ip> kept_on_subnet(const fixed_ip& f,
                                         const std::vector<fixed_ip>& out) const {
    if (!existing || !f.ip_address.empty() || f.subnet_id.empty()) return std::nullopt;
    for (const auto& mine : existing->fixed_ips) {
      if (mine.subnet_id != f.subnet_id) continue;
      const bool taken = std::any_of(out.begin(), out.end(), [&](const fixed_ip& o) {
        return o.ip_address == mine.ip_address;
      });
      if (!taken) return mine;
    }
    return std::nullopt;
  }

  // An address from the first subnet of this version that has one.
  std::optional<domain_error> any_subnet(int version, std::vector<fixed_ip>& out) {
    bool any = false;
    for (const auto& sub : s.subnets) {
      if (sub.ip_version != version) continue;
      any = true;
      if (auto a = ipam::lowest_free(pools_of(sub), used)) return take(sub, *a, out);
    }
    if (any) return exhausted(s);
    return std::nullopt;
  }

  std::optional<domain_error> one(const fixed_ip& f, std::vector<fixed_ip>& out) {
    const network::subnet* sub = nullptr;
    if (!f.subnet_id.empty()) {
      sub = s.find_subnet(f.subnet_id);
      if (!sub)
        return bad("Invalid input for operation: Failed to create port on network " + s.id +
                   ", because fixed_ips included invalid subnet " + f.subnet_id + ".");
    }
    if (f.ip_address.empty()) {
      if (!sub)
        return bad(
            "Invalid input for fixed_ips. Reason: each entry needs a subnet_id or "
            "an ip_address.");
      auto a = ipam::lowest_free(pools_of(*sub), used);
      if (!a) return exhausted(s);
      return take(*sub, *a, out);
    }
    auto a = ipam::parse_address(f.ip_address);
    if (!a)
      return bad("Invalid input for ip_address. Reason: '" + f.ip_address +
                 "' is not a valid IP address.");
    if (!sub) {
      for (const auto& candidate : s.subnets)
        if (ipam::contains(cidr_of(candidate), *a)) sub = &candidate;
      if (!sub)
        return make_neutron_error(errc::bad_request, "InvalidIpForNetwork",
                                  "IP address " + f.ip_address +
                                      " is not a valid IP for any of the subnets on the "
                                      "specified network.");
    }
    // Explicit addresses may lie outside the pools (and be the gateway), as in Neutron.
    if (!host_address(cidr_of(*sub), *a, device_owner))
      return make_neutron_error(
          errc::bad_request, "InvalidIpForSubnet",
          "IP address " + f.ip_address + " is not a valid IP for the specified subnet.");
    if (used.count(*a))
      return conflict(
          "IP address " + ipam::to_string(*a) + " already allocated in subnet " + sub->id,
          "IpAddressAlreadyAllocated");
    return take(*sub, *a, out);
  }

  std::optional<domain_error> take(const network::subnet& sub, const ipam::address& a,
                                   std::vector<fixed_ip>& out) {
    used.insert(a);
    out.push_back({sub.id, ipam::to_string(a)});
    return std::nullopt;
  }
};

// The events of a create, and its tags after it when it has some.
template <class Created, class Tagged>
decision<network_event> created_with_tags(Created created, const std::vector<std::string>& tags,
                                          const char* collection, Tagged tagged) {
  auto initial = tagging::initial(tags, collection);
  if (!initial) return initial.error();
  std::vector<network_event> events{std::move(created)};
  if (!initial.value().empty()) events.push_back(tagged(std::move(initial.value())));
  return events;
}

struct decider {
  const network_state& s;
  using result = decision<network_event>;

  result operator()(const network::create& c) const {
    if (s.version > 0) return conflict("Network " + s.id + " already exists.");
    if (auto e = check_length("name", c.name)) return *e;
    if (auto e = check_length("description", c.description)) return *e;
    if (auto e = check_mtu(c.mtu)) return *e;
    network_created e{c.name, c.project_id,     c.shared,     c.external,
                      c.mtu,  c.admin_state_up, c.description};
    e.port_security_enabled = c.port_security_enabled;
    if (c.shared) e.shared_policy_id = c.shared_policy_id;
    if (c.external) e.external_policy_id = c.external_policy_id;
    return created_with_tags(e, c.tags, "networks",
                             [](std::vector<std::string> t) { return network_tags_set{t}; });
  }

  result operator()(const network::update& c) const {
    if (!s.exists()) return not_found(s);
    if (auto e = check_length("name", c.name)) return *e;
    if (auto e = check_length("description", c.description)) return *e;
    if (c.mtu)
      if (auto e = check_mtu(*c.mtu)) return *e;
    network_updated e{c.name, std::nullopt, std::nullopt, c.mtu, c.admin_state_up, c.description};
    e.port_security_enabled = c.port_security_enabled;
    // shared and router:external are policies to every project: only a
    // change makes or removes one (Neutron's update_shared).
    if (c.shared && *c.shared != s.shared) {
      e.shared = c.shared;
      if (*c.shared) e.shared_policy_id = c.shared_policy_id;
      if (!*c.shared)
        if (auto in_use = network_rbac::sharing_in_use(s, network_rbac::every_project, star_id()))
          return conflict(*in_use, "InvalidSharedSetting");
    }
    if (c.external && *c.external != s.external) {
      e.external = c.external;
      if (*c.external) e.external_policy_id = c.external_policy_id;
    }
    return std::vector<network_event>{e};
  }

  // The id of the policy that shares the network with every project ("": none).
  std::string star_id() const {
    for (const auto& p : s.rbac_policies)
      if (p.action == network_rbac::access_as_shared &&
          p.target_project == network_rbac::every_project)
        return p.id;
    return "";
  }

  result operator()(const network::add_subnet& c) const {
    if (!s.exists()) return not_found(s);
    if (c.subnet_id.empty()) return bad("Invalid input for id. Reason: a subnet needs an id.");
    if (s.find_subnet(c.subnet_id)) return conflict("Subnet " + c.subnet_id + " already exists.");
    if (auto e = check_length("name", c.name)) return *e;
    if (auto e = check_length("description", c.description)) return *e;
    std::vector<std::pair<std::string, std::string>> pools;
    for (const auto& p : c.allocation_pools) pools.emplace_back(p.start, p.end);
    auto plan = ipam::plan_subnet(c.ip_version, c.cidr, c.gateway_ip, pools);
    if (!plan) return plan.error();
    for (const auto& other : s.subnets)
      if (ipam::overlaps(cidr_of(other), plan.value().net))
        return make_neutron_error(errc::bad_request, "InvalidInput",
                                  "Invalid input for operation: Requested subnet with cidr: " +
                                      ipam::to_string(plan.value().net) + " for network: " + s.id +
                                      " overlaps with another subnet.");
    network_subnet_added e;
    e.subnet_id = c.subnet_id;
    e.name = c.name;
    e.ip_version = c.ip_version;
    e.cidr = ipam::to_string(plan.value().net);
    e.gateway_ip = plan.value().gateway ? ipam::to_string(*plan.value().gateway) : "";
    for (const auto& r : plan.value().pools)
      e.allocation_pools.push_back({ipam::to_string(r.first), ipam::to_string(r.last)});
    e.dns_nameservers = c.dns_nameservers;
    if (auto err = check_nameservers(e.dns_nameservers, c.ip_version)) return *err;
    e.host_routes = c.host_routes;
    if (auto err = check_routes(e.host_routes, c.ip_version)) return *err;
    e.enable_dhcp = c.enable_dhcp;
    e.project_id = c.project_id;
    e.description = c.description;
    e.subnetpool_id = c.subnetpool_id;
    return created_with_tags(e, c.tags, "subnets", [&](std::vector<std::string> t) {
      return network_subnet_tags_set{c.subnet_id, t};
    });
  }

  result operator()(const network::update_subnet& c) const {
    if (!s.exists()) return not_found(s);
    const network::subnet* sub = s.find_subnet(c.subnet_id);
    if (!sub) return subnet_not_found(c.subnet_id);
    if (auto e = check_length("name", c.name)) return *e;
    if (auto e = check_length("description", c.description)) return *e;
    network_subnet_updated e{c.subnet_id,   c.name,        c.gateway_ip, c.dns_nameservers,
                             c.enable_dhcp, c.description, c.host_routes};
    if (e.host_routes)
      if (auto err = check_routes(*e.host_routes, sub->ip_version)) return *err;
    if (e.gateway_ip && !e.gateway_ip->empty()) {
      auto gw = ipam::parse_address(*e.gateway_ip);
      if (!gw || gw->version != sub->ip_version)
        return bad("Invalid input for gateway_ip. Reason: '" + *e.gateway_ip +
                   "' is not a valid IP address.");
      if (auto err = ipam::check_gateway(cidr_of(*sub), *gw, pools_of(*sub))) return *err;
      e.gateway_ip = ipam::to_string(*gw);
    }
    if (e.dns_nameservers)
      if (auto err = check_nameservers(*e.dns_nameservers, sub->ip_version)) return *err;
    return std::vector<network_event>{e};
  }

  result operator()(const network::remove_subnet& c) const {
    if (!s.exists()) return not_found(s);
    if (!s.find_subnet(c.subnet_id)) return subnet_not_found(c.subnet_id);
    for (const auto& [id, port] : s.ports)
      for (const auto& f : port.fixed_ips)
        if (f.subnet_id == c.subnet_id)
          return conflict("Unable to complete operation on subnet " + c.subnet_id +
                              ": One or more ports have an IP allocation from this subnet.",
                          "SubnetInUse");
    return std::vector<network_event>{network_subnet_removed{c.subnet_id}};
  }

  result operator()(const network::create_port& c) const {
    if (!s.exists()) return not_found(s);
    if (c.port_id.empty()) return bad("Invalid input for id. Reason: a port needs an id.");
    if (s.find_port(c.port_id)) return conflict("Port " + c.port_id + " already exists.");
    if (auto e = check_length("name", c.name)) return *e;
    auto mac = normalise_mac(c.mac_address);
    if (!mac)
      return bad("Invalid input for mac_address. Reason: '" + c.mac_address +
                 "' is not a valid MAC address.");
    for (const auto& [id, port] : s.ports)
      if (port.mac_address == *mac)
        return conflict("Unable to complete operation for network " + s.id + ". The mac address " +
                            *mac + " is in use.",
                        "MacAddressInUse");
    if (auto e = check_length("binding:host_id", c.binding_host_id)) return *e;
    auto pairs = network::settle_address_pairs(c.allowed_address_pairs, *mac);
    if (!pairs) return pairs.error();
    auto options = network::created_dhcp_options(c.extra_dhcp_opts);
    if (!options) return options.error();
    // A port takes its network's port security unless it says otherwise.
    const bool security = c.port_security_enabled.value_or(s.port_security_enabled);
    if (auto e = network::check_port_security(security, pairs.value(), c.security_groups))
      return *e;
    auto ips = port_addresses{s, c.fixed_ips, c.device_owner}();
    if (!ips) return ips.error();
    network_port_created e{c.port_id,         c.name,         *mac,
                           c.device_id,       c.device_owner, ips.value(),
                           c.security_groups, c.project_id,   c.admin_state_up,
                           c.binding_host_id};
    e.allowed_address_pairs = pairs.value();
    e.extra_dhcp_opts = options.value();
    e.port_security_enabled = security;
    return created_with_tags(e, c.tags, "ports", [&](std::vector<std::string> t) {
      return network_port_tags_set{c.port_id, t};
    });
  }

  result operator()(const network::update_port& c) const {
    if (!s.exists()) return not_found(s);
    const network::port* p = s.find_port(c.port_id);
    if (!p) return port_not_found(c.port_id);
    if (auto e = check_length("name", c.name)) return *e;
    if (auto e = check_length("binding:host_id", c.binding_host_id)) return *e;
    network_port_updated e{c.port_id,      c.name,           c.device_id,
                           c.device_owner, c.admin_state_up, c.security_groups,
                           std::nullopt,   c.binding_host_id};
    if (c.fixed_ips) {
      auto ips = port_addresses{s, c.fixed_ips, c.device_owner.value_or(p->device_owner), p}();
      if (!ips) return ips.error();
      e.fixed_ips = ips.value();
    }
    if (c.allowed_address_pairs) {
      auto pairs = network::settle_address_pairs(*c.allowed_address_pairs, p->mac_address);
      if (!pairs) return pairs.error();
      e.allowed_address_pairs = pairs.value();
    }
    if (c.extra_dhcp_opts && !c.extra_dhcp_opts->empty()) {
      auto options = network::updated_dhcp_options(p->extra_dhcp_opts, *c.extra_dhcp_opts);
      if (!options) return options.error();
      e.extra_dhcp_opts = options.value();
    }
    e.port_security_enabled = c.port_security_enabled;
    if (auto err = network::check_port_security(
            c.port_security_enabled.value_or(p->port_security_enabled), *p, c))
      return *err;
    return std::vector<network_event>{e};
  }

  result operator()(const network::delete_port& c) const {
    if (!s.exists()) return not_found(s);
    if (!s.find_port(c.port_id)) return port_not_found(c.port_id);
    return std::vector<network_event>{network_port_deleted{c.port_id}};
  }

  result operator()(const network::remove&) const {
    if (!s.exists()) return not_found(s);
    // Subnets go with the network; ports must be deleted first (Neutron's NetworkInUse).
    if (!s.ports.empty())
      return conflict("Unable to complete operation on network " + s.id +
                          ". There are one or more ports still in use on the network.",
                      "NetworkInUse");
    return std::vector<network_event>{network_deleted{}};
  }

  result operator()(const network::create_rbac_policy& c) const {
    if (!s.exists()) return not_found(s);
    if (c.policy_id.empty()) return bad("Invalid input for id. Reason: a policy needs an id.");
    if (s.find_rbac_policy(c.policy_id))
      return conflict("RBAC policy " + c.policy_id + " already exists.");
    if (auto e = network_rbac::check_action(c.action)) return *e;
    if (auto e = network_rbac::check_target(c.target_project)) return *e;
    if (auto e = network_rbac::check_unique(s, c.action, c.target_project, "")) return *e;
    return std::vector<network_event>{
        network_rbac_policy_created{c.policy_id, c.action, c.target_project, c.project_id}};
  }

  result operator()(const network::update_rbac_policy& c) const {
    if (!s.exists()) return not_found(s);
    const network::rbac_policy* p = s.find_rbac_policy(c.policy_id);
    if (!p) return network_rbac::policy_not_found(c.policy_id);
    if (auto e = network_rbac::check_target(c.target_project)) return *e;
    if (c.target_project == p->target_project) return std::vector<network_event>{};
    if (auto e = network_rbac::check_unique(s, p->action, c.target_project, p->id)) return *e;
    // Handing the access to everyone takes it from no one.
    if (p->action == network_rbac::access_as_shared &&
        c.target_project != network_rbac::every_project)
      if (auto in_use = network_rbac::sharing_in_use(s, p->target_project, p->id))
        return network_rbac::policy_in_use(s.id, *in_use);
    return std::vector<network_event>{network_rbac_policy_updated{c.policy_id, c.target_project}};
  }

  result operator()(const network::delete_rbac_policy& c) const {
    if (!s.exists()) return not_found(s);
    const network::rbac_policy* p = s.find_rbac_policy(c.policy_id);
    if (!p) return network_rbac::policy_not_found(c.policy_id);
    if (p->action == network_rbac::access_as_shared)
      if (auto in_use = network_rbac::sharing_in_use(s, p->target_project, p->id))
        return network_rbac::policy_in_use(s.id, *in_use);
    return std::vector<network_event>{network_rbac_policy_deleted{c.policy_id}};
  }

  // A change that leaves the tags as they are records nothing.
  result operator()(const network::set_tags& c) const {
    if (!s.exists()) return not_found(s);
    auto tags = tagging::after(s.tags, c.change, "networks");
    if (!tags) return tags.error();
    if (tags.value() == s.tags) return std::vector<network_event>{};
    return std::vector<network_event>{network_tags_set{tags.value()}};
  }

  result operator()(const network::set_subnet_tags& c) const {
    if (!s.exists()) return not_found(s);
    const network::subnet* sub = s.find_subnet(c.subnet_id);
    if (!sub) return subnet_not_found(c.subnet_id);
    auto tags = tagging::after(sub->tags, c.change, "subnets");
    if (!tags) return tags.error();
    if (tags.value() == sub->tags) return std::vector<network_event>{};
    return std::vector<network_event>{network_subnet_tags_set{c.subnet_id, tags.value()}};
  }

  result operator()(const network::set_port_tags& c) const {
    if (!s.exists()) return not_found(s);
    const network::port* p = s.find_port(c.port_id);
    if (!p) return port_not_found(c.port_id);
    auto tags = tagging::after(p->tags, c.change, "ports");
    if (!tags) return tags.error();
    if (tags.value() == p->tags) return std::vector<network_event>{};
    return std::vector<network_event>{network_port_tags_set{c.port_id, tags.value()}};
  }
};

struct applier {
  network_state& s;

  void require(const char* type) const {
    if (!s.exists()) throw invalid_event(std::string(type) + " on a network that does not exist");
  }
  network::subnet& subnet(const char* type, const std::string& id) {
    require(type);
    for (auto& sub : s.subnets)
      if (sub.id == id) return sub;
    throw invalid_event(std::string(type) + " names unknown subnet " + id);
  }
  network::port& port(const char* type, const std::string& id) {
    require(type);
    auto it = s.ports.find(id);
    if (it == s.ports.end()) throw invalid_event(std::string(type) + " names unknown port " + id);
    return it->second;
  }

  void operator()(const network_created& e) {
    if (s.version > 0) throw invalid_event("network.created on a network that exists");
    s.name = e.name;
    s.project_id = e.project_id;
    s.mtu = e.mtu;
    s.admin_state_up = e.admin_state_up;
    s.description = e.description;
    s.port_security_enabled = e.port_security_enabled;
    if (e.shared) share_with_everyone(network_rbac::access_as_shared, e.shared_policy_id);
    if (e.external) share_with_everyone(network_rbac::access_as_external, e.external_policy_id);
    network_rbac::settle_flags(s);
  }
  void operator()(const network_updated& e) {
    require(e.type_name);
    if (e.name) s.name = *e.name;
    if (e.mtu) s.mtu = *e.mtu;
    if (e.admin_state_up) s.admin_state_up = *e.admin_state_up;
    if (e.description) s.description = *e.description;
    if (e.port_security_enabled) s.port_security_enabled = *e.port_security_enabled;
    if (e.shared && *e.shared)
      share_with_everyone(network_rbac::access_as_shared, e.shared_policy_id);
    if (e.shared && !*e.shared)
      std::erase_if(s.rbac_policies, [](const network::rbac_policy& p) {
        return p.action == network_rbac::access_as_shared &&
               p.target_project == network_rbac::every_project;
      });
    if (e.external && *e.external)
      share_with_everyone(network_rbac::access_as_external, e.external_policy_id);
    if (e.external && !*e.external)  // no longer external to anyone (Neutron)
      std::erase_if(s.rbac_policies, [](const network::rbac_policy& p) {
        return p.action == network_rbac::access_as_external;
      });
    network_rbac::settle_flags(s);
  }
  // The "*" policy shared or router:external make, unless the network has
  // it already; an event from before RBAC policies names no id.
  void share_with_everyone(const char* action, const std::string& id) {
    for (const auto& p : s.rbac_policies)
      if (p.action == action && p.target_project == network_rbac::every_project) return;
    s.rbac_policies.push_back({id.empty() ? network_rbac::implied_policy_id(s.id, action) : id,
                               action, network_rbac::every_project, s.project_id});
  }
  network::rbac_policy& rbac_policy(const char* type, const std::string& id) {
    require(type);
    for (auto& p : s.rbac_policies)
      if (p.id == id) return p;
    throw invalid_event(std::string(type) + " names unknown RBAC policy " + id);
  }
  void operator()(const network_rbac_policy_created& e) {
    require(e.type_name);
    if (s.find_rbac_policy(e.policy_id))
      throw invalid_event("network.rbac_policy_created for existing policy " + e.policy_id);
    s.rbac_policies.push_back({e.policy_id, e.action, e.target_project, e.project_id});
    network_rbac::settle_flags(s);
  }
  void operator()(const network_rbac_policy_updated& e) {
    rbac_policy(e.type_name, e.policy_id).target_project = e.target_project;
    network_rbac::settle_flags(s);
  }
  void operator()(const network_rbac_policy_deleted& e) {
    rbac_policy(e.type_name, e.policy_id);
    std::erase_if(s.rbac_policies,
                  [&](const network::rbac_policy& p) { return p.id == e.policy_id; });
    network_rbac::settle_flags(s);
  }
  void operator()(const network_subnet_added& e) {
    require(e.type_name);
    if (s.find_subnet(e.subnet_id))
      throw invalid_event("network.subnet_added for existing subnet " + e.subnet_id);
    // decide() parses these back: text it cannot read must not get in.
    if (!ipam::parse_cidr(e.cidr)) throw invalid_event("network.subnet_added with bad cidr");
    for (const auto& p : e.allocation_pools)
      if (!ipam::parse_address(p.start) || !ipam::parse_address(p.end))
        throw invalid_event("network.subnet_added with a bad allocation pool");
    s.subnets.push_back({e.subnet_id, e.name, e.ip_version, e.cidr, e.gateway_ip,
                         e.allocation_pools, e.dns_nameservers, e.host_routes, e.enable_dhcp,
                         e.project_id, e.description, 1, e.subnetpool_id});
  }
  void operator()(const network_subnet_updated& e) {
    auto& sub = subnet(e.type_name, e.subnet_id);
    if (e.name) sub.name = *e.name;
    if (e.gateway_ip) sub.gateway_ip = *e.gateway_ip;
    if (e.dns_nameservers) sub.dns_nameservers = *e.dns_nameservers;
    if (e.enable_dhcp) sub.enable_dhcp = *e.enable_dhcp;
    if (e.description) sub.description = *e.description;
    if (e.host_routes) sub.host_routes = *e.host_routes;
    ++sub.revision;
  }
  void operator()(const network_subnet_removed& e) {
    subnet(e.type_name, e.subnet_id);
    for (const auto& [id, p] : s.ports)
      for (const auto& f : p.fixed_ips)
        if (f.subnet_id == e.subnet_id)
          throw invalid_event("network.subnet_removed while port " + id + " uses it");
    std::erase_if(s.subnets, [&](const auto& sub) { return sub.id == e.subnet_id; });
  }
  void operator()(const network_port_created& e) {
    require(e.type_name);
    if (s.find_port(e.port_id))
      throw invalid_event("network.port_created for existing port " + e.port_id);
    for (const auto& f : e.fixed_ips) {
      subnet(e.type_name, f.subnet_id);
      if (!ipam::parse_address(f.ip_address))
        throw invalid_event("network.port_created with bad address " + f.ip_address);
    }
    s.ports[e.port_id] = {e.port_id,
                          e.name,
                          e.mac_address,
                          e.device_id,
                          e.device_owner,
                          e.fixed_ips,
                          e.security_groups,
                          e.project_id,
                          e.admin_state_up,
                          e.binding_host_id,
                          1,
                          e.allowed_address_pairs,
                          e.extra_dhcp_opts,
                          e.port_security_enabled};
  }
  void operator()(const network_port_updated& e) {
    auto& p = port(e.type_name, e.port_id);
    if (e.name) p.name = *e.name;
    if (e.device_id) p.device_id = *e.device_id;
    if (e.device_owner) p.device_owner = *e.device_owner;
    if (e.admin_state_up) p.admin_state_up = *e.admin_state_up;
    if (e.security_groups) p.security_groups = *e.security_groups;
    if (e.binding_host_id) p.binding_host_id = *e.binding_host_id;
    if (e.allowed_address_pairs) p.allowed_address_pairs = *e.allowed_address_pairs;
    if (e.extra_dhcp_opts) p.extra_dhcp_opts = *e.extra_dhcp_opts;
    if (e.port_security_enabled) p.port_security_enabled = *e.port_security_enabled;
    if (e.fixed_ips) {
      for (const auto& f : *e.fixed_ips) {
        subnet(e.type_name, f.subnet_id);
        if (!ipam::parse_address(f.ip_address))
          throw invalid_event("network.port_updated with bad address " + f.ip_address);
      }
      p.fixed_ips = *e.fixed_ips;
    }
    ++p.revision;
  }
  void operator()(const network_port_deleted& e) {
    port(e.type_name, e.port_id);
    s.ports.erase(e.port_id);
  }
  void operator()(const network_deleted& e) {
    require(e.type_name);
    if (!s.ports.empty()) throw invalid_event("network.deleted while it still has ports");
    s.deleted = true;
  }
  void operator()(const network_tags_set& e) {
    require(e.type_name);
    s.tags = e.tags;
  }
  // A subnet's or a port's tags are a change of it: its revision counts them.
  void operator()(const network_subnet_tags_set& e) {
    auto& sub = subnet(e.type_name, e.subnet_id);
    sub.tags = e.tags;
    ++sub.revision;
  }
  void operator()(const network_port_tags_set& e) {
    auto& p = port(e.type_name, e.port_id);
    p.tags = e.tags;
    ++p.revision;
  }
};

}  // namespace

const network::subnet* network_state::find_subnet(const std::string& subnet_id) const {
  for (const auto& sub : subnets)
    if (sub.id == subnet_id) return &sub;
  return nullptr;
}

const network::port* network_state::find_port(const std::string& port_id) const {
  auto it = ports.find(port_id);
  return it == ports.end() ? nullptr : &it->second;
}

const network::rbac_policy* network_state::find_rbac_policy(const std::string& policy_id) const {
  for (const auto& p : rbac_policies)
    if (p.id == policy_id) return &p;
  return nullptr;
}

bool network_state::shared_with(const std::string& project) const {
  return std::any_of(rbac_policies.begin(), rbac_policies.end(), [&](const auto& p) {
    return p.action == network_rbac::access_as_shared &&
           (p.target_project == network_rbac::every_project ||
            (!project.empty() && p.target_project == project));
  });
}

bool network_state::external_to(const std::string& project) const {
  return std::any_of(rbac_policies.begin(), rbac_policies.end(), [&](const auto& p) {
    return p.action == network_rbac::access_as_external &&
           (p.target_project == network_rbac::every_project ||
            (!project.empty() && p.target_project == project));
  });
}

decision<network_event> network_machine::decide(const state& s, const command& c) {
  return std::visit(decider{s}, c);
}

network_state network_machine::apply(state s, const event& e) {
  std::visit(applier{s}, e);
  return s;
}

namespace network {

void to_json(nlohmann::json& j, const subnet& s) {
  j = nlohmann::json::object();
  j["id"] = s.id;
  j["name"] = s.name;
  j["ip_version"] = s.ip_version;
  j["cidr"] = s.cidr;
  j["gateway_ip"] = s.gateway_ip.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.gateway_ip);
  j["allocation_pools"] = nlohmann::json::array();
  for (const auto& p : s.allocation_pools)
    j["allocation_pools"].push_back({{"start", p.start}, {"end", p.end}});
  j["dns_nameservers"] = s.dns_nameservers;
  j["host_routes"] = nlohmann::json::array();
  for (const auto& r : s.host_routes)
    j["host_routes"].push_back({{"destination", r.destination}, {"nexthop", r.nexthop}});
  j["enable_dhcp"] = s.enable_dhcp;
  j["project_id"] = s.project_id;
  j["description"] = s.description;
  j["revision"] = s.revision;
  j["subnetpool_id"] = s.subnetpool_id;
  j["tags"] = s.tags;
}

void to_json(nlohmann::json& j, const port& p) {
  j = nlohmann::json::object();
  j["id"] = p.id;
  j["name"] = p.name;
  j["mac_address"] = p.mac_address;
  j["device_id"] = p.device_id;
  j["device_owner"] = p.device_owner;
  j["fixed_ips"] = nlohmann::json::array();
  for (const auto& f : p.fixed_ips)
    j["fixed_ips"].push_back({{"subnet_id", f.subnet_id}, {"ip_address", f.ip_address}});
  j["security_groups"] = p.security_groups;
  j["project_id"] = p.project_id;
  j["admin_state_up"] = p.admin_state_up;
  j["binding_host_id"] = p.binding_host_id;
  j["revision"] = p.revision;
  j["allowed_address_pairs"] = nlohmann::json::array();
  for (const auto& a : p.allowed_address_pairs)
    j["allowed_address_pairs"].push_back(
        {{"ip_address", a.ip_address}, {"mac_address", a.mac_address}});
  j["extra_dhcp_opts"] = nlohmann::json::array();
  for (const auto& o : p.extra_dhcp_opts)
    j["extra_dhcp_opts"].push_back(
        {{"opt_name", o.opt_name}, {"opt_value", o.opt_value}, {"ip_version", o.ip_version}});
  j["port_security_enabled"] = p.port_security_enabled;
  j["tags"] = p.tags;
}

}  // namespace network

void to_json(nlohmann::json& j, const network_state& s) {
  j = nlohmann::json::object();
  meta_to_json(j, s);
  j["name"] = s.name;
  j["project_id"] = s.project_id;
  j["shared"] = s.shared;
  j["router:external"] = s.external;
  j["mtu"] = s.mtu;
  j["admin_state_up"] = s.admin_state_up;
  j["description"] = s.description;
  j["subnets"] = s.subnets;
  j["ports"] = nlohmann::json::array();
  for (const auto& [id, p] : s.ports) j["ports"].push_back(p);
  j["port_security_enabled"] = s.port_security_enabled;
  j["rbac_policies"] = nlohmann::json::array();
  for (const auto& p : s.rbac_policies)
    j["rbac_policies"].push_back({{"id", p.id},
                                  {"action", p.action},
                                  {"target_project", p.target_project},
                                  {"project_id", p.project_id}});
  j["tags"] = s.tags;
}

}  // namespace cumulo
