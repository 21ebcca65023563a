#include "api/compute_server_views.hpp"

#include <openssl/sha.h>

#include <cctype>
#include <cstdio>

#include "engine/clock.hpp"

namespace cumulo::api {
namespace {

using nlohmann::json;

// Nova's usage timestamps have microseconds and no zone.
json usage_time(std::int64_t us) {
  if (us == 0) return nullptr;
  std::string t = format_iso8601_us(us);
  if (!t.empty() && t.back() == 'Z') t.pop_back();
  return t;
}

json bookmark(const std::string& compute_url, const std::string& collection,
              const std::string& id) {
  return json::array({{{"rel", "bookmark"}, {"href", compute_url + "/" + collection + "/" + id}}});
}

json flavor_view(const instance::flavor& f, const server_view& v) {
  if (v.minor >= 47)
    return {{"original_name", f.name},      {"vcpus", f.vcpus},
            {"ram", f.memory_mb},           {"disk", f.root_gb},
            {"ephemeral", f.ephemeral_gb},  {"swap", f.swap_mb},
            {"extra_specs", json::object()}};
  return {{"id", f.id}, {"links", bookmark(v.compute_url, "flavors", f.id)}};
}

json address_entry(const std::string& ip, const char* type, const std::string& mac) {
  const int version = ip.find(':') == std::string::npos ? 4 : 6;
  return {{"addr", ip},
          {"version", version},
          {"OS-EXT-IPS:type", type},
          {"OS-EXT-IPS-MAC:mac_addr", mac}};
}

// Nova's network info: per port (in bind order) its fixed address, then
// the floating IPs associated with it.
json addresses_of(const instance_state& s, const floating_ips_by_port* floating) {
  json out = json::object();
  for (const auto& a : s.addresses) {
    json& list = out[a.network_name];
    list.push_back(address_entry(a.ip_address, "fixed", a.mac_address));
    if (!floating) continue;
    auto it = floating->find(a.port_id);
    if (it == floating->end()) continue;
    for (const auto& ip : it->second) list.push_back(address_entry(ip, "floating", a.mac_address));
  }
  return out;
}

// Nova shows the name a guest would take as its hostname (2.3).
std::string hostname_of(const std::string& name) {
  std::string out;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u))
      out += static_cast<char>(std::tolower(u));
    else if (!out.empty() && out.back() != '-')
      out += '-';
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "server" : out;
}

}  // namespace

json server_links(const std::string& id, const std::string& compute_url) {
  return json::array({{{"rel", "self"}, {"href", compute_url + "/v2.1/servers/" + id}},
                      {{"rel", "bookmark"}, {"href", compute_url + "/servers/" + id}}});
}

json server_summary(const instance_state& s, const std::string& compute_url) {
  return {{"id", s.id}, {"name", s.name}, {"links", server_links(s.id, compute_url)}};
}

std::string host_id(const std::string& project_id, const std::string& host) {
  if (host.empty()) return "";
  const std::string text = project_id + host;
  unsigned char digest[SHA224_DIGEST_LENGTH];
  SHA224(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  std::string hex;
  char buf[3];
  for (unsigned char b : digest) {
    std::snprintf(buf, sizeof buf, "%02x", b);
    hex += buf;
  }
  return hex;
}

json server_detail(const instance_state& s, const server_view& v) {
  json j = {
      {"id", s.id},
      {"name", s.name},
      {"status", api_status(s)},
      {"tenant_id", s.project_id},
      {"user_id", s.user_id},
      {"metadata", s.metadata},
      {"hostId", host_id(s.project_id, s.host)},
      // A server booted from a volume shows no image (Nova's "").
      {"image",
       s.boot.requested()
           ? json("")
           : json{{"id", s.image_id}, {"links", bookmark(v.compute_url, "images", s.image_id)}}},
      {"flavor", flavor_view(s.flavor, v)},
      {"created", format_iso8601(s.created_at_us)},
      {"updated", format_iso8601(s.updated_at_us)},

      {"addresses", addresses_of(s, v.floating)},
      {"accessIPv4", s.access_ip_v4},
      {"accessIPv6", s.access_ip_v6},
      {"links", server_links(s.id, v.compute_url)},
      {"OS-DCF:diskConfig", "MANUAL"},
      {"OS-EXT-AZ:availability_zone", s.availability_zone},
      {"config_drive", ""},
      {"key_name", s.key_name.empty() ? json(nullptr) : json(s.key_name)},
      {"OS-SRV-USG:launched_at", usage_time(s.launched_at_us)},
      {"OS-SRV-USG:terminated_at", s.deleted ? usage_time(s.updated_at_us) : json(nullptr)},
      {"OS-EXT-STS:vm_state", to_string(s.vm_state)},
      {"OS-EXT-STS:task_state",
       s.task_state == task_states::none ? json(nullptr) : json(to_string(s.task_state))},
      {"OS-EXT-STS:power_state", static_cast<int>(s.power_state)},
      {"os-extended-volumes:volumes_attached", json::array()},
  };
  // The volumes it records, the root one first (delete_on_termination from 2.3).
  for (const auto& a : s.volumes) {
    json one = {{"id", a.volume_id}};
    if (v.minor >= 3) one["delete_on_termination"] = a.delete_on_termination;
    j["os-extended-volumes:volumes_attached"].push_back(std::move(one));
  }
  // Nova shows progress only while a server is (or may be) moving.
  const std::string status = api_status(s);
  if (status == "ACTIVE" || status == "BUILD" || status == "REBUILD")
    j["progress"] = status == "ACTIVE" ? 100 : 0;
  // ...and no security_groups key for a server that has none.
  json groups = json::array();
  for (const auto& g : s.security_groups) groups.push_back({{"name", g}});
  if (!groups.empty()) j["security_groups"] = groups;
  if (v.admin) {
    j["OS-EXT-SRV-ATTR:host"] = s.host.empty() ? json(nullptr) : json(s.host);
    j["OS-EXT-SRV-ATTR:hypervisor_hostname"] = s.node.empty() ? json(nullptr) : json(s.node);
    j["OS-EXT-SRV-ATTR:instance_name"] = "instance-" + s.id.substr(0, 8);
    if (v.minor >= 3) {
      // The create request's reservation ("" for servers made before it
      // was kept); the index within a multiple create is not kept.
      j["OS-EXT-SRV-ATTR:reservation_id"] = s.reservation_id;
      j["OS-EXT-SRV-ATTR:launch_index"] = 0;
      j["OS-EXT-SRV-ATTR:hostname"] = hostname_of(s.name);
      j["OS-EXT-SRV-ATTR:kernel_id"] = "";
      j["OS-EXT-SRV-ATTR:ramdisk_id"] = "";
      j["OS-EXT-SRV-ATTR:root_device_name"] = s.host.empty() ? json(nullptr) : json("/dev/vda");
      j["OS-EXT-SRV-ATTR:user_data"] = s.user_data.empty() ? json(nullptr) : json(s.user_data);
    }
    if (v.minor >= 16) j["host_status"] = s.host.empty() ? "" : "UP";
  }
  if (s.vm_state == vm_states::error && s.fault) {
    json fault = {{"code", s.fault->code},
                  {"message", s.fault->message},
                  {"created", format_iso8601(s.fault->time_us)}};
    // As Nova: the details of a 500 are for admins only.
    if (v.admin || s.fault->code != 500) fault["details"] = s.fault->details;
    j["fault"] = fault;
  }
  if (v.minor >= 9) j["locked"] = s.locked;
  if (v.minor >= 19) j["description"] = s.description ? json(*s.description) : json(nullptr);
  if (v.minor >= 26) j["tags"] = s.tags;
  if (v.minor >= 63) j["trusted_image_certificates"] = nullptr;
  if (v.minor >= 71)
    j["server_groups"] =
        s.server_group_id.empty() ? json::array() : json::array({s.server_group_id});
  if (v.minor >= 73)
    j["locked_reason"] =
        s.locked && !s.locked_reason.empty() ? json(s.locked_reason) : json(nullptr);
  return j;
}

json server_update_view(const instance_state& s, const server_view& v) {
  json j = server_detail(s, v);
  if (v.minor >= 75) return j;
  // Before 2.75 Nova's update answers the server without its extensions'
  // attributes (the view builder's show_* flags all off).
  for (auto it = j.begin(); it != j.end();) {
    const std::string& k = it.key();
    const bool extension = k.rfind("OS-EXT-", 0) == 0 || k.rfind("OS-SRV-USG:", 0) == 0 ||
                           k == "os-extended-volumes:volumes_attached" || k == "config_drive" ||
                           k == "key_name" || k == "security_groups" || k == "host_status" ||
                           k == "server_groups";
    it = extension ? j.erase(it) : std::next(it);
  }
  // ...and addresses without the OS-EXT-IPS attributes (extend_address off).
  for (auto& [_, list] : j["addresses"].items())
    for (auto& a : list) a = {{"addr", a["addr"]}, {"version", a["version"]}};
  return j;
}

json addresses_view(const instance_state& s, const floating_ips_by_port* floating) {
  return addresses_of(s, floating);
}

void respond_server_not_found(responder& r, const std::string& id) {
  respond_error(r, 404, "Instance " + id + " could not be found.");
}

bool server_visible(const instance_state& s, const token_info& t) {
  if (!s.exists()) return false;
  if (t.is_admin()) return true;
  return t.project && t.project->id == s.project_id;
}

}  // namespace cumulo::api
