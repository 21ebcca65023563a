#include "engine/router_state.hpp"

#include <algorithm>
#include <utility>

#include "engine/ipam.hpp"
#include "engine/router_routes.hpp"

namespace cumulo {
namespace {

domain_error not_found(const router_state& s) {
  return make_neutron_error(errc::not_found, "RouterNotFound",
                            "Router " + s.id + " could not be found");
}
// neutron_lib's BadRequest: "Bad %(resource)s request: %(msg)s."
domain_error bad_router_request(const std::string& message) {
  return make_neutron_error(errc::bad_request, "BadRequest",
                            "Bad router request: " + message + ".");
}

// Neutron limits names and descriptions to 255 characters.
std::optional<domain_error> check_length(const char* field, const std::string& value) {
  if (value.size() <= 255) return std::nullopt;
  return make_neutron_error(errc::bad_request, "InvalidInput",
                            std::string("Invalid input for ") + field + ". Reason: '" + value +
                                "' exceeds maximum length of 255.");
}
std::optional<domain_error> check_length(const char* field,
                                         const std::optional<std::string>& value) {
  return value ? check_length(field, *value) : std::nullopt;
}

bool same_ips(const std::vector<network::fixed_ip>& a, const std::vector<network::fixed_ip>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](const network::fixed_ip& x, const network::fixed_ip& y) {
                      return x.subnet_id == y.subnet_id && x.ip_address == y.ip_address;
                    });
}

struct decider {
  const router_state& s;

  decision<router_event> operator()(const router::create& c) const {
    if (s.version > 0)
      return make_domain_error(errc::conflict, "Router " + s.id + " already exists.");
    if (auto e = check_length("name", c.name)) return *e;
    if (auto e = check_length("description", c.description)) return *e;
    auto tags = tagging::initial(c.tags, "routers");
    if (!tags) return tags.error();
    std::vector<router_event> events{
        router_created{c.name, c.project_id, c.admin_state_up, c.description}};
    if (!tags.value().empty()) events.push_back(router_tags_set{tags.value()});
    return events;
  }

  decision<router_event> operator()(const router::update& c) const {
    if (!s.exists()) return not_found(s);
    if (auto e = check_length("name", c.name)) return *e;
    if (auto e = check_length("description", c.description)) return *e;
    return std::vector<router_event>{router_updated{c.name, c.admin_state_up, c.description}};
  }

  decision<router_event> operator()(const router::set_gateway& c) const {
    if (!s.exists()) return not_found(s);
    if (c.network_id.empty() || c.port_id.empty())
      return bad_router_request("A gateway needs a network and a port");
    if (s.gateway && s.gateway->network_id == c.network_id && s.gateway->port_id == c.port_id &&
        s.gateway->enable_snat == c.enable_snat &&
        same_ips(s.gateway->external_fixed_ips, c.external_fixed_ips))
      return std::vector<router_event>{};
    return std::vector<router_event>{
        router_gateway_set{c.network_id, c.port_id, c.external_fixed_ips, c.enable_snat}};
  }

  decision<router_event> operator()(const router::clear_gateway&) const {
    if (!s.exists()) return not_found(s);
    if (!s.gateway) return std::vector<router_event>{};
    return std::vector<router_event>{router_gateway_cleared{}};
  }

  decision<router_event> operator()(const router::add_interface& c) const {
    if (!s.exists()) return not_found(s);
    if (c.port_id.empty() || c.subnet_id.empty())
      return bad_router_request("An interface needs a port and a subnet");
    if (s.has_port_on_subnet(c.subnet_id))
      return bad_router_request("Router already has a port on subnet " + c.subnet_id);
    if (s.find_interface_by_port(c.port_id) || (s.gateway && s.gateway->port_id == c.port_id))
      return make_neutron_error(errc::conflict, "PortInUse",
                                "Port " + c.port_id + " is already in use by router " + s.id + ".");
    return std::vector<router_event>{router_interface_added{c.port_id, c.subnet_id, c.network_id}};
  }

  decision<router_event> operator()(const router::remove_interface& c) const {
    if (!s.exists()) return not_found(s);
    if (c.port_id.empty() && c.subnet_id.empty())
      return bad_router_request("Either subnet_id or port_id must be specified");
    if (!c.port_id.empty()) {
      const router::interface* i = s.find_interface_by_port(c.port_id);
      if (!i)
        return make_neutron_error(
            errc::not_found, "RouterInterfaceNotFound",
            "Router " + s.id + " does not have an interface with id " + c.port_id);
      if (!c.subnet_id.empty() && i->subnet_id != c.subnet_id)
        return make_neutron_error(errc::bad_request, "SubnetMismatchForPort",
                                  "Subnet on port " + c.port_id +
                                      " does not match the requested subnet " + c.subnet_id + ".");
      return removal_of(*i, c.links);
    }
    const router::interface* i = s.find_interface_by_subnet(c.subnet_id);
    if (!i)
      return make_neutron_error(errc::not_found, "RouterInterfaceNotFoundForSubnet",
                                "Router " + s.id + " has no interface on subnet " + c.subnet_id);
    return removal_of(*i, c.links);
  }

  // An interface goes unless an extra route needs one of its port's
  // subnets to reach its nexthop (Neutron's 409).
  decision<router_event> removal_of(const router::interface& i,
                                    const std::vector<router::link>& links) const {
    for (const auto& l : links)
      if (l.port_id == i.port_id && s.route_via(l.cidr))
        return make_neutron_error(
            errc::conflict, "RouterInterfaceInUseByRoute",
            "Router interface for subnet " + l.subnet_id + " on router " + s.id +
                " cannot be deleted, as it is required by one or more routes.");
    return std::vector<router_event>{router_interface_removed{i.port_id}};
  }

  decision<router_event> operator()(const router::remove&) const {
    if (!s.exists()) return not_found(s);
    if (s.has_interfaces())
      return make_neutron_error(errc::conflict, "RouterInUse",
                                "Router " + s.id + " still has ports");
    std::vector<router_event> events;
    if (s.gateway) events.push_back(router_gateway_cleared{});
    events.push_back(router_deleted{});
    return events;
  }

  decision<router_event> operator()(const router::set_tags& c) const {
    if (!s.exists()) return not_found(s);
    auto tags = tagging::after(s.tags, c.change, "routers");
    if (!tags) return tags.error();
    if (tags.value() == s.tags) return std::vector<router_event>{};
    return std::vector<router_event>{router_tags_set{tags.value()}};
  }

  // Extra routes: the list the router would have, checked whole (as
  // Neutron's update_router checks it whichever way it was reached).
  decision<router_event> operator()(const router::set_routes& c) const {
    if (!s.exists()) return not_found(s);
    auto routes = router::canonical_routes(c.routes, true);
    if (!routes) return routes.error();
    return routes_become(routes.value(), c.links);
  }
  decision<router_event> operator()(const router::add_routes& c) const {
    if (!s.exists()) return not_found(s);
    auto added = router::canonical_routes(c.routes, false);
    if (!added) return added.error();
    return routes_become(router::with_routes(s.routes, added.value()), c.links);
  }
  decision<router_event> operator()(const router::remove_routes& c) const {
    if (!s.exists()) return not_found(s);
    auto removed = router::canonical_routes(c.routes, false);
    if (!removed) return removed.error();
    return routes_become(router::without_routes(s.routes, removed.value()), c.links);
  }
  decision<router_event> routes_become(const std::vector<network::host_route>& routes,
                                       const std::vector<router::link>& links) const {
    if (auto e = router::check_routes(s, routes, links)) return *e;
    if (router::same_routes(routes, s.routes)) return std::vector<router_event>{};
    return std::vector<router_event>{router_routes_set{routes}};
  }
};

struct applier {
  router_state& s;

  void require(const char* type) const {
    if (!s.exists()) throw invalid_event(std::string(type) + " on a router that does not exist");
  }

  void operator()(const router_created& e) {
    if (s.version > 0) throw invalid_event("router.created on a router that exists");
    s.name = e.name;
    s.project_id = e.project_id;
    s.admin_state_up = e.admin_state_up;
    s.description = e.description;
  }
  void operator()(const router_updated& e) {
    require("router.updated");
    if (e.name) s.name = *e.name;
    if (e.admin_state_up) s.admin_state_up = *e.admin_state_up;
    if (e.description) s.description = *e.description;
  }
  void operator()(const router_gateway_set& e) {
    require("router.gateway_set");
    s.gateway = router::gateway{e.network_id, e.port_id, e.external_fixed_ips, e.enable_snat};
  }
  void operator()(const router_gateway_cleared&) {
    require("router.gateway_cleared");
    if (!s.gateway) throw invalid_event("router.gateway_cleared on a router without a gateway");
    s.gateway.reset();
  }
  void operator()(const router_interface_added& e) {
    require("router.interface_added");
    if (s.find_interface_by_port(e.port_id) || s.find_interface_by_subnet(e.subnet_id))
      throw invalid_event("router.interface_added: port " + e.port_id + " or subnet " +
                          e.subnet_id + " is already an interface");
    s.interfaces.push_back(router::interface{e.port_id, e.subnet_id, e.network_id});
  }
  void operator()(const router_interface_removed& e) {
    require("router.interface_removed");
    auto it = std::find_if(s.interfaces.begin(), s.interfaces.end(),
                           [&](const router::interface& i) { return i.port_id == e.port_id; });
    if (it == s.interfaces.end())
      throw invalid_event("router.interface_removed: no interface " + e.port_id);
    s.interfaces.erase(it);
  }
  void operator()(const router_deleted&) {
    require("router.deleted");
    if (s.has_interfaces()) throw invalid_event("router.deleted on a router with interfaces");
    s.deleted = true;
  }
  void operator()(const router_tags_set& e) {
    require("router.tags_set");
    s.tags = e.tags;
  }
  void operator()(const router_routes_set& e) {
    require("router.routes_set");
    s.routes = e.routes;
  }
};

nlohmann::json fixed_ips_json(const std::vector<network::fixed_ip>& ips) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& f : ips) j.push_back({{"subnet_id", f.subnet_id}, {"ip_address", f.ip_address}});
  return j;
}

}  // namespace

bool router_state::has_port_on_subnet(const std::string& subnet_id) const {
  if (find_interface_by_subnet(subnet_id)) return true;
  if (!gateway) return false;
  return std::any_of(gateway->external_fixed_ips.begin(), gateway->external_fixed_ips.end(),
                     [&](const network::fixed_ip& ip) { return ip.subnet_id == subnet_id; });
}

bool router_state::has_port(const std::string& port_id) const {
  if (port_id.empty()) return false;
  return find_interface_by_port(port_id) || (gateway && gateway->port_id == port_id);
}

const network::host_route* router_state::route_via(const std::string& cidr) const {
  const auto net = ipam::parse_cidr(cidr);
  if (!net) return nullptr;
  for (const auto& r : routes)
    if (auto hop = ipam::parse_address(r.nexthop); hop && ipam::contains(*net, *hop)) return &r;
  return nullptr;
}

const router::interface* router_state::find_interface_by_port(const std::string& port_id) const {
  for (const auto& i : interfaces)
    if (i.port_id == port_id) return &i;
  return nullptr;
}

const router::interface* router_state::find_interface_by_subnet(
    const std::string& subnet_id) const {
  for (const auto& i : interfaces)
    if (i.subnet_id == subnet_id) return &i;
  return nullptr;
}

decision<router_event> router_machine::decide(const state& s, const command& c) {
  return std::visit(decider{s}, c);
}

router_state router_machine::apply(state s, const event& e) {
  std::visit(applier{s}, e);
  return s;
}

void to_json(nlohmann::json& j, const router_state& s) {
  j = nlohmann::json::object();
  meta_to_json(j, s);
  j["name"] = s.name;
  j["project_id"] = s.project_id;
  j["tenant_id"] = s.project_id;
  j["admin_state_up"] = s.admin_state_up;
  j["status"] = "ACTIVE";
  j["description"] = s.description;
  j["routes"] = nlohmann::json::array();
  for (const auto& r : s.routes)
    j["routes"].push_back({{"destination", r.destination}, {"nexthop", r.nexthop}});
  if (s.gateway) {
    j["external_gateway_info"] = {
        {"network_id", s.gateway->network_id},
        {"enable_snat", s.gateway->enable_snat},
        {"external_fixed_ips", fixed_ips_json(s.gateway->external_fixed_ips)}};
    j["gateway_port_id"] = s.gateway->port_id;
  } else {
    j["external_gateway_info"] = nullptr;
    j["gateway_port_id"] = nullptr;
  }
  j["interfaces"] = nlohmann::json::array();
  for (const auto& i : s.interfaces)
    j["interfaces"].push_back(
        {{"port_id", i.port_id}, {"subnet_id", i.subnet_id}, {"network_id", i.network_id}});
  j["tags"] = s.tags;
}

}  // namespace cumulo
