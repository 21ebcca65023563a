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
}  // namespace

schedule_result select_destination(const std::vector<const host_state*>& hosts,
                                   const request_spec& r) {
  using filter = std::optional<std::string> (*)(const host_state&, const request_spec&);
  static constexpr filter filters[] = {compute_filter, ram_filter, core_filter, disk_filter};
  schedule_result result;
  std::vector<const host_state*> passed;
  for (const host_state* h : hosts) {
    if (!h) continue;
    std::optional<std::string> why;
    if (std::find(r.ignore_hosts.begin(), r.ignore_hosts.end(), h->id) != r.ignore_hosts.end())
      why = "a build of this instance failed on this host";
    else
      for (filter f : filters)
        if ((why = f(*h, r))) break;
    if (why)
      result.rejections.emplace_back(h->id, *why);
    else
      passed.push_back(h);
  }
  auto best = std::min_element(passed.begin(), passed.end(), [](const auto* a, const auto* b) {
    return std::make_tuple(-free_ram_mb(*a), a->id) < std::make_tuple(-free_ram_mb(*b), b->id);
  });
  if (best != passed.end()) result.host = (*best)->id;
  return result;
}

std::string no_valid_host_message() {
  return "No valid host was found. There are not enough hosts available.";
}

}  // namespace cumulo
