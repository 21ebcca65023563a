// Neutron's /v2.0/quotas: a project's limits (its own project's for
// anyone, any project's for an admin), an admin's update (PUT) and reset
// to the defaults (DELETE), the defaults, and the list of projects.
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

void respond_admin_required(responder& r, const std::string& reason) {
  respond_error(r, 403, "User does not have admin privileges: " + reason + ".", "AdminRequired");
}

}  // namespace

void add_quota_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_route(router, ctx, http_method::get, quotas_path, service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              with_token(ctx, auth_token_of(req), r,
                         [&ctx](std::shared_ptr<responder> rr, token_info& t) {
                           // Every project's: no project the caller owns.
                           if (!allows(ctx, t, "get_quota", owner_target(""))) {
                             respond_admin_required(*rr, "Only admin can view or configure quota");
                             return;
                           }
                           respond(*rr, 200, {{"quotas", nlohmann::json::array()}});
                         });
            });

  add_route(router, ctx, http_method::get, quotas_path + "/:project_id", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string project_id = param_of(req, ":project_id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, project_id](std::shared_ptr<responder> rr, token_info& t) {
                           if (!allows(ctx, t, "get_quota", owner_target(project_id))) {
                             respond_admin_required(
                                 *rr,
                                 "Only admin is authorized to access quotas for another tenant");
                             return;
                           }
                           ctx.bridge.ask<quota_set>(
                               rr, ctx.networking,
                               [](responder& r3, quota_set& q) {
                                 nlohmann::json j = q;
                                 respond(r3, 200, j);
                               },
                               caf::get_atom::value, quota_atom::value, project_id);
                         });
            });

  add_route(router, ctx, http_method::put, quotas_path + "/:project_id", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto body = json_request(ctx, req, *r, "network_quota_update");
              if (!body) return;
              const std::string project_id = param_of(req, ":project_id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, project_id, body = std::move(*body)](std::shared_ptr<responder> rr,
                                                                     token_info& t) {
                           if (!allows(ctx, t, "update_quota", owner_target(project_id))) {
                             respond_admin_required(*rr, "Only admin can view or configure quota");
                             return;
                           }
                           quota::update u;
                           for (const auto& [resource, limit] : body["quota"].items())
                             u.limits[resource] = limit.get<std::int64_t>();
                           ctx.bridge.ask<quota_set>(
                               rr, ctx.networking,
                               [](responder& r3, quota_set& q) {
                                 nlohmann::json j = q;
                                 respond(r3, 200, j);
                               },
                               quota_atom::value, project_id, quota::command{std::move(u)},
                               event_metadata{rr->request_id(), t.user.id});
                         });
            });

  add_route(router, ctx, http_method::del, quotas_path + "/:project_id", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string project_id = param_of(req, ":project_id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, project_id](std::shared_ptr<responder> rr, token_info& t) {
                           if (!allows(ctx, t, "delete_quota", owner_target(project_id))) {
                             respond_admin_required(*rr, "Only admin can view or configure quota");
                             return;
                           }
                           ctx.bridge.ask<quota_set>(
                               rr, ctx.networking,
                               [](responder& r3, quota_set&) { respond(r3, 204, no_body); },
                               quota_atom::value, project_id, quota::command{quota::reset{}},
                               event_metadata{rr->request_id(), t.user.id});
                         });
            });

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
