// Keystone's catalog as resources over HTTP on a real `cumulo serve`:
// regions, services and endpoints. The built-in entries are listed, on the
// address the client used, and can't be changed; what an admin adds joins
// every new token's catalog, is refused to others, and survives restarts.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>

#include "tests/support/keystone_client.hpp"

namespace cumulo {
namespace {

class IdentityCatalog : public identity_test {
 protected:
  std::set<std::string> values(const nlohmann::json& list, const std::string& key) {
    std::set<std::string> out;
    for (const auto& x : list) out.insert(x.value(key, ""));
    return out;
  }
  nlohmann::json catalog_of_new_token() {
    auto r = issue(password_auth("admin", kAdminPassword, "admin"));
    EXPECT_EQ(r.status, 201) << r.body;
    return json_of(r)["token"]["catalog"];
  }
};

TEST_F(IdentityCatalog, TheBuiltInCatalogIsListedAndCannotBeChanged) {
  auto services = as_admin("GET", "/v3/services");
  ASSERT_EQ(services.status, 200) << services.body;
  EXPECT_EQ(values(json_of(services)["services"], "type"),
            (std::set<std::string>{"identity", "compute", "image", "network", "block-storage",
                                   "volumev3"}));
  auto endpoints = as_admin("GET", "/v3/endpoints?interface=public");
  ASSERT_EQ(endpoints.status, 200) << endpoints.body;
  const auto urls = values(json_of(endpoints)["endpoints"], "url");
  EXPECT_TRUE(urls.count(cloud->url("/compute/v2.1"))) << endpoints.body;
  EXPECT_TRUE(urls.count(cloud->url("/volume/v3"))) << endpoints.body;
  EXPECT_EQ(json_of(endpoints)["endpoints"].size(), 6u);
  auto regions = as_admin("GET", "/v3/regions");
  ASSERT_EQ(regions.status, 200);
  EXPECT_EQ(values(json_of(regions)["regions"], "id"), std::set<std::string>{"RegionOne"});

  const std::string compute =
      json_of(as_admin("GET", "/v3/services?type=compute"))["services"][0]["id"];
  expect_keystone_error(as_admin("DELETE", "/v3/services/" + compute), 403, "Forbidden");
  expect_keystone_error(as_admin("DELETE", "/v3/regions/RegionOne"), 403, "Forbidden");
  expect_keystone_error(as_admin("POST", "/v3/regions", {{"region", {{"id", "RegionOne"}}}}), 409,
                        "Conflict");
  const std::string builtin_endpoint = json_of(endpoints)["endpoints"][0]["id"];
  expect_keystone_error(
      as_admin("PATCH", "/v3/endpoints/" + builtin_endpoint, {{"endpoint", {{"enabled", false}}}}),
      403, "Forbidden");
}

TEST_F(IdentityCatalog, WhatAnAdminAddsJoinsTheCatalogAndSurvivesARestart) {
  auto region = as_admin("POST", "/v3/regions",
                         {{"region", {{"id", "RegionTwo"}, {"description", "the other one"}}}});
  ASSERT_EQ(region.status, 201) << region.body;
  EXPECT_EQ(json_of(region)["region"]["id"], "RegionTwo");
  auto child = as_admin("POST", "/v3/regions",
                        {{"region", {{"id", "RegionTwoA"}, {"parent_region_id", "RegionTwo"}}}});
  ASSERT_EQ(child.status, 201) << child.body;
  expect_keystone_error(as_admin("PATCH", "/v3/regions/RegionTwo",
                                 {{"region", {{"parent_region_id", "RegionTwoA"}}}}),
                        400, "Bad Request");
  expect_keystone_error(
      as_admin("POST", "/v3/regions", {{"region", {{"id", "x"}, {"parent_region_id", "nowhere"}}}}),
      404, "Not Found");

  auto service = as_admin("POST", "/v3/services",
                          {{"service", {{"type", "object-store"}, {"name", "swift"}}}});
  ASSERT_EQ(service.status, 201) << service.body;
  const std::string service_id = json_of(service)["service"]["id"];
  auto endpoint = as_admin("POST", "/v3/endpoints",
                           {{"endpoint",
                             {{"service_id", service_id},
                              {"interface", "public"},
                              {"region_id", "RegionTwo"},
                              {"url", "http://swift.example:8080/v1"}}}});
  ASSERT_EQ(endpoint.status, 201) << endpoint.body;
  const auto e = json_of(endpoint)["endpoint"];
  EXPECT_EQ(e["region"], "RegionTwo");
  EXPECT_EQ(e["service_id"], service_id);
  const std::string endpoint_id = e["id"];
  // Keystone makes the region an endpoint names (tempest relies on it).
  auto elsewhere = as_admin("POST", "/v3/endpoints",
                            {{"endpoint",
                              {{"service_id", service_id},
                               {"interface", "internal"},
                               {"region", "RegionThree"},
                               {"url", "http://x"}}}});
  ASSERT_EQ(elsewhere.status, 201) << elsewhere.body;
  EXPECT_EQ(as_admin("GET", "/v3/regions/RegionThree").status, 200);
  ASSERT_EQ(
      as_admin("DELETE", "/v3/endpoints/" + json_of(elsewhere)["endpoint"]["id"].get<std::string>())
          .status,
      204);
  // PUT chooses the id, as Keystone's older API.
  auto put = as_admin("PUT", "/v3/regions/RegionFour", {{"region", {{"description", "put"}}}});
  ASSERT_EQ(put.status, 201) << put.body;
  EXPECT_EQ(json_of(put)["region"]["id"], "RegionFour");
  expect_keystone_error(as_admin("DELETE", "/v3/regions/RegionTwo"), 403, "Forbidden");

  auto has_swift = [&](const nlohmann::json& catalog) {
    for (const auto& s : catalog)
      if (s["type"] == "object-store")
        return s["endpoints"].size() == 1 &&
               s["endpoints"][0]["url"] == "http://swift.example:8080/v1";
    return false;
  };
  EXPECT_TRUE(has_swift(catalog_of_new_token()));
  EXPECT_TRUE(has_swift(json_of(as_admin("GET", "/v3/auth/catalog"))["catalog"]));

  // A member reads regions, not services nor endpoints, and changes nothing.
  auto m = make_member("cat");
  EXPECT_EQ(call("GET", "/v3/regions/RegionTwo", m.token).status, 200);
  expect_keystone_error(call("GET", "/v3/endpoints", m.token), 403, "Forbidden");
  expect_keystone_error(call("POST", "/v3/services", m.token, {{"service", {{"type", "x"}}}}), 403,
                        "Forbidden");

  restart();
  admin_token = token_for("admin", kAdminPassword, "admin");
  EXPECT_TRUE(has_swift(catalog_of_new_token())) << "the catalog is in the log";
  ASSERT_EQ(as_admin("PATCH", "/v3/endpoints/" + endpoint_id,
                     {{"endpoint", {{"url", "http://swift2.example:8080/v1"}}}})
                .status,
            200);
  ASSERT_EQ(
      as_admin("PATCH", "/v3/services/" + service_id, {{"service", {{"enabled", false}}}}).status,
      200);
  for (const auto& s : catalog_of_new_token())
    EXPECT_NE(s["type"], "object-store") << "a disabled service leaves the catalog";
  ASSERT_EQ(as_admin("DELETE", "/v3/services/" + service_id).status, 204);
  EXPECT_EQ(as_admin("GET", "/v3/endpoints/" + endpoint_id).status, 404)
      << "a service's endpoints go with it";
  ASSERT_EQ(as_admin("DELETE", "/v3/regions/RegionTwoA").status, 204);
  ASSERT_EQ(as_admin("DELETE", "/v3/regions/RegionTwo").status, 204);
}

// Keystone's PATCH may name another service (tempest's test_update_endpoint):
// the endpoint keeps its id, takes the changes, and goes with its new service.
TEST_F(IdentityCatalog, AnEndpointMovesToAnotherService) {
  auto make_service = [&](const std::string& type) {
    auto s = as_admin("POST", "/v3/services", {{"service", {{"type", type}}}});
    EXPECT_EQ(s.status, 201) << s.body;
    return json_of(s)["service"]["id"].get<std::string>();
  };
  const std::string first = make_service("first");
  const std::string second = make_service("second");
  auto created = as_admin("POST", "/v3/endpoints",
                          {{"endpoint",
                            {{"service_id", first},
                             {"interface", "public"},
                             {"region", "RegionOne"},
                             {"url", "http://first.example"}}}});
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = json_of(created)["endpoint"]["id"];

  expect_keystone_error(
      as_admin("PATCH", "/v3/endpoints/" + id, {{"endpoint", {{"service_id", "nowhere"}}}}), 400,
      "Bad Request");
  const std::string compute =
      json_of(as_admin("GET", "/v3/services?type=compute"))["services"][0]["id"];
  expect_keystone_error(
      as_admin("PATCH", "/v3/endpoints/" + id, {{"endpoint", {{"service_id", compute}}}}), 403,
      "Forbidden");
  const std::string builtin_endpoint =
      json_of(as_admin("GET", "/v3/endpoints?service_id=" + compute))["endpoints"][0]["id"];
  expect_keystone_error(as_admin("PATCH", "/v3/endpoints/" + builtin_endpoint,
                                 {{"endpoint", {{"service_id", second}}}}),
                        403, "Forbidden");

  auto moved = as_admin("PATCH", "/v3/endpoints/" + id,
                        {{"endpoint",
                          {{"service_id", second},
                           {"interface", "internal"},
                           {"region", "RegionMoved"},
                           {"url", "http://second.example"},
                           {"enabled", false}}}});
  ASSERT_EQ(moved.status, 200) << moved.body;
  auto check = [&](const nlohmann::json& e) {
    EXPECT_EQ(e["id"], id);
    EXPECT_EQ(e["service_id"], second);
    EXPECT_EQ(e["interface"], "internal");
    EXPECT_EQ(e["region"], "RegionMoved");
    EXPECT_EQ(e["url"], "http://second.example");
    EXPECT_EQ(e["enabled"], false);
  };
  check(json_of(moved)["endpoint"]);
  EXPECT_EQ(as_admin("GET", "/v3/regions/RegionMoved").status, 200) << "made as on a create";
  EXPECT_TRUE(json_of(as_admin("GET", "/v3/endpoints?service_id=" + first))["endpoints"].empty());
  ASSERT_EQ(json_of(as_admin("GET", "/v3/endpoints?service_id=" + second))["endpoints"].size(), 1u);

  restart();
  admin_token = token_for("admin", kAdminPassword, "admin");
  check(json_of(as_admin("GET", "/v3/endpoints/" + id))["endpoint"]);
  ASSERT_EQ(as_admin("DELETE", "/v3/services/" + first).status, 204);
  EXPECT_EQ(as_admin("GET", "/v3/endpoints/" + id).status, 200) << "it left its old service";
  ASSERT_EQ(as_admin("DELETE", "/v3/services/" + second).status, 204);
  EXPECT_EQ(as_admin("GET", "/v3/endpoints/" + id).status, 404) << "it went with its new one";
}

}  // namespace
}  // namespace cumulo
