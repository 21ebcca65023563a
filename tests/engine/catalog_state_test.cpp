// The catalog's machines (engine/region_state, engine/service_state) and
// the built-in catalog (engine/identity_catalog).
#include <gtest/gtest.h>

#include <algorithm>

#include "engine/identity_catalog.hpp"
#include "tests/engine/machine_test_support.hpp"

namespace cumulo {
namespace {

TEST(ServiceState, EndpointsLiveAndDieWithTheirService) {
  service_state s;
  s.id = "s1";
  s = run_command_on<service_machine>(s, service::create{"object-store", "swift", "", true});
  s = run_command_on<service_machine>(
      s, service::create_endpoint{"e1", "public", "RegionOne", "http://swift:8080/v1", true});
  ASSERT_EQ(s.endpoints.size(), 1u);
  EXPECT_EQ(s.endpoints.at("e1").url, "http://swift:8080/v1");
  s = run_command_on<service_machine>(
      s, service::update_endpoint{"e1", "internal", std::nullopt, std::nullopt, false});
  EXPECT_EQ(s.endpoints.at("e1").interface, "internal");
  EXPECT_FALSE(s.endpoints.at("e1").enabled);

  auto bad =
      service_machine::decide(s, service::create_endpoint{"e2", "private", "", "http://x", true});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, errc::bad_request);
  EXPECT_EQ(service_machine::decide(s, service::delete_endpoint{"nope"}).error().code,
            errc::not_found);
  s = run_command_on<service_machine>(s, service::remove{});
  EXPECT_FALSE(s.exists());
}

TEST(RegionState, ARegionIsNotItsOwnParent) {
  region_state r;
  r.id = "r1";
  EXPECT_EQ(region_machine::decide(r, region::create{"", "r1"}).error().code, errc::bad_request);
  r = run_command_on<region_machine>(r, region::create{"east", ""});
  EXPECT_EQ(r.description, "east");
  EXPECT_EQ(region_machine::decide(r, region::create{"", ""}).error().code, errc::conflict);
}

TEST(IdentityCatalog, TheBuiltInEndpointsAreOnTheAddressTheClientUsed) {
  const auto& services = builtin_services();
  ASSERT_EQ(services.size(), 6u);
  EXPECT_TRUE(is_builtin_service(services[1].id));
  EXPECT_FALSE(is_builtin_service("something-else"));
  for (const auto& [id, e] : services[1].endpoints) {
    EXPECT_EQ(e.region_id, builtin_region_id);
    EXPECT_EQ(endpoint_url(e.url, "http://10.0.0.5:8774"), "http://10.0.0.5:8774/compute/v2.1");
  }
  EXPECT_EQ(endpoint_url("http://swift:8080/v1", "http://ignored"), "http://swift:8080/v1");
  // Block storage under both the types its clients look up, one URL.
  for (const char* type : {"block-storage", "volumev3"}) {
    auto s = std::find_if(services.begin(), services.end(),
                          [&](const service_state& x) { return x.type == type; });
    ASSERT_NE(s, services.end()) << type;
    for (const auto& [id, e] : s->endpoints)
      EXPECT_EQ(endpoint_url(e.url, "http://h:5000"), "http://h:5000/volume/v3") << type;
  }
}

}  // namespace
}  // namespace cumulo
