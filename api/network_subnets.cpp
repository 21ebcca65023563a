// Neutron's /v2.0/subnets: each subnet lives in its network's actor (its
// CIDR checked against the network's other subnets, its pools and gateway
// by IPAM); the networking actor finds the network of a subnet id.
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

const std::string subnets_path = "/networking/v2.0/subnets";

void respond_subnet_not_found(responder& r, const std::string& id) {
  respond_error(r, 404, "Subnet " + id + " could not be found.", "SubnetNotFound");
}

void answer_subnet(responder& r, int status, const network_state& n, const std::string& id) {
  if (const auto* s = n.find_subnet(id))
    respond(r, status, {{"subnet", subnet_json(n, *s)}});
  else
    respond_subnet_not_found(r, id);
}

std::vector<std::string> strings_of(const nlohmann::json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return {};
  return j[key].get<std::vector<std::string>>();
}

}  // namespace

void add_subnet_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_route(router, ctx, http_method::post, subnets_path, service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto body = json_request(ctx, req, *r, "network_subnet_create");
              if (!body) return;
              with_token(
                  ctx, auth_token_of(req), r,
                  [&ctx, body = std::move(*body)](std::shared_ptr<responder> rr, token_info& t) {
                    const auto& s = body["subnet"];
                    const std::string network_id = s["network_id"].get<std::string>();
                    auto project = project_for_create(*rr, s, t);
                    if (!project) return;
                    network::add_subnet c;
                    c.subnet_id = new_uuid();
                    c.name = s.value("name", "");
                    c.ip_version = s.value("ip_version", 4);
                    c.cidr = s["cidr"].get<std::string>();
                    // Absent: the first host address; null: no gateway.
                    if (s.contains("gateway_ip"))
                      c.gateway_ip =
                          s["gateway_ip"].is_null() ? "" : s["gateway_ip"].get<std::string>();
                    if (s.contains("allocation_pools"))
                      for (const auto& p : s["allocation_pools"])
                        c.allocation_pools.push_back(
                            {p["start"].get<std::string>(), p["end"].get<std::string>()});
                    c.dns_nameservers = strings_of(s, "dns_nameservers");
                    if (s.contains("host_routes"))
                      for (const auto& h : s["host_routes"])
                        c.host_routes.push_back(
                            {h["destination"].get<std::string>(), h["nexthop"].get<std::string>()});
                    c.enable_dhcp = s.value("enable_dhcp", true);
                    c.project_id = *project;
                    c.description = s.value("description", "");
                    ctx.bridge.ask<network_state>(
                        rr, ctx.networking,
                        [&ctx, network_id, t, rr, c](responder&, network_state& n) mutable {
                          // Only the network's owner (or an admin) adds subnets to it.
                          if (!network_visible(ctx, n, t)) {
                            respond_network_not_found(*rr, network_id);
                            return;
                          }
                          if (!enforce(*rr, ctx, t, "create_subnet",
                                       network_target(n, c.project_id)))
                            return;
                          const std::string id = c.subnet_id;
                          ctx.bridge.ask<network_state>(
                              rr, ctx.networking,
                              [id](responder& r4, network_state& after) {
                                answer_subnet(r4, 201, after, id);
                              },
                              command_atom::value, network_id, network::command{std::move(c)},
                              event_metadata{rr->request_id(), t.user.id});
                        },
                        caf::get_atom::value, network_atom::value, network_id);
                  });
            });

  add_route(router, ctx, http_method::get, subnets_path, service::network,
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
                                   for (const auto& s : n.subnets) {
                                     auto j = subnet_json(n, s);
                                     if (q.match(j)) items.push_back(std::move(j));
                                   }
                                 }
                                 respond(r3, 200, {{"subnets", items}});
                               },
                               list_atom::value, network_atom::value);
                         });
            });

  add_route(router, ctx, http_method::get, subnets_path + "/:id", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string id = param_of(req, ":id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<network_state>(
                               rr, ctx.networking,
                               [&ctx, id, t](responder& r3, network_state& n) {
                                 if (!network_visible(ctx, n, t)) {
                                   respond_subnet_not_found(r3, id);
                                   return;
                                 }
                                 answer_subnet(r3, 200, n, id);
                               },
                               caf::get_atom::value, subnet_atom::value, id);
                         });
            });

  add_route(
      router, ctx, http_method::put, subnets_path + "/:id", service::network,
      [&ctx](const Request& req, std::shared_ptr<responder> r) {
        auto body = json_request(ctx, req, *r, "network_subnet_update");
        if (!body) return;
        const std::string id = param_of(req, ":id");
        with_token(
            ctx, auth_token_of(req), r,
            [&ctx, id, body = std::move(*body)](std::shared_ptr<responder> rr, token_info& t) {
              ctx.bridge.ask<network_state>(
                  rr, ctx.networking,
                  [&ctx, id, t, rr, body](responder&, network_state& n) {
                    if (!network_visible(ctx, n, t)) {
                      respond_subnet_not_found(*rr, id);
                      return;
                    }
                    if (!enforce(*rr, ctx, t, "update_subnet", network_target(n))) return;
                    const auto& s = body["subnet"];
                    network::update_subnet c;
                    c.subnet_id = id;
                    if (s.contains("name")) c.name = s["name"].get<std::string>();
                    if (s.contains("gateway_ip"))
                      c.gateway_ip =
                          s["gateway_ip"].is_null() ? "" : s["gateway_ip"].get<std::string>();
                    if (s.contains("dns_nameservers"))
                      c.dns_nameservers = strings_of(s, "dns_nameservers");
                    if (s.contains("enable_dhcp")) c.enable_dhcp = s["enable_dhcp"].get<bool>();
                    if (s.contains("description"))
                      c.description = s["description"].get<std::string>();
                    ctx.bridge.ask<network_state>(
                        rr, ctx.networking,
                        [id](responder& r4, network_state& after) {
                          answer_subnet(r4, 200, after, id);
                        },
                        command_atom::value, subnet_atom::value, id, network::command{std::move(c)},
                        event_metadata{rr->request_id(), t.user.id});
                  },
                  caf::get_atom::value, subnet_atom::value, id);
            });
      });

  add_route(router, ctx, http_method::del, subnets_path + "/:id", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string id = param_of(req, ":id");
              with_token(
                  ctx, auth_token_of(req), r,
                  [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
                    ctx.bridge.ask<network_state>(
                        rr, ctx.networking,
                        [&ctx, id, t, rr](responder&, network_state& n) {
                          if (!network_visible(ctx, n, t)) {
                            respond_subnet_not_found(*rr, id);
                            return;
                          }
                          if (!enforce(*rr, ctx, t, "delete_subnet", network_target(n))) return;
                          ctx.bridge.ask<network_state>(
                              rr, ctx.networking,
                              [](responder& r4, network_state&) { respond(r4, 204, no_body); },
                              command_atom::value, subnet_atom::value, id,
                              network::command{network::remove_subnet{id}},
                              event_metadata{rr->request_id(), t.user.id});
                        },
                        caf::get_atom::value, subnet_atom::value, id);
                  });
            });
}

}  // namespace cumulo::api
