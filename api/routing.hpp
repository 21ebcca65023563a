// Registering the façade's routes: each handler gets a responder in its
// service's error format with a fresh request id, so every answer (sync,
// from the actor bridge, errors, 503 while shutting down) carries the id
// headers. Pistache's types are only forward-declared here.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "api/responder.hpp"
#include "api/server_context.hpp"

namespace Pistache::Rest {
class Router;
class Request;
}  // namespace Pistache::Rest

namespace cumulo::api {

enum class http_method { get, post, put, patch, del, head };

using api_handler = std::function<void(const Pistache::Rest::Request&, std::shared_ptr<responder>)>;

// A thrown exception becomes a 500 in the service's format; a handler that
// drops its responder unanswered gets the same. A request with a body is
// handled only once its X-Auth-Token is valid (401 before any parse).
void add_route(Pistache::Rest::Router& router, server_context& ctx, http_method method,
               const std::string& path, service svc, api_handler handler);
// As add_route, for the one route whose body comes before any token
// (POST /v3/auth/tokens: the body is the credentials).
void add_public_route(Pistache::Rest::Router& router, server_context& ctx, http_method method,
                      const std::string& path, service svc, api_handler handler);
// 405 (with Allow) in the service's format for every method a registered
// path does not answer; call after the last add_route. Pistache's own 405
// has neither our body nor the request id.
void set_method_not_allowed(Pistache::Rest::Router& router, server_context& ctx);
// 404 in the format of the service the path prefix names.
void set_not_found(Pistache::Rest::Router& router, server_context& ctx);

// A request header's value, "" when absent (case-insensitive name).
std::string header_of(const Pistache::Rest::Request& req, const std::string& name);
// A path parameter (":project_id"), percent-decoded, and a query parameter (nothing when
// absent).
std::string param_of(const Pistache::Rest::Request& req, const std::string& name);
std::optional<std::string> query_of(const Pistache::Rest::Request& req, const std::string& name);
// Every query parameter, percent-decoded ('+' is a space).
std::map<std::string, std::string> query_params(const Pistache::Rest::Request& req);
// The request's JSON body checked against schemas/api/<schema>.json, or
// nothing once the error (400, 413, 415) is answered.
std::optional<nlohmann::json> json_request(const server_context& ctx,
                                           const Pistache::Rest::Request& req, responder& r,
                                           const std::string& schema);
// A string member of a request body; nothing when absent or null.
std::optional<std::string> optional_text(const nlohmann::json& j, const char* key);
// A boolean query filter as Keystone reads one: "0", "false", "no", "off"
// (any case) are false, anything else true.
bool query_flag(const std::string& value);

// 1 to 9 decimal digits, with a leading '-' when allow_negative: what Nova's
// integer-or-string fields accept, and what std::stoi can never overflow on.
bool is_small_integer(const std::string& text, bool allow_negative = false);
// The request body and path.
const std::string& body_of(const Pistache::Rest::Request& req);
// "http://<Host header>", or the listen address when the request has none.
std::string base_url(const Pistache::Rest::Request& req, const server_context& ctx);

}  // namespace cumulo::api
