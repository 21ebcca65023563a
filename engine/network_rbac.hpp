// Neutron's RBAC policies on a network (object_type "network"), pure: who
// else may use it. access_as_shared to a project lets it see the network
// and make ports on it; access_as_external lets it use the network as an
// external one (a router's gateway, floating IPs). A target "*" is every
// project: `shared: true` is the "*" sharing policy, and a network with any
// external policy is router:external. The network's machine
// (engine/network_state.cpp) decides with these rules.
#pragma once

#include <optional>
#include <string>

#include "engine/error.hpp"
#include "engine/network_state.hpp"

namespace cumulo::network_rbac {

inline constexpr const char* access_as_shared = "access_as_shared";
inline constexpr const char* access_as_external = "access_as_external";
inline constexpr const char* every_project = "*";

// The id of a "*" policy that a log written before RBAC policies implies (a
// network created or updated shared or external then): the same on every fold.
std::string implied_policy_id(const std::string& network_id, const std::string& action);

// 400 InvalidActionForType for an action a network has not.
std::optional<domain_error> check_action(const std::string& action);
// 400 for an empty target or one over 255 characters.
std::optional<domain_error> check_target(const std::string& target);
// 409 DuplicateRbacPolicy when another policy (not `except_id`) has this
// action and target.
std::optional<domain_error> check_unique(const network_state& s, const std::string& action,
                                         const std::string& target, const std::string& except_id);

// The projects that have ports on the network and would lose their access
// if `losing` ("*": every project) were no longer a target of access_as_shared
// (policy `except_id` put aside): the network's owner never loses it, and a
// project another sharing policy names keeps it. Neutron's check before a
// sharing policy goes or changes its target: the message names the network.
std::optional<std::string> sharing_in_use(const network_state& s, const std::string& losing,
                                          const std::string& except_id);

// Neutron's 409 RbacPolicyInUse, with the reason in its details.
domain_error policy_in_use(const std::string& network_id, const std::string& details);
// Neutron's 404 RbacPolicyNotFound.
domain_error policy_not_found(const std::string& policy_id);

// shared and external as the policies say (after each change of them).
void settle_flags(network_state& s);

}  // namespace cumulo::network_rbac
