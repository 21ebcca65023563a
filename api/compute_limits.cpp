// Nova's limits (GET /limits: a project's quotas and usage, absolute only)
// and quota sets (/os-quota-sets/{project_id}[/defaults|/detail]; PUT and
// DELETE are an admin's).
#include "actors/compute.hpp"
#include "api/auth.hpp"
#include "api/compute.hpp"
#include "api/compute_views.hpp"

#include <limits>

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

using Pistache::Rest::Request;

const std::string quotas_path = compute_root + "/os-quota-sets";

nlohmann::json absolute_limits(const compute_quota_set& q, const compute_usage& u, microversion v) {
  nlohmann::json a = {{"maxServerMeta", q.limit("metadata_items")},
                      {"maxTotalInstances", q.limit("instances")},
                      {"maxTotalCores", q.limit("cores")},
                      {"maxTotalRAMSize", q.limit("ram")},
                      {"maxTotalKeypairs", q.limit("key_pairs")},
                      {"maxServerGroups", q.limit("server_groups")},
                      {"maxServerGroupMembers", q.limit("server_group_members")},
                      {"totalInstancesUsed", u.instances},
                      {"totalCoresUsed", u.cores},
                      {"totalRAMUsed", u.ram},
                      {"totalServerGroupsUsed", 0}};
  // nova-network's, gone at 2.36; image metadata's at 2.39; personality
  // (injected files) at 2.57.
  if (!v.at_least(36)) {
    a["maxSecurityGroups"] = q.limit("security_groups");
    a["maxSecurityGroupRules"] = q.limit("security_group_rules");
    a["maxTotalFloatingIps"] = q.limit("floating_ips");
    a["totalSecurityGroupsUsed"] = 0;
    a["totalFloatingIpsUsed"] = 0;
  }
  if (!v.at_least(39)) a["maxImageMeta"] = q.limit("metadata_items");
  if (!v.at_least(57)) {
    a["maxPersonality"] = q.limit("injected_files");
    a["maxPersonalitySize"] = q.limit("injected_file_content_bytes");
  }
  return a;
}

std::int64_t in_use_of(const compute_usage& u, const std::string& resource) {
  if (resource == "instances") return u.instances;
  if (resource == "cores") return u.cores;
  if (resource == "ram") return u.ram;
  return 0;
}

// Asks for a project's quota set and usage, then `then`.
void with_quota_and_usage(
    server_context& ctx, std::shared_ptr<responder> r, const std::string& project,
    std::function<void(responder&, compute_quota_set&, compute_usage&)> then) {
  ctx.bridge.ask<compute_quota_set>(
      std::move(r), ctx.compute,
      [&ctx, project, then](std::shared_ptr<responder> r2, compute_quota_set& q) {
        ctx.bridge.ask<compute_usage>(
            r2, ctx.compute, [q, then](responder& r3, compute_usage& u) mutable { then(r3, q, u); },
            caf::get_atom::value, usage_atom::value, project);
      },
      caf::get_atom::value, compute_quota_atom::value, project);
}

}  // namespace

void add_limits_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_compute_route(
      router, ctx, http_method::get, compute_root + "/limits",
      [&ctx](const Request& req, std::shared_ptr<responder> r, microversion v) {
        const auto tenant = query_of(req, "tenant_id");
        with_token(ctx, auth_token_of(req), r,
                   [&ctx, v, tenant](std::shared_ptr<responder> rr, token_info& t) {
                     std::string project = project_of(t);
                     if (!enforce(*rr, ctx, t, "os_compute_api:limits", {project, t.user.id}))
                       return;
                     // Another project's limits are an admin's to see;
                     // for anyone else Nova ignores the parameter.
                     if (tenant && !tenant->empty() && *tenant != project &&
                         ctx.rules.allowed("os_compute_api:limits:other_project", t.creds(),
                                           {*tenant, t.user.id}))
                       project = *tenant;
                     with_quota_and_usage(
                         ctx, rr, project,
                         [v](responder& r3, compute_quota_set& q, compute_usage& u) {
                           respond(r3, 200,
                                   {{"limits",
                                     {{"rate", nlohmann::json::array()},
                                      {"absolute", absolute_limits(q, u, v)}}}});
                         });
                   });
      });

  add_compute_route(
      router, ctx, http_method::get, quotas_path + "/:project_id",
      [&ctx](const Request& req, std::shared_ptr<responder> r, microversion v) {
        const std::string project = param_of(req, ":project_id");
        with_token(
            ctx, auth_token_of(req), r,
            [&ctx, v, project](std::shared_ptr<responder> rr, token_info& t) {
              if (!enforce(*rr, ctx, t, "os_compute_api:os-quota-sets:show", {project, t.user.id}))
                return;
              ctx.bridge.ask<compute_quota_set>(
                  rr, ctx.compute,
                  [v, project](responder& r3, compute_quota_set& q) {
                    respond(r3, 200, {{"quota_set", quota_set_json(q, project, v)}});
                  },
                  caf::get_atom::value, compute_quota_atom::value, project);
            });
      });

  add_compute_route(
      router, ctx, http_method::get, quotas_path + "/:project_id/defaults",
      [&ctx](const Request& req, std::shared_ptr<responder> r, microversion v) {
        const std::string project = param_of(req, ":project_id");
        with_token(
            ctx, auth_token_of(req), r,
            [&ctx, v, project](std::shared_ptr<responder> rr, token_info& t) {
              if (!enforce(*rr, ctx, t, "os_compute_api:os-quota-sets:defaults",
                           {project, t.user.id}))
                return;
              respond(*rr, 200, {{"quota_set", quota_set_json(compute_quota_set{}, project, v)}});
            });
      });

  add_compute_route(
      router, ctx, http_method::get, quotas_path + "/:project_id/detail",
      [&ctx](const Request& req, std::shared_ptr<responder> r, microversion v) {
        const std::string project = param_of(req, ":project_id");
        with_token(ctx, auth_token_of(req), r,
                   [&ctx, v, project](std::shared_ptr<responder> rr, token_info& t) {
                     if (!enforce(*rr, ctx, t, "os_compute_api:os-quota-sets:detail",
                                  {project, t.user.id}))
                       return;
                     with_quota_and_usage(
                         ctx, rr, project,
                         [v, project](responder& r3, compute_quota_set& q, compute_usage& u) {
                           nlohmann::json j = {{"id", project}};
                           for (const auto& name : compute_quota_resources())
                             if (compute_quota_shown(name, v.minor))
                               j[name] = {{"limit", q.limit(name)},
                                          {"in_use", in_use_of(u, name)},
                                          {"reserved", 0}};
                           respond(r3, 200, {{"quota_set", j}});
                         });
                   });
      });

  add_compute_route(
      router, ctx, http_method::put, quotas_path + "/:project_id",
      [&ctx](const Request& req, std::shared_ptr<responder> r, microversion v) {
        auto body = json_request(ctx, req, *r, "compute_quota_set_update");
        if (!body) return;
        compute_quota::update u;
        for (const auto& [key, value] : (*body)["quota_set"].items()) {
          if (key == "force") {
            u.force = value.is_boolean() ? value.get<bool>() : query_flag(value.get<std::string>());
            continue;
          }
          // networks is nova-network's; accepted and dropped, as Nova
          // does once the service is gone.
          if (key == "networks") continue;
          if (!compute_quota_shown(key, v.minor))
            return respond_error(*r, 400,
                                 "Invalid input for field/attribute quota_set. Additional "
                                 "properties are not allowed ('" +
                                     key + "' was unexpected)");
          const std::int64_t limit = value.is_number_integer()
                                         ? value.get<std::int64_t>()
                                         : std::stoll(value.get<std::string>());
          // The schema's maximum does not reach digit strings (as in Nova).
          if (limit > std::numeric_limits<std::int32_t>::max())
            return respond_error(*r, 400,
                                 "Invalid input for field/attribute " + key + ". Value: " +
                                     std::to_string(limit) + ". " + std::to_string(limit) +
                                     " is greater than the maximum of 2147483647");
          u.limits[key] = limit;
        }
        const std::string project = param_of(req, ":project_id");
        with_token(ctx, auth_token_of(req), r,
                   [&ctx, v, project, u](std::shared_ptr<responder> rr, token_info& t) {
                     if (!enforce(*rr, ctx, t, "os_compute_api:os-quota-sets:update",
                                  {project, t.user.id}))
                       return;
                     event_metadata meta{rr->request_id(), t.user.id};
                     ctx.bridge.ask<compute_quota_set>(
                         rr, ctx.compute,
                         [v](responder& r3, compute_quota_set& q) {
                           respond(r3, 200, {{"quota_set", quota_set_json(q, "", v)}});
                         },
                         compute_quota_atom::value, project, compute_quota::command{u},
                         std::move(meta));
                   });
      });

  add_compute_route(
      router, ctx, http_method::del, quotas_path + "/:project_id",
      [&ctx](const Request& req, std::shared_ptr<responder> r, microversion) {
        const std::string project = param_of(req, ":project_id");
        with_token(ctx, auth_token_of(req), r,
                   [&ctx, project](std::shared_ptr<responder> rr, token_info& t) {
                     if (!enforce(*rr, ctx, t, "os_compute_api:os-quota-sets:delete",
                                  {project, t.user.id}))
                       return;
                     event_metadata meta{rr->request_id(), t.user.id};
                     ctx.bridge.ask<compute_quota_set>(
                         rr, ctx.compute,
                         [](responder& r3, compute_quota_set&) { respond(r3, 202, no_body); },
                         compute_quota_atom::value, project,
                         compute_quota::command{compute_quota::reset{}}, std::move(meta));
                   });
      });
}

}  // namespace cumulo::api
