// A project (Keystone): its events, commands and the pure state machine.
#pragma once

#include <optional>
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
  MSGPACK_DEFINE_MAP(name, domain_id, description, enabled, tags)
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

using project_event = std::variant<project_created, project_updated, project_deleted>;

// --- state ---
struct project_state : resource_meta {
  std::string name;
  std::string domain_id;
  std::string description;
  bool enabled = true;
  std::vector<std::string> tags;
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
};
struct update {
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<bool> enabled;
  std::optional<std::vector<std::string>> tags;
};
struct remove {};
using command = std::variant<create, update, remove>;
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
