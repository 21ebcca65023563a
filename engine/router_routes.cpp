#include "engine/router_routes.hpp"

#include <tuple>

#include <algorithm>
#include <set>
#include <utility>

#include "engine/ipam.hpp"

namespace cumulo::router {
namespace {

std::string route_repr(const network::host_route& r) {
  return "{'destination': '" + r.destination + "', 'nexthop': '" + r.nexthop + "'}";
}

bool same_route(const network::host_route& a, const network::host_route& b) {
  return a.destination == b.destination && a.nexthop == b.nexthop;
}

bool has_route(const std::vector<network::host_route>& routes, const network::host_route& r) {
  return std::any_of(routes.begin(), routes.end(),
                     [&](const network::host_route& x) { return same_route(x, r); });
}

// A destination as neutron-lib's validate_route_cidr reads one: a network
// address with its prefix (an address alone, or one with host bits, gets
// the CIDR it probably meant as a hint), and not a loopback one.
outcome<ipam::cidr> destination_of(const std::string& text) {
  const auto slash = text.find('/');
  const auto address = ipam::parse_address(text.substr(0, slash));
  const auto net = slash == std::string::npos && address
                       ? std::optional<ipam::cidr>(
                             ipam::network_of(*address, ipam::max_prefix(address->version)))
                       : ipam::parse_cidr(text);
  if (!address || !net) return invalid_routes_input("'" + text + "' is not a valid CIDR");
  if (slash == std::string::npos || net->network != *address)
    return invalid_routes_input("'" + text + "' is not a recognized CIDR, '" +
                                ipam::to_string(*net) + "' is recommended");
  const auto loopback =
      net->network.version == 4 ? ipam::parse_cidr("127.0.0.0/8") : ipam::parse_cidr("::1/128");
  if (loopback->prefix <= net->prefix && ipam::contains(*loopback, net->network))
    return invalid_routes_input("'" + text + "' is not a routable CIDR");
  return *net;
}

}  // namespace

domain_error invalid_routes_input(const std::string& reason) {
  return make_neutron_error(errc::bad_request, "InvalidInput",
                            "Invalid input for routes. Reason: " + reason + ".");
}

outcome<std::vector<network::host_route>> canonical_routes(
    const std::vector<network::host_route>& routes, bool unique) {
  std::vector<network::host_route> out;
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& r : routes) {
    const auto destination = destination_of(r.destination);
    if (!destination) return destination.error();
    const auto nexthop = ipam::parse_address(r.nexthop);
    if (!nexthop) return invalid_routes_input("'" + r.nexthop + "' is not a valid IP address");
    network::host_route canonical{ipam::to_string(destination.value()), ipam::to_string(*nexthop)};
    if (!seen.insert({canonical.destination, canonical.nexthop}).second) {
      if (unique)
        return invalid_routes_input("Duplicate hostroute '" + route_repr(canonical) + "'");
      continue;
    }
    out.push_back(std::move(canonical));
  }
  return out;
}

std::vector<network::host_route> with_routes(std::vector<network::host_route> routes,
                                             const std::vector<network::host_route>& more) {
  for (const auto& r : more)
    if (!has_route(routes, r)) routes.push_back(r);
  return routes;
}

std::vector<network::host_route> without_routes(const std::vector<network::host_route>& routes,
                                                const std::vector<network::host_route>& less) {
  std::vector<network::host_route> out;
  for (const auto& r : routes)
    if (!has_route(less, r)) out.push_back(r);
  return out;
}

bool same_routes(const std::vector<network::host_route>& a,
                 const std::vector<network::host_route>& b) {
  // Neutron keeps no order: the same routes in another order are no change.
  auto sorted = [](std::vector<network::host_route> v) {
    std::sort(v.begin(), v.end(), [](const auto& x, const auto& y) {
      return std::tie(x.destination, x.nexthop) < std::tie(y.destination, y.nexthop);
    });
    return v;
  };
  const auto x = sorted(a), y = sorted(b);
  return std::equal(x.begin(), x.end(), y.begin(), y.end(), same_route);
}

std::optional<domain_error> check_routes(const router_state& s,
                                         const std::vector<network::host_route>& routes,
                                         const std::vector<link>& links) {
  if (routes.size() > max_routes)
    return make_neutron_error(errc::bad_request, "RoutesExhausted",
                              "Unable to complete operation for " + s.id +
                                  ". The number of routes exceeds the maximum " +
                                  std::to_string(max_routes) + ".");
  // Only the links of ports the router has: the router actor decides with
  // its own interfaces, so a route and the removal of the interface it
  // needs can't both pass.
  std::vector<ipam::cidr> subnets;
  std::set<ipam::address> addresses;
  for (const auto& l : links) {
    if (!s.has_port(l.port_id)) continue;
    if (auto c = ipam::parse_cidr(l.cidr)) subnets.push_back(*c);
    if (auto a = ipam::parse_address(l.ip_address)) addresses.insert(*a);
  }
  for (const auto& r : routes) {
    const auto nexthop = ipam::parse_address(r.nexthop);
    const bool connected =
        nexthop && std::any_of(subnets.begin(), subnets.end(),
                               [&](const ipam::cidr& c) { return ipam::contains(c, *nexthop); });
    if (!connected)
      return make_neutron_error(errc::bad_request, "InvalidRoutes",
                                "Invalid format for routes: " + routes_repr(routes) +
                                    ", the nexthop is not connected with router");
    if (addresses.count(*nexthop))
      return make_neutron_error(
          errc::bad_request, "InvalidRoutes",
          "Invalid format for routes: " + routes_repr(routes) + ", the nexthop is used by router");
  }
  return std::nullopt;
}

std::string routes_repr(const std::vector<network::host_route>& routes) {
  std::string out = "[";
  for (std::size_t i = 0; i < routes.size(); ++i) {
    if (i > 0) out += ", ";
    out += route_repr(routes[i]);
  }
  return out + "]";
}

}  // namespace cumulo::router
