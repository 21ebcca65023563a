// Nova's os-simple-tenant-usage: GET /os-simple-tenant-usage (admins: every
// project; `detailed=1` adds each server) and GET
// /os-simple-tenant-usage/{tenant_id} (the project's members), over the
// window [start, end) (each defaults to now, as Nova's). Computed exactly
// from the instances' event streams, deleted servers' too
// (engine/tenant_usage.hpp). 2.40 adds limit and marker over servers.
#include "actors/messages.hpp"
#include "api/auth.hpp"
#include "api/compute.hpp"
#include "engine/clock.hpp"
#include "engine/tenant_usage.hpp"
#include "store/wall_clock.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

using nlohmann::json;
using Pistache::Rest::Request;

const std::string usage_path = compute_root + "/os-simple-tenant-usage";

// Nova prints naive ISO times with microseconds: 2012-10-08T21:10:44.587336.
std::string nova_time(std::int64_t us) {
  auto t = format_iso8601_us(us);
  if (!t.empty() && t.back() == 'Z') t.pop_back();
  return t;
}

// Nova's formats: "%Y-%m-%dT%H:%M:%S" with an optional fraction, or a space
// for the T; a date alone is its midnight. Absent: now.
std::optional<std::int64_t> parse_time(const std::optional<std::string>& text, std::int64_t now) {
  if (!text || text->empty()) return now;
  std::string t = *text;
  if (t.size() == 10) t += "T00:00:00";
  if (t.size() > 10 && t[10] == ' ') t[10] = 'T';
  return parse_iso8601(t);
}

struct window {
  std::int64_t start = 0, end = 0, now = 0;
};

// The window from the query, or nothing once the 400 is answered.
std::optional<window> window_of(const Request& req, responder& r) {
  window w;
  w.now = now_us();
  auto start = parse_time(query_of(req, "start"), w.now);
  auto end = parse_time(query_of(req, "end"), w.now);
  if (!start || !end) {
    respond_error(r, 400, "Datetime is in invalid format");
    return std::nullopt;
  }
  if (*start > *end) {
    respond_error(r, 400, "Invalid start time. The start time cannot occur after the end time.");
    return std::nullopt;
  }
  w.start = *start;
  w.end = *end;
  return w;
}

json server_json(const server_usage& s, const window& w) {
  const std::int64_t until = s.ended_at_us ? s.ended_at_us : w.now;
  return {{"instance_id", s.instance_id},
          {"name", s.name},
          {"tenant_id", s.tenant_id},
          {"flavor", s.flavor.name},
          {"vcpus", s.flavor.vcpus},
          {"memory_mb", s.flavor.memory_mb},
          {"local_gb", s.flavor.root_gb + s.flavor.ephemeral_gb},
          {"hours", s.hours},
          {"started_at", nova_time(s.started_at_us)},
          {"ended_at", s.ended_at_us ? json(nova_time(s.ended_at_us)) : json(nullptr)},
          {"state", s.state},
          {"uptime", (until - s.started_at_us) / 1000000}};
}

json tenant_json(const tenant_usage& t, const window& w, bool detailed,
                 const std::vector<const server_usage*>* only = nullptr) {
  json j = {{"tenant_id", t.tenant_id},
            {"total_hours", t.total_hours},
            {"total_vcpus_usage", t.total_vcpus_usage},
            {"total_memory_mb_usage", t.total_memory_mb_usage},
            {"total_local_gb_usage", t.total_local_gb_usage},
            {"start", nova_time(w.start)},
            {"stop", nova_time(w.end)}};
  if (!detailed) return j;
  j["server_usages"] = json::array();
  if (only)
    for (const auto* s : *only) j["server_usages"].push_back(server_json(*s, w));
  else
    for (const auto& s : t.servers) j["server_usages"].push_back(server_json(s, w));
  return j;
}

void with_usage(server_context& ctx, std::shared_ptr<responder> r, window w,
                std::function<void(responder&, std::map<std::string, tenant_usage>&)> then) {
  ctx.bridge.ask<recorded_events>(
      std::move(r), ctx.journal,
      [w, then](responder& rr, recorded_events& events) {
        auto usage = usage_by_tenant(events, w.start, w.end, w.now);
        then(rr, usage);
      },
      read_atom::value, list_atom::value, std::string("instance"));
}

}  // namespace

void add_usage_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_compute_route(
      router, ctx, http_method::get, usage_path,
      [&ctx](const Request& req, std::shared_ptr<responder> r, microversion v) {
        // An empty tenant id (Pistache drops the trailing slash): Nova's 404.
        if (!req.resource().empty() && req.resource().back() == '/')
          return respond_error(*r, 404, "The resource could not be found.");
        auto w = window_of(req, *r);
        if (!w) return;
        const auto detailed_q = query_of(req, "detailed");
        const bool detailed = detailed_q && (*detailed_q == "1" || query_flag(*detailed_q));
        std::optional<std::int64_t> limit;
        std::string marker;
        if (v.at_least(40)) {
          const auto l = query_number(req, *r, "limit");
          if (!l.ok) return;
          limit = l.value;
          marker = query_of(req, "marker").value_or("");
        }
        with_token(
            ctx, auth_token_of(req), r,
            [&ctx, w = *w, detailed, limit, marker](std::shared_ptr<responder> rr, token_info& t) {
              if (!enforce(*rr, ctx, t, "os_compute_api:os-simple-tenant-usage:list",
                           {project_of(t), t.user.id}))
                return;
              with_usage(ctx, rr, w,
                         [w, detailed, limit, marker](responder& r3,
                                                      std::map<std::string, tenant_usage>& usage) {
                           // 2.40's paging runs over the servers, in order.
                           json out = json::array();
                           bool past_marker = marker.empty();
                           std::int64_t taken = 0;
                           for (const auto& [_, tu] : usage) {
                             std::vector<const server_usage*> page;
                             for (const auto& s : tu.servers) {
                               if (!past_marker) {
                                 past_marker = s.instance_id == marker;
                                 continue;
                               }
                               if (limit && taken >= *limit) break;
                               page.push_back(&s);
                               ++taken;
                             }
                             if (!page.empty() || (!limit && marker.empty()))
                               out.push_back(tenant_json(tu, w, detailed, &page));
                           }
                           if (!past_marker)
                             return respond_error(r3, 400, "marker [" + marker + "] not found");
                           respond(r3, 200, {{"tenant_usages", out}});
                         });
            });
      });

  add_compute_route(
      router, ctx, http_method::get, usage_path + "/:tenant_id",
      [&ctx](const Request& req, std::shared_ptr<responder> r, microversion) {
        auto w = window_of(req, *r);
        if (!w) return;
        const std::string tenant = param_of(req, ":tenant_id");
        with_token(ctx, auth_token_of(req), r,
                   [&ctx, w = *w, tenant](std::shared_ptr<responder> rr, token_info& t) {
                     if (!enforce(*rr, ctx, t, "os_compute_api:os-simple-tenant-usage:show",
                                  {tenant, t.user.id}))
                       return;
                     with_usage(
                         ctx, rr, w,
                         [w, tenant](responder& r3, std::map<std::string, tenant_usage>& usage) {
                           auto it = usage.find(tenant);
                           if (it == usage.end())
                             return respond(r3, 200, {{"tenant_usage", json::object()}});
                           respond(r3, 200, {{"tenant_usage", tenant_json(it->second, w, true)}});
                         });
                   });
      });
}

}  // namespace cumulo::api
