// Which of Keystone's rules decides a request to the identity service, and
// the target the rule reads: the ids the request names (Keystone's
// enforce_call builds its target from the URL the same way, before it reads
// anything). The identity actor asks this for every request that carries
// its caller; the routes never decide.
#pragma once

#include <optional>
#include <string>

#include "engine/domain_state.hpp"
#include "engine/error.hpp"
#include "engine/group_state.hpp"
#include "engine/policy.hpp"
#include "engine/project_state.hpp"
#include "engine/region_state.hpp"
#include "engine/service_state.hpp"
#include "engine/role_state.hpp"
#include "engine/user_state.hpp"

namespace cumulo {

struct identity_rule {
  std::string name;  // "identity:create_user"
  target on;
};

// project_id: the project's id; grants: the project and the granted user.
identity_rule rule_for(const std::string& project_id, const project::command& c);
// A password set through PATCH (change_password without the original) is
// an update_user; a token's revocation is revoke_token.
identity_rule rule_for(const std::string& user_id, const user::command& c);
identity_rule rule_for(const std::string& role_id, const role::command& c);
identity_rule rule_for(const std::string& domain_id, const domain::command& c);
identity_rule rule_for(const std::string& region_id, const region::command& c);
// A service's endpoint commands are create_/update_/delete_endpoint.
identity_rule rule_for(const std::string& service_id, const service::command& c);
// A group's members are add_user_to_group/remove_user_from_group (target:
// the user), its roles create_grant/revoke_grant (target: the project).
identity_rule rule_for(const std::string& group_id, const group::command& c);

// Nothing when `rules` allows the caller; Keystone's 403 otherwise ("You
// are not authorized to perform the requested action: identity:...").
std::optional<domain_error> keystone_refusal(const policy& rules, const identity_rule& r,
                                             const credentials& caller);

}  // namespace cumulo
