// A project's Neutron quotas as a resource (stream quota/<project id>):
// only the limits an admin set are recorded; the others stay Neutron's
// defaults (engine/quota.hpp). No stream: all defaults.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "engine/codec.hpp"
#include <nlohmann/json.hpp>

#include "engine/quota.hpp"
#include "engine/resource.hpp"

namespace cumulo {

// --- events (schema in schemas/events/quota.json) ---
struct quota_updated {
  static constexpr const char* type_name = "quota.updated";
  static constexpr int schema_version = 1;
  std::map<std::string, std::int64_t> limits;  // resource -> limit (-1: unlimited)
  MSGPACK_DEFINE_MAP(limits)
};

// DELETE /v2.0/quotas/{project_id}: back to the defaults.
struct quota_reset {
  static constexpr const char* type_name = "quota.reset";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

using quota_event = std::variant<quota_updated, quota_reset>;

// --- state ---
struct quota_state : resource_meta {
  quota_set limits;  // the defaults until an admin changes one
};

void to_json(nlohmann::json& j, const quota_state& s);

// --- commands ---
namespace quota {
struct update {
  std::map<std::string, std::int64_t> limits;
};
struct reset {};
using command = std::variant<update, reset>;
}  // namespace quota

struct quota_machine {
  static constexpr const char* kind = "quota";
  using state = quota_state;
  using event = quota_event;
  using command = quota::command;
  static decision<event> decide(const state& s, const command& c);
  static state apply(state s, const event& e);
};

}  // namespace cumulo
