// Neutron's /v2.0/routers: create (with an optional external gateway),
// list, show, update (external_gateway_info {} or null clears the
// gateway), delete, and add_router_interface / remove_router_interface.
// The networking actor makes and deletes the routers' ports.
#include "actors/networking.hpp"
#include "api/auth.hpp"
#include "api/network.hpp"
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

void respond_router_not_found(responder& r, const std::string& id) {
  respond_error(r, 404, "Router " + id + " could not be found", "RouterNotFound");
}

// The network external_gateway_info names: "" for null, {} or no
// network_id (no gateway).
std::string gateway_network_of(const nlohmann::json& info) {
  if (!info.is_object() || !info.contains("network_id") || !info["network_id"].is_string())
    return "";
  return info["network_id"].get<std::string>();
}

// Asks for router `id` and calls then(rr, router) when get_router lets the
// caller see it (404 otherwise) and `rule` lets it act (403 otherwise).
void with_owned_router(server_context& ctx, std::shared_ptr<responder> rr, const token_info& t,
                       const std::string& id, const std::string& rule,
                       std::function<void(std::shared_ptr<responder>, router_state&)> then) {
  ctx.bridge.ask<router_state>(
      rr, ctx.networking,
      [&ctx, id, t, rule, then](std::shared_ptr<responder> r, router_state& s) {
        if (!visible(ctx, "get_router", s.project_id, t)) {
          respond_router_not_found(*r, id);
          return;
        }
        if (!enforce(*r, ctx, t, rule, owner_target(s.project_id))) return;
        then(std::move(r), s);
      },
      caf::get_atom::value, router_atom::value, id);
}

// Sets (or with "" clears) the gateway of router `id` and answers `status`
// with the router.
void set_gateway_and_answer(server_context& ctx, std::shared_ptr<responder> rr, const token_info& t,
                            const std::string& id, const std::string& network_id, int status) {
  ctx.bridge.ask<router_state>(
      rr, ctx.networking,
      [status](responder& r, router_state& s) {
        respond(r, status, {{"router", router_json(s)}});
      },
      gateway_atom::value, id, network_id, event_metadata{rr->request_id(), t.user.id});
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

// Which interface of s a body names: by port when given, else by subnet.
const router::interface* named_interface(const router_state& s, const std::string& subnet_id,
                                         const std::string& port_id) {
  if (!port_id.empty()) return s.find_interface_by_port(port_id);
  return s.find_interface_by_subnet(subnet_id);
}

void ask_interface(server_context& ctx, std::shared_ptr<responder> rr, const token_info& t,
                   const std::string& router_id, const std::string& subnet_id,
                   const std::string& port_id, bool add, std::optional<router::interface> before) {
  ctx.bridge.ask<router_state>(
      rr, ctx.networking,
      [subnet_id, port_id, add, before](responder& r, router_state& s) {
        const router::interface* i =
            add ? named_interface(s, subnet_id, port_id) : (before ? &*before : nullptr);
        if (i)
          respond(r, 200, interface_body(s, *i));
        else  // not expected: the actor answered without the interface
          respond(r, 200, interface_body(s, router::interface{port_id, subnet_id, ""}));
      },
      interface_atom::value, router_id, subnet_id, port_id, add,
      event_metadata{rr->request_id(), t.user.id});
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
              with_owned_router(
                  ctx, std::move(rr), t, id,
                  add ? "add_router_interface" : "remove_router_interface",
                  [&ctx, t, id, subnet_id, port_id, add](std::shared_ptr<responder> r3,
                                                         router_state& s) {
                    if (!add) {
                      std::optional<router::interface> before;
                      if (const auto* i = named_interface(s, subnet_id, port_id)) before = *i;
                      ask_interface(ctx, std::move(r3), t, id, subnet_id, port_id, false, before);
                      return;
                    }
                    // What is added must be the caller's to see: the
                    // subnet's network, or the port.
                    if (!port_id.empty()) {
                      ctx.bridge.ask<network_state>(
                          r3, ctx.networking,
                          [&ctx, t, id, port_id](std::shared_ptr<responder> r4, network_state& n) {
                            const auto* p = n.find_port(port_id);
                            if (!p ||
                                !allows(ctx, t, "get_port", network_target(n, p->project_id))) {
                              respond_error(*r4, 404, "Port " + port_id + " could not be found.",
                                            "PortNotFound");
                              return;
                            }
                            ask_interface(ctx, std::move(r4), t, id, "", port_id, true,
                                          std::nullopt);
                          },
                          caf::get_atom::value, port_atom::value, port_id);
                      return;
                    }
                    ctx.bridge.ask<network_state>(
                        r3, ctx.networking,
                        [&ctx, t, id, subnet_id](std::shared_ptr<responder> r4, network_state& n) {
                          if (!allows(ctx, t, "get_subnet", network_target(n))) {
                            respond_error(*r4, 404, "Subnet " + subnet_id + " could not be found.",
                                          "SubnetNotFound");
                            return;
                          }
                          ask_interface(ctx, std::move(r4), t, id, subnet_id, "", true,
                                        std::nullopt);
                        },
                        caf::get_atom::value, subnet_atom::value, subnet_id);
                  });
            });
      });
}

}  // namespace

void add_router_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_route(
      router, ctx, http_method::post, routers_path, service::network,
      [&ctx](const Request& req, std::shared_ptr<responder> r) {
        auto body = json_request(ctx, req, *r, "network_router_create");
        if (!body) return;
        with_token(
            ctx, auth_token_of(req), r,
            [&ctx, body = std::move(*body)](std::shared_ptr<responder> rr, token_info& t) {
              const auto& b = body["router"];
              auto project = project_for_create(*rr, b, t);
              if (!project) return;
              router::create c;
              c.name = b.value("name", "");
              c.project_id = *project;
              c.admin_state_up = b.value("admin_state_up", true);
              c.description = b.value("description", "");
              const std::string gateway_network =
                  b.contains("external_gateway_info")
                      ? gateway_network_of(b["external_gateway_info"])
                      : "";
              const std::string id = new_uuid();
              ctx.bridge.ask<router_state>(
                  rr, ctx.networking,
                  [&ctx, t, id, gateway_network](std::shared_ptr<responder> r3, router_state& s) {
                    if (gateway_network.empty()) {
                      respond(*r3, 201, {{"router", router_json(s)}});
                      return;
                    }
                    // A gateway refused undoes the creation, as in Neutron.
                    auto undo = [&ctx, r3, t, id](responder&, const domain_error& e) {
                      ctx.bridge.ask<router_state>(
                          r3, ctx.networking,
                          [e](responder& r4, router_state&) { respond_error(r4, e); },
                          command_atom::value, id, router::command{router::remove{}},
                          event_metadata{r3->request_id(), t.user.id});
                    };
                    ctx.bridge.ask_or<router_state>(
                        r3, ctx.networking,
                        [](responder& r4, router_state& after) {
                          respond(r4, 201, {{"router", router_json(after)}});
                        },
                        undo, gateway_atom::value, id, gateway_network,
                        event_metadata{r3->request_id(), t.user.id});
                  },
                  command_atom::value, id, router::command{std::move(c)},
                  event_metadata{rr->request_id(), t.user.id});
            });
      });

  add_route(router, ctx, http_method::get, routers_path, service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto q = list_query_of(query_params(req));
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, q](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<std::vector<router_state>>(
                               rr, ctx.networking,
                               [&ctx, q, t](responder& r3, std::vector<router_state>& all) {
                                 nlohmann::json items = nlohmann::json::array();
                                 for (const auto& s : all) {
                                   if (!visible(ctx, "get_router", s.project_id, t)) continue;
                                   auto j = router_json(s);
                                   if (q.match(j)) items.push_back(std::move(j));
                                 }
                                 respond(r3, 200, {{"routers", items}});
                               },
                               list_atom::value, router_atom::value);
                         });
            });

  add_route(router, ctx, http_method::get, routers_path + "/:id", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string id = param_of(req, ":id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
                           with_owned_router(ctx, std::move(rr), t, id, "get_router",
                                             [](std::shared_ptr<responder> r3, router_state& s) {
                                               respond(*r3, 200, {{"router", router_json(s)}});
                                             });
                         });
            });

  add_route(
      router, ctx, http_method::put, routers_path + "/:id", service::network,
      [&ctx](const Request& req, std::shared_ptr<responder> r) {
        auto body = json_request(ctx, req, *r, "network_router_update");
        if (!body) return;
        const std::string id = param_of(req, ":id");
        with_token(
            ctx, auth_token_of(req), r,
            [&ctx, id, body = std::move(*body)](std::shared_ptr<responder> rr, token_info& t) {
              with_owned_router(
                  ctx, std::move(rr), t, id, "update_router",
                  [&ctx, id, body, t](std::shared_ptr<responder> r3, router_state& current) {
                    const auto& b = body["router"];
                    router::update c;
                    if (b.contains("name")) c.name = b["name"].get<std::string>();
                    if (b.contains("admin_state_up"))
                      c.admin_state_up = b["admin_state_up"].get<bool>();
                    if (b.contains("description"))
                      c.description = b["description"].get<std::string>();
                    // The gateway to set ("" clears), when it changes.
                    std::optional<std::string> gateway;
                    if (b.contains("external_gateway_info")) {
                      const std::string wanted = gateway_network_of(b["external_gateway_info"]);
                      const std::string now = current.gateway ? current.gateway->network_id : "";
                      if (wanted != now) gateway = wanted;
                    }
                    auto then = [&ctx, id, t, gateway](std::shared_ptr<responder> r4,
                                                       router_state& s) {
                      if (!gateway) {
                        respond(*r4, 200, {{"router", router_json(s)}});
                        return;
                      }
                      set_gateway_and_answer(ctx, std::move(r4), t, id, *gateway, 200);
                    };
                    if (!c.name && !c.admin_state_up && !c.description) {
                      then(std::move(r3), current);
                      return;
                    }
                    ctx.bridge.ask<router_state>(r3, ctx.networking, then, command_atom::value, id,
                                                 router::command{std::move(c)},
                                                 event_metadata{r3->request_id(), t.user.id});
                  });
            });
      });

  add_route(router, ctx, http_method::del, routers_path + "/:id", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string id = param_of(req, ":id");
              with_token(
                  ctx, auth_token_of(req), r,
                  [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
                    with_owned_router(
                        ctx, std::move(rr), t, id, "delete_router",
                        [&ctx, id, t](std::shared_ptr<responder> r3, router_state&) {
                          ctx.bridge.ask<router_state>(
                              r3, ctx.networking,
                              [](responder& r4, router_state&) { respond(r4, 204, no_body); },
                              command_atom::value, id, router::command{router::remove{}},
                              event_metadata{r3->request_id(), t.user.id});
                        });
                  });
            });

  add_interface_route(router, ctx, true);
  add_interface_route(router, ctx, false);
}

}  // namespace cumulo::api
