#include "engine/network_rbac.hpp"

#include <algorithm>

#include "engine/ids.hpp"

namespace cumulo::network_rbac {

std::string implied_policy_id(const std::string& network_id, const std::string& action) {
  return name_based_uuid("cumulo:network/" + network_id + "/rbac/" + action + "/*");
}

std::optional<domain_error> check_action(const std::string& action) {
  if (action == access_as_shared || action == access_as_external) return std::nullopt;
  return make_neutron_error(errc::bad_request, "InvalidActionForType",
                            "Invalid action '" + action +
                                "' for object type 'network'. Valid actions: "
                                "('access_as_external', 'access_as_shared')");
}

std::optional<domain_error> check_target(const std::string& target) {
  if (target.empty())
    return make_neutron_error(errc::bad_request, "InvalidInput",
                              "Invalid input for target_tenant. Reason: a target project (or "
                              "'*') is required.");
  if (target.size() > 255)
    return make_neutron_error(
        errc::bad_request, "InvalidInput",
        "Invalid input for target_tenant. Reason: '" + target + "' exceeds maximum length of 255.");
  return std::nullopt;
}

std::optional<domain_error> check_unique(const network_state& s, const std::string& action,
                                         const std::string& target, const std::string& except_id) {
  for (const auto& p : s.rbac_policies)
    if (p.id != except_id && p.action == action && p.target_project == target)
      return make_neutron_error(errc::conflict, "DuplicateRbacPolicy",
                                "An RBAC policy already exists with those values.");
  return std::nullopt;
}

std::optional<std::string> sharing_in_use(const network_state& s, const std::string& losing,
                                          const std::string& except_id) {
  if (losing == s.project_id) return std::nullopt;  // sharing with oneself gives nothing
  auto keeps_access = [&](const std::string& project) {
    // The cloud's own ports (a router's gateway, a floating IP's) belong to
    // no project and depend on no sharing.
    if (project.empty() || project == s.project_id) return true;
    return std::any_of(s.rbac_policies.begin(), s.rbac_policies.end(), [&](const auto& p) {
      return p.id != except_id && p.action == access_as_shared &&
             (p.target_project == every_project || p.target_project == project);
    });
  };
  for (const auto& [id, port] : s.ports) {
    if (losing != every_project && port.project_id != losing) continue;
    if (!keeps_access(port.project_id))
      return "Unable to reconfigure sharing settings for network " + s.id +
             ". Multiple tenants are using it.";
  }
  return std::nullopt;
}

domain_error policy_in_use(const std::string& network_id, const std::string& details) {
  return make_neutron_error(errc::conflict, "RbacPolicyInUse",
                            "RBAC policy on object " + network_id +
                                " cannot be removed because other objects depend on it.\n"
                                "Details: " +
                                details);
}

domain_error policy_not_found(const std::string& policy_id) {
  return make_neutron_error(errc::not_found, "RbacPolicyNotFound",
                            "RBAC policy of type network with ID " + policy_id + " not found");
}

void settle_flags(network_state& s) {
  s.shared = false;
  s.external = false;
  for (const auto& p : s.rbac_policies) {
    if (p.action == access_as_shared && p.target_project == every_project) s.shared = true;
    if (p.action == access_as_external) s.external = true;
  }
}

}  // namespace cumulo::network_rbac
