// A router's extra routes (Neutron's extraroute and extraroute-atomic),
// pure: the routes a request gives read into canonical text, the lists
// that adding and removing make, and Neutron's checks of a router's whole
// list against the addresses it has. engine/router_state.cpp decides with
// them; the networking door gives the links (the router's addresses).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "engine/router_state.hpp"

namespace cumulo::router {

// How neutron-lib words a routes attribute that does not validate: 400
// InvalidInput "Invalid input for routes. Reason: <reason>."
domain_error invalid_routes_input(const std::string& reason);

// The routes with each destination and nexthop in canonical text (IPv6
// lower case and compressed), or Neutron's 400 InvalidInput for the first
// whose destination is not a routable network CIDR or whose nexthop is not
// an address. A route given twice is refused when `unique` (a list that
// replaces the routes), kept once otherwise (what is added or removed).
outcome<std::vector<network::host_route>> canonical_routes(
    const std::vector<network::host_route>& routes, bool unique);

// `routes`, then those of `more` that are not among them.
std::vector<network::host_route> with_routes(std::vector<network::host_route> routes,
                                             const std::vector<network::host_route>& more);
// `routes` without those of `less`.
std::vector<network::host_route> without_routes(const std::vector<network::host_route>& routes,
                                                const std::vector<network::host_route>& less);
bool same_routes(const std::vector<network::host_route>& a,
                 const std::vector<network::host_route>& b);

// Neutron's checks of the whole list a router would have: at most
// max_routes (400 RoutesExhausted), each nexthop on a subnet of one of the
// router's links and none of its addresses (400 InvalidRoutes). Links of
// ports the router does not have (any more) count for nothing.
std::optional<domain_error> check_routes(const router_state& s,
                                         const std::vector<network::host_route>& routes,
                                         const std::vector<link>& links);

// The list as Neutron's messages print it (Python's repr of its dicts):
// [{'destination': '10.1.0.0/24', 'nexthop': '10.0.0.5'}].
std::string routes_repr(const std::vector<network::host_route>& routes);

}  // namespace cumulo::router
