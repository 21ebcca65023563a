// The error bodies each service's clients read the message out of.
#include <gtest/gtest.h>

#include "api/errors.hpp"

namespace cumulo::api {
namespace {

TEST(ErrorBody, KeystoneHasCodeTitleAndMessageUnderError) {
  auto b = error_body(service::identity, 403, "You are not authorized.");
  EXPECT_EQ(
      b,
      nlohmann::json::parse(
          R"({"error": {"code": 403, "title": "Forbidden", "message": "You are not authorized."}})"));
  EXPECT_EQ(error_body(service::identity, 413, "x")["error"]["title"], "Request Entity Too Large");
  EXPECT_EQ(error_body(service::identity, 415, "x")["error"]["title"], "Unsupported Media Type");
  EXPECT_EQ(error_body(service::identity, 503, "x")["error"]["title"], "Service Unavailable");
}

TEST(ErrorBody, NovaNamesTheFaultAsTheOnlyKey) {
  const std::pair<int, const char*> keys[] = {
      {400, "badRequest"},   {401, "unauthorized"},       {403, "forbidden"},
      {404, "itemNotFound"}, {409, "conflictingRequest"}, {413, "overLimit"},
      {500, "computeFault"}, {503, "serviceUnavailable"}};
  for (auto [status, key] : keys) {
    auto b = error_body(service::compute, status, "m");
    ASSERT_EQ(b.size(), 1u);
    EXPECT_EQ(b[key], (nlohmann::json{{"code", status}, {"message", "m"}})) << status;
  }
}

TEST(ErrorBody, NeutronCarriesTheTypeTheCallerNamesOrTheGenericOne) {
  EXPECT_EQ(error_body(service::network, 404, "Network x could not be found.", "NetworkNotFound"),
            nlohmann::json::parse(R"({"NeutronError": {"type": "NetworkNotFound",
              "message": "Network x could not be found.", "detail": ""}})"));
  EXPECT_EQ(error_body(service::network, 404, "m")["NeutronError"]["type"], "HTTPNotFound");
}

TEST(ErrorBody, GlanceIsFlat) {
  EXPECT_EQ(error_body(service::image, 404, "No image found with ID x"),
            nlohmann::json::parse(
                R"({"code": 404, "title": "Not Found", "message": "No image found with ID x"})"));
}

TEST(ErrorBody, CinderNamesTheFaultAsNovaDoesButA429IsAComputeFault) {
  EXPECT_EQ(error_body(service::volume, 413, "Maximum number of volumes allowed (10) exceeded"),
            nlohmann::json::parse(R"({"overLimit": {"code": 413,
              "message": "Maximum number of volumes allowed (10) exceeded"}})"));
  EXPECT_EQ(error_body(service::volume, 404, "m")["itemNotFound"]["code"], 404);
  EXPECT_EQ(error_body(service::volume, 400, "m")["badRequest"]["message"], "m");
  EXPECT_TRUE(error_body(service::volume, 429, "m").contains("computeFault"));
}

TEST(ErrorBody, ADomainErrorGetsTheStatusOfItsCode) {
  const domain_error e{errc::conflict, "Quota exceeded"};
  EXPECT_EQ(status_of(e), 409);
  EXPECT_EQ(error_body(service::compute, e)["conflictingRequest"]["message"], "Quota exceeded");
  EXPECT_EQ(status_of(domain_error{errc::unavailable, ""}), 503);
}

TEST(ErrorBody, ThePathPrefixNamesTheService) {
  EXPECT_EQ(service_of_path("/compute/v2.1/servers"), service::compute);
  EXPECT_EQ(service_of_path("/image/v2/images"), service::image);
  EXPECT_EQ(service_of_path("/networking/v2.0/networks"), service::network);
  EXPECT_EQ(service_of_path("/volume/v3/volumes"), service::volume);
  EXPECT_EQ(service_of_path("/volume"), service::volume);
  EXPECT_EQ(service_of_path("/volumes"), service::identity);
  EXPECT_EQ(service_of_path("/v3/projects"), service::identity);
  EXPECT_EQ(service_of_path("/computer"), service::identity);
  EXPECT_EQ(service_of_path("/"), service::identity);
}

}  // namespace
}  // namespace cumulo::api
