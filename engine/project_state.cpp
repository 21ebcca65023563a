#include "engine/project_state.hpp"

namespace cumulo {
namespace {

// Keystone limits a project name to 64 characters.
std::optional<domain_error> check_name(const std::string& name) {
  if (name.empty()) return make_domain_error(errc::bad_request, "Project name must not be empty.");
  if (name.size() > 64)
    return make_domain_error(errc::bad_request, "Project name is longer than 64 characters.");
  return std::nullopt;
}

domain_error not_found(const project_state& s) {
  return make_domain_error(errc::not_found, "Could not find project: " + s.id + ".");
}

domain_error assignment_not_found(const project_state& s, const std::string& user_id,
                                  const std::string& role_id) {
  return make_domain_error(errc::not_found, "Could not find role assignment with role: " + role_id +
                                                ", user or group: " + user_id +
                                                ", project, domain, or system: " + s.id + ".");
}

struct decider {
  const project_state& s;

  decision<project_event> operator()(const project::create& c) const {
    if (s.version > 0)
      return make_domain_error(errc::conflict, "Project " + s.id + " already exists.");
    if (auto e = check_name(c.name)) return *e;
    return std::vector<project_event>{
        project_created{c.name, c.domain_id, c.description, c.enabled, c.tags,
                        c.parent_id.empty() ? c.domain_id : c.parent_id}};
  }

  decision<project_event> operator()(const project::update& c) const {
    if (!s.exists()) return not_found(s);
    if (c.parent_id && *c.parent_id != s.parent_id)
      return make_domain_error(errc::forbidden, "Update of `parent_id` is not allowed.");
    if (c.name)
      if (auto e = check_name(*c.name)) return *e;
    return std::vector<project_event>{project_updated{c.name, c.description, c.enabled, c.tags}};
  }

  decision<project_event> operator()(const project::remove&) const {
    if (!s.exists()) return not_found(s);
    return std::vector<project_event>{project_deleted{}};
  }

  decision<project_event> operator()(const project::grant_role& c) const {
    if (!s.exists()) return not_found(s);
    if (c.user_id.empty() || c.role_id.empty())
      return make_domain_error(errc::bad_request, "A role assignment needs a user and a role.");
    if (s.has_role(c.user_id, c.role_id)) return std::vector<project_event>{};
    return std::vector<project_event>{project_role_granted{c.user_id, c.role_id}};
  }

  decision<project_event> operator()(const project::revoke_role& c) const {
    if (!s.exists()) return not_found(s);
    if (!s.has_role(c.user_id, c.role_id)) return assignment_not_found(s, c.user_id, c.role_id);
    return std::vector<project_event>{project_role_revoked{c.user_id, c.role_id, c.now_us}};
  }
};

struct applier {
  project_state& s;

  void operator()(const project_created& e) {
    if (s.version > 0) throw invalid_event("project.created on a project that exists");
    s.name = e.name;
    s.domain_id = e.domain_id;
    s.parent_id = e.parent_id.value_or(e.domain_id);
    s.description = e.description;
    s.enabled = e.enabled;
    s.tags = e.tags;
  }
  void operator()(const project_updated& e) {
    if (!s.exists()) throw invalid_event("project.updated on a project that does not exist");
    if (e.name) s.name = *e.name;
    if (e.description) s.description = *e.description;
    if (e.enabled) s.enabled = *e.enabled;
    if (e.tags) s.tags = *e.tags;
  }
  void operator()(const project_deleted&) {
    if (!s.exists()) throw invalid_event("project.deleted on a project that does not exist");
    s.deleted = true;
  }
  void operator()(const project_role_granted& e) {
    if (!s.exists()) throw invalid_event("project.role_granted on a project that does not exist");
    if (!s.roles[e.user_id].insert(e.role_id).second)
      throw invalid_event("project.role_granted for an assignment that exists");
  }
  void operator()(const project_role_revoked& e) {
    if (!s.exists()) throw invalid_event("project.role_revoked on a project that does not exist");
    auto it = s.roles.find(e.user_id);
    if (it == s.roles.end() || it->second.erase(e.role_id) == 0)
      throw invalid_event("project.role_revoked for an assignment that does not exist");
    if (it->second.empty()) s.roles.erase(it);
    if (e.tokens_revoked_before) {
      auto& before = s.tokens_revoked_before[e.user_id];
      before = std::max(before, *e.tokens_revoked_before);
    }
  }
};

}  // namespace

bool project_state::has_role(const std::string& user_id, const std::string& role_id) const {
  auto it = roles.find(user_id);
  return it != roles.end() && it->second.count(role_id) != 0;
}

const std::set<std::string>& project_state::roles_of(const std::string& user_id) const {
  static const std::set<std::string> none;
  auto it = roles.find(user_id);
  return it == roles.end() ? none : it->second;
}

decision<project_event> project_machine::decide(const state& s, const command& c) {
  return std::visit(decider{s}, c);
}

project_state project_machine::apply(state s, const event& e) {
  std::visit(applier{s}, e);
  return s;
}

void to_json(nlohmann::json& j, const project_state& s) {
  j = nlohmann::json::object();
  meta_to_json(j, s);
  j["name"] = s.name;
  j["domain_id"] = s.domain_id;
  j["parent_id"] = s.parent_id;
  j["description"] = s.description;
  j["enabled"] = s.enabled;
  j["tags"] = s.tags;
  auto& roles = j["roles"] = nlohmann::json::object();
  for (const auto& [user_id, role_ids] : s.roles) roles[user_id] = role_ids;
}

}  // namespace cumulo
