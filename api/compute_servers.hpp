// Nova's servers API at /compute/v2.1 over the instance actors:
//   compute_servers.cpp         POST/GET /servers, GET /servers/detail,
//                               GET/PUT/DELETE /servers/{id}
//   compute_server_actions.cpp  POST /servers/{id}/action (os-stop, os-start, reboot,
//                               pause, unpause, suspend, resume, os-getConsoleOutput)
//   compute_instance_actions.cpp GET /servers/{id}/os-instance-actions[/{request_id}],
//                               built from the instance's event stream
//   compute_server_views.cpp    the bodies, by microversion
// What comes from the rest of the compute API (flavors, microversions,
// images, quotas) goes through api/compute_bridge.hpp only.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "actors/identity.hpp"
#include "api/responder.hpp"
#include "api/routing.hpp"
#include "api/server_context.hpp"
#include "engine/instance_state.hpp"

namespace Pistache::Rest {
class Router;
class Request;
}  // namespace Pistache::Rest

namespace cumulo::api {

// The one entry: every servers route (called from http_server.cpp).
void add_server_routes(Pistache::Rest::Router& router, server_context& ctx);

// --- shared by the servers files ---
inline const std::string servers_path = "/compute/v2.1/servers";

// A handler of a servers route, given the negotiated microversion (minor of
// 2.x) and a responder that echoes it on every answer.
using server_handler =
    std::function<void(const Pistache::Rest::Request&, std::shared_ptr<responder>, int minor)>;
// add_route for service::compute with the microversion negotiated first
// (400/406 for a bad one).
void add_server_route(Pistache::Rest::Router& router, server_context& ctx, http_method method,
                      const std::string& path, server_handler handler);
// "http://H/compute", what links are built under.
std::string compute_url(const Pistache::Rest::Request& req, const server_context& ctx);

// Calls then() with the server when the caller may see it (its project's,
// or an admin); 404 in Nova's words otherwise, another project's server
// included.
void with_visible_server(server_context& ctx, std::shared_ptr<responder> r, const token_info& t,
                         const std::string& id,
                         std::function<void(std::shared_ptr<responder>, instance_state&)> then);

void add_server_action_routes(Pistache::Rest::Router& router, server_context& ctx);
void add_instance_action_routes(Pistache::Rest::Router& router, server_context& ctx);
// GET /servers/{id}/diagnostics: the domain as libvirt has it (admin).
void add_server_diagnostics_routes(Pistache::Rest::Router& router, server_context& ctx);

}  // namespace cumulo::api
