#include "engine/quota.hpp"

namespace cumulo {
namespace {

// quota_set& or const quota_set&: a pointer to the field, or nullptr.
template <class Q>
auto field(Q& q, const std::string& resource) -> decltype(&q.network) {
  if (resource == "network") return &q.network;
  if (resource == "subnet") return &q.subnet;
  if (resource == "port") return &q.port;
  if (resource == "router") return &q.router;
  if (resource == "floatingip") return &q.floatingip;
  if (resource == "security_group") return &q.security_group;
  if (resource == "security_group_rule") return &q.security_group_rule;
  return nullptr;
}

domain_error unknown(const std::string& resource) {
  return make_neutron_error(errc::not_found, "QuotaResourceUnknown",
                            "Unknown quota resources ['" + resource + "'].");
}

}  // namespace

std::optional<std::int64_t> quota_set::limit(const std::string& resource) const {
  const std::int64_t* f = field(*this, resource);
  if (!f) return std::nullopt;
  return *f;
}

std::optional<domain_error> quota_set::set_limit(const std::string& resource, std::int64_t value) {
  std::int64_t* f = field(*this, resource);
  if (!f) return unknown(resource);
  if (value < -1)
    return make_neutron_error(errc::bad_request, "InvalidInput",
                              "Invalid input for " + resource + ". Reason: '" +
                                  std::to_string(value) +
                                  "' is too small - must be at least '-1'.");
  *f = value;
  return std::nullopt;
}

const std::vector<std::string>& quota_resources() {
  static const std::vector<std::string> names{
      "network", "subnet", "port", "router", "floatingip", "security_group", "security_group_rule"};
  return names;
}

void to_json(nlohmann::json& j, const quota_set& q) {
  nlohmann::json limits = nlohmann::json::object();
  for (const auto& name : quota_resources()) limits[name] = *q.limit(name);
  j = nlohmann::json{{"quota", limits}};
}

std::optional<domain_error> check_quota(const quota_set& q, const std::string& resource,
                                        std::int64_t in_use, std::int64_t wanted) {
  const auto limit = q.limit(resource);
  if (!limit) return unknown(resource);
  if (*limit < 0 || wanted <= 0 || in_use + wanted <= *limit) return std::nullopt;
  return make_neutron_error(errc::over_quota, "OverQuota",
                            "Quota exceeded for resources: ['" + resource + "'].");
}

}  // namespace cumulo
