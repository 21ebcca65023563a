// A router (Neutron): its external gateway and its interfaces on subnets:
// its events, commands and the pure state machine. The ports themselves
// live on their networks (network_state): the caller creates and deletes
// them, the router records which it holds.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "engine/codec.hpp"
#include <nlohmann/json.hpp>

#include "engine/network_state.hpp"
#include "engine/resource.hpp"
#include "engine/tagging.hpp"

namespace cumulo {

// --- events (schema in schemas/events/router.json) ---
struct router_created {
  static constexpr const char* type_name = "router.created";
  static constexpr int schema_version = 1;
  std::string name;
  std::string project_id;
  bool admin_state_up = true;
  std::string description;
  MSGPACK_DEFINE_MAP(name, project_id, admin_state_up, description)
};

struct router_updated {
  static constexpr const char* type_name = "router.updated";
  static constexpr int schema_version = 1;
  std::optional<std::string> name;
  std::optional<bool> admin_state_up;
  std::optional<std::string> description;
  MSGPACK_DEFINE_MAP(name, admin_state_up, description)
};

// Sets or replaces the external gateway.
struct router_gateway_set {
  static constexpr const char* type_name = "router.gateway_set";
  static constexpr int schema_version = 1;
  std::string network_id;
  std::string port_id;
  std::vector<network::fixed_ip> external_fixed_ips;
  bool enable_snat = true;
  MSGPACK_DEFINE_MAP(network_id, port_id, external_fixed_ips, enable_snat)
};

struct router_gateway_cleared {
  static constexpr const char* type_name = "router.gateway_cleared";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

struct router_interface_added {
  static constexpr const char* type_name = "router.interface_added";
  static constexpr int schema_version = 1;
  std::string port_id;
  std::string subnet_id;
  std::string network_id;
  MSGPACK_DEFINE_MAP(port_id, subnet_id, network_id)
};

struct router_interface_removed {
  static constexpr const char* type_name = "router.interface_removed";
  static constexpr int schema_version = 1;
  std::string port_id;
  MSGPACK_DEFINE_MAP(port_id)
};

struct router_deleted {
  static constexpr const char* type_name = "router.deleted";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

// The router's tags after a change (standard-attr-tag), sorted.
struct router_tags_set {
  static constexpr const char* type_name = "router.tags_set";
  static constexpr int schema_version = 1;
  std::vector<std::string> tags;
  MSGPACK_DEFINE_MAP(tags)
};

// The router's extra routes after a change (extraroute): the whole list,
// each destination and nexthop in canonical text.
struct router_routes_set {
  static constexpr const char* type_name = "router.routes_set";
  static constexpr int schema_version = 1;
  std::vector<network::host_route> routes;
  MSGPACK_DEFINE_MAP(routes)
};

using router_event =
    std::variant<router_created, router_updated, router_gateway_set, router_gateway_cleared,
                 router_interface_added, router_interface_removed, router_deleted, router_tags_set,
                 router_routes_set>;

// --- state ---
namespace router {
struct gateway {
  std::string network_id;
  std::string port_id;
  std::vector<network::fixed_ip> external_fixed_ips;
  bool enable_snat = true;
};
struct interface {
  std::string port_id;
  std::string subnet_id;
  std::string network_id;
};
}  // namespace router

struct router_state : resource_meta {
  std::string name;
  std::string project_id;
  bool admin_state_up = true;
  std::string description;
  std::optional<router::gateway> gateway;     // nullopt: none
  std::vector<router::interface> interfaces;  // in the order they were added
  std::vector<std::string> tags;              // sorted
  std::vector<network::host_route> routes;    // extraroute, in the order they were set

  bool has_interfaces() const { return !interfaces.empty(); }
  const router::interface* find_interface_by_port(const std::string& port_id) const;
  const router::interface* find_interface_by_subnet(const std::string& subnet_id) const;
  // An interface or the gateway has an address on the subnet: Neutron gives a
  // router one port per subnet, the gateway's included.
  bool has_port_on_subnet(const std::string& subnet_id) const;
  // Whether port_id is one of the router's: an interface's or the gateway's.
  bool has_port(const std::string& port_id) const;
  // The first extra route whose nexthop is on `cidr` (nullptr: none).
  const network::host_route* route_via(const std::string& cidr) const;
};

// Neutron's router fields (status "ACTIVE", external_gateway_info null or
// {network_id, enable_snat, external_fixed_ips}, routes), the meta
// fields, gateway_port_id (null when none) and interfaces.
void to_json(nlohmann::json& j, const router_state& s);

// --- commands ---
namespace router {
struct create {
  std::string name;
  std::string project_id;
  bool admin_state_up = true;
  std::string description;
  std::vector<std::string> tags;  // recorded after the create
};
struct update {
  std::optional<std::string> name;
  std::optional<bool> admin_state_up;
  std::optional<std::string> description;
};
// The caller made the gateway port on the external network. Replaces a
// gateway there is (the caller deletes its port); the same gateway again
// records nothing.
struct set_gateway {
  std::string network_id;
  std::string port_id;
  std::vector<network::fixed_ip> external_fixed_ips;
  bool enable_snat = true;
};
// Nothing to record when there is no gateway.
struct clear_gateway {};
// The caller made the port on the subnet.
struct add_interface {
  std::string port_id;
  std::string subnet_id;
  std::string network_id;
};
// An address the router has on a subnet, as the caller knows the router's
// ports (extraroute): a route's nexthop must be on one of these subnets and
// be none of these addresses. A link whose port the router no longer has
// is ignored, so a route never outlives the interface it goes through.
struct link {
  std::string port_id;
  std::string subnet_id;
  std::string cidr;
  std::string ip_address;
};
// By port_id, by subnet_id, or both (they must then match). An extra route
// whose nexthop is on a subnet of the interface's port (as `links` give
// them) keeps the interface (409 RouterInterfaceInUseByRoute).
struct remove_interface {
  std::string port_id;
  std::string subnet_id;
  std::vector<link> links;
};
// Refused while the router has interfaces; a gateway goes with it (the
// caller deletes its port).
struct remove {};
struct set_tags {
  tagging::change change;
};

// Extra routes (extraroute, extraroute-atomic). Neutron's max_routes.
constexpr std::size_t max_routes = 30;
// Replaces the routes (PUT routes; none clears them): each destination a
// CIDR, each nexthop an address, none twice (400 InvalidInput), at most
// max_routes (400 RoutesExhausted), each nexthop on a link (400
// InvalidRoutes). The same routes again record nothing.
struct set_routes {
  std::vector<network::host_route> routes;
  std::vector<link> links;
};
// Adds routes to those the router has (add_extraroutes): one already
// there, or given twice, is one route; the whole list is then checked as
// set_routes checks it.
struct add_routes {
  std::vector<network::host_route> routes;
  std::vector<link> links;
};
// Removes routes (remove_extraroutes): one the router does not have is no
// error; the routes left are checked as set_routes checks them.
struct remove_routes {
  std::vector<network::host_route> routes;
  std::vector<link> links;
};
using command =
    std::variant<create, update, set_gateway, clear_gateway, add_interface, remove_interface,
                 remove, set_tags, set_routes, add_routes, remove_routes>;
}  // namespace router

struct router_machine {
  static constexpr const char* kind = "router";
  using state = router_state;
  using event = router_event;
  using command = router::command;
  static decision<event> decide(const state& s, const command& c);
  static state apply(state s, const event& e);
};

}  // namespace cumulo
