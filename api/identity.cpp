#include "api/identity.hpp"

#include "actors/identity.hpp"
#include "api/identity_views.hpp"

namespace cumulo::api {

void add_identity_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_token_routes(router, ctx);
  add_project_routes(router, ctx);
  add_user_routes(router, ctx);
  add_role_routes(router, ctx);
  add_domain_routes(router, ctx);
  add_application_credential_routes(router, ctx);
  add_catalog_routes(router, ctx);
  add_credential_routes(router, ctx);
  add_group_routes(router, ctx);
}

std::function<void(responder&, std::vector<project_state>&)> user_projects_view(
    const std::string& base_url, const std::string& self_url) {
  return [base_url, self_url](responder& r, std::vector<project_state>& projects) {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& p : projects) items.push_back(project_json(p, base_url));
    respond(r, 200, collection_json("projects", std::move(items), self_url));
  };
}

}  // namespace cumulo::api
