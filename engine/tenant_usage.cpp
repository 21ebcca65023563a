#include "engine/tenant_usage.hpp"

#include <algorithm>

#include "engine/fold.hpp"

namespace cumulo {
namespace {

struct period {
  std::int64_t from_us = 0;
  instance::flavor flavor;
};

// One instance's life as its events tell it.
struct life {
  instance_state s;
  std::int64_t requested_us = 0;
  std::int64_t launched_us = 0;
  std::int64_t deleted_us = 0;
  std::vector<period> periods;  // the flavor from each time on
  bool broken = false;
};

double hours_between(std::int64_t from, std::int64_t to) {
  return to > from ? static_cast<double>(to - from) / 3.6e9 : 0.0;
}

void follow(life& l, const recorded_event& r) {
  if (l.broken) return;
  try {
    l.s = fold<instance_machine>(std::move(l.s), r);
  } catch (const std::exception&) {
    l.broken = true;
    return;
  }
  if (r.type == instance_requested::type_name) l.requested_us = r.time_us;
  if (r.type == instance_active::type_name && l.launched_us == 0) {
    l.launched_us = l.s.launched_at_us ? l.s.launched_at_us : r.time_us;
    l.periods.push_back({l.launched_us, l.s.flavor});
  }
  // A resize's new flavor counts from its finish, the old one again from
  // its revert.
  if ((r.type == instance_resize_finished::type_name ||
       r.type == instance_resize_reverted::type_name) &&
      l.launched_us != 0)
    l.periods.push_back({r.time_us, l.s.flavor});
  if (r.type == instance_deleted::type_name) l.deleted_us = r.time_us;
}

}  // namespace

std::map<std::string, tenant_usage> usage_by_tenant(const recorded_events& events,
                                                    std::int64_t start_us, std::int64_t end_us,
                                                    std::int64_t now_us) {
  std::map<std::string, life> lives;
  for (const auto& r : events) {
    if (stream_kind(r.stream) != instance_machine::kind) continue;
    auto& l = lives[r.stream];
    if (l.s.id.empty()) l.s.id = r.stream.substr(r.stream.find('/') + 1);
    follow(l, r);
  }
  const std::int64_t window_end = std::min(end_us, now_us);
  std::map<std::string, tenant_usage> out;
  for (auto& [stream, l] : lives) {
    if (l.broken || l.s.version == 0) continue;
    const std::int64_t started = l.launched_us ? l.launched_us : l.requested_us;
    const std::int64_t ended = l.deleted_us;
    // Nova's window: the server lived some of it.
    if (started >= window_end || (ended != 0 && ended <= start_us)) continue;
    server_usage u;
    u.instance_id = l.s.id;
    u.name = l.s.name;
    u.tenant_id = l.s.project_id;
    u.flavor = l.s.flavor;
    u.started_at_us = started;
    u.ended_at_us = ended;
    u.state = ended ? "terminated" : to_string(l.s.vm_state);
    const std::int64_t life_end = ended ? std::min(ended, window_end) : window_end;
    for (std::size_t i = 0; i < l.periods.size(); ++i) {
      const auto& p = l.periods[i];
      const std::int64_t to = i + 1 < l.periods.size() ? l.periods[i + 1].from_us : life_end;
      const double h = hours_between(std::max(p.from_us, start_us), std::min(to, life_end));
      u.hours += h;
      u.vcpu_hours += h * p.flavor.vcpus;
      u.memory_mb_hours += h * static_cast<double>(p.flavor.memory_mb);
      u.local_gb_hours += h * static_cast<double>(p.flavor.root_gb + p.flavor.ephemeral_gb);
      if (h > 0) u.flavor = p.flavor;
    }
    auto& t = out[u.tenant_id];
    t.tenant_id = u.tenant_id;
    t.total_hours += u.hours;
    t.total_vcpus_usage += u.vcpu_hours;
    t.total_memory_mb_usage += u.memory_mb_hours;
    t.total_local_gb_usage += u.local_gb_hours;
    t.servers.push_back(std::move(u));
  }
  for (auto& [_, t] : out)
    std::sort(t.servers.begin(), t.servers.end(), [](const auto& a, const auto& b) {
      return std::tie(a.started_at_us, a.instance_id) < std::tie(b.started_at_us, b.instance_id);
    });
  return out;
}

}  // namespace cumulo
