// POST /v2/images/{id}/import's body as Glance reads it: {"method": {"name":
// "glance-direct"}, "stores": [...], "all_stores": bool,
// "all_stores_must_succeed": bool}, with the X-Image-Meta-Store header
// Glance still honours. Pure (no actor, no I/O): the route parses, the
// image registry decides (the image's status, the stores it knows).
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "engine/image_state.hpp"

namespace cumulo::api {

struct import_request_parse {
  image::start_import request;
  std::optional<std::string> error;  // Glance's 400
};
// `store_header`: X-Image-Meta-Store, "" when absent.
import_request_parse parse_import_request(const nlohmann::json& body,
                                          const std::string& store_header);

}  // namespace cumulo::api
