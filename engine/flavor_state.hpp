// A flavor (Nova): the size of an instance - vCPUs, RAM, root, ephemeral
// and swap disk - with its extra specs. Stream flavor/<flavor id>; the id
// is the user's choice ("1", a UUID, tempest's integers). Names are unique
// across flavors: the compute actor checks that, it sees them all.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "engine/codec.hpp"
#include <nlohmann/json.hpp>

#include "engine/resource.hpp"

namespace cumulo {

// --- events (schema in schemas/events/flavor.json) ---
struct flavor_created {
  static constexpr const char* type_name = "flavor.created";
  static constexpr int schema_version = 1;
  std::string name;
  int vcpus = 0;
  std::int64_t ram = 0;        // MB
  std::int64_t disk = 0;       // GB, root
  std::int64_t ephemeral = 0;  // GB
  std::int64_t swap = 0;       // MB; 0: none
  double rxtx_factor = 1.0;
  bool is_public = true;
  std::optional<std::string> description;
  MSGPACK_DEFINE_MAP(name, vcpus, ram, disk, ephemeral, swap, rxtx_factor, is_public, description)
};

// Keys added or replaced; the others stay.
struct flavor_extra_specs_set {
  static constexpr const char* type_name = "flavor.extra_specs_set";
  static constexpr int schema_version = 1;
  std::map<std::string, std::string> extra_specs;
  MSGPACK_DEFINE_MAP(extra_specs)
};

struct flavor_extra_spec_deleted {
  static constexpr const char* type_name = "flavor.extra_spec_deleted";
  static constexpr int schema_version = 1;
  std::string key;
  MSGPACK_DEFINE_MAP(key)
};

struct flavor_description_updated {
  static constexpr const char* type_name = "flavor.description_updated";
  static constexpr int schema_version = 1;
  std::optional<std::string> description;  // nullopt: null
  MSGPACK_DEFINE_MAP(description)
};

struct flavor_deleted {
  static constexpr const char* type_name = "flavor.deleted";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

using flavor_event = std::variant<flavor_created, flavor_extra_specs_set, flavor_extra_spec_deleted,
                                  flavor_description_updated, flavor_deleted>;

// --- state ---
struct flavor_state : resource_meta {
  std::string name;
  int vcpus = 0;
  std::int64_t ram = 0;
  std::int64_t disk = 0;
  std::int64_t ephemeral = 0;
  std::int64_t swap = 0;
  double rxtx_factor = 1.0;
  bool is_public = true;
  std::optional<std::string> description;
  std::map<std::string, std::string> extra_specs;
};

void to_json(nlohmann::json& j, const flavor_state& s);

// Nova's words for a flavor that is not there.
domain_error flavor_not_found(const std::string& id);

// --- commands ---
namespace flavor {
struct create {
  std::string name;
  int vcpus = 0;
  std::int64_t ram = 0;
  std::int64_t disk = 0;
  std::int64_t ephemeral = 0;
  std::int64_t swap = 0;
  double rxtx_factor = 1.0;
  bool is_public = true;
  std::optional<std::string> description;
};
struct set_extra_specs {
  std::map<std::string, std::string> extra_specs;
};
struct delete_extra_spec {
  std::string key;
};
struct update_description {
  std::optional<std::string> description;
};
struct remove {};
using command =
    std::variant<create, set_extra_specs, delete_extra_spec, update_description, remove>;
}  // namespace flavor

struct flavor_machine {
  static constexpr const char* kind = "flavor";
  using state = flavor_state;
  using event = flavor_event;
  using command = flavor::command;
  static decision<event> decide(const state& s, const command& c);
  static state apply(state s, const event& e);
};

}  // namespace cumulo
