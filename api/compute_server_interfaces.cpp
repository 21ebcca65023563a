// Nova's /servers/{id}/os-interface (os-attach-interfaces): the server's
// ports as Neutron has them (bound to the server: device_id), one of them,
// a port attached (a port the caller gives, or one made on a network; the
// compute door checks it, the instance takes it and plugs it into its
// domain) and one detached (unplugged, then deleted when it was made for
// the server, unbound when it was the caller's).
#include "actors/compute.hpp"
#include "actors/networking.hpp"
#include "api/auth.hpp"
#include "api/compute_servers.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

using nlohmann::json;
using Pistache::Rest::Request;

const std::string interfaces_path = servers_path + "/:id/os-interface";

// Nova's interfaceAttachment: the port as Neutron shows it (2.70 adds the
// tag, which cumulo does not keep: null).
json attachment_json(const network_state& n, const network::port& p, int minor) {
  json ips = json::array();
  for (const auto& f : p.fixed_ips)
    ips.push_back({{"subnet_id", f.subnet_id}, {"ip_address", f.ip_address}});
  json j = {{"net_id", n.id},
            {"port_id", p.id},
            {"mac_addr", p.mac_address},
            {"port_state", p.device_id.empty() ? "DOWN" : "ACTIVE"},
            {"fixed_ips", ips}};
  if (minor >= 70) j["tag"] = nullptr;
  return j;
}

void list_interfaces(server_context& ctx, const Request& req, std::shared_ptr<responder> r,
                     int minor) {
  on_visible_server(
      ctx, req, r, "os_compute_api:os-attach-interfaces:list",
      [&ctx, minor](std::shared_ptr<responder> rr, const token_info&, instance_state& s) {
        // Nova lists Neutron's ports of the server (device_id).
        ctx.bridge.ask<std::vector<network_state>>(
            rr, ctx.networking,
            [id = s.id, minor](responder& r2, std::vector<network_state>& all) {
              json out = json::array();
              for (const auto& n : all)
                for (const auto& [_, p] : n.ports)
                  if (p.device_id == id) out.push_back(attachment_json(n, p, minor));
              respond(r2, 200, {{"interfaceAttachments", out}});
            },
            list_atom::value, network_atom::value);
      });
}

void show_interface(server_context& ctx, const Request& req, std::shared_ptr<responder> r,
                    int minor) {
  const std::string port_id = param_of(req, ":port_id");
  on_visible_server(
      ctx, req, r, "os_compute_api:os-attach-interfaces:show",
      [&ctx, port_id, minor](std::shared_ptr<responder> rr, const token_info&, instance_state& s) {
        ctx.bridge.ask<network_state>(
            rr, ctx.networking,
            [id = s.id, port_id, minor](responder& r2, network_state& n) {
              const auto* p = n.find_port(port_id);
              if (!p) return respond_error(r2, 404, "Port " + port_id + " could not be found.");
              if (p->device_id != id)
                return respond_error(r2, 404,
                                     "Instance " + id + " does not have a port with id " + port_id);
              respond(r2, 200, {{"interfaceAttachment", attachment_json(n, *p, minor)}});
            },
            caf::get_atom::value, port_atom::value, port_id);
      });
}

// {"interfaceAttachment": {net_id | port_id, fixed_ips: [{ip_address}],
// tag (2.49)}}; an empty body takes the project's only network.
void attach_interface(server_context& ctx, const Request& req, std::shared_ptr<responder> r,
                      int minor) {
  json body = json::object();
  if (!body_of(req).empty()) {
    auto parsed = json_request(ctx, req, *r, "compute_interface_attach");
    if (!parsed) return;
    body = std::move(*parsed);
  }
  interface_attach_request attach;
  if (body.contains("interfaceAttachment")) {
    const auto& a = body["interfaceAttachment"];
    attach.network_id = optional_text(a, "net_id").value_or("");
    attach.port_id = optional_text(a, "port_id").value_or("");
    if (a.contains("fixed_ips") && !a["fixed_ips"].empty())
      attach.fixed_ip = a["fixed_ips"][0].value("ip_address", "");
    if (a.contains("tag") && minor < 49)
      return respond_error(*r, 400,
                           "Invalid input for field/attribute interfaceAttachment. Additional "
                           "properties are not allowed ('tag' was unexpected)");
  }
  if (!attach.network_id.empty() && !attach.port_id.empty())
    return respond_error(*r, 400, "Must not input both network_id and port_id");
  if (!attach.fixed_ip.empty() && attach.network_id.empty())
    return respond_error(*r, 400, "Must input network_id when request IP address");
  on_visible_server(
      ctx, req, r, "os_compute_api:os-attach-interfaces:create",
      [&ctx, attach, minor](std::shared_ptr<responder> rr, const token_info& t,
                            instance_state& s) mutable {
        attach.instance_id = s.id;
        attach.project_id = s.project_id;
        attach.is_admin = t.is_admin();
        attach.meta = event_metadata{rr->request_id(), t.user.id, t.is_admin()};
        ctx.bridge.ask<network_state>(
            rr, ctx.compute,
            [minor](responder& r2, network_state& n) {
              // The door answers the attached port's network, the port first.
              if (n.ports.empty()) return respond_error(r2, 500, "The port went away.");
              const auto& [_, p] = *n.ports.begin();
              respond(r2, 200, {{"interfaceAttachment", attachment_json(n, p, minor)}});
            },
            interface_atom::value, std::move(attach));
      });
}

void detach_interface(server_context& ctx, const Request& req, std::shared_ptr<responder> r) {
  const std::string port_id = param_of(req, ":port_id");
  on_visible_server(
      ctx, req, r, "os_compute_api:os-attach-interfaces:delete",
      [&ctx, port_id](std::shared_ptr<responder> rr, const token_info& t, instance_state& s) {
        ctx.bridge.ask<instance_state>(
            rr, ctx.compute, [](responder& r2, instance_state&) { respond(r2, 202, no_body); },
            interface_atom::value, s.id, port_id,
            event_metadata{rr->request_id(), t.user.id, t.is_admin()});
      });
}

}  // namespace

void add_server_interface_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_server_route(router, ctx, http_method::get, interfaces_path,
                   [&ctx](const Request& req, std::shared_ptr<responder> r, int minor) {
                     list_interfaces(ctx, req, std::move(r), minor);
                   });
  add_server_route(router, ctx, http_method::get, interfaces_path + "/:port_id",
                   [&ctx](const Request& req, std::shared_ptr<responder> r, int minor) {
                     show_interface(ctx, req, std::move(r), minor);
                   });
  add_server_route(router, ctx, http_method::post, interfaces_path,
                   [&ctx](const Request& req, std::shared_ptr<responder> r, int minor) {
                     attach_interface(ctx, req, std::move(r), minor);
                   });
  add_server_route(router, ctx, http_method::del, interfaces_path + "/:port_id",
                   [&ctx](const Request& req, std::shared_ptr<responder> r, int) {
                     detach_interface(ctx, req, std::move(r));
                   });
}

}  // namespace cumulo::api
