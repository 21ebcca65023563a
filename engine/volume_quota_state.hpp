// A project's Cinder quotas as a resource, stream volume_quota/<project id>:
// only the limits an admin set are recorded; the others stay Cinder's
// defaults. A kind of its own, as Nova's (compute_quota) and Neutron's
// (quota) are: each service has its own names, defaults, words and API,
// and a reset of one must not reset another.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "engine/codec.hpp"
#include <nlohmann/json.hpp>

#include "engine/resource.hpp"

namespace cumulo {

// Cinder's quota resources with their defaults (cinder.conf quota_*,
// per_volume_size_limit); -1 = unlimited. Each volume type adds three
// more, volumes_<type>, gigabytes_<type> and snapshots_<type>, unlimited
// unless set.
struct volume_quota_set {
  std::map<std::string, std::int64_t> limits;  // the fixed resources, and per-type ones set
  volume_quota_set();
  std::int64_t limit(const std::string& resource) const;
};

// The fixed resources, in the order GET /os-quota-sets lists them.
const std::vector<std::string>& volume_quota_resources();
// A fixed resource, or a per-type one of a type the door knows.
bool is_volume_quota_resource(const std::string& resource,
                              const std::vector<std::string>& volume_types);
// The per-type resources of a type.
std::vector<std::string> volume_type_quota_resources(const std::string& volume_type);

// What a project uses (and has reserved), by resource name, per-type ones
// included; a resource not listed is 0.
using volume_usage = std::map<std::string, std::int64_t>;

// Cinder's checks, in its words (413). A volume of `size` GB of a type:
// per_volume_gigabytes, then the first over its limit in name order of
// volumes, gigabytes and their per-type ones ("Requested volume size 5G is
// larger than maximum allowed limit 2G.", "Maximum number of volumes
// allowed (10) exceeded for quota 'volumes'.", "Requested volume or
// snapshot exceeds allowed gigabytes quota. Requested 5G, quota is 1000G
// and 998G has been consumed.").
std::optional<domain_error> check_volume_quota(const volume_quota_set& q, const volume_usage& used,
                                               std::int64_t size, const std::string& volume_type);
// A snapshot of a volume of `size` GB: snapshots and gigabytes ("Maximum
// number of snapshots allowed (10) exceeded").
std::optional<domain_error> check_snapshot_quota(const volume_quota_set& q,
                                                 const volume_usage& used, std::int64_t size,
                                                 const std::string& volume_type);
// An extend from `size` to `new_size`: per_volume_gigabytes for the new
// size, gigabytes for the growth.
std::optional<domain_error> check_extend_quota(const volume_quota_set& q, const volume_usage& used,
                                               std::int64_t size, std::int64_t new_size,
                                               const std::string& volume_type);

// --- events (schema in schemas/events/volume_quota.json) ---
struct volume_quota_updated {
  static constexpr const char* type_name = "volume_quota.updated";
  static constexpr int schema_version = 1;
  std::map<std::string, std::int64_t> limits;  // resource -> limit (-1: unlimited)
  MSGPACK_DEFINE_MAP(limits)
};

// DELETE /os-quota-sets/{project_id}: back to the defaults.
struct volume_quota_reset {
  static constexpr const char* type_name = "volume_quota.reset";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

using volume_quota_event = std::variant<volume_quota_updated, volume_quota_reset>;

// --- state ---
struct volume_quota_state : resource_meta {
  volume_quota_set limits;
};

void to_json(nlohmann::json& j, const volume_quota_state& s);

// --- commands ---
namespace volume_quota {
// Cinder refuses a limit below what is in use and reserved (there is no
// force); `in_use` is what the door counts now, `volume_types` the names of
// the types (for the per-type keys).
struct update {
  std::map<std::string, std::int64_t> limits;
  volume_usage in_use;
  std::vector<std::string> volume_types;
};
struct reset {};
using command = std::variant<update, reset>;
}  // namespace volume_quota

struct volume_quota_machine {
  static constexpr const char* kind = "volume_quota";
  using state = volume_quota_state;
  using event = volume_quota_event;
  using command = volume_quota::command;
  static decision<event> decide(const state& s, const command& c);
  static state apply(state s, const event& e);
};

}  // namespace cumulo
