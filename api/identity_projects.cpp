// Keystone's /v3/projects: create (under a parent project, or at the top of
// its domain), list (name, enabled, domain_id, parent_id; an admin's, as
// Keystone: a member lists its own at /v3/auth/projects), show, update,
// delete, and a user's projects.
#include "api/auth.hpp"
#include "api/identity.hpp"
#include "api/identity_views.hpp"
#include "api/routing.hpp"
#include "engine/project_hierarchy.hpp"
#include "store/ids.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

using Pistache::Rest::Request;

struct project_filters {
  std::optional<std::string> name, domain_id, enabled, parent_id;

  bool match(const project_state& p) const {
    if (name && p.name != *name) return false;
    if (domain_id && p.domain_id != *domain_id) return false;
    if (parent_id && parent_of(p) != *parent_id) return false;
    if (enabled && p.enabled != query_flag(*enabled)) return false;
    return true;
  }
};

}  // namespace

void add_project_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_route(router, ctx, http_method::post, "/v3/projects", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto body = json_request(ctx, req, *r, "identity_project_create");
              if (!body) return;
              const std::string base = base_url(req, ctx);
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, base, body = std::move(*body)](std::shared_ptr<responder> rr,
                                                               token_info& t) {
                           const auto& p = body["project"];
                           project::create c;
                           c.name = p["name"].get<std::string>();
                           c.domain_id = optional_text(p, "domain_id").value_or(default_domain_id);
                           c.description = optional_text(p, "description").value_or("");
                           c.enabled = p.value("enabled", true);
                           if (p.contains("tags"))
                             c.tags = p["tags"].get<std::vector<std::string>>();
                           // Keystone's domain_id is the token's or Default
                           // even with a parent: one of another domain is 400.
                           c.parent_id = optional_text(p, "parent_id").value_or("");
                           ctx.bridge.ask<project_state>(
                               rr, ctx.identity,
                               [base](responder& r3, project_state& s) {
                                 respond(r3, 201, {{"project", project_json(s, base)}});
                               },
                               command_atom::value, new_uuid(), project::command{std::move(c)},
                               event_metadata{rr->request_id(), t.user.id}, t.creds());
                         });
            });

  add_route(router, ctx, http_method::get, "/v3/projects", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string base = base_url(req, ctx);
              project_filters f{query_of(req, "name"), query_of(req, "domain_id"),
                                query_of(req, "enabled"), query_of(req, "parent_id")};
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, base, f](std::shared_ptr<responder> rr, token_info& t) {
                           // A member's own projects are at /v3/auth/projects
                           // (`--my-projects`): here it is Keystone's 403.
                           ctx.bridge.ask<std::vector<project_state>>(
                               rr, ctx.identity,
                               [base, f](responder& r3, std::vector<project_state>& ps) {
                                 nlohmann::json items = nlohmann::json::array();
                                 for (const auto& p : ps)
                                   if (f.match(p)) items.push_back(project_json(p, base));
                                 respond(r3, 200,
                                         collection_json("projects", std::move(items),
                                                         base + "/v3/projects"));
                               },
                               list_atom::value, project_atom::value, t.creds());
                         });
            });

  add_route(router, ctx, http_method::get, "/v3/projects/:project_id", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string base = base_url(req, ctx);
              const std::string id = param_of(req, ":project_id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, base, id](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<project_state>(
                               rr, ctx.identity,
                               [base](responder& r3, project_state& p) {
                                 respond(r3, 200, {{"project", project_json(p, base)}});
                               },
                               caf::get_atom::value, project_atom::value, id, t.creds());
                         });
            });

  add_route(router, ctx, http_method::patch, "/v3/projects/:project_id", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto body = json_request(ctx, req, *r, "identity_project_update");
              if (!body) return;
              const std::string base = base_url(req, ctx);
              const std::string id = param_of(req, ":project_id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, base, id, body = std::move(*body)](std::shared_ptr<responder> rr,
                                                                   token_info& t) {
                           const auto& p = body["project"];
                           project::update c;
                           if (p.contains("name")) c.name = p["name"].get<std::string>();
                           if (p.contains("description"))
                             c.description = optional_text(p, "description").value_or("");
                           if (p.contains("enabled")) c.enabled = p["enabled"].get<bool>();
                           if (p.contains("tags"))
                             c.tags = p["tags"].get<std::vector<std::string>>();
                           if (p.contains("parent_id"))
                             c.parent_id = optional_text(p, "parent_id").value_or("");
                           ctx.bridge.ask<project_state>(
                               rr, ctx.identity,
                               [base](responder& r3, project_state& s) {
                                 respond(r3, 200, {{"project", project_json(s, base)}});
                               },
                               command_atom::value, id, project::command{std::move(c)},
                               event_metadata{rr->request_id(), t.user.id}, t.creds());
                         });
            });

  add_route(router, ctx, http_method::del, "/v3/projects/:project_id", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string id = param_of(req, ":project_id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<project_state>(
                               rr, ctx.identity,
                               [](responder& r3, project_state&) { respond(r3, 204, no_body); },
                               command_atom::value, id, project::command{project::remove{}},
                               event_metadata{rr->request_id(), t.user.id}, t.creds());
                         });
            });

  add_route(router, ctx, http_method::get, "/v3/users/:user_id/projects", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string base = base_url(req, ctx);
              const std::string user_id = param_of(req, ":user_id");
              with_token(
                  ctx, auth_token_of(req), r,
                  [&ctx, base, user_id](std::shared_ptr<responder> rr, token_info& t) {
                    ctx.bridge.ask<std::vector<project_state>>(
                        rr, ctx.identity,
                        user_projects_view(base, base + "/v3/users/" + user_id + "/projects"),
                        list_atom::value, project_atom::value, user_id, t.creds());
                  });
            });
}

}  // namespace cumulo::api
