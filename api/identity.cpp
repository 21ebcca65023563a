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
}

void list_user_projects(server_context& ctx, std::shared_ptr<responder> r,
                        const std::string& user_id, const std::string& base_url,
                        const std::string& self_url) {
  ctx.bridge.ask<std::vector<project_state>>(
      std::move(r), ctx.identity,
      [user_id, base_url, self_url](responder& rr, std::vector<project_state>& all) {
        nlohmann::json items = nlohmann::json::array();
        for (const auto& p : all)
          if (p.enabled && !p.roles_of(user_id).empty()) items.push_back(project_json(p, base_url));
        respond(rr, 200, collection_json("projects", std::move(items), self_url));
      },
      list_atom::value, project_atom::value);
}

}  // namespace cumulo::api
