// The identity directory: Keystone's view of who is who, built from the
// project, user, group and role states, and the rules that read it: name
// lookups, uniqueness, which roles a user holds where (its own and its
// groups'), and whether a token is still valid. Pure and single-threaded: the identity actor owns
// one and keeps it current from the states the resource actors answer with.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/domain_state.hpp"
#include "engine/error.hpp"
#include "engine/group_state.hpp"
#include "engine/policy.hpp"
#include "engine/project_state.hpp"
#include "engine/role_state.hpp"
#include "engine/token_payload.hpp"
#include "engine/identity_catalog.hpp"
#include "engine/user_state.hpp"

namespace cumulo {

// Keystone's bootstrap domain: built in, never changed or deleted.
inline constexpr const char* default_domain_id = "default";
inline constexpr const char* default_domain_name = "Default";

// What POST /v3/auth/tokens asks for, as the API read it from the body.
struct auth_request {
  std::vector<std::string> methods;  // "password", "token"
  // password method: the user by id, or by name in a domain (id or name)
  std::string user_id, user_name, user_domain_id, user_domain_name, password;
  // token method
  std::string token;
  // scope: none (unscoped, or the user's default project), or a project by
  // id, or by name in a domain (id or name)
  std::string project_id, project_name, project_domain_id, project_domain_name;
  bool unscoped = false;  // "scope": "unscoped": never the default project
  // application_credential method: by id, or by name of the user named as
  // for the password method (user_id, or user_name in a domain)
  std::string application_credential_id, application_credential_name, application_credential_secret;
  bool has_scope = false;  // any "scope" (an application credential may ask for none)

  bool has_method(const std::string& m) const;
  bool has_project_scope() const { return !project_id.empty() || !project_name.empty(); }
};

// A valid token and what its body shows.
struct token_info {
  std::string token;  // the sealed token (X-Subject-Token)
  token_payload payload;
  user_state user;
  std::optional<project_state> project;  // none: unscoped
  std::vector<role_state> roles;         // the user's roles on the project
  std::string user_domain_name;
  std::string project_domain_name;
  // The application credential the token came from (its secret hash
  // cleared).
  std::optional<application_credential> via_application_credential;
  // The services clients added to the catalog (the built-in ones are
  // engine/identity_catalog's): set by the identity actor where a catalog is
  // shown.
  std::shared_ptr<const std::vector<service_state>> catalog;

  // For the policy engine.
  credentials creds() const;
  bool is_admin() const;
};

// One role assignment (a user or a group holds role on project), with the
// names ?include_names shows. A group's assignment has group_id and no
// user_id; expanded for ?effective, each member's has both: user_id the
// member, group_id the group it holds the role through.
struct role_assignment {
  std::string user_id;
  std::string role_id;
  std::string project_id;
  std::string user_name, role_name, project_name;
  std::string user_domain_id, project_domain_id;
  std::string user_domain_name, project_domain_name;
  std::string group_id, group_name, group_domain_id, group_domain_name;

  bool of_group() const { return !group_id.empty() && user_id.empty(); }
};

// An application credential as the API shows it: with its user and its
// roles (the secret hash cleared).
struct application_credential_view {
  std::string user_id;
  application_credential credential;
  std::vector<role_state> roles;
};

// Keystone's implied roles: admin implies member implies reader.
void add_implied_roles(std::set<std::string>& role_names);

class identity_directory {
 public:
  // Takes the state a resource actor answered with; a state that no longer
  // exists leaves the directory. An older version never replaces a newer.
  void put(const project_state& s);
  void put(const user_state& s);
  void put(const role_state& s);
  void put(const domain_state& s);
  void put(const region_state& s);
  void put(const service_state& s);
  void put(const group_state& s);

  const project_state* project(const std::string& id) const;
  const user_state* user(const std::string& id) const;
  const role_state* role(const std::string& id) const;
  // Default included.
  const domain_state* domain(const std::string& id) const;
  static const domain_state& default_domain();
  const project_state* project_by_name(const std::string& name, const std::string& domain) const;
  const user_state* user_by_name(const std::string& name, const std::string& domain) const;
  const role_state* role_by_name(const std::string& name) const;
  const group_state* group(const std::string& id) const;
  const group_state* group_by_name(const std::string& name, const std::string& domain) const;

  std::vector<project_state> projects() const;
  std::vector<user_state> users() const;
  std::vector<role_state> roles() const;
  std::vector<domain_state> domains() const;  // Default first
  std::vector<group_state> groups() const;
  // The groups user_id is a member of.
  std::vector<group_state> groups_of(const std::string& user_id) const;
  // The members of a group that exist.
  std::vector<user_state> members_of(const group_state& g) const;
  // The catalog: built-in entries included (first), stored ones after.
  const region_state* region(const std::string& id) const;
  std::vector<region_state> regions() const;
  const service_state* service(const std::string& id) const;
  std::vector<service_state> services() const;
  std::vector<service_state> stored_services() const;
  std::optional<catalog_endpoint> endpoint(const std::string& id) const;
  std::vector<catalog_endpoint> endpoints() const;
  // Whether a region is another's parent or an endpoint's region.
  bool region_in_use(const std::string& id) const;
  // The assignments whose user or group, role and project all exist: the
  // users' then the groups'; effective: each group's as one per member
  // instead (Keystone's ?effective).
  std::vector<role_assignment> assignments(bool effective = false) const;
  // The roles (that exist) user_id holds on project_id: its own and those of
  // its groups, once each (what its tokens carry).
  std::vector<role_state> roles_on(const std::string& user_id, const std::string& project_id) const;
  // Only the roles granted to the user itself there (Keystone's grants of
  // /v3/projects/{p}/users/{u}/roles), or to the group.
  std::vector<role_state> granted_roles(const std::string& user_id,
                                        const std::string& project_id) const;
  std::vector<role_state> group_roles(const std::string& group_id,
                                      const std::string& project_id) const;

  // A domain named by id or name, as its id; nothing for an unknown one.
  std::optional<std::string> domain_id_of(const std::string& id, const std::string& name) const;
  // "Default" for default, the name of another, the id when unknown.
  std::string domain_name(const std::string& id) const;
  // Whether projects, users or groups still belong to the domain.
  bool domain_in_use(const std::string& id) const;

  // Whether a new name (or a rename of `self_id` to it) collides: 409 in
  // Keystone's words.
  std::optional<domain_error> project_name_taken(const std::string& name, const std::string& domain,
                                                 const std::string& self_id = "") const;
  std::optional<domain_error> user_name_taken(const std::string& name, const std::string& domain,
                                              const std::string& self_id = "") const;
  std::optional<domain_error> role_name_taken(const std::string& name,
                                              const std::string& self_id = "") const;
  std::optional<domain_error> domain_name_taken(const std::string& name,
                                                const std::string& self_id = "") const;
  std::optional<domain_error> group_name_taken(const std::string& name, const std::string& domain,
                                               const std::string& self_id = "") const;
  // Keystone's 409 for a duplicate name of `kind` (project, user, group, role).
  static domain_error duplicate_name(const std::string& kind, const std::string& name,
                                     const std::string& domain);

  // The application credential the application_credential method names
  // (by id, or by name and user); unauthorized when there is none.
  struct found_application_credential {
    const user_state* user;
    const application_credential* credential;
  };
  outcome<found_application_credential> find_application_credential(const auth_request& req) const;
  // The token body for an application credential whose secret checked:
  // its user, its project, its roles; unauthorized when it expired by now_us,
  // its user or project is disabled, or the user no longer holds one of its
  // roles there.
  outcome<token_info> scope(const user_state& user, const application_credential& a,
                            std::int64_t now_us) const;
  application_credential_view view_of(const user_state& user,
                                      const application_credential& a) const;

  // The user the password method names (enabled or not: the caller checks
  // after the password, so a disabled account is not revealed to a guess).
  outcome<const user_state*> find_user(const auth_request& req) const;

  // The token body for `user` scoped as `req` asks (or to its default
  // project when it asks for nothing): unauthorized when the project is
  // unknown, disabled, or the user holds no role on it.
  outcome<token_info> scope(const user_state& user, const auth_request& req) const;

  // The subject of a token that is still valid at now_us: sealed by our key,
  // not expired nor revoked, its user enabled and its password unchanged
  // since, its project enabled and the user still holding a role there (its
  // own or a group's), none of them removed since the token was issued.
  // Anything else is unauthorized, with the reason in the message (for the
  // log: the API answers with Keystone's generic message).
  // `opened` is what crypto's open_token read from `token` (nothing when it
  // was not sealed by our key).
  outcome<token_info> validate(const std::optional<token_payload>& opened,
                               const std::string& token, std::int64_t now_us) const;

 private:
  std::unordered_map<std::string, project_state> projects_;
  std::unordered_map<std::string, user_state> users_;
  std::unordered_map<std::string, role_state> roles_;
  std::unordered_map<std::string, domain_state> domains_;  // Default is not here
  std::unordered_map<std::string, region_state> regions_;  // RegionOne is not here
  std::unordered_map<std::string, service_state> services_;  // the built-in ones are not here
  std::unordered_map<std::string, group_state> groups_;
  // user id -> the ids of the groups it is a member of (kept with groups_:
  // every token validation reads it).
  std::unordered_map<std::string, std::set<std::string>> member_of_;

  // Whether a role of user_id on project_id was removed after `issued_us`
  // (its own, or one of a group it is a member of).
  bool role_removed_since(const std::string& user_id, const project_state& p,
                          std::int64_t issued_us) const;
};

// Keystone's answer to any failed authentication.
inline constexpr const char* unauthenticated_message =
    "The request you have made requires authentication.";

}  // namespace cumulo
