// A project (Keystone): its events, commands and the pure state machine.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "engine/codec.hpp"
#include <nlohmann/json.hpp>

#include "engine/resource.hpp"

namespace cumulo {

// --- events (schema in schemas/events/project.json) ---
struct project_created {
  static constexpr const char* type_name = "project.created";
  static constexpr int schema_version = 1;
  std::string name;
  std::string domain_id;
  std::string description;
  bool enabled = true;
  std::vector<std::string> tags;
  // The project it is a child of, or its domain for a top-level one. Absent
  // in events written before hierarchies were kept: those read as the domain.
  std::optional<std::string> parent_id;
  MSGPACK_DEFINE_MAP(name, domain_id, description, enabled, tags, parent_id)
};

struct project_updated {
  static constexpr const char* type_name = "project.updated";
  static constexpr int schema_version = 1;
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<bool> enabled;
  std::optional<std::vector<std::string>> tags;
  MSGPACK_DEFINE_MAP(name, description, enabled, tags)
};

struct project_deleted {
  static constexpr const char* type_name = "project.deleted";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

// A role assignment on the project: user `user_id` holds role `role_id`.
struct project_role_granted {
  static constexpr const char* type_name = "project.role_granted";
  static constexpr int schema_version = 1;
  std::string user_id;
  std::string role_id;
  MSGPACK_DEFINE_MAP(user_id, role_id)
};

struct project_role_revoked {
  static constexpr const char* type_name = "project.role_revoked";
  static constexpr int schema_version = 1;
  std::string user_id;
  std::string role_id;
  // The user's tokens on this project issued up to then stay revoked, also
  // once a role is granted again. Absent in events written before it existed.
  std::optional<std::int64_t> tokens_revoked_before;
  MSGPACK_DEFINE_MAP(user_id, role_id, tokens_revoked_before)
};

using project_event = std::variant<project_created, project_updated, project_deleted,
                                   project_role_granted, project_role_revoked>;

// --- state ---
struct project_state : resource_meta {
  std::string name;
  std::string domain_id;
  // Keystone's parent_id: the parent project, or the domain for a top-level
  // project (a domain is the root of its projects' tree).
  std::string parent_id;
  std::string description;
  bool enabled = true;
  std::vector<std::string> tags;
  // Role assignments: user id -> the ids of the roles it holds here. A user
  // with no role left has no entry.
  std::map<std::string, std::set<std::string>> roles;
  // user id -> tokens of that user on this project issued at or before this
  // time (µs) are revoked (a role of theirs was removed then).
  std::map<std::string, std::int64_t> tokens_revoked_before;

  bool has_role(const std::string& user_id, const std::string& role_id) const;
  // The roles of a user on this project (empty when it has none).
  const std::set<std::string>& roles_of(const std::string& user_id) const;
};

void to_json(nlohmann::json& j, const project_state& s);

// --- commands ---
namespace project {
struct create {
  std::string name;
  std::string domain_id = "default";
  std::string description;
  bool enabled = true;
  std::vector<std::string> tags;
  // The parent project; empty: the domain (a top-level project). The
  // identity actor checks the parent against the directory before.
  std::string parent_id;
};
struct update {
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<bool> enabled;
  std::optional<std::vector<std::string>> tags;
  // Keystone takes parent_id in an update only when it is the one the
  // project has (a project never moves in the tree).
  std::optional<std::string> parent_id;
};
struct remove {};
// Keystone's PUT /v3/projects/{p}/users/{u}/roles/{r}: granting an existing
// assignment is accepted and records nothing.
struct grant_role {
  std::string user_id;
  std::string role_id;
};
// DELETE of the same: a missing assignment is not_found.
struct revoke_role {
  std::string user_id;
  std::string role_id;
  std::int64_t now_us = 0;  // when it is asked: the user's tokens here until then are revoked
};
using command = std::variant<create, update, remove, grant_role, revoke_role>;
}  // namespace project

struct project_machine {
  static constexpr const char* kind = "project";
  using state = project_state;
  using event = project_event;
  using command = project::command;
  static decision<event> decide(const state& s, const command& c);
  static state apply(state s, const event& e);
};

}  // namespace cumulo
