// An address scope (Neutron): a space of addresses in which the subnet
// pools it holds never overlap, so that routers route between its subnets
// without NAT. Its events, commands and the pure state machine; which pools
// it holds is theirs to say (subnetpool_state's address_scope_id).
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "engine/codec.hpp"
#include <nlohmann/json.hpp>

#include "engine/resource.hpp"

namespace cumulo {

// --- events (schema in schemas/events/address_scope.json) ---
struct address_scope_created {
  static constexpr const char* type_name = "address_scope.created";
  static constexpr int schema_version = 1;
  std::string name;
  std::string project_id;
  int ip_version = 4;
  bool shared = false;
  MSGPACK_DEFINE_MAP(name, project_id, ip_version, shared)
};

struct address_scope_updated {
  static constexpr const char* type_name = "address_scope.updated";
  static constexpr int schema_version = 1;
  std::optional<std::string> name;
  std::optional<bool> shared;
  MSGPACK_DEFINE_MAP(name, shared)
};

struct address_scope_deleted {
  static constexpr const char* type_name = "address_scope.deleted";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

using address_scope_event =
    std::variant<address_scope_created, address_scope_updated, address_scope_deleted>;

// --- state ---
struct address_scope_state : resource_meta {
  std::string name;
  std::string project_id;
  int ip_version = 4;
  bool shared = false;
};

void to_json(nlohmann::json& j, const address_scope_state& s);

// --- commands ---
namespace address_scope {
struct create {
  std::string name;
  std::string project_id;
  int ip_version = 4;
  bool shared = false;
};
// A shared scope stays shared (Neutron's AddressScopeUpdateError).
struct update {
  std::optional<std::string> name;
  std::optional<bool> shared;
};
// Whether a pool still uses it is the networking door's to say.
struct remove {};
using command = std::variant<create, update, remove>;
}  // namespace address_scope

struct address_scope_machine {
  static constexpr const char* kind = "address_scope";
  using state = address_scope_state;
  using event = address_scope_event;
  using command = address_scope::command;
  static decision<event> decide(const state& s, const command& c);
  static state apply(state s, const event& e);
};

}  // namespace cumulo
