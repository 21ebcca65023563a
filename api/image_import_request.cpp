#include "api/image_import_request.hpp"

#include <algorithm>

#include "api/json_body.hpp"
#include "engine/utf8.hpp"

namespace cumulo::api {
namespace {

// Far more stores than any cloud has (cumulo has one).
constexpr std::size_t max_stores = 64;

// A store id as Glance's store identifiers go: short, printable text.
bool store_id_shaped(const std::string& id) {
  return !id.empty() && id.size() <= 255 && valid_utf8(id);
}

}  // namespace

import_request_parse parse_import_request(const nlohmann::json& body,
                                          const std::string& store_header) {
  import_request_parse out;
  auto fail = [&out](std::string message) {
    out.error = std::move(message);
    return out;
  };
  if (!body.is_object() || !body.contains("method"))
    return fail("Import request requires a 'method' field.");
  const auto& method = body["method"];
  if (!method.is_object() || !method.contains("name"))
    return fail("Import request requires a 'name' field.");
  const auto& name = method["name"];
  const auto& methods = image::import_methods();
  const std::string name_text = name.is_string() ? name.get<std::string>() : name.dump();
  if (!name.is_string() || std::find(methods.begin(), methods.end(), name_text) == methods.end())
    return fail("Unknown import method name '" + shown(name_text) + "'.");
  out.request.method = name_text;
  // A "uri" is web-download's: Glance leaves it unread for these methods.

  // all_stores_must_succeed only says what a partial failure does: with one
  // store there is none, and it is accepted either way.
  if (auto it = body.find("all_stores_must_succeed"); it != body.end() && !it->is_boolean())
    return fail("'all_stores_must_succeed' must be boolean value only");
  if (auto it = body.find("all_stores"); it != body.end()) {
    if (!it->is_boolean()) return fail("'all_stores' must be boolean value only");
    out.request.all_stores = it->get<bool>();
  }

  const bool has_stores = body.contains("stores");
  if (out.request.all_stores && (has_stores || !store_header.empty()))
    return fail(
        "All_stores parameter can't be used with x-image-meta-store header or stores parameter");
  if (has_stores && !store_header.empty())
    return fail("Stores parameter and x-image-meta-store header can't be both specified");
  if (has_stores) {
    const auto& stores = body["stores"];
    if (!stores.is_array()) return fail("Invalid stores: a list of store identifiers is needed.");
    if (stores.size() > max_stores)
      return fail("Invalid stores: at most " + std::to_string(max_stores) +
                  " store identifiers may be named.");
    for (const auto& s : stores) {
      if (!s.is_string() || !store_id_shaped(s.get<std::string>()))
        return fail("Invalid stores: " +
                    shown(s.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)) +
                    " is not a store identifier.");
      out.request.stores.push_back(s.get<std::string>());
    }
  } else if (!store_header.empty()) {
    if (!store_id_shaped(store_header))
      return fail("Invalid x-image-meta-store header: not a store identifier.");
    out.request.stores.push_back(store_header);
  }
  return out;
}

}  // namespace cumulo::api
