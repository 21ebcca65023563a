// A server group (Nova's os-server-groups): a policy that places its
// members together (affinity) or apart (anti-affinity, with
// max_server_per_host), strictly or as a preference (the soft- forms).
// Stream server_group/<uuid>; the compute door is its door (quotas
// server_groups and server_group_members, membership at a server's create,
// and its end at the server's delete). The scheduler applies the policy.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "engine/codec.hpp"
#include <nlohmann/json.hpp>

#include "engine/resource.hpp"

namespace cumulo {

// --- events (schema in schemas/events/server_group.json) ---
struct server_group_created {
  static constexpr const char* type_name = "server_group.created";
  static constexpr int schema_version = 1;
  std::string name;
  std::string project_id;
  std::string user_id;
  std::string policy;  // affinity | anti-affinity | soft-affinity | soft-anti-affinity
  std::int64_t max_server_per_host = 0;  // anti-affinity's rule (2.64); 0: none given
  MSGPACK_DEFINE_MAP(name, project_id, user_id, policy, max_server_per_host)
};

struct server_group_member_added {
  static constexpr const char* type_name = "server_group.member_added";
  static constexpr int schema_version = 1;
  std::string instance_id;
  MSGPACK_DEFINE_MAP(instance_id)
};

struct server_group_member_removed {
  static constexpr const char* type_name = "server_group.member_removed";
  static constexpr int schema_version = 1;
  std::string instance_id;
  MSGPACK_DEFINE_MAP(instance_id)
};

struct server_group_deleted {
  static constexpr const char* type_name = "server_group.deleted";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

using server_group_event = std::variant<server_group_created, server_group_member_added,
                                        server_group_member_removed, server_group_deleted>;

// --- state ---
struct server_group_state : resource_meta {
  std::string name;
  std::string project_id;
  std::string user_id;
  std::string policy;
  std::int64_t max_server_per_host = 0;
  std::vector<std::string> members;  // instance ids, in the order they joined
};

void to_json(nlohmann::json& j, const server_group_state& s);

// Nova's four policies.
bool known_server_group_policy(const std::string& policy);
// How many members of an anti-affinity group one host may hold (the rule,
// else 1).
std::int64_t members_per_host(const server_group_state& s);

// --- commands ---
namespace server_group {
struct create {
  std::string name;
  std::string project_id;
  std::string user_id;
  std::string policy;
  std::int64_t max_server_per_host = 0;
};
// max_members: the project's server_group_members quota (-1: no limit).
struct add_member {
  std::string instance_id;
  std::int64_t max_members = -1;
};
struct remove_member {
  std::string instance_id;
};
struct remove {};
using command = std::variant<create, add_member, remove_member, remove>;
}  // namespace server_group

struct server_group_machine {
  static constexpr const char* kind = "server_group";
  using state = server_group_state;
  using event = server_group_event;
  using command = server_group::command;
  static decision<event> decide(const state& s, const command& c);
  static state apply(state s, const event& e);
};

}  // namespace cumulo
