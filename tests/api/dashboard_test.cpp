// The dashboard's file names, media types and validators, without a server.
#include <gtest/gtest.h>

#include <set>

#include "api/dashboard.hpp"
#include "api/dashboard_assets.hpp"

namespace cumulo::api {
namespace {

TEST(Dashboard, AssetPathsStayInsideTheFolder) {
  EXPECT_EQ(dashboard_asset_path("", ""), "index.html");
  EXPECT_EQ(dashboard_asset_path("", "app.css"), "app.css");
  EXPECT_EQ(dashboard_asset_path("js", "app.js"), "js/app.js");
  for (const auto& [dir, file] :
       std::vector<std::pair<std::string, std::string>>{{"", ".."},
                                                        {"", "."},
                                                        {"..", "app.js"},
                                                        {"js", ".."},
                                                        {"", "../app.css"},
                                                        {"", "..\\app.css"},
                                                        {"js/..", "app.js"},
                                                        {"", "/etc/passwd"},
                                                        {"", ".hidden"},
                                                        {"js", "a b.js"},
                                                        {"", std::string("a\0b", 3)},
                                                        {"js", ""}}) {
    EXPECT_FALSE(dashboard_asset_path(dir, file)) << dir << " / " << file;
  }
}

TEST(Dashboard, MediaTypesByExtension) {
  EXPECT_EQ(dashboard_media_type("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(dashboard_media_type("js/app.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(dashboard_media_type("app.css"), "text/css; charset=utf-8");
  EXPECT_EQ(dashboard_media_type("logo.svg"), "image/svg+xml");
  EXPECT_EQ(dashboard_media_type("README"), "application/octet-stream");
  EXPECT_EQ(dashboard_media_type("x.exe"), "application/octet-stream");
}

TEST(Dashboard, IfNoneMatchListsAndWeakTags) {
  const std::string tag = "\"0123456789abcdef\"";
  EXPECT_TRUE(etag_matches(tag, tag));
  EXPECT_TRUE(etag_matches("W/" + tag, tag));
  EXPECT_TRUE(etag_matches("\"x\", " + tag, tag));
  EXPECT_TRUE(etag_matches("*", tag));
  EXPECT_FALSE(etag_matches("", tag));
  EXPECT_FALSE(etag_matches("\"0123456789abcdee\"", tag));
  EXPECT_FALSE(etag_matches("0123456789abcdef", tag));
}

TEST(Dashboard, EveryFileOfTheFolderIsCompiledIn) {
  std::set<std::string> names;
  for (const auto& a : dashboard_assets()) {
    names.insert(std::string(a.path));
    EXPECT_FALSE(a.bytes.empty()) << a.path;
  }
  for (const char* f : {"index.html", "app.css", "js/app.js", "js/api.js", "js/dom.js",
                        "js/instances.js", "js/images.js", "js/networks.js", "js/identity.js",
                        "js/admin.js", "js/overview.js", "js/volumes.js"})
    EXPECT_TRUE(names.count(f)) << f;
}

}  // namespace
}  // namespace cumulo::api
