// Keystone's /v3/roles and role assignments on projects: grant (PUT),
// check (HEAD), revoke (DELETE), a user's roles on a project, and
// /v3/role_assignments with its filters.
#include "api/auth.hpp"
#include "api/identity.hpp"
#include "api/identity_views.hpp"
#include "api/routing.hpp"
#include "store/ids.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

using Pistache::Rest::Request;

void answer_role(responder& r, int status, const role_state& s, const std::string& base) {
  respond(r, status, {{"role", role_json(s, base)}});
}

// The path of one assignment: /v3/projects/{p}/users/{u}/roles/{r}.
struct grant_path {
  std::string project_id, user_id, role_id;
};

grant_path grant_of(const Request& req) {
  return {param_of(req, ":project_id"), param_of(req, ":user_id"), param_of(req, ":role_id")};
}

struct assignment_filters {
  std::optional<std::string> user_id, role_id, project_id, domain_id;
  bool include_names = false;
};

nlohmann::json assignment_json(const role_assignment& a, bool include_names,
                               const std::string& base) {
  nlohmann::json role{{"id", a.role_id}};
  nlohmann::json user{{"id", a.user_id}};
  nlohmann::json project{{"id", a.project_id}};
  if (include_names) {
    role["name"] = a.role_name;
    user["name"] = a.user_name;
    user["domain"] = {{"id", a.user_domain_id}, {"name", a.user_domain_name}};
    project["name"] = a.project_name;
    project["domain"] = {{"id", a.project_domain_id}, {"name", a.project_domain_name}};
  }
  return {{"role", role},
          {"user", user},
          {"scope", {{"project", project}}},
          {"links",
           {{"assignment", base + "/v3/projects/" + a.project_id + "/users/" + a.user_id +
                               "/roles/" + a.role_id}}}};
}

}  // namespace

void add_role_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_route(
      router, ctx, http_method::post, "/v3/roles", service::identity,
      [&ctx](const Request& req, std::shared_ptr<responder> r) {
        auto body = json_request(ctx, req, *r, "identity_role_create");
        if (!body) return;
        const std::string base = base_url(req, ctx);
        with_token(
            ctx, auth_token_of(req), r,
            [&ctx, base, body = std::move(*body)](std::shared_ptr<responder> rr, token_info& t) {
              const auto& j = body["role"];
              role::create c;
              c.name = j["name"].get<std::string>();
              c.description = optional_text(j, "description").value_or("");
              ctx.bridge.ask<role_state>(
                  rr, ctx.identity,
                  [base](responder& r3, role_state& s) { answer_role(r3, 201, s, base); },
                  command_atom::value, new_uuid(), role::command{std::move(c)},
                  event_metadata{rr->request_id(), t.user.id}, t.creds());
            });
      });

  add_route(router, ctx, http_method::get, "/v3/roles", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string base = base_url(req, ctx);
              auto name = query_of(req, "name");
              with_token(
                  ctx, auth_token_of(req), r,
                  [&ctx, base, name](std::shared_ptr<responder> rr, token_info& t) {
                    ctx.bridge.ask<std::vector<role_state>>(
                        rr, ctx.identity,
                        [base, name](responder& r3, std::vector<role_state>& rs) {
                          nlohmann::json items = nlohmann::json::array();
                          for (const auto& s : rs)
                            if (!name || s.name == *name) items.push_back(role_json(s, base));
                          respond(r3, 200,
                                  collection_json("roles", std::move(items), base + "/v3/roles"));
                        },
                        list_atom::value, role_atom::value, t.creds());
                  });
            });

  add_route(router, ctx, http_method::get, "/v3/roles/:role_id", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string base = base_url(req, ctx);
              const std::string id = param_of(req, ":role_id");
              with_token(
                  ctx, auth_token_of(req), r,
                  [&ctx, base, id](std::shared_ptr<responder> rr, token_info& t) {
                    ctx.bridge.ask<role_state>(
                        rr, ctx.identity,
                        [base](responder& r3, role_state& s) { answer_role(r3, 200, s, base); },
                        caf::get_atom::value, role_atom::value, id, t.creds());
                  });
            });

  add_route(router, ctx, http_method::patch, "/v3/roles/:role_id", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto body = json_request(ctx, req, *r, "identity_role_update");
              if (!body) return;
              const std::string base = base_url(req, ctx);
              const std::string id = param_of(req, ":role_id");
              with_token(
                  ctx, auth_token_of(req), r,
                  [&ctx, base, id, body = std::move(*body)](std::shared_ptr<responder> rr,
                                                            token_info& t) {
                    const auto& j = body["role"];
                    role::update c;
                    if (j.contains("name")) c.name = j["name"].get<std::string>();
                    if (j.contains("description"))
                      c.description = optional_text(j, "description").value_or("");
                    ctx.bridge.ask<role_state>(
                        rr, ctx.identity,
                        [base](responder& r3, role_state& s) { answer_role(r3, 200, s, base); },
                        command_atom::value, id, role::command{std::move(c)},
                        event_metadata{rr->request_id(), t.user.id}, t.creds());
                  });
            });

  add_route(router, ctx, http_method::del, "/v3/roles/:role_id", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string id = param_of(req, ":role_id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<role_state>(
                               rr, ctx.identity,
                               [](responder& r3, role_state&) { respond(r3, 204, no_body); },
                               command_atom::value, id, role::command{role::remove{}},
                               event_metadata{rr->request_id(), t.user.id}, t.creds());
                         });
            });

  const std::string grant = "/v3/projects/:project_id/users/:user_id/roles/:role_id";
  add_route(router, ctx, http_method::put, grant, service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const auto g = grant_of(req);
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, g](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<project_state>(
                               rr, ctx.identity,
                               [](responder& r3, project_state&) { respond(r3, 204, no_body); },
                               command_atom::value, g.project_id,
                               project::command{project::grant_role{g.user_id, g.role_id}},
                               event_metadata{rr->request_id(), t.user.id}, t.creds());
                         });
            });

  add_route(router, ctx, http_method::del, grant, service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const auto g = grant_of(req);
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, g](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<project_state>(
                               rr, ctx.identity,
                               [](responder& r3, project_state&) { respond(r3, 204, no_body); },
                               command_atom::value, g.project_id,
                               project::command{project::revoke_role{g.user_id, g.role_id}},
                               event_metadata{rr->request_id(), t.user.id}, t.creds());
                         });
            });

  // HEAD (and GET, as Keystone answers both): 204 when the assignment
  // exists, 404 otherwise.
  for (auto method : {http_method::head, http_method::get}) {
    add_route(
        router, ctx, method, grant, service::identity,
        [&ctx](const Request& req, std::shared_ptr<responder> r) {
          const auto g = grant_of(req);
          with_token(
              ctx, auth_token_of(req), r, [&ctx, g](std::shared_ptr<responder> rr, token_info& t) {
                ctx.bridge.ask<role_state>(
                    rr, ctx.identity, [](responder& r3, role_state&) { respond(r3, 204, no_body); },
                    caf::get_atom::value, assignment_atom::value, g.project_id, g.user_id,
                    g.role_id, t.creds());
              });
        });
  }

  add_route(router, ctx, http_method::get, "/v3/projects/:project_id/users/:user_id/roles",
            service::identity, [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string base = base_url(req, ctx);
              const std::string project_id = param_of(req, ":project_id");
              const std::string user_id = param_of(req, ":user_id");
              with_token(
                  ctx, auth_token_of(req), r,
                  [&ctx, base, project_id, user_id](std::shared_ptr<responder> rr, token_info& t) {
                    ctx.bridge.ask<std::vector<role_state>>(
                        rr, ctx.identity,
                        [base, project_id, user_id](responder& r3, std::vector<role_state>& rs) {
                          nlohmann::json items = nlohmann::json::array();
                          for (const auto& s : rs) items.push_back(role_json(s, base));
                          respond(r3, 200,
                                  collection_json("roles", std::move(items),
                                                  base + "/v3/projects/" + project_id + "/users/" +
                                                      user_id + "/roles"));
                        },
                        list_atom::value, role_atom::value, project_id, user_id, t.creds());
                  });
            });

  add_route(router, ctx, http_method::get, "/v3/role_assignments", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string base = base_url(req, ctx);
              assignment_filters f{query_of(req, "user.id"), query_of(req, "role.id"),
                                   query_of(req, "scope.project.id"),
                                   query_of(req, "scope.domain.id"),
                                   query_flag(query_of(req, "include_names").value_or("0"))};
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, base, f](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<std::vector<role_assignment>>(
                               rr, ctx.identity,
                               [base, f](responder& r3, std::vector<role_assignment>& all) {
                                 nlohmann::json items = nlohmann::json::array();
                                 for (const auto& a : all) {
                                   if (f.user_id && a.user_id != *f.user_id) continue;
                                   if (f.role_id && a.role_id != *f.role_id) continue;
                                   if (f.project_id && a.project_id != *f.project_id) continue;
                                   if (f.domain_id) continue;  // no domain assignments exist
                                   items.push_back(assignment_json(a, f.include_names, base));
                                 }
                                 respond(r3, 200,
                                         collection_json("role_assignments", std::move(items),
                                                         base + "/v3/role_assignments"));
                               },
                               list_atom::value, assignment_atom::value, f.user_id.value_or(""),
                               t.creds());
                         });
            });
}

}  // namespace cumulo::api
