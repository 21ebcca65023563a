#include "api/json_body.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/pointer.h>
#include <rapidjson/schema.h>
#include <rapidjson/stringbuffer.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace cumulo::api {

struct schema_set::schema {
  nlohmann::json source;  // to explain a failure in words
  std::unique_ptr<rapidjson::SchemaDocument> compiled;
};

std::string shown(std::string text);

namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string pointer_text(const rapidjson::Pointer& p) {
  rapidjson::StringBuffer sb;
  p.Stringify(sb);
  return sb.GetString();
}

// Fields whose values never appear in an answer or a log line.
bool is_secret_field(const std::string& name) {
  static const char* const secrets[] = {
      "password", "original_password", "adminPass", "admin_password",
      "secret",   "private_key",       "token",     "blob"};
  for (const char* s : secrets)
    if (name == s) return true;
  return false;
}

// The value with every secret field's value replaced (bodies are depth-bounded
// before they get here, so the recursion is too).
nlohmann::json redacted(const nlohmann::json& v) {
  if (v.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [k, x] : v.items()) out[k] = is_secret_field(k) ? nlohmann::json("***") : redacted(x);
    return out;
  }
  if (v.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& x : v) out.push_back(redacted(x));
    return out;
  }
  return v;
}

// Python's repr, as Nova's jsonschema messages show values.
std::string repr(const nlohmann::json& v) {
  if (v.is_string()) return "'" + shown(v.get<std::string>()) + "'";
  return shown(v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

const nlohmann::json* at_pointer(const nlohmann::json& doc, const std::string& ptr) {
  try {
    const nlohmann::json::json_pointer p(ptr);
    return doc.contains(p) ? &doc.at(p) : nullptr;
  } catch (const nlohmann::json::exception&) {
    return nullptr;
  }
}

std::string field_name(const std::string& ptr) {
  if (ptr.empty()) return "request body";
  std::string last = ptr.substr(ptr.rfind('/') + 1);
  for (auto [esc, plain] : {std::pair{"~1", "/"}, std::pair{"~0", "~"}})
    for (auto at = last.find(esc); at != std::string::npos; at = last.find(esc, at + 1))
      last.replace(at, 2, plain);
  return last;
}

std::string reason(const std::string& keyword, const nlohmann::json& node,
                   const nlohmann::json& value) {
  const std::string v = repr(value);
  if (keyword == "type" && node.contains("type")) {
    const auto& t = node["type"];
    std::string types;
    if (t.is_array()) {
      for (const auto& x : t) types += (types.empty() ? "" : ", ") + repr(x);
    } else {
      types = repr(t);
    }
    return v + " is not of type " + types;
  }
  if (keyword == "required" && node.contains("required") && value.is_object())
    for (const auto& name : node["required"])
      if (name.is_string() && !value.contains(name.get<std::string>()))
        return repr(name) + " is a required property";
  if (keyword == "additionalProperties" && value.is_object()) {
    for (const auto& [k, _] : value.items())
      if (!node.contains("properties") || !node["properties"].contains(k))
        return "Additional properties are not allowed (" + repr(k) + " was unexpected)";
  }
  if (keyword == "enum" && node.contains("enum"))
    return v + " is not one of " + node["enum"].dump();
  if (keyword == "minLength") return v + " is too short";
  if (keyword == "maxLength") return v + " is too long";
  if (keyword == "minimum" && node.contains("minimum"))
    return v + " is less than the minimum of " + node["minimum"].dump();
  if (keyword == "maximum" && node.contains("maximum"))
    return v + " is greater than the maximum of " + node["maximum"].dump();
  if (keyword == "pattern" && node.contains("pattern"))
    return v + " does not match " + repr(node["pattern"]);
  return v + " is not valid under the schema's '" + keyword + "'";
}

bool is_json_media_type(const std::string& content_type) {
  std::string base = content_type.substr(0, content_type.find(';'));
  base.erase(base.find_last_not_of(" \t") + 1);
  base.erase(0, base.find_first_not_of(" \t"));
  for (auto& c : base) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  // application/json and vendor types like application/openstack-images-v2.1-json-patch
  return base == "application/json" ||
         (base.rfind("application/", 0) == 0 && base.find("json") != std::string::npos);
}

}  // namespace

// A value as an error message shows it: at most max_shown bytes of it, so an
// invalid 900 KB value costs a short answer and a short log line.
std::string shown(std::string text) {
  constexpr std::size_t max_shown = 256;
  if (text.size() <= max_shown) return text;
  // Cut on a UTF-8 character boundary.
  std::size_t cut = max_shown;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
  return text + "...";
}

std::optional<std::string> json_too_deep(const std::string& text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;  // the escaped character, whatever it is
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth)
        return "Malformed request body: JSON nested deeper than " + std::to_string(max_depth) +
               " levels.";
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return std::nullopt;
}

schema_set::schema_set() = default;
schema_set::~schema_set() = default;
schema_set::schema_set(schema_set&&) noexcept = default;
schema_set& schema_set::operator=(schema_set&&) noexcept = default;

schema_set::schema_set(const std::filesystem::path& schemas_dir) {
  const auto dir = schemas_dir / "api";
  if (!std::filesystem::is_directory(dir)) return;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    const std::string text = slurp(entry.path());
    auto s = std::make_unique<schema>();
    s->source = nlohmann::json::parse(text, nullptr, false);
    rapidjson::Document d;
    d.Parse(text.c_str(), text.size());
    if (s->source.is_discarded() || d.HasParseError())
      throw std::runtime_error("invalid JSON Schema file " + entry.path().string());
    s->compiled = std::make_unique<rapidjson::SchemaDocument>(d);
    schemas_[entry.path().stem().string()] = std::move(s);
  }
}

bool schema_set::has(const std::string& name) const {
  return schemas_.count(name) != 0;
}

std::optional<std::string> schema_set::validate(const std::string& name,
                                                const nlohmann::json& doc) const {
  const schema& s = *schemas_.at(name);
  const std::string text = doc.dump();
  rapidjson::Document d;
  d.Parse(text.c_str(), text.size());
  rapidjson::SchemaValidator validator(*s.compiled);
  if (d.Accept(validator)) return std::nullopt;
  const std::string keyword = validator.GetInvalidSchemaKeyword();
  std::string doc_ptr = pointer_text(validator.GetInvalidDocumentPointer());
  const std::string schema_ptr = pointer_text(validator.GetInvalidSchemaPointer());
  std::string why;
  if (keyword == "additionalProperties" && !doc_ptr.empty()) {
    // RapidJSON points at the unexpected member; Nova names its object.
    why =
        "Additional properties are not allowed (" + repr(field_name(doc_ptr)) + " was unexpected)";
    doc_ptr.erase(doc_ptr.rfind('/'));
  }
  const nlohmann::json* value = at_pointer(doc, doc_ptr);
  const nlohmann::json* node = at_pointer(s.source, schema_ptr);
  const nlohmann::json none;
  const std::string field = field_name(doc_ptr);
  // A secret's value is never echoed, wherever it sits in the shown value.
  const nlohmann::json v = is_secret_field(field) ? nlohmann::json("***")
                                                  : redacted(value ? *value : none);
  if (why.empty()) why = reason(keyword, node ? *node : none, v);
  return "Invalid input for field/attribute " + field + ". Value: " +
         (v.is_string() ? shown(v.get<std::string>()) : repr(v)) + ". " + why;
}

json_body read_json_body(const std::string& body, const std::string& content_type,
                         const schema_set& schemas, const std::string& schema_name,
                         std::size_t max_bytes) {
  json_body out;
  if (body.size() > max_bytes) {
    out.error =
        body_error{413, "The request body is " + std::to_string(body.size()) +
                            " bytes; the limit is " + std::to_string(max_bytes) + " bytes."};
    return out;
  }
  if (!is_json_media_type(content_type)) {
    out.error = body_error{
        415, "The request's Content-Type must be application/json, not '" + content_type + "'."};
    return out;
  }
  if (auto deep = json_too_deep(body)) {
    out.error = body_error{400, *deep};
    return out;
  }
  out.value = nlohmann::json::parse(body, nullptr, false);
  if (out.value.is_discarded()) {
    out.error = body_error{400, body.empty() ? "The request body is empty; a JSON body is expected."
                                             : "Malformed request body: it is not valid JSON."};
    return out;
  }
  if (!schema_name.empty())
    if (auto problem = schemas.validate(schema_name, out.value))
      out.error = body_error{400, *problem};
  return out;
}

}  // namespace cumulo::api
