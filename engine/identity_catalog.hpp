// The catalog cumulo offers itself: region RegionOne and one service per API
// it serves (identity, compute, image, network, and block storage under its
// two types, block-storage and volumev3), each with a public, an
// internal and an admin endpoint whose URL starts with "{base}": the address
// the client used, filled in per request (tests run on ephemeral ports, and
// a data dir may be served on another address after a restart). These are
// built in: they have no stream and can't be changed or deleted. Services,
// endpoints and regions that clients create are stored (engine/service_state,
// engine/region_state) and join the catalog beside them.
#pragma once

#include <string>
#include <vector>

#include "engine/region_state.hpp"
#include "engine/service_state.hpp"

namespace cumulo {

inline constexpr const char* builtin_region_id = "RegionOne";

const std::vector<service_state>& builtin_services();
const region_state& builtin_region();
bool is_builtin_service(const std::string& id);

// An endpoint and the service it belongs to (GET /v3/endpoints).
struct catalog_endpoint {
  std::string service_id;
  endpoint ep;
};

// `url` with a leading "{base}" replaced by base_url (a stored URL is as
// given).
std::string endpoint_url(const std::string& url, const std::string& base_url);

}  // namespace cumulo
