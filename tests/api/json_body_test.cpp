// Request bodies: limits, media type, syntax and JSON Schema, with
// messages that say what is wrong.
#include <gtest/gtest.h>

#include <fstream>

#include "api/json_body.hpp"
#include "tests/temp_dir.hpp"

namespace cumulo::api {
namespace {

class JsonBody : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir.path() / "api");
    std::ofstream(dir.path() / "api" / "project_create.json") << R"({
      "type": "object",
      "properties": {
        "project": {
          "type": "object",
          "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 64},
            "enabled": {"type": "boolean"}
          },
          "required": ["name"],
          "additionalProperties": false
        }
      },
      "required": ["project"]
    })";
    schemas = schema_set(dir.path());
  }

  std::optional<body_error> error_of(const std::string& body,
                                     const std::string& type = "application/json") {
    return read_json_body(body, type, schemas, "project_create").error;
  }

  temp_dir dir;
  schema_set schemas;
};

TEST_F(JsonBody, AValidBodyIsParsed) {
  auto b = read_json_body(R"({"project": {"name": "demo"}})", "application/json; charset=UTF-8",
                          schemas, "project_create");
  ASSERT_TRUE(b) << b.error->message;
  EXPECT_EQ(b.value["project"]["name"], "demo");
  EXPECT_TRUE(schemas.has("project_create"));
}

TEST_F(JsonBody, TooLargeIs413) {
  auto e = read_json_body(std::string(2000, ' '), "application/json", schemas, "", 1000).error;
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status, 413);
  EXPECT_NE(e->message.find("1000"), std::string::npos) << e->message;
}

TEST_F(JsonBody, NotJsonMediaTypeIs415) {
  auto e = error_of(R"({"project": {"name": "demo"}})", "text/plain");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status, 415);
  EXPECT_EQ(error_of(R"({"project": {"name": "demo"}})", "")->status, 415);
}

TEST_F(JsonBody, MalformedJsonIs400) {
  auto e = error_of(R"({"project": )");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status, 400);
  EXPECT_NE(e->message.find("not valid JSON"), std::string::npos);
  EXPECT_EQ(error_of("")->status, 400);
}

TEST_F(JsonBody, AWrongTypeNamesTheFieldTheValueAndTheType) {
  auto e = error_of(R"({"project": {"name": 5}})");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status, 400);
  EXPECT_EQ(e->message,
            "Invalid input for field/attribute name. Value: 5. 5 is not of type 'string'");
}

TEST_F(JsonBody, AMissingRequiredFieldIsNamed) {
  auto e = error_of(R"({"project": {"enabled": true}})");
  ASSERT_TRUE(e);
  EXPECT_NE(e->message.find("'name' is a required property"), std::string::npos) << e->message;
  EXPECT_NE(e->message.find("field/attribute project"), std::string::npos) << e->message;
}

TEST_F(JsonBody, AnUnexpectedFieldIsNamed) {
  auto e = error_of(R"({"project": {"name": "a", "colour": "red"}})");
  ASSERT_TRUE(e);
  EXPECT_NE(e->message.find("('colour' was unexpected)"), std::string::npos) << e->message;
}

TEST_F(JsonBody, AnEmptyNameIsTooShort) {
  auto e = error_of(R"({"project": {"name": ""}})");
  ASSERT_TRUE(e);
  EXPECT_NE(e->message.find("'' is too short"), std::string::npos) << e->message;
}

TEST(SchemaSet, AnInvalidSchemaFileIsRefusedAtLoadNamingTheFile) {
  temp_dir dir;
  std::filesystem::create_directories(dir.path() / "api");
  std::ofstream(dir.path() / "api" / "broken.json") << "{";
  try {
    schema_set s(dir.path());
    FAIL() << "loaded a broken schema";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("broken.json"), std::string::npos);
  }
  EXPECT_FALSE(schema_set(dir.path() / "nowhere").has("broken"));
}

}  // namespace
}  // namespace cumulo::api
