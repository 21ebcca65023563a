// Keystone's /v3/groups: create, list (name, domain_id), show, update,
// delete; a group's members (add with PUT, check with HEAD, remove with
// DELETE, list) and a user's groups; a group's role assignments on
// projects (/v3/projects/{p}/groups/{g}/roles[/{r}]). The identity actor
// decides each with Keystone's rules.
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

struct group_filters {
  std::optional<std::string> name, domain_id;

  bool match(const group_state& g) const {
    if (name && g.name != *name) return false;
    if (domain_id && g.domain_id != *domain_id) return false;
    return true;
  }
};

void answer_group(responder& r, int status, const group_state& g, const std::string& base) {
  respond(r, status, {{"group", group_json(g, base)}});
}

std::function<void(responder&, std::vector<group_state>&)> groups_view(const std::string& base,
                                                                       const std::string& self_url,
                                                                       group_filters f = {}) {
  return [base, self_url, f](responder& r, std::vector<group_state>& gs) {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& g : gs)
      if (f.match(g)) items.push_back(group_json(g, base));
    respond(r, 200, collection_json("groups", std::move(items), self_url));
  };
}

// The path of one membership: /v3/groups/{g}/users/{u}.
struct membership_path {
  std::string group_id, user_id;
};

membership_path membership_of(const Request& req) {
  return {param_of(req, ":group_id"), param_of(req, ":user_id")};
}

// The path of one assignment: /v3/projects/{p}/groups/{g}/roles/{r}.
struct group_grant_path {
  std::string project_id, group_id, role_id;
};

group_grant_path group_grant_of(const Request& req) {
  return {param_of(req, ":project_id"), param_of(req, ":group_id"), param_of(req, ":role_id")};
}

// A group command answered with 204 and no body (members, grants, delete).
void command_no_content(server_context& ctx, const Request& req, std::shared_ptr<responder> r,
                        std::string group_id, group::command c) {
  with_token(ctx, auth_token_of(req), r,
             [&ctx, group_id = std::move(group_id), c = std::move(c)](std::shared_ptr<responder> rr,
                                                                      token_info& t) {
               ctx.bridge.ask<group_state>(
                   rr, ctx.identity, [](responder& r3, group_state&) { respond(r3, 204, no_body); },
                   command_atom::value, group_id, c, event_metadata{rr->request_id(), t.user.id},
                   t.creds());
             });
}

void add_group_resource_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_route(
      router, ctx, http_method::post, "/v3/groups", service::identity,
      [&ctx](const Request& req, std::shared_ptr<responder> r) {
        auto body = json_request(ctx, req, *r, "identity_group_create");
        if (!body) return;
        const std::string base = base_url(req, ctx);
        with_token(
            ctx, auth_token_of(req), r,
            [&ctx, base, body = std::move(*body)](std::shared_ptr<responder> rr, token_info& t) {
              const auto& j = body["group"];
              group::create c;
              c.name = j["name"].get<std::string>();
              c.domain_id = optional_text(j, "domain_id").value_or(default_domain_id);
              c.description = optional_text(j, "description").value_or("");
              ctx.bridge.ask<group_state>(
                  rr, ctx.identity,
                  [base](responder& r3, group_state& g) { answer_group(r3, 201, g, base); },
                  command_atom::value, new_uuid(), group::command{std::move(c)},
                  event_metadata{rr->request_id(), t.user.id}, t.creds());
            });
      });

  add_route(router, ctx, http_method::get, "/v3/groups", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string base = base_url(req, ctx);
              group_filters f{query_of(req, "name"), query_of(req, "domain_id")};
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, base, f](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<std::vector<group_state>>(
                               rr, ctx.identity, groups_view(base, base + "/v3/groups", f),
                               list_atom::value, group_atom::value, t.creds());
                         });
            });

  add_route(router, ctx, http_method::get, "/v3/groups/:group_id", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string base = base_url(req, ctx);
              const std::string id = param_of(req, ":group_id");
              with_token(
                  ctx, auth_token_of(req), r,
                  [&ctx, base, id](std::shared_ptr<responder> rr, token_info& t) {
                    ctx.bridge.ask<group_state>(
                        rr, ctx.identity,
                        [base](responder& r3, group_state& g) { answer_group(r3, 200, g, base); },
                        caf::get_atom::value, group_atom::value, id, t.creds());
                  });
            });

  add_route(router, ctx, http_method::patch, "/v3/groups/:group_id", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto body = json_request(ctx, req, *r, "identity_group_update");
              if (!body) return;
              const std::string base = base_url(req, ctx);
              const std::string id = param_of(req, ":group_id");
              with_token(
                  ctx, auth_token_of(req), r,
                  [&ctx, base, id, body = std::move(*body)](std::shared_ptr<responder> rr,
                                                            token_info& t) {
                    const auto& j = body["group"];
                    group::update c;
                    if (j.contains("name")) c.name = j["name"].get<std::string>();
                    if (j.contains("description"))
                      c.description = optional_text(j, "description").value_or("");
                    c.domain_id = optional_text(j, "domain_id");
                    ctx.bridge.ask<group_state>(
                        rr, ctx.identity,
                        [base](responder& r3, group_state& g) { answer_group(r3, 200, g, base); },
                        command_atom::value, id, group::command{std::move(c)},
                        event_metadata{rr->request_id(), t.user.id}, t.creds());
                  });
            });

  add_route(router, ctx, http_method::del, "/v3/groups/:group_id", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              command_no_content(ctx, req, r, param_of(req, ":group_id"),
                                 group::command{group::remove{}});
            });
}

void add_membership_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_route(router, ctx, http_method::get, "/v3/groups/:group_id/users", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string base = base_url(req, ctx);
              const std::string id = param_of(req, ":group_id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, base, id](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<std::vector<user_state>>(
                               rr, ctx.identity,
                               [base, id](responder& r3, std::vector<user_state>& us) {
                                 nlohmann::json items = nlohmann::json::array();
                                 for (const auto& u : us) items.push_back(user_json(u, base));
                                 respond(r3, 200,
                                         collection_json("users", std::move(items),
                                                         base + "/v3/groups/" + id + "/users"));
                               },
                               list_atom::value, user_atom::value, group_atom::value, id,
                               t.creds());
                         });
            });

  add_route(router, ctx, http_method::get, "/v3/users/:user_id/groups", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string base = base_url(req, ctx);
              const std::string id = param_of(req, ":user_id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, base, id](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<std::vector<group_state>>(
                               rr, ctx.identity,
                               groups_view(base, base + "/v3/users/" + id + "/groups"),
                               list_atom::value, group_atom::value, id, t.creds());
                         });
            });

  const std::string member = "/v3/groups/:group_id/users/:user_id";
  add_route(router, ctx, http_method::put, member, service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const auto m = membership_of(req);
              command_no_content(ctx, req, r, m.group_id,
                                 group::command{group::add_member{m.user_id}});
            });

  add_route(router, ctx, http_method::del, member, service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const auto m = membership_of(req);
              command_no_content(ctx, req, r, m.group_id,
                                 group::command{group::remove_member{m.user_id}});
            });

  // HEAD (and GET, as Keystone answers both): 204 for a member, 404 otherwise.
  for (auto method : {http_method::head, http_method::get}) {
    add_route(
        router, ctx, method, member, service::identity,
        [&ctx](const Request& req, std::shared_ptr<responder> r) {
          const auto m = membership_of(req);
          with_token(
              ctx, auth_token_of(req), r, [&ctx, m](std::shared_ptr<responder> rr, token_info& t) {
                ctx.bridge.ask<user_state>(
                    rr, ctx.identity, [](responder& r3, user_state&) { respond(r3, 204, no_body); },
                    caf::get_atom::value, group_atom::value, m.group_id, m.user_id, t.creds());
              });
        });
  }
}

void add_group_grant_routes(Pistache::Rest::Router& router, server_context& ctx) {
  const std::string grant = "/v3/projects/:project_id/groups/:group_id/roles/:role_id";
  add_route(router, ctx, http_method::put, grant, service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const auto g = group_grant_of(req);
              command_no_content(ctx, req, r, g.group_id,
                                 group::command{group::grant_role{g.project_id, g.role_id}});
            });

  add_route(router, ctx, http_method::del, grant, service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const auto g = group_grant_of(req);
              command_no_content(ctx, req, r, g.group_id,
                                 group::command{group::revoke_role{g.project_id, g.role_id}});
            });

  // HEAD (and GET): 204 when the group holds the role there, 404 otherwise.
  for (auto method : {http_method::head, http_method::get}) {
    add_route(router, ctx, method, grant, service::identity,
              [&ctx](const Request& req, std::shared_ptr<responder> r) {
                const auto g = group_grant_of(req);
                with_token(ctx, auth_token_of(req), r,
                           [&ctx, g](std::shared_ptr<responder> rr, token_info& t) {
                             ctx.bridge.ask<role_state>(
                                 rr, ctx.identity,
                                 [](responder& r3, role_state&) { respond(r3, 204, no_body); },
                                 caf::get_atom::value, assignment_atom::value, group_atom::value,
                                 g.project_id, g.group_id, g.role_id, t.creds());
                           });
              });
  }

  add_route(router, ctx, http_method::get, "/v3/projects/:project_id/groups/:group_id/roles",
            service::identity, [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string base = base_url(req, ctx);
              const std::string project_id = param_of(req, ":project_id");
              const std::string group_id = param_of(req, ":group_id");
              with_token(
                  ctx, auth_token_of(req), r,
                  [&ctx, base, project_id, group_id](std::shared_ptr<responder> rr, token_info& t) {
                    ctx.bridge.ask<std::vector<role_state>>(
                        rr, ctx.identity,
                        [base, project_id, group_id](responder& r3, std::vector<role_state>& rs) {
                          nlohmann::json items = nlohmann::json::array();
                          for (const auto& s : rs) items.push_back(role_json(s, base));
                          respond(r3, 200,
                                  collection_json("roles", std::move(items),
                                                  base + "/v3/projects/" + project_id + "/groups/" +
                                                      group_id + "/roles"));
                        },
                        list_atom::value, role_atom::value, group_atom::value, project_id, group_id,
                        t.creds());
                  });
            });
}

}  // namespace

void add_group_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_group_resource_routes(router, ctx);
  add_membership_routes(router, ctx);
  add_group_grant_routes(router, ctx);
}

}  // namespace cumulo::api
