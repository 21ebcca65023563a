#include "api/image_views.hpp"

#include <array>
#include <string_view>

#include "engine/clock.hpp"
#include "engine/image_listing.hpp"

namespace cumulo::api {
namespace {

using nlohmann::json;

json text_or_null(const std::string& s) {
  return s.empty() ? json(nullptr) : json(s);
}

// Glance's times have no fraction: 2026-11-30T06:10:03Z.
json time_of(std::int64_t us) {
  return us ? json(format_iso8601(us)) : json(nullptr);
}

}  // namespace

json image_json(const image_state& s) {
  json j = json::object();
  // Extra properties first: a core attribute always wins over a key of
  // the same name (the engine refuses reserved keys anyway).
  for (const auto& [k, v] : s.properties)
    if (k != "os_hidden") j[k] = v;
  j["id"] = s.id;
  j["name"] = text_or_null(s.name);
  j["status"] = s.status;
  j["visibility"] = s.visibility;
  j["protected"] = s.is_protected;
  j["os_hidden"] = image_hidden(s);
  j["checksum"] = text_or_null(s.checksum);
  j["os_hash_algo"] = text_or_null(s.os_hash_algo);
  j["os_hash_value"] = text_or_null(s.os_hash_value);
  j["owner"] = s.owner;
  j["size"] = s.size ? json(*s.size) : json(nullptr);
  j["virtual_size"] = s.virtual_size ? json(*s.virtual_size) : json(nullptr);
  j["min_ram"] = s.min_ram;
  j["min_disk"] = s.min_disk;
  j["disk_format"] = text_or_null(s.disk_format);
  j["container_format"] = text_or_null(s.container_format);
  j["created_at"] = time_of(s.created_at_us);
  j["updated_at"] = time_of(s.updated_at_us);
  j["tags"] = s.tags;
  j["self"] = "/v2/images/" + s.id;
  j["file"] = "/v2/images/" + s.id + "/file";
  j["schema"] = "/v2/schemas/image";
  // Glance with several stores enabled (cumulo has one) names those that
  // hold the image's data.
  if (s.status == "active" || s.status == "deactivated") j["stores"] = image::store_id;
  return j;
}

bool image_read_only(const std::string& key) {
  static constexpr std::array<std::string_view, 15> keys{
      "status",       "checksum",   "os_hash_algo", "os_hash_value", "size",
      "virtual_size", "created_at", "updated_at",   "self",          "file",
      "schema",       "locations",  "direct_url",   "owner",         "stores"};
  for (auto k : keys)
    if (k == key) return true;
  return false;
}

json image_schema() {
  auto text = [](bool nullable) {
    return nullable ? json{{"type", json::array({"null", "string"})}, {"maxLength", 255}}
                    : json{{"type", "string"}};
  };
  auto enumeration = [](std::initializer_list<const char*> values) {
    json e = json::array({nullptr});
    for (auto v : values) e.push_back(v);
    return json{{"type", json::array({"null", "string"})}, {"enum", e}};
  };
  json props = {
      {"id",
       {{"type", "string"},
        {"pattern",
         "^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}"
         "-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$"}}},
      {"name", text(true)},
      {"status",
       {{"type", "string"},
        {"readOnly", true},
        {"enum",
         {"queued", "saving", "active", "killed", "deleted", "uploading", "importing",
          "pending_delete", "deactivated"}}}},
      {"visibility", {{"type", "string"}, {"enum", {"community", "public", "private", "shared"}}}},
      {"protected", {{"type", "boolean"}}},
      {"os_hidden", {{"type", "boolean"}}},
      {"checksum", {{"type", json::array({"null", "string"})}, {"readOnly", true}}},
      {"os_hash_algo", {{"type", json::array({"null", "string"})}, {"readOnly", true}}},
      {"os_hash_value", {{"type", json::array({"null", "string"})}, {"readOnly", true}}},
      {"owner", text(true)},
      {"size", {{"type", json::array({"null", "integer"})}, {"readOnly", true}}},
      {"virtual_size", {{"type", json::array({"null", "integer"})}, {"readOnly", true}}},
      {"container_format",
       enumeration({"ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed"})},
      {"disk_format", enumeration({"ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2",
                                   "vdi", "iso", "ploop"})},
      {"created_at", {{"type", "string"}, {"readOnly", true}}},
      {"updated_at", {{"type", "string"}, {"readOnly", true}}},
      {"tags", {{"type", "array"}, {"items", {{"type", "string"}, {"maxLength", 255}}}}},
      {"min_ram", {{"type", "integer"}}},
      {"min_disk", {{"type", "integer"}}},
      {"self", {{"type", "string"}, {"readOnly", true}}},
      {"file", {{"type", "string"}, {"readOnly", true}}},
      {"schema", {{"type", "string"}, {"readOnly", true}}},
      {"stores", {{"type", "string"}, {"readOnly", true}}},
  };
  return {{"name", "image"},
          {"properties", props},
          {"additionalProperties", {{"type", "string"}}},
          {"links",
           {{{"rel", "self"}, {"href", "{self}"}},
            {{"rel", "enclosure"}, {"href", "{file}"}},
            {{"rel", "describedby"}, {"href", "{schema}"}}}}};
}

json images_schema() {
  return {{"name", "images"},
          {"properties",
           {{"images", {{"type", "array"}, {"items", image_schema()}}},
            {"schema", {{"type", "string"}}},
            {"first", {{"type", "string"}}},
            {"next", {{"type", "string"}}}}},
          {"links",
           {{{"rel", "first"}, {"href", "{first}"}},
            {{"rel", "next"}, {"href", "{next}"}},
            {{"rel", "describedby"}, {"href", "{schema}"}}}}};
}

json member_json(const std::string& image_id, const std::string& member_id, const image_member& m) {
  return {{"image_id", image_id},
          {"member_id", member_id},
          {"status", m.status},
          {"created_at", time_of(m.created_at_us)},
          {"updated_at", time_of(m.updated_at_us)},
          {"schema", "/v2/schemas/member"}};
}

json member_schema() {
  const json text = {{"type", "string"}};
  return {{"name", "member"},
          {"properties",
           {{"image_id",
             {{"type", "string"},
              {"pattern",
               "^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-"
               "([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-"
               "([0-9a-fA-F]){12}$"}}},
            {"member_id", text},
            {"status", {{"type", "string"}, {"enum", {"pending", "accepted", "rejected"}}}},
            {"created_at", text},
            {"updated_at", text},
            {"schema", {{"type", "string"}, {"readOnly", true}}}}}};
}

json members_schema() {
  return {{"name", "members"},
          {"properties",
           {{"members", {{"type", "array"}, {"items", member_schema()}}},
            {"schema", {{"type", "string"}}}}},
          {"links", {{{"rel", "describedby"}, {"href", "{schema}"}}}}};
}

}  // namespace cumulo::api
