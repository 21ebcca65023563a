// JSON request bodies: size limit (413), Content-Type (415), syntax (400)
// and the route's JSON Schema from schemas/api/<name>.json (400 with a
// message naming the field, in Nova's words).
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace cumulo::api {

struct body_error {
  int status = 400;
  std::string message;
};

// The JSON Schemas of the API request bodies, loaded once at start.
class schema_set {
 public:
  schema_set();
  // Loads every <schemas_dir>/api/*.json under its file name without
  // ".json"; no api/ folder means no schemas. Throws std::runtime_error
  // naming the file when one is not valid JSON.
  explicit schema_set(const std::filesystem::path& schemas_dir);
  ~schema_set();
  schema_set(schema_set&&) noexcept;
  schema_set& operator=(schema_set&&) noexcept;

  bool has(const std::string& name) const;
  // Nothing when doc is valid against schema `name`, else what is wrong
  // ("Invalid input for field/attribute name. Value: 5. 5 is not of type
  // 'string'"). An unknown schema name throws std::out_of_range (a bug).
  std::optional<std::string> validate(const std::string& name, const nlohmann::json& doc) const;

 private:
  struct schema;
  std::map<std::string, std::unique_ptr<schema>> schemas_;
};

struct json_body {
  nlohmann::json value;
  std::optional<body_error> error;
  explicit operator bool() const { return !error; }
};

constexpr std::size_t default_max_json_body = 1 << 20;
// OpenStack's bodies nest a few levels; a parser, a validator or a dump
// that recurses must never see 100,000.
constexpr int max_json_depth = 64;

// A message when text (JSON, valid or not) opens more than max_depth arrays
// and objects at once: a linear scan, before anything recursive runs.
std::optional<std::string> json_too_deep(const std::string& text, int max_depth = max_json_depth);

// Reads a JSON request body. content_type is the request's Content-Type
// value ("" when absent); schema_name "" skips the schema check.
json_body read_json_body(const std::string& body, const std::string& content_type,
                         const schema_set& schemas, const std::string& schema_name = "",
                         std::size_t max_bytes = default_max_json_body);

// A client's value as an error message quotes it: at most 256 bytes of it
// (cut on a UTF-8 boundary, then "..."), so a huge value costs a short
// answer and a short log line.
std::string shown(std::string text);

}  // namespace cumulo::api
