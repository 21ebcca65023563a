// A group (Keystone): users gathered under one name so that roles granted
// to the group reach every member. Its stream group/<id> holds the group,
// its members and its role assignments on projects: a member's roles on a
// project are its own there and those of its groups
// (engine/identity_directory.hpp).
#pragma once

#include <cstdint>
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

// --- events (schema in schemas/events/group.json) ---
struct group_created {
  static constexpr const char* type_name = "group.created";
  static constexpr int schema_version = 1;
  std::string name;
  std::string domain_id;
  std::string description;
  MSGPACK_DEFINE_MAP(name, domain_id, description)
};

struct group_updated {
  static constexpr const char* type_name = "group.updated";
  static constexpr int schema_version = 1;
  std::optional<std::string> name;
  std::optional<std::string> description;
  MSGPACK_DEFINE_MAP(name, description)
};

struct group_deleted {
  static constexpr const char* type_name = "group.deleted";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

struct group_member_added {
  static constexpr const char* type_name = "group.member_added";
  static constexpr int schema_version = 1;
  std::string user_id;
  MSGPACK_DEFINE_MAP(user_id)
};

struct group_member_removed {
  static constexpr const char* type_name = "group.member_removed";
  static constexpr int schema_version = 1;
  std::string user_id;
  MSGPACK_DEFINE_MAP(user_id)
};

// The group holds role `role_id` on project `project_id`.
struct group_role_granted {
  static constexpr const char* type_name = "group.role_granted";
  static constexpr int schema_version = 1;
  std::string project_id;
  std::string role_id;
  MSGPACK_DEFINE_MAP(project_id, role_id)
};

struct group_role_revoked {
  static constexpr const char* type_name = "group.role_revoked";
  static constexpr int schema_version = 1;
  std::string project_id;
  std::string role_id;
  // Set when a client removed the assignment: the members' tokens on the
  // project issued up to then stay revoked, as Keystone revokes each
  // member's grant. Empty when the project itself went (no token of it
  // validates any more).
  std::optional<std::int64_t> tokens_revoked_before;
  MSGPACK_DEFINE_MAP(project_id, role_id, tokens_revoked_before)
};

using group_event = std::variant<group_created, group_updated, group_deleted, group_member_added,
                                 group_member_removed, group_role_granted, group_role_revoked>;

// --- state ---
struct group_state : resource_meta {
  std::string name;
  std::string domain_id;
  std::string description;
  std::set<std::string> members;  // user ids
  // Role assignments: project id -> the ids of the roles the group holds
  // there. A project with no role left has no entry.
  std::map<std::string, std::set<std::string>> roles;
  // project id -> the members' tokens on that project issued at or before
  // this time (µs) are revoked (a role of the group there was removed then).
  std::map<std::string, std::int64_t> tokens_revoked_before;

  bool has_member(const std::string& user_id) const { return members.count(user_id) > 0; }
  bool has_role(const std::string& project_id, const std::string& role_id) const;
  // The roles of the group on a project (empty when it has none).
  const std::set<std::string>& roles_on(const std::string& project_id) const;
};

void to_json(nlohmann::json& j, const group_state& s);

// --- commands ---
namespace group {
struct create {
  std::string name;
  std::string domain_id = "default";
  std::string description;
};
struct update {
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<std::string> domain_id;  // as the body says: a group can't move (400)
};
struct remove {};
// PUT /v3/groups/{g}/users/{u}: adding a member twice records nothing, as
// Keystone answers 204 again.
struct add_member {
  std::string user_id;
};
// DELETE of the same: a user who is no member is not_found.
struct remove_member {
  std::string user_id;
};
// PUT /v3/projects/{p}/groups/{g}/roles/{r}: granting an existing
// assignment records nothing.
struct grant_role {
  std::string project_id;
  std::string role_id;
};
// DELETE of the same: a missing assignment is not_found.
struct revoke_role {
  std::string project_id;
  std::string role_id;
  std::int64_t now_us = 0;  // when it is asked: the members' tokens there until then are revoked
};
// The project was deleted: every role the group held there goes (nothing
// to record when it held none).
struct drop_project {
  std::string project_id;
};
using command = std::variant<create, update, remove, add_member, remove_member, grant_role,
                             revoke_role, drop_project>;
}  // namespace group

struct group_machine {
  static constexpr const char* kind = "group";
  using state = group_state;
  using event = group_event;
  using command = group::command;
  static decision<event> decide(const state& s, const command& c);
  static state apply(state s, const event& e);
};

}  // namespace cumulo
