// Fuzzes api/json_body: json_too_deep (the nesting bound scanned before
// any recursive parser), read_json_body (size limit, Content-Type, syntax)
// and schema_set::validate against the real schemas of schemas/api/ (the
// RapidJSON schema validator, then the message in Nova's words),
// api/compute_block_devices' parse of a server create that passed,
// api/image_import_request's parse of any body read without a schema (as
// the import route reads its own), with and without a store header,
// the blob of an EC2 credential (engine/credential_state's read_ec2_blob:
// JSON inside a JSON string, read as the credential routes read it),
// api/network_port_attributes' of a port create or update that passed, and
// api/network_router_routes' of a router update or extraroutes body that
// passed, each list then decided by a router (engine/router_routes).
//
// Input: byte 0 picks the schema (the sorted list of schemas/api/*.json;
// one value in eight validates no schema), byte 1 picks a Content-Type, the
// rest is the body.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "api/compute_block_devices.hpp"
#include "api/image_import_request.hpp"
#include "api/json_body.hpp"
#include "engine/credential_state.hpp"
#include "api/network_port_attributes.hpp"
#include "api/network_router_routes.hpp"
#include "engine/router_state.hpp"

using namespace cumulo::api;

// RapidJSON's own undefined behaviour at every schema load is suppressed
// (ubsan-suppressions.txt says why); anything else still stops the run.
extern "C" const char* __ubsan_default_options() {
  return "suppressions=" CUMULO_FUZZ_DIR "/ubsan-suppressions.txt:halt_on_error=1:print_stacktrace=1";
}

namespace {

struct fixture {
  schema_set schemas;
  std::vector<std::string> names;
};

const fixture& the_fixture() {
  static const fixture f = [] {
    fixture x{schema_set(CUMULO_SCHEMA_DIR), {}};
    for (const auto& e : std::filesystem::directory_iterator(std::filesystem::path(CUMULO_SCHEMA_DIR) / "api"))
      if (e.path().extension() == ".json") x.names.push_back(e.path().stem().string());
    std::sort(x.names.begin(), x.names.end());
    if (x.names.empty()) std::abort();  // the fuzzer would test nothing
    return x;
  }();
  return f;
}

// A router with an interface on 10.0.0.0/24 and a gateway on
// 203.0.113.0/24, and one route: what routes are decided against.
const cumulo::router_state& a_router() {
  static const cumulo::router_state r = [] {
    cumulo::router_state s;
    s.id = "r1";
    s.version = 3;
    s.interfaces.push_back({"port-a", "sub-a", "net-a"});
    s.gateway = cumulo::router::gateway{"ext", "gwport", {{"extsub", "203.0.113.5"}}, true};
    s.routes.push_back({"10.1.0.0/24", "10.0.0.9"});
    return s;
  }();
  return r;
}

const std::vector<cumulo::router::link>& router_links() {
  static const std::vector<cumulo::router::link> links{
      {"port-a", "sub-a", "10.0.0.0/24", "10.0.0.1"},
      {"gwport", "extsub", "203.0.113.0/24", "203.0.113.5"},
      {"port-6", "sub-6", "2001:db8::/64", "2001:db8::1"}};
  return links;
}

const char* const content_types[] = {
    "application/json", "application/json; charset=UTF-8", "application/openstack-images-v2.1-json-patch",
    "", "text/plain", " APPLICATION/JSON ;", "application/", ";"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const fixture& f = the_fixture();
  std::string schema;
  if (data[0] % 8 != 7) schema = f.names[data[0] % f.names.size()];
  const std::string content_type = content_types[data[1] % std::size(content_types)];
  const std::string body(reinterpret_cast<const char*>(data) + 2, size - 2);
  (void)json_too_deep(body);
  (void)json_too_deep(body, data[0] % 8);
  auto out = read_json_body(body, content_type, f.schemas, schema);
  if (out) (void)out.value.dump();
  // A server create the schema let through: its block device mappings.
  if (out && schema == "compute_server_create" && out.value.contains("server"))
    (void)parse_boot_volume(out.value["server"], data[1] % 100);
  // The same bytes as a credential's blob: its id, its app_cred_id added.
  if (auto blob = cumulo::read_ec2_blob(body)) {
    (void)cumulo::ec2_credential_id(blob.value()["access"].get<std::string>());
    blob.value()["app_cred_id"] = "a";
    (void)blob.value().dump();
  }
  // POST /v2/images/{id}/import: the route reads no schema, the parser all.
  if (out && schema.empty()) {
    (void)parse_import_request(out.value, "");
    (void)parse_import_request(out.value, data[1] % 2 ? "file" : "\xff\xfe");
  }
  // A port the schema let through: its address pairs and DHCP options.
  if (out && (schema == "network_port_create" || schema == "network_port_update") &&
      out.value.contains("port") && out.value["port"].is_object()) {
    const auto& port = out.value["port"];
    if (port.contains("allowed_address_pairs"))
      (void)address_pairs_of(port["allowed_address_pairs"]);
    if (port.contains("extra_dhcp_opts")) (void)dhcp_options_of(port["extra_dhcp_opts"]);
  }
  // A router's routes the schema let through: read, then decided as a
  // replacement, an addition and a removal.
  if (out && (schema == "network_router_update" || schema == "network_router_extraroutes") &&
      out.value.contains("router") && out.value["router"].is_object() &&
      out.value["router"].contains("routes")) {
    auto routes = routes_of(out.value["router"]["routes"]);
    if (routes) {
      namespace router = cumulo::router;
      const auto& r = a_router();
      const auto& links = router_links();
      (void)cumulo::router_machine::decide(r, router::set_routes{routes.value(), links});
      (void)cumulo::router_machine::decide(r, router::add_routes{routes.value(), links});
      (void)cumulo::router_machine::decide(r, router::remove_routes{routes.value(), links});
    }
  }
  // A small limit too: the 413 path.
  (void)read_json_body(body, content_type, f.schemas, schema, 64);
  return 0;
}
