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

void respond_group_not_found(responder& r, const std::string& id) {
  respond_error(r, 404, "Security group " + id + " does not exist", "SecurityGroupNotFound");
}

void respond_rule_not_found(responder& r, const std::string& id) {
  respond_error(r, 404, "Security group rule " + id + " does not exist",
                "SecurityGroupRuleNotFound");
}

// A text field that may come as null: "" then.
std::string text_of(const nlohmann::json& o, const char* key) {
  return o.contains(key) && o[key].is_string() ? o[key].get<std::string>() : "";
}

std::optional<int> int_of(const nlohmann::json& o, const char* key) {
  if (o.contains(key) && o[key].is_number_integer()) return o[key].get<int>();
  return std::nullopt;
}

// Lists the groups the caller sees, then answers with what `view` makes of
// them (the groups, or their rules).
using groups_view =
    std::function<nlohmann::json(const server_context&, const std::vector<security_group_state>&,
                                 const token_info&, const list_query&)>;

void list_groups(server_context& ctx, std::shared_ptr<responder> rr, const token_info& t,
                 list_query q, groups_view view) {
  ctx.bridge.ask<std::vector<security_group_state>>(
      rr, ctx.networking,
      [&ctx, t, q, view](responder& r, std::vector<security_group_state>& all) {
        respond(r, 200, view(ctx, all, t, q));
      },
      list_atom::value, security_group_atom::value);
}

nlohmann::json groups_body(const server_context& ctx, const std::vector<security_group_state>& all,
                           const token_info& t, const list_query& q) {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& s : all) {
    if (!visible(ctx, "get_security_group", s.project_id, t)) continue;
    auto j = security_group_json(s);
    if (q.match(j)) items.push_back(std::move(j));
  }
  return {{"security_groups", items}};
}

nlohmann::json rules_body(const server_context& ctx, const std::vector<security_group_state>& all,
                          const token_info& t, const list_query& q) {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& s : all) {
    if (!visible(ctx, "get_security_group_rule", s.project_id, t)) continue;
    for (const auto& rule : s.rules) {
      auto j = security_group_rule_json(s, rule);
      if (q.match(j)) items.push_back(std::move(j));
    }
  }
  return {{"security_group_rules", items}};
}

// Makes the caller's project its default group (when it has none), then
// lists.
void ensure_default_then_list(server_context& ctx, std::shared_ptr<responder> rr,
                              const token_info& t, list_query q, groups_view view) {
  if (!t.project) {
    list_groups(ctx, std::move(rr), t, std::move(q), std::move(view));
    return;
  }
  ctx.bridge.ask<security_group_state>(
      rr, ctx.networking,
      [&ctx, t, q, view](std::shared_ptr<responder> r, security_group_state&) {
        list_groups(ctx, std::move(r), t, q, view);
      },
      default_atom::value, t.project->id, event_metadata{rr->request_id(), t.user.id});
}

// Asks for group `id` and calls then(rr, group) when get_security_group
// lets the caller see it (404 otherwise) and `rule` lets it act (403).
void with_owned_group(server_context& ctx, std::shared_ptr<responder> rr, const token_info& t,
                      const std::string& id, const std::string& rule,
                      std::function<void(std::shared_ptr<responder>, security_group_state&)> then) {
  ctx.bridge.ask<security_group_state>(
      rr, ctx.networking,
      [&ctx, id, t, rule, then](std::shared_ptr<responder> r, security_group_state& s) {
        if (!visible(ctx, "get_security_group", s.project_id, t)) {
          respond_group_not_found(*r, id);
          return;
        }
        if (!enforce(*r, ctx, t, rule, owner_target(s.project_id))) return;
        then(std::move(r), s);
      },
      caf::get_atom::value, security_group_atom::value, id);
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
                    ctx.bridge.ask<security_group_state>(
                        rr, ctx.networking,
                        [](responder& r3, security_group_state& s) {
                          respond(r3, 201, {{"security_group", security_group_json(s)}});
                        },
                        command_atom::value, new_uuid(), security_group::command{std::move(c)},
                        event_metadata{rr->request_id(), t.user.id});
                  });
            });

  add_route(router, ctx, http_method::get, groups_path, service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto q = list_query_of(query_params(req));
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, q](std::shared_ptr<responder> rr, token_info& t) {
                           ensure_default_then_list(ctx, std::move(rr), t, q, groups_body);
                         });
            });

  add_route(router, ctx, http_method::get, groups_path + "/:id", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string id = param_of(req, ":id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
                           with_owned_group(
                               ctx, std::move(rr), t, id, "get_security_group",
                               [](std::shared_ptr<responder> r3, security_group_state& s) {
                                 respond(*r3, 200, {{"security_group", security_group_json(s)}});
                               });
                         });
            });

  add_route(
      router, ctx, http_method::put, groups_path + "/:id", service::network,
      [&ctx](const Request& req, std::shared_ptr<responder> r) {
        auto body = json_request(ctx, req, *r, "network_security_group_update");
        if (!body) return;
        const std::string id = param_of(req, ":id");
        with_token(
            ctx, auth_token_of(req), r,
            [&ctx, id, body = std::move(*body)](std::shared_ptr<responder> rr, token_info& t) {
              with_owned_group(
                  ctx, std::move(rr), t, id, "update_security_group",
                  [&ctx, id, body, t](std::shared_ptr<responder> r3, security_group_state&) {
                    const auto& g = body["security_group"];
                    security_group::update c;
                    if (g.contains("name")) c.name = g["name"].get<std::string>();
                    if (g.contains("description"))
                      c.description = g["description"].get<std::string>();
                    ctx.bridge.ask<security_group_state>(
                        r3, ctx.networking,
                        [](responder& r4, security_group_state& s) {
                          respond(r4, 200, {{"security_group", security_group_json(s)}});
                        },
                        command_atom::value, id, security_group::command{std::move(c)},
                        event_metadata{r3->request_id(), t.user.id});
                  });
            });
      });

  add_route(
      router, ctx, http_method::del, groups_path + "/:id", service::network,
      [&ctx](const Request& req, std::shared_ptr<responder> r) {
        const std::string id = param_of(req, ":id");
        with_token(
            ctx, auth_token_of(req), r, [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
              with_owned_group(
                  ctx, std::move(rr), t, id, "delete_security_group",
                  [&ctx, id, t](std::shared_ptr<responder> r3, security_group_state&) {
                    ctx.bridge.ask<security_group_state>(
                        r3, ctx.networking,
                        [](responder& r4, security_group_state&) { respond(r4, 204, no_body); },
                        command_atom::value, id, security_group::command{security_group::remove{}},
                        event_metadata{r3->request_id(), t.user.id});
                  });
            });
      });
}

// Adds rule c to group `group_id` and answers 201 with it.
void add_rule(server_context& ctx, std::shared_ptr<responder> rr, const token_info& t,
              const std::string& group_id, security_group::add_rule c) {
  const std::string rule_id = c.rule_id;
  ctx.bridge.ask<security_group_state>(
      rr, ctx.networking,
      [rule_id](responder& r, security_group_state& s) {
        if (const auto* rule = s.find_rule(rule_id))
          respond(r, 201, {{"security_group_rule", security_group_rule_json(s, *rule)}});
        else
          respond_rule_not_found(r, rule_id);
      },
      command_atom::value, group_id, security_group::command{std::move(c)},
      event_metadata{rr->request_id(), t.user.id});
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
                    const bool project_given = b.contains("project_id") || b.contains("tenant_id");
                    auto project = project_for_create(*rr, b, t);
                    if (!project) return;
                    const std::string group_id = b["security_group_id"].get<std::string>();
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
                    with_owned_group(
                        ctx, std::move(rr), t, group_id, "create_security_group_rule",
                        [&ctx, t, group_id, c, project_given, project = *project](
                            std::shared_ptr<responder> r3, security_group_state& g) mutable {
                          // The rule belongs to its group's project unless an
                          // admin said otherwise.
                          c.project_id = project_given ? project : g.project_id;
                          if (c.remote_group_id.empty() || c.remote_group_id == group_id) {
                            add_rule(ctx, std::move(r3), t, group_id, std::move(c));
                            return;
                          }
                          // The remote group must be one the caller sees.
                          const std::string remote = c.remote_group_id;
                          with_owned_group(ctx, std::move(r3), t, remote, "get_security_group",
                                           [&ctx, t, group_id, c](std::shared_ptr<responder> r4,
                                                                  security_group_state&) mutable {
                                             add_rule(ctx, std::move(r4), t, group_id,
                                                      std::move(c));
                                           });
                        });
                  });
            });

  add_route(router, ctx, http_method::get, rules_path, service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto q = list_query_of(query_params(req));
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, q](std::shared_ptr<responder> rr, token_info& t) {
                           list_groups(ctx, std::move(rr), t, q, rules_body);
                         });
            });

  add_route(
      router, ctx, http_method::get, rules_path + "/:id", service::network,
      [&ctx](const Request& req, std::shared_ptr<responder> r) {
        const std::string id = param_of(req, ":id");
        with_token(
            ctx, auth_token_of(req), r, [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
              ctx.bridge.ask<security_group_state>(
                  rr, ctx.networking,
                  [&ctx, id, t](responder& r3, security_group_state& s) {
                    const auto* rule = s.find_rule(id);
                    if (!rule || !visible(ctx, "get_security_group_rule", s.project_id, t)) {
                      respond_rule_not_found(r3, id);
                      return;
                    }
                    respond(r3, 200, {{"security_group_rule", security_group_rule_json(s, *rule)}});
                  },
                  caf::get_atom::value, sg_rule_atom::value, id);
            });
      });

  add_route(
      router, ctx, http_method::del, rules_path + "/:id", service::network,
      [&ctx](const Request& req, std::shared_ptr<responder> r) {
        const std::string id = param_of(req, ":id");
        with_token(
            ctx, auth_token_of(req), r, [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
              ctx.bridge.ask<security_group_state>(
                  rr, ctx.networking,
                  [&ctx, id, t](std::shared_ptr<responder> r3, security_group_state& s) {
                    if (!s.find_rule(id) ||
                        !visible(ctx, "get_security_group_rule", s.project_id, t)) {
                      respond_rule_not_found(*r3, id);
                      return;
                    }
                    if (!enforce(*r3, ctx, t, "delete_security_group_rule",
                                 owner_target(s.project_id)))
                      return;
                    ctx.bridge.ask<security_group_state>(
                        r3, ctx.networking,
                        [](responder& r4, security_group_state&) { respond(r4, 204, no_body); },
                        command_atom::value, sg_rule_atom::value, id,
                        event_metadata{r3->request_id(), t.user.id});
                  },
                  caf::get_atom::value, sg_rule_atom::value, id);
            });
      });
}

}  // namespace

void add_security_group_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_group_routes(router, ctx);
  add_rule_routes(router, ctx);
}

}  // namespace cumulo::api
