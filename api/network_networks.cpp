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

// Answers `status` with the network (Neutron shows an admin the provider
// attributes too).
auto answer_network(int status, bool admin) {
  return [status, admin](responder& r, network_state& s) {
    if (status == 204)
      respond(r, 204, no_body);
    else
      respond(r, status, {{"network", network_json(s, admin)}});
  };
}

// A network create of the body (one, or an item of a bulk). cumulo keeps
// no provider attributes, so the door never sees them: an admin's are
// ignored, anyone else's refused.
std::optional<bulk_create> network_create(const server_context& ctx, responder& r,
                                          const nlohmann::json& n, const token_info& t) {
  if (n.contains("provider:network_type") &&
      !enforce(r, ctx, t, "create_network:provider:network_type"))
    return std::nullopt;
  auto project = project_for_create(r, n, t);
  if (!project) return std::nullopt;
  network::create c;
  c.name = n.value("name", "");
  c.project_id = *project;
  c.shared = n.value("shared", false);
  c.external = n.value("router:external", false);
  c.mtu = n.value("mtu", 1500);
  c.admin_state_up = n.value("admin_state_up", true);
  c.description = n.value("description", "");
  c.port_security_enabled = n.value("port_security_enabled", true);
  c.tags = tags_of_create(n);
  return bulk_create{new_uuid(), network::command{std::move(c)}};
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
                    const bulk_parse parse = [&ctx](responder& r3, const nlohmann::json& n,
                                                    const token_info& tt) {
                      return network_create(ctx, r3, n, tt);
                    };
                    if (body.contains("networks"))
                      return create_in_bulk(ctx, rr, t, body["networks"], "networks", parse,
                                            [](const network_state& n, const bulk_create&,
                                               bool admin) { return network_json(n, admin); });
                    auto c = parse(*rr, body["network"], t);
                    if (!c) return;
                    ctx.bridge.ask<network_state>(
                        rr, ctx.networking, answer_network(201, t.is_admin()), command_atom::value,
                        c->id, std::move(c->command), event_metadata{rr->request_id(), t.user.id},
                        t.creds());
                  });
            });

  add_route(router, ctx, http_method::get, networks_path, service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto q = list_query_of(query_list(req));
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, q](std::shared_ptr<responder> rr, token_info& t) {
                           const bool admin = t.is_admin();
                           ctx.bridge.ask<std::vector<network_state>>(
                               rr, ctx.networking,
                               answer_list<network_state>(
                                   "networks", q,
                                   [admin](const network_state& n, auto& add) {
                                     add(network_json(n, admin));
                                   }),
                               list_atom::value, network_atom::value, t.creds());
                         });
            });

  add_route(router, ctx, http_method::get, networks_path + "/:id", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string id = param_of(req, ":id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<network_state>(
                               rr, ctx.networking, answer_network(200, t.is_admin()),
                               caf::get_atom::value, network_atom::value, id, t.creds());
                         });
            });

  add_route(router, ctx, http_method::put, networks_path + "/:id", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto body = json_request(ctx, req, *r, "network_network_update");
              if (!body) return;
              const std::string id = param_of(req, ":id");
              const auto& n = (*body)["network"];
              network::update c;
              if (n.contains("name")) c.name = n["name"].get<std::string>();
              if (n.contains("shared")) c.shared = n["shared"].get<bool>();
              if (n.contains("router:external")) c.external = n["router:external"].get<bool>();
              if (n.contains("mtu")) c.mtu = n["mtu"].get<int>();
              if (n.contains("admin_state_up")) c.admin_state_up = n["admin_state_up"].get<bool>();
              if (n.contains("description")) c.description = n["description"].get<std::string>();
              if (n.contains("port_security_enabled"))
                c.port_security_enabled = n["port_security_enabled"].get<bool>();
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, id, c](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<network_state>(
                               rr, ctx.networking, answer_network(200, t.is_admin()),
                               command_atom::value, id, network::command{c},
                               event_metadata{rr->request_id(), t.user.id}, t.creds());
                         });
            });

  add_route(router, ctx, http_method::del, networks_path + "/:id", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string id = param_of(req, ":id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<network_state>(
                               rr, ctx.networking, answer_network(204, false), command_atom::value,
                               id, network::command{network::remove{}},
                               event_metadata{rr->request_id(), t.user.id}, t.creds());
                         });
            });
}

}  // namespace cumulo::api
