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

// A text field that may come as null: "" then.
std::string text_of(const nlohmann::json& o, const char* key) {
  return o.contains(key) && o[key].is_string() ? o[key].get<std::string>() : "";
}

auto answer_floatingip(int status) {
  return [status](responder& r, floatingip_state& s) {
    if (status == 204)
      respond(r, 204, no_body);
    else
      respond(r, status, {{"floatingip", floatingip_json(s)}});
  };
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
                    c.tags = tags_of_create(b);
                    ctx.bridge.ask<floatingip_state>(
                        rr, ctx.networking, answer_floatingip(201), command_atom::value,
                        std::move(c), event_metadata{rr->request_id(), t.user.id}, t.creds());
                  });
            });

  add_route(router, ctx, http_method::get, floatingips_path, service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto q = list_query_of(query_list(req));
              with_token(
                  ctx, auth_token_of(req), r,
                  [&ctx, q](std::shared_ptr<responder> rr, token_info& t) {
                    ctx.bridge.ask<std::vector<floatingip_state>>(
                        rr, ctx.networking,
                        answer_list<floatingip_state>(
                            "floatingips", q,
                            [](const floatingip_state& s, auto& add) { add(floatingip_json(s)); }),
                        list_atom::value, floatingip_atom::value, t.creds());
                  });
            });

  add_route(router, ctx, http_method::get, floatingips_path + "/:id", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string id = param_of(req, ":id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<floatingip_state>(
                               rr, ctx.networking, answer_floatingip(200), caf::get_atom::value,
                               floatingip_atom::value, id, t.creds());
                         });
            });

  // Without port_id the association stays as it is: the answer is the
  // floating IP as it is.
  add_route(
      router, ctx, http_method::put, floatingips_path + "/:id", service::network,
      [&ctx](const Request& req, std::shared_ptr<responder> r) {
        auto body = json_request(ctx, req, *r, "network_floatingip_update");
        if (!body) return;
        const std::string id = param_of(req, ":id");
        const auto& b = (*body)["floatingip"];
        const bool associate = b.contains("port_id");
        const std::string port_id = text_of(b, "port_id");  // null: ""
        const std::string fixed_ip = text_of(b, "fixed_ip_address");
        with_token(
            ctx, auth_token_of(req), r,
            [&ctx, id, associate, port_id, fixed_ip](std::shared_ptr<responder> rr, token_info& t) {
              if (!associate) {
                ctx.bridge.ask<floatingip_state>(rr, ctx.networking, answer_floatingip(200),
                                                 caf::get_atom::value, floatingip_atom::value, id,
                                                 t.creds());
                return;
              }
              ctx.bridge.ask<floatingip_state>(
                  rr, ctx.networking, answer_floatingip(200), associate_atom::value, id, port_id,
                  fixed_ip, event_metadata{rr->request_id(), t.user.id}, t.creds());
            });
      });

  add_route(router, ctx, http_method::del, floatingips_path + "/:id", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string id = param_of(req, ":id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<floatingip_state>(
                               rr, ctx.networking, answer_floatingip(204), command_atom::value, id,
                               floatingip::command{floatingip::remove{}},
                               event_metadata{rr->request_id(), t.user.id}, t.creds());
                         });
            });
}

}  // namespace cumulo::api
