// The policy engine every service shares: named rules in oslo.policy's
// small language, checked against the caller's credentials (from its token)
// and the target of the request.
//
//   "@"                          always      "!"                     never
//   "role:admin"                 the caller holds the role (any case)
//   "rule:admin_required"        another named rule
//   "project_id:%(project_id)s"  a credential attribute equals a target field
//   "user_id:u1"                 ... or a literal
//   "field:networks:shared=True" a target field has a value (oslo's FieldCheck;
//                                the field is "networks:shared" here)
//   and / or / not, parentheses; "" is the same as "@".
//
// Credential attributes: user_id, project_id (also as tenant_id, Neutron's
// name), system_scope ("all" when the token is system-scoped). Target
// fields: project_id (also tenant_id), user_id, and any the target names in
// `fields` (Neutron's "network:tenant_id", "networks:shared"). An empty
// value never matches anything (an unscoped token's project_id is no
// project).
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>

namespace cumulo {

struct credentials {
  std::string user_id;
  std::string project_id;  // empty: unscoped
  std::set<std::string> roles;
  bool system_scope = false;
  // The token came from this application credential ("": from a password or
  // a token): Keystone lets a restricted one manage no application
  // credentials.
  std::string application_credential_id;
};

// The fields of the resource a request acts on that a rule may compare.
struct target {
  std::string project_id;
  std::string user_id;
  std::map<std::string, std::string> fields;  // more, by name; booleans "True"/"False"
};

class policy {
 public:
  // Throws std::invalid_argument naming the rule when one doesn't parse, or
  // when rules refer to each other in a cycle.
  explicit policy(std::map<std::string, std::string> rules);
  ~policy();
  policy(policy&&) noexcept;
  policy& operator=(policy&&) noexcept;

  // Whether the rule allows it; an unknown rule name is denied.
  bool allowed(const std::string& rule_name, const credentials& creds, const target& t) const;
  bool has_rule(const std::string& rule_name) const;
  const std::map<std::string, std::string>& rules() const { return text_; }

  struct node;

 private:
  std::map<std::string, std::string> text_;
  std::map<std::string, std::shared_ptr<const node>> parsed_;
};

// OpenStack's defaults for the rules cumulo enforces (Keystone's
// identity:..., Nova's os_compute_api:..., Glance's, Neutron's get_network,
// update_port:fixed_ips, ...), in the simplified target fields above.
const std::map<std::string, std::string>& default_rules();

// The 403 messages of each service.
std::string keystone_forbidden_message(const std::string& rule);  // "You are not authorized..."
std::string nova_forbidden_message(const std::string& rule);      // "Policy doesn't allow ..."

}  // namespace cumulo
