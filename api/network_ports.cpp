// Neutron's /v2.0/ports: a port is created by its network's actor, which
// allocates its fixed IPs (so parallel creations never share an address:
// an exhausted pool is 409 IpAddressGenerationFailure); the networking
// actor gives it a MAC address unique in the cloud.
#include "actors/networking.hpp"
#include "api/auth.hpp"
#include "api/network.hpp"
#include "api/network_port_attributes.hpp"
#include "api/network_views.hpp"
#include "api/routing.hpp"
#include "store/ids.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

using Pistache::Rest::Request;

const std::string ports_path = "/networking/v2.0/ports";

// Answers `status` with port `id` of the network the door answered.
auto answer_port(int status, const std::string& id, bool admin) {
  return [status, id, admin](responder& r, network_state& n) {
    if (status == 204) {
      respond(r, 204, no_body);
    } else if (const auto* p = n.find_port(id)) {
      respond(r, status, {{"port", port_json(n, *p, admin)}});
    } else {  // not expected: the door answered without it
      respond_error(r, 404, "Port " + id + " could not be found.", "PortNotFound");
    }
  };
}

// allowed_address_pairs, extra_dhcp_opts and port_security_enabled of a
// create or an update (Command: create_port or update_port); false once a
// 400 is answered.
template <class Command>
bool read_port_attributes(responder& r, const nlohmann::json& p, Command& c) {
  if (p.contains("port_security_enabled"))
    c.port_security_enabled = p["port_security_enabled"].get<bool>();
  if (p.contains("allowed_address_pairs")) {
    auto pairs = address_pairs_of(p["allowed_address_pairs"]);
    if (!pairs) {
      respond_error(r, pairs.error());
      return false;
    }
    c.allowed_address_pairs = pairs.value();
  }
  if (p.contains("extra_dhcp_opts") && !p["extra_dhcp_opts"].is_null()) {
    auto options = dhcp_options_of(p["extra_dhcp_opts"]);
    if (!options) {
      respond_error(r, options.error());
      return false;
    }
    c.extra_dhcp_opts = options.value();
  }
  return true;
}

// A port create of the body (one, or an item of a bulk).
std::optional<bulk_create> port_create(responder& r, const nlohmann::json& p, const token_info& t) {
  auto project = project_for_create(r, p, t);
  if (!project) return std::nullopt;
  network::create_port c;
  c.port_id = new_uuid();
  c.name = p.value("name", "");
  c.mac_address = p.value("mac_address", "");
  c.device_id = p.value("device_id", "");
  c.device_owner = p.value("device_owner", "");
  if (p.contains("fixed_ips")) c.fixed_ips = fixed_ips_of(p["fixed_ips"]);
  if (p.contains("security_groups")) {
    c.security_groups = p["security_groups"].get<std::vector<std::string>>();
    c.default_security_group = false;  // [] is no group at all
  }
  c.binding_host_id = p.value("binding:host_id", "");
  c.project_id = *project;
  c.admin_state_up = p.value("admin_state_up", true);
  if (!read_port_attributes(r, p, c)) return std::nullopt;
  c.tags = tags_of_create(p);
  return bulk_create{p["network_id"].get<std::string>(), network::command{std::move(c)}};
}

nlohmann::json render_port(const network_state& n, const bulk_create& c, bool admin) {
  const auto* p = n.find_port(std::get<network::create_port>(c.command).port_id);
  return p ? port_json(n, *p, admin) : nlohmann::json::object();
}

}  // namespace

std::vector<network::fixed_ip> fixed_ips_of(const nlohmann::json& list) {
  std::vector<network::fixed_ip> ips;
  for (const auto& f : list) ips.push_back({f.value("subnet_id", ""), f.value("ip_address", "")});
  return ips;
}

void add_port_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_route(router, ctx, http_method::post, ports_path, service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto body = json_request(ctx, req, *r, "network_port_create");
              if (!body) return;
              with_token(
                  ctx, auth_token_of(req), r,
                  [&ctx, body = std::move(*body)](std::shared_ptr<responder> rr, token_info& t) {
                    if (body.contains("ports"))
                      return create_in_bulk(ctx, rr, t, body["ports"], "ports", port_create,
                                            render_port);
                    auto c = port_create(*rr, body["port"], t);
                    if (!c) return;
                    const std::string id = std::get<network::create_port>(c->command).port_id;
                    ctx.bridge.ask<network_state>(
                        rr, ctx.networking, answer_port(201, id, t.is_admin()), command_atom::value,
                        c->id, std::move(c->command), event_metadata{rr->request_id(), t.user.id},
                        t.creds());
                  });
            });

  add_route(router, ctx, http_method::get, ports_path, service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto q = list_query_of(query_list(req));
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, q](std::shared_ptr<responder> rr, token_info& t) {
                           const bool admin = t.is_admin();
                           ctx.bridge.ask<std::vector<network_state>>(
                               rr, ctx.networking,
                               answer_list<network_state>(
                                   "ports", q,
                                   [admin](const network_state& n, auto& add) {
                                     for (const auto& [id, p] : n.ports)
                                       add(port_json(n, p, admin));
                                   }),
                               list_atom::value, port_atom::value, t.creds());
                         });
            });

  add_route(router, ctx, http_method::get, ports_path + "/:id", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string id = param_of(req, ":id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<network_state>(
                               rr, ctx.networking, answer_port(200, id, t.is_admin()),
                               caf::get_atom::value, port_atom::value, id, t.creds());
                         });
            });

  add_route(router, ctx, http_method::put, ports_path + "/:id", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto body = json_request(ctx, req, *r, "network_port_update");
              if (!body) return;
              const std::string id = param_of(req, ":id");
              const auto& p = (*body)["port"];
              network::update_port c;
              c.port_id = id;
              if (p.contains("name")) c.name = p["name"].get<std::string>();
              if (p.contains("device_id")) c.device_id = p["device_id"].get<std::string>();
              if (p.contains("device_owner")) c.device_owner = p["device_owner"].get<std::string>();
              if (p.contains("admin_state_up")) c.admin_state_up = p["admin_state_up"].get<bool>();
              if (p.contains("security_groups"))
                c.security_groups = p["security_groups"].get<std::vector<std::string>>();
              if (p.contains("fixed_ips")) c.fixed_ips = fixed_ips_of(p["fixed_ips"]);
              if (p.contains("binding:host_id"))
                c.binding_host_id = p["binding:host_id"].get<std::string>();
              if (!read_port_attributes(*r, p, c)) return;
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, id, c](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<network_state>(
                               rr, ctx.networking, answer_port(200, id, t.is_admin()),
                               command_atom::value, port_atom::value, id, network::command{c},
                               event_metadata{rr->request_id(), t.user.id}, t.creds());
                         });
            });

  add_route(router, ctx, http_method::del, ports_path + "/:id", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string id = param_of(req, ":id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<network_state>(
                               rr, ctx.networking, answer_port(204, id, false), command_atom::value,
                               port_atom::value, id, network::command{network::delete_port{id}},
                               event_metadata{rr->request_id(), t.user.id}, t.creds());
                         });
            });
}

}  // namespace cumulo::api
