// Nova's servers API at /compute/v2.1 over the instance actors:
//   compute_servers.cpp         POST/GET /servers, GET /servers/detail,
//                               GET/PUT/DELETE /servers/{id}
//   compute_server_actions.cpp  POST /servers/{id}/action (os-stop, os-start, reboot,
//                               pause, unpause, suspend, resume, os-getConsoleOutput)
//   compute_instance_actions.cpp GET /servers/{id}/os-instance-actions[/{request_id}],
//                               built from the instance's event stream
//   compute_server_metadata.cpp /servers/{id}/metadata
//   compute_server_tags.cpp     /servers/{id}/tags (2.26)
//   compute_server_ips.cpp      /servers/{id}/ips
//   compute_server_addresses.cpp the floating IPs of servers' ports, asked of networking
//   compute_server_security_groups.cpp /servers/{id}/os-security-groups
//   compute_server_views.cpp    the bodies, by microversion
// What comes from the rest of the compute API (flavors, microversions,
// images, quotas) goes through api/compute_bridge.hpp only.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/identity.hpp"
#include "api/compute_server_views.hpp"
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

// An address as Nova keeps accessIPv4/v6: AF_INET or AF_INET6 text in its
// canonical form ("0:0:0:0:0:babe:220.12.22.2" is "::babe:dc0c:1602");
// nullopt when it is not one.
std::optional<std::string> canonical_address(int family, const std::string& text);

// A password Nova would make for a server (12 characters, no look-alikes).
std::string random_admin_pass();

// Why a metadata key is not one Nova's schema takes (1 to 255 of letters,
// digits and "-_:. "), as its 400 says; nullopt when it is fine.
std::optional<std::string> metadata_key_error(const std::string& key);
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

// The skeleton of a route on one server: the caller's token, the server as
// the caller may see it (404 otherwise), Nova's policy rule on it; then
// then(responder, token, server).
using one_server_handler =
    std::function<void(std::shared_ptr<responder>, const token_info&, instance_state&)>;
void on_visible_server(server_context& ctx, const Pistache::Rest::Request& req,
                       std::shared_ptr<responder> r, const std::string& rule,
                       one_server_handler then);
// Asks networking (once) for the floating IPs of these servers' ports,
// then then(responder, floating) renders with them; a networking that does
// not answer gives none (compute_server_addresses.cpp).
void with_floating_ips(
    server_context& ctx, std::shared_ptr<responder> r,
    const std::vector<const instance_state*>& servers,
    std::function<void(std::shared_ptr<responder>, const floating_ips_by_port&)> then);

// One ask to the compute door: a user's change of the server (the door
// checks the lock and the metadata quota); answered(responder, server after).
using changed_server_handler = std::function<void(std::shared_ptr<responder>, instance_state&)>;
void change_server(server_context& ctx, std::shared_ptr<responder> r, const token_info& t,
                   const std::string& id, instance::command c, changed_server_handler answered);

void add_server_action_routes(Pistache::Rest::Router& router, server_context& ctx);
// /servers/{id}/metadata[/{key}] (compute_server_metadata.cpp).
void add_server_metadata_routes(Pistache::Rest::Router& router, server_context& ctx);
// /servers/{id}/tags[/{tag}] from 2.26 (compute_server_tags.cpp).
void add_server_tag_routes(Pistache::Rest::Router& router, server_context& ctx);
// GET /servers/{id}/os-security-groups (compute_server_security_groups.cpp).
void add_server_security_group_routes(Pistache::Rest::Router& router, server_context& ctx);
// /servers/{id}/os-server-password (compute_server_password.cpp).
void add_server_password_routes(Pistache::Rest::Router& router, server_context& ctx);
void add_server_interface_routes(Pistache::Rest::Router& router, server_context& ctx);
// /servers/{id}/os-volume_attachments[/{volume_id}] (compute_server_volumes.cpp).
void add_server_volume_routes(Pistache::Rest::Router& router, server_context& ctx);
// /servers/{id}/ips[/{network}] (compute_server_ips.cpp).
void add_server_ip_routes(Pistache::Rest::Router& router, server_context& ctx);
void add_instance_action_routes(Pistache::Rest::Router& router, server_context& ctx);
// POST /servers/{id}/remote-consoles (2.6) and GET /os-console-auth-tokens/{token}
// (compute_remote_consoles.cpp).
void add_remote_console_routes(Pistache::Rest::Router& router, server_context& ctx);
// The server actions os-getVNCConsole, os-getSerialConsole, os-getSPICEConsole and
// os-getRDPConsole (2.1 to 2.5; 404 from 2.6), whose body is `value`.
void legacy_console_action(server_context& ctx, const Pistache::Rest::Request& req,
                           std::shared_ptr<responder> r, int minor, const std::string& action,
                           const nlohmann::json& value);
// GET /servers/{id}/diagnostics: the domain as libvirt has it (admin).
void add_server_diagnostics_routes(Pistache::Rest::Router& router, server_context& ctx);

}  // namespace cumulo::api
