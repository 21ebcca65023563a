#include "api/dashboard.hpp"

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <map>

#include "api/dashboard_assets.hpp"
#include "api/routing.hpp"
#include "api/server_context.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

struct served_file {
  std::string_view bytes;
  std::string media_type;
  std::string etag;
};

// A strong validator from the bytes: it changes with every rebuild that
// changes the file, and only then.
std::string etag_of(std::string_view bytes) {
  std::uint64_t h = 14695981039346656037ull;  // FNV-1a
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char out[24];
  std::snprintf(out, sizeof out, "\"%016llx\"", static_cast<unsigned long long>(h));
  return out;
}

const std::map<std::string, served_file>& served_files() {
  static const std::map<std::string, served_file> files = [] {
    std::map<std::string, served_file> out;
    for (const auto& a : dashboard_assets())
      out[std::string(a.path)] = {a.bytes, dashboard_media_type(std::string(a.path)),
                                  etag_of(a.bytes)};
    return out;
  }();
  return files;
}

bool plain_name(const std::string& s) {
  if (s.empty() || s.front() == '.') return false;
  for (unsigned char c : s)
    if (!(std::isalnum(c) || c == '.' || c == '-' || c == '_')) return false;
  return true;
}

void serve(const Pistache::Rest::Request& req, responder& r, const server_context& ctx,
           const std::vector<std::string>& segments) {
  const auto path = dashboard_asset_path(segments);
  const auto& files = served_files();
  const auto it = path ? files.find(*path) : files.end();
  if (it == files.end()) {
    // The same answer for a traversal attempt as for a missing file: the
    // files are in memory, so there is nothing else to reach anyway.
    respond_error(r, 404, "The resource could not be found: " + req.resource());
    return;
  }
  const served_file& f = it->second;
  // no-cache: the browser may keep a copy but asks each time (a 304 costs
  // no body), so a new binary's dashboard is never mixed with an old one.
  header_list headers{{"Cache-Control", "no-cache"},
                      {"ETag", f.etag},
                      {"X-Content-Type-Options", "nosniff"},
                      {"Referrer-Policy", "no-referrer"}};
  if (f.media_type.rfind("text/html", 0) == 0) {
    // Only our own scripts and styles, and requests to our own origin:
    // an injected <script> in a resource name could not run even if a
    // view forgot to treat the name as text.
    // The console proxy is the one other place a page may reach: its
    // WebSockets, on whichever name the browser knows this host by.
    const auto console = std::to_string(ctx.opts.console_port);
    headers.emplace_back("Content-Security-Policy",
                         "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                         "connect-src 'self' ws://*:" +
                             console + " wss://*:" + console +
                             "; base-uri 'none'; frame-ancestors 'none'");
    headers.emplace_back("X-Frame-Options", "DENY");
  }
  if (etag_matches(header_of(req, "If-None-Match"), f.etag)) {
    r.log().info("{} -> 304 ({:.1f} ms)", r.request_line(), r.elapsed_us() / 1000.0);
    r.send_text(304, "", headers);
    return;
  }
  r.log().info("{} -> 200 ({:.1f} ms)", r.request_line(), r.elapsed_us() / 1000.0);
  r.send_typed(200, std::string(f.bytes), f.media_type, headers);
}

}  // namespace

std::string dashboard_media_type(const std::string& path) {
  static const std::map<std::string, std::string> types{{"html", "text/html; charset=utf-8"},
                                                        {"css", "text/css; charset=utf-8"},
                                                        {"js", "text/javascript; charset=utf-8"},
                                                        {"json", "application/json"},
                                                        {"svg", "image/svg+xml"},
                                                        {"png", "image/png"},
                                                        {"ico", "image/x-icon"},
                                                        {"txt", "text/plain; charset=utf-8"}};
  const auto dot = path.rfind('.');
  if (dot == std::string::npos) return "application/octet-stream";
  const auto it = types.find(path.substr(dot + 1));
  return it == types.end() ? "application/octet-stream" : it->second;
}

std::optional<std::string> dashboard_asset_path(const std::string& dir, const std::string& file) {
  if (dir.empty() && file.empty()) return "index.html";
  if (dir.empty()) return dashboard_asset_path(std::vector<std::string>{file});
  return dashboard_asset_path(std::vector<std::string>{dir, file});
}

std::optional<std::string> dashboard_asset_path(const std::vector<std::string>& segments) {
  if (segments.empty()) return "index.html";
  if (segments.size() > dashboard_max_depth) return std::nullopt;
  std::string path;
  for (const auto& s : segments) {
    if (!plain_name(s)) return std::nullopt;
    path += (path.empty() ? "" : "/") + s;
  }
  return path;
}

bool etag_matches(const std::string& if_none_match, const std::string& etag) {
  std::size_t at = 0;
  while (at < if_none_match.size()) {
    auto comma = if_none_match.find(',', at);
    if (comma == std::string::npos) comma = if_none_match.size();
    std::string tag = if_none_match.substr(at, comma - at);
    tag.erase(0, tag.find_first_not_of(" \t"));
    tag.erase(tag.find_last_not_of(" \t") + 1);
    if (tag.rfind("W/", 0) == 0) tag.erase(0, 2);  // weak comparison, as RFC 9110 wants for GET
    if (tag == "*" || tag == etag) return true;
    at = comma + 1;
  }
  return false;
}

void add_dashboard_routes(Pistache::Rest::Router& router, server_context& ctx) {
  // Pistache drops a trailing slash: /dashboard/ arrives here too. The
  // app's own pages are #fragments, so no other path needs index.html.
  add_route(router, ctx, http_method::get, "/dashboard", service::identity,
            [&ctx](const Pistache::Rest::Request& req, std::shared_ptr<responder> r) {
              serve(req, *r, ctx, {});
            });
  // Vendored libraries keep their own folders (noVNC's are 7 deep): one
  // route per depth, since a Pistache parameter is one segment.
  std::string path = "/dashboard";
  for (std::size_t depth = 1; depth <= dashboard_max_depth; ++depth) {
    path += "/:s" + std::to_string(depth);
    add_route(router, ctx, http_method::get, path, service::identity,
              [&ctx, depth](const Pistache::Rest::Request& req, std::shared_ptr<responder> r) {
                std::vector<std::string> segments;
                for (std::size_t i = 1; i <= depth; ++i)
                  segments.push_back(param_of(req, ":s" + std::to_string(i)));
                serve(req, *r, ctx, segments);
              });
  }
}

}  // namespace cumulo::api
