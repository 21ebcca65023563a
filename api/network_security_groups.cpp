// Neutron's /v2.0/security-groups and /v2.0/security-group-rules. A
// project's groups are its own (an admin sees all); listing the groups
// first makes the caller's project its `default` group, as Neutron does.
// A new group gets Neutron's two egress rules.
#include "actors/networking.hpp"
#include "api/auth.hpp"
#include "api/network.hpp"
#include "api/network_views.hpp"
#include "api/network_views_l3.hpp"
#include "api/routing.hpp"
#include "store/ids.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

using Pistache::Rest::Request;

const std::string groups_path = "/networking/v2.0/security-groups";
const std::string rules_path = "/networking/v2.0/security-group-rules";

// A text field that may come as null: "" then.
std::string text_of(const nlohmann::json& o, const char* key) {
  return o.contains(key) && o[key].is_string() ? o[key].get<std::string>() : "";
}

std::optional<int> int_of(const nlohmann::json& o, const char* key) {
  if (o.contains(key) && o[key].is_number_integer()) return o[key].get<int>();
  return std::nullopt;
}

auto answer_group(int status) {
  return [status](responder& r, security_group_state& s) {
    if (status == 204)
      respond(r, 204, no_body);
    else
      respond(r, status, {{"security_group", security_group_json(s)}});
  };
}

// Answers `status` with rule `id` of the group the door answered.
auto answer_rule(int status, const std::string& id) {
  return [status, id](responder& r, security_group_state& s) {
    if (status == 204) {
      respond(r, 204, no_body);
    } else if (const auto* rule = s.find_rule(id)) {
      respond(r, status, {{"security_group_rule", security_group_rule_json(s, *rule)}});
    } else {  // not expected: the door answered without it
      respond_error(r, 404, "Security group rule " + id + " does not exist",
                    "SecurityGroupRuleNotFound");
    }
  };
}

// POST /security-group-rules: the group's id and the rule.
security_group::add_rule rule_of(const nlohmann::json& b) {
  security_group::add_rule c;
  c.rule_id = new_uuid();
  c.direction = b["direction"].get<std::string>();
  if (b.contains("ethertype") && b["ethertype"].is_string())
    c.ethertype = b["ethertype"].get<std::string>();
  if (b.contains("protocol")) {
    if (b["protocol"].is_string())
      c.protocol = b["protocol"].get<std::string>();
    else if (b["protocol"].is_number_integer())
      c.protocol = std::to_string(b["protocol"].get<int>());
  }
  c.port_range_min = int_of(b, "port_range_min");
  c.port_range_max = int_of(b, "port_range_max");
  c.remote_ip_prefix = text_of(b, "remote_ip_prefix");
  c.remote_group_id = text_of(b, "remote_group_id");
  c.description = text_of(b, "description");
  return c;
}

void add_group_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_route(router, ctx, http_method::post, groups_path, service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto body = json_request(ctx, req, *r, "network_security_group_create");
              if (!body) return;
              with_token(
                  ctx, auth_token_of(req), r,
                  [&ctx, body = std::move(*body)](std::shared_ptr<responder> rr, token_info& t) {
                    const auto& g = body["security_group"];
                    auto project = project_for_create(*rr, g, t);
                    if (!project) return;
                    security_group::create c;
                    c.name = g.value("name", "");
                    c.description = g.value("description", "");
                    c.project_id = *project;
                    c.default_rule_ids = {new_uuid(), new_uuid()};
                    c.tags = tags_of_create(g);
                    ctx.bridge.ask<security_group_state>(
                        rr, ctx.networking, answer_group(201), command_atom::value, new_uuid(),
                        security_group::command{std::move(c)},
                        event_metadata{rr->request_id(), t.user.id}, t.creds());
                  });
            });

  // A list makes the caller's project its default group first, as Neutron's does.
  add_route(router, ctx, http_method::get, groups_path, service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto q = list_query_of(query_list(req));
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, q](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<std::vector<security_group_state>>(
                               rr, ctx.networking,
                               answer_list<security_group_state>(
                                   "security_groups", q,
                                   [](const security_group_state& s, auto& add) {
                                     add(security_group_json(s));
                                   }),
                               list_atom::value, security_group_atom::value,
                               event_metadata{rr->request_id(), t.user.id}, t.creds());
                         });
            });

  add_route(router, ctx, http_method::get, groups_path + "/:id", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string id = param_of(req, ":id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<security_group_state>(
                               rr, ctx.networking, answer_group(200), caf::get_atom::value,
                               security_group_atom::value, id, t.creds());
                         });
            });

  add_route(router, ctx, http_method::put, groups_path + "/:id", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto body = json_request(ctx, req, *r, "network_security_group_update");
              if (!body) return;
              const std::string id = param_of(req, ":id");
              const auto& g = (*body)["security_group"];
              security_group::update c;
              if (g.contains("name")) c.name = g["name"].get<std::string>();
              if (g.contains("description")) c.description = g["description"].get<std::string>();
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, id, c](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<security_group_state>(
                               rr, ctx.networking, answer_group(200), command_atom::value, id,
                               security_group::command{c},
                               event_metadata{rr->request_id(), t.user.id}, t.creds());
                         });
            });

  add_route(router, ctx, http_method::del, groups_path + "/:id", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string id = param_of(req, ":id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<security_group_state>(
                               rr, ctx.networking, answer_group(204), command_atom::value, id,
                               security_group::command{security_group::remove{}},
                               event_metadata{rr->request_id(), t.user.id}, t.creds());
                         });
            });
}

void add_rule_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_route(router, ctx, http_method::post, rules_path, service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto body = json_request(ctx, req, *r, "network_security_group_rule_create");
              if (!body) return;
              with_token(
                  ctx, auth_token_of(req), r,
                  [&ctx, body = std::move(*body)](std::shared_ptr<responder> rr, token_info& t) {
                    const auto& b = body["security_group_rule"];
                    auto project = project_for_create(*rr, b, t);
                    if (!project) return;
                    auto c = rule_of(b);
                    // Unless the body names one, the door gives the rule its
                    // group's project.
                    if (b.contains("project_id") || b.contains("tenant_id"))
                      c.project_id = *project;
                    const std::string id = c.rule_id;
                    ctx.bridge.ask<security_group_state>(
                        rr, ctx.networking, answer_rule(201, id), command_atom::value,
                        b["security_group_id"].get<std::string>(),
                        security_group::command{std::move(c)},
                        event_metadata{rr->request_id(), t.user.id}, t.creds());
                  });
            });

  add_route(router, ctx, http_method::get, rules_path, service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto q = list_query_of(query_list(req));
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, q](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<std::vector<security_group_state>>(
                               rr, ctx.networking,
                               answer_list<security_group_state>(
                                   "security_group_rules", q,
                                   [](const security_group_state& s, auto& add) {
                                     for (const auto& rule : s.rules)
                                       add(security_group_rule_json(s, rule));
                                   }),
                               list_atom::value, sg_rule_atom::value, t.creds());
                         });
            });

  add_route(router, ctx, http_method::get, rules_path + "/:id", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string id = param_of(req, ":id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<security_group_state>(
                               rr, ctx.networking, answer_rule(200, id), caf::get_atom::value,
                               sg_rule_atom::value, id, t.creds());
                         });
            });

  add_route(router, ctx, http_method::del, rules_path + "/:id", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string id = param_of(req, ":id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<security_group_state>(
                               rr, ctx.networking, answer_rule(204, id), command_atom::value,
                               sg_rule_atom::value, id, event_metadata{rr->request_id(), t.user.id},
                               t.creds());
                         });
            });
}

}  // namespace

void add_security_group_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_group_routes(router, ctx);
  add_rule_routes(router, ctx);
}

}  // namespace cumulo::api
