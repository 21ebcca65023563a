// A project's Nova quotas as a resource, stream compute_quota/<project id>:
// only the limits an admin set are recorded; the others stay Nova's
// defaults. A kind of its own rather than a section of quota/<project>
// (Neutron's): the two services have their own names, defaults, error
// words and API, and a Neutron quota reset must not reset Nova's.
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

// Nova's quota resources with their defaults (nova.conf [quota]), in the
// order GET /os-quota-sets lists them; -1 = unlimited. fixed_ips,
// floating_ips, security_groups and security_group_rules are nova-network's,
// shown below microversion 2.36 only; injected_file* below 2.57 only.
struct compute_quota_set {
  std::map<std::string, std::int64_t> limits;  // every resource
  compute_quota_set();
  std::int64_t limit(const std::string& resource) const;
};

const std::vector<std::string>& compute_quota_resources();
bool is_compute_quota_resource(const std::string& resource);
// Whether GET /os-quota-sets shows the resource at that microversion
// (minor number of 2.x).
bool compute_quota_shown(const std::string& resource, int microversion_minor);

// What a project uses of the counted resources.
struct compute_usage {
  std::int64_t instances = 0;
  std::int64_t cores = 0;
  std::int64_t ram = 0;
};

// Nova's check before a launch: nothing when `wanted` fits, else 403
// "Quota exceeded for instances: Requested 1, but already used 10 of 10
// instances" (the resources over their limit in name order, the numbers of
// the first).
std::optional<domain_error> check_instance_quota(const compute_quota_set& q,
                                                 const compute_usage& used,
                                                 const compute_usage& wanted);
// key_pairs (per user): 403 "Quota exceeded, too many key pairs."
std::optional<domain_error> check_keypair_quota(const compute_quota_set& q, std::int64_t used);

// --- events (schema in schemas/events/compute_quota.json) ---
struct compute_quota_updated {
  static constexpr const char* type_name = "compute_quota.updated";
  static constexpr int schema_version = 1;
  std::map<std::string, std::int64_t> limits;  // resource -> limit (-1: unlimited)
  MSGPACK_DEFINE_MAP(limits)
};

// DELETE /os-quota-sets/{project_id}: back to the defaults.
struct compute_quota_reset {
  static constexpr const char* type_name = "compute_quota.reset";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

using compute_quota_event = std::variant<compute_quota_updated, compute_quota_reset>;

// --- state ---
struct compute_quota_state : resource_meta {
  compute_quota_set limits;
};

void to_json(nlohmann::json& j, const compute_quota_state& s);

// --- commands ---
namespace compute_quota {
// Nova refuses a limit below what is in use unless forced; `in_use` is what
// the compute actor counts now (instances, cores, ram).
struct update {
  std::map<std::string, std::int64_t> limits;
  bool force = false;
  compute_usage in_use;
};
struct reset {};
using command = std::variant<update, reset>;
}  // namespace compute_quota

struct compute_quota_machine {
  static constexpr const char* kind = "compute_quota";
  using state = compute_quota_state;
  using event = compute_quota_event;
  using command = compute_quota::command;
  static decision<event> decide(const state& s, const command& c);
  static state apply(state s, const event& e);
};

}  // namespace cumulo
