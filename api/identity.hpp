// The identity service (Keystone v3) at /v3: tokens (identity_tokens.cpp),
// projects (identity_projects.cpp), users (identity_users.cpp), roles and
// role assignments (identity_roles.cpp), domains (identity_domains.cpp),
// application credentials (identity_application_credentials.cpp), the
// catalog: regions, services, endpoints (identity_catalog.cpp), credentials
// and EC2 credentials (identity_credentials.cpp), groups, their members and
// their role assignments (identity_groups.cpp).
// Every handler reads what it needs from the request, asks the identity
// actor once (with its caller: the actor decides with Keystone's rules),
// and answers from the reply: nothing here keeps state or decides.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/responder.hpp"
#include "api/server_context.hpp"
#include "engine/project_state.hpp"

namespace Pistache::Rest {
class Router;
}

namespace cumulo::api {

void add_identity_routes(Pistache::Rest::Router& router, server_context& ctx);

void add_token_routes(Pistache::Rest::Router& router, server_context& ctx);
void add_application_credential_routes(Pistache::Rest::Router& router, server_context& ctx);
void add_credential_routes(Pistache::Rest::Router& router, server_context& ctx);
void add_catalog_routes(Pistache::Rest::Router& router, server_context& ctx);
void add_project_routes(Pistache::Rest::Router& router, server_context& ctx);
void add_user_routes(Pistache::Rest::Router& router, server_context& ctx);
void add_role_routes(Pistache::Rest::Router& router, server_context& ctx);
void add_domain_routes(Pistache::Rest::Router& router, server_context& ctx);
void add_group_routes(Pistache::Rest::Router& router, server_context& ctx);

// Renders {"projects": [...]}, a user's projects as the identity actor
// answers them (GET /v3/auth/projects, /v3/users/{id}/projects).
std::function<void(responder&, std::vector<project_state>&)> user_projects_view(
    const std::string& base_url, const std::string& self_url);

}  // namespace cumulo::api
