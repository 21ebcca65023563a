// Cinder's root: version discovery, microversion negotiation, the route
// registration every volume file uses, what they share (the caller, the
// resource it may see, Cinder's booleans and lists), and the zones and
// services a client reads of the block storage service.
#include "api/volume.hpp"

#include <cctype>

#include "engine/ids.hpp"
#include "store/wall_clock.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

using nlohmann::json;
using Pistache::Rest::Request;

std::string trimmed(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The volume entry of "volume 3.59, compute 2.1" ("" when there is none).
std::string volume_entry(const std::string& header) {
  std::size_t start = 0;
  while (start <= header.size()) {
    auto comma = header.find(',', start);
    if (comma == std::string::npos) comma = header.size();
    const std::string item = trimmed(header.substr(start, comma - start));
    const auto space = item.find_first_of(" \t");
    if (space != std::string::npos && lower(item.substr(0, space)) == "volume")
      return trimmed(item.substr(space + 1));
    start = comma + 1;
  }
  return "";
}

// Cinder's one version, v3.0, whose microversions reach the max.
json v3_version(const std::string& base) {
  return {
      {"id", "v3.0"},
      {"status", "CURRENT"},
      {"version", max_volume_microversion.text()},
      {"min_version", min_volume_microversion.text()},
      // When Cinder's 3.70 came.
      {"updated", "2022-08-31T00:00:00Z"},
      {"links",
       {{{"rel", "describedby"}, {"type", "text/html"}, {"href", "https://docs.openstack.org/"}},
        {{"rel", "self"}, {"href", base + volume_root + "/"}}}},
      {"media-types",
       {{{"base", "application/json"},
         {"type", "application/vnd.openstack.volume+json;version=3"}}}}};
}

std::string percent_encoded(const std::string& s) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == ',' || c == ':') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += digits[c >> 4];
      out += digits[c & 0xf];
    }
  }
  return out;
}

bool metadata_key_fits(const std::string& key) {
  if (key.empty() || key.size() > 255) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == ':' ||
           c == '.' || c == ' ' || c == '/';
  });
}

// A query value as a non-negative integer ("" or anything else: nothing).
std::optional<std::int64_t> count_of(const std::string& text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  for (char c : text)
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  return std::stoll(text);
}

// Cinder's services: its scheduler and the one volume service, this
// process's file backend. Always up: they are this process.
json services_json(const std::string& binary_filter, const std::string& host_filter,
                   volume_microversion v) {
  const json now = cinder_time(now_us());
  json out = json::array();
  auto add = [&](const std::string& binary, const std::string& host, json s) {
    if (!binary_filter.empty() && binary != binary_filter) return;
    if (!host_filter.empty() && host != host_filter) return;
    out.push_back(std::move(s));
  };
  json scheduler = {{"binary", "cinder-scheduler"}, {"host", "cumulo"}, {"zone", "nova"},
                    {"status", "enabled"},          {"state", "up"},    {"updated_at", now},
                    {"disabled_reason", nullptr}};
  json backend = {{"binary", "cinder-volume"},
                  {"host", volume_backend_host},
                  {"zone", "nova"},
                  {"status", "enabled"},
                  {"state", "up"},
                  {"updated_at", now},
                  {"disabled_reason", nullptr},
                  {"replication_status", "disabled"},
                  {"active_backend_id", nullptr},
                  {"frozen", false}};
  if (v.at_least(7)) {
    scheduler["cluster"] = nullptr;
    backend["cluster"] = nullptr;
  }
  if (v.at_least(49)) backend["backend_state"] = "up";
  add("cinder-scheduler", "cumulo", std::move(scheduler));
  add("cinder-volume", volume_backend_host, std::move(backend));
  return out;
}

// The echo of the version on every answer, errors included. Built and
// added as compute_bridge.cpp adds Nova's (copies out of a list): GCC 12
// misreads temporaries moved into add_header inside a route's lambda
// (api/CMakeLists.txt silences it for compute.cpp only).
header_list volume_version_headers(volume_microversion v) {
  const std::string text = "3." + std::to_string(v.minor);
  return {{"OpenStack-API-Version", "volume " + text}, {"Vary", "OpenStack-API-Version"}};
}

void echo_version(responder& r, volume_microversion v) {
  for (auto& [name, value] : volume_version_headers(v)) r.add_header(name, value);
}

}  // namespace

volume_microversion_result parse_volume_microversion(const std::string& openstack_api_version) {
  volume_microversion_result out;
  const std::string text = volume_entry(openstack_api_version);
  if (text.empty()) return out;  // 3.0
  if (lower(text) == "latest") {
    out.version = max_volume_microversion;
    return out;
  }
  const auto dot = text.find('.');
  auto digits = [](const std::string& s) {
    if (s.empty() || s.size() > 6 || (s.size() > 1 && s[0] == '0')) return false;
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; });
  };
  if (dot == std::string::npos || !digits(text.substr(0, dot)) || !digits(text.substr(dot + 1))) {
    out.status = 400;
    out.error = "API Version String " + text +
                " is of invalid format. Must be of format MajorNum.MinorNum.";
    return out;
  }
  const int major = std::stoi(text.substr(0, dot));
  const int minor = std::stoi(text.substr(dot + 1));
  if (major != 3 || minor < min_volume_microversion.minor ||
      minor > max_volume_microversion.minor) {
    out.status = 406;
    out.error = "Version " + text + " is not supported by the API. Minimum is " +
                min_volume_microversion.text() + " and maximum is " +
                max_volume_microversion.text() + ".";
    return out;
  }
  out.version.minor = minor;
  return out;
}

void add_volume_route(Pistache::Rest::Router& router, server_context& ctx, http_method method,
                      const std::string& path, volume_handler handler) {
  auto route = [&ctx, handler](bool project_in_url) -> api_handler {
    return [&ctx, handler, project_in_url](const Request& req, std::shared_ptr<responder> r) {
      const auto v = parse_volume_microversion(header_of(req, "OpenStack-API-Version"));
      echo_version(*r, v.status ? min_volume_microversion : v.version);
      if (v.status) {
        respond_error(*r, v.status, v.error);
        return;
      }
      volume_call call;
      call.version = v.version;
      if (project_in_url) call.url_project = param_of(req, ":url_project");
      call.token = auth_token_of(req);
      call.base = base_url(req, ctx);
      handler(req, std::move(r), call);
    };
  };
  add_route(router, ctx, method, volume_root + "/:url_project" + path, service::volume,
            route(true));
  add_route(router, ctx, method, volume_root + path, service::volume, route(false));
}

void with_volume_caller(server_context& ctx, const volume_call& call, std::shared_ptr<responder> r,
                        token_handler then) {
  const std::string url_project = call.url_project;
  with_token(ctx, call.token, std::move(r),
             [url_project, then](std::shared_ptr<responder> rr, token_info& t) {
               if (!url_project.empty() && url_project != caller_project(t)) {
                 rr->log().info("the URL names project {}, the token another", url_project);
                 return respond_error(*rr, 400, "Malformed request url");
               }
               then(std::move(rr), t);
             });
}

std::string caller_project(const token_info& t) {
  return t.project ? t.project->id : "";
}

bool sees_project(const token_info& t, const std::string& project) {
  return t.is_admin() || (t.project && t.project->id == project);
}

event_metadata meta_of(const responder& r, const token_info& t) {
  return event_metadata{r.request_id(), t.user.id, t.is_admin()};
}

void on_visible_volume(server_context& ctx, std::shared_ptr<responder> r, const token_info& t,
                       const std::string& id, const std::string& rule,
                       std::function<void(std::shared_ptr<responder>, volume_state&)> then) {
  ctx.bridge.ask<volume_state>(
      std::move(r), ctx.block_storage,
      [&ctx, t, id, rule, then](std::shared_ptr<responder> rr, volume_state& v) {
        if (!sees_project(t, v.project_id))
          return respond_error(*rr, 404, "Volume " + id + " could not be found.");
        if (!enforce(*rr, ctx, t, rule, {v.project_id, v.user_id})) return;
        then(std::move(rr), v);
      },
      caf::get_atom::value, volume_atom::value, id);
}

void on_visible_snapshot(
    server_context& ctx, std::shared_ptr<responder> r, const token_info& t, const std::string& id,
    const std::string& rule,
    std::function<void(std::shared_ptr<responder>, volume_snapshot_state&)> then) {
  ctx.bridge.ask<volume_snapshot_state>(
      std::move(r), ctx.block_storage,
      [&ctx, t, id, rule, then](std::shared_ptr<responder> rr, volume_snapshot_state& s) {
        if (!sees_project(t, s.project_id))
          return respond_error(*rr, 404, "Snapshot " + id + " could not be found.");
        if (!enforce(*rr, ctx, t, rule, {s.project_id, s.user_id})) return;
        then(std::move(rr), s);
      },
      caf::get_atom::value, volume_snapshot_atom::value, id);
}

std::optional<bool> cinder_bool_text(const std::string& text) {
  const std::string v = lower(trimmed(text));
  for (const char* yes : {"1", "t", "true", "on", "y", "yes"})
    if (v == yes) return true;
  for (const char* no : {"0", "f", "false", "off", "n", "no"})
    if (v == no) return false;
  return std::nullopt;
}

std::optional<bool> cinder_bool(const json& value) {
  if (value.is_boolean()) return value.get<bool>();
  if (value.is_string()) return cinder_bool_text(value.get<std::string>());
  return std::nullopt;
}

std::string cinder_trimmed(const std::string& text) {
  return trimmed(text);
}

std::optional<std::string> metadata_keys_error(const json& metadata, const std::string& field) {
  if (!metadata.is_object()) return std::nullopt;
  for (const auto& [key, _] : metadata.items())
    if (!metadata_key_fits(key))
      return "Invalid input for field/attribute " + field + ". Value: " + metadata.dump() +
             ". Additional properties are not allowed ('" + key + "' was unexpected)";
  return std::nullopt;
}

bool uuid_or_refuse(responder& r, const std::string& field, const std::string& value) {
  if (is_uuid(value)) return true;
  respond_error(r, 400,
                "Invalid input for field/attribute " + field + ". Value: " + value + ". '" + value +
                    "' is not a 'uuid'");
  return false;
}

const std::vector<std::string>& volume_sort_keys() {
  static const std::vector<std::string> keys{"created_at", "updated_at", "id",
                                             "name",       "size",       "status"};
  return keys;
}

std::optional<volume_page> volume_page_of(const Request& req, responder& r,
                                          const std::vector<std::string>& keys,
                                          volume_microversion v) {
  volume_page p;
  p.query = query_params(req);
  const auto& q = p.query;
  auto param = [&](const char* key) -> std::optional<std::string> {
    auto it = q.find(key);
    if (it == q.end()) return std::nullopt;
    return it->second;
  };
  if (auto limit = param("limit")) {
    const bool negative = !limit->empty() && (*limit)[0] == '-' && count_of(limit->substr(1));
    if (negative) {
      respond_error(r, 400, "limit param must be positive");
      return std::nullopt;
    }
    p.limit = count_of(*limit);
    if (!p.limit) {
      respond_error(r, 400, "limit param must be an integer");
      return std::nullopt;
    }
  }
  if (auto marker = param("marker")) p.marker = *marker;
  if (auto offset = param("offset")) {
    auto n = count_of(*offset);
    if (!n || *n > 2147483647) {
      respond_error(r, 400,
                    "Invalid input received: offset must be an integer from 0 to "
                    "2147483647.");
      return std::nullopt;
    }
    p.offset = *n;
  }
  const auto sort = param("sort");
  const auto sort_key = param("sort_key");
  const auto sort_dir = param("sort_dir");
  if (sort && (sort_key || sort_dir)) {
    respond_error(r, 400,
                  "The 'sort_key' and 'sort_dir' parameters are deprecated and cannot be used "
                  "with the 'sort' parameter.");
    return std::nullopt;
  }
  std::vector<std::pair<std::string, std::string>> wanted;
  if (sort) {
    std::size_t start = 0;
    while (start <= sort->size()) {
      auto comma = sort->find(',', start);
      if (comma == std::string::npos) comma = sort->size();
      const std::string item = sort->substr(start, comma - start);
      const auto colon = item.find(':');
      const std::string key = trimmed(item.substr(0, colon));
      const std::string dir = colon == std::string::npos ? "desc" : trimmed(item.substr(colon + 1));
      if (!key.empty()) wanted.emplace_back(key, dir.empty() ? "desc" : dir);
      start = comma + 1;
    }
  } else {
    wanted.emplace_back(sort_key ? trimmed(*sort_key) : "created_at",
                        sort_dir ? trimmed(*sort_dir) : "desc");
  }
  for (auto& [key, dir] : wanted) {
    // Cinder's REST name of display_name.
    if (key == "display_name") key = "name";
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
      respond_error(r, 400, "Invalid input received: Invalid sort key " + key + ".");
      return std::nullopt;
    }
    const std::string d = lower(dir);
    if (d != "asc" && d != "desc") {
      respond_error(r, 400,
                    "Invalid input received: Unknown sort direction, must be 'desc' or 'asc'");
      return std::nullopt;
    }
    p.sort.emplace_back(key, d == "asc");
  }
  if (auto count = param("with_count"); count && v.at_least(45)) {
    auto b = cinder_bool_text(*count);
    if (!b) {
      respond_error(r, 400, "Value '" + *count + "' for 'with_count' is not a boolean.");
      return std::nullopt;
    }
    p.with_count = *b;
  }
  return p;
}

std::optional<json> next_links(const volume_call& call, const std::string& project,
                               const std::string& collection, const volume_page& p,
                               std::size_t shown, const std::string& last_id) {
  if (!p.limit || shown == 0 || static_cast<std::int64_t>(shown) < *p.limit) return std::nullopt;
  auto params = p.query;
  params.erase("offset");
  params["marker"] = last_id;
  std::string href = call.base + volume_root + "/" + project + "/" + collection;
  char sep = '?';
  for (const auto& [k, v] : params) {
    href += sep + percent_encoded(k) + "=" + percent_encoded(v);
    sep = '&';
  }
  return json::array({json{{"href", href}, {"rel", "next"}}});
}

void add_volume_routes(Pistache::Rest::Router& router, server_context& ctx) {
  // Cinder's root answers 300 with its versions (cinderclient and
  // keystoneauth read `versions` there); /v3/ answers 200 with the same.
  add_route(router, ctx, http_method::get, "/volume", service::volume,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              respond(*r, 300, {{"versions", json::array({v3_version(base_url(req, ctx))})}});
            });
  add_route(router, ctx, http_method::get, volume_root, service::volume,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const auto v = parse_volume_microversion(header_of(req, "OpenStack-API-Version"));
              echo_version(*r, v.status ? min_volume_microversion : v.version);
              respond(*r, 200, {{"versions", json::array({v3_version(base_url(req, ctx))})}});
            });

  // One zone, Nova's default name, which every volume is in. Cinder
  // checks no rule here.
  add_volume_route(
      router, ctx, http_method::get, "/os-availability-zone",
      [&ctx](const Request&, std::shared_ptr<responder> r, const volume_call& c) {
        with_volume_caller(ctx, c, r, [](std::shared_ptr<responder> rr, token_info&) {
          respond(
              *rr, 200,
              {{"availabilityZoneInfo",
                json::array({json{{"zoneName", "nova"}, {"zoneState", {{"available", true}}}}})}});
        });
      });

  add_volume_route(
      router, ctx, http_method::get, "/os-services",
      [&ctx](const Request& req, std::shared_ptr<responder> r, const volume_call& c) {
        const std::string binary = query_of(req, "binary").value_or("");
        const std::string host = query_of(req, "host").value_or("");
        with_volume_caller(
            ctx, c, r, [&ctx, c, binary, host](std::shared_ptr<responder> rr, token_info& t) {
              if (!enforce(*rr, ctx, t, "volume_extension:services:index",
                           {caller_project(t), t.user.id}))
                return;
              respond(*rr, 200, {{"services", services_json(binary, host, c.version)}});
            });
      });

  add_volume_volumes_routes(router, ctx);
  add_volume_action_routes(router, ctx);
  add_volume_snapshot_routes(router, ctx);
  add_volume_metadata_routes(router, ctx);
  add_volume_type_routes(router, ctx);
  add_volume_limits_routes(router, ctx);
  add_volume_attachment_routes(router, ctx);
  add_volume_type_spec_routes(router, ctx);
}

}  // namespace cumulo::api
