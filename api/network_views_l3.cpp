#include "api/network_views_l3.hpp"

#include "api/network_views.hpp"

#include "engine/clock.hpp"

namespace cumulo::api {
namespace {

nlohmann::json null_if_empty(const std::string& s) {
  return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s);
}

}  // namespace

nlohmann::json security_group_rule_json(const security_group_state& s,
                                        const security_group::rule& r) {
  auto j = security_group::rule_json(r, s.id);
  j["tags"] = nlohmann::json::array();
  j["created_at"] = format_iso8601(s.created_at_us);
  j["updated_at"] = format_iso8601(s.updated_at_us);
  j["revision_number"] = s.version;
  j["remote_address_group_id"] = nullptr;
  j["normalized_cidr"] = j["remote_ip_prefix"];
  j["belongs_to_default_sg"] = s.is_default;
  return j;
}

nlohmann::json security_group_json(const security_group_state& s) {
  nlohmann::json rules = nlohmann::json::array();
  for (const auto& r : s.rules) rules.push_back(security_group_rule_json(s, r));
  nlohmann::json j{{"id", s.id},
                   {"name", s.name},
                   {"security_group_rules", rules},
                   {"stateful", true},
                   {"shared", false}};
  standard_attributes(j, s, s.project_id, s.description, s.tags);
  return j;
}

nlohmann::json router_json(const router_state& s) {
  nlohmann::json gateway = nullptr;
  if (s.gateway) {
    nlohmann::json ips = nlohmann::json::array();
    for (const auto& f : s.gateway->external_fixed_ips)
      ips.push_back({{"subnet_id", f.subnet_id}, {"ip_address", f.ip_address}});
    gateway = {{"network_id", s.gateway->network_id},
               {"enable_snat", s.gateway->enable_snat},
               {"external_fixed_ips", ips}};
  }
  nlohmann::json routes = nlohmann::json::array();
  for (const auto& r : s.routes)
    routes.push_back({{"destination", r.destination}, {"nexthop", r.nexthop}});
  nlohmann::json j{{"id", s.id},
                   {"name", s.name},
                   {"status", "ACTIVE"},
                   {"admin_state_up", s.admin_state_up},
                   {"external_gateway_info", gateway},
                   {"routes", routes},
                   {"distributed", false},
                   {"ha", false},
                   {"availability_zone_hints", nlohmann::json::array()},
                   {"availability_zones", {"nova"}},
                   {"flavor_id", nullptr}};
  standard_attributes(j, s, s.project_id, s.description, s.tags);
  return j;
}

nlohmann::json floatingip_json(const floatingip_state& s) {
  nlohmann::json j{{"id", s.id},
                   {"floating_ip_address", s.floating_ip_address},
                   {"floating_network_id", s.floating_network_id},
                   {"router_id", null_if_empty(s.router_id)},
                   {"port_id", null_if_empty(s.port_id)},
                   {"fixed_ip_address", null_if_empty(s.fixed_ip_address)},
                   {"status", s.status()},
                   {"port_details", nullptr},
                   {"port_forwardings", nlohmann::json::array()},
                   {"qos_policy_id", nullptr},
                   {"dns_domain", ""},
                   {"dns_name", ""}};
  standard_attributes(j, s, s.project_id, s.description, s.tags);
  return j;
}

}  // namespace cumulo::api
