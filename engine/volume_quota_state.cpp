#include "engine/volume_quota_state.hpp"

#include <algorithm>
#include <array>

namespace cumulo {
namespace {

// Cinder keeps limits in a signed 32-bit column.
constexpr std::int64_t max_limit = 2147483647;

constexpr std::array<const char*, 3> per_type_prefixes{"volumes_", "gigabytes_", "snapshots_"};

bool fixed_resource(const std::string& resource) {
  const auto& all = volume_quota_resources();
  return std::find(all.begin(), all.end(), resource) != all.end();
}

// volumes_<type>, gigabytes_<type> or snapshots_<type>, whatever the type.
bool per_type_resource(const std::string& resource) {
  return std::any_of(per_type_prefixes.begin(), per_type_prefixes.end(), [&](const char* p) {
    const std::string prefix = p;
    return resource.size() > prefix.size() && resource.compare(0, prefix.size(), prefix) == 0;
  });
}

std::int64_t used_of(const volume_usage& used, const std::string& resource) {
  auto it = used.find(resource);
  return it == used.end() ? 0 : it->second;
}

domain_error quota_error(std::string message) {
  return make_domain_error(errc::too_large, std::move(message));
}

// Cinder reserves every delta at once and reports the first resource over
// its limit in name order: the gigabytes ones in their words, the counted
// one (volumes or snapshots) in its own.
std::optional<domain_error> first_over(const volume_quota_set& q, const volume_usage& used,
                                       const std::map<std::string, std::int64_t>& deltas,
                                       std::int64_t size, const std::string& counted) {
  for (const auto& [resource, delta] : deltas) {  // a std::map: name order
    const std::int64_t limit = q.limit(resource);
    const std::int64_t consumed = used_of(used, resource);
    if (limit < 0 || delta < 0 || consumed + delta <= limit) continue;
    if (resource.find("gigabytes") != std::string::npos)
      return quota_error("Requested volume or snapshot exceeds allowed " + resource +
                         " quota. Requested " + std::to_string(size) + "G, quota is " +
                         std::to_string(limit) + "G and " + std::to_string(consumed) +
                         "G has been consumed.");
    if (counted == "volumes")
      return quota_error("Maximum number of volumes allowed (" + std::to_string(limit) +
                         ") exceeded for quota '" + resource + "'.");
    return quota_error("Maximum number of snapshots allowed (" + std::to_string(limit) +
                       ") exceeded");
  }
  return std::nullopt;
}

std::optional<domain_error> check_per_volume(const volume_quota_set& q, std::int64_t size) {
  const std::int64_t limit = q.limit("per_volume_gigabytes");
  if (limit < 0 || size <= limit) return std::nullopt;
  return quota_error("Requested volume size " + std::to_string(size) +
                     "G is larger than maximum allowed limit " + std::to_string(limit) + "G.");
}

std::map<std::string, std::int64_t> deltas(const std::string& counted, std::int64_t gigabytes,
                                           const std::string& volume_type) {
  std::map<std::string, std::int64_t> d{{counted, 1}, {"gigabytes", gigabytes}};
  if (!volume_type.empty()) {
    d[counted + "_" + volume_type] = 1;
    d["gigabytes_" + volume_type] = gigabytes;
  }
  return d;
}

domain_error bad_request(std::string message) {
  return make_domain_error(errc::bad_request, std::move(message));
}

struct decider {
  const volume_quota_state& s;

  decision<volume_quota_event> operator()(const volume_quota::update& c) const {
    if (c.limits.empty()) return std::vector<volume_quota_event>{};
    std::string bad;
    for (const auto& [resource, limit] : c.limits) {
      if (!is_volume_quota_resource(resource, c.volume_types)) {
        // Two appends: GCC 12 warns -Wrestrict on `(a ? "" : ", ") + s` (a
        // false positive, as in compute_quota_state.cpp).
        if (!bad.empty()) bad += ", ";
        bad += resource;
        continue;
      }
      if (limit < -1) return bad_request(resource + " must be >= -1");
      if (limit > max_limit)
        return bad_request(resource + " must be <= " + std::to_string(max_limit));
    }
    if (!bad.empty()) return bad_request("Invalid input received: Bad key(s) in quota set: " + bad);
    for (const auto& [resource, limit] : c.limits) {
      // per_volume_gigabytes bounds each volume, not a sum: nothing uses it.
      if (resource == "per_volume_gigabytes" || limit == -1) continue;
      const std::int64_t used = used_of(c.in_use, resource);
      if (limit < used)
        return bad_request("Quota " + resource +
                           " limit must be equal or greater than existing resources. Current "
                           "usage is " +
                           std::to_string(used) + " and the requested limit is " +
                           std::to_string(limit) + ".");
    }
    return std::vector<volume_quota_event>{volume_quota_updated{c.limits}};
  }

  decision<volume_quota_event> operator()(const volume_quota::reset&) const {
    if (!s.exists()) return std::vector<volume_quota_event>{};
    return std::vector<volume_quota_event>{volume_quota_reset{}};
  }
};

struct applier {
  volume_quota_state& s;

  void operator()(const volume_quota_updated& e) {
    for (const auto& [resource, limit] : e.limits) {
      if ((!fixed_resource(resource) && !per_type_resource(resource)) || limit < -1)
        throw invalid_event("volume_quota.updated with an unknown resource or limit: " + resource);
      s.limits.limits[resource] = limit;
    }
  }
  void operator()(const volume_quota_reset&) {
    if (!s.exists()) throw invalid_event("volume_quota.reset on quotas that were never set");
    s.limits = volume_quota_set{};
  }
};

}  // namespace

const std::vector<std::string>& volume_quota_resources() {
  static const std::vector<std::string> names{
      "volumes",          "snapshots", "gigabytes",           "backups",
      "backup_gigabytes", "groups",    "per_volume_gigabytes"};
  return names;
}

volume_quota_set::volume_quota_set()
    : limits{{"volumes", 10},
             {"snapshots", 10},
             {"gigabytes", 1000},
             {"backups", 10},
             {"backup_gigabytes", 1000},
             {"groups", 10},
             {"per_volume_gigabytes", -1}} {}

std::int64_t volume_quota_set::limit(const std::string& resource) const {
  auto it = limits.find(resource);
  return it == limits.end() ? -1 : it->second;  // per-type ones: unlimited unless set
}

bool is_volume_quota_resource(const std::string& resource,
                              const std::vector<std::string>& volume_types) {
  if (fixed_resource(resource)) return true;
  for (const auto& type : volume_types)
    for (const auto& r : volume_type_quota_resources(type))
      if (r == resource) return true;
  return false;
}

std::vector<std::string> volume_type_quota_resources(const std::string& volume_type) {
  std::vector<std::string> out;
  for (const char* prefix : per_type_prefixes) out.push_back(prefix + volume_type);
  return out;
}

std::optional<domain_error> check_volume_quota(const volume_quota_set& q, const volume_usage& used,
                                               std::int64_t size, const std::string& volume_type) {
  if (auto e = check_per_volume(q, size)) return e;
  return first_over(q, used, deltas("volumes", size, volume_type), size, "volumes");
}

std::optional<domain_error> check_snapshot_quota(const volume_quota_set& q,
                                                 const volume_usage& used, std::int64_t size,
                                                 const std::string& volume_type) {
  return first_over(q, used, deltas("snapshots", size, volume_type), size, "snapshots");
}

std::optional<domain_error> check_extend_quota(const volume_quota_set& q, const volume_usage& used,
                                               std::int64_t size, std::int64_t new_size,
                                               const std::string& volume_type) {
  if (auto e = check_per_volume(q, new_size)) return e;
  const std::int64_t growth = new_size - size;
  std::map<std::string, std::int64_t> d{{"gigabytes", growth}};
  if (!volume_type.empty()) d["gigabytes_" + volume_type] = growth;
  return first_over(q, used, d, growth, "volumes");
}

decision<volume_quota_event> volume_quota_machine::decide(const state& s, const command& c) {
  return std::visit(decider{s}, c);
}

volume_quota_state volume_quota_machine::apply(state s, const event& e) {
  std::visit(applier{s}, e);
  return s;
}

void to_json(nlohmann::json& j, const volume_quota_state& s) {
  j = nlohmann::json::object();
  meta_to_json(j, s);
  j["limits"] = s.limits.limits;
}

}  // namespace cumulo
