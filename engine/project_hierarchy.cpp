#include "engine/project_hierarchy.hpp"

#include <algorithm>

namespace cumulo {
namespace {

// Parents can't change, so the tree has no cycle; the bound only keeps a
// corrupt directory from looping.
constexpr int walk_limit = 64;

domain_error forbidden(std::string message) {
  return make_domain_error(errc::forbidden, std::move(message));
}

bool below(const identity_directory& dir, const project_state& p, const std::string& id) {
  for (const auto* a : ancestors_of(dir, p))
    if (a->id == id) return true;
  return false;
}

}  // namespace

const std::string& parent_of(const project_state& p) {
  return p.parent_id.empty() ? p.domain_id : p.parent_id;
}

std::vector<const project_state*> ancestors_of(const identity_directory& dir,
                                               const project_state& p) {
  std::vector<const project_state*> out;
  const project_state* at = &p;
  for (int i = 0; i < walk_limit; ++i) {
    const auto& up = parent_of(*at);
    if (up == at->domain_id) break;  // the domain: the root
    at = dir.project(up);
    if (!at) break;
    out.push_back(at);
  }
  return out;
}

std::vector<project_state> children_of(const identity_directory& dir, const std::string& id) {
  auto all = dir.projects();
  all.erase(std::remove_if(all.begin(), all.end(),
                           [&id](const project_state& p) { return parent_of(p) != id; }),
            all.end());
  return all;
}

std::optional<domain_error> parent_refusal(const identity_directory& dir,
                                           const std::string& parent_id,
                                           const std::string& domain_id) {
  const auto* domain = dir.domain(domain_id);
  if (parent_id.empty() || parent_id == domain_id) {
    // Keystone's parent is then the domain, and a disabled one takes no project.
    if (domain && !domain->enabled)
      return make_domain_error(errc::bad_request,
                               "cannot create a project in a branch containing a disabled "
                               "project: " +
                                   domain_id);
    return std::nullopt;
  }
  if (dir.domain(parent_id))
    return make_domain_error(errc::bad_request,
                             "Cannot create project, the parent (" + parent_id +
                                 ") is acting as a domain, but this project's domain id (" +
                                 domain_id + ") does not match the parent's id.");
  const auto* parent = dir.project(parent_id);
  if (!parent)
    return make_domain_error(errc::not_found, "Could not find project: " + parent_id + ".");
  if (parent->domain_id != domain_id)
    return make_domain_error(
        errc::bad_request, "Cannot create project, since it specifies its domain_id " + domain_id +
                               ", but specifies a parent in a different domain (" +
                               parent->domain_id + ").");
  // The whole branch above must be enabled: the domain, then down to the parent.
  auto branch = ancestors_of(dir, *parent);
  std::reverse(branch.begin(), branch.end());
  branch.push_back(parent);
  std::string disabled = domain && !domain->enabled ? domain_id : "";
  for (const auto* p : branch)
    if (disabled.empty() && !p->enabled) disabled = p->id;
  if (!disabled.empty())
    return make_domain_error(errc::bad_request,
                             "cannot create a project in a branch containing a disabled "
                             "project: " +
                                 disabled);
  // The new project sits one below its parent.
  if (static_cast<int>(branch.size()) + 1 > max_project_tree_depth)
    return forbidden("Max hierarchy depth reached for " + parent_id + " branch.");
  return std::nullopt;
}

std::optional<domain_error> removal_refusal(const identity_directory& dir, const std::string& id) {
  if (children_of(dir, id).empty()) return std::nullopt;
  return forbidden("Cannot delete the project " + id +
                   " since it is not a leaf in the hierarchy. Use the cascade option if you "
                   "want to delete a whole subtree.");
}

std::optional<domain_error> enabling_refusal(const identity_directory& dir, const project_state& p,
                                             bool enabled) {
  if (enabled == p.enabled) return std::nullopt;
  if (!enabled) {
    for (const auto& q : dir.projects())
      if (q.enabled && below(dir, q, p.id))
        return forbidden("Cannot disable project " + p.id +
                         " since its subtree contains enabled projects.");
    return std::nullopt;
  }
  for (const auto* a : ancestors_of(dir, p))
    if (!a->enabled)
      return forbidden("Cannot enable project " + p.id + " since it has disabled parents");
  return std::nullopt;
}

}  // namespace cumulo
