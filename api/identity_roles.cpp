// Keystone's /v3/roles and role assignments on projects: grant (PUT),
// check (HEAD), revoke (DELETE), a user's roles on a project, and
// /v3/role_assignments with its filters (users' and groups' assignments;
// ?effective: each group's as its members').
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
  std::optional<std::string> user_id, group_id, role_id, project_id, domain_id;
  bool include_names = false;
  bool effective = false;

  bool match(const role_assignment& a) const {
    if (user_id && a.user_id != *user_id) return false;
    if (group_id && (!a.of_group() || a.group_id != *group_id)) return false;
    if (role_id && a.role_id != *role_id) return false;
    if (project_id && a.project_id != *project_id) return false;
    return !domain_id;  // no domain assignments exist
  }
  // Keystone's 400s for filters that contradict each other.
  std::optional<std::string> contradiction() const {
    if (user_id && group_id) return "Specify a user or group, not both";
    if (effective && group_id)
      return "Combining effective and group filter will always result in an empty list.";
    if (project_id && domain_id) return "Specify a domain or project, not both";
    return std::nullopt;
  }
};

// Who holds the role: the user (a member's, when expanded from its group),
// or the group.
nlohmann::json holder_json(const std::string& id, const std::string& name,
                           const std::string& domain_id, const std::string& domain_name,
                           bool include_names) {
  nlohmann::json j{{"id", id}};
  if (include_names) {
    j["name"] = name;
    j["domain"] = {{"id", domain_id}, {"name", domain_name}};
  }
  return j;
}

nlohmann::json assignment_json(const role_assignment& a, bool include_names,
                               const std::string& base) {
  nlohmann::json role{{"id", a.role_id}};
  nlohmann::json project{{"id", a.project_id}};
  if (include_names) {
    role["name"] = a.role_name;
    project["name"] = a.project_name;
    project["domain"] = {{"id", a.project_domain_id}, {"name", a.project_domain_name}};
  }
  const std::string on_project = base + "/v3/projects/" + a.project_id;
  nlohmann::json j{{"role", role}, {"scope", {{"project", project}}}};
  if (a.of_group()) {
    j["group"] = holder_json(a.group_id, a.group_name, a.group_domain_id, a.group_domain_name,
                             include_names);
    j["links"] = {{"assignment", on_project + "/groups/" + a.group_id + "/roles/" + a.role_id}};
    return j;
  }
  j["user"] =
      holder_json(a.user_id, a.user_name, a.user_domain_id, a.user_domain_name, include_names);
  if (a.group_id.empty()) {
    j["links"] = {{"assignment", on_project + "/users/" + a.user_id + "/roles/" + a.role_id}};
    return j;
  }
  // Held through a group: its assignment, and the membership that brings it.
  j["links"] = {{"assignment", on_project + "/groups/" + a.group_id + "/roles/" + a.role_id},
                {"membership", base + "/v3/groups/" + a.group_id + "/users/" + a.user_id}};
  return j;
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
              // A flag without a value (?effective) is set, as Keystone reads it.
              const auto params = query_params(req);
              auto flag = [&params](const char* name) {
                auto it = params.find(name);
                return it != params.end() && query_flag(it->second);
              };
              assignment_filters f{query_of(req, "user.id"),
                                   query_of(req, "group.id"),
                                   query_of(req, "role.id"),
                                   query_of(req, "scope.project.id"),
                                   query_of(req, "scope.domain.id"),
                                   flag("include_names"),
                                   flag("effective")};
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, base, f](std::shared_ptr<responder> rr, token_info& t) {
                           if (auto why = f.contradiction()) {
                             respond_error(*rr, 400, *why);
                             return;
                           }
                           ctx.bridge.ask<std::vector<role_assignment>>(
                               rr, ctx.identity,
                               [base, f](responder& r3, std::vector<role_assignment>& all) {
                                 nlohmann::json items = nlohmann::json::array();
                                 for (const auto& a : all)
                                   if (f.match(a))
                                     items.push_back(assignment_json(a, f.include_names, base));
                                 respond(r3, 200,
                                         collection_json("role_assignments", std::move(items),
                                                         base + "/v3/role_assignments"));
                               },
                               list_atom::value, assignment_atom::value, f.user_id.value_or(""),
                               f.effective, t.creds());
                         });
            });
}

}  // namespace cumulo::api
