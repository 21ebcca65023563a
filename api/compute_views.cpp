#include "api/compute_views.hpp"

#include <sodium.h>

#include <algorithm>
#include <cstdio>

#include "engine/clock.hpp"

namespace cumulo::api {
namespace {

// A name-based UUID: the first 16 bytes of BLAKE2b of the name, with the
// version (5-like) and variant bits set. Same input, same id.
std::string uuid_of(const std::string& name) {
  unsigned char h[16];
  crypto_generichash(h, sizeof h, reinterpret_cast<const unsigned char*>(name.data()), name.size(),
                     nullptr, 0);
  h[6] = static_cast<unsigned char>((h[6] & 0x0f) | 0x50);
  h[8] = static_cast<unsigned char>((h[8] & 0x3f) | 0x80);
  char out[37];
  std::snprintf(out, sizeof out,
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", h[0], h[1],
                h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9], h[10], h[11], h[12], h[13], h[14],
                h[15]);
  return out;
}

std::string nova_time(std::int64_t us) {
  // Nova's times in these bodies: "2026-11-30T06:00:00.000000".
  std::string t = format_iso8601(us);
  if (!t.empty() && t.back() == 'Z') t.pop_back();
  if (t.find('.') == std::string::npos) t += ".000000";
  return t;
}

}  // namespace

nlohmann::json flavor_json(const flavor_state& f, microversion v, const std::string& base,
                           bool detail) {
  nlohmann::json j = {{"id", f.id},
                      {"name", f.name},
                      {"links",
                       {{{"rel", "self"}, {"href", base + compute_root + "/flavors/" + f.id}},
                        {{"rel", "bookmark"}, {"href", base + "/compute/flavors/" + f.id}}}}};
  if (v.at_least(55)) j["description"] = f.description ? nlohmann::json(*f.description) : nullptr;
  if (!detail) return j;
  j["ram"] = f.ram;
  j["vcpus"] = f.vcpus;
  j["disk"] = f.disk;
  j["OS-FLV-EXT-DATA:ephemeral"] = f.ephemeral;
  // No swap was "" until 2.75 made it 0.
  j["swap"] = f.swap == 0 && !v.at_least(75) ? nlohmann::json("") : nlohmann::json(f.swap);
  j["os-flavor-access:is_public"] = f.is_public;
  j["OS-FLV-DISABLED:disabled"] = false;
  j["rxtx_factor"] = f.rxtx_factor;
  if (v.at_least(61)) j["extra_specs"] = f.extra_specs;
  return j;
}

nlohmann::json keypair_json(const keypair_state& k, microversion v, bool alone) {
  nlohmann::json j = {
      {"name", k.name}, {"public_key", k.public_key}, {"fingerprint", k.fingerprint}};
  if (v.at_least(2)) j["type"] = k.type;
  if (!alone) return j;
  j["user_id"] = k.user_id;
  j["created_at"] = nova_time(k.created_at_us);
  j["updated_at"] = nullptr;
  j["deleted_at"] = nullptr;
  j["deleted"] = false;
  // Nova's database id; ours is a UUID, so a stable number made from it.
  unsigned char h[4];
  crypto_generichash(h, sizeof h, reinterpret_cast<const unsigned char*>(k.id.data()), k.id.size(),
                     nullptr, 0);
  j["id"] = ((h[0] & 0x7f) << 24) | (h[1] << 16) | (h[2] << 8) | h[3];
  return j;
}

nlohmann::json quota_set_json(const compute_quota_set& q, const std::string& id, microversion v) {
  nlohmann::json j = nlohmann::json::object();
  if (!id.empty()) j["id"] = id;
  for (const auto& name : compute_quota_resources())
    if (compute_quota_shown(name, v.minor)) j[name] = q.limit(name);
  return j;
}

std::string hypervisor_uuid(const std::string& hostname) {
  return uuid_of("cumulo-hypervisor:" + hostname);
}

std::string service_uuid(const std::string& binary, const std::string& host) {
  return uuid_of("cumulo-service:" + binary + ":" + host);
}

std::vector<host_state> hosts_in_order(std::vector<host_state> hosts) {
  std::sort(hosts.begin(), hosts.end(), [](const host_state& a, const host_state& b) {
    return a.created_at_us != b.created_at_us ? a.created_at_us < b.created_at_us : a.id < b.id;
  });
  return hosts;
}

nlohmann::json hypervisor_id(const std::vector<host_state>& ordered, const host_state& h,
                             microversion v) {
  if (v.at_least(53)) return hypervisor_uuid(h.id);
  for (std::size_t i = 0; i < ordered.size(); ++i)
    if (ordered[i].id == h.id) return static_cast<int>(i + 1);
  return 0;
}

nlohmann::json hypervisor_json(const std::vector<host_state>& ordered, const host_state& h,
                               microversion v, bool detail, const domain_counts& domains) {
  nlohmann::json j = {{"id", hypervisor_id(ordered, h, v)},
                      {"hypervisor_hostname", h.hypervisor_hostname},
                      {"state", h.forced_down ? "down" : "up"},
                      {"status", h.enabled ? "enabled" : "disabled"}};
  if (!detail) return j;
  j["hypervisor_type"] = h.hypervisor_type;
  j["hypervisor_version"] = h.hypervisor_version;
  j["host_ip"] = h.host_ip;
  nlohmann::json service_id = v.at_least(53) ? nlohmann::json(service_uuid("nova-compute", h.id))
                                             : hypervisor_id(ordered, h, v);
  if (!v.at_least(53)) service_id = service_id.get<int>() + 2;  // 1, 2: scheduler, conductor
  j["service"] = {{"host", h.id},
                  {"id", service_id},
                  {"disabled_reason", h.enabled || h.disabled_reason.empty()
                                          ? nlohmann::json(nullptr)
                                          : nlohmann::json(h.disabled_reason)}};
  const nlohmann::json cpu_info = {
      {"arch", "x86_64"},
      {"model", ""},
      {"vendor", ""},
      {"features", nlohmann::json::array()},
      {"topology", {{"cells", 1}, {"sockets", 1}, {"cores", h.vcpus}, {"threads", 1}}}};
  // A JSON-encoded string below 2.28 (OSC json.loads it), an object since.
  j["cpu_info"] = v.at_least(28) ? cpu_info : nlohmann::json(cpu_info.dump());
  if (v.at_least(88)) {
    // 2.88 dropped the usage fields (Placement has them) and added uptime.
    j["uptime"] = nullptr;
    return j;
  }
  j["vcpus"] = h.vcpus;
  j["vcpus_used"] = h.vcpus_used();
  j["memory_mb"] = h.memory_mb;
  j["memory_mb_used"] = h.memory_mb_used();
  j["local_gb"] = h.local_gb;
  j["local_gb_used"] = h.local_gb_used();
  j["free_ram_mb"] = h.memory_mb - h.memory_mb_used();
  j["free_disk_gb"] = h.local_gb - h.local_gb_used();
  j["current_workload"] = 0;
  // What runs is what libvirt has, not what the log claims: the two
  // disagreeing is what a crash drill looks for.
  const auto counted = domains.find(h.id);
  j["running_vms"] = counted == domains.end() ? h.running_vms() : counted->second;
  j["disk_available_least"] = h.local_gb - h.local_gb_used();
  return j;
}

}  // namespace cumulo::api
