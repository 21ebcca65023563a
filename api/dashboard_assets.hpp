// The dashboard's files (HTML, CSS, JavaScript modules), compiled into the
// binary from the dashboard/ folder by cmake/embed_dashboard.cmake: a served
// cloud needs no file beside its binary, and no request can reach the disk.
#pragma once

#include <string_view>
#include <vector>

namespace cumulo::api {

struct dashboard_asset {
  std::string_view path;   // relative to dashboard/, e.g. "js/app.js"
  std::string_view bytes;  // the file's content as it was at build time
};

const std::vector<dashboard_asset>& dashboard_assets();

}  // namespace cumulo::api
