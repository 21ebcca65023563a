// Neutron's /v2.0/networks: create, list (filters on any field), show,
// update, delete. shared and router:external are an admin's to set.
#include "actors/networking.hpp"
#include "api/auth.hpp"
#include "api/network.hpp"
#include "api/network_views.hpp"
#include "api/routing.hpp"
#include "store/ids.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

using Pistache::Rest::Request;

const std::string networks_path = "/networking/v2.0/networks";

// The admin-only attributes a body sets, by their policy rule.
bool allowed_attributes(responder& r, const server_context& ctx, const token_info& t,
                        const nlohmann::json& n, const char* action) {
  for (const char* attr : {"shared", "router:external"})
    if (n.contains(attr) && n[attr].get<bool>() &&
        !enforce(r, ctx, t, std::string(action) + "_network:" + attr))
      return false;
  if (n.contains("provider:network_type") &&
      !enforce(r, ctx, t, "create_network:provider:network_type"))
    return false;
  return true;
}

}  // namespace

void add_networks_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_route(router, ctx, http_method::post, networks_path, service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto body = json_request(ctx, req, *r, "network_network_create");
              if (!body) return;
              with_token(
                  ctx, auth_token_of(req), r,
                  [&ctx, body = std::move(*body)](std::shared_ptr<responder> rr, token_info& t) {
                    const auto& n = body["network"];
                    if (!allowed_attributes(*rr, ctx, t, n, "create")) return;
                    auto project = project_for_create(*rr, n, t);
                    if (!project) return;
                    network::create c;
                    c.name = n.value("name", "");
                    c.project_id = *project;
                    c.shared = n.value("shared", false);
                    c.external = n.value("router:external", false);
                    c.mtu = n.value("mtu", 1500);
                    c.admin_state_up = n.value("admin_state_up", true);
                    c.description = n.value("description", "");
                    const bool admin = t.is_admin();
                    ctx.bridge.ask<network_state>(
                        rr, ctx.networking,
                        [admin](responder& r3, network_state& s) {
                          respond(r3, 201, {{"network", network_json(s, admin)}});
                        },
                        command_atom::value, new_uuid(), network::command{std::move(c)},
                        event_metadata{rr->request_id(), t.user.id});
                  });
            });

  add_route(router, ctx, http_method::get, networks_path, service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto q = list_query_of(query_params(req));
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, q](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<std::vector<network_state>>(
                               rr, ctx.networking,
                               [&ctx, q, t](responder& r3, std::vector<network_state>& all) {
                                 nlohmann::json items = nlohmann::json::array();
                                 for (const auto& n : all) {
                                   if (!network_visible(ctx, n, t)) continue;
                                   auto j = network_json(n, t.is_admin());
                                   if (q.match(j)) items.push_back(std::move(j));
                                 }
                                 respond(r3, 200, {{"networks", items}});
                               },
                               list_atom::value, network_atom::value);
                         });
            });

  add_route(router, ctx, http_method::get, networks_path + "/:id", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string id = param_of(req, ":id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<network_state>(
                               rr, ctx.networking,
                               [&ctx, id, t](responder& r3, network_state& n) {
                                 if (!network_visible(ctx, n, t)) {
                                   respond_network_not_found(r3, id);
                                   return;
                                 }
                                 respond(r3, 200, {{"network", network_json(n, t.is_admin())}});
                               },
                               caf::get_atom::value, network_atom::value, id);
                         });
            });

  add_route(router, ctx, http_method::put, networks_path + "/:id", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto body = json_request(ctx, req, *r, "network_network_update");
              if (!body) return;
              const std::string id = param_of(req, ":id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, id, body = std::move(*body)](std::shared_ptr<responder> rr,
                                                             token_info& t) {
                           ctx.bridge.ask<network_state>(
                               rr, ctx.networking,
                               [&ctx, id, body, t, rr](responder&, network_state& current) {
                                 if (!network_visible(ctx, current, t)) {
                                   respond_network_not_found(*rr, id);
                                   return;
                                 }
                                 if (!enforce(*rr, ctx, t, "update_network",
                                              network_target(current)))
                                   return;
                                 const auto& n = body["network"];
                                 if (!allowed_attributes(*rr, ctx, t, n, "update")) return;
                                 network::update c;
                                 if (n.contains("name")) c.name = n["name"].get<std::string>();
                                 if (n.contains("shared")) c.shared = n["shared"].get<bool>();
                                 if (n.contains("router:external"))
                                   c.external = n["router:external"].get<bool>();
                                 if (n.contains("mtu")) c.mtu = n["mtu"].get<int>();
                                 if (n.contains("admin_state_up"))
                                   c.admin_state_up = n["admin_state_up"].get<bool>();
                                 if (n.contains("description"))
                                   c.description = n["description"].get<std::string>();
                                 const bool admin = t.is_admin();
                                 ctx.bridge.ask<network_state>(
                                     rr, ctx.networking,
                                     [admin](responder& r4, network_state& s) {
                                       respond(r4, 200, {{"network", network_json(s, admin)}});
                                     },
                                     command_atom::value, id, network::command{std::move(c)},
                                     event_metadata{rr->request_id(), t.user.id});
                               },
                               caf::get_atom::value, network_atom::value, id);
                         });
            });

  add_route(router, ctx, http_method::del, networks_path + "/:id", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string id = param_of(req, ":id");
              with_token(
                  ctx, auth_token_of(req), r,
                  [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
                    ctx.bridge.ask<network_state>(
                        rr, ctx.networking,
                        [&ctx, id, t, rr](responder&, network_state& current) {
                          if (!network_visible(ctx, current, t)) {
                            respond_network_not_found(*rr, id);
                            return;
                          }
                          if (!enforce(*rr, ctx, t, "delete_network", network_target(current)))
                            return;
                          ctx.bridge.ask<network_state>(
                              rr, ctx.networking,
                              [](responder& r4, network_state&) { respond(r4, 204, no_body); },
                              command_atom::value, id, network::command{network::remove{}},
                              event_metadata{rr->request_id(), t.user.id});
                        },
                        caf::get_atom::value, network_atom::value, id);
                  });
            });
}

}  // namespace cumulo::api
