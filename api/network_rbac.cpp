// Neutron's /v2.0/rbac-policies for object_type network: share a network
// with a project (access_as_shared: it sees the network and makes ports on
// it) or let a project use it as an external network (access_as_external);
// target "*" is every project. A policy lives in its network's stream; the
// networking door decides who sees and changes which (actors/networking.hpp).
#include "actors/networking.hpp"
#include "api/auth.hpp"
#include "api/network.hpp"
#include "api/network_views.hpp"
#include "api/routing.hpp"
#include "engine/ids.hpp"
#include "store/ids.hpp"

#include <cctype>

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

using Pistache::Rest::Request;

const std::string rbac_path = "/networking/v2.0/rbac-policies";

// Neutron's body of a policy (no standard attributes: a policy has none).
nlohmann::json rbac_policy_json(const network_state& n, const network::rbac_policy& p) {
  return {{"id", p.id},
          {"object_type", "network"},
          {"object_id", n.id},
          {"action", p.action},
          {"target_tenant", p.target_project},
          {"project_id", p.project_id},
          {"tenant_id", p.project_id}};
}

// Answers `status` with policy `id` of the network the door answered.
auto answer_policy(int status, const std::string& id) {
  return [status, id](responder& r, network_state& n) {
    if (status == 204) {
      respond(r, 204, no_body);
    } else if (const auto* p = n.find_rbac_policy(id)) {
      respond(r, status, {{"rbac_policy", rbac_policy_json(n, *p)}});
    } else {  // not expected: the door answered without it
      respond_error(r, 404, "RBAC policy of type network with ID " + id + " not found",
                    "RbacPolicyNotFound");
    }
  };
}

// target_tenant, or Keystone v3's target_project; nothing when neither.
std::optional<std::string> target_of(const nlohmann::json& p) {
  for (const char* key : {"target_tenant", "target_project"})
    if (p.contains(key) && p[key].is_string()) return p[key].get<std::string>();
  return std::nullopt;
}

// A create of the body, or nothing once a 400 is answered (Neutron's words).
std::optional<std::pair<std::string, network::create_rbac_policy>> rbac_create(
    responder& r, const nlohmann::json& p, const token_info& t) {
  std::string type = p["object_type"].get<std::string>();
  // Neutron reads the type trimmed and in any case.
  while (!type.empty() && std::isspace(static_cast<unsigned char>(type.back()))) type.pop_back();
  while (!type.empty() && std::isspace(static_cast<unsigned char>(type.front()))) type.erase(0, 1);
  for (auto& ch : type) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (type != "network") {
    // The other types of Neutron (qos_policy, security_group, subnetpool,
    // address_scope, address_group) are not cumulo's yet.
    respond_error(r, 400,
                  "Invalid input for operation: '" + p["object_type"].get<std::string>() +
                      "' is not a valid RBAC object type.",
                  "InvalidInput");
    return std::nullopt;
  }
  const std::string object_id = p["object_id"].get<std::string>();
  if (!is_uuid(object_id)) {
    respond_error(r, 400,
                  "Invalid input for object_id. Reason: '" + object_id + "' is not a valid UUID.");
    return std::nullopt;
  }
  auto target = target_of(p);
  if (!target) {
    respond_error(r, 400,
                  "Failed to parse request. Required attribute 'target_tenant' not specified");
    return std::nullopt;
  }
  auto project = project_for_create(r, p, t);
  if (!project) return std::nullopt;
  return std::make_pair(
      object_id,
      network::create_rbac_policy{new_uuid(), p["action"].get<std::string>(), *target, *project});
}

}  // namespace

void add_rbac_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_route(router, ctx, http_method::post, rbac_path, service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto body = json_request(ctx, req, *r, "network_rbac_policy_create");
              if (!body) return;
              with_token(
                  ctx, auth_token_of(req), r,
                  [&ctx, body = std::move(*body)](std::shared_ptr<responder> rr, token_info& t) {
                    auto c = rbac_create(*rr, body["rbac_policy"], t);
                    if (!c) return;
                    const std::string id = c->second.policy_id;
                    ctx.bridge.ask<network_state>(
                        rr, ctx.networking, answer_policy(201, id), command_atom::value,
                        rbac_atom::value, c->first, network::command{std::move(c->second)},
                        event_metadata{rr->request_id(), t.user.id}, t.creds());
                  });
            });

  add_route(router, ctx, http_method::get, rbac_path, service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto q = list_query_of(query_list(req));
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, q](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<std::vector<network_state>>(
                               rr, ctx.networking,
                               answer_list<network_state>("rbac_policies", q,
                                                          [](const network_state& n, auto& add) {
                                                            for (const auto& p : n.rbac_policies)
                                                              add(rbac_policy_json(n, p));
                                                          }),
                               list_atom::value, rbac_atom::value, t.creds());
                         });
            });

  add_route(router, ctx, http_method::get, rbac_path + "/:id", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string id = param_of(req, ":id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<network_state>(rr, ctx.networking, answer_policy(200, id),
                                                         caf::get_atom::value, rbac_atom::value, id,
                                                         t.creds());
                         });
            });

  add_route(router, ctx, http_method::put, rbac_path + "/:id", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto body = json_request(ctx, req, *r, "network_rbac_policy_update");
              if (!body) return;
              const std::string id = param_of(req, ":id");
              const auto& p = (*body)["rbac_policy"];
              // A policy's object and action are what it is: only its target changes.
              for (const char* key :
                   {"id", "object_type", "object_id", "action", "project_id", "tenant_id"})
                if (p.contains(key)) {
                  respond_error(*r, 400, std::string("Cannot update read-only attribute ") + key);
                  return;
                }
              auto target = target_of(p);
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, id, target](std::shared_ptr<responder> rr, token_info& t) {
                           if (!target) {  // nothing to change: the policy as it is
                             ctx.bridge.ask<network_state>(
                                 rr, ctx.networking, answer_policy(200, id), caf::get_atom::value,
                                 rbac_atom::value, id, t.creds());
                             return;
                           }
                           ctx.bridge.ask<network_state>(
                               rr, ctx.networking, answer_policy(200, id), command_atom::value,
                               rbac_atom::value, id,
                               network::command{network::update_rbac_policy{id, *target}},
                               event_metadata{rr->request_id(), t.user.id}, t.creds());
                         });
            });

  add_route(router, ctx, http_method::del, rbac_path + "/:id", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string id = param_of(req, ":id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<network_state>(
                               rr, ctx.networking, answer_policy(204, id), command_atom::value,
                               rbac_atom::value, id,
                               network::command{network::delete_rbac_policy{id}},
                               event_metadata{rr->request_id(), t.user.id}, t.creds());
                         });
            });
}

}  // namespace cumulo::api
