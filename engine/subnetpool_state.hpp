// A subnet pool (Neutron): prefixes that subnets are allocated from by
// prefix length (engine/subnet_alloc.hpp), with the bounds of those
// lengths, a per-project quota and, optionally, the address scope it
// belongs to. Its events, commands and the pure state machine. Which
// subnets a pool gave is recorded on them (a network's subnet names its
// subnetpool_id): the networking door passes what a command needs of them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "engine/codec.hpp"
#include <nlohmann/json.hpp>

#include "engine/resource.hpp"
#include "engine/subnet_alloc.hpp"

namespace cumulo {

// --- events (schema in schemas/events/subnetpool.json) ---
// Prefixes are canonical text, compacted (adjacent ones merged).
struct subnetpool_created {
  static constexpr const char* type_name = "subnetpool.created";
  static constexpr int schema_version = 1;
  std::string name;
  std::string project_id;
  int ip_version = 4;
  std::vector<std::string> prefixes;
  int min_prefixlen = 8;
  int max_prefixlen = 32;
  int default_prefixlen = 8;
  std::optional<std::int64_t> default_quota;
  std::string address_scope_id;  // "": none
  bool is_default = false;
  bool shared = false;
  std::string description;
  MSGPACK_DEFINE_MAP(name, project_id, ip_version, prefixes, min_prefixlen, max_prefixlen,
                     default_prefixlen, default_quota, address_scope_id, is_default, shared,
                     description)
};

// Also the prefix operations (add_prefixes, remove_prefixes): prefixes then.
struct subnetpool_updated {
  static constexpr const char* type_name = "subnetpool.updated";
  static constexpr int schema_version = 1;
  std::optional<std::string> name;
  std::optional<std::vector<std::string>> prefixes;
  std::optional<int> min_prefixlen;
  std::optional<int> max_prefixlen;
  std::optional<int> default_prefixlen;
  std::optional<std::int64_t> default_quota;
  std::optional<std::string> address_scope_id;  // "": none
  std::optional<bool> is_default;
  std::optional<std::string> description;
  MSGPACK_DEFINE_MAP(name, prefixes, min_prefixlen, max_prefixlen, default_prefixlen, default_quota,
                     address_scope_id, is_default, description)
};

struct subnetpool_deleted {
  static constexpr const char* type_name = "subnetpool.deleted";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

using subnetpool_event = std::variant<subnetpool_created, subnetpool_updated, subnetpool_deleted>;

// --- state ---
struct subnetpool_state : resource_meta {
  std::string name;
  std::string project_id;
  int ip_version = 4;
  std::vector<std::string> prefixes;
  int min_prefixlen = 8;
  int max_prefixlen = 32;
  int default_prefixlen = 8;
  std::optional<std::int64_t> default_quota;
  std::string address_scope_id;
  bool is_default = false;
  bool shared = false;
  std::string description;
};

void to_json(nlohmann::json& j, const subnetpool_state& s);

// What subnet_alloc::allocate needs of a pool.
subnet_alloc::pool allocation_pool(const subnetpool_state& s);

// --- commands ---
namespace subnetpool {
// Prefixes as the client wrote them; the prefix lengths Neutron's when
// absent (min 8 or 64, max 32 or 128, default the min).
struct create {
  std::string name;
  std::string project_id;
  std::vector<std::string> prefixes;
  std::optional<int> min_prefixlen;
  std::optional<int> max_prefixlen;
  std::optional<int> default_prefixlen;
  std::optional<std::int64_t> default_quota;
  std::string address_scope_id;
  bool is_default = false;
  bool shared = false;
  std::string description;
};
// New prefixes must cover the pool's (a pool only grows by update).
struct update {
  std::optional<std::string> name;
  std::optional<std::vector<std::string>> prefixes;
  std::optional<int> min_prefixlen;
  std::optional<int> max_prefixlen;
  std::optional<int> default_prefixlen;
  std::optional<std::int64_t> default_quota;
  std::optional<std::string> address_scope_id;  // "": none
  std::optional<bool> is_default;
  std::optional<std::string> description;
};
// Neutron's subnetpool-prefix-ops. Nothing asked: nothing recorded.
struct add_prefixes {
  std::vector<std::string> prefixes;
};
// in_use: the CIDRs of the pool's subnets; a prefix they touch stays.
struct remove_prefixes {
  std::vector<std::string> prefixes;
  std::vector<std::string> in_use;
};
// Whether subnets still use it is the networking door's to say.
struct remove {};
using command = std::variant<create, update, add_prefixes, remove_prefixes, remove>;
}  // namespace subnetpool

struct subnetpool_machine {
  static constexpr const char* kind = "subnetpool";
  using state = subnetpool_state;
  using event = subnetpool_event;
  using command = subnetpool::command;
  static decision<event> decide(const state& s, const command& c);
  static state apply(state s, const event& e);
};

}  // namespace cumulo
