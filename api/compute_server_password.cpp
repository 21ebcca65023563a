// Nova's /servers/{id}/os-server-password: the password a guest posted
// (encrypted with the key pair) through the metadata service. cumulo has
// no metadata service yet (issue 19): the password is always empty, and
// clearing it changes nothing.
#include "api/auth.hpp"
#include "api/compute_servers.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {

using Pistache::Rest::Request;

void add_server_password_routes(Pistache::Rest::Router& router, server_context& ctx) {
  const std::string path = servers_path + "/:id/os-server-password";
  add_server_route(router, ctx, http_method::get, path,
                   [&ctx](const Request& req, std::shared_ptr<responder> r, int) {
                     on_visible_server(
                         ctx, req, r, "os_compute_api:os-server-password:show",
                         [](std::shared_ptr<responder> rr, const token_info&, instance_state&) {
                           respond(*rr, 200, {{"password", ""}});
                         });
                   });
  add_server_route(router, ctx, http_method::del, path,
                   [&ctx](const Request& req, std::shared_ptr<responder> r, int) {
                     on_visible_server(ctx, req, r, "os_compute_api:os-server-password:clear",
                                       [](std::shared_ptr<responder> rr, const token_info&,
                                          instance_state&) { respond(*rr, 204, no_body); });
                   });
}

}  // namespace cumulo::api
