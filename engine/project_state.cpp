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

struct decider {
  const project_state& s;

  decision<project_event> operator()(const project::create& c) const {
    if (s.version > 0)
      return make_domain_error(errc::conflict, "Project " + s.id + " already exists.");
    if (auto e = check_name(c.name)) return *e;
    return std::vector<project_event>{
        project_created{c.name, c.domain_id, c.description, c.enabled, c.tags}};
  }

  decision<project_event> operator()(const project::update& c) const {
    if (!s.exists()) return not_found(s);
    if (c.name)
      if (auto e = check_name(*c.name)) return *e;
    return std::vector<project_event>{project_updated{c.name, c.description, c.enabled, c.tags}};
  }

  decision<project_event> operator()(const project::remove&) const {
    if (!s.exists()) return not_found(s);
    return std::vector<project_event>{project_deleted{}};
  }
};

struct applier {
  project_state& s;

  void operator()(const project_created& e) {
    if (s.version > 0) throw invalid_event("project.created on a project that exists");
    s.name = e.name;
    s.domain_id = e.domain_id;
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
};

}  // namespace

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
  j["description"] = s.description;
  j["enabled"] = s.enabled;
  j["tags"] = s.tags;
}

}  // namespace cumulo
