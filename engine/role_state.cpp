#include "engine/role_state.hpp"

namespace cumulo {
namespace {

// Keystone limits a role name to 255 characters.
std::optional<domain_error> check_name(const std::string& name) {
  if (name.empty()) return make_domain_error(errc::bad_request, "Role name must not be empty.");
  if (name.size() > 255)
    return make_domain_error(errc::bad_request, "Role name is longer than 255 characters.");
  return std::nullopt;
}

domain_error not_found(const role_state& s) {
  return make_domain_error(errc::not_found, "Could not find role: " + s.id + ".");
}

struct decider {
  const role_state& s;

  decision<role_event> operator()(const role::create& c) const {
    if (s.version > 0)
      return make_domain_error(errc::conflict, "Role " + s.id + " already exists.");
    if (auto e = check_name(c.name)) return *e;
    return std::vector<role_event>{role_created{c.name, c.domain_id, c.description}};
  }

  decision<role_event> operator()(const role::update& c) const {
    if (!s.exists()) return not_found(s);
    if (c.name)
      if (auto e = check_name(*c.name)) return *e;
    return std::vector<role_event>{role_updated{c.name, c.description}};
  }

  decision<role_event> operator()(const role::remove&) const {
    if (!s.exists()) return not_found(s);
    return std::vector<role_event>{role_deleted{}};
  }
};

struct applier {
  role_state& s;

  void operator()(const role_created& e) {
    if (s.version > 0) throw invalid_event("role.created on a role that exists");
    s.name = e.name;
    s.domain_id = e.domain_id;
    s.description = e.description;
  }
  void operator()(const role_updated& e) {
    if (!s.exists()) throw invalid_event("role.updated on a role that does not exist");
    if (e.name) s.name = *e.name;
    if (e.description) s.description = *e.description;
  }
  void operator()(const role_deleted&) {
    if (!s.exists()) throw invalid_event("role.deleted on a role that does not exist");
    s.deleted = true;
  }
};

}  // namespace

decision<role_event> role_machine::decide(const state& s, const command& c) {
  return std::visit(decider{s}, c);
}

role_state role_machine::apply(state s, const event& e) {
  std::visit(applier{s}, e);
  return s;
}

void to_json(nlohmann::json& j, const role_state& s) {
  j = nlohmann::json::object();
  meta_to_json(j, s);
  j["name"] = s.name;
  j["domain_id"] = s.domain_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.domain_id);
  j["description"] = s.description;
}

}  // namespace cumulo
