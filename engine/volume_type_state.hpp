// A volume type (Cinder's /types): the name a volume is created with and
// the extra specs the backend reads ("multiattach": "<is> True", ...).
// Stream volume_type/<uuid>. The volumes door is its door: it keeps names
// unique, makes the default type __DEFAULT__ at bootstrap, and refuses to
// delete a type that volumes still use (it counts them; a type's stream
// knows nothing of its volumes).
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

// Cinder's name for the type a cloud always has (default_volume_type).
inline constexpr const char* default_volume_type_name = "__DEFAULT__";

// --- events (schema in schemas/events/volume_type.json) ---
struct volume_type_created {
  static constexpr const char* type_name = "volume_type.created";
  static constexpr int schema_version = 1;
  std::string name;
  std::string description;
  bool is_public = true;
  std::map<std::string, std::string> extra_specs;
  MSGPACK_DEFINE_MAP(name, description, is_public, extra_specs)
};

// Only the fields given are non-null.
struct volume_type_updated {
  static constexpr const char* type_name = "volume_type.updated";
  static constexpr int schema_version = 1;
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<bool> is_public;
  MSGPACK_DEFINE_MAP(name, description, is_public)
};

// Added or replaced; the other specs stay.
struct volume_type_extra_specs_set {
  static constexpr const char* type_name = "volume_type.extra_specs_set";
  static constexpr int schema_version = 1;
  std::map<std::string, std::string> extra_specs;
  MSGPACK_DEFINE_MAP(extra_specs)
};

struct volume_type_extra_spec_unset {
  static constexpr const char* type_name = "volume_type.extra_spec_unset";
  static constexpr int schema_version = 1;
  std::string key;
  MSGPACK_DEFINE_MAP(key)
};

struct volume_type_deleted {
  static constexpr const char* type_name = "volume_type.deleted";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

using volume_type_event =
    std::variant<volume_type_created, volume_type_updated, volume_type_extra_specs_set,
                 volume_type_extra_spec_unset, volume_type_deleted>;

// --- state ---
struct volume_type_state : resource_meta {
  std::string name;
  std::string description;
  bool is_public = true;
  std::map<std::string, std::string> extra_specs;
};

void to_json(nlohmann::json& j, const volume_type_state& s);

// Whether volumes of this type may be attached to several servers
// (Cinder reads the extra spec "multiattach" as "<is> True").
bool multiattach_type(const volume_type_state& s);

// --- commands ---
namespace volume_type {
struct create {
  std::string name;
  std::string description;
  bool is_public = true;
  std::map<std::string, std::string> extra_specs;
};
struct update {
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<bool> is_public;
};
struct set_extra_specs {
  std::map<std::string, std::string> extra_specs;
};
struct unset_extra_spec {
  std::string key;
};
struct remove {};
using command = std::variant<create, update, set_extra_specs, unset_extra_spec, remove>;
}  // namespace volume_type

struct volume_type_machine {
  static constexpr const char* kind = "volume_type";
  using state = volume_type_state;
  using event = volume_type_event;
  using command = volume_type::command;
  static decision<event> decide(const state& s, const command& c);
  static state apply(state s, const event& e);
};

}  // namespace cumulo
