#include "engine/user_state.hpp"

#include <set>

#include "engine/clock.hpp"

namespace cumulo {
namespace {

// Keystone limits a user name to 255 characters.
std::optional<domain_error> check_name(const std::string& name) {
  if (name.empty()) return make_domain_error(errc::bad_request, "User name must not be empty.");
  if (name.size() > 255)
    return make_domain_error(errc::bad_request, "User name is longer than 255 characters.");
  return std::nullopt;
}

// A guard against a clear-text password reaching the log: whatever the
// caller passes must already be an argon2 hash string.
std::optional<domain_error> check_hash(const std::string& hash, bool may_be_empty) {
  if (hash.empty() && may_be_empty) return std::nullopt;
  if (hash.rfind("$argon2", 0) != 0)
    return make_domain_error(errc::internal, "A password must be hashed before it is recorded.");
  return std::nullopt;
}

domain_error not_found(const user_state& s) {
  return make_domain_error(errc::not_found, "Could not find user: " + s.id + ".");
}

std::optional<domain_error> check_extra(const std::map<std::string, std::string>& before,
                                        const std::map<std::string, std::string>& set) {
  std::size_t count = before.size();
  for (const auto& [name, value] : set) {
    if (name.empty() || name.size() > 255 || user::core_attribute(name))
      return make_domain_error(errc::bad_request,
                               "Invalid input for field '" + name.substr(0, 255) + "'.");
    if (value.size() > user::max_extra_value_bytes)
      return make_domain_error(errc::bad_request, "The value of '" + name + "' is longer than " +
                                                      std::to_string(user::max_extra_value_bytes) +
                                                      " bytes.");
    if (!before.count(name)) ++count;
  }
  if (count > user::max_extra_attributes)
    return make_domain_error(errc::bad_request, "A user keeps at most " +
                                                    std::to_string(user::max_extra_attributes) +
                                                    " other attributes.");
  return std::nullopt;
}

struct decider {
  const user_state& s;

  decision<user_event> operator()(const user::create& c) const {
    if (s.version > 0)
      return make_domain_error(errc::conflict, "User " + s.id + " already exists.");
    if (auto e = check_name(c.name)) return *e;
    if (auto e = check_hash(c.password_hash, true)) return *e;
    if (auto e = check_extra({}, c.extra)) return *e;
    return std::vector<user_event>{user_created{c.name, c.domain_id, c.default_project_id,
                                                c.enabled, c.description, c.email, c.password_hash,
                                                c.extra}};
  }

  decision<user_event> operator()(const user::update& c) const {
    if (!s.exists()) return not_found(s);
    if (c.name)
      if (auto e = check_name(*c.name)) return *e;
    if (auto e = check_extra(s.extra, c.extra_set)) return *e;
    return std::vector<user_event>{user_updated{
        c.name, c.default_project_id, c.enabled, c.description, c.email,
        c.enabled == false ? std::optional<std::int64_t>(c.now_us) : std::nullopt, c.extra_set}};
  }

  decision<user_event> operator()(const user::change_password& c) const {
    if (!s.exists()) return not_found(s);
    if (auto e = check_hash(c.password_hash, false)) return *e;
    return std::vector<user_event>{user_password_changed{c.password_hash, c.now_us}};
  }

  decision<user_event> operator()(const user::remove&) const {
    if (!s.exists()) return not_found(s);
    return std::vector<user_event>{user_deleted{}};
  }

  decision<user_event> operator()(const user::revoke_token& c) const {
    if (!s.exists()) return not_found(s);
    if (c.audit_id.empty())
      return make_domain_error(errc::bad_request, "A token to revoke needs its audit id.");
    if (s.token_revoked(c.audit_id)) return std::vector<user_event>{};
    return std::vector<user_event>{user_token_revoked{c.audit_id, c.expires_at_us}};
  }

  decision<user_event> operator()(const user::create_application_credential& c) const {
    if (!s.exists()) return not_found(s);
    if (c.name.empty() || c.name.size() > 255)
      return make_domain_error(errc::bad_request,
                               "An application credential's name is 1 to 255 characters.");
    if (auto e = check_hash(c.secret_hash, false)) return *e;
    if (c.expires_at_us && c.expires_at_us <= c.now_us)
      return make_domain_error(errc::bad_request,
                               "Invalid application credential: 'expires_at' must not be before "
                               "now.");
    for (const auto& [id, a] : s.application_credentials)
      if (a.name == c.name)
        return make_domain_error(errc::conflict,
                                 "Conflict occurred attempting to store application_credential - "
                                 "Duplicate entry found with name " +
                                     c.name + ".");
    if (s.application_credentials.size() >= user::max_application_credentials)
      return make_domain_error(errc::forbidden,
                               "Unable to create additional application credentials, maximum of " +
                                   std::to_string(user::max_application_credentials) +
                                   " already exceeded for user.");
    if (s.application_credentials.count(c.id))
      return make_domain_error(errc::conflict, "Application credential " + c.id + " exists.");
    return std::vector<user_event>{user_application_credential_created{
        c.id, c.name, c.description, c.secret_hash, c.project_id, c.role_ids, c.expires_at_us,
        c.unrestricted}};
  }

  decision<user_event> operator()(const user::delete_application_credential& c) const {
    if (!s.exists()) return not_found(s);
    if (!s.application_credentials.count(c.id))
      return make_domain_error(errc::not_found,
                               "Could not find Application Credential: " + c.id + ".");
    return std::vector<user_event>{user_application_credential_deleted{c.id}};
  }
};

struct applier {
  user_state& s;

  void operator()(const user_created& e) {
    if (s.version > 0) throw invalid_event("user.created on a user that exists");
    s.name = e.name;
    s.domain_id = e.domain_id;
    s.default_project_id = e.default_project_id;
    s.enabled = e.enabled;
    s.description = e.description;
    s.email = e.email;
    s.password_hash = e.password_hash;
    s.extra = e.extra;
  }
  void operator()(const user_updated& e) {
    if (!s.exists()) throw invalid_event("user.updated on a user that does not exist");
    if (e.name) s.name = *e.name;
    if (e.default_project_id) s.default_project_id = *e.default_project_id;
    if (e.enabled) s.enabled = *e.enabled;
    if (e.description) s.description = *e.description;
    if (e.email) s.email = *e.email;
    for (const auto& [name, value] : e.extra_set) s.extra[name] = value;
    if (e.tokens_revoked_before)
      s.tokens_revoked_before_us = std::max(s.tokens_revoked_before_us, *e.tokens_revoked_before);
  }
  void operator()(const user_password_changed& e) {
    if (!s.exists()) throw invalid_event("user.password_changed on a user that does not exist");
    s.password_hash = e.password_hash;
    s.password_changed_at_us = e.changed_at;
  }
  void operator()(const user_deleted&) {
    if (!s.exists()) throw invalid_event("user.deleted on a user that does not exist");
    s.deleted = true;
  }
  void operator()(const user_token_revoked& e) {
    if (!s.exists()) throw invalid_event("user.token_revoked on a user that does not exist");
    s.revoked_tokens[e.audit_id] = e.expires_at;
  }
  void operator()(const user_application_credential_created& e) {
    if (!s.exists())
      throw invalid_event("user.application_credential_created on a user that does not exist");
    s.application_credentials[e.id] =
        application_credential{e.id,         e.name,     e.description, e.secret_hash,
                               e.project_id, e.role_ids, e.expires_at,  e.unrestricted};
  }
  void operator()(const user_application_credential_deleted& e) {
    if (!s.application_credentials.erase(e.id))
      throw invalid_event("user.application_credential_deleted of one that does not exist");
  }
};

}  // namespace

decision<user_event> user_machine::decide(const state& s, const command& c) {
  return std::visit(decider{s}, c);
}

user_state user_machine::apply(state s, const event& e) {
  std::visit(applier{s}, e);
  return s;
}

void to_json(nlohmann::json& j, const user_state& s) {
  j = nlohmann::json::object();
  meta_to_json(j, s);
  j["name"] = s.name;
  j["domain_id"] = s.domain_id;
  j["default_project_id"] =
      s.default_project_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.default_project_id);
  j["enabled"] = s.enabled;
  j["description"] = s.description;
  j["email"] = s.email;
  j["has_password"] = !s.password_hash.empty();
  j["revoked_tokens"] = s.revoked_tokens.size();
  j["password_changed_at"] =
      s.password_changed_at_us ? nlohmann::json(format_iso8601(s.password_changed_at_us)) : nullptr;
  j["extra"] = s.extra;
  // Application credentials without their secrets' hashes.
  auto creds = nlohmann::json::array();
  for (const auto& [id, a] : s.application_credentials)
    creds.push_back(
        {{"id", id},
         {"name", a.name},
         {"project_id", a.project_id},
         {"role_ids", a.role_ids},
         {"expires_at", a.expires_at_us ? nlohmann::json(format_iso8601(a.expires_at_us))
                                        : nlohmann::json(nullptr)},
         {"unrestricted", a.unrestricted}});
  j["application_credentials"] = std::move(creds);
}

namespace user {

bool core_attribute(const std::string& name) {
  static const std::set<std::string> core{
      "id",    "name",    "domain_id", "default_project_id",  "enabled",  "password", "description",
      "email", "options", "links",     "password_expires_at", "federated"};
  return core.count(name) > 0;
}

}  // namespace user

}  // namespace cumulo
