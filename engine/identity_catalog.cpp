#include "engine/identity_catalog.hpp"

#include <algorithm>

namespace cumulo {
namespace {

struct builtin {
  const char* type;
  const char* name;
  const char* path;
  const char* id;
};

// The ids are fixed: clients may keep them.
constexpr builtin builtins[] = {
    {"identity", "keystone", "/v3", "6b1a0f6c2d7e4c1e9a8e0d3b5f4c2a10"},
    {"compute", "nova", "/compute/v2.1", "6b1a0f6c2d7e4c1e9a8e0d3b5f4c2a20"},
    {"image", "glance", "/image", "6b1a0f6c2d7e4c1e9a8e0d3b5f4c2a30"},
    {"network", "neutron", "/networking", "6b1a0f6c2d7e4c1e9a8e0d3b5f4c2a40"},
    // Cinder twice, as Cinder's own deployments list it: block-storage is
    // the official type (openstacksdk), volumev3 its alias, which
    // cinderclient asks for and OSC's `limits show` looks up by that exact
    // name. No project id in the URL: Cinder serves both forms (3.67 says
    // so), and the clients append /volumes etc. to whatever the catalog says.
    {"block-storage", "cinder", "/volume/v3", "6b1a0f6c2d7e4c1e9a8e0d3b5f4c2a50"},
    {"volumev3", "cinderv3", "/volume/v3", "6b1a0f6c2d7e4c1e9a8e0d3b5f4c2a60"},
};

constexpr const char* base_placeholder = "{base}";

}  // namespace

const std::vector<service_state>& builtin_services() {
  static const std::vector<service_state> all = [] {
    std::vector<service_state> out;
    for (const auto& b : builtins) {
      service_state s;
      s.id = b.id;
      s.version = 1;
      s.type = b.type;
      s.name = b.name;
      int n = 0;
      for (const char* interface : {"public", "internal", "admin"}) {
        const std::string id = std::string(b.id) + std::to_string(++n);
        s.endpoints[id] = endpoint{id, interface, builtin_region_id,
                                   std::string(base_placeholder) + b.path, true};
      }
      out.push_back(std::move(s));
    }
    return out;
  }();
  return all;
}

const region_state& builtin_region() {
  static const region_state r = [] {
    region_state s;
    s.id = builtin_region_id;
    s.version = 1;
    return s;
  }();
  return r;
}

bool is_builtin_service(const std::string& id) {
  return std::any_of(std::begin(builtins), std::end(builtins),
                     [&](const builtin& b) { return id == b.id; });
}

std::string endpoint_url(const std::string& url, const std::string& base_url) {
  const std::string placeholder = base_placeholder;
  if (url.rfind(placeholder, 0) == 0) return base_url + url.substr(placeholder.size());
  return url;
}

}  // namespace cumulo
