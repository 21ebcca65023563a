// The JSON bodies of Neutron's subnet pools and address scopes as the SDK
// and OSC read them. Filters and `fields=` are network_views.hpp's.
#pragma once

#include <nlohmann/json.hpp>

#include "engine/address_scope_state.hpp"
#include "engine/subnetpool_state.hpp"

namespace cumulo::api {

// A subnet pool has Neutron's standard attributes (tags, revision_number,
// times); an address scope has none of them.
nlohmann::json subnetpool_json(const subnetpool_state& s);
nlohmann::json address_scope_json(const address_scope_state& s);

}  // namespace cumulo::api
