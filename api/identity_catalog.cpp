// Keystone's catalog as resources: /v3/regions, /v3/services and
// /v3/endpoints. The built-in entries (RegionOne, and a service with three
// endpoints per API cumulo serves, on the address the client used) are
// listed first and can't be changed; what clients add is stored and joins
// every token's catalog. The identity actor decides each request.
#include "api/auth.hpp"
#include "api/identity.hpp"
#include "api/identity_views.hpp"
#include "api/routing.hpp"
#include "store/ids.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

using Pistache::Rest::Request;

// region_id, or its older name region ("" for none); nothing when absent.
std::optional<std::string> region_of(const nlohmann::json& e) {
  if (e.contains("region_id")) return optional_text(e, "region_id").value_or("");
  if (e.contains("region")) return optional_text(e, "region").value_or("");
  return std::nullopt;
}

template <class View>
auto answer(const char* key, int status, View view, std::string base) {
  return [key, status, view, base](responder& r, auto& x) {
    respond(r, status, {{key, view(x, base)}});
  };
}

void add_region_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_route(router, ctx, http_method::post, "/v3/regions", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto body = json_request(ctx, req, *r, "identity_region_create");
              if (!body) return;
              const std::string base = base_url(req, ctx);
              const auto& j = (*body)["region"];
              const std::string id = optional_text(j, "id").value_or(new_uuid());
              region::create c{optional_text(j, "description").value_or(""),
                               optional_text(j, "parent_region_id").value_or("")};
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, base, id, c](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<region_state>(
                               rr, ctx.identity, answer("region", 201, region_json, base),
                               command_atom::value, id, region::command{c},
                               event_metadata{rr->request_id(), t.user.id}, t.creds());
                         });
            });
  add_route(router, ctx, http_method::get, "/v3/regions", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string base = base_url(req, ctx);
              auto parent = query_of(req, "parent_region_id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, base, parent](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<std::vector<region_state>>(
                               rr, ctx.identity,
                               [base, parent](responder& r3, std::vector<region_state>& all) {
                                 nlohmann::json items = nlohmann::json::array();
                                 for (const auto& x : all)
                                   if (!parent || x.parent_region_id == *parent)
                                     items.push_back(region_json(x, base));
                                 respond(r3, 200,
                                         collection_json("regions", std::move(items),
                                                         base + "/v3/regions"));
                               },
                               list_atom::value, region_atom::value, t.creds());
                         });
            });
  // Keystone's older way to choose the id: PUT to it.
  add_route(router, ctx, http_method::put, "/v3/regions/:region_id", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto body = json_request(ctx, req, *r, "identity_region_update");
              if (!body) return;
              const std::string base = base_url(req, ctx);
              const std::string id = param_of(req, ":region_id");
              const auto& j = (*body)["region"];
              region::create c{optional_text(j, "description").value_or(""),
                               optional_text(j, "parent_region_id").value_or("")};
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, base, id, c](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<region_state>(
                               rr, ctx.identity, answer("region", 201, region_json, base),
                               command_atom::value, id, region::command{c},
                               event_metadata{rr->request_id(), t.user.id}, t.creds());
                         });
            });
  add_route(router, ctx, http_method::get, "/v3/regions/:region_id", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string base = base_url(req, ctx);
              const std::string id = param_of(req, ":region_id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, base, id](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<region_state>(
                               rr, ctx.identity, answer("region", 200, region_json, base),
                               caf::get_atom::value, region_atom::value, id, t.creds());
                         });
            });
  add_route(router, ctx, http_method::patch, "/v3/regions/:region_id", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto body = json_request(ctx, req, *r, "identity_region_update");
              if (!body) return;
              const std::string base = base_url(req, ctx);
              const std::string id = param_of(req, ":region_id");
              const auto& j = (*body)["region"];
              region::update c;
              if (j.contains("description"))
                c.description = optional_text(j, "description").value_or("");
              if (j.contains("parent_region_id"))
                c.parent_region_id = optional_text(j, "parent_region_id").value_or("");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, base, id, c](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<region_state>(
                               rr, ctx.identity, answer("region", 200, region_json, base),
                               command_atom::value, id, region::command{c},
                               event_metadata{rr->request_id(), t.user.id}, t.creds());
                         });
            });
  add_route(router, ctx, http_method::del, "/v3/regions/:region_id", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string id = param_of(req, ":region_id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<region_state>(
                               rr, ctx.identity,
                               [](responder& r3, region_state&) { respond(r3, 204, no_body); },
                               command_atom::value, id, region::command{region::remove{}},
                               event_metadata{rr->request_id(), t.user.id}, t.creds());
                         });
            });
}

void add_service_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_route(router, ctx, http_method::post, "/v3/services", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto body = json_request(ctx, req, *r, "identity_service_create");
              if (!body) return;
              const std::string base = base_url(req, ctx);
              const auto& j = (*body)["service"];
              cumulo::service::create c{
                  j["type"].get<std::string>(), optional_text(j, "name").value_or(""),
                  optional_text(j, "description").value_or(""), j.value("enabled", true)};
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, base, c](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<service_state>(
                               rr, ctx.identity, answer("service", 201, service_json, base),
                               command_atom::value, new_uuid(), cumulo::service::command{c},
                               event_metadata{rr->request_id(), t.user.id}, t.creds());
                         });
            });
  add_route(router, ctx, http_method::get, "/v3/services", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string base = base_url(req, ctx);
              auto type = query_of(req, "type");
              auto name = query_of(req, "name");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, base, type, name](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<std::vector<service_state>>(
                               rr, ctx.identity,
                               [base, type, name](responder& r3, std::vector<service_state>& all) {
                                 nlohmann::json items = nlohmann::json::array();
                                 for (const auto& s : all)
                                   if ((!type || s.type == *type) && (!name || s.name == *name))
                                     items.push_back(service_json(s, base));
                                 respond(r3, 200,
                                         collection_json("services", std::move(items),
                                                         base + "/v3/services"));
                               },
                               list_atom::value, service_atom::value, t.creds());
                         });
            });
  add_route(router, ctx, http_method::get, "/v3/services/:service_id", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string base = base_url(req, ctx);
              const std::string id = param_of(req, ":service_id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, base, id](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<service_state>(
                               rr, ctx.identity, answer("service", 200, service_json, base),
                               caf::get_atom::value, service_atom::value, id, t.creds());
                         });
            });
  add_route(router, ctx, http_method::patch, "/v3/services/:service_id", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto body = json_request(ctx, req, *r, "identity_service_update");
              if (!body) return;
              const std::string base = base_url(req, ctx);
              const std::string id = param_of(req, ":service_id");
              const auto& j = (*body)["service"];
              cumulo::service::update c;
              if (j.contains("type")) c.type = j["type"].get<std::string>();
              if (j.contains("name")) c.name = optional_text(j, "name").value_or("");
              if (j.contains("description"))
                c.description = optional_text(j, "description").value_or("");
              if (j.contains("enabled")) c.enabled = j["enabled"].get<bool>();
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, base, id, c](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<service_state>(
                               rr, ctx.identity, answer("service", 200, service_json, base),
                               command_atom::value, id, cumulo::service::command{c},
                               event_metadata{rr->request_id(), t.user.id}, t.creds());
                         });
            });
  add_route(router, ctx, http_method::del, "/v3/services/:service_id", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string id = param_of(req, ":service_id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<service_state>(
                               rr, ctx.identity,
                               [](responder& r3, service_state&) { respond(r3, 204, no_body); },
                               command_atom::value, id,
                               cumulo::service::command{cumulo::service::remove{}},
                               event_metadata{rr->request_id(), t.user.id}, t.creds());
                         });
            });
}

void add_endpoint_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_route(router, ctx, http_method::post, "/v3/endpoints", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto body = json_request(ctx, req, *r, "identity_endpoint_create");
              if (!body) return;
              const std::string base = base_url(req, ctx);
              const auto& j = (*body)["endpoint"];
              const std::string service_id = j["service_id"].get<std::string>();
              cumulo::service::create_endpoint c{
                  new_uuid(), j["interface"].get<std::string>(), region_of(j).value_or(""),
                  j["url"].get<std::string>(), j.value("enabled", true)};
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, base, service_id, c](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<catalog_endpoint>(
                               rr, ctx.identity, answer("endpoint", 201, endpoint_json, base),
                               endpoint_atom::value, service_id, cumulo::service::command{c},
                               event_metadata{rr->request_id(), t.user.id}, t.creds());
                         });
            });
  add_route(router, ctx, http_method::get, "/v3/endpoints", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string base = base_url(req, ctx);
              auto interface = query_of(req, "interface");
              auto service_id = query_of(req, "service_id");
              auto region_id = query_of(req, "region_id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, base, interface, service_id, region_id](
                             std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<std::vector<catalog_endpoint>>(
                               rr, ctx.identity,
                               [base, interface, service_id, region_id](
                                   responder& r3, std::vector<catalog_endpoint>& all) {
                                 nlohmann::json items = nlohmann::json::array();
                                 for (const auto& e : all)
                                   if ((!interface || e.ep.interface == *interface) &&
                                       (!service_id || e.service_id == *service_id) &&
                                       (!region_id || e.ep.region_id == *region_id))
                                     items.push_back(endpoint_json(e, base));
                                 respond(r3, 200,
                                         collection_json("endpoints", std::move(items),
                                                         base + "/v3/endpoints"));
                               },
                               list_atom::value, endpoint_atom::value, t.creds());
                         });
            });
  add_route(router, ctx, http_method::get, "/v3/endpoints/:endpoint_id", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string base = base_url(req, ctx);
              const std::string id = param_of(req, ":endpoint_id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, base, id](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<catalog_endpoint>(
                               rr, ctx.identity, answer("endpoint", 200, endpoint_json, base),
                               caf::get_atom::value, endpoint_atom::value, id, t.creds());
                         });
            });
  add_route(router, ctx, http_method::patch, "/v3/endpoints/:endpoint_id", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto body = json_request(ctx, req, *r, "identity_endpoint_update");
              if (!body) return;
              const std::string base = base_url(req, ctx);
              const auto& j = (*body)["endpoint"];
              const std::string service_id = optional_text(j, "service_id").value_or("");
              cumulo::service::update_endpoint c;
              c.endpoint_id = param_of(req, ":endpoint_id");
              if (j.contains("interface")) c.interface = j["interface"].get<std::string>();
              c.region_id = region_of(j);
              if (j.contains("url")) c.url = j["url"].get<std::string>();
              if (j.contains("enabled")) c.enabled = j["enabled"].get<bool>();
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, base, service_id, c](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<catalog_endpoint>(
                               rr, ctx.identity, answer("endpoint", 200, endpoint_json, base),
                               endpoint_atom::value, service_id, cumulo::service::command{c},
                               event_metadata{rr->request_id(), t.user.id}, t.creds());
                         });
            });
  add_route(router, ctx, http_method::del, "/v3/endpoints/:endpoint_id", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string id = param_of(req, ":endpoint_id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<catalog_endpoint>(
                               rr, ctx.identity,
                               [](responder& r3, catalog_endpoint&) { respond(r3, 204, no_body); },
                               endpoint_atom::value, std::string(),
                               cumulo::service::command{cumulo::service::delete_endpoint{id}},
                               event_metadata{rr->request_id(), t.user.id}, t.creds());
                         });
            });
}

}  // namespace

void add_catalog_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_region_routes(router, ctx);
  add_service_routes(router, ctx);
  add_endpoint_routes(router, ctx);
}

}  // namespace cumulo::api
