// A domain (Keystone): a namespace of projects and users. The Default
// domain is built in (engine/identity_directory.hpp) and has no stream;
// every other domain is one of these.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "engine/codec.hpp"
#include <nlohmann/json.hpp>

#include "engine/resource.hpp"

namespace cumulo {

// --- events (schema in schemas/events/domain.json) ---
struct domain_created {
  static constexpr const char* type_name = "domain.created";
  static constexpr int schema_version = 1;
  std::string name;
  std::string description;
  bool enabled = true;
  MSGPACK_DEFINE_MAP(name, description, enabled)
};

struct domain_updated {
  static constexpr const char* type_name = "domain.updated";
  static constexpr int schema_version = 1;
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<bool> enabled;
  MSGPACK_DEFINE_MAP(name, description, enabled)
};

struct domain_deleted {
  static constexpr const char* type_name = "domain.deleted";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

using domain_event = std::variant<domain_created, domain_updated, domain_deleted>;

// --- state ---
struct domain_state : resource_meta {
  std::string name;
  std::string description;
  bool enabled = true;
};

void to_json(nlohmann::json& j, const domain_state& s);

// --- commands ---
namespace domain {
struct create {
  std::string name;
  std::string description;
  bool enabled = true;
};
struct update {
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<bool> enabled;
};
// Keystone deletes only a disabled domain (403 otherwise).
struct remove {};
using command = std::variant<create, update, remove>;
}  // namespace domain

struct domain_machine {
  static constexpr const char* kind = "domain";
  using state = domain_state;
  using event = domain_event;
  using command = domain::command;
  static decision<event> decide(const state& s, const command& c);
  static state apply(state s, const event& e);
};

}  // namespace cumulo
