#include "engine/host_state.hpp"

#include <cmath>

namespace cumulo {

int host_state::vcpus_used() const {
  int n = 0;
  for (const auto& [id, c] : claims) n += c.vcpus;
  return n;
}
std::int64_t host_state::memory_mb_used() const {
  std::int64_t n = 0;
  for (const auto& [id, c] : claims) n += c.memory_mb;
  return n;
}
std::int64_t host_state::local_gb_used() const {
  std::int64_t n = 0;
  for (const auto& [id, c] : claims) n += c.disk_gb;
  return n;
}

namespace {
std::int64_t limit(std::int64_t total, double ratio) {
  return static_cast<std::int64_t>(std::floor(static_cast<double>(total) * ratio));
}

// One shortfall test for the three resources, so that the scheduler's
// filters and the claim can never disagree.
std::optional<std::string> shortfall(const char* what, const char* unit, std::int64_t requested,
                                     std::int64_t total, std::int64_t limit, std::int64_t used) {
  const std::string u = *unit ? std::string(" ") + unit : "";
  if (requested > total)
    return std::string("insufficient ") + what + ": requested " + std::to_string(requested) + u +
           ", total " + std::to_string(total) + u;
  const std::int64_t free = limit - used;
  if (requested > free)
    return std::string("insufficient ") + what + ": requested " + std::to_string(requested) + u +
           ", free " + std::to_string(free) + u;
  return std::nullopt;
}
}  // namespace

std::int64_t vcpus_limit(const host_state& h) {
  return limit(h.vcpus, h.cpu_allocation_ratio);
}
std::int64_t memory_mb_limit(const host_state& h) {
  return limit(h.memory_mb, h.ram_allocation_ratio);
}
std::int64_t local_gb_limit(const host_state& h) {
  return limit(h.local_gb, h.disk_allocation_ratio);
}

std::optional<std::string> ram_shortfall(const host_state& h, std::int64_t memory_mb) {
  return shortfall("RAM", "MB", memory_mb, h.memory_mb, memory_mb_limit(h), h.memory_mb_used());
}
std::optional<std::string> vcpu_shortfall(const host_state& h, int vcpus) {
  return shortfall("vCPUs", "", vcpus, h.vcpus, vcpus_limit(h), h.vcpus_used());
}
std::optional<std::string> disk_shortfall(const host_state& h, std::int64_t disk_gb) {
  return shortfall("disk", "GB", disk_gb, h.local_gb, local_gb_limit(h), h.local_gb_used());
}

namespace {

domain_error not_found(const host_state& s) {
  return make_domain_error(errc::not_found, "Compute host " + s.id + " could not be found.");
}

std::optional<domain_error> check_capacity(const host::register_host& c) {
  if (c.hypervisor_hostname.empty())
    return make_domain_error(errc::bad_request, "A host needs a hypervisor_hostname.");
  if (c.vcpus < 0 || c.memory_mb < 0 || c.local_gb < 0)
    return make_domain_error(errc::bad_request, "A host's capacity must not be negative.");
  if (!(c.cpu_allocation_ratio > 0 && c.ram_allocation_ratio > 0 && c.disk_allocation_ratio > 0))
    return make_domain_error(errc::bad_request, "Allocation ratios must be greater than 0.");
  return std::nullopt;
}

// Sets `field` only when the reported value differs from the state's.
template <class T>
bool differs(std::optional<T>& field, const T& now, const T& reported) {
  if (now == reported) return false;
  field = reported;
  return true;
}

using events = std::vector<host_event>;

struct decider {
  const host_state& s;

  decision<host_event> operator()(const host::register_host& c) const {
    if (auto e = check_capacity(c)) return *e;
    if (s.version == 0)
      return events{host_registered{c.hypervisor_hostname, c.hypervisor_type, c.hypervisor_version,
                                    c.host_ip, c.vcpus, c.memory_mb, c.local_gb,
                                    c.cpu_allocation_ratio, c.ram_allocation_ratio,
                                    c.disk_allocation_ratio}};
    host_updated u;
    bool changed = false;
    changed |= differs(u.hypervisor_hostname, s.hypervisor_hostname, c.hypervisor_hostname);
    changed |= differs(u.hypervisor_type, s.hypervisor_type, c.hypervisor_type);
    changed |= differs(u.hypervisor_version, s.hypervisor_version, c.hypervisor_version);
    changed |= differs(u.host_ip, s.host_ip, c.host_ip);
    changed |= differs(u.vcpus, s.vcpus, c.vcpus);
    changed |= differs(u.memory_mb, s.memory_mb, c.memory_mb);
    changed |= differs(u.local_gb, s.local_gb, c.local_gb);
    changed |= differs(u.cpu_allocation_ratio, s.cpu_allocation_ratio, c.cpu_allocation_ratio);
    changed |= differs(u.ram_allocation_ratio, s.ram_allocation_ratio, c.ram_allocation_ratio);
    changed |= differs(u.disk_allocation_ratio, s.disk_allocation_ratio, c.disk_allocation_ratio);
    if (!changed) return events{};
    return events{u};
  }

  decision<host_event> operator()(const host::claim& c) const {
    if (!s.exists()) return not_found(s);
    if (c.instance_id.empty())
      return make_domain_error(errc::bad_request, "A claim needs an instance id.");
    if (c.vcpus < 0 || c.memory_mb < 0 || c.disk_gb < 0)
      return make_domain_error(errc::bad_request, "A claim must not be negative.");
    if (s.claims.count(c.instance_id))
      return make_domain_error(errc::conflict, "Instance " + c.instance_id +
                                                   " already holds a claim on host " + s.id + ".");
    auto why = ram_shortfall(s, c.memory_mb);
    if (!why) why = vcpu_shortfall(s, c.vcpus);
    if (!why) why = disk_shortfall(s, c.disk_gb);
    if (why)
      return make_domain_error(errc::conflict, "Cannot claim resources on host " + s.id +
                                                   " for instance " + c.instance_id + ": " + *why +
                                                   ".");
    return events{host_claimed{c.instance_id, c.vcpus, c.memory_mb, c.disk_gb}};
  }

  decision<host_event> operator()(const host::release& c) const {
    if (!s.exists()) return not_found(s);
    if (!s.claims.count(c.instance_id))
      return make_domain_error(
          errc::not_found, "Instance " + c.instance_id + " holds no claim on host " + s.id + ".");
    return events{host_released{c.instance_id}};
  }

  decision<host_event> operator()(const host::move_claim& c) const {
    if (!s.exists()) return not_found(s);
    if (c.to.empty()) return make_domain_error(errc::bad_request, "A claim needs a holder.");
    if (!s.claims.count(c.from))
      return make_domain_error(errc::not_found,
                               "Instance " + c.from + " holds no claim on host " + s.id + ".");
    if (s.claims.count(c.to))
      return make_domain_error(errc::conflict,
                               "Instance " + c.to + " already holds a claim on host " + s.id + ".");
    return events{host_claim_moved{c.from, c.to}};
  }

  // Both are idempotent: a host disabled for the same reason stays so.
  decision<host_event> operator()(const host::disable& c) const {
    if (!s.exists()) return not_found(s);
    if (!s.enabled && s.disabled_reason == c.reason) return events{};
    return events{host_disabled{c.reason}};
  }
  decision<host_event> operator()(const host::enable&) const {
    if (!s.exists()) return not_found(s);
    if (s.enabled) return events{};
    return events{host_enabled{}};
  }
  decision<host_event> operator()(const host::force_down& c) const {
    if (!s.exists()) return not_found(s);
    if (s.forced_down == c.down) return events{};
    return events{host_forced_down{c.down}};
  }
};

struct applier {
  host_state& s;

  void expect_registered(const char* type) const {
    if (!s.exists()) throw invalid_event(std::string(type) + " on a host that is not registered");
  }

  void operator()(const host_registered& e) {
    if (s.version > 0) throw invalid_event("host.registered on a host that is registered");
    s.hypervisor_hostname = e.hypervisor_hostname;
    s.hypervisor_type = e.hypervisor_type;
    s.hypervisor_version = e.hypervisor_version;
    s.host_ip = e.host_ip;
    s.vcpus = e.vcpus;
    s.memory_mb = e.memory_mb;
    s.local_gb = e.local_gb;
    s.cpu_allocation_ratio = e.cpu_allocation_ratio;
    s.ram_allocation_ratio = e.ram_allocation_ratio;
    s.disk_allocation_ratio = e.disk_allocation_ratio;
  }
  // Capacity may shrink below the claims: they stay (the instances still
  // run), only new claims are refused.
  void operator()(const host_updated& e) {
    expect_registered(e.type_name);
    if (e.hypervisor_hostname) s.hypervisor_hostname = *e.hypervisor_hostname;
    if (e.hypervisor_type) s.hypervisor_type = *e.hypervisor_type;
    if (e.hypervisor_version) s.hypervisor_version = *e.hypervisor_version;
    if (e.host_ip) s.host_ip = *e.host_ip;
    if (e.vcpus) s.vcpus = *e.vcpus;
    if (e.memory_mb) s.memory_mb = *e.memory_mb;
    if (e.local_gb) s.local_gb = *e.local_gb;
    if (e.cpu_allocation_ratio) s.cpu_allocation_ratio = *e.cpu_allocation_ratio;
    if (e.ram_allocation_ratio) s.ram_allocation_ratio = *e.ram_allocation_ratio;
    if (e.disk_allocation_ratio) s.disk_allocation_ratio = *e.disk_allocation_ratio;
  }
  // Not re-checked against capacity: a claim was decided against the
  // capacity of its time, which a later update may have lowered.
  void operator()(const host_claimed& e) {
    expect_registered(e.type_name);
    if (!s.claims.emplace(e.instance_id, host_claim{e.vcpus, e.memory_mb, e.disk_gb}).second)
      throw invalid_event("host.claimed twice for instance " + e.instance_id);
  }
  void operator()(const host_released& e) {
    expect_registered(e.type_name);
    if (!s.claims.erase(e.instance_id))
      throw invalid_event("host.released for instance " + e.instance_id + " without a claim");
  }
  void operator()(const host_claim_moved& e) {
    expect_registered(e.type_name);
    auto it = s.claims.find(e.from);
    if (it == s.claims.end() || s.claims.count(e.to))
      throw invalid_event("host.claim_moved from " + e.from + " to " + e.to);
    auto claim = it->second;
    s.claims.erase(it);
    s.claims.emplace(e.to, claim);
  }
  void operator()(const host_disabled& e) {
    expect_registered(e.type_name);
    s.enabled = false;
    s.disabled_reason = e.reason;
  }
  void operator()(const host_enabled& e) {
    expect_registered(e.type_name);
    s.enabled = true;
    s.disabled_reason.clear();
  }
  void operator()(const host_forced_down& e) {
    expect_registered(e.type_name);
    s.forced_down = e.forced_down;
  }
};

}  // namespace

decision<host_event> host_machine::decide(const state& s, const command& c) {
  return std::visit(decider{s}, c);
}

host_state host_machine::apply(state s, const event& e) {
  std::visit(applier{s}, e);
  return s;
}

void to_json(nlohmann::json& j, const host_state& s) {
  j = nlohmann::json::object();
  meta_to_json(j, s);
  j["hypervisor_hostname"] = s.hypervisor_hostname;
  j["hypervisor_type"] = s.hypervisor_type;
  j["hypervisor_version"] = s.hypervisor_version;
  j["host_ip"] = s.host_ip;
  j["vcpus"] = s.vcpus;
  j["memory_mb"] = s.memory_mb;
  j["local_gb"] = s.local_gb;
  j["cpu_allocation_ratio"] = s.cpu_allocation_ratio;
  j["ram_allocation_ratio"] = s.ram_allocation_ratio;
  j["disk_allocation_ratio"] = s.disk_allocation_ratio;
  j["enabled"] = s.enabled;
  j["disabled_reason"] = s.enabled ? nlohmann::json(nullptr) : nlohmann::json(s.disabled_reason);
  j["forced_down"] = s.forced_down;
  j["claims"] = nlohmann::json::object();
  for (const auto& [id, c] : s.claims)
    j["claims"][id] = {{"vcpus", c.vcpus}, {"memory_mb", c.memory_mb}, {"disk_gb", c.disk_gb}};
  j["vcpus_used"] = s.vcpus_used();
  j["memory_mb_used"] = s.memory_mb_used();
  j["local_gb_used"] = s.local_gb_used();
  j["running_vms"] = s.running_vms();
}

}  // namespace cumulo
