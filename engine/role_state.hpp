// A role (Keystone): its events, commands and the pure state machine.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "engine/codec.hpp"
#include <nlohmann/json.hpp>

#include "engine/resource.hpp"

namespace cumulo {

// --- events (schema in schemas/events/role.json) ---
struct role_created {
  static constexpr const char* type_name = "role.created";
  static constexpr int schema_version = 1;
  std::string name;
  std::string domain_id;  // empty: a global role
  std::string description;
  MSGPACK_DEFINE_MAP(name, domain_id, description)
};

struct role_updated {
  static constexpr const char* type_name = "role.updated";
  static constexpr int schema_version = 1;
  std::optional<std::string> name;
  std::optional<std::string> description;
  MSGPACK_DEFINE_MAP(name, description)
};

struct role_deleted {
  static constexpr const char* type_name = "role.deleted";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

using role_event = std::variant<role_created, role_updated, role_deleted>;

// --- state ---
struct role_state : resource_meta {
  std::string name;
  std::string domain_id;  // empty: global
  std::string description;
};

void to_json(nlohmann::json& j, const role_state& s);

// --- commands ---
namespace role {
struct create {
  std::string name;
  std::string domain_id;  // empty: global, as Keystone's roles are by default
  std::string description;
};
struct update {
  std::optional<std::string> name;
  std::optional<std::string> description;
};
struct remove {};
using command = std::variant<create, update, remove>;
}  // namespace role

struct role_machine {
  static constexpr const char* kind = "role";
  using state = role_state;
  using event = role_event;
  using command = role::command;
  static decision<event> decide(const state& s, const command& c);
  static state apply(state s, const event& e);
};

}  // namespace cumulo
