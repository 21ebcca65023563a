#include "engine/group_state.hpp"

namespace cumulo {
namespace {

// Keystone limits a group name to 255 characters.
std::optional<domain_error> check_name(const std::string& name) {
  if (name.empty()) return make_domain_error(errc::bad_request, "Group name must not be empty.");
  if (name.size() > 255)
    return make_domain_error(errc::bad_request, "Group name is longer than 255 characters.");
  return std::nullopt;
}

domain_error not_found(const group_state& s) {
  return make_domain_error(errc::not_found, "Could not find group: " + s.id + ".");
}

domain_error assignment_not_found(const group_state& s, const std::string& project_id,
                                  const std::string& role_id) {
  return make_domain_error(errc::not_found, "Could not find role assignment with role: " + role_id +
                                                ", user or group: " + s.id +
                                                ", project, domain, or system: " + project_id +
                                                ".");
}

struct decider {
  const group_state& s;

  decision<group_event> operator()(const group::create& c) const {
    if (s.version > 0)
      return make_domain_error(errc::conflict, "Group " + s.id + " already exists.");
    if (auto e = check_name(c.name)) return *e;
    return std::vector<group_event>{group_created{c.name, c.domain_id, c.description}};
  }

  decision<group_event> operator()(const group::update& c) const {
    if (!s.exists()) return not_found(s);
    if (c.name)
      if (auto e = check_name(*c.name)) return *e;
    if (c.domain_id && *c.domain_id != s.domain_id)
      return make_domain_error(errc::bad_request, "Cannot change Domain ID");
    return std::vector<group_event>{group_updated{c.name, c.description}};
  }

  decision<group_event> operator()(const group::remove&) const {
    if (!s.exists()) return not_found(s);
    return std::vector<group_event>{group_deleted{}};
  }

  decision<group_event> operator()(const group::add_member& c) const {
    if (!s.exists()) return not_found(s);
    if (c.user_id.empty())
      return make_domain_error(errc::bad_request, "A member of a group needs a user.");
    if (s.has_member(c.user_id)) return std::vector<group_event>{};
    return std::vector<group_event>{group_member_added{c.user_id}};
  }

  decision<group_event> operator()(const group::remove_member& c) const {
    if (!s.exists()) return not_found(s);
    if (!s.has_member(c.user_id))
      return make_domain_error(errc::not_found,
                               "User '" + c.user_id + "' not found in group '" + s.id + "'");
    return std::vector<group_event>{group_member_removed{c.user_id}};
  }

  decision<group_event> operator()(const group::grant_role& c) const {
    if (!s.exists()) return not_found(s);
    if (c.project_id.empty() || c.role_id.empty())
      return make_domain_error(errc::bad_request, "A role assignment needs a project and a role.");
    if (s.has_role(c.project_id, c.role_id)) return std::vector<group_event>{};
    return std::vector<group_event>{group_role_granted{c.project_id, c.role_id}};
  }

  decision<group_event> operator()(const group::revoke_role& c) const {
    if (!s.exists()) return not_found(s);
    if (!s.has_role(c.project_id, c.role_id))
      return assignment_not_found(s, c.project_id, c.role_id);
    return std::vector<group_event>{group_role_revoked{c.project_id, c.role_id, c.now_us}};
  }

  decision<group_event> operator()(const group::drop_project& c) const {
    std::vector<group_event> out;
    if (!s.exists()) return out;  // a deleted group keeps nothing to drop
    for (const auto& role_id : s.roles_on(c.project_id))
      out.push_back(group_role_revoked{c.project_id, role_id, std::nullopt});
    return out;
  }
};

struct applier {
  group_state& s;

  void operator()(const group_created& e) {
    if (s.version > 0) throw invalid_event("group.created on a group that exists");
    s.name = e.name;
    s.domain_id = e.domain_id;
    s.description = e.description;
  }
  void operator()(const group_updated& e) {
    if (!s.exists()) throw invalid_event("group.updated on a group that does not exist");
    if (e.name) s.name = *e.name;
    if (e.description) s.description = *e.description;
  }
  void operator()(const group_deleted&) {
    if (!s.exists()) throw invalid_event("group.deleted on a group that does not exist");
    s.deleted = true;
  }
  void operator()(const group_member_added& e) {
    if (!s.exists()) throw invalid_event("group.member_added on a group that does not exist");
    if (!s.members.insert(e.user_id).second)
      throw invalid_event("group.member_added for a user who is a member");
  }
  void operator()(const group_member_removed& e) {
    if (!s.exists()) throw invalid_event("group.member_removed on a group that does not exist");
    if (s.members.erase(e.user_id) == 0)
      throw invalid_event("group.member_removed for a user who is no member");
  }
  void operator()(const group_role_granted& e) {
    if (!s.exists()) throw invalid_event("group.role_granted on a group that does not exist");
    if (!s.roles[e.project_id].insert(e.role_id).second)
      throw invalid_event("group.role_granted for an assignment that exists");
  }
  void operator()(const group_role_revoked& e) {
    if (!s.exists()) throw invalid_event("group.role_revoked on a group that does not exist");
    auto it = s.roles.find(e.project_id);
    if (it == s.roles.end() || it->second.erase(e.role_id) == 0)
      throw invalid_event("group.role_revoked for an assignment that does not exist");
    if (it->second.empty()) s.roles.erase(it);
    if (e.tokens_revoked_before) {
      auto& before = s.tokens_revoked_before[e.project_id];
      before = std::max(before, *e.tokens_revoked_before);
    }
  }
};

}  // namespace

bool group_state::has_role(const std::string& project_id, const std::string& role_id) const {
  auto it = roles.find(project_id);
  return it != roles.end() && it->second.count(role_id) != 0;
}

const std::set<std::string>& group_state::roles_on(const std::string& project_id) const {
  static const std::set<std::string> none;
  auto it = roles.find(project_id);
  return it == roles.end() ? none : it->second;
}

decision<group_event> group_machine::decide(const state& s, const command& c) {
  return std::visit(decider{s}, c);
}

group_state group_machine::apply(state s, const event& e) {
  std::visit(applier{s}, e);
  return s;
}

void to_json(nlohmann::json& j, const group_state& s) {
  j = nlohmann::json::object();
  meta_to_json(j, s);
  j["name"] = s.name;
  j["domain_id"] = s.domain_id;
  j["description"] = s.description;
  j["members"] = s.members;
  auto& roles = j["roles"] = nlohmann::json::object();
  for (const auto& [project_id, role_ids] : s.roles) roles[project_id] = role_ids;
}

}  // namespace cumulo
