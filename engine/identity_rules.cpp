#include "engine/identity_rules.hpp"

namespace cumulo {

identity_rule rule_for(const std::string& project_id, const project::command& c) {
  if (std::holds_alternative<project::create>(c)) return {"identity:create_project", {}};
  if (std::holds_alternative<project::update>(c)) return {"identity:update_project", {project_id}};
  if (std::holds_alternative<project::remove>(c)) return {"identity:delete_project", {project_id}};
  if (const auto* g = std::get_if<project::grant_role>(&c))
    return {"identity:create_grant", {project_id, g->user_id}};
  const auto& r = std::get<project::revoke_role>(c);
  return {"identity:revoke_grant", {project_id, r.user_id}};
}

identity_rule rule_for(const std::string& user_id, const user::command& c) {
  const target own{"", user_id};
  if (std::holds_alternative<user::create>(c)) return {"identity:create_user", {}};
  if (std::holds_alternative<user::remove>(c)) return {"identity:delete_user", own};
  if (std::holds_alternative<user::revoke_token>(c)) return {"identity:revoke_token", own};
  if (std::holds_alternative<user::create_application_credential>(c))
    return {"identity:create_application_credential", own};
  if (std::holds_alternative<user::delete_application_credential>(c))
    return {"identity:delete_application_credential", own};
  return {"identity:update_user", own};  // update, or a password set without the original
}

identity_rule rule_for(const std::string&, const role::command& c) {
  if (std::holds_alternative<role::create>(c)) return {"identity:create_role", {}};
  if (std::holds_alternative<role::update>(c)) return {"identity:update_role", {}};
  return {"identity:delete_role", {}};
}

identity_rule rule_for(const std::string&, const domain::command& c) {
  if (std::holds_alternative<domain::create>(c)) return {"identity:create_domain", {}};
  if (std::holds_alternative<domain::update>(c)) return {"identity:update_domain", {}};
  return {"identity:delete_domain", {}};
}

identity_rule rule_for(const std::string&, const region::command& c) {
  if (std::holds_alternative<region::create>(c)) return {"identity:create_region", {}};
  if (std::holds_alternative<region::update>(c)) return {"identity:update_region", {}};
  return {"identity:delete_region", {}};
}

identity_rule rule_for(const std::string&, const service::command& c) {
  if (std::holds_alternative<service::create>(c)) return {"identity:create_service", {}};
  if (std::holds_alternative<service::update>(c)) return {"identity:update_service", {}};
  if (std::holds_alternative<service::remove>(c)) return {"identity:delete_service", {}};
  if (std::holds_alternative<service::create_endpoint>(c)) return {"identity:create_endpoint", {}};
  if (std::holds_alternative<service::update_endpoint>(c)) return {"identity:update_endpoint", {}};
  return {"identity:delete_endpoint", {}};
}

identity_rule rule_for(const std::string&, const group::command& c) {
  if (std::holds_alternative<group::create>(c)) return {"identity:create_group", {}};
  if (std::holds_alternative<group::update>(c)) return {"identity:update_group", {}};
  if (std::holds_alternative<group::remove>(c)) return {"identity:delete_group", {}};
  if (const auto* m = std::get_if<group::add_member>(&c))
    return {"identity:add_user_to_group", {"", m->user_id}};
  if (const auto* m = std::get_if<group::remove_member>(&c))
    return {"identity:remove_user_from_group", {"", m->user_id}};
  if (const auto* g = std::get_if<group::grant_role>(&c))
    return {"identity:create_grant", {g->project_id}};
  if (const auto* r = std::get_if<group::revoke_role>(&c))
    return {"identity:revoke_grant", {r->project_id}};
  // Only the identity actor drops a deleted project's assignments.
  return {"identity:delete_project", {std::get<group::drop_project>(c).project_id}};
}

std::optional<domain_error> keystone_refusal(const policy& rules, const identity_rule& r,
                                             const credentials& caller) {
  if (rules.allowed(r.name, caller, r.on)) return std::nullopt;
  return make_domain_error(errc::forbidden, keystone_forbidden_message(r.name));
}

}  // namespace cumulo
