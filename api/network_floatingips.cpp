// Neutron's /v2.0/floatingips: create (optionally associated with a port
// at once), list, show, update (port_id associates, null disassociates),
// delete. Each floating IP holds a port on its external network, which the
// networking actor makes and deletes.
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

const std::string floatingips_path = "/networking/v2.0/floatingips";

void respond_floatingip_not_found(responder& r, const std::string& id) {
  respond_error(r, 404, "Floating IP " + id + " could not be found", "FloatingIPNotFound");
}

// A text field that may come as null: "" then.
std::string text_of(const nlohmann::json& o, const char* key) {
  return o.contains(key) && o[key].is_string() ? o[key].get<std::string>() : "";
}

using continuation = std::function<void(std::shared_ptr<responder>)>;

// Calls then(rr) when port_id is "" or a port the caller owns; 404
// PortNotFound otherwise.
void with_owned_port(server_context& ctx, std::shared_ptr<responder> rr, const token_info& t,
                     const std::string& port_id, continuation then) {
  if (port_id.empty()) {
    then(std::move(rr));
    return;
  }
  ctx.bridge.ask<network_state>(
      rr, ctx.networking,
      [&ctx, t, port_id, then](std::shared_ptr<responder> r, network_state& n) {
        const auto* p = n.find_port(port_id);
        if (!p || !allows(ctx, t, "get_port", network_target(n, p->project_id))) {
          respond_error(*r, 404, "Port " + port_id + " could not be found.", "PortNotFound");
          return;
        }
        then(std::move(r));
      },
      caf::get_atom::value, port_atom::value, port_id);
}

// Asks for floating IP `id` and calls then(rr, fip) when the caller owns
// it; 404 otherwise.
void with_owned_floatingip(
    server_context& ctx, std::shared_ptr<responder> rr, const token_info& t, const std::string& id,
    std::function<void(std::shared_ptr<responder>, floatingip_state&)> then) {
  ctx.bridge.ask<floatingip_state>(
      rr, ctx.networking,
      [&ctx, id, t, then](std::shared_ptr<responder> r, floatingip_state& s) {
        if (!visible(ctx, "get_floatingip", s.project_id, t)) {
          respond_floatingip_not_found(*r, id);
          return;
        }
        then(std::move(r), s);
      },
      caf::get_atom::value, floatingip_atom::value, id);
}

}  // namespace

void add_floatingip_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_route(router, ctx, http_method::post, floatingips_path, service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto body = json_request(ctx, req, *r, "network_floatingip_create");
              if (!body) return;
              with_token(
                  ctx, auth_token_of(req), r,
                  [&ctx, body = std::move(*body)](std::shared_ptr<responder> rr, token_info& t) {
                    const auto& b = body["floatingip"];
                    auto project = project_for_create(*rr, b, t);
                    if (!project) return;
                    floatingip_request c;
                    c.id = new_uuid();
                    c.floating_network_id = b["floating_network_id"].get<std::string>();
                    c.floating_ip_address = text_of(b, "floating_ip_address");
                    c.port_id = text_of(b, "port_id");
                    c.fixed_ip_address = text_of(b, "fixed_ip_address");
                    c.project_id = *project;
                    c.description = text_of(b, "description");
                    const std::string port_id = c.port_id;
                    with_owned_port(ctx, std::move(rr), t, port_id,
                                    [&ctx, t, c](std::shared_ptr<responder> r3) {
                                      ctx.bridge.ask<floatingip_state>(
                                          r3, ctx.networking,
                                          [](responder& r4, floatingip_state& s) {
                                            respond(r4, 201, {{"floatingip", floatingip_json(s)}});
                                          },
                                          command_atom::value, c,
                                          event_metadata{r3->request_id(), t.user.id});
                                    });
                  });
            });

  add_route(router, ctx, http_method::get, floatingips_path, service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto q = list_query_of(query_params(req));
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, q](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<std::vector<floatingip_state>>(
                               rr, ctx.networking,
                               [&ctx, q, t](responder& r3, std::vector<floatingip_state>& all) {
                                 nlohmann::json items = nlohmann::json::array();
                                 for (const auto& s : all) {
                                   if (!visible(ctx, "get_floatingip", s.project_id, t)) continue;
                                   auto j = floatingip_json(s);
                                   if (q.match(j)) items.push_back(std::move(j));
                                 }
                                 respond(r3, 200, {{"floatingips", items}});
                               },
                               list_atom::value, floatingip_atom::value);
                         });
            });

  add_route(router, ctx, http_method::get, floatingips_path + "/:id", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string id = param_of(req, ":id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
                           with_owned_floatingip(
                               ctx, std::move(rr), t, id,
                               [](std::shared_ptr<responder> r3, floatingip_state& s) {
                                 respond(*r3, 200, {{"floatingip", floatingip_json(s)}});
                               });
                         });
            });

  add_route(
      router, ctx, http_method::put, floatingips_path + "/:id", service::network,
      [&ctx](const Request& req, std::shared_ptr<responder> r) {
        auto body = json_request(ctx, req, *r, "network_floatingip_update");
        if (!body) return;
        const std::string id = param_of(req, ":id");
        with_token(
            ctx, auth_token_of(req), r,
            [&ctx, id, body = std::move(*body)](std::shared_ptr<responder> rr, token_info& t) {
              with_owned_floatingip(
                  ctx, std::move(rr), t, id,
                  [&ctx, id, body, t](std::shared_ptr<responder> r3, floatingip_state& current) {
                    const auto& b = body["floatingip"];
                    // Without port_id the association stays as it is.
                    if (!b.contains("port_id")) {
                      respond(*r3, 200, {{"floatingip", floatingip_json(current)}});
                      return;
                    }
                    const std::string port_id = text_of(b, "port_id");  // null: ""
                    const std::string fixed_ip = text_of(b, "fixed_ip_address");
                    with_owned_port(
                        ctx, std::move(r3), t, port_id,
                        [&ctx, id, t, port_id, fixed_ip](std::shared_ptr<responder> r4) {
                          ctx.bridge.ask<floatingip_state>(
                              r4, ctx.networking,
                              [](responder& r5, floatingip_state& s) {
                                respond(r5, 200, {{"floatingip", floatingip_json(s)}});
                              },
                              associate_atom::value, id, port_id, fixed_ip,
                              event_metadata{r4->request_id(), t.user.id});
                        });
                  });
            });
      });

  add_route(router, ctx, http_method::del, floatingips_path + "/:id", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string id = param_of(req, ":id");
              with_token(
                  ctx, auth_token_of(req), r,
                  [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
                    with_owned_floatingip(
                        ctx, std::move(rr), t, id,
                        [&ctx, id, t](std::shared_ptr<responder> r3, floatingip_state&) {
                          ctx.bridge.ask<floatingip_state>(
                              r3, ctx.networking,
                              [](responder& r4, floatingip_state&) { respond(r4, 204, no_body); },
                              command_atom::value, id, floatingip::command{floatingip::remove{}},
                              event_metadata{r3->request_id(), t.user.id});
                        });
                  });
            });
}

}  // namespace cumulo::api
