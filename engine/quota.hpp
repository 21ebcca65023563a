// Neutron's quotas: the limits of a project and the check a create makes
// against what the project has in use. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/error.hpp"

namespace cumulo {

// A project's limits, with Neutron's defaults; -1 = unlimited.
struct quota_set {
  std::int64_t network = 100;
  std::int64_t subnet = 100;
  std::int64_t port = 500;
  std::int64_t router = 10;
  std::int64_t floatingip = 50;
  std::int64_t security_group = 10;
  std::int64_t security_group_rule = 100;

  // The limit of a resource; nullopt for a name that is not one.
  std::optional<std::int64_t> limit(const std::string& resource) const;
  // Sets a limit: 404 QuotaResourceUnknown for an unknown resource, 400
  // InvalidInput for a value below -1.
  std::optional<domain_error> set_limit(const std::string& resource, std::int64_t value);

  bool operator==(const quota_set&) const = default;
};

// The resource names, in Neutron's order of quota_set's fields.
const std::vector<std::string>& quota_resources();

// The body of GET /v2.0/quotas/{project_id}: {"quota": {"network": 100, ...}}.
void to_json(nlohmann::json& j, const quota_set& q);

// 409 OverQuota "Quota exceeded for resources: ['<resource>']." when
// in_use + wanted > limit (unless unlimited); 404 QuotaResourceUnknown for
// an unknown resource.
std::optional<domain_error> check_quota(const quota_set& q, const std::string& resource,
                                        std::int64_t in_use, std::int64_t wanted = 1);

}  // namespace cumulo
