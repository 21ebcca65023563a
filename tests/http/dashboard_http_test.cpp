// The dashboard's files as a real `cumulo serve` serves them: the bytes of
// dashboard/ compiled in, each with its media type, a validator (ETag) and
// no-cache; a missing file or any path that tries to leave the folder is a
// JSON 404.
#include <gtest/gtest.h>

#include <regex>
#include <nlohmann/json.hpp>

#include <fstream>
#include <memory>
#include <sstream>

#include "tests/support/raw_http.hpp"
#include "tests/support/served_cloud.hpp"
#include "tests/http_client.hpp"
#include "tests/temp_dir.hpp"

namespace cumulo {
namespace {

class DashboardHttp : public served_cloud_test {
 protected:
  static std::string source(const std::string& relative) {
    std::ifstream in(std::string(CUMULO_DASHBOARD_DIR) + "/" + relative, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }
  // A request line sent as is: libcurl would resolve the dot segments.
  std::string raw_get(const std::string& target) {
    raw_connection c(cloud->port());
    c.send("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    return c.read_response();
  }
};

TEST_F(DashboardHttp, TheIndexIsHtmlThatABrowserRevalidates) {
  auto r = http_request("GET", cloud->url("/dashboard"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["content-type"], "text/html; charset=utf-8");
  EXPECT_EQ(r.headers["cache-control"], "no-cache");
  EXPECT_EQ(r.headers["x-content-type-options"], "nosniff");
  EXPECT_NE(r.headers["content-security-policy"].find("default-src 'self'"), std::string::npos);
  EXPECT_FALSE(r.headers["x-openstack-request-id"].empty());
  ASSERT_GT(r.headers["etag"].size(), 2u);
  EXPECT_EQ(r.headers["etag"].front(), '"');
  EXPECT_EQ(r.body, source("index.html"));
  EXPECT_NE(r.body.find(R"(<script type="module" src="/dashboard/js/app.js">)"), std::string::npos);

  auto slash = http_request("GET", cloud->url("/dashboard/"));
  EXPECT_EQ(slash.status, 200);
  EXPECT_EQ(slash.headers["etag"], r.headers["etag"]);
  EXPECT_EQ(slash.body, r.body);
}

TEST_F(DashboardHttp, ModulesAndStylesComeWithTheirMediaTypes) {
  auto js = http_request("GET", cloud->url("/dashboard/js/app.js"));
  EXPECT_EQ(js.status, 200);
  // A module script with another type is refused by the browser.
  EXPECT_EQ(js.headers["content-type"], "text/javascript; charset=utf-8");
  EXPECT_EQ(js.headers["cache-control"], "no-cache");
  EXPECT_EQ(js.body, source("js/app.js"));
  EXPECT_TRUE(js.headers["content-security-policy"].empty()) << "the policy is the page's";

  auto css = http_request("GET", cloud->url("/dashboard/app.css"));
  EXPECT_EQ(css.status, 200);
  EXPECT_EQ(css.headers["content-type"], "text/css; charset=utf-8");
  EXPECT_EQ(css.body, source("app.css"));
  EXPECT_NE(css.headers["etag"], js.headers["etag"]);
}

// The vendored viewers keep their own folders, noVNC's 7 deep, and the
// page may open the console proxy's WebSockets (its port, any host name).
TEST_F(DashboardHttp, VendoredViewersAndTheConsolePage) {
  for (const std::string file :
       {"vendor/xterm/xterm.js", "vendor/novnc/core/rfb.js",
        "vendor/novnc/vendor/pako/lib/zlib/inflate.js", "console/vnc.js"}) {
    auto r = http_request("GET", cloud->url("/dashboard/" + file));
    EXPECT_EQ(r.status, 200) << file;
    EXPECT_EQ(r.headers["content-type"], "text/javascript; charset=utf-8") << file;
    EXPECT_EQ(r.body, source(file)) << file;
  }
  auto page = http_request("GET", cloud->url("/dashboard/console/vnc.html"));
  EXPECT_EQ(page.status, 200);
  const auto csp = page.headers["content-security-policy"];
  std::smatch m;
  ASSERT_TRUE(std::regex_search(csp, m, std::regex(R"(connect-src 'self' ws://\*:(\d+) )"))) << csp;
  EXPECT_NE(cloud->out().find("console proxy on 127.0.0.1:" + m[1].str()), std::string::npos)
      << cloud->out();
  EXPECT_EQ(http_request("GET", cloud->url("/dashboard/a/b/c/d/e/f/g/h/i.js")).status, 404);
}

TEST_F(DashboardHttp, AMatchingValidatorIsA304WithoutBody) {
  auto first = http_request("GET", cloud->url("/dashboard/js/api.js"));
  ASSERT_EQ(first.status, 200);
  const std::string etag = first.headers["etag"];

  auto again =
      http_request("GET", cloud->url("/dashboard/js/api.js"), "", {{"If-None-Match", etag}});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(again.headers["etag"], etag);
  EXPECT_EQ(again.headers["cache-control"], "no-cache");

  auto weak = http_request("GET", cloud->url("/dashboard/js/api.js"), "",
                           {{"If-None-Match", "\"other\", W/" + etag}});
  EXPECT_EQ(weak.status, 304);

  auto stale = http_request("GET", cloud->url("/dashboard/js/api.js"), "",
                            {{"If-None-Match", "\"0000000000000000\""}});
  EXPECT_EQ(stale.status, 200);
  EXPECT_EQ(stale.body, first.body);
}

TEST_F(DashboardHttp, AMissingFileIsA404InJson) {
  for (const std::string path :
       {"/dashboard/nope.js", "/dashboard/js/nope.js", "/dashboard/nope/app.js",
        "/dashboard/a/b/c.js", "/dashboard/js"}) {
    auto r = http_request("GET", cloud->url(path));
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.headers["content-type"], "application/json") << path;
    auto body = nlohmann::json::parse(r.body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << path << ": " << r.body;
    EXPECT_EQ(body["error"]["code"], 404) << r.body;
    EXPECT_EQ(body["error"]["title"], "Not Found") << r.body;
  }
}

TEST_F(DashboardHttp, NoPathLeavesTheDashboardFolder) {
  // The source tree and the data dir both hold files these names would
  // reach if they were joined to a folder on disk.
  for (const std::string target :
       {"/dashboard/../CMakeLists.txt", "/dashboard/..%2fCMakeLists.txt",
        "/dashboard/..%2f..%2fCMakeLists.txt", "/dashboard/%2e%2e/CMakeLists.txt",
        "/dashboard/js/..%2f..%2fCMakeLists.txt", "/dashboard/js/%2e%2e%2findex.html",
        "/dashboard/..", "/dashboard/%2e%2e", "/dashboard/js/..", "/dashboard/.%2e/README.md",
        "/dashboard/%2fetc%2fpasswd", "/dashboard/js%2f..%2f..%2fREADME.md",
        "/dashboard/..%5c..%5cCMakeLists.txt", "/dashboard/keystonerc_admin",
        "/dashboard/..%2fdata%2fkeystonerc_admin", "/dashboard/.hidden"}) {
    const std::string response = raw_get(target);
    EXPECT_EQ(status_of_response(response), 404) << target << "\n" << response;
    EXPECT_NE(response.find("application/json"), std::string::npos) << target;
    EXPECT_EQ(response.find("cmake_minimum_required"), std::string::npos) << target;
    EXPECT_EQ(response.find("root:"), std::string::npos) << target;
    EXPECT_EQ(response.find("OS_PASSWORD"), std::string::npos) << target;
  }
}

TEST_F(DashboardHttp, OnlyGetIsAnswered) {
  auto r = http_request("POST", cloud->url("/dashboard/js/app.js"), "x",
                        {{"Content-Type", "text/plain"}});
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.headers["allow"], "GET");
  EXPECT_EQ(r.headers["content-type"], "application/json");
}

}  // namespace
}  // namespace cumulo
