// The JSON bodies of Neutron's resources as the SDK and OSC read them
// (../shared/reference/openstack-api-surface.md §4), and the list
// conventions every Neutron collection shares: filters by any field.
// `fields=` is a projection of every Neutron GET's body (api/routing.cpp).
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

#include "api/query.hpp"
#include "engine/network_state.hpp"
#include "engine/tagging.hpp"

namespace cumulo::api {

// Neutron's standard attributes of any resource: project_id/tenant_id,
// description, tags, created_at/updated_at (seconds), revision_number.
void standard_attributes(nlohmann::json& j, const resource_meta& m, const std::string& project,
                         const std::string& description, const std::vector<std::string>& tags = {});

// admin: Neutron shows the provider:* attributes to admins only.
nlohmann::json network_json(const network_state& n, bool admin);
nlohmann::json subnet_json(const network_state& n, const network::subnet& s);
nlohmann::json port_json(const network_state& n, const network::port& p, bool admin);

// A list query: every parameter but the paging and field ones is a filter
// on a top-level field, compared as text (booleans in any case); fixed_ips
// filters as "ip_address=A" or "subnet_id=S". A key given more than once
// matches any of its values (Neutron's ?id=a&id=b). tags, tags-any,
// not-tags and not-tags-any filter on the tags (engine/tagging.hpp).
struct list_query {
  std::map<std::string, std::vector<std::string>> filters;
  tagging::filter tags;

  bool match(const nlohmann::json& item) const;
};
list_query list_query_of(const query_pairs& params);

}  // namespace cumulo::api
