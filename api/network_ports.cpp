// Neutron's /v2.0/ports: a port is created by its network's actor, which
// allocates its fixed IPs (so parallel creations never share an address:
// an exhausted pool is 409 IpAddressGenerationFailure); the networking
// actor gives it a MAC address unique in the cloud.
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

const std::string ports_path = "/networking/v2.0/ports";

void respond_port_not_found(responder& r, const std::string& id) {
  respond_error(r, 404, "Port " + id + " could not be found.", "PortNotFound");
}

void answer_port(responder& r, int status, const network_state& n, const std::string& id,
                 bool admin) {
  if (const auto* p = n.find_port(id))
    respond(r, status, {{"port", port_json(n, *p, admin)}});
  else
    respond_port_not_found(r, id);
}

// The port, when get_port lets the caller see it (Neutron's 404 otherwise).
const network::port* port_for(const server_context& ctx, const network_state& n,
                              const std::string& id, const token_info& t) {
  const auto* p = n.find_port(id);
  return p && allows(ctx, t, "get_port", network_target(n, p->project_id)) ? p : nullptr;
}

// Neutron's rules on what a port create sets: an address or a MAC address of
// one's own choosing is the network owner's (or an admin's).
bool may_create_port(responder& r, const server_context& ctx, const token_info& t,
                     const network_state& n, const network::create_port& c) {
  const target tg = network_target(n, c.project_id);
  if (c.fixed_ips)
    for (const auto& f : *c.fixed_ips)
      if (!f.ip_address.empty() && !enforce(r, ctx, t, "create_port:fixed_ips:ip_address", tg))
        return false;
  if (!c.mac_address.empty() && !enforce(r, ctx, t, "create_port:mac_address", tg)) return false;
  return enforce(r, ctx, t, "create_port", tg);
}

}  // namespace

void add_port_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_route(router, ctx, http_method::post, ports_path, service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto body = json_request(ctx, req, *r, "network_port_create");
              if (!body) return;
              with_token(
                  ctx, auth_token_of(req), r,
                  [&ctx, body = std::move(*body)](std::shared_ptr<responder> rr, token_info& t) {
                    const auto& p = body["port"];
                    const std::string network_id = p["network_id"].get<std::string>();
                    auto project = project_for_create(*rr, p, t);
                    if (!project) return;
                    network::create_port c;
                    c.port_id = new_uuid();
                    c.name = p.value("name", "");
                    c.mac_address = p.value("mac_address", "");
                    c.device_id = p.value("device_id", "");
                    c.device_owner = p.value("device_owner", "");
                    if (p.contains("fixed_ips")) {
                      std::vector<network::fixed_ip> ips;
                      for (const auto& f : p["fixed_ips"])
                        ips.push_back({f.value("subnet_id", ""), f.value("ip_address", "")});
                      c.fixed_ips = std::move(ips);
                    }
                    if (p.contains("security_groups"))
                      c.security_groups = p["security_groups"].get<std::vector<std::string>>();
                    c.project_id = *project;
                    c.admin_state_up = p.value("admin_state_up", true);
                    ctx.bridge.ask<network_state>(
                        rr, ctx.networking,
                        [&ctx, network_id, t, rr, c](responder&, network_state& n) mutable {
                          if (!network_visible(ctx, n, t)) {
                            respond_network_not_found(*rr, network_id);
                            return;
                          }
                          if (!may_create_port(*rr, ctx, t, n, c)) return;
                          const std::string id = c.port_id;
                          const bool admin = t.is_admin();
                          ctx.bridge.ask<network_state>(
                              rr, ctx.networking,
                              [id, admin](responder& r4, network_state& after) {
                                answer_port(r4, 201, after, id, admin);
                              },
                              command_atom::value, network_id, network::command{std::move(c)},
                              event_metadata{rr->request_id(), t.user.id});
                        },
                        caf::get_atom::value, network_atom::value, network_id);
                  });
            });

  add_route(router, ctx, http_method::get, ports_path, service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto q = list_query_of(query_params(req));
              with_token(
                  ctx, auth_token_of(req), r,
                  [&ctx, q](std::shared_ptr<responder> rr, token_info& t) {
                    ctx.bridge.ask<std::vector<network_state>>(
                        rr, ctx.networking,
                        [&ctx, q, t](responder& r3, std::vector<network_state>& all) {
                          nlohmann::json items = nlohmann::json::array();
                          const bool admin = t.is_admin();
                          for (const auto& n : all)
                            for (const auto& [id, p] : n.ports) {
                              if (!allows(ctx, t, "get_port", network_target(n, p.project_id)))
                                continue;
                              auto j = port_json(n, p, admin);
                              if (q.match(j)) items.push_back(std::move(j));
                            }
                          respond(r3, 200, {{"ports", items}});
                        },
                        list_atom::value, network_atom::value);
                  });
            });

  add_route(router, ctx, http_method::get, ports_path + "/:id", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string id = param_of(req, ":id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<network_state>(
                               rr, ctx.networking,
                               [&ctx, id, t](responder& r3, network_state& n) {
                                 if (!port_for(ctx, n, id, t)) {
                                   respond_port_not_found(r3, id);
                                   return;
                                 }
                                 answer_port(r3, 200, n, id, t.is_admin());
                               },
                               caf::get_atom::value, port_atom::value, id);
                         });
            });

  add_route(
      router, ctx, http_method::put, ports_path + "/:id", service::network,
      [&ctx](const Request& req, std::shared_ptr<responder> r) {
        auto body = json_request(ctx, req, *r, "network_port_update");
        if (!body) return;
        const std::string id = param_of(req, ":id");
        with_token(
            ctx, auth_token_of(req), r,
            [&ctx, id, body = std::move(*body)](std::shared_ptr<responder> rr, token_info& t) {
              ctx.bridge.ask<network_state>(
                  rr, ctx.networking,
                  [&ctx, id, t, rr, body](responder&, network_state& n) {
                    const auto* found = port_for(ctx, n, id, t);
                    if (!found) {
                      respond_port_not_found(*rr, id);
                      return;
                    }
                    if (!enforce(*rr, ctx, t, "update_port", network_target(n, found->project_id)))
                      return;
                    const auto& p = body["port"];
                    network::update_port c;
                    c.port_id = id;
                    if (p.contains("name")) c.name = p["name"].get<std::string>();
                    if (p.contains("device_id")) c.device_id = p["device_id"].get<std::string>();
                    if (p.contains("device_owner"))
                      c.device_owner = p["device_owner"].get<std::string>();
                    if (p.contains("admin_state_up"))
                      c.admin_state_up = p["admin_state_up"].get<bool>();
                    if (p.contains("security_groups"))
                      c.security_groups = p["security_groups"].get<std::vector<std::string>>();
                    const bool admin = t.is_admin();
                    ctx.bridge.ask<network_state>(
                        rr, ctx.networking,
                        [id, admin](responder& r4, network_state& after) {
                          answer_port(r4, 200, after, id, admin);
                        },
                        command_atom::value, port_atom::value, id, network::command{std::move(c)},
                        event_metadata{rr->request_id(), t.user.id});
                  },
                  caf::get_atom::value, port_atom::value, id);
            });
      });

  add_route(router, ctx, http_method::del, ports_path + "/:id", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string id = param_of(req, ":id");
              with_token(
                  ctx, auth_token_of(req), r,
                  [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
                    ctx.bridge.ask<network_state>(
                        rr, ctx.networking,
                        [&ctx, id, t, rr](responder&, network_state& n) {
                          const auto* found = port_for(ctx, n, id, t);
                          if (!found) {
                            respond_port_not_found(*rr, id);
                            return;
                          }
                          if (!enforce(*rr, ctx, t, "delete_port",
                                       network_target(n, found->project_id)))
                            return;
                          ctx.bridge.ask<network_state>(
                              rr, ctx.networking,
                              [](responder& r4, network_state&) { respond(r4, 204, no_body); },
                              command_atom::value, port_atom::value, id,
                              network::command{network::delete_port{id}},
                              event_metadata{rr->request_id(), t.user.id});
                        },
                        caf::get_atom::value, port_atom::value, id);
                  });
            });
}

}  // namespace cumulo::api
