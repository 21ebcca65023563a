#include "engine/policy.hpp"

#include <algorithm>
#include <cctype>
#include <functional>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

namespace cumulo {

struct policy::node {
  enum class op { always, never, role, rule, generic, field, all_of, any_of, negate };
  op kind = op::always;
  std::string left;   // role name, rule name, or credential attribute
  std::string right;  // generic: a literal, or the target field of %(field)s
  bool right_is_field = false;
  std::vector<std::shared_ptr<const node>> children;
};

namespace {

using node = policy::node;
using node_ptr = std::shared_ptr<const node>;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

struct lexeme {
  enum class type { open, close, and_, or_, not_, check };
  type t;
  std::string text;
};

// oslo.policy's tokenizer: words split on whitespace, with leading '(' and
// trailing ')' split off (so "%(project_id)s" stays whole).
std::vector<lexeme> tokenize(const std::string& rule) {
  std::vector<lexeme> out;
  std::size_t i = 0;
  while (i < rule.size()) {
    if (std::isspace(static_cast<unsigned char>(rule[i]))) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < rule.size() && !std::isspace(static_cast<unsigned char>(rule[j]))) ++j;
    std::string word = rule.substr(i, j - i);
    i = j;
    std::size_t lead = 0;
    while (lead < word.size() && word[lead] == '(') {
      out.push_back({lexeme::type::open, "("});
      ++lead;
    }
    word.erase(0, lead);
    std::size_t trail = 0;
    // Count trailing ')' that close groups: a "%(x)s" ends in 's', so any
    // ')' at the very end closes a group.
    while (trail < word.size() && word[word.size() - 1 - trail] == ')') ++trail;
    word.resize(word.size() - trail);
    if (!word.empty()) {
      const std::string l = lower(word);
      if (l == "and")
        out.push_back({lexeme::type::and_, l});
      else if (l == "or")
        out.push_back({lexeme::type::or_, l});
      else if (l == "not")
        out.push_back({lexeme::type::not_, l});
      else
        out.push_back({lexeme::type::check, word});
    }
    for (std::size_t k = 0; k < trail; ++k) out.push_back({lexeme::type::close, ")"});
  }
  return out;
}

// expr := and ('or' and)* ; and := unary ('and' unary)* ;
// unary := 'not' unary | '(' expr ')' | check
class parser {
 public:
  explicit parser(std::vector<lexeme> tokens) : tokens_(std::move(tokens)) {}

  node_ptr parse() {
    if (tokens_.empty()) return std::make_shared<node>();  // "": always
    node_ptr n = parse_or();
    if (pos_ != tokens_.size()) fail("unexpected '" + tokens_[pos_].text + "'");
    return n;
  }

 private:
  [[noreturn]] static void fail(const std::string& why) { throw std::invalid_argument(why); }

  const lexeme* peek() const { return pos_ < tokens_.size() ? &tokens_[pos_] : nullptr; }

  node_ptr parse_or() {
    std::vector<node_ptr> parts{parse_and()};
    while (peek() && peek()->t == lexeme::type::or_) {
      ++pos_;
      parts.push_back(parse_and());
    }
    return combine(node::op::any_of, std::move(parts));
  }

  node_ptr parse_and() {
    std::vector<node_ptr> parts{parse_unary()};
    while (peek() && peek()->t == lexeme::type::and_) {
      ++pos_;
      parts.push_back(parse_unary());
    }
    return combine(node::op::all_of, std::move(parts));
  }

  static node_ptr combine(node::op kind, std::vector<node_ptr> parts) {
    if (parts.size() == 1) return parts.front();
    auto n = std::make_shared<node>();
    n->kind = kind;
    n->children = std::move(parts);
    return n;
  }

  node_ptr parse_unary() {
    const lexeme* t = peek();
    if (!t) fail("the rule ends where a check is expected");
    ++pos_;
    switch (t->t) {
      case lexeme::type::not_: {
        auto n = std::make_shared<node>();
        n->kind = node::op::negate;
        n->children.push_back(parse_unary());
        return n;
      }
      case lexeme::type::open: {
        node_ptr inner = parse_or();
        if (!peek() || peek()->t != lexeme::type::close) fail("a '(' is not closed");
        ++pos_;
        return inner;
      }
      case lexeme::type::check:
        return parse_check(t->text);
      default:
        fail("unexpected '" + t->text + "'");
    }
  }

  static node_ptr parse_check(const std::string& text) {
    auto n = std::make_shared<node>();
    if (text == "@") return n;
    if (text == "!") {
      n->kind = node::op::never;
      return n;
    }
    const auto colon = text.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
      fail("'" + text + "' is not a check (kind:match)");
    const std::string kind = text.substr(0, colon);
    const std::string match = text.substr(colon + 1);
    if (kind == "role") {
      n->kind = node::op::role;
      n->left = lower(match);
    } else if (kind == "rule") {
      n->kind = node::op::rule;
      n->left = match;
    } else if (kind == "field") {
      // field:<resource>:<field>=<value>
      const auto eq = match.find('=');
      if (eq == std::string::npos || eq == 0 || match.find(':') > eq)
        fail("'" + text + "' is not a field check (field:resource:field=value)");
      n->kind = node::op::field;
      n->left = match.substr(0, eq);
      n->right = match.substr(eq + 1);
    } else {
      n->kind = node::op::generic;
      n->left = kind;
      if (match.size() > 4 && match.starts_with("%(") && match.ends_with(")s")) {
        n->right = match.substr(2, match.size() - 4);
        n->right_is_field = true;
      } else if (match.find("%(") != std::string::npos) {
        fail("'" + match + "' is not a %(field)s substitution");
      } else {
        n->right = match;
      }
    }
    return n;
  }

  std::vector<lexeme> tokens_;
  std::size_t pos_ = 0;
};

std::optional<std::string> credential(const credentials& c, const std::string& name) {
  if (name == "user_id") return c.user_id;
  if (name == "project_id" || name == "tenant_id") return c.project_id;
  if (name == "system_scope") return c.system_scope ? std::string("all") : std::string();
  return std::nullopt;
}

std::optional<std::string> target_field(const target& t, const std::string& name) {
  if (name == "project_id" || name == "tenant_id") return t.project_id;
  if (name == "user_id") return t.user_id;
  if (auto it = t.fields.find(name); it != t.fields.end()) return it->second;
  return std::nullopt;
}

}  // namespace

policy::policy(std::map<std::string, std::string> rules) : text_(std::move(rules)) {
  for (const auto& [name, text] : text_) {
    try {
      parsed_[name] = parser(tokenize(text)).parse();
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("policy rule " + name + " (\"" + text + "\"): " + e.what());
    }
  }
  // Refuse cycles of rule:... references (they could never be decided).
  std::map<std::string, int> mark;  // 1: on the path, 2: done
  std::function<void(const std::string&)> visit_rule;
  std::function<void(const node&, const std::string&)> visit_node = [&](const node& n,
                                                                        const std::string& from) {
    if (n.kind == node::op::rule && parsed_.count(n.left)) {
      if (mark[n.left] == 1)
        throw std::invalid_argument("policy rule " + from +
                                    " refers to itself through rule:" + n.left);
      visit_rule(n.left);
    }
    for (const auto& c : n.children) visit_node(*c, from);
  };
  visit_rule = [&](const std::string& name) {
    if (mark[name] == 2) return;
    mark[name] = 1;
    visit_node(*parsed_.at(name), name);
    mark[name] = 2;
  };
  for (const auto& [name, _] : parsed_) visit_rule(name);
}

policy::~policy() = default;
policy::policy(policy&&) noexcept = default;
policy& policy::operator=(policy&&) noexcept = default;

bool policy::has_rule(const std::string& rule_name) const {
  return parsed_.count(rule_name) != 0;
}

bool policy::allowed(const std::string& rule_name, const credentials& creds,
                     const target& t) const {
  std::function<bool(const node&)> eval = [&](const node& n) -> bool {
    switch (n.kind) {
      case node::op::always:
        return true;
      case node::op::never:
        return false;
      case node::op::role:
        return std::any_of(creds.roles.begin(), creds.roles.end(),
                           [&](const std::string& r) { return lower(r) == n.left; });
      case node::op::rule: {
        auto it = parsed_.find(n.left);
        return it != parsed_.end() && eval(*it->second);  // unknown: denied
      }
      case node::op::generic: {
        const auto have = credential(creds, n.left);
        const auto want = n.right_is_field ? target_field(t, n.right) : n.right;
        return have && want && !have->empty() && *have == *want;
      }
      case node::op::field: {
        const auto have = target_field(t, n.left);
        return have && !have->empty() && *have == n.right;
      }
      case node::op::all_of:
        return std::all_of(n.children.begin(), n.children.end(),
                           [&](const node_ptr& c) { return eval(*c); });
      case node::op::any_of:
        return std::any_of(n.children.begin(), n.children.end(),
                           [&](const node_ptr& c) { return eval(*c); });
      case node::op::negate:
        return !eval(*n.children.front());
    }
    return false;
  };
  auto it = parsed_.find(rule_name);
  return it != parsed_.end() && eval(*it->second);
}

const std::map<std::string, std::string>& default_rules() {
  static const std::map<std::string, std::string> rules = [] {
    std::map<std::string, std::string> r;
    const std::string admin = "rule:admin_required";
    r["admin_required"] = "role:admin";
    r["owner"] = "user_id:%(user_id)s";
    r["admin_or_owner"] = "rule:admin_required or rule:owner";
    r["project_member_or_admin"] = "rule:admin_required or project_id:%(project_id)s";

    // Keystone
    for (const char* name :
         {"identity:create_project",        "identity:update_project", "identity:delete_project",
          "identity:list_projects",         "identity:create_user",    "identity:update_user",
          "identity:delete_user",           "identity:list_users",     "identity:create_grant",
          "identity:revoke_grant",          "identity:check_grant",    "identity:list_grants",
          "identity:list_role_assignments", "identity:create_role",    "identity:update_role",
          "identity:delete_role",           "identity:get_role",       "identity:list_roles",
          "identity:list_domains",          "identity:create_domain",  "identity:update_domain",
          "identity:delete_domain"})
      r[name] = admin;
    r["identity:get_project"] = "rule:admin_required or project_id:%(project_id)s";
    // Groups: an admin's to make, fill, read and list; a user may list the
    // groups it is a member of (Keystone's list_groups_for_user).
    for (const char* name : {"identity:create_group", "identity:update_group",
                             "identity:delete_group", "identity:get_group", "identity:list_groups",
                             "identity:list_users_in_group", "identity:add_user_to_group",
                             "identity:remove_user_from_group", "identity:check_user_in_group"})
      r[name] = admin;
    r["identity:list_groups_for_user"] = "rule:admin_or_owner";
    // The catalog: an admin's to change and to list (services and
    // endpoints); anyone's to read regions, as Keystone.
    for (const char* name :
         {"identity:create_region", "identity:update_region", "identity:delete_region",
          "identity:create_service", "identity:update_service", "identity:delete_service",
          "identity:get_service", "identity:list_services", "identity:create_endpoint",
          "identity:update_endpoint", "identity:delete_endpoint", "identity:get_endpoint",
          "identity:list_endpoints"})
      r[name] = admin;
    r["identity:get_region"] = "@";
    r["identity:list_regions"] = "@";
    r["identity:list_user_projects"] = "rule:admin_or_owner";
    r["identity:get_user"] = "rule:admin_or_owner";
    // A user may read the domain its token belongs to (everything is in
    // Default).
    r["identity:get_domain"] = "@";
    // The original password authorizes the change in Keystone; here the
    // caller must also be the user or an admin (who may reset it with
    // PATCH anyway), so the route is no password-guessing oracle outside
    // the token issue rate limit.
    r["identity:change_password"] = "rule:admin_or_owner";
    // Application credentials: a user makes its own (an admin makes none
    // for another: it would delegate roles the admin doesn't know of); an
    // admin may read and delete them.
    r["identity:create_application_credential"] = "user_id:%(user_id)s";
    for (const char* name :
         {"identity:get_application_credential", "identity:list_application_credentials",
          "identity:delete_application_credential"})
      r[name] = "rule:admin_or_owner";
    // Credentials (/v3/credentials, OS-EC2): an admin's, or their owner's
    // (target user_id: the credential's user; for OS-EC2's list and create,
    // the user of the path).
    for (const char* name :
         {"identity:create_credential", "identity:get_credential", "identity:list_credentials",
          "identity:update_credential", "identity:delete_credential",
          "identity:ec2_create_credential", "identity:ec2_get_credential",
          "identity:ec2_list_credentials", "identity:ec2_delete_credential"})
      r[name] = "rule:admin_or_owner";
    // Tokens: an admin, or the token's own user (target user_id: the
    // subject token's user).
    for (const char* name :
         {"identity:validate_token", "identity:check_token", "identity:revoke_token"})
      r[name] = "rule:admin_required or user_id:%(user_id)s";

    // Neutron (its legacy defaults; a target's project_id is the
    // resource's tenant_id, "network:tenant_id" its network's owner).
    r["context_is_admin"] = "role:admin";
    r["network_owner"] = "tenant_id:%(network:tenant_id)s";
    r["neutron_admin_or_owner"] = "rule:context_is_admin or tenant_id:%(tenant_id)s";
    r["admin_or_network_owner"] = "rule:context_is_admin or rule:network_owner";
    r["admin_owner_or_network_owner"] = "rule:neutron_admin_or_owner or rule:network_owner";
    r["shared"] = "field:networks:shared=True";
    r["external"] = "field:networks:router:external=True";
    for (const char* name :
         {"create_network:shared", "create_network:router:external", "update_network:shared",
          "update_network:router:external", "create_network:provider:network_type",
          "create_router:external_gateway_info:enable_snat",
          "update_router:external_gateway_info:enable_snat",
          "create_router:external_gateway_info:external_fixed_ips",
          "update_router:external_gateway_info:external_fixed_ips", "update_quota", "delete_quota"})
      r[name] = "rule:context_is_admin";
    r["create_port"] = "";  // on any network the caller sees (get_network)
    // Anyone may make these in the project it may act for (the API refuses
    // another project's id to a non-admin).
    for (const char* name :
         {"create_network", "create_router", "create_floatingip", "create_security_group"})
      r[name] = "";
    r["get_network"] = "rule:neutron_admin_or_owner or rule:shared or rule:external";
    // An external network's subnets are its owner's (and the admin's): other
    // projects see the network, not its addressing (Neutron's default).
    r["get_subnet"] = "rule:neutron_admin_or_owner or rule:shared";
    for (const char* name : {"update_network",
                             "delete_network",
                             "get_port",
                             "update_port",
                             "delete_port",
                             "get_router",
                             "update_router",
                             "delete_router",
                             "add_router_interface",
                             "remove_router_interface",
                             "add_extraroutes",
                             "remove_extraroutes",
                             "get_floatingip",
                             "update_floatingip",
                             "delete_floatingip",
                             "get_security_group",
                             "update_security_group",
                             "delete_security_group",
                             "get_security_group_rule",
                             "create_security_group_rule",
                             "delete_security_group_rule",
                             "get_quota"})
      r[name] = "rule:neutron_admin_or_owner";
    for (const char* name :
         {"create_subnet", "update_subnet", "delete_subnet", "create_port:fixed_ips:ip_address",
          "create_port:mac_address", "update_port:fixed_ips:ip_address", "update_port:mac_address"})
      r[name] = "rule:admin_or_network_owner";
    for (const char* name : {"create_port:binding:host_id", "update_port:binding:host_id",
                             "get_network_ip_availability"})
      r[name] = admin;
    // Subnet pools and address scopes: a project's own, everyone's to see
    // (and to allocate from) once shared; sharing and defaults an admin's.
    r["shared_subnetpools"] = "field:subnetpools:shared=True";
    r["shared_address_scopes"] = "field:address_scopes:shared=True";
    for (const char* name : {"create_subnetpool", "create_address_scope"}) r[name] = "";
    for (const char* name : {"create_subnetpool:shared", "create_subnetpool:is_default",
                             "update_subnetpool:is_default", "create_address_scope:shared",
                             "update_address_scope:shared"})
      r[name] = "rule:context_is_admin";
    r["get_subnetpool"] = "rule:neutron_admin_or_owner or rule:shared_subnetpools";
    r["get_address_scope"] = "rule:neutron_admin_or_owner or rule:shared_address_scopes";
    for (const char* name : {"update_subnetpool", "delete_subnetpool", "add_prefixes",
                             "remove_prefixes", "update_address_scope", "delete_address_scope"})
      r[name] = "rule:neutron_admin_or_owner";
    // A port's security is its network owner's to turn off or widen.
    for (const char* name :
         {"create_port:port_security_enabled", "update_port:port_security_enabled",
          "create_port:allowed_address_pairs", "update_port:allowed_address_pairs"})
      r[name] = "rule:admin_or_network_owner";
    // RBAC policies: anyone may share what it owns (the door checks the
    // network's owner), only an admin with every project at once.
    r["restrict_wildcard"] = "(not field:rbac_policy:target_tenant=*) or rule:context_is_admin";
    r["create_rbac_policy"] = "";
    r["create_rbac_policy:target_tenant"] = "rule:restrict_wildcard";
    r["update_rbac_policy:target_tenant"] =
        "rule:restrict_wildcard and rule:neutron_admin_or_owner";
    for (const char* name : {"get_rbac_policy", "update_rbac_policy", "delete_rbac_policy"})
      r[name] = "rule:neutron_admin_or_owner";
    // Tags (standard-attr-tag): whoever sees a resource sees its tags; its
    // owner changes them (a subnet's, the network's owner; a port's,
    // either).
    for (const char* member :
         {"network", "subnet", "port", "router", "floatingip", "security_group"}) {
      const std::string m = member;
      r["get_" + m + ":tags"] = "rule:get_" + m;
      const std::string owner = m == "subnet" ? "rule:admin_or_network_owner"
                                : m == "port" ? "rule:admin_owner_or_network_owner"
                                              : "rule:neutron_admin_or_owner";
      for (const char* action : {"create_", "update_", "delete_"}) r[action + m + ":tags"] = owner;
    }
    // Agents are the cloud's: an admin's to see and change.
    for (const char* name :
         {"get_agent", "update_agent", "delete_agent", "get_dhcp-agents", "get_l3-agents"})
      r[name] = admin;
    r["get_availability_zone"] = "";

    // Glance: visibility decides who sees an image (engine/image_listing);
    // these rules decide what a caller may do to one it sees.
    for (const char* name :
         {"add_image", "modify_image", "delete_image", "upload_image", "download_image",
          "get_image", "get_images", "communitize_image", "add_member", "delete_member",
          "get_member", "get_members", "modify_member", "deactivate", "reactivate"})
      r[name] = "rule:project_member_or_admin";
    r["publicize_image"] = admin;
    // The import's: copying to other stores, and where the stores are.
    r["copy_image"] = admin;
    r["stores_info_detail"] = admin;

    // Nova
    for (const char* name :
         {"os_compute_api:os-hypervisors:list", "os_compute_api:os-hypervisors:list-detail",
          "os_compute_api:os-hypervisors:show", "os_compute_api:os-hypervisors:statistics",
          "os_compute_api:os-hypervisors:uptime", "os_compute_api:os-hypervisors:search",
          "os_compute_api:os-hypervisors:servers", "os_compute_api:os-flavor-manage:create",
          "os_compute_api:os-flavor-manage:delete", "os_compute_api:os-flavor-manage:update",
          "os_compute_api:servers:index:get_all_tenants", "os_compute_api:os-server-diagnostics",
          "os_compute_api:servers:detail:get_all_tenants", "os_compute_api:os-console-auth-tokens"})
      r[name] = admin;
    for (const char* name : {"os_compute_api:servers:index", "os_compute_api:servers:detail",
                             "os_compute_api:servers:show", "os_compute_api:servers:create",
                             "os_compute_api:servers:delete", "os_compute_api:servers:update",
                             "os_compute_api:servers:start", "os_compute_api:servers:stop",
                             "os_compute_api:servers:reboot", "os_compute_api:servers:create_image",
                             "os_compute_api:servers:rebuild"})
      r[name] = "rule:project_member_or_admin";
    // Nova's flavors, keypairs, quotas, limits, services and zones (Zed's
    // defaults; a project-scoped rule's target is the caller's own project
    // unless the request names another).
    for (const char* name :
         {"os_compute_api:os-flavor-extra-specs:create",
          "os_compute_api:os-flavor-extra-specs:update",
          "os_compute_api:os-flavor-extra-specs:delete", "os_compute_api:os-services:list",
          "os_compute_api:os-services:update", "os_compute_api:os-availability-zone:detail",
          "os_compute_api:os-quota-sets:update", "os_compute_api:os-quota-sets:delete",
          "os_compute_api:limits:other_project", "os_compute_api:os-flavor-access",
          "os_compute_api:os-aggregates:index"})
      r[name] = admin;
    for (const char* name :
         {"os_compute_api:os-flavor-extra-specs:index", "os_compute_api:os-flavor-extra-specs:show",
          "os_compute_api:os-quota-sets:show", "os_compute_api:os-quota-sets:detail"})
      r[name] = "rule:project_member_or_admin";
    for (const char* name :
         {"os_compute_api:os-keypairs:index", "os_compute_api:os-keypairs:show",
          "os_compute_api:os-keypairs:create", "os_compute_api:os-keypairs:delete"})
      r[name] = "rule:admin_or_owner";
    for (const char* name : {"os_compute_api:os-quota-sets:defaults", "os_compute_api:limits",
                             "os_compute_api:os-availability-zone:list"})
      r[name] = "@";
    // The servers' other actions (compute-servers branch).
    for (const char* name : {"os_compute_api:os-pause-server:pause",
                             "os_compute_api:os-pause-server:unpause",
                             "os_compute_api:os-suspend-server:suspend",
                             "os_compute_api:os-suspend-server:resume",
                             "os_compute_api:os-console-output",
                             "os_compute_api:os-remote-consoles",
                             "os_compute_api:os-instance-actions:list",
                             "os_compute_api:os-instance-actions:show",
                             "os_compute_api:os-lock-server:lock",
                             "os_compute_api:os-lock-server:unlock",
                             "os_compute_api:server-metadata:index",
                             "os_compute_api:server-metadata:show",
                             "os_compute_api:server-metadata:create",
                             "os_compute_api:server-metadata:update",
                             "os_compute_api:server-metadata:update_all",
                             "os_compute_api:server-metadata:delete",
                             "os_compute_api:os-server-tags:index",
                             "os_compute_api:os-server-tags:show",
                             "os_compute_api:os-server-tags:update",
                             "os_compute_api:os-server-tags:update_all",
                             "os_compute_api:os-server-tags:delete",
                             "os_compute_api:os-server-tags:delete_all",
                             "os_compute_api:ips:index",
                             "os_compute_api:ips:show",
                             "os_compute_api:os-security-groups:add",
                             "os_compute_api:os-security-groups:remove",
                             "os_compute_api:os-security-groups:list",
                             "os_compute_api:os-security-groups:get",
                             "os_compute_api:os-security-groups:show",
                             "os_compute_api:os-security-groups:create",
                             "os_compute_api:os-security-groups:delete",
                             "os_compute_api:os-deferred-delete:force",
                             "os_compute_api:os-deferred-delete:restore"})
      r[name] = "rule:project_member_or_admin";
    // Unlocking what someone else locked (an owner's lock by an admin, or
    // the reverse): Nova's override, an admin's.
    r["os_compute_api:os-lock-server:unlock:unlock_override"] = admin;
    r["os_compute_api:extensions"] = "@";
    r["os_compute_api:os-server-password:show"] = "rule:project_member_or_admin";
    r["os_compute_api:os-server-password:clear"] = "rule:project_member_or_admin";
    for (const char* name :
         {"os_compute_api:os-server-groups:create", "os_compute_api:os-server-groups:delete",
          "os_compute_api:os-server-groups:index", "os_compute_api:os-server-groups:show"})
      r[name] = "rule:project_member_or_admin";
    r["os_compute_api:os-server-groups:index:all_projects"] = admin;
    // Moves, shelve and rescue (Zed's defaults): a project's members resize,
    // shelve and rescue; only admins move servers between hosts.
    for (const char* name :
         {"os_compute_api:servers:resize", "os_compute_api:servers:confirm_resize",
          "os_compute_api:servers:revert_resize", "os_compute_api:os-shelve:shelve",
          "os_compute_api:os-shelve:unshelve", "os_compute_api:os-rescue",
          "os_compute_api:os-create-backup", "os_compute_api:os-unrescue"})
      r[name] = "rule:project_member_or_admin";
    for (const char* name :
         {"os_compute_api:os-migrate-server:migrate",
          "os_compute_api:os-migrate-server:migrate:host",
          "os_compute_api:os-migrate-server:migrate_live",
          "os_compute_api:os-shelve:shelve_offload", "os_compute_api:os-migrations:index",
          "os_compute_api:servers:migrations:index", "os_compute_api:servers:migrations:show",
          "os_compute_api:os-evacuate"})
      r[name] = admin;
    for (const char* name :
         {"os_compute_api:os-attach-interfaces:list", "os_compute_api:os-attach-interfaces:show",
          "os_compute_api:os-attach-interfaces:create",
          "os_compute_api:os-attach-interfaces:delete",
          "os_compute_api:os-volumes-attachments:index",
          "os_compute_api:os-volumes-attachments:show",
          "os_compute_api:os-volumes-attachments:create",
          "os_compute_api:os-volumes-attachments:delete"})
      r[name] = "rule:project_member_or_admin";
    r["os_compute_api:os-simple-tenant-usage:list"] = admin;
    r["os_compute_api:os-simple-tenant-usage:show"] = "rule:project_member_or_admin";
    for (const char* name : {"os_compute_api:os-instance-actions:events",
                             "os_compute_api:os-instance-actions:events:details"})
      r[name] = admin;

    // Cinder (Zed's defaults): a project's members and readers work its
    // volumes and snapshots (the target is the resource's project, or the
    // caller's for a create or a list) and upload them to images; types,
    // quotas, services, the admin actions and public images of volumes are
    // an admin's; anyone reads the types.
    for (const char* name : {"volume:create",
                             "volume:get",
                             "volume:get_all",
                             "volume:update",
                             "volume:delete",
                             "volume:extend",
                             "volume:extend_attached_volume",
                             "volume:update_readonly_flag",
                             "volume:get_volume_metadata",
                             "volume:create_volume_metadata",
                             "volume:update_volume_metadata",
                             "volume:delete_volume_metadata",
                             "volume:create_snapshot",
                             "volume:get_snapshot",
                             "volume:get_all_snapshots",
                             "volume:update_snapshot",
                             "volume:delete_snapshot",
                             "volume:get_snapshot_metadata",
                             "volume:update_snapshot_metadata",
                             "volume:delete_snapshot_metadata",
                             "volume:attachment_create",
                             "volume:attachment_update",
                             "volume:attachment_delete",
                             "volume:attachment_complete",
                             "volume_extension:volume_tenant_attribute",
                             "volume_extension:extended_snapshot_attributes",
                             "volume_extension:quotas:show",
                             "volume_extension:volume_actions:upload_image",
                             "volume_extension:volume_image_metadata:show",
                             "limits_extension:used_limits"})
      r[name] = "rule:project_member_or_admin";
    for (const char* name :
         {"volume_extension:type_create", "volume_extension:type_update",
          "volume_extension:type_delete", "volume_extension:types_extra_specs:read_sensitive",
          "volume_extension:types_extra_specs:create", "volume_extension:types_extra_specs:update",
          "volume_extension:types_extra_specs:delete", "volume_extension:access_types_qos_specs_id",
          "volume_extension:volume_host_attribute", "volume_extension:volume_mig_status_attribute",
          "volume_extension:volume_admin_actions:reset_status",
          "volume_extension:volume_admin_actions:force_delete",
          "volume_extension:snapshot_admin_actions:reset_status",
          "volume_extension:snapshot_admin_actions:force_delete", "volume_extension:quotas:update",
          "volume_extension:quotas:delete", "volume_extension:services:index",
          "volume:force_delete", "volume_extension:volume_actions:upload_public"})
      r[name] = admin;
    for (const char* name :
         {"volume_extension:type_get", "volume_extension:type_get_all",
          "volume_extension:access_types_extra_specs", "volume_extension:types_extra_specs:index",
          "volume_extension:types_extra_specs:show"})
      r[name] = "@";
    return r;
  }();
  return rules;
}

std::string keystone_forbidden_message(const std::string& rule) {
  return "You are not authorized to perform the requested action: " + rule + ".";
}

std::string nova_forbidden_message(const std::string& rule) {
  return "Policy doesn't allow " + rule + " to be performed.";
}

}  // namespace cumulo
