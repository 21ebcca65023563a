// Keystone's project hierarchy: a project's parent is another project of its
// domain, or the domain itself for a top-level one. The rules that read the
// tree (where a project may be made, when one may be deleted, disabled or
// enabled), in Keystone's words. Pure: they read the identity directory the
// identity actor keeps.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "engine/identity_directory.hpp"
#include "engine/project_state.hpp"

namespace cumulo {

// Keystone's max_project_tree_depth (default 5): projects below a domain, the
// top-level one counted as 1.
inline constexpr int max_project_tree_depth = 5;

// The parent of p: a project's id, or its domain's (states made without a
// parent read as top-level).
const std::string& parent_of(const project_state& p);

// The projects above p, its parent first, up to its top-level project.
std::vector<const project_state*> ancestors_of(const identity_directory& dir,
                                               const project_state& p);

// The projects whose parent is id (GET /v3/projects?parent_id=id, a domain
// id too).
std::vector<project_state> children_of(const identity_directory& dir, const std::string& id);

// Why a new project of domain_id can't have parent_id ("" or the domain: a
// top-level project): an unknown parent (404), another domain's (400), a
// disabled project or domain above it (400), the tree too deep (403).
std::optional<domain_error> parent_refusal(const identity_directory& dir,
                                           const std::string& parent_id,
                                           const std::string& domain_id);

// Why project id can't be deleted: it has children (403; Keystone's cascade
// is not offered).
std::optional<domain_error> removal_refusal(const identity_directory& dir, const std::string& id);

// Why p can't become `enabled`: disabled while a project below it is enabled,
// or enabled below a disabled one (403).
std::optional<domain_error> enabling_refusal(const identity_directory& dir, const project_state& p,
                                             bool enabled);

}  // namespace cumulo
