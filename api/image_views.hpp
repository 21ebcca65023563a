// Glance v2's bodies: an image as GET /v2/images/{id} shows it, and the
// schemas of GET /v2/schemas/image(s).
#pragma once

#include <nlohmann/json.hpp>

#include "engine/image_state.hpp"

namespace cumulo::api {

// Core attributes plus the extra properties as top-level keys; links are
// relative to the image endpoint ("/v2/images/<id>"), as Glance's are.
nlohmann::json image_json(const image_state& s);

nlohmann::json image_schema();
nlohmann::json images_schema();

// Attributes only Glance sets: a client naming them gets 403.
bool image_read_only(const std::string& key);

// A membership as Glance shows it (GET /v2/images/{id}/members/{member}).
nlohmann::json member_json(const std::string& image_id, const std::string& member_id,
                           const image_member& m);
// /v2/schemas/member and /v2/schemas/members.
nlohmann::json member_schema();
nlohmann::json members_schema();

}  // namespace cumulo::api
