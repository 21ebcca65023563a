// Cinder v3 at /volume: version discovery, microversions (3.0-3.70), the
// registration every volume route uses (volume.cpp: each route answers under
// /volume/v3/{project_id}/... and /volume/v3/..., as Cinder does), volumes
// (volume_volumes.cpp), their actions (volume_actions.cpp), snapshots
// (volume_snapshots.cpp), attachments (volume_attachments.cpp), the metadata of both
// (volume_metadata.cpp), types (volume_types.cpp), quota sets and limits (volume_limits.cpp), zones
// and services (volume.cpp); bodies in volume_views.cpp. A handler parses, asks the block storage
// door (actors/block_storage.hpp) and renders. The door answers whoever asks: which project sees
// what (its own; an admin all) and Cinder's policy rules are checked here.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/block_storage.hpp"
#include "api/auth.hpp"
#include "api/responder.hpp"
#include "api/routing.hpp"
#include "api/server_context.hpp"

namespace Pistache::Rest {
class Router;
class Request;
}  // namespace Pistache::Rest

namespace cumulo::api {

// A block storage microversion 3.<minor>.
struct volume_microversion {
  int minor = 0;
  bool at_least(int m) const { return minor >= m; }
  std::string text() const { return "3." + std::to_string(minor); }
};

// The range cumulo serves: 3.70 is the most the Debian cinderclient (9.1,
// OSC 6.0's volume commands) knows; openstacksdk 0.101 asks its volumes and
// snapshots for no version at all. Each route answers in the shape of the
// version asked (the fields 3.13 to 3.65 add to a volume and a snapshot);
// 3.67 (no project id in the URL) is served at every version, as by Cinder.
inline constexpr volume_microversion min_volume_microversion{0};
inline constexpr volume_microversion max_volume_microversion{70};

// The version of `OpenStack-API-Version: volume 3.X` ("latest" is the max;
// no volume entry is 3.0); otherwise a status (400 malformed, 406 out of
// range) and Cinder's message.
struct volume_microversion_result {
  volume_microversion version;
  int status = 0;  // 0: ok
  std::string error;
};
volume_microversion_result parse_volume_microversion(const std::string& openstack_api_version);

inline const std::string volume_root = "/volume/v3";
// Where the volumes live, as Cinder's host@backend#pool and its volume
// service's host@backend: the file backend of this process.
inline const std::string volume_backend_host = "cumulo@file";
inline const std::string volume_pool_host = "cumulo@file#file";

// What a volume route reads of its request before it asks anything.
struct volume_call {
  volume_microversion version;
  std::string url_project;  // the project id the URL names; "" when it names none
  std::string token;        // X-Auth-Token
  std::string base;         // "http://H", for links
};

using volume_handler = std::function<void(const Pistache::Rest::Request&,
                                          std::shared_ptr<responder>, const volume_call&)>;

// add_route for `path` (after /volume/v3) twice: with the project id in
// front and without. The microversion is negotiated first (400/406) and
// echoed on every answer (OpenStack-API-Version, Vary). The handler reads
// what it needs of the request synchronously: the request is gone once it
// asks an actor.
void add_volume_route(Pistache::Rest::Router& router, server_context& ctx, http_method method,
                      const std::string& path, volume_handler handler);

// The caller's token (401 otherwise), then Cinder's check of the URL: a
// project id there that is not the token's is a 400 "Malformed request
// url", whoever asks; then `then`.
void with_volume_caller(server_context& ctx, const volume_call& call, std::shared_ptr<responder> r,
                        token_handler then);

// The caller's project id ("" when unscoped), whether it may see a
// project's resources (its own; an admin every project's), and the
// metadata of the events a request causes.
std::string caller_project(const token_info& t);
bool sees_project(const token_info& t, const std::string& project);
event_metadata meta_of(const responder& r, const token_info& t);

// A volume (a snapshot) the caller may see, once `rule` allows it on that
// resource's project; 404 in Cinder's words for one it may not see (another
// project's included), 403 for a rule that refuses.
void on_visible_volume(server_context& ctx, std::shared_ptr<responder> r, const token_info& t,
                       const std::string& id, const std::string& rule,
                       std::function<void(std::shared_ptr<responder>, volume_state&)> then);
void on_visible_snapshot(
    server_context& ctx, std::shared_ptr<responder> r, const token_info& t, const std::string& id,
    const std::string& rule,
    std::function<void(std::shared_ptr<responder>, volume_snapshot_state&)> then);

// Cinder's booleans (oslo's strict bool_from_string): true, "True", "1",
// "yes", "on", "y", "t" ... and their false forms; nothing for anything
// else.
std::optional<bool> cinder_bool(const nlohmann::json& value);
std::optional<bool> cinder_bool_text(const std::string& text);
// A name or a description as Cinder keeps it: without leading and trailing
// white space.
std::string cinder_trimmed(const std::string& text);
// A metadata key Cinder's schema refuses (1 to 255 of letters, digits and
// "-_:. /"): the 400 it answers; nothing when all the keys fit.
std::optional<std::string> metadata_keys_error(const nlohmann::json& metadata,
                                               const std::string& field);
// 400 "Invalid input for field/attribute <field>. Value: <v>. '<v>' is not
// a 'uuid'" when `value` is a string that is not a UUID; false then.
bool uuid_or_refuse(responder& r, const std::string& field, const std::string& value);

// --- bodies (volume_views.cpp) ---

// Cinder's time stamps: "2026-11-25T10:00:00.000000", no zone; null for 0.
nlohmann::json cinder_time(std::int64_t time_us);
// The detail of a volume as `call`'s version shows it to the caller (the
// tenant attribute to whoever may see it, the host and migration fields to
// an admin).
nlohmann::json volume_json(const volume_state& v, const token_info& t, const volume_call& call,
                           const cumulo::policy& rules);
// GET /volumes: id, name, links.
nlohmann::json volume_summary_json(const volume_state& v, const token_info& t,
                                   const volume_call& call);
// A snapshot; `detail` adds the extended attributes and the fields of the
// version (GET /snapshots shows neither).
nlohmann::json snapshot_json(const volume_snapshot_state& s, const token_info& t,
                             const volume_call& call, const cumulo::policy& rules, bool detail);
// A volume type; its extra specs as the caller may read them (an admin all,
// anyone else the ones Cinder calls user visible).
nlohmann::json volume_type_json(const volume_type_state& vt, const token_info& t,
                                const cumulo::policy& rules);
// The extra specs the caller may read: all of them (read_sensitive, an
// admin), else the ones Cinder calls user visible.
nlohmann::json visible_extra_specs(const volume_type_state& vt, const token_info& t,
                                   const cumulo::policy& rules);

// --- lists ---

// Cinder's paging of a list: marker, limit, offset and sort ("k1:asc,k2")
// or the older sort_key and sort_dir; created_at descending by default.
struct volume_page {
  std::optional<std::int64_t> limit;
  std::optional<std::string> marker;
  std::int64_t offset = 0;
  std::vector<std::pair<std::string, bool>> sort;  // key, ascending
  std::map<std::string, std::string> query;        // every parameter, for the next link
  bool with_count = false;                         // 3.45's count
};
// The page a request asks for, the keys it may sort on being `keys`;
// nothing once a 400 is answered in Cinder's words.
std::optional<volume_page> volume_page_of(const Pistache::Rest::Request& req, responder& r,
                                          const std::vector<std::string>& keys,
                                          volume_microversion v);
// The sort keys of volumes and snapshots, and their comparison on one of
// them (<0, 0, >0).
const std::vector<std::string>& volume_sort_keys();
template <class State>
int compare_on(const State& a, const State& b, const std::string& key) {
  auto cmp = [](const auto& x, const auto& y) { return x < y ? -1 : (y < x ? 1 : 0); };
  if (key == "created_at") return cmp(a.created_at_us, b.created_at_us);
  if (key == "updated_at") return cmp(a.updated_at_us, b.updated_at_us);
  if (key == "name") return cmp(a.name, b.name);
  if (key == "size") return cmp(a.size, b.size);
  if (key == "status") return cmp(a.status, b.status);
  return cmp(a.id, b.id);
}
// Sorts `all` by the page's keys, then keeps what comes after the marker,
// less the offset, at most limit of it. False when the marker is not in
// `all` (the caller answers 404, as Cinder does for a marker it cannot
// find).
template <class State>
bool apply_volume_page(std::vector<State>& all, const volume_page& p) {
  std::stable_sort(all.begin(), all.end(), [&](const State& a, const State& b) {
    for (const auto& [key, ascending] : p.sort) {
      const int c = compare_on(a, b, key);
      if (c != 0) return ascending ? c < 0 : c > 0;
    }
    return false;
  });
  auto first = all.begin();
  if (p.marker) {
    first = std::find_if(all.begin(), all.end(), [&](const State& s) { return s.id == *p.marker; });
    if (first == all.end()) return false;
    ++first;
  }
  const std::int64_t left = all.end() - first;
  const std::int64_t skip = std::min(p.offset, left);
  first += skip;
  auto last = all.end();
  if (p.limit && *p.limit < left - skip) last = first + *p.limit;
  all = std::vector<State>(first, last);
  return true;
}
// `<collection>_links` with the next page's URL when a limit was asked and
// the page is full (cinderclient follows it); nothing otherwise.
std::optional<nlohmann::json> next_links(const volume_call& call, const std::string& project,
                                         const std::string& collection, const volume_page& p,
                                         std::size_t shown, const std::string& last_id);

// A list's answer: `shown` (what the caller sees, filtered) paged by `p`
// under `collection` ("volumes", "snapshots"), with `<collection>_links`
// and 3.45's count; `render` makes one entry. A marker not in `shown` is
// Cinder's 404 "<kind> X could not be found."; `path` is the list's own
// ("volumes/detail").
template <class State, class Render>
void respond_volume_page(responder& r, std::vector<State> shown, const volume_page& p,
                         const volume_call& call, const std::string& project,
                         const std::string& collection, const std::string& path,
                         const std::string& kind, Render render) {
  const std::size_t count = shown.size();
  if (!apply_volume_page(shown, p))
    return respond_error(r, 404, kind + " " + *p.marker + " could not be found.");
  nlohmann::json list = nlohmann::json::array();
  for (const auto& s : shown) list.push_back(render(s));
  nlohmann::json body = {{collection, list}};
  if (auto next =
          next_links(call, project, path, p, shown.size(), shown.empty() ? "" : shown.back().id))
    body[collection + "_links"] = *next;
  if (p.with_count) body["count"] = count;
  respond(r, 200, body);
}

// A list route of Cinder's (GET /volumes, /snapshots and their /detail):
// the page and all_tenants read (400s in Cinder's words), `rule` enforced,
// the door's list of `kind`, what the caller sees (its project's; with an
// admin's all_tenants every project's; anyone else's all_tenants is
// ignored, as by Cinder) that `matches(state, query, is_admin)` keeps,
// then the page, each entry `render(state, token, call)`.
template <class State, class Atom, class Matches, class Render>
volume_handler volume_list_handler(server_context& ctx, std::string rule, Atom kind,
                                   std::string collection, std::string path, std::string kind_name,
                                   Matches matches, Render render) {
  return [&ctx, rule, kind, collection, path, kind_name, matches, render](
             const Pistache::Rest::Request& req, std::shared_ptr<responder> r,
             const volume_call& c) {
    auto page = volume_page_of(req, *r, volume_sort_keys(), c.version);
    if (!page) return;
    bool all = false;
    if (auto all_tenants = query_of(req, "all_tenants")) {
      auto b = cinder_bool_text(*all_tenants);
      if (!b)
        return respond_error(*r, 400,
                             "Value '" + *all_tenants + "' for 'all_tenants' is not a boolean.");
      all = *b;
    }
    with_volume_caller(
        ctx, c, r, [=, &ctx, p = *page](std::shared_ptr<responder> rr, token_info& t) {
          const std::string project = caller_project(t);
          if (!enforce(*rr, ctx, t, rule, {project, t.user.id})) return;
          ctx.bridge.template ask<std::vector<State>>(
              rr, ctx.block_storage,
              [=](responder& r3, std::vector<State>& listed) {
                const bool everyone = all && t.is_admin();
                std::vector<State> shown;
                for (auto& s : listed)
                  if ((everyone || s.project_id == project) && matches(s, p.query, t.is_admin()))
                    shown.push_back(std::move(s));
                respond_volume_page(r3, std::move(shown), p, c, project, collection, path,
                                    kind_name, [&](const State& s) { return render(s, t, c); });
              },
              list_atom::value, kind);
        });
  };
}

// --- routes ---

void add_volume_routes(Pistache::Rest::Router& router, server_context& ctx);
// The parts add_volume_routes registers.
void add_volume_volumes_routes(Pistache::Rest::Router& router, server_context& ctx);
void add_volume_action_routes(Pistache::Rest::Router& router, server_context& ctx);
void add_volume_snapshot_routes(Pistache::Rest::Router& router, server_context& ctx);
void add_volume_metadata_routes(Pistache::Rest::Router& router, server_context& ctx);
void add_volume_type_routes(Pistache::Rest::Router& router, server_context& ctx);
void add_volume_limits_routes(Pistache::Rest::Router& router, server_context& ctx);
void add_volume_attachment_routes(Pistache::Rest::Router& router, server_context& ctx);
void add_volume_type_spec_routes(Pistache::Rest::Router& router, server_context& ctx);

}  // namespace cumulo::api
