// The identity service (Keystone v3) at /v3: tokens (identity_tokens.cpp),
// projects (identity_projects.cpp), users (identity_users.cpp), roles and
// role assignments (identity_roles.cpp), domains (identity_domains.cpp).
// Every handler reads what it needs from the request, asks the identity
// actor, and answers from the reply: nothing here keeps state.
#pragma once

#include <memory>
#include <string>

#include "api/responder.hpp"
#include "api/server_context.hpp"

namespace Pistache::Rest {
class Router;
}

namespace cumulo::api {

void add_identity_routes(Pistache::Rest::Router& router, server_context& ctx);

void add_token_routes(Pistache::Rest::Router& router, server_context& ctx);
void add_project_routes(Pistache::Rest::Router& router, server_context& ctx);
void add_user_routes(Pistache::Rest::Router& router, server_context& ctx);
void add_role_routes(Pistache::Rest::Router& router, server_context& ctx);
void add_domain_routes(Pistache::Rest::Router& router, server_context& ctx);

// Answers {"projects": [...]} with the enabled projects user_id holds a
// role on (GET /v3/auth/projects, /v3/users/{id}/projects).
void list_user_projects(server_context& ctx, std::shared_ptr<responder> r,
                        const std::string& user_id, const std::string& base_url,
                        const std::string& self_url);

}  // namespace cumulo::api
