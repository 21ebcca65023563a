#include "api/network_router_routes.hpp"

#include <string>

#include "api/json_body.hpp"
#include "api/network_port_attributes.hpp"
#include "engine/router_routes.hpp"

namespace cumulo::api {

outcome<std::vector<network::host_route>> routes_of(const nlohmann::json& routes) {
  std::vector<network::host_route> out;
  if (routes.is_null()) return out;
  if (!routes.is_array())
    return router::invalid_routes_input("Invalid data format for hostroute: '" +
                                        shown(routes.dump()) + "'");
  for (const auto& r : routes) {
    if (!r.is_object())
      return router::invalid_routes_input(
          "Invalid input. '" + shown(r.dump()) +
          "' must be a dictionary with keys: ['destination', 'nexthop']");
    if (r.size() != 2 || !r.contains("destination") || !r.contains("nexthop"))
      return router::invalid_routes_input(
          "Validation of dictionary's keys failed. Expected keys: {'destination', 'nexthop'} "
          "Provided keys: " +
          shown(key_set(r)));
    // neutron-lib's validators: a destination that is no text is no
    // CIDR, a nexthop no address.
    const auto& destination = r["destination"];
    const auto& nexthop = r["nexthop"];
    if (!destination.is_string())
      return router::invalid_routes_input("'" + shown(destination.dump()) +
                                          "' is not a valid CIDR");
    if (!nexthop.is_string())
      return router::invalid_routes_input("'" + shown(nexthop.dump()) +
                                          "' is not a valid IP address");
    out.push_back({destination.get<std::string>(), nexthop.get<std::string>()});
  }
  return out;
}

}  // namespace cumulo::api
