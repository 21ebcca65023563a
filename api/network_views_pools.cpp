#include "api/network_views_pools.hpp"

#include "api/network_views.hpp"

namespace cumulo::api {

nlohmann::json subnetpool_json(const subnetpool_state& s) {
  nlohmann::json j{
      {"id", s.id},
      {"name", s.name},
      {"ip_version", s.ip_version},
      {"prefixes", s.prefixes},
      {"min_prefixlen", s.min_prefixlen},
      {"max_prefixlen", s.max_prefixlen},
      {"default_prefixlen", s.default_prefixlen},
      {"default_quota",
       s.default_quota ? nlohmann::json(*s.default_quota) : nlohmann::json(nullptr)},
      {"address_scope_id",
       s.address_scope_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.address_scope_id)},
      {"is_default", s.is_default},
      {"shared", s.shared}};
  standard_attributes(j, s, s.project_id, s.description);
  return j;
}

nlohmann::json address_scope_json(const address_scope_state& s) {
  return {{"id", s.id},
          {"name", s.name},
          {"ip_version", s.ip_version},
          {"shared", s.shared},
          {"project_id", s.project_id},
          {"tenant_id", s.project_id}};
}

}  // namespace cumulo::api
