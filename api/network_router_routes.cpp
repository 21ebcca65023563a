#include "api/network_router_routes.hpp"

#include <string>

#include "api/json_body.hpp"

namespace cumulo::api {
namespace {

domain_error invalid(const std::string& reason) {
  return make_neutron_error(errc::bad_request, "InvalidInput",
                            "Invalid input for routes. Reason: " + reason + ".");
}

// "{'destination', 'nexthop'}": a set of keys as Neutron prints one.
std::string key_set(const nlohmann::json& object) {
  std::string out;
  for (auto it = object.begin(); it != object.end(); ++it)
    out += (out.empty() ? "'" : ", '") + it.key() + "'";
  return "{" + out + "}";
}

}  // namespace

outcome<std::vector<network::host_route>> routes_of(const nlohmann::json& routes) {
  std::vector<network::host_route> out;
  if (routes.is_null()) return out;
  if (!routes.is_array())
    return invalid("Invalid data format for hostroute: '" + shown(routes.dump()) + "'");
  for (const auto& r : routes) {
    if (!r.is_object())
      return invalid("Invalid input. '" + shown(r.dump()) +
                     "' must be a dictionary with keys: ['destination', 'nexthop']");
    if (r.size() != 2 || !r.contains("destination") || !r.contains("nexthop"))
      return invalid(
          "Validation of dictionary's keys failed. Expected keys: {'destination', 'nexthop'} "
          "Provided keys: " +
          shown(key_set(r)));
    // neutron-lib's validators: a destination that is no text is no
    // subnet, a nexthop no address.
    const auto& destination = r["destination"];
    const auto& nexthop = r["nexthop"];
    if (!destination.is_string())
      return invalid("'" + shown(destination.dump()) + "' is not a valid IP subnet");
    if (!nexthop.is_string())
      return invalid("'" + shown(nexthop.dump()) + "' is not a valid IP address");
    out.push_back({destination.get<std::string>(), nexthop.get<std::string>()});
  }
  return out;
}

}  // namespace cumulo::api
