// Nova's GET /servers/{id}/os-security-groups: the server's groups as Nova
// shows Neutron's (ingress rules only, each with an ip_range or the remote
// group's name). Adding and removing one is an action (compute door).
// Also Nova's proxy of Neutron's groups, GET /os-security-groups[/{id}]
// (before 2.36; 404 from it), which the CLI's `server add security group`
// reads to find a group by name, and its create (200) and delete (202),
// which networking decides as Neutron's own routes.
#include "actors/networking.hpp"
#include "api/auth.hpp"
#include "api/compute.hpp"
#include "api/compute_servers.hpp"
#include "engine/security_group_state.hpp"
#include "store/ids.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

using nlohmann::json;
using Pistache::Rest::Request;

json nullable_port(const std::optional<int>& p) {
  return p ? json(*p) : json(nullptr);
}

json nova_group(const security_group_state& g, const std::vector<security_group_state>& all) {
  json rules = json::array();
  for (const auto& r : g.rules) {
    if (r.direction != "ingress") continue;
    json rule = {{"id", r.id},
                 {"parent_group_id", g.id},
                 {"ip_protocol", r.protocol.empty() ? json(nullptr) : json(r.protocol)},
                 {"from_port", nullable_port(r.port_range_min)},
                 {"to_port", nullable_port(r.port_range_max)},
                 {"group", json::object()},
                 {"ip_range", json::object()}};
    if (!r.remote_group_id.empty()) {
      for (const auto& other : all)
        if (other.id == r.remote_group_id)
          rule["group"] = {{"name", other.name}, {"tenant_id", other.project_id}};
    } else if (!r.remote_ip_prefix.empty()) {
      rule["ip_range"] = {{"cidr", r.remote_ip_prefix}};
    }
    rules.push_back(rule);
  }
  return {{"id", g.id},
          {"name", g.name},
          {"description", g.description},
          {"tenant_id", g.project_id},
          {"rules", rules}};
}

// The project's groups (an admin's: all), as the proxy lists them.
bool in_project(const security_group_state& g, const token_info& t) {
  return g.exists() && (t.project ? g.project_id == t.project->id : t.is_admin());
}

}  // namespace

void add_server_security_group_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_server_route(
      router, ctx, http_method::get, servers_path + "/:id/os-security-groups",
      [&ctx](const Request& req, std::shared_ptr<responder> r, int) {
        on_visible_server(
            ctx, req, r, "os_compute_api:os-security-groups:list",
            [&ctx](std::shared_ptr<responder> rr, const token_info&, instance_state& s) {
              ctx.bridge.ask<std::vector<security_group_state>>(
                  rr, ctx.networking,
                  [s](responder& r3, std::vector<security_group_state>& all) {
                    json out = json::array();
                    for (const auto& name : s.security_groups)
                      for (const auto& g : all)
                        if (g.exists() && g.project_id == s.project_id && g.name == name) {
                          out.push_back(nova_group(g, all));
                          break;
                        }
                    respond(r3, 200, {{"security_groups", out}});
                  },
                  list_atom::value, security_group_atom::value);
            });
      });

  const std::string proxy = compute_root + "/os-security-groups";
  add_server_route(router, ctx, http_method::get, proxy,
                   [&ctx](const Request& req, std::shared_ptr<responder> r, int minor) {
                     if (minor >= 36)
                       return respond_error(*r, 404, "The resource could not be found.");
                     with_token(ctx, auth_token_of(req), r,
                                [&ctx](std::shared_ptr<responder> rr, token_info& t) {
                                  if (!enforce(*rr, ctx, t, "os_compute_api:os-security-groups:get",
                                               {t.project ? t.project->id : "", t.user.id}))
                                    return;
                                  ctx.bridge.ask<std::vector<security_group_state>>(
                                      rr, ctx.networking,
                                      [t](responder& r3, std::vector<security_group_state>& all) {
                                        json out = json::array();
                                        for (const auto& g : all)
                                          if (in_project(g, t)) out.push_back(nova_group(g, all));
                                        respond(r3, 200, {{"security_groups", out}});
                                      },
                                      list_atom::value, security_group_atom::value);
                                });
                   });
  add_server_route(
      router, ctx, http_method::get, proxy + "/:group",
      [&ctx](const Request& req, std::shared_ptr<responder> r, int minor) {
        if (minor >= 36) return respond_error(*r, 404, "The resource could not be found.");
        const std::string id = param_of(req, ":group");
        with_token(ctx, auth_token_of(req), r,
                   [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
                     if (!enforce(*rr, ctx, t, "os_compute_api:os-security-groups:show",
                                  {t.project ? t.project->id : "", t.user.id}))
                       return;
                     ctx.bridge.ask<std::vector<security_group_state>>(
                         rr, ctx.networking,
                         [t, id](responder& r3, std::vector<security_group_state>& all) {
                           for (const auto& g : all)
                             if (g.id == id && in_project(g, t))
                               return respond(r3, 200, {{"security_group", nova_group(g, all)}});
                           respond_error(r3, 404, "Security group " + id + " not found.");
                         },
                         list_atom::value, security_group_atom::value);
                   });
      });
  add_server_route(
      router, ctx, http_method::post, proxy,
      [&ctx](const Request& req, std::shared_ptr<responder> r, int minor) {
        if (minor >= 36) return respond_error(*r, 404, "The resource could not be found.");
        auto body = json_request(ctx, req, *r, "compute_security_group_create");
        if (!body) return;
        with_token(ctx, auth_token_of(req), r,
                   [&ctx, body = std::move(*body)](std::shared_ptr<responder> rr, token_info& t) {
                     if (!t.project)
                       return respond_forbidden(*rr, "os_compute_api:os-security-groups:create");
                     if (!enforce(*rr, ctx, t, "os_compute_api:os-security-groups:create",
                                  {t.project->id, t.user.id}))
                       return;
                     const auto& g = body["security_group"];
                     security_group::create c;
                     c.name = g["name"].get<std::string>();
                     c.description = g["description"].get<std::string>();
                     c.project_id = t.project->id;
                     c.default_rule_ids = {new_uuid(), new_uuid()};
                     ctx.bridge.ask<security_group_state>(
                         rr, ctx.networking,
                         [](responder& r3, security_group_state& made) {
                           respond(r3, 200, {{"security_group", nova_group(made, {made})}});
                         },
                         command_atom::value, new_uuid(), security_group::command{std::move(c)},
                         event_metadata{rr->request_id(), t.user.id}, t.creds());
                   });
      });
  add_server_route(
      router, ctx, http_method::del, proxy + "/:group",
      [&ctx](const Request& req, std::shared_ptr<responder> r, int minor) {
        if (minor >= 36) return respond_error(*r, 404, "The resource could not be found.");
        const std::string id = param_of(req, ":group");
        with_token(ctx, auth_token_of(req), r,
                   [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
                     if (!enforce(*rr, ctx, t, "os_compute_api:os-security-groups:delete",
                                  {t.project ? t.project->id : "", t.user.id}))
                       return;
                     ctx.bridge.ask<security_group_state>(
                         rr, ctx.networking,
                         [](responder& r3, security_group_state&) { respond(r3, 202, no_body); },
                         command_atom::value, id, security_group::command{security_group::remove{}},
                         event_metadata{rr->request_id(), t.user.id}, t.creds());
                   });
      });
}

}  // namespace cumulo::api
