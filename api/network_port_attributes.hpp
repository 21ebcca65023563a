// A port body's allowed_address_pairs and extra_dhcp_opts as the API reads
// them, once the JSON Schema has bounded their shape: what the schema can't
// say is refused here in Neutron's words (a pair without ip_address, an
// option without opt_value). Their values are the network's machine's to
// judge (engine/port_attributes.hpp). No Pistache: fuzzed with the bodies
// (tests/fuzz/json_body_fuzz.cpp).
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "engine/error.hpp"
#include "engine/network_state.hpp"

namespace cumulo::api {

// [{"ip_address": "10.0.0.5", "mac_address": "..."}, ...]; a missing MAC is "".
outcome<std::vector<network::address_pair>> address_pairs_of(const nlohmann::json& list);
// [{"opt_name": "...", "opt_value": "..." or null, "ip_version": 4 or "4"}, ...].
outcome<std::vector<network::dhcp_option_request>> dhcp_options_of(const nlohmann::json& list);

// "{'opt_name', 'opt_value'}": an object's keys as Neutron prints a set of them.
std::string key_set(const nlohmann::json& object);

}  // namespace cumulo::api
