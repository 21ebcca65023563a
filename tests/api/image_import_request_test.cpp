// api/image_import_request: POST /v2/images/{id}/import's body as Glance
// reads it (method, stores, all_stores, all_stores_must_succeed, the
// X-Image-Meta-Store header) and its 400s in Glance's words.
#include <gtest/gtest.h>

#include "api/image_import_request.hpp"

namespace cumulo::api {
namespace {

using nlohmann::json;

std::string error_of(const json& body, const std::string& header = "") {
  auto p = parse_import_request(body, header);
  return p.error.value_or("");
}

TEST(ImageImportRequest, GlanceDirectAndCopyImage) {
  auto p = parse_import_request({{"method", {{"name", "glance-direct"}}}}, "");
  ASSERT_FALSE(p.error) << *p.error;
  EXPECT_EQ(p.request.method, "glance-direct");
  EXPECT_TRUE(p.request.stores.empty()) << "the default store";
  EXPECT_FALSE(p.request.all_stores);

  p = parse_import_request({{"method", {{"name", "copy-image"}}},
                            {"all_stores", true},
                            {"all_stores_must_succeed", false}},
                           "");
  ASSERT_FALSE(p.error) << *p.error;
  EXPECT_EQ(p.request.method, "copy-image");
  EXPECT_TRUE(p.request.all_stores);

  p = parse_import_request({{"method", {{"name", "glance-direct"}}}, {"stores", {"file", "x"}}},
                           "");
  ASSERT_FALSE(p.error) << *p.error;
  EXPECT_EQ(p.request.stores, (std::vector<std::string>{"file", "x"}));
  p = parse_import_request({{"method", {{"name", "glance-direct"}}}}, "file");
  ASSERT_FALSE(p.error) << *p.error;
  EXPECT_EQ(p.request.stores, std::vector<std::string>{"file"}) << "the header names a store";
  // web-download's uri means nothing to these methods (Glance ignores it).
  EXPECT_EQ(error_of({{"method", {{"name", "glance-direct"}, {"uri", "http://x"}}}}), "");
}

TEST(ImageImportRequest, RefusalsInGlancesWords) {
  EXPECT_EQ(error_of(json::array()), "Import request requires a 'method' field.");
  EXPECT_EQ(error_of({{"stores", {"file"}}}), "Import request requires a 'method' field.");
  EXPECT_EQ(error_of({{"method", "glance-direct"}}), "Import request requires a 'name' field.");
  EXPECT_EQ(error_of({{"method", {{"uri", "x"}}}}), "Import request requires a 'name' field.");
  EXPECT_EQ(error_of({{"method", {{"name", "web-download"}}}}),
            "Unknown import method name 'web-download'.")
      << "not offered: cumulo fetches nothing";
  EXPECT_EQ(error_of({{"method", {{"name", "glance-download"}}}}),
            "Unknown import method name 'glance-download'.");
  EXPECT_EQ(error_of({{"method", {{"name", 5}}}}), "Unknown import method name '5'.");
  EXPECT_EQ(error_of({{"method", {{"name", std::string(1000, 'm')}}}}).size(),
            std::string("Unknown import method name '").size() + 256 + 3 + 2)
      << "a long name is cut when quoted (json_body's shown: 256 bytes)";
  const json gd = {{"name", "glance-direct"}};
  EXPECT_EQ(error_of({{"method", gd}, {"all_stores", "true"}}),
            "'all_stores' must be boolean value only");
  EXPECT_EQ(error_of({{"method", gd}, {"all_stores_must_succeed", 1}}),
            "'all_stores_must_succeed' must be boolean value only");
  EXPECT_EQ(error_of({{"method", gd}, {"all_stores", true}, {"stores", {"file"}}}),
            "All_stores parameter can't be used with x-image-meta-store header or stores "
            "parameter");
  EXPECT_EQ(error_of({{"method", gd}, {"all_stores", true}}, "file"),
            "All_stores parameter can't be used with x-image-meta-store header or stores "
            "parameter");
  EXPECT_EQ(error_of({{"method", gd}, {"stores", {"file"}}}, "file"),
            "Stores parameter and x-image-meta-store header can't be both specified");
  EXPECT_NE(error_of({{"method", gd}, {"stores", "file"}}), "") << "a list, not a string";
  EXPECT_NE(error_of({{"method", gd}, {"stores", {1}}}), "");
  EXPECT_NE(error_of({{"method", gd}, {"stores", {""}}}), "");
  EXPECT_NE(error_of({{"method", gd}, {"stores", json::array({std::string(256, 's')})}}), "");
  EXPECT_NE(error_of({{"method", gd}}, "\xff"), "") << "a header that is no UTF-8";
  json many = json::array();
  for (int i = 0; i < 65; ++i) many.push_back("file");
  EXPECT_NE(error_of({{"method", gd}, {"stores", many}}), "") << "bounded";
}

}  // namespace
}  // namespace cumulo::api
