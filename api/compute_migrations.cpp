// Nova's migrations: GET /os-migrations (admin) lists the moves of the
// live servers (resize, cold and live migration), with the filters Nova
// takes (host, status, instance_uuid, migration_type, source_compute);
// 2.23 adds migration_type and links, 2.59 uuid, 2.80 user_id and
// project_id. GET /servers/{id}/migrations[/{mid}] (2.23) shows a server's
// live migration while it runs. Each move is the instance's record (its
// events: instance.resize_requested ... instance.resize_confirmed).
#include <cstdlib>

#include "actors/conductor.hpp"
#include "actors/instance.hpp"
#include "api/auth.hpp"
#include "api/compute.hpp"
#include "api/compute_servers.hpp"
#include "engine/clock.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

using nlohmann::json;
using Pistache::Rest::Request;

// Nova's migration id is an integer; ours is a uuid. The integer is the
// uuid's first 31 bits: stable, and the uuid itself is shown from 2.59.
std::int64_t migration_number(const std::string& uuid) {
  std::string hex;
  for (char c : uuid)
    if (std::isxdigit(static_cast<unsigned char>(c)) && hex.size() < 8) hex += c;
  return static_cast<std::int64_t>(std::strtoul(hex.c_str(), nullptr, 16) & 0x7fffffffu);
}

// Nova's flavor ids in a migration are its internal integers: ours when
// the flavor's id is one, else 0.
json flavor_number(const std::string& id) {
  if (id.empty() || id.size() > 18 || id.find_first_not_of("0123456789") != std::string::npos)
    return 0;
  return std::stoll(id);
}

json migration_json(const instance_state& s, const instance::migration& m, microversion v,
                    const std::string& url) {
  json j = {{"id", migration_number(m.id)},
            {"status", m.status},
            {"instance_uuid", s.id},
            {"source_compute", m.source_host},
            {"source_node", m.source_host},
            {"dest_compute", m.dest_host.empty() ? json(nullptr) : json(m.dest_host)},
            {"dest_node", m.dest_host.empty() ? json(nullptr) : json(m.dest_host)},
            {"dest_host", m.dest_host.empty() ? json(nullptr) : json("127.0.0.1")},
            {"old_instance_type_id", flavor_number(m.old_flavor.id)},
            {"new_instance_type_id", flavor_number(m.new_flavor.id)},
            {"created_at", format_iso8601(m.created_at_us)},
            {"updated_at", format_iso8601(m.updated_at_us)}};
  if (v.at_least(23)) {
    j["migration_type"] = m.type;
    // Links only for a live migration that runs (Nova's in-progress ones).
    if (m.type == "live-migration" && (m.status == "running" || m.status == "preparing")) {
      const std::string href =
          url + "/servers/" + s.id + "/migrations/" + std::to_string(migration_number(m.id));
      j["links"] =
          json::array({{{"rel", "self"}, {"href", href}}, {{"rel", "bookmark"}, {"href", href}}});
    }
  }
  if (v.at_least(59)) j["uuid"] = m.id;
  if (v.at_least(80)) {
    j["user_id"] = s.user_id;
    j["project_id"] = s.project_id;
  }
  return j;
}

// A server's live migration as /servers/{id}/migrations shows it.
json server_migration_json(const instance_state& s, const instance::migration& m, microversion v) {
  json j = {{"id", migration_number(m.id)},
            {"server_uuid", s.id},
            {"status", m.status},
            {"source_compute", m.source_host},
            {"source_node", m.source_host},
            {"dest_compute", m.dest_host},
            {"dest_node", m.dest_host},
            {"dest_host", "127.0.0.1"},
            {"memory_total_bytes", nullptr},
            {"memory_processed_bytes", nullptr},
            {"memory_remaining_bytes", nullptr},
            {"disk_total_bytes", nullptr},
            {"disk_processed_bytes", nullptr},
            {"disk_remaining_bytes", nullptr},
            {"created_at", format_iso8601(m.created_at_us)},
            {"updated_at", format_iso8601(m.updated_at_us)}};
  if (v.at_least(59)) j["uuid"] = m.id;
  if (v.at_least(80)) {
    j["user_id"] = s.user_id;
    j["project_id"] = s.project_id;
  }
  return j;
}

struct migration_filter {
  std::optional<std::string> host, status, instance_uuid, type, source_compute;
  bool matches(const instance_state& s, const instance::migration& m) const {
    if (host && m.source_host != *host && m.dest_host != *host) return false;
    if (status && m.status != *status) return false;
    if (instance_uuid && s.id != *instance_uuid) return false;
    if (type && m.type != *type) return false;
    if (source_compute && m.source_host != *source_compute) return false;
    return true;
  }
};

bool live_running(const instance_state& s) {
  return s.migration && s.migration->type == "live-migration" &&
         s.task_state == task_states::migrating;
}

}  // namespace

void add_migration_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_compute_route(
      router, ctx, http_method::get, compute_root + "/os-migrations",
      [&ctx](const Request& req, std::shared_ptr<responder> r, microversion v) {
        migration_filter f{query_of(req, "host"), query_of(req, "status"),
                           query_of(req, "instance_uuid"), query_of(req, "migration_type"),
                           query_of(req, "source_compute")};
        const auto limit = query_number(req, *r, "limit");
        if (!limit.ok) return;
        const std::string url = compute_url(req, ctx);
        with_token(
            ctx, auth_token_of(req), r,
            [&ctx, v, f, limit, url](std::shared_ptr<responder> rr, token_info& t) {
              if (!enforce(*rr, ctx, t, "os_compute_api:os-migrations:index",
                           {project_of(t), t.user.id}))
                return;
              ctx.bridge.ask<std::vector<instance_state>>(
                  rr, ctx.conductor,
                  [v, f, limit, url](responder& r3, std::vector<instance_state>& all) {
                    // Newest first, as Nova sorts them (created_at desc).
                    std::vector<std::pair<const instance_state*, const instance::migration*>> found;
                    for (const auto& s : all) {
                      for (const auto& m : s.migrations)
                        if (f.matches(s, m)) found.emplace_back(&s, &m);
                      if (s.migration && f.matches(s, *s.migration))
                        found.emplace_back(&s, &*s.migration);
                    }
                    std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
                      return a.second->created_at_us > b.second->created_at_us;
                    });
                    json out = json::array();
                    for (const auto& [s, m] : found) {
                      if (limit.value && static_cast<std::int64_t>(out.size()) >= *limit.value)
                        break;
                      out.push_back(migration_json(*s, *m, v, url));
                    }
                    respond(r3, 200, {{"migrations", out}});
                  },
                  list_atom::value, instance_atom::value);
            });
      });

  add_server_route(
      router, ctx, http_method::get, servers_path + "/:id/migrations",
      [&ctx](const Request& req, std::shared_ptr<responder> r, int minor) {
        if (minor < 23) return respond_error(*r, 404, "The resource could not be found.");
        on_visible_server(
            ctx, req, r, "os_compute_api:servers:migrations:index",
            [minor](std::shared_ptr<responder> rr, const token_info&, instance_state& s) {
              json out = json::array();
              if (live_running(s))
                out.push_back(server_migration_json(s, *s.migration, microversion{minor}));
              respond(*rr, 200, {{"migrations", out}});
            });
      });

  add_server_route(
      router, ctx, http_method::get, servers_path + "/:id/migrations/:mid",
      [&ctx](const Request& req, std::shared_ptr<responder> r, int minor) {
        if (minor < 23) return respond_error(*r, 404, "The resource could not be found.");
        const std::string mid = param_of(req, ":mid");
        on_visible_server(
            ctx, req, r, "os_compute_api:servers:migrations:show",
            [minor, mid](std::shared_ptr<responder> rr, const token_info&, instance_state& s) {
              if (live_running(s) && std::to_string(migration_number(s.migration->id)) == mid)
                return respond(
                    *rr, 200,
                    {{"migration", server_migration_json(s, *s.migration, microversion{minor})}});
              respond_error(*rr, 404,
                            "Migration " + mid + " for instance " + s.id + " could not be found.");
            });
      });
}

}  // namespace cumulo::api
