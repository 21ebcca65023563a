// Nova's server groups (/os-server-groups): create, list (the project's;
// an admin's all_projects), show, delete. Before 2.64 a group has
// `policies` (one of them) and `metadata`; from 2.64 `policy` and `rules`
// (max_server_per_host, anti-affinity only); project_id and user_id from
// 2.13; the soft policies from 2.15. The compute door keeps the groups and
// their quotas; members join at a server's create (scheduler hint group).
#include "actors/compute.hpp"
#include "api/auth.hpp"
#include "api/compute.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

using nlohmann::json;
using Pistache::Rest::Request;

const std::string groups_path = compute_root + "/os-server-groups";

json group_json(const server_group_state& g, microversion v) {
  json j = {{"id", g.id}, {"name", g.name}, {"members", g.members}};
  if (v.at_least(64)) {
    j["policy"] = g.policy;
    j["rules"] = json::object();
    if (g.max_server_per_host > 0) j["rules"]["max_server_per_host"] = g.max_server_per_host;
  } else {
    j["policies"] = json::array({g.policy});
    j["metadata"] = json::object();
  }
  if (v.at_least(13)) {
    j["project_id"] = g.project_id;
    j["user_id"] = g.user_id;
  }
  return j;
}

bool visible(const server_group_state& g, const token_info& t) {
  return t.is_admin() || (t.project && t.project->id == g.project_id);
}

void respond_group_not_found(responder& r, const std::string& id) {
  respond_error(r, 404, "Instance group " + id + " could not be found.");
}

// The body as Nova's schemas for the version take it: the create, or
// nothing once the 400 is answered.
std::optional<server_group::create> parse_create(responder& r, const json& g, microversion v) {
  server_group::create c;
  c.name = g["name"].get<std::string>();
  auto invalid = [&](const std::string& why) {
    respond_error(r, 400, "Invalid input for field/attribute server_group. " + why);
    return std::nullopt;
  };
  if (v.at_least(64)) {
    if (g.contains("policies"))
      return invalid("Additional properties are not allowed ('policies' was unexpected)");
    if (!g.contains("policy") || !g["policy"].is_string())
      return invalid("'policy' is a required property");
    c.policy = g["policy"].get<std::string>();
    if (g.contains("rules")) {
      const auto& rules = g["rules"];
      if (!rules.is_object()) return invalid("rules is not of type 'object'");
      for (const auto& [k, val] : rules.items()) {
        if (k != "max_server_per_host")
          return invalid("Additional properties are not allowed ('" + k + "' was unexpected)");
        long long n = 0;
        if (val.is_number_integer())
          n = val.get<long long>();
        else if (val.is_string() && is_small_integer(val.get<std::string>()))
          n = std::stoll(val.get<std::string>());
        else
          return invalid("max_server_per_host is not of type 'integer'");
        if (n < 1) return invalid("max_server_per_host is less than the minimum of 1");
        c.max_server_per_host = n;
      }
    }
  } else {
    if (g.contains("policy") || g.contains("rules"))
      return invalid("Additional properties are not allowed ('policy' was unexpected)");
    if (!g.contains("policies") || !g["policies"].is_array() || g["policies"].size() != 1 ||
        !g["policies"][0].is_string())
      return invalid("'policies' must hold exactly one policy");
    c.policy = g["policies"][0].get<std::string>();
    // The soft policies came with 2.15.
    if (!v.at_least(15) && c.policy.rfind("soft-", 0) == 0)
      return invalid("'" + c.policy + "' is not one of ['anti-affinity', 'affinity']");
  }
  return c;
}

}  // namespace

void add_server_group_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_compute_route(
      router, ctx, http_method::post, groups_path,
      [&ctx](const Request& req, std::shared_ptr<responder> r, microversion v) {
        auto body = json_request(ctx, req, *r, "compute_server_group_create");
        if (!body) return;
        auto c = parse_create(*r, (*body)["server_group"], v);
        if (!c) return;
        with_token(ctx, auth_token_of(req), r,
                   [&ctx, v, c = *c](std::shared_ptr<responder> rr, token_info& t) mutable {
                     if (!t.project)
                       return respond_forbidden(*rr, "os_compute_api:os-server-groups:create");
                     c.project_id = t.project->id;
                     c.user_id = t.user.id;
                     if (!enforce(*rr, ctx, t, "os_compute_api:os-server-groups:create",
                                  {c.project_id, c.user_id}))
                       return;
                     ctx.bridge.ask<server_group_state>(
                         rr, ctx.compute,
                         [v](responder& r3, server_group_state& g) {
                           respond(r3, 200, {{"server_group", group_json(g, v)}});
                         },
                         command_atom::value, server_group_atom::value, std::move(c),
                         event_metadata{rr->request_id(), t.user.id, t.is_admin()});
                   });
      });

  add_compute_route(
      router, ctx, http_method::get, groups_path,
      [&ctx](const Request& req, std::shared_ptr<responder> r, microversion v) {
        const auto all_projects = query_of(req, "all_projects");
        const bool all = all_projects && (all_projects->empty() || query_flag(*all_projects));
        const auto limit = query_number(req, *r, "limit");
        if (!limit.ok) return;
        const auto offset = query_number(req, *r, "offset");
        if (!offset.ok) return;
        with_token(
            ctx, auth_token_of(req), r,
            [&ctx, v, all, limit, offset](std::shared_ptr<responder> rr, token_info& t) {
              const target own{project_of(t), t.user.id};
              if (!enforce(*rr, ctx, t, "os_compute_api:os-server-groups:index", own)) return;
              if (all &&
                  !enforce(*rr, ctx, t, "os_compute_api:os-server-groups:index:all_projects", own))
                return;
              ctx.bridge.ask<std::vector<server_group_state>>(
                  rr, ctx.compute,
                  [v, all, t, limit, offset](responder& r3, std::vector<server_group_state>& gs) {
                    json out = json::array();
                    std::int64_t skipped = 0;
                    for (const auto& g : gs) {
                      if (!(all ? t.is_admin() : (t.project && g.project_id == t.project->id)))
                        continue;
                      if (offset.value && skipped++ < *offset.value) continue;
                      if (limit.value && static_cast<std::int64_t>(out.size()) >= *limit.value)
                        break;
                      out.push_back(group_json(g, v));
                    }
                    respond(r3, 200, {{"server_groups", out}});
                  },
                  list_atom::value, server_group_atom::value);
            });
      });

  add_compute_route(
      router, ctx, http_method::get, groups_path + "/:id",
      [&ctx](const Request& req, std::shared_ptr<responder> r, microversion v) {
        const std::string id = param_of(req, ":id");
        with_token(ctx, auth_token_of(req), r,
                   [&ctx, v, id](std::shared_ptr<responder> rr, token_info& t) {
                     ctx.bridge.ask<server_group_state>(
                         rr, ctx.compute,
                         [&ctx, v, id, t](std::shared_ptr<responder> r3, server_group_state& g) {
                           if (!visible(g, t)) return respond_group_not_found(*r3, id);
                           if (!enforce(*r3, ctx, t, "os_compute_api:os-server-groups:show",
                                        {g.project_id, g.user_id}))
                             return;
                           respond(*r3, 200, {{"server_group", group_json(g, v)}});
                         },
                         caf::get_atom::value, server_group_atom::value, id);
                   });
      });

  add_compute_route(
      router, ctx, http_method::del, groups_path + "/:id",
      [&ctx](const Request& req, std::shared_ptr<responder> r, microversion) {
        const std::string id = param_of(req, ":id");
        with_token(
            ctx, auth_token_of(req), r, [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
              ctx.bridge.ask<server_group_state>(
                  rr, ctx.compute,
                  [&ctx, id, t](std::shared_ptr<responder> r3, server_group_state& g) {
                    if (!visible(g, t)) return respond_group_not_found(*r3, id);
                    if (!enforce(*r3, ctx, t, "os_compute_api:os-server-groups:delete",
                                 {g.project_id, g.user_id}))
                      return;
                    ctx.bridge.ask<server_group_state>(
                        r3, ctx.compute,
                        [](responder& r4, server_group_state&) { respond(r4, 204, no_body); },
                        caf::delete_atom::value, server_group_atom::value, id,
                        event_metadata{r3->request_id(), t.user.id, t.is_admin()});
                  },
                  caf::get_atom::value, server_group_atom::value, id);
            });
      });
}

}  // namespace cumulo::api
