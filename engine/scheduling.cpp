#include "engine/scheduling.hpp"

#include <algorithm>
#include <tuple>

namespace cumulo {

request_spec make_request_spec(const std::string& instance_id, const instance::flavor& f) {
  const std::int64_t swap_gb = (f.swap_mb + 1023) / 1024;
  return request_spec{instance_id, f.vcpus, f.memory_mb, f.root_gb + f.ephemeral_gb + swap_gb};
}

std::optional<std::string> compute_filter(const host_state& h, const request_spec&) {
  if (!h.exists()) return std::string("host is not registered");
  if (h.forced_down) return std::string("host is down");
  if (h.enabled) return std::nullopt;
  if (h.disabled_reason.empty()) return std::string("host is disabled");
  return "host is disabled: " + h.disabled_reason;
}

std::optional<std::string> ram_filter(const host_state& h, const request_spec& r) {
  return ram_shortfall(h, r.memory_mb);
}

std::optional<std::string> core_filter(const host_state& h, const request_spec& r) {
  return vcpu_shortfall(h, r.vcpus);
}

std::optional<std::string> disk_filter(const host_state& h, const request_spec& r) {
  return disk_shortfall(h, r.disk_gb);
}

namespace {
// Nova's RAMWeigher weighs free_ram_mb: physical RAM minus what is used.
std::int64_t free_ram_mb(const host_state& h) {
  return h.memory_mb - h.memory_mb_used();
}

// How many other members of the instance's group the host holds.
std::int64_t members_on(const host_state& h, const request_spec& r,
                        const std::vector<std::string>& members) {
  std::int64_t n = 0;
  for (const auto& m : members)
    if (m != r.instance_id && h.claims.count(m)) ++n;
  return n;
}
}  // namespace

std::optional<std::string> server_group_filter(const host_state& h, const request_spec& r,
                                               const std::vector<std::string>& members,
                                               bool members_placed) {
  if (r.group_policy == "anti-affinity") {
    const std::int64_t most = r.max_server_per_host > 0 ? r.max_server_per_host : 1;
    const auto here = members_on(h, r, members);
    if (here >= most)
      return "server group " + r.group_id + " (anti-affinity) has " + std::to_string(here) +
             " member(s) here already, at most " + std::to_string(most) + " per host";
  }
  // The first member goes anywhere; the others where members are.
  if (r.group_policy == "affinity" && members_placed && members_on(h, r, members) == 0)
    return "server group " + r.group_id + " (affinity) has its members on another host";
  return std::nullopt;
}

schedule_result select_destination(const std::vector<const host_state*>& hosts,
                                   const request_spec& r, const std::vector<std::string>& members) {
  using filter = std::optional<std::string> (*)(const host_state&, const request_spec&);
  static constexpr filter filters[] = {compute_filter, ram_filter, core_filter, disk_filter};
  schedule_result result;
  std::vector<const host_state*> passed;
  const bool members_placed = std::any_of(hosts.begin(), hosts.end(), [&](const host_state* h) {
    return h && members_on(*h, r, members) > 0;
  });
  for (const host_state* h : hosts) {
    if (!h) continue;
    std::optional<std::string> why;
    if (std::find(r.ignore_hosts.begin(), r.ignore_hosts.end(), h->id) != r.ignore_hosts.end())
      why = r.ignore_reason.empty() ? "a build of this instance failed on this host"
                                    : r.ignore_reason;
    else if (!r.requested_host.empty() && h->id != r.requested_host)
      why = "not the requested host " + r.requested_host;
    else
      for (filter f : filters)
        if ((why = f(*h, r))) break;
    if (!why) why = server_group_filter(*h, r, members, members_placed);
    if (why)
      result.rejections.emplace_back(h->id, *why);
    else
      passed.push_back(h);
  }
  // The soft policies weigh first: members on the host count for
  // soft-affinity, against for soft-anti-affinity.
  auto soft = [&](const host_state& h) -> std::int64_t {
    if (r.group_policy == "soft-affinity") return -members_on(h, r, members);
    if (r.group_policy == "soft-anti-affinity") return members_on(h, r, members);
    return 0;
  };
  auto best = std::min_element(passed.begin(), passed.end(), [&](const auto* a, const auto* b) {
    return std::make_tuple(soft(*a), -free_ram_mb(*a), a->id) <
           std::make_tuple(soft(*b), -free_ram_mb(*b), b->id);
  });
  if (best != passed.end()) result.host = (*best)->id;
  return result;
}

std::string no_valid_host_message() {
  return "No valid host was found. There are not enough hosts available.";
}

}  // namespace cumulo
