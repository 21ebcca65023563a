// Cinder's quota sets (GET /os-quota-sets/{project_id}[?usage=True],
// /os-quota-sets/{project_id}/defaults: the fixed resources and the three
// of each volume type; an admin's PUT and DELETE) and limits (GET /limits: the caller's project's
// absolute limits and what it uses). The door keeps the limits and counts
// the usage (creates in flight included).
#include "api/volume.hpp"

#include <algorithm>

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

using nlohmann::json;
using Pistache::Rest::Request;

std::int64_t used_of(const volume_usage& u, const std::string& resource) {
  auto it = u.find(resource);
  return it == u.end() ? 0 : it->second;
}

// A quota set as Cinder shows one: every resource's limit, or with usage
// {limit, in_use, reserved} (the door's usage counts what is reserved as in
// use).
json quota_set_json(const volume_quota_set& q, const std::string& project,
                    const std::vector<volume_type_state>& types, const volume_usage* usage) {
  json j = json::object();
  j["id"] = project;
  auto put = [&](const std::string& resource) {
    const std::int64_t limit = q.limit(resource);
    if (!usage) {
      j[resource] = limit;
      return;
    }
    j[resource] = {{"limit", limit}, {"in_use", used_of(*usage, resource)}, {"reserved", 0}};
  };
  for (const auto& resource : volume_quota_resources()) put(resource);
  for (const auto& t : types)
    for (const auto& resource : volume_type_quota_resources(t.name)) put(resource);
  return j;
}

using quota_then = std::function<void(responder&, volume_quota_state&,
                                      std::vector<volume_type_state>&, volume_usage&)>;

// A project's limits, the types (for their per-type resources) and its
// usage, asked one after the other of the door; then `then`.
void with_quota(server_context& ctx, std::shared_ptr<responder> r, const std::string& project,
                quota_then then) {
  ctx.bridge.ask<volume_quota_state>(
      std::move(r), ctx.block_storage,
      [&ctx, project, then](std::shared_ptr<responder> r2, volume_quota_state& q) {
        ctx.bridge.ask<std::vector<volume_type_state>>(
            r2, ctx.block_storage,
            [&ctx, project, then, q](std::shared_ptr<responder> r3,
                                     std::vector<volume_type_state>& types) {
              ctx.bridge.ask<volume_usage>(
                  r3, ctx.block_storage,
                  [then, q, types](responder& r4, volume_usage& u) mutable {
                    then(r4, q, types, u);
                  },
                  caf::get_atom::value, volume_quota_atom::value, project, usage_atom::value);
            },
            list_atom::value, volume_type_atom::value);
      },
      caf::get_atom::value, volume_quota_atom::value, project);
}

}  // namespace

void add_volume_limits_routes(Pistache::Rest::Router& router, server_context& ctx) {
  const std::string quotas = "/os-quota-sets/:project_id";

  // OSC's `quota show` asks ?usage=False, for its own project or the one it
  // names; another project's is an admin's to read.
  add_volume_route(
      router, ctx, http_method::get, quotas,
      [&ctx](const Request& req, std::shared_ptr<responder> r, const volume_call& c) {
        const std::string project = param_of(req, ":project_id");
        bool usage = false;
        if (auto text = query_of(req, "usage")) {
          auto b = cinder_bool_text(*text);
          if (!b) {
            respond_error(*r, 400, "Value '" + *text + "' for 'usage' is not a boolean.");
            return;
          }
          usage = *b;
        }
        with_volume_caller(
            ctx, c, r, [&ctx, project, usage](std::shared_ptr<responder> rr, token_info& t) {
              if (!enforce(*rr, ctx, t, "volume_extension:quotas:show", {project, t.user.id}))
                return;
              with_quota(ctx, rr, project,
                         [project, usage](responder& r3, volume_quota_state& q,
                                          std::vector<volume_type_state>& types, volume_usage& u) {
                           respond(r3, 200,
                                   {{"quota_set", quota_set_json(q.limits, project, types,
                                                                 usage ? &u : nullptr)}});
                         });
            });
      });

  add_volume_route(
      router, ctx, http_method::get, quotas + "/defaults",
      [&ctx](const Request& req, std::shared_ptr<responder> r, const volume_call& c) {
        const std::string project = param_of(req, ":project_id");
        with_volume_caller(
            ctx, c, r, [&ctx, project](std::shared_ptr<responder> rr, token_info& t) {
              if (!enforce(*rr, ctx, t, "volume_extension:quotas:show", {project, t.user.id}))
                return;
              ctx.bridge.ask<std::vector<volume_type_state>>(
                  rr, ctx.block_storage,
                  [project](responder& r3, std::vector<volume_type_state>& types) {
                    respond(r3, 200,
                            {{"quota_set",
                              quota_set_json(volume_quota_set{}, project, types, nullptr)}});
                  },
                  list_atom::value, volume_type_atom::value);
            });
      });

  // An admin's limits: integers or their strings (cinderclient sends what
  // the user typed); the machine refuses unknown keys and limits below the
  // usage in Cinder's words. The answer is the whole set, without its id.
  add_volume_route(
      router, ctx, http_method::put, quotas,
      [&ctx](const Request& req, std::shared_ptr<responder> r, const volume_call& c) {
        const std::string project = param_of(req, ":project_id");
        auto body = json_request(ctx, req, *r, "volume_quota_update");
        if (!body) return;
        volume_quota::update u;
        for (const auto& [key, value] : body->at("quota_set").items()) {
          // cinderclient names the project in the body too: the URL's counts.
          if (value.is_null() || key == "tenant_id") continue;
          std::optional<std::int64_t> n;
          if (value.is_number_integer()) {
            n = value.get<std::int64_t>();
          } else {
            const auto& text = value.get_ref<const std::string&>();
            const bool digits = !text.empty() && text.size() <= 18 &&
                                std::all_of(text.begin() + (text[0] == '-' ? 1 : 0), text.end(),
                                            [](char ch) { return ch >= '0' && ch <= '9'; }) &&
                                text != "-";
            if (digits) n = std::stoll(text);
          }
          if (!n)
            return respond_error(
                *r, 400,
                "Invalid input received: Quota value for key '" + key + "' must be an integer.");
          u.limits[key] = *n;
        }
        with_volume_caller(
            ctx, c, r, [&ctx, project, u](std::shared_ptr<responder> rr, token_info& t) {
              if (!enforce(*rr, ctx, t, "volume_extension:quotas:update", {project, t.user.id}))
                return;
              ctx.bridge.ask<volume_quota_state>(
                  rr, ctx.block_storage,
                  [&ctx, project](std::shared_ptr<responder> r3, volume_quota_state&) {
                    with_quota(ctx, r3, project,
                               [project](responder& r4, volume_quota_state& q,
                                         std::vector<volume_type_state>& types, volume_usage&) {
                                 auto j = quota_set_json(q.limits, project, types, nullptr);
                                 j.erase("id");
                                 respond(r4, 200, {{"quota_set", j}});
                               });
                  },
                  command_atom::value, volume_quota_atom::value, project, volume_quota::command{u},
                  meta_of(*rr, t));
            });
      });

  // Back to the defaults (Cinder answers 200 with no body).
  add_volume_route(
      router, ctx, http_method::del, quotas,
      [&ctx](const Request& req, std::shared_ptr<responder> r, const volume_call& c) {
        const std::string project = param_of(req, ":project_id");
        with_volume_caller(
            ctx, c, r, [&ctx, project](std::shared_ptr<responder> rr, token_info& t) {
              if (!enforce(*rr, ctx, t, "volume_extension:quotas:delete", {project, t.user.id}))
                return;
              ctx.bridge.ask<volume_quota_state>(
                  rr, ctx.block_storage,
                  [](responder& r3, volume_quota_state&) { respond(r3, 200, no_body); },
                  command_atom::value, volume_quota_atom::value, project,
                  volume_quota::command{volume_quota::reset{}}, meta_of(*rr, t));
            });
      });

  // The caller's project's; the used ones under their own rule, as Cinder's
  // used_limits extension adds them.
  add_volume_route(
      router, ctx, http_method::get, "/limits",
      [&ctx](const Request&, std::shared_ptr<responder> r, const volume_call& c) {
        with_volume_caller(ctx, c, r, [&ctx](std::shared_ptr<responder> rr, token_info& t) {
          const std::string project = caller_project(t);
          const bool used =
              ctx.rules.allowed("limits_extension:used_limits", t.creds(), {project, t.user.id});
          with_quota(
              ctx, rr, project,
              [used](responder& r3, volume_quota_state& quota, std::vector<volume_type_state>&,
                     volume_usage& u) {
                const auto& q = quota.limits;
                json absolute = {{"maxTotalVolumes", q.limit("volumes")},
                                 {"maxTotalSnapshots", q.limit("snapshots")},
                                 {"maxTotalVolumeGigabytes", q.limit("gigabytes")},
                                 {"maxTotalBackups", q.limit("backups")},
                                 {"maxTotalBackupGigabytes", q.limit("backup_gigabytes")}};
                if (used) {
                  absolute["totalVolumesUsed"] = used_of(u, "volumes");
                  absolute["totalGigabytesUsed"] = used_of(u, "gigabytes");
                  absolute["totalSnapshotsUsed"] = used_of(u, "snapshots");
                  absolute["totalBackupsUsed"] = 0;
                  absolute["totalBackupGigabytesUsed"] = 0;
                }
                respond(r3, 200, {{"limits", {{"rate", json::array()}, {"absolute", absolute}}}});
              });
        });
      });
}

}  // namespace cumulo::api
