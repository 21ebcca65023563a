// The JSON bodies of Keystone's resources, as the clients read them
// (../shared/reference/openstack-api-surface.md §2-3): projects, users,
// roles, the Default domain, role assignments, tokens and their catalog.
// base_url is "http://host:port" as the client reached us.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "engine/identity_directory.hpp"

namespace cumulo::api {

nlohmann::json project_json(const project_state& p, const std::string& base_url);
nlohmann::json user_json(const user_state& u, const std::string& base_url);
nlohmann::json role_json(const role_state& r, const std::string& base_url);
nlohmann::json domain_json(const domain_state& d, const std::string& base_url);
nlohmann::json group_json(const group_state& g, const std::string& base_url);
// A list body: {"<key>": items, "links": {"self", "previous", "next"}}.
nlohmann::json collection_json(const std::string& key, nlohmann::json items,
                               const std::string& self_url);

// The catalog: identity, compute, image and network, each with public,
// internal and admin endpoints in RegionOne, all on this one address.
// The catalog on base_url: the built-in services, then the enabled ones
// clients added (`stored`), each with its enabled endpoints.
nlohmann::json catalog_json(const std::string& base_url,
                            const std::vector<service_state>* stored = nullptr);
nlohmann::json region_json(const region_state& r, const std::string& base_url);
nlohmann::json service_json(const service_state& s, const std::string& base_url);
nlohmann::json endpoint_json(const catalog_endpoint& e, const std::string& base_url);
// {"token": {...}}: methods, user, times, audit_ids, and for a scoped
// token its project, roles and (unless no_catalog) the catalog.
nlohmann::json token_json(const token_info& t, const std::string& base_url, bool with_catalog);
// An application credential as Keystone shows it (never its secret: the
// create answer adds the one the client will not see again).
nlohmann::json application_credential_json(const application_credential_view& v,
                                           const std::string& base_url);
// The same, serialized: the catalog's text is made once per base URL, as
// every validation of a scoped token carries it (half the cost otherwise).
std::string token_text(const token_info& t, const std::string& base_url, bool with_catalog);

}  // namespace cumulo::api
