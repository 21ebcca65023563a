// A router body's extra routes (extraroute: PUT /routers/{id} "routes";
// extraroute-atomic: add_extraroutes and remove_extraroutes) as the API
// reads them, once the JSON Schema has bounded their size: the shape the
// schema leaves open is refused here in neutron-lib's words (a route that
// is not {"destination", "nexthop"}). Their values are the router's
// machine's to judge (engine/router_routes.hpp). No Pistache: fuzzed with
// the bodies (tests/fuzz/json_body_fuzz.cpp).
#pragma once

#include <nlohmann/json.hpp>

#include <vector>

#include "engine/error.hpp"
#include "engine/network_state.hpp"

namespace cumulo::api {

// [{"destination": "10.1.0.0/24", "nexthop": "10.0.0.5"}, ...]; null is
// none (Neutron's convert_none_to_empty_list).
outcome<std::vector<network::host_route>> routes_of(const nlohmann::json& routes);

}  // namespace cumulo::api
