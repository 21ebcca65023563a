#include "engine/compute_quota_state.hpp"

#include <algorithm>

namespace cumulo {
namespace {

domain_error bad_request(std::string message) {
  return make_domain_error(errc::bad_request, std::move(message));
}

std::int64_t in_use_of(const compute_usage& u, const std::string& resource) {
  if (resource == "instances") return u.instances;
  if (resource == "cores") return u.cores;
  if (resource == "ram") return u.ram;
  return 0;
}

struct decider {
  const compute_quota_state& s;

  decision<compute_quota_event> operator()(const compute_quota::update& c) const {
    if (c.limits.empty()) return std::vector<compute_quota_event>{};
    for (const auto& [resource, limit] : c.limits) {
      if (!is_compute_quota_resource(resource))
        return bad_request("Bad key(s) " + resource + " in quota_set");
      if (limit < -1)
        return bad_request("Quota limit " + std::to_string(limit) + " for " + resource +
                           " must be greater than or equal to -1.");
      const std::int64_t used = in_use_of(c.in_use, resource);
      if (!c.force && limit >= 0 && used > limit)
        return bad_request("Quota limit " + std::to_string(limit) + " for " + resource +
                           " must be greater than or equal to already used and reserved " +
                           std::to_string(used) + ".");
    }
    return std::vector<compute_quota_event>{compute_quota_updated{c.limits}};
  }

  decision<compute_quota_event> operator()(const compute_quota::reset&) const {
    if (!s.exists()) return std::vector<compute_quota_event>{};
    return std::vector<compute_quota_event>{compute_quota_reset{}};
  }
};

struct applier {
  compute_quota_state& s;

  void operator()(const compute_quota_updated& e) {
    for (const auto& [resource, limit] : e.limits) {
      if (!is_compute_quota_resource(resource) || limit < -1)
        throw invalid_event("compute_quota.updated with an unknown resource or limit: " + resource);
      s.limits.limits[resource] = limit;
    }
  }
  void operator()(const compute_quota_reset&) {
    if (!s.exists()) throw invalid_event("compute_quota.reset on quotas that were never set");
    s.limits = compute_quota_set{};
  }
};

}  // namespace

const std::vector<std::string>& compute_quota_resources() {
  static const std::vector<std::string> names{"cores",
                                              "fixed_ips",
                                              "floating_ips",
                                              "injected_file_content_bytes",
                                              "injected_file_path_bytes",
                                              "injected_files",
                                              "instances",
                                              "key_pairs",
                                              "metadata_items",
                                              "ram",
                                              "security_group_rules",
                                              "security_groups",
                                              "server_group_members",
                                              "server_groups"};
  return names;
}

compute_quota_set::compute_quota_set()
    : limits{{"cores", 20},
             {"fixed_ips", -1},
             {"floating_ips", 10},
             {"injected_file_content_bytes", 10240},
             {"injected_file_path_bytes", 255},
             {"injected_files", 5},
             {"instances", 10},
             {"key_pairs", 100},
             {"metadata_items", 128},
             {"ram", 51200},
             {"security_group_rules", 20},
             {"security_groups", 10},
             {"server_group_members", 10},
             {"server_groups", 10}} {}

std::int64_t compute_quota_set::limit(const std::string& resource) const {
  auto it = limits.find(resource);
  return it == limits.end() ? -1 : it->second;
}

bool is_compute_quota_resource(const std::string& resource) {
  const auto& all = compute_quota_resources();
  return std::find(all.begin(), all.end(), resource) != all.end();
}

bool compute_quota_shown(const std::string& resource, int minor) {
  if (resource == "fixed_ips" || resource == "floating_ips" || resource == "security_groups" ||
      resource == "security_group_rules")
    return minor < 36;
  if (resource.rfind("injected_file", 0) == 0) return minor < 57;
  return true;
}

std::optional<domain_error> check_instance_quota(const compute_quota_set& q,
                                                 const compute_usage& used,
                                                 const compute_usage& wanted) {
  struct line {
    const char* name;
    std::int64_t used, wanted;
  };
  // Name order, as Nova sorts the resources over their limit.
  const line lines[] = {{"cores", used.cores, wanted.cores},
                        {"instances", used.instances, wanted.instances},
                        {"ram", used.ram, wanted.ram}};
  std::string overs;
  const line* first = nullptr;
  for (const auto& l : lines) {
    const std::int64_t limit = q.limit(l.name);
    if (limit < 0 || l.wanted <= 0 || l.used + l.wanted <= limit) continue;
    // Two appends, not `(a ? "" : ",") + std::string(...)`: GCC 12 at -O3
    // warns -Wrestrict on that temporary (a false positive).
    if (!overs.empty()) overs += ',';
    overs += l.name;
    if (!first) first = &l;
  }
  if (!first) return std::nullopt;
  return make_domain_error(errc::forbidden, "Quota exceeded for " + overs + ": Requested " +
                                                std::to_string(first->wanted) +
                                                ", but already used " +
                                                std::to_string(first->used) + " of " +
                                                std::to_string(q.limit(first->name)) + " " + overs);
}

std::optional<domain_error> check_keypair_quota(const compute_quota_set& q, std::int64_t used) {
  const std::int64_t limit = q.limit("key_pairs");
  if (limit < 0 || used + 1 <= limit) return std::nullopt;
  return make_domain_error(errc::forbidden, "Quota exceeded, too many key pairs.");
}

decision<compute_quota_event> compute_quota_machine::decide(const state& s, const command& c) {
  return std::visit(decider{s}, c);
}

compute_quota_state compute_quota_machine::apply(state s, const event& e) {
  std::visit(applier{s}, e);
  return s;
}

void to_json(nlohmann::json& j, const compute_quota_state& s) {
  j = nlohmann::json::object();
  meta_to_json(j, s);
  j["limits"] = s.limits.limits;
}

}  // namespace cumulo
