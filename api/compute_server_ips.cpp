// Nova's /servers/{id}/ips: the server's addresses by network, and one
// network's (404 when the server has no address on it). Each address is
// {addr, version}, without the OS-EXT-IPS attributes of the server body.
#include "api/auth.hpp"
#include "api/compute_server_views.hpp"
#include "api/compute_servers.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

using nlohmann::json;
using Pistache::Rest::Request;

json ips_of(const instance_state& s) {
  json out = addresses_view(s);
  for (auto& [_, list] : out.items())
    for (auto& a : list) a = {{"addr", a["addr"]}, {"version", a["version"]}};
  return out;
}

}  // namespace

void add_server_ip_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_server_route(router, ctx, http_method::get, servers_path + "/:id/ips",
                   [&ctx](const Request& req, std::shared_ptr<responder> r, int) {
                     on_visible_server(
                         ctx, req, r, "os_compute_api:ips:index",
                         [](std::shared_ptr<responder> rr, const token_info&, instance_state& s) {
                           respond(*rr, 200, {{"addresses", ips_of(s)}});
                         });
                   });
  add_server_route(
      router, ctx, http_method::get, servers_path + "/:id/ips/:network",
      [&ctx](const Request& req, std::shared_ptr<responder> r, int) {
        const std::string network = param_of(req, ":network");
        on_visible_server(
            ctx, req, r, "os_compute_api:ips:show",
            [network](std::shared_ptr<responder> rr, const token_info&, instance_state& s) {
              const json all = ips_of(s);
              if (!all.contains(network))
                return respond_error(*rr, 404, "Instance is not a member of specified network");
              respond(*rr, 200, {{network, all[network]}});
            });
      });
}

}  // namespace cumulo::api
