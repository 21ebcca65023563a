// Neutron's /v2.0/network-ip-availabilities (an admin's): per network and
// subnet, how many addresses the allocation pools hold and how many ports
// use, counted by engine/ip_availability from the door's network states.
#include "api/auth.hpp"
#include "api/network.hpp"
#include "api/network_views.hpp"
#include "api/routing.hpp"
#include "engine/ip_availability.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

using Pistache::Rest::Request;

const std::string availabilities_path = "/networking/v2.0/network-ip-availabilities";

nlohmann::json availability_json(const network_ip_availability& a) {
  nlohmann::json subnets = nlohmann::json::array();
  for (const auto& s : a.subnets)
    subnets.push_back({{"subnet_id", s.subnet_id},
                       {"subnet_name", s.subnet_name},
                       {"cidr", s.cidr},
                       {"ip_version", s.ip_version},
                       {"total_ips", s.total_ips},
                       {"used_ips", s.used_ips}});
  return {{"network_id", a.network_id},       {"network_name", a.network_name},
          {"project_id", a.project_id},       {"tenant_id", a.project_id},
          {"total_ips", a.total_ips},         {"used_ips", a.used_ips},
          {"subnet_ip_availability", subnets}};
}

}  // namespace

void add_ip_availability_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_route(router, ctx, http_method::get, availabilities_path, service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto q = list_query_of(query_list(req));
              with_token(
                  ctx, auth_token_of(req), r,
                  [&ctx, q](std::shared_ptr<responder> rr, token_info& t) {
                    if (!enforce(*rr, ctx, t, "get_network_ip_availability")) return;
                    ctx.bridge.ask<std::vector<network_state>>(
                        rr, ctx.networking,
                        answer_list<network_state>("network_ip_availabilities", q,
                                                   [](const network_state& n, auto& add) {
                                                     add(availability_json(ip_availability_of(n)));
                                                   }),
                        list_atom::value, network_atom::value, t.creds());
                  });
            });

  add_route(router, ctx, http_method::get, availabilities_path + "/:id", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string id = param_of(req, ":id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
                           if (!enforce(*rr, ctx, t, "get_network_ip_availability")) return;
                           ctx.bridge.ask<network_state>(
                               rr, ctx.networking,
                               [](responder& r3, network_state& n) {
                                 respond(r3, 200,
                                         {{"network_ip_availability",
                                           availability_json(ip_availability_of(n))}});
                               },
                               caf::get_atom::value, network_atom::value, id, t.creds());
                         });
            });
}

}  // namespace cumulo::api
