// Nova's remote consoles: POST /servers/{id}/remote-consoles (2.6), the
// older server actions os-getVNCConsole, os-getSerialConsole,
// os-getSPICEConsole and os-getRDPConsole (2.1 to 2.5), and GET
// /os-console-auth-tokens/{token} (admins). The route checks the body and
// the server's state, the console auth actor makes the token once the
// server's host says where the console is, and the URL leads to cumulo's
// console proxy (api/console_proxy.hpp) on the host the client asked:
//   serial: ws://HOST:CONSOLE_PORT/?token=T
//   novnc:  http://HOST:API_PORT/dashboard/console/vnc.html?host=HOST&port=CONSOLE_PORT
//           &path=%3Ftoken%3DT (the dashboard's noVNC page, which opens the first)
#include <algorithm>
#include <cctype>
#include <map>
#include <vector>

#include "actors/console_auth.hpp"
#include "api/auth.hpp"
#include "api/compute_servers.hpp"
#include "api/json_body.hpp"

#include <pistache/router.h>

namespace cumulo::api {
namespace {

using nlohmann::json;
using Pistache::Rest::Request;

// The console protocol each console type is reached through, as Nova pairs
// them; "" for a type of no protocol cumulo has.
std::string protocol_of_type(const std::string& type) {
  if (type == "novnc") return "vnc";
  if (type == "serial") return "serial";
  return "";
}

// The host the client reached the API at (its Host header, when it is a
// plain name or address), for URLs it can follow; else the listen address.
std::string client_host(const Request& req, const server_context& ctx) {
  std::string host = header_of(req, "Host");
  if (!host.empty() && host.front() == '[') {
    const auto close = host.find(']');
    host = close == std::string::npos ? "" : host.substr(0, close + 1);
  } else {
    host = host.substr(0, host.find(':'));
  }
  const bool plain =
      !host.empty() && host.size() <= 255 &&
      std::all_of(host.begin(), host.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
      });
  if (plain) return host;
  if (ctx.opts.host == "0.0.0.0" || ctx.opts.host == "::") return "127.0.0.1";
  return ctx.opts.host.find(':') != std::string::npos ? "[" + ctx.opts.host + "]" : ctx.opts.host;
}

std::string console_url(const Request& req, const server_context& ctx, const std::string& type,
                        const std::string& token) {
  const auto host = client_host(req, ctx);
  const auto port = std::to_string(ctx.opts.console_port);
  if (type == "serial") return "ws://" + host + ":" + port + "/?token=" + token;
  return "http://" + host + ":" + std::to_string(ctx.port) +
         "/dashboard/console/vnc.html?host=" + host + "&port=" + port + "&path=%3Ftoken%3D" + token;
}

// Makes a console of `type` for the server and answers
// {<wrapper>: {...fields, "url": url_prefix + token}}; `fields` is what the
// answer repeats of the request.
void make_console(server_context& ctx, std::shared_ptr<responder> r, const token_info& t,
                  const instance_state& s, const std::string& type, const std::string& url_prefix,
                  const std::string& wrapper, json fields) {
  if (!enforce(*r, ctx, t, "os_compute_api:os-remote-consoles", {s.project_id, s.user_id})) return;
  const auto protocol = protocol_of_type(type);
  if (protocol.empty() || ctx.opts.console_port == 0 || !ctx.console_auth)
    return respond_error(*r, 400, "Unavailable console type " + type + ".");
  // Nova's compute manager: a console is a running server's.
  if (s.vm_state != vm_states::active)
    return respond_error(*r, 409, "Instance " + s.id + " is not ready");
  ctx.bridge.ask<console_grant>(
      r, ctx.console_auth,
      [wrapper, fields, url_prefix](responder& rr, console_grant& g) mutable {
        fields["url"] = url_prefix + g.token;
        respond(rr, 200, {{wrapper, fields}});
      },
      console_atom::value, remote_console_request{s.id, s.host, protocol, type});
}

void create_remote_console(server_context& ctx, const Request& req, std::shared_ptr<responder> r,
                           int minor) {
  auto body = json_request(ctx, req, *r, "compute_remote_console_create");
  if (!body) return;
  const auto& c = (*body)["remote_console"];
  const std::string protocol = c["protocol"].get<std::string>();
  const std::string type = c["type"].get<std::string>();
  if (minor < 8 && (protocol == "mks" || type == "webmks"))
    return respond_error(*r, 400,
                         "Invalid input for field/attribute protocol. 'mks' and 'webmks' "
                         "are 2.8's");
  // Nova pairs them; a type of another protocol is not that protocol's.
  const bool paired = (protocol == "vnc" && (type == "novnc" || type == "xvpvnc")) ||
                      (protocol == "spice" && type == "spice-html5") ||
                      (protocol == "rdp" && type == "rdp-html5") ||
                      (protocol == "serial" && type == "serial") ||
                      (protocol == "mks" && type == "webmks");
  if (!paired) return respond_error(*r, 400, "Invalid console type " + type);
  // The request is gone when the server's answer comes: its URL is made now.
  const auto url_prefix = console_url(req, ctx, type, "");
  on_visible_server(ctx, req, std::move(r), "os_compute_api:os-remote-consoles",
                    [&ctx, protocol, type, url_prefix](std::shared_ptr<responder> rr,
                                                       const token_info& t, instance_state& s) {
                      make_console(ctx, std::move(rr), t, s, type, url_prefix, "remote_console",
                                   {{"protocol", protocol}, {"type", type}});
                    });
}

void show_console_token(server_context& ctx, const Request& req, std::shared_ptr<responder> r,
                        int minor) {
  const std::string token = param_of(req, ":token");
  with_token(ctx, auth_token_of(req), r,
             [&ctx, token, minor](std::shared_ptr<responder> rr, token_info& t) {
               if (!enforce(*rr, ctx, t, "os_compute_api:os-console-auth-tokens", {})) return;
               if (!ctx.console_auth) return respond_error(*rr, 404, "Token not found");
               ctx.bridge.ask<console_authorization>(
                   rr, ctx.console_auth,
                   [minor](responder& r3, console_authorization& a) {
                     // Before 2.31 Nova shows only RDP consoles' tokens.
                     if (minor < 31)
                       return respond_error(
                           r3, 400, "The requested console type details are not accessible");
                     const bool vnc = a.where.protocol == "vnc";
                     respond(r3, 200,
                             {{"console",
                               {{"instance_uuid", a.instance_id},
                                {"host", vnc ? json(a.where.host) : json(a.host)},
                                {"port", vnc ? json(a.where.port) : json(nullptr)},
                                {"internal_access_path", nullptr}}}});
                   },
                   console_atom::value, caf::get_atom::value, token);
             });
}

}  // namespace

void legacy_console_action(server_context& ctx, const Request& req, std::shared_ptr<responder> r,
                           int minor, const std::string& action, const json& value) {
  // Nova keeps these actions up to 2.5; from 2.6 remote-consoles replaces them.
  if (minor >= 6) return respond_error(*r, 404, "There is no such action: " + action);
  const bool typed = value.is_object() && value.contains("type") && value["type"].is_string();
  if (!typed)
    return respond_error(
        *r, 400, "Invalid input for field/attribute " + action + ". 'type' is a required property");
  const std::string type = value["type"].get<std::string>();
  static const std::map<std::string, std::vector<std::string>> types{
      {"os-getVNCConsole", {"novnc", "xvpvnc"}},
      {"os-getSerialConsole", {"serial"}},
      {"os-getSPICEConsole", {"spice-html5"}},
      {"os-getRDPConsole", {"rdp-html5"}}};
  const auto& allowed = types.at(action);
  if (std::find(allowed.begin(), allowed.end(), type) == allowed.end())
    return respond_error(*r, 400,
                         "Invalid input for field/attribute type. Value: " + type + ". '" + type +
                             "' is not one of the console types of " + action);
  const auto url_prefix = console_url(req, ctx, type, "");
  on_visible_server(
      ctx, req, std::move(r), "os_compute_api:os-remote-consoles",
      [&ctx, type, url_prefix](std::shared_ptr<responder> rr, const token_info& t,
                               instance_state& s) {
        make_console(ctx, std::move(rr), t, s, type, url_prefix, "console", {{"type", type}});
      });
}

void add_remote_console_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_server_route(router, ctx, http_method::post, servers_path + "/:id/remote-consoles",
                   [&ctx](const Request& req, std::shared_ptr<responder> r, int minor) {
                     if (minor < 6)
                       return respond_error(*r, 404,
                                            "The resource could not be found: remote-consoles "
                                            "is 2.6's");
                     create_remote_console(ctx, req, std::move(r), minor);
                   });
  add_server_route(router, ctx, http_method::get, "/compute/v2.1/os-console-auth-tokens/:token",
                   [&ctx](const Request& req, std::shared_ptr<responder> r, int minor) {
                     show_console_token(ctx, req, std::move(r), minor);
                   });
}

}  // namespace cumulo::api
