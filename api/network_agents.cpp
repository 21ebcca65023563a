// Neutron's agents (an admin's: list with filters, show, update
// admin_state_up and description, delete), the agents hosting a network
// (/networks/{id}/dhcp-agents) or a router (/routers/{id}/l3-agents), and
// the availability zones their agents give networks and routers. The
// agents are the network host's roles (actors/networking_agents.hpp).
#include "actors/networking_agents.hpp"
#include "api/auth.hpp"
#include "api/network.hpp"
#include "api/routing.hpp"
#include "engine/clock.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

using Pistache::Rest::Request;

const std::string agents_path = "/networking/v2.0/agents";

nlohmann::json null_if_empty(const std::string& s) {
  return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s);
}

// Neutron shows an agent's times as its database gives them:
// "2026-11-30 04:00:00" (UTC, no zone).
nlohmann::json agent_time(std::int64_t us) {
  if (us == 0) return nullptr;
  std::string t = format_iso8601(us);
  if (!t.empty() && t.back() == 'Z') t.pop_back();
  if (auto at = t.find('T'); at != std::string::npos) t[at] = ' ';
  return t;
}

// What each kind of agent reports of itself, with what it serves now.
nlohmann::json configurations_of(const agent_view& v) {
  nlohmann::json c{{"log_agent_heartbeats", false}};
  if (v.agent.agent_type == "DHCP agent") {
    c["dhcp_driver"] = "libvirt (dnsmasq)";
  } else if (v.agent.agent_type == "L3 agent") {
    c["agent_mode"] = "legacy";
    c["handle_internal_only_routers"] = true;
    c["gateway_external_network_id"] = "";
    c["interface_driver"] = "libvirt";
  }
  for (const auto& [key, count] : v.load) c[key] = count;
  return c;
}

nlohmann::json agent_json(const agent_view& v) {
  const agent_state& a = v.agent;
  return {{"id", a.id},
          {"agent_type", a.agent_type},
          {"binary", a.binary},
          {"host", a.host},
          {"topic", a.topic},
          {"availability_zone", null_if_empty(a.availability_zone)},
          {"admin_state_up", a.admin_state_up},
          {"alive", v.alive},
          {"description", null_if_empty(a.description)},
          {"heartbeat_timestamp", agent_time(v.heartbeat_at_us)},
          {"started_at", agent_time(v.started_at_us)},
          {"created_at", agent_time(a.created_at_us)},
          {"resources_synced", nullptr},
          {"configurations", configurations_of(v)}};
}

void answer_agent(responder& r, agent_view& v) {
  respond(r, 200, {{"agent", agent_json(v)}});
}

// GET <resource path>/:id/<hosting>: the agents hosting it, for an admin.
template <class Atom>
void add_hosting_route(Pistache::Rest::Router& router, server_context& ctx, const std::string& path,
                       Atom kind, bool with_ha_state) {
  add_route(router, ctx, http_method::get, path, service::network,
            [&ctx, kind, with_ha_state](const Request& req, std::shared_ptr<responder> r) {
              const std::string id = param_of(req, ":id");
              auto q = list_query_of(query_list(req));
              with_token(
                  ctx, auth_token_of(req), r,
                  [&ctx, id, q, kind, with_ha_state](std::shared_ptr<responder> rr, token_info& t) {
                    ctx.bridge.ask<std::vector<agent_view>>(
                        rr, ctx.networking,
                        answer_list<agent_view>("agents", q,
                                                [with_ha_state](const agent_view& v, auto& add) {
                                                  auto j = agent_json(v);
                                                  // Not an HA router: no state.
                                                  if (with_ha_state) j["ha_state"] = nullptr;
                                                  add(std::move(j));
                                                }),
                        list_atom::value, agent_atom::value, kind, id, t.creds());
                  });
            });
}

}  // namespace

void add_agent_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_route(
      router, ctx, http_method::get, agents_path, service::network,
      [&ctx](const Request& req, std::shared_ptr<responder> r) {
        auto q = list_query_of(query_list(req));
        with_token(
            ctx, auth_token_of(req), r, [&ctx, q](std::shared_ptr<responder> rr, token_info& t) {
              ctx.bridge.ask<std::vector<agent_view>>(
                  rr, ctx.networking,
                  answer_list<agent_view>(
                      "agents", q, [](const agent_view& v, auto& add) { add(agent_json(v)); }),
                  list_atom::value, agent_atom::value, t.creds());
            });
      });

  add_route(router, ctx, http_method::get, agents_path + "/:id", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string id = param_of(req, ":id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<agent_view>(rr, ctx.networking, answer_agent,
                                                      caf::get_atom::value, agent_atom::value, id,
                                                      t.creds());
                         });
            });

  add_route(
      router, ctx, http_method::put, agents_path + "/:id", service::network,
      [&ctx](const Request& req, std::shared_ptr<responder> r) {
        auto body = json_request(ctx, req, *r, "network_agent_update");
        if (!body) return;
        const std::string id = param_of(req, ":id");
        const auto& a = (*body)["agent"];
        agent::update u;
        if (a.contains("admin_state_up")) u.admin_state_up = a["admin_state_up"].get<bool>();
        // null clears it, as Neutron's None
        if (a.contains("description"))
          u.description = a["description"].is_null() ? "" : a["description"].get<std::string>();
        with_token(ctx, auth_token_of(req), r,
                   [&ctx, id, u](std::shared_ptr<responder> rr, token_info& t) {
                     ctx.bridge.ask<agent_view>(
                         rr, ctx.networking, answer_agent, command_atom::value, id,
                         agent::command{u}, event_metadata{rr->request_id(), t.user.id}, t.creds());
                   });
      });

  add_route(router, ctx, http_method::del, agents_path + "/:id", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string id = param_of(req, ":id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<agent_view>(
                               rr, ctx.networking,
                               [](responder& r3, agent_view&) { respond(r3, 204, no_body); },
                               command_atom::value, id, agent::command{agent::remove{}},
                               event_metadata{rr->request_id(), t.user.id}, t.creds());
                         });
            });

  add_hosting_route(router, ctx, "/networking/v2.0/networks/:id/dhcp-agents", network_atom::value,
                    false);
  add_hosting_route(router, ctx, "/networking/v2.0/routers/:id/l3-agents", router_atom::value,
                    true);

  add_route(router, ctx, http_method::get, "/networking/v2.0/availability_zones", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto q = list_query_of(query_list(req));
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, q](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<std::vector<availability_zone_view>>(
                               rr, ctx.networking,
                               answer_list<availability_zone_view>(
                                   "availability_zones", q,
                                   [](const availability_zone_view& z, auto& add) {
                                     add({{"name", z.name},
                                          {"resource", z.resource},
                                          {"state", z.available ? "available" : "unavailable"}});
                                   }),
                               list_atom::value, zone_atom::value, t.creds());
                         });
            });
}

}  // namespace cumulo::api
