// Nova's /servers/{id}/ips: the server's addresses by network, and one
// network's (404 when the server has no address on it). Each address is
// {addr, version}, without the OS-EXT-IPS attributes of the server body;
// a port's floating IPs follow its fixed address, as in the server body.
#include "api/auth.hpp"
#include "api/compute_server_views.hpp"
#include "api/compute_servers.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

using nlohmann::json;
using Pistache::Rest::Request;

json ips_of(const instance_state& s, const floating_ips_by_port& fips) {
  json out = addresses_view(s, &fips);
  for (auto& [_, list] : out.items())
    for (auto& a : list) a = {{"addr", a["addr"]}, {"version", a["version"]}};
  return out;
}

}  // namespace

void add_server_ip_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_server_route(
      router, ctx, http_method::get, servers_path + "/:id/ips",
      [&ctx](const Request& req, std::shared_ptr<responder> r, int) {
        on_visible_server(
            ctx, req, r, "os_compute_api:ips:index",
            [&ctx](std::shared_ptr<responder> rr, const token_info&, instance_state& s) {
              auto server = std::make_shared<const instance_state>(std::move(s));
              with_floating_ips(
                  ctx, std::move(rr), {server.get()},
                  [server](std::shared_ptr<responder> r2, const floating_ips_by_port& fips) {
                    respond(*r2, 200, {{"addresses", ips_of(*server, fips)}});
                  });
            });
      });
  add_server_route(
      router, ctx, http_method::get, servers_path + "/:id/ips/:network",
      [&ctx](const Request& req, std::shared_ptr<responder> r, int) {
        const std::string network = param_of(req, ":network");
        on_visible_server(
            ctx, req, r, "os_compute_api:ips:show",
            [&ctx, network](std::shared_ptr<responder> rr, const token_info&, instance_state& s) {
              auto server = std::make_shared<const instance_state>(std::move(s));
              with_floating_ips(ctx, std::move(rr), {server.get()},
                                [server, network](std::shared_ptr<responder> r2,
                                                  const floating_ips_by_port& fips) {
                                  const json all = ips_of(*server, fips);
                                  if (!all.contains(network))
                                    return respond_error(
                                        *r2, 404, "Instance is not a member of specified network");
                                  respond(*r2, 200, {{network, all[network]}});
                                });
            });
      });
}

}  // namespace cumulo::api
