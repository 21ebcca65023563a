// Version discovery of the identity service: GET / (300, the list) and
// GET /v3 (200, the v3 document), as keystoneauth and tempest read them.
// The other services' roots come with their services.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "api/server_context.hpp"

namespace Pistache::Rest {
class Router;
}

namespace cumulo::api {

// The identity v3 version object; base_url is "http://host:port".
nlohmann::json identity_v3_version(const std::string& base_url);
void add_version_routes(Pistache::Rest::Router& router, server_context& ctx);

}  // namespace cumulo::api
