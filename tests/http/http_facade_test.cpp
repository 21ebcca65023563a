// The HTTP façade of a real `cumulo serve`: version discovery, request ids
// on every answer, and error bodies in the format of the service a path
// belongs to.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <set>

#include "tests/support/served_cloud.hpp"
#include "tests/http_client.hpp"
#include "tests/temp_dir.hpp"

namespace cumulo {
namespace {

class HttpFacade : public served_cloud_test {
 protected:
  static nlohmann::json json_of(const http_response& r) {
    return nlohmann::json::parse(r.body, nullptr, false);
  }
};

TEST_F(HttpFacade, TheRootListsIdentityV3WithHrefsOfTheRequestedHost) {
  auto r = http_request("GET", cloud->url("/"));
  EXPECT_EQ(r.status, 300);
  EXPECT_EQ(r.headers["content-type"], "application/json");
  auto body = json_of(r);
  ASSERT_TRUE(body["versions"]["values"].is_array()) << r.body;
  ASSERT_EQ(body["versions"]["values"].size(), 1u);
  const auto& v3 = body["versions"]["values"][0];
  EXPECT_EQ(v3["id"], "v3.14");
  EXPECT_EQ(v3["status"], "stable");
  EXPECT_EQ(v3["links"][0]["rel"], "self");
  EXPECT_EQ(v3["links"][0]["href"], cloud->url("/v3/"));
  EXPECT_EQ(v3["media-types"][0]["type"], "application/vnd.openstack.identity-v3+json");
}

TEST_F(HttpFacade, V3WithAndWithoutSlashIsTheVersionDocument) {
  for (const char* path : {"/v3", "/v3/"}) {
    auto r = http_request("GET", cloud->url(path));
    EXPECT_EQ(r.status, 200) << path;
    auto body = json_of(r);
    EXPECT_EQ(body["version"]["id"], "v3.14") << r.body;
    EXPECT_EQ(body["version"]["links"][0]["href"], cloud->url("/v3/"));
  }
  // keystoneauth builds the next URLs from this href: it follows the Host
  // header the client used.
  auto r = http_request("GET", cloud->url("/v3"), "", {{"Host", "cloud.example:5000"}});
  EXPECT_EQ(json_of(r)["version"]["links"][0]["href"], "http://cloud.example:5000/v3/");
}

TEST_F(HttpFacade, EveryAnswerHasItsOwnRequestId) {
  std::set<std::string> ids;
  for (const char* path : {"/", "/v3", "/no/such/thing", "/compute/v2.1/nothing"}) {
    auto r = http_request("GET", cloud->url(path));
    const std::string id = r.headers["x-openstack-request-id"];
    EXPECT_EQ(id.rfind("req-", 0), 0u) << path;
    EXPECT_EQ(id.size(), 40u) << id;
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 4u);
}

TEST_F(HttpFacade, ComputeAnswersAlsoCarryTheComputeRequestId) {
  auto nova = http_request("GET", cloud->url("/compute/v2.1/nothing"));
  EXPECT_EQ(nova.headers["x-compute-request-id"], nova.headers["x-openstack-request-id"]);
  auto keystone = http_request("GET", cloud->url("/v3/nothing"));
  EXPECT_EQ(keystone.headers.count("x-compute-request-id"), 0u);
}

TEST_F(HttpFacade, NotFoundIsInTheFormatOfTheServiceOfThePath) {
  auto keystone = json_of(http_request("GET", cloud->url("/v3/nothing")));
  EXPECT_EQ(keystone["error"]["code"], 404) << keystone;
  EXPECT_EQ(keystone["error"]["title"], "Not Found");
  auto nova = http_request("GET", cloud->url("/compute/v2.1/nothing"));
  EXPECT_EQ(nova.status, 404);
  EXPECT_EQ(json_of(nova)["itemNotFound"]["code"], 404) << nova.body;
  auto glance = json_of(http_request("GET", cloud->url("/image/v2/nothing")));
  EXPECT_EQ(glance["code"], 404) << glance;
  EXPECT_EQ(glance["title"], "Not Found");
  auto neutron = json_of(http_request("GET", cloud->url("/networking/v2.0/nothing")));
  EXPECT_EQ(neutron["NeutronError"]["type"], "HTTPNotFound") << neutron;
  EXPECT_EQ(neutron["NeutronError"]["detail"], "");
  auto other = json_of(http_request("GET", cloud->url("/elsewhere")));
  EXPECT_EQ(other["error"]["code"], 404) << other;
}

TEST_F(HttpFacade, EveryLogLineOfARequestCarriesItsId) {
  auto r = http_request("GET", cloud->url("/no/such/thing"));
  const std::string id = r.headers["x-openstack-request-id"];
  ASSERT_FALSE(id.empty());
  // A refused login logs why (never to the client), then its answer.
  auto refused = http_request(
      "POST", cloud->url("/v3/auth/tokens"),
      R"({"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "nobody",
          "domain": {"id": "default"}, "password": "x"}}}}})",
      {{"Content-Type", "application/json"}});
  ASSERT_EQ(refused.status, 401);
  const std::string refused_id = refused.headers["x-openstack-request-id"];
  EXPECT_EQ(cloud->stop(), 0);
  const std::string log = cloud->out() + cloud->err();
  EXPECT_NE(log.find("[" + id + "] GET /no/such/thing -> 404"), std::string::npos) << log;
  EXPECT_NE(log.find("[" + refused_id + "] authentication refused: no user named nobody"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("[" + refused_id + "] POST /v3/auth/tokens -> 401"), std::string::npos) << log;
  EXPECT_EQ(refused.body.find("nobody"), std::string::npos) << "the reason stays in the log";
  cloud.reset();
}

}  // namespace
}  // namespace cumulo
