// Neutron's /v2.0/routers: create (with an optional external gateway,
// its enable_snat and external_fixed_ips: ext-gw-mode), list, show,
// update (external_gateway_info {} or null clears the gateway; routes
// replace the extra routes: extraroute), delete, add_router_interface /
// remove_router_interface, and add_extraroutes / remove_extraroutes
// (extraroute-atomic). The networking actor makes and deletes the routers' ports.
#include "actors/networking.hpp"
#include "api/auth.hpp"
#include "api/network.hpp"
#include "api/network_router_routes.hpp"
#include "api/network_views.hpp"
#include "api/network_views_l3.hpp"
#include "api/routing.hpp"
#include "store/ids.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

using Pistache::Rest::Request;

const std::string routers_path = "/networking/v2.0/routers";

// A body's external_gateway_info, when it has one: null, {} or no
// network_id is no gateway; enable_snat and external_fixed_ips are kept
// only when given (the schema checked their types).
std::optional<gateway_request> gateway_of(const nlohmann::json& b) {
  if (!b.contains("external_gateway_info")) return std::nullopt;
  const auto& info = b["external_gateway_info"];
  gateway_request g;
  if (!info.is_object()) return g;
  if (info.contains("network_id") && info["network_id"].is_string())
    g.network_id = info["network_id"].get<std::string>();
  if (info.contains("enable_snat") && info["enable_snat"].is_boolean())
    g.enable_snat = info["enable_snat"].get<bool>();
  if (info.contains("external_fixed_ips") && info["external_fixed_ips"].is_array())
    g.external_fixed_ips = fixed_ips_of(info["external_fixed_ips"]);
  return g;
}

auto answer_router(int status) {
  return [status](responder& r, router_state& s) {
    if (status == 204)
      respond(r, 204, no_body);
    else
      respond(r, status, {{"router", router_json(s)}});
  };
}

// The body of add_router_interface / remove_router_interface.
nlohmann::json interface_body(const router_state& s, const router::interface& i) {
  return {{"id", s.id},
          {"tenant_id", s.project_id},
          {"project_id", s.project_id},
          {"port_id", i.port_id},
          {"subnet_id", i.subnet_id},
          {"subnet_ids", {i.subnet_id}},
          {"network_id", i.network_id}};
}

// PUT {id}/add_router_interface and {id}/remove_router_interface.
void add_interface_route(Pistache::Rest::Router& router, server_context& ctx, bool add) {
  const std::string action = add ? "add_router_interface" : "remove_router_interface";
  add_route(
      router, ctx, http_method::put, routers_path + "/:id/" + action, service::network,
      [&ctx, add](const Request& req, std::shared_ptr<responder> r) {
        auto body = json_request(ctx, req, *r, "network_router_interface");
        if (!body) return;
        const std::string id = param_of(req, ":id");
        const std::string subnet_id = body->value("subnet_id", "");
        const std::string port_id = body->value("port_id", "");
        if (subnet_id.empty() && port_id.empty()) {
          respond_error(*r, 400, "Either subnet_id or port_id must be specified", "BadRequest");
          return;
        }
        if (add && !subnet_id.empty() && !port_id.empty()) {
          respond_error(*r, 400, "Cannot specify both subnet-id and port-id", "BadRequest");
          return;
        }
        with_token(
            ctx, auth_token_of(req), r,
            [&ctx, id, subnet_id, port_id, add](std::shared_ptr<responder> rr, token_info& t) {
              ctx.bridge.ask<router_interface_change>(
                  rr, ctx.networking,
                  [](responder& r3, router_interface_change& c) {
                    respond(r3, 200, interface_body(c.router, c.interface));
                  },
                  interface_atom::value, id, subnet_id, port_id, add,
                  event_metadata{rr->request_id(), t.user.id}, t.creds());
            });
      });
}

// PUT {id}/add_extraroutes and {id}/remove_extraroutes: the routes given
// added to or removed from the router's, in one decision of the router
// (extraroute-atomic); the answer is the router.
void add_extraroutes_route(Pistache::Rest::Router& router, server_context& ctx, bool add) {
  const std::string action = add ? "add_extraroutes" : "remove_extraroutes";
  add_route(router, ctx, http_method::put, routers_path + "/:id/" + action, service::network,
            [&ctx, add](const Request& req, std::shared_ptr<responder> r) {
              auto body = json_request(ctx, req, *r, "network_router_extraroutes");
              if (!body) return;
              const std::string id = param_of(req, ":id");
              auto routes = routes_of((*body)["router"]["routes"]);
              if (!routes) {
                respond_error(*r, routes.error());
                return;
              }
              router::command c = add ? router::command{router::add_routes{routes.value(), {}}}
                                      : router::command{router::remove_routes{routes.value(), {}}};
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, id, c](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<router_state>(
                               rr, ctx.networking, answer_router(200), routes_atom::value, id, c,
                               event_metadata{rr->request_id(), t.user.id}, t.creds());
                         });
            });
}

}  // namespace

void add_router_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_route(router, ctx, http_method::post, routers_path, service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto body = json_request(ctx, req, *r, "network_router_create");
              if (!body) return;
              with_token(
                  ctx, auth_token_of(req), r,
                  [&ctx, body = std::move(*body)](std::shared_ptr<responder> rr, token_info& t) {
                    const auto& b = body["router"];
                    // extraroute's routes are set by an update only.
                    if (b.contains("routes")) {
                      respond_error(*rr, 400, "Attribute 'routes' not allowed in POST",
                                    "HTTPBadRequest");
                      return;
                    }
                    auto project = project_for_create(*rr, b, t);
                    if (!project) return;
                    router::create c;
                    c.name = b.value("name", "");
                    c.project_id = *project;
                    c.admin_state_up = b.value("admin_state_up", true);
                    c.description = b.value("description", "");
                    c.tags = tags_of_create(b);
                    ctx.bridge.ask<router_state>(
                        rr, ctx.networking, answer_router(201), command_atom::value, new_uuid(),
                        router_change{router::command{std::move(c)}, gateway_of(b)},
                        event_metadata{rr->request_id(), t.user.id}, t.creds());
                  });
            });

  add_route(router, ctx, http_method::get, routers_path, service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto q = list_query_of(query_list(req));
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, q](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<std::vector<router_state>>(
                               rr, ctx.networking,
                               answer_list<router_state>(
                                   "routers", q,
                                   [](const router_state& s, auto& add) { add(router_json(s)); }),
                               list_atom::value, router_atom::value, t.creds());
                         });
            });

  add_route(router, ctx, http_method::get, routers_path + "/:id", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string id = param_of(req, ":id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<router_state>(rr, ctx.networking, answer_router(200),
                                                        caf::get_atom::value, router_atom::value,
                                                        id, t.creds());
                         });
            });

  add_route(router, ctx, http_method::put, routers_path + "/:id", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto body = json_request(ctx, req, *r, "network_router_update");
              if (!body) return;
              const std::string id = param_of(req, ":id");
              const auto& b = (*body)["router"];
              router::update c;
              if (b.contains("name")) c.name = b["name"].get<std::string>();
              if (b.contains("admin_state_up")) c.admin_state_up = b["admin_state_up"].get<bool>();
              if (b.contains("description")) c.description = b["description"].get<std::string>();
              router_change change{router::command{std::move(c)}, gateway_of(b), std::nullopt};
              if (b.contains("routes")) {
                auto routes = routes_of(b["routes"]);
                if (!routes) {
                  respond_error(*r, routes.error());
                  return;
                }
                change.routes = std::move(routes.value());
              }
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, id, change](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<router_state>(
                               rr, ctx.networking, answer_router(200), command_atom::value, id,
                               change, event_metadata{rr->request_id(), t.user.id}, t.creds());
                         });
            });

  add_route(router, ctx, http_method::del, routers_path + "/:id", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string id = param_of(req, ":id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<router_state>(
                               rr, ctx.networking, answer_router(204), command_atom::value, id,
                               router_change{router::command{router::remove{}}, std::nullopt},
                               event_metadata{rr->request_id(), t.user.id}, t.creds());
                         });
            });

  add_interface_route(router, ctx, true);
  add_interface_route(router, ctx, false);
  add_extraroutes_route(router, ctx, true);
  add_extraroutes_route(router, ctx, false);
}

}  // namespace cumulo::api
