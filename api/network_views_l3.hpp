// The JSON bodies of Neutron's L3 and security resources (security groups
// and their rules, routers, floating IPs) as the SDK and OSC read them
// (../shared/reference/openstack-api-surface.md §4). Filters and `fields=`
// are network_views.hpp's list_query.
#pragma once

#include <nlohmann/json.hpp>

#include "engine/floatingip_state.hpp"
#include "engine/router_state.hpp"
#include "engine/security_group_state.hpp"

namespace cumulo::api {

// A group with its rules (each as security_group_rule_json).
nlohmann::json security_group_json(const security_group_state& s);
// security_group::rule_json with the standard attributes Neutron adds (a
// rule has no stream of its own: it shares its group's times).
nlohmann::json security_group_rule_json(const security_group_state& s,
                                        const security_group::rule& r);
nlohmann::json router_json(const router_state& s);
nlohmann::json floatingip_json(const floatingip_state& s);

}  // namespace cumulo::api
