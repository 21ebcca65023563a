// Glance's metadata definitions catalog (/v2/metadefs), read-only: a few
// namespaces of image properties that Nova and libvirt read, so that forms
// like Horizon's "Update Metadata" can offer them. Glance ships a larger
// catalog that admins edit; here the catalog is fixed, and writing to it is
// 403 (metadefs are an admin's in Glance, and this one is part of cumulo).
// The property names and values are libvirt's and Nova's; the texts are ours.
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "api/auth.hpp"
#include "api/image.hpp"
#include "api/query.hpp"
#include "api/routing.hpp"
#include "engine/clock.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

using nlohmann::json;
using Pistache::Rest::Request;

const std::string metadefs_path = "/image/v2/metadefs";

// The catalog's one date: it is part of the build, not of the cloud.
const std::string catalog_date = "2026-12-07T00:00:00Z";

json property(const char* title, const char* description, const char* type,
              std::initializer_list<const char*> values = {}) {
  json p{{"title", title}, {"description", description}, {"type", type}};
  if (values.size() > 0) p["enum"] = json::array();
  for (const char* v : values) p["enum"].push_back(v);
  return p;
}

json association(const char* name, const char* prefix) {
  json a{{"name", name}, {"created_at", catalog_date}, {"updated_at", catalog_date}};
  if (prefix) a["prefix"] = prefix;
  return a;
}

struct namespace_def {
  std::string name;
  std::string display_name;
  std::string description;
  json associations;  // resource_type_associations
  json properties;    // name -> definition
};

const std::vector<namespace_def>& catalog() {
  static const std::vector<namespace_def> defs{
      {"OS::Compute::Libvirt",
       "libvirt Driver Options",
       "How libvirt presents the guest's devices: set on an image (hw_ prefix) or a flavor "
       "(hw: prefix).",
       json::array(
           {association("OS::Glance::Image", "hw_"), association("OS::Nova::Flavor", "hw:")}),
       {{"disk_bus", property("Disk Bus", "The bus the guest's disks are attached to.", "string",
                              {"virtio", "scsi", "sata", "ide", "usb"})},
        {"cdrom_bus", property("CD-ROM Bus", "The bus a config drive or ISO is attached to.",
                               "string", {"sata", "scsi", "ide", "usb", "virtio"})},
        {"vif_model",
         property("Virtual Network Interface", "The model of the guest's network cards.", "string",
                  {"virtio", "e1000", "e1000e", "rtl8139", "ne2k_pci", "pcnet"})},
        {"video_model", property("Video Model", "The guest's display adapter.", "string",
                                 {"virtio", "vga", "cirrus", "qxl", "bochs", "none"})},
        {"machine_type", property("Machine Type",
                                  "The QEMU machine type, e.g. q35 or pc (the host's default "
                                  "when unset).",
                                  "string")},
        {"qemu_guest_agent", property("QEMU Guest Agent",
                                      "Whether the image runs the QEMU guest agent (a channel "
                                      "is added for it).",
                                      "string", {"yes", "no"})},
        {"rng_model",
         property("Random Number Generator", "A virtio RNG device backed by the host's entropy.",
                  "string", {"virtio"})},
        {"firmware_type", property("Firmware", "BIOS or UEFI boot.", "string", {"bios", "uefi"})}}},
      {"OS::OperatingSystem",
       "Operating System",
       "What the image contains, for tools that pick defaults by operating system.",
       json::array(
           {association("OS::Glance::Image", nullptr), association("OS::Cinder::Volume", nullptr)}),
       {{"os_distro", property("OS Distro",
                               "The distribution, in lower case as libosinfo names it "
                               "(debian, ubuntu, fedora, centos, rhel, cirros, windows...).",
                               "string")},
        {"os_version",
         property("OS Version", "The distribution's version, e.g. 12 or 22.04.", "string")},
        {"os_type",
         property("OS Type", "The kind of operating system.", "string", {"linux", "windows"})},
        {"os_admin_user",
         property("Admin User", "The user cloud-init configures (the key pair's user).",
                  "string")}}},
      {"OS::Compute::Hypervisor",
       "Hypervisor Selection",
       "Which hypervisor the image needs: the scheduler places it on a host that has one.",
       json::array({association("OS::Glance::Image", nullptr)}),
       {{"hypervisor_type", property("Hypervisor Type", "The hypervisor the image runs on.",
                                     "string", {"qemu", "kvm"})},
        {"vm_mode", property("VM Mode", "The guest's virtualization mode.", "string", {"hvm"})},
        {"architecture", property("CPU Architecture", "The CPU the image is built for.", "string",
                                  {"x86_64", "aarch64", "i686", "ppc64le", "s390x"})}}},
  };
  return defs;
}

const namespace_def* find_namespace(const std::string& name) {
  for (const auto& d : catalog())
    if (d.name == name) return &d;
  return nullptr;
}

json namespace_json(const namespace_def& d, bool with_properties) {
  json j{{"namespace", d.name},
         {"display_name", d.display_name},
         {"description", d.description},
         {"visibility", "public"},
         {"protected", true},
         {"owner", "cumulo"},
         {"resource_type_associations", d.associations},
         {"created_at", catalog_date},
         {"updated_at", catalog_date},
         {"self", "/v2/metadefs/namespaces/" + d.name},
         {"schema", "/v2/schemas/metadefs/namespace"}};
  if (with_properties) j["properties"] = d.properties;
  return j;
}

bool associated_with(const namespace_def& d, const std::set<std::string>& types) {
  if (types.empty()) return true;
  for (const auto& a : d.associations)
    if (types.count(a.value("name", ""))) return true;
  return false;
}

void respond_namespace_not_found(responder& r, const std::string& name) {
  respond_error(r, 404, "Metadata definition namespace=" + name + " was not found.");
}

// Every metadefs route reads the catalog for a caller with a valid token.
void add_read(Pistache::Rest::Router& router, server_context& ctx, const std::string& path,
              std::function<void(const Request&, responder&)> answer) {
  add_route(router, ctx, http_method::get, path, service::image,
            [&ctx, answer](const Request& req, std::shared_ptr<responder> r) {
              auto copy = std::make_shared<const Request>(req);
              with_token(ctx, auth_token_of(req), r,
                         [answer, copy](std::shared_ptr<responder> rr, token_info&) {
                           answer(*copy, *rr);
                         });
            });
}

// The catalog is fixed: any write is refused the way Glance refuses a
// non-admin, after the token is checked.
void add_refused_writes(Pistache::Rest::Router& router, server_context& ctx,
                        const std::string& path, std::initializer_list<http_method> methods) {
  for (auto m : methods)
    add_route(
        router, ctx, m, path, service::image,
        [&ctx](const Request& req, std::shared_ptr<responder> r) {
          with_token(ctx, auth_token_of(req), r, [](std::shared_ptr<responder> rr, token_info&) {
            respond_error(*rr, 403, "The metadata definitions catalog of cumulo is read-only.");
          });
        });
}

// The JSON Schemas glanceclient builds its models from
// (/v2/schemas/metadefs/<name>).
json namespace_schema() {
  const json text = {{"type", "string"}};
  const json read_only = {{"type", "string"}, {"readOnly", true}};
  return {{"name", "namespace"},
          {"properties",
           {{"namespace", {{"type", "string"}, {"maxLength", 80}}},
            {"display_name", text},
            {"description", text},
            {"visibility", {{"type", "string"}, {"enum", {"public", "private"}}}},
            {"protected", {{"type", "boolean"}}},
            {"owner", text},
            {"created_at", read_only},
            {"updated_at", read_only},
            {"schema", read_only},
            {"self", read_only},
            {"resource_type_associations", {{"type", "array"}}},
            {"properties", {{"type", "object"}}},
            {"objects", {{"type", "array"}}},
            {"tags", {{"type", "array"}}}}},
          {"required", {"namespace"}},
          {"additionalProperties", false}};
}

json list_schema(const std::string& name, const std::string& key, const json& item) {
  return {{"name", name},
          {"properties",
           {{key, {{"type", "array"}, {"items", item}}},
            {"first", {{"type", "string"}}},
            {"next", {{"type", "string"}}},
            {"schema", {{"type", "string"}}}}},
          {"links",
           {{{"rel", "first"}, {"href", "{first}"}},
            {{"rel", "next"}, {"href", "{next}"}},
            {{"rel", "describedby"}, {"href", "{schema}"}}}}};
}

json item_schema(const std::string& name) {
  return {{"name", name},
          {"properties", {{"name", {{"type", "string"}}}}},
          {"additionalProperties", true}};
}

}  // namespace

void add_image_metadef_routes(Pistache::Rest::Router& router, server_context& ctx) {
  const std::string namespaces = metadefs_path + "/namespaces";
  add_read(router, ctx, namespaces, [](const Request& req, responder& r) {
    const auto q = query_list(req);
    const auto types = query_values(q, "resource_types");
    const auto visibility = query_values(q, "visibility");
    json list = json::array();
    for (const auto& d : catalog())
      if (associated_with(d, types) && (visibility.empty() || visibility.count("public")))
        list.push_back(namespace_json(d, false));
    respond(r, 200,
            {{"namespaces", list},
             {"first", "/v2/metadefs/namespaces"},
             {"schema", "/v2/schemas/metadefs/namespaces"}});
  });
  add_read(router, ctx, namespaces + "/:namespace", [](const Request& req, responder& r) {
    const std::string name = param_of(req, ":namespace");
    const auto* d = find_namespace(name);
    if (!d) return respond_namespace_not_found(r, name);
    json j = namespace_json(*d, true);
    j["objects"] = json::array();
    j["tags"] = json::array();
    respond(r, 200, j);
  });
  add_read(router, ctx, namespaces + "/:namespace/properties",
           [](const Request& req, responder& r) {
             const std::string name = param_of(req, ":namespace");
             const auto* d = find_namespace(name);
             if (!d) return respond_namespace_not_found(r, name);
             respond(r, 200, {{"properties", d->properties}});
           });
  add_read(router, ctx, namespaces + "/:namespace/properties/:property",
           [](const Request& req, responder& r) {
             const std::string name = param_of(req, ":namespace");
             const std::string prop = param_of(req, ":property");
             const auto* d = find_namespace(name);
             if (!d) return respond_namespace_not_found(r, name);
             if (!d->properties.contains(prop))
               return respond_error(r, 404,
                                    "Metadata definition property=" + prop +
                                        " not found in namespace=" + name + ".");
             json p = d->properties[prop];
             p["name"] = prop;
             respond(r, 200, p);
           });
  add_read(router, ctx, namespaces + "/:namespace/objects", [](const Request& req, responder& r) {
    const std::string name = param_of(req, ":namespace");
    if (!find_namespace(name)) return respond_namespace_not_found(r, name);
    respond(r, 200, {{"objects", json::array()}, {"schema", "v2/schemas/metadefs/objects"}});
  });
  add_read(router, ctx, namespaces + "/:namespace/tags", [](const Request& req, responder& r) {
    const std::string name = param_of(req, ":namespace");
    if (!find_namespace(name)) return respond_namespace_not_found(r, name);
    respond(r, 200, {{"tags", json::array()}});
  });
  add_read(router, ctx, namespaces + "/:namespace/resource_types",
           [](const Request& req, responder& r) {
             const std::string name = param_of(req, ":namespace");
             const auto* d = find_namespace(name);
             if (!d) return respond_namespace_not_found(r, name);
             respond(r, 200, {{"resource_type_associations", d->associations}});
           });
  add_read(router, ctx, metadefs_path + "/resource_types", [](const Request&, responder& r) {
    std::set<std::string> names;
    for (const auto& d : catalog())
      for (const auto& a : d.associations) names.insert(a.value("name", ""));
    json types = json::array();
    for (const auto& n : names)
      types.push_back({{"name", n}, {"created_at", catalog_date}, {"updated_at", catalog_date}});
    respond(r, 200, {{"resource_types", types}});
  });
  const std::string schemas = "/image/v2/schemas/metadefs/";
  const std::vector<std::pair<std::string, json>> all_schemas{
      {"namespace", namespace_schema()},
      {"namespaces", list_schema("namespaces", "namespaces", namespace_schema())},
      {"property", item_schema("property")},
      {"properties",
       {{"name", "properties"}, {"properties", {{"properties", {{"type", "object"}}}}}}},
      {"object", item_schema("object")},
      {"objects", list_schema("objects", "objects", item_schema("object"))},
      {"resource_type", item_schema("resource_type_association")},
      {"resource_types", list_schema("resource_type_associations", "resource_type_associations",
                                     item_schema("resource_type_association"))},
      {"tag", item_schema("tag")},
      {"tags", list_schema("tags", "tags", item_schema("tag"))}};
  for (const auto& [name, schema] : all_schemas)
    add_route(router, ctx, http_method::get, schemas + name, service::image,
              [schema = schema](const Request&, std::shared_ptr<responder> r) {
                respond(*r, 200, schema);
              });
  add_refused_writes(router, ctx, namespaces, {http_method::post});
  add_refused_writes(router, ctx, namespaces + "/:namespace", {http_method::put, http_method::del});
  add_refused_writes(router, ctx, namespaces + "/:namespace/properties", {http_method::post});
  add_refused_writes(router, ctx, namespaces + "/:namespace/objects", {http_method::post});
}

}  // namespace cumulo::api
