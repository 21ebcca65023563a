// Glance's error bodies by what the client accepts (api/glance_errors.hpp).
#include "api/glance_errors.hpp"

#include <gtest/gtest.h>

#include <string>

namespace cumulo::api {
namespace {

TEST(GlanceErrors, JsonOnlyForAClientThatPrefersIt) {
  // python3-glanceclient, curl and browsers: HTML, as webob answers them.
  for (const char* accept : {"", "*/*", "text/html", "text/plain", "text/*, application/json",
                             "application/json;q=0.5, text/html", "application/json;q=0",
                             "application/json;q=abc", "*/*;q=1, application/json;q=0.9"})
    EXPECT_FALSE(prefers_json(accept)) << "'" << accept << "'";
  // openstacksdk, the dashboard, cumulo's own scenario client: JSON.
  for (const char* accept :
       {"application/json", "Application/JSON", "application/json, */*", "application/*",
        "text/html;q=0.5, application/json", " application/json ; q=1.0 , */*;q=0.1"})
    EXPECT_TRUE(prefers_json(accept)) << "'" << accept << "'";
}

TEST(GlanceErrors, ThePageIsWebobsWithTheMessageEscaped) {
  const auto page = glance_error_page(
      404, R"({"code":404,"title":"Not Found","message":"No image found with ID <b>&x"})");
  EXPECT_NE(page.find("<title>404 Not Found</title>"), std::string::npos) << page;
  EXPECT_NE(page.find("<h1>404 Not Found</h1>"), std::string::npos) << page;
  EXPECT_NE(page.find("No image found with ID &lt;b&gt;&amp;x<br /><br />"), std::string::npos)
      << page;
  EXPECT_EQ(page.find("<b>"), std::string::npos) << page;
  // Not a JSON error: the status alone.
  EXPECT_NE(glance_error_page(500, "{").find("<h1>500</h1>"), std::string::npos);
}

}  // namespace
}  // namespace cumulo::api
