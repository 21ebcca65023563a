// A user (Keystone): its events, commands and the pure state machine.
// Passwords only ever appear here as argon2id hashes (engine/password.hpp):
// the caller hashes before deciding, since hashing is slow on purpose.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "engine/codec.hpp"
#include <nlohmann/json.hpp>

#include "engine/resource.hpp"

namespace cumulo {

// --- events (schema in schemas/events/user.json) ---
struct user_created {
  static constexpr const char* type_name = "user.created";
  static constexpr int schema_version = 1;
  std::string name;
  std::string domain_id;
  std::string default_project_id;  // empty: none
  bool enabled = true;
  std::string description;
  std::string email;
  std::string password_hash;  // argon2id string; empty: the user has no password
  // Keystone keeps any other attribute a client gives a user (project_id,
  // a phone number...): name -> its JSON value as text. Absent in events
  // written before it existed.
  std::map<std::string, std::string> extra;
  MSGPACK_DEFINE_MAP(name, domain_id, default_project_id, enabled, description, email,
                     password_hash, extra)
};

struct user_updated {
  static constexpr const char* type_name = "user.updated";
  static constexpr int schema_version = 1;
  std::optional<std::string> name;
  std::optional<std::string> default_project_id;
  std::optional<bool> enabled;
  std::optional<std::string> description;
  std::optional<std::string> email;
  // Set when the update disables the user: every token issued up to then
  // stays revoked, also once the user is enabled again (as Keystone's
  // revocation events). Absent in events written before it existed.
  std::optional<std::int64_t> tokens_revoked_before;
  // Extra attributes set (added or replaced; JSON text, "null" included, as
  // Keystone keeps a null). Absent in events written before it existed.
  std::map<std::string, std::string> extra_set;
  MSGPACK_DEFINE_MAP(name, default_project_id, enabled, description, email, tokens_revoked_before,
                     extra_set)
};

struct user_password_changed {
  static constexpr const char* type_name = "user.password_changed";
  static constexpr int schema_version = 1;
  std::string password_hash;
  std::int64_t changed_at = 0;  // µs since the epoch
  MSGPACK_DEFINE_MAP(password_hash, changed_at)
};

struct user_deleted {
  static constexpr const char* type_name = "user.deleted";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

// DELETE /v3/auth/tokens: the token with this audit id (and only it) no
// longer validates. expires_at says when the entry stops mattering.
struct user_token_revoked {
  static constexpr const char* type_name = "user.token_revoked";
  static constexpr int schema_version = 1;
  std::string audit_id;
  std::int64_t expires_at = 0;  // µs since the epoch: the token's own expiry
  MSGPACK_DEFINE_MAP(audit_id, expires_at)
};

// POST /v3/users/{id}/application_credentials: a secret the user gives an
// application, bound to one project and to roles the user holds there.
struct user_application_credential_created {
  static constexpr const char* type_name = "user.application_credential_created";
  static constexpr int schema_version = 1;
  std::string id;
  std::string name;
  std::string description;
  std::string secret_hash;  // argon2id string; never the secret
  std::string project_id;
  std::vector<std::string> role_ids;
  std::int64_t expires_at = 0;  // µs since the epoch; 0: never
  bool unrestricted = false;
  MSGPACK_DEFINE_MAP(id, name, description, secret_hash, project_id, role_ids, expires_at,
                     unrestricted)
};

// Its tokens stop validating with it.
struct user_application_credential_deleted {
  static constexpr const char* type_name = "user.application_credential_deleted";
  static constexpr int schema_version = 1;
  std::string id;
  MSGPACK_DEFINE_MAP(id)
};

using user_event = std::variant<user_created, user_updated, user_password_changed, user_deleted,
                                user_token_revoked, user_application_credential_created,
                                user_application_credential_deleted>;

struct application_credential {
  std::string id;
  std::string name;
  std::string description;
  std::string secret_hash;
  std::string project_id;
  std::vector<std::string> role_ids;
  std::int64_t expires_at_us = 0;  // 0: never
  bool unrestricted = false;

  bool expired(std::int64_t now_us) const { return expires_at_us && now_us >= expires_at_us; }
};

// --- state ---
struct user_state : resource_meta {
  std::string name;
  std::string domain_id;
  std::string default_project_id;
  bool enabled = true;
  std::string description;
  std::string email;
  std::string password_hash;
  std::map<std::string, std::string> extra;  // Keystone's other attributes, as JSON text
  std::int64_t password_changed_at_us = 0;  // 0: unchanged since creation
  // Revoked tokens: audit id -> when the token expires anyway. Entries are
  // kept (a user revokes few tokens); they are harmless once expired.
  std::map<std::string, std::int64_t> revoked_tokens;
  // Tokens issued at or before this time (µs) are revoked: the user was
  // disabled then. 0: none.
  std::int64_t tokens_revoked_before_us = 0;
  std::map<std::string, application_credential> application_credentials;  // by id

  bool token_revoked(const std::string& audit_id) const {
    return revoked_tokens.count(audit_id) > 0;
  }

  // When the current password was set: tokens issued before it are stale.
  std::int64_t password_set_at_us() const {
    return password_changed_at_us ? password_changed_at_us : created_at_us;
  }
};

// The JSON view leaves the hash out (it says only whether there is one).
void to_json(nlohmann::json& j, const user_state& s);

// --- commands ---
namespace user {
struct create {
  std::string name;
  std::string domain_id = "default";
  std::string default_project_id;
  bool enabled = true;
  std::string description;
  std::string email;
  std::string password_hash;  // already hashed; empty: no password
  std::map<std::string, std::string> extra;  // name -> JSON text
};
struct update {
  std::optional<std::string> name;
  std::optional<std::string> default_project_id;
  std::optional<bool> enabled;
  std::optional<std::string> description;
  std::optional<std::string> email;
  std::map<std::string, std::string> extra_set;  // name -> JSON text
  std::int64_t now_us = 0;  // when it is asked: a disable revokes tokens issued until then
};
// How many extra attributes a user keeps, and how long each one's JSON text
// may be: the state of every user is in memory.
constexpr std::size_t max_extra_attributes = 64;
constexpr std::size_t max_extra_value_bytes = 4096;
// Attributes Keystone gives a user itself: never extra ones.
bool core_attribute(const std::string& name);
struct change_password {
  std::string password_hash;  // already hashed
  std::int64_t now_us = 0;
};
struct remove {};
// Revoking a token twice records nothing the second time.
struct revoke_token {
  std::string audit_id;
  std::int64_t expires_at_us = 0;
};
// The identity actor resolves the roles (the caller's, on the caller's
// project) and hashes the secret before this is decided.
struct create_application_credential {
  std::string id;
  std::string name;
  std::string description;
  std::string secret_hash;  // already hashed
  std::string project_id;
  std::vector<std::string> role_ids;
  std::int64_t expires_at_us = 0;  // 0: never
  bool unrestricted = false;
  std::int64_t now_us = 0;  // an expiry before it is refused
  // As the request named them (id, or name when the id is empty); the
  // identity actor resolves them into role_ids.
  std::vector<std::pair<std::string, std::string>> named_roles;
};
struct delete_application_credential {
  std::string id;
};
// A user's application credentials are in memory with the user.
constexpr std::size_t max_application_credentials = 100;
using command = std::variant<create, update, change_password, remove, revoke_token,
                             create_application_credential, delete_application_credential>;
}  // namespace user

struct user_machine {
  static constexpr const char* kind = "user";
  using state = user_state;
  using event = user_event;
  using command = user::command;
  static decision<event> decide(const state& s, const command& c);
  static state apply(state s, const event& e);
};

}  // namespace cumulo
