#include "api/network_views.hpp"

#include <algorithm>
#include <cctype>

#include "engine/clock.hpp"

namespace cumulo::api {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

nlohmann::json null_if_empty(const std::string& s) {
  return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s);
}

bool value_matches(const nlohmann::json& v, const std::string& wanted) {
  if (v.is_string()) return v.get<std::string>() == wanted;
  if (v.is_boolean()) return (v.get<bool>() ? "true" : "false") == lower(wanted);
  if (v.is_number()) return v.dump() == wanted;
  if (v.is_null()) return wanted.empty();
  if (v.is_array())  // a list field (security_groups) matches when it holds the value
    return std::any_of(v.begin(), v.end(),
                       [&](const nlohmann::json& e) { return value_matches(e, wanted); });
  return false;
}

}  // namespace

// Times in seconds ("2026-11-30T04:00:00Z"); the revision counts the
// resource's changes.
void standard_attributes(nlohmann::json& j, const resource_meta& m, const std::string& project,
                         const std::string& description, const std::vector<std::string>& tags) {
  j["project_id"] = project;
  j["tenant_id"] = project;
  j["description"] = description;
  j["tags"] = tags;
  j["created_at"] = format_iso8601(m.created_at_us);
  j["updated_at"] = format_iso8601(m.updated_at_us);
  j["revision_number"] = m.version;
}

nlohmann::json network_json(const network_state& n, bool admin) {
  nlohmann::json subnets = nlohmann::json::array();
  for (const auto& s : n.subnets) subnets.push_back(s.id);
  nlohmann::json j{{"id", n.id},
                   {"name", n.name},
                   {"status", "ACTIVE"},
                   {"admin_state_up", n.admin_state_up},
                   {"subnets", subnets},
                   {"shared", n.shared},
                   {"router:external", n.external},
                   {"mtu", n.mtu},
                   {"port_security_enabled", n.port_security_enabled},
                   {"availability_zone_hints", nlohmann::json::array()},
                   {"availability_zones", {"nova"}},
                   {"ipv4_address_scope", null_if_empty(n.ipv4_address_scope)},
                   {"ipv6_address_scope", null_if_empty(n.ipv6_address_scope)},
                   {"is_default", false},
                   {"qos_policy_id", nullptr},
                   {"dns_domain", ""},
                   {"l2_adjacency", true}};
  standard_attributes(j, n, n.project_id, n.description, n.tags);
  if (admin) {
    j["provider:network_type"] = n.external ? "flat" : "local";
    j["provider:physical_network"] = n.external ? nlohmann::json("public") : nullptr;
    j["provider:segmentation_id"] = nullptr;
  }
  return j;
}

nlohmann::json subnet_json(const network_state& n, const network::subnet& s) {
  nlohmann::json pools = nlohmann::json::array();
  for (const auto& p : s.allocation_pools) pools.push_back({{"start", p.start}, {"end", p.end}});
  nlohmann::json routes = nlohmann::json::array();
  for (const auto& r : s.host_routes)
    routes.push_back({{"destination", r.destination}, {"nexthop", r.nexthop}});
  nlohmann::json j{
      {"id", s.id},
      {"name", s.name},
      {"network_id", n.id},
      {"ip_version", s.ip_version},
      {"cidr", s.cidr},
      {"gateway_ip", s.gateway_ip.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.gateway_ip)},
      {"enable_dhcp", s.enable_dhcp},
      {"allocation_pools", pools},
      {"dns_nameservers", s.dns_nameservers},
      {"host_routes", routes},
      {"ipv6_ra_mode", nullptr},
      {"ipv6_address_mode", nullptr},
      {"subnetpool_id", null_if_empty(s.subnetpool_id)},
      {"service_types", nlohmann::json::array()},
      {"segment_id", nullptr}};
  // A subnet has no stream of its own: it shares its network's times.
  standard_attributes(j, n, s.project_id.empty() ? n.project_id : s.project_id, s.description,
                      s.tags);
  j["revision_number"] = s.revision;  // its own changes, not its network's
  return j;
}

nlohmann::json port_json(const network_state& n, const network::port& p, bool admin) {
  nlohmann::json ips = nlohmann::json::array();
  for (const auto& f : p.fixed_ips)
    ips.push_back({{"subnet_id", f.subnet_id}, {"ip_address", f.ip_address}});
  nlohmann::json pairs = nlohmann::json::array();
  for (const auto& a : p.allowed_address_pairs)
    pairs.push_back({{"ip_address", a.ip_address}, {"mac_address", a.mac_address}});
  nlohmann::json options = nlohmann::json::array();
  for (const auto& o : p.extra_dhcp_opts)
    options.push_back(
        {{"opt_name", o.opt_name}, {"opt_value", o.opt_value}, {"ip_version", o.ip_version}});
  nlohmann::json j{{"id", p.id},
                   {"name", p.name},
                   {"network_id", n.id},
                   {"mac_address", p.mac_address},
                   {"admin_state_up", p.admin_state_up},
                   // Bound to a device: up; otherwise nothing carries it yet.
                   {"status", p.device_id.empty() ? "DOWN" : "ACTIVE"},
                   {"device_id", p.device_id},
                   {"device_owner", p.device_owner},
                   {"fixed_ips", ips},
                   {"security_groups", p.security_groups},
                   {"allowed_address_pairs", pairs},
                   {"extra_dhcp_opts", options},
                   {"port_security_enabled", p.port_security_enabled},
                   {"binding:vnic_type", "normal"},
                   {"dns_name", ""},
                   {"dns_assignment", nlohmann::json::array()}};
  standard_attributes(j, n, p.project_id, "", p.tags);
  j["revision_number"] = p.revision;  // its own changes, not its network's
  if (admin) {
    j["binding:host_id"] = p.binding_host_id;
    j["binding:vif_type"] = p.device_id.empty() ? "unbound" : "ovs";
    j["binding:profile"] = nlohmann::json::object();
    j["binding:vif_details"] = nlohmann::json::object();
  }
  return j;
}

namespace {

// fixed_ips=ip_address=10.0.0.5 or fixed_ips=subnet_id=...
bool fixed_ip_matches(const nlohmann::json& item, const std::string& wanted) {
  const auto eq = wanted.find('=');
  if (eq == std::string::npos) return false;
  const std::string field = wanted.substr(0, eq), value = wanted.substr(eq + 1);
  const auto ips = item.value("fixed_ips", nlohmann::json::array());
  return std::any_of(ips.begin(), ips.end(), [&](const nlohmann::json& f) {
    return f.contains(field) && value_matches(f[field], value);
  });
}

}  // namespace

bool list_query::match(const nlohmann::json& item) const {
  if (!tags.empty()) {
    auto it = item.find("tags");
    // As any filter, none on what has no tags at all (IP availabilities).
    if (it != item.end() && it->is_array()) {
      std::vector<std::string> have;
      for (const auto& t : *it)
        if (t.is_string()) have.push_back(t.get<std::string>());
      if (!tags.match(have)) return false;
    }
  }
  for (const auto& [name, wanted] : filters) {
    const std::string& key = name;  // clang 14 can't capture a structured binding
    auto it = item.find(key);
    // A key the resource does not have is no filter (Neutron without
    // filter-validation ignores it: tempest lists floating IPs so).
    if (it == item.end() && key != "fixed_ips") continue;
    const bool any = std::any_of(wanted.begin(), wanted.end(), [&](const std::string& w) {
      if (key == "fixed_ips") return fixed_ip_matches(item, w);
      return value_matches(*it, w);
    });
    if (!any) return false;
  }
  return true;
}

list_query list_query_of(const query_pairs& params) {
  list_query q;
  for (const auto& [key, value] : params) {
    if (q.tags.take(key, value)) {
      continue;
    } else if (key == "fields") {
      continue;  // a projection of the body (api/routing.cpp), not a filter
    } else if (key == "limit" || key == "marker" || key == "sort_key" || key == "sort_dir" ||
               key == "page_reverse") {
      continue;  // every list is short enough to come whole
    } else {
      q.filters[key].push_back(value);
    }
  }
  return q;
}

}  // namespace cumulo::api
