// A region of the catalog (Keystone's /v3/regions): its events, commands and
// the pure state machine. RegionOne is built in (engine/identity_catalog):
// it has no stream.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "engine/codec.hpp"
#include <nlohmann/json.hpp>

#include "engine/resource.hpp"

namespace cumulo {

// --- events (schema in schemas/events/region.json) ---
struct region_created {
  static constexpr const char* type_name = "region.created";
  static constexpr int schema_version = 1;
  std::string description;
  std::string parent_region_id;  // empty: none
  MSGPACK_DEFINE_MAP(description, parent_region_id)
};

struct region_updated {
  static constexpr const char* type_name = "region.updated";
  static constexpr int schema_version = 1;
  std::optional<std::string> description;
  std::optional<std::string> parent_region_id;
  MSGPACK_DEFINE_MAP(description, parent_region_id)
};

struct region_deleted {
  static constexpr const char* type_name = "region.deleted";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

using region_event = std::variant<region_created, region_updated, region_deleted>;

// --- state ---
struct region_state : resource_meta {
  std::string description;
  std::string parent_region_id;
};

void to_json(nlohmann::json& j, const region_state& s);

// --- commands ---
namespace region {
struct create {
  std::string description;
  std::string parent_region_id;
};
struct update {
  std::optional<std::string> description;
  std::optional<std::string> parent_region_id;
};
struct remove {};
using command = std::variant<create, update, remove>;
}  // namespace region

struct region_machine {
  static constexpr const char* kind = "region";
  using state = region_state;
  using event = region_event;
  using command = region::command;
  static decision<event> decide(const state& s, const command& c);
  static state apply(state s, const event& e);
};

}  // namespace cumulo
