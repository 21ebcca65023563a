// Neutron's /v2.0/quotas: a project's limits (its own project's for
// anyone, any project's for an admin), an admin's update (PUT) and reset
// to the defaults (DELETE), the defaults, the list of projects, and a
// project's limits with its usage (quota_details).
#include "actors/networking.hpp"
#include "api/auth.hpp"
#include "api/network.hpp"
#include "api/routing.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

using Pistache::Rest::Request;

const std::string quotas_path = "/networking/v2.0/quotas";

void answer_quota(responder& r, quota_set& q) {
  nlohmann::json j = q;
  respond(r, 200, j);
}

}  // namespace

void add_quota_routes(Pistache::Rest::Router& router, server_context& ctx) {
  // The projects whose limits an admin changed, each with its limits.
  add_route(router, ctx, http_method::get, quotas_path, service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              with_token(ctx, auth_token_of(req), r,
                         [&ctx](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<std::vector<quota_state>>(
                               rr, ctx.networking,
                               [](responder& r3, std::vector<quota_state>& changed) {
                                 nlohmann::json items = nlohmann::json::array();
                                 for (const auto& q : changed) {
                                   nlohmann::json j = q.limits;
                                   auto item = j["quota"];
                                   item["project_id"] = q.id;
                                   item["tenant_id"] = q.id;
                                   items.push_back(std::move(item));
                                 }
                                 respond(r3, 200, {{"quotas", items}});
                               },
                               list_atom::value, quota_atom::value, t.creds());
                         });
            });

  add_route(router, ctx, http_method::get, quotas_path + "/:project_id", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string project_id = param_of(req, ":project_id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, project_id](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<quota_set>(rr, ctx.networking, answer_quota,
                                                     caf::get_atom::value, quota_atom::value,
                                                     project_id, t.creds());
                         });
            });

  add_route(router, ctx, http_method::put, quotas_path + "/:project_id", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto body = json_request(ctx, req, *r, "network_quota_update");
              if (!body) return;
              const std::string project_id = param_of(req, ":project_id");
              quota::update u;
              for (const auto& [resource, limit] : (*body)["quota"].items())
                u.limits[resource] = limit.get<std::int64_t>();
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, project_id, u](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<quota_set>(
                               rr, ctx.networking, answer_quota, quota_atom::value, project_id,
                               quota::command{u}, event_metadata{rr->request_id(), t.user.id},
                               t.creds());
                         });
            });

  add_route(router, ctx, http_method::del, quotas_path + "/:project_id", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string project_id = param_of(req, ":project_id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, project_id](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<quota_set>(
                               rr, ctx.networking,
                               [](responder& r3, quota_set&) { respond(r3, 204, no_body); },
                               quota_atom::value, project_id, quota::command{quota::reset{}},
                               event_metadata{rr->request_id(), t.user.id}, t.creds());
                         });
            });

  // quota_details: each resource's limit, what the project has and what
  // its creates in flight hold.
  // tempest asks for it with Neutron's old ".json" suffix too.
  const auto details = [&ctx](const Request& req, std::shared_ptr<responder> r) {
    const std::string project_id = param_of(req, ":project_id");
    with_token(ctx, auth_token_of(req), r,
               [&ctx, project_id](std::shared_ptr<responder> rr, token_info& t) {
                 ctx.bridge.ask<quota_usage>(
                     rr, ctx.networking,
                     [](responder& r3, quota_usage& u) {
                       nlohmann::json quota = nlohmann::json::object();
                       for (const auto& resource : quota_resources())
                         quota[resource] = {{"limit", u.limits.limit(resource).value_or(-1)},
                                            {"used", u.used[resource]},
                                            {"reserved", u.reserved[resource]}};
                       respond(r3, 200, {{"quota", quota}});
                     },
                     caf::get_atom::value, quota_atom::value, details_atom::value, project_id,
                     t.creds());
               });
  };
  for (const char* path : {"/:project_id/details", "/:project_id/details.json"})
    add_route(router, ctx, http_method::get, quotas_path + path, service::network, details);

  add_route(router, ctx, http_method::get, quotas_path + "/:project_id/default", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              with_token(ctx, auth_token_of(req), r,
                         [](std::shared_ptr<responder> rr, token_info&) {
                           nlohmann::json j = quota_set{};
                           respond(*rr, 200, j);
                         });
            });
}

}  // namespace cumulo::api
