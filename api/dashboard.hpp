// The dashboard at /dashboard: its files, compiled into the binary
// (api/dashboard_assets.hpp), served with their media type and a validator
// (ETag) so a browser revalidates each file and never runs a stale one.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace Pistache::Rest {
class Router;
}

namespace cumulo::api {

struct server_context;

void add_dashboard_routes(Pistache::Rest::Router& router, server_context& ctx);

// The media type a file is served with, by its extension.
std::string dashboard_media_type(const std::string& path);
// The asset path a request's path segments name ("" is index.html), or
// nothing when a segment could leave the folder or is not a plain file name.
std::optional<std::string> dashboard_asset_path(const std::string& dir, const std::string& file);
// The same for any number of segments (at most dashboard_max_depth).
std::optional<std::string> dashboard_asset_path(const std::vector<std::string>& segments);
inline constexpr std::size_t dashboard_max_depth = 8;
// True when an If-None-Match header names `etag` (or is "*").
bool etag_matches(const std::string& if_none_match, const std::string& etag);

}  // namespace cumulo::api
