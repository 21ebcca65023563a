// Neutron's /v2.0/subnets: each subnet lives in its network's actor (its
// CIDR checked against the network's other subnets, its pools and gateway
// by IPAM); the networking actor finds the network of a subnet id, and
// allocates the CIDR of a subnet asked of a subnet pool.
#include "actors/networking.hpp"
#include <algorithm>

#include "api/auth.hpp"
#include "api/json_body.hpp"
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

// Answers `status` with subnet `id` of the network the door answered.
auto answer_subnet(int status, const std::string& id) {
  return [status, id](responder& r, network_state& n) {
    if (status == 204) {
      respond(r, 204, no_body);
    } else if (const auto* s = n.find_subnet(id)) {
      respond(r, status, {{"subnet", subnet_json(n, *s)}});
    } else {  // not expected: the door answered without it
      respond_error(r, 404, "Subnet " + id + " could not be found.", "SubnetNotFound");
    }
  };
}

std::vector<std::string> strings_of(const nlohmann::json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return {};
  return j[key].get<std::vector<std::string>>();
}

// Absent: the first host address; null: no gateway.
void read_gateway(const nlohmann::json& s, std::optional<std::string>& gateway_ip) {
  if (s.contains("gateway_ip"))
    gateway_ip = s["gateway_ip"].is_null() ? "" : s["gateway_ip"].get<std::string>();
}

// A body's host_routes (the schema checked their shape).
std::vector<network::host_route> host_routes_of(const nlohmann::json& list) {
  std::vector<network::host_route> out;
  for (const auto& h : list)
    out.push_back({h["destination"].get<std::string>(), h["nexthop"].get<std::string>()});
  return out;
}

// A prefixlen as Neutron converts it: an integer, or its decimal text
// (the openstack CLI sends --prefix-length as text); nullopt for other text.
std::optional<int> prefixlen_of(const nlohmann::json& v) {
  if (v.is_number_integer()) return v.get<int>();
  const std::string text = v.get<std::string>();
  if (text.empty() || text.size() > 3 ||
      !std::all_of(text.begin(), text.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
    return std::nullopt;
  return std::stoi(text);
}

// Neutron's refusals of a subnet's pool and cidr together (the door
// allocates the cidr from the pool); "" when they fit.
std::string pool_request_refusal(const nlohmann::json& s, const network::add_subnet& c) {
  const bool pool = !c.subnetpool_id.empty() || c.use_default_subnetpool;
  if (!c.cidr.empty() && c.prefixlen) return "cidr and prefixlen must not be supplied together";
  if (!c.subnetpool_id.empty() && c.use_default_subnetpool)
    return "subnetpool_id and use_default_subnetpool cannot both be specified";
  if (c.use_default_subnetpool && c.cidr.empty() && !s.contains("ip_version"))
    return "ip_version must be specified in the absence of cidr and subnetpool_id";
  if (!pool && c.cidr.empty()) return "a subnetpool must be specified in the absence of a cidr";
  return "";
}

// A subnet create of the body (one, or an item of a bulk).
std::optional<bulk_create> subnet_create(responder& r, const nlohmann::json& s,
                                         const token_info& t) {
  auto project = project_for_create(r, s, t);
  if (!project) return std::nullopt;
  network::add_subnet c;
  c.subnet_id = new_uuid();
  c.name = s.value("name", "");
  c.cidr = s.value("cidr", "");
  c.subnetpool_id = optional_text(s, "subnetpool_id").value_or("");
  c.use_default_subnetpool = s.value("use_default_subnetpool", false);
  if (s.contains("prefixlen")) {
    c.prefixlen = prefixlen_of(s["prefixlen"]);
    if (!c.prefixlen) {
      respond_error(r, 400,
                    "Invalid input for prefixlen. Reason: '" +
                        shown(s["prefixlen"].get<std::string>()) + "' is not an integer.",
                    "InvalidInput");
      return std::nullopt;
    }
  }
  // From a pool without one: the pool's.
  const bool pool = !c.subnetpool_id.empty() || c.use_default_subnetpool;
  c.ip_version = s.value("ip_version", pool ? 0 : 4);
  if (auto refusal = pool_request_refusal(s, c); !refusal.empty()) {
    respond_error(r, 400, "Bad subnets request: " + refusal + ".", "BadRequest");
    return std::nullopt;
  }
  read_gateway(s, c.gateway_ip);
  if (s.contains("allocation_pools"))
    for (const auto& p : s["allocation_pools"])
      c.allocation_pools.push_back({p["start"].get<std::string>(), p["end"].get<std::string>()});
  c.dns_nameservers = strings_of(s, "dns_nameservers");
  if (s.contains("host_routes")) c.host_routes = host_routes_of(s["host_routes"]);
  c.enable_dhcp = s.value("enable_dhcp", true);
  c.project_id = *project;
  c.description = s.value("description", "");
  c.tags = tags_of_create(s);
  return bulk_create{s["network_id"].get<std::string>(), network::command{std::move(c)}};
}

nlohmann::json render_subnet(const network_state& n, const bulk_create& c, bool) {
  const auto* s = n.find_subnet(std::get<network::add_subnet>(c.command).subnet_id);
  return s ? subnet_json(n, *s) : nlohmann::json::object();
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
                    if (body.contains("subnets"))
                      return create_in_bulk(ctx, rr, t, body["subnets"], "subnets", subnet_create,
                                            render_subnet);
                    auto c = subnet_create(*rr, body["subnet"], t);
                    if (!c) return;
                    const std::string id = std::get<network::add_subnet>(c->command).subnet_id;
                    ctx.bridge.ask<network_state>(rr, ctx.networking, answer_subnet(201, id),
                                                  command_atom::value, c->id, std::move(c->command),
                                                  event_metadata{rr->request_id(), t.user.id},
                                                  t.creds());
                  });
            });

  add_route(router, ctx, http_method::get, subnets_path, service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto q = list_query_of(query_list(req));
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, q](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<std::vector<network_state>>(
                               rr, ctx.networking,
                               answer_list<network_state>("subnets", q,
                                                          [](const network_state& n, auto& add) {
                                                            for (const auto& s : n.subnets)
                                                              add(subnet_json(n, s));
                                                          }),
                               list_atom::value, subnet_atom::value, t.creds());
                         });
            });

  add_route(router, ctx, http_method::get, subnets_path + "/:id", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string id = param_of(req, ":id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<network_state>(rr, ctx.networking, answer_subnet(200, id),
                                                         caf::get_atom::value, subnet_atom::value,
                                                         id, t.creds());
                         });
            });

  add_route(router, ctx, http_method::put, subnets_path + "/:id", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto body = json_request(ctx, req, *r, "network_subnet_update");
              if (!body) return;
              const std::string id = param_of(req, ":id");
              const auto& s = (*body)["subnet"];
              network::update_subnet c;
              c.subnet_id = id;
              if (s.contains("name")) c.name = s["name"].get<std::string>();
              read_gateway(s, c.gateway_ip);
              if (s.contains("dns_nameservers"))
                c.dns_nameservers = strings_of(s, "dns_nameservers");
              if (s.contains("enable_dhcp")) c.enable_dhcp = s["enable_dhcp"].get<bool>();
              if (s.contains("description")) c.description = s["description"].get<std::string>();
              if (s.contains("host_routes")) c.host_routes = host_routes_of(s["host_routes"]);
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, id, c](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<network_state>(
                               rr, ctx.networking, answer_subnet(200, id), command_atom::value,
                               subnet_atom::value, id, network::command{c},
                               event_metadata{rr->request_id(), t.user.id}, t.creds());
                         });
            });

  add_route(router, ctx, http_method::del, subnets_path + "/:id", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string id = param_of(req, ":id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<network_state>(
                               rr, ctx.networking, answer_subnet(204, id), command_atom::value,
                               subnet_atom::value, id, network::command{network::remove_subnet{id}},
                               event_metadata{rr->request_id(), t.user.id}, t.creds());
                         });
            });
}

}  // namespace cumulo::api
