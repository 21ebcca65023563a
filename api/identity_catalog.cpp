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

void answer_no_content(responder& r) {
  respond(r, 204, no_body);
}

// Every catalog route, once its request is parsed: the caller's token
// validated, then one ask of the identity actor with the caller's
// credentials last. A read: (xs..., credentials).
template <class T, class Reply, class... Ts>
void read_as_caller(server_context& ctx, const Request& req, std::shared_ptr<responder> r,
                    Reply reply, Ts... xs) {
  with_token(ctx, auth_token_of(req), std::move(r),
             [&ctx, reply, xs...](std::shared_ptr<responder> rr, token_info& t) {
               ctx.bridge.ask<T>(rr, ctx.identity, reply, xs..., t.creds());
             });
}

// A change: (lead, id, command, the request's metadata, credentials).
template <class T, class Lead, class Command, class Reply>
void change_as_caller(server_context& ctx, const Request& req, std::shared_ptr<responder> r,
                      Reply reply, Lead lead, std::string id, Command c) {
  with_token(ctx, auth_token_of(req), std::move(r),
             [&ctx, reply, lead, id, c](std::shared_ptr<responder> rr, token_info& t) {
               ctx.bridge.ask<T>(rr, ctx.identity, reply, lead, id, c,
                                 event_metadata{rr->request_id(), t.user.id}, t.creds());
             });
}

region::create region_create_of(const nlohmann::json& j) {
  return {optional_text(j, "description").value_or(""),
          optional_text(j, "parent_region_id").value_or("")};
}

void add_region_routes(Pistache::Rest::Router& router, server_context& ctx) {
  const auto region_view = [](const Request& req, server_context& c, int status) {
    return answer("region", status, region_json, base_url(req, c));
  };
  add_route(router, ctx, http_method::post, "/v3/regions", service::identity,
            [&ctx, region_view](const Request& req, std::shared_ptr<responder> r) {
              auto body = json_request(ctx, req, *r, "identity_region_create");
              if (!body) return;
              const auto& j = (*body)["region"];
              change_as_caller<region_state>(ctx, req, r, region_view(req, ctx, 201),
                                             command_atom::value,
                                             optional_text(j, "id").value_or(new_uuid()),
                                             region::command{region_create_of(j)});
            });
  // Keystone's older way to choose the id: PUT to it.
  add_route(router, ctx, http_method::put, "/v3/regions/:region_id", service::identity,
            [&ctx, region_view](const Request& req, std::shared_ptr<responder> r) {
              auto body = json_request(ctx, req, *r, "identity_region_update");
              if (!body) return;
              change_as_caller<region_state>(ctx, req, r, region_view(req, ctx, 201),
                                             command_atom::value, param_of(req, ":region_id"),
                                             region::command{region_create_of((*body)["region"])});
            });
  add_route(router, ctx, http_method::get, "/v3/regions", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string base = base_url(req, ctx);
              auto parent = query_of(req, "parent_region_id");
              read_as_caller<std::vector<region_state>>(
                  ctx, req, r,
                  [base, parent](responder& r3, std::vector<region_state>& all) {
                    nlohmann::json items = nlohmann::json::array();
                    for (const auto& x : all)
                      if (!parent || x.parent_region_id == *parent)
                        items.push_back(region_json(x, base));
                    respond(r3, 200,
                            collection_json("regions", std::move(items), base + "/v3/regions"));
                  },
                  list_atom::value, region_atom::value);
            });
  add_route(router, ctx, http_method::get, "/v3/regions/:region_id", service::identity,
            [&ctx, region_view](const Request& req, std::shared_ptr<responder> r) {
              read_as_caller<region_state>(ctx, req, r, region_view(req, ctx, 200),
                                           caf::get_atom::value, region_atom::value,
                                           param_of(req, ":region_id"));
            });
  add_route(router, ctx, http_method::patch, "/v3/regions/:region_id", service::identity,
            [&ctx, region_view](const Request& req, std::shared_ptr<responder> r) {
              auto body = json_request(ctx, req, *r, "identity_region_update");
              if (!body) return;
              const auto& j = (*body)["region"];
              region::update c;
              if (j.contains("description"))
                c.description = optional_text(j, "description").value_or("");
              if (j.contains("parent_region_id"))
                c.parent_region_id = optional_text(j, "parent_region_id").value_or("");
              change_as_caller<region_state>(ctx, req, r, region_view(req, ctx, 200),
                                             command_atom::value, param_of(req, ":region_id"),
                                             region::command{c});
            });
  add_route(router, ctx, http_method::del, "/v3/regions/:region_id", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              change_as_caller<region_state>(
                  ctx, req, r, [](responder& r3, region_state&) { answer_no_content(r3); },
                  command_atom::value, param_of(req, ":region_id"),
                  region::command{region::remove{}});
            });
}

void add_service_routes(Pistache::Rest::Router& router, server_context& ctx) {
  const auto service_view = [](const Request& req, server_context& c, int status) {
    return answer("service", status, service_json, base_url(req, c));
  };
  add_route(router, ctx, http_method::post, "/v3/services", service::identity,
            [&ctx, service_view](const Request& req, std::shared_ptr<responder> r) {
              auto body = json_request(ctx, req, *r, "identity_service_create");
              if (!body) return;
              const auto& j = (*body)["service"];
              cumulo::service::create c{
                  j["type"].get<std::string>(), optional_text(j, "name").value_or(""),
                  optional_text(j, "description").value_or(""), j.value("enabled", true)};
              change_as_caller<service_state>(ctx, req, r, service_view(req, ctx, 201),
                                              command_atom::value, new_uuid(),
                                              cumulo::service::command{c});
            });
  add_route(router, ctx, http_method::get, "/v3/services", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string base = base_url(req, ctx);
              auto type = query_of(req, "type");
              auto name = query_of(req, "name");
              read_as_caller<std::vector<service_state>>(
                  ctx, req, r,
                  [base, type, name](responder& r3, std::vector<service_state>& all) {
                    nlohmann::json items = nlohmann::json::array();
                    for (const auto& s : all)
                      if ((!type || s.type == *type) && (!name || s.name == *name))
                        items.push_back(service_json(s, base));
                    respond(r3, 200,
                            collection_json("services", std::move(items), base + "/v3/services"));
                  },
                  list_atom::value, service_atom::value);
            });
  add_route(router, ctx, http_method::get, "/v3/services/:service_id", service::identity,
            [&ctx, service_view](const Request& req, std::shared_ptr<responder> r) {
              read_as_caller<service_state>(ctx, req, r, service_view(req, ctx, 200),
                                            caf::get_atom::value, service_atom::value,
                                            param_of(req, ":service_id"));
            });
  add_route(router, ctx, http_method::patch, "/v3/services/:service_id", service::identity,
            [&ctx, service_view](const Request& req, std::shared_ptr<responder> r) {
              auto body = json_request(ctx, req, *r, "identity_service_update");
              if (!body) return;
              const auto& j = (*body)["service"];
              cumulo::service::update c;
              if (j.contains("type")) c.type = j["type"].get<std::string>();
              if (j.contains("name")) c.name = optional_text(j, "name").value_or("");
              if (j.contains("description"))
                c.description = optional_text(j, "description").value_or("");
              if (j.contains("enabled")) c.enabled = j["enabled"].get<bool>();
              change_as_caller<service_state>(ctx, req, r, service_view(req, ctx, 200),
                                              command_atom::value, param_of(req, ":service_id"),
                                              cumulo::service::command{c});
            });
  add_route(router, ctx, http_method::del, "/v3/services/:service_id", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              change_as_caller<service_state>(
                  ctx, req, r, [](responder& r3, service_state&) { answer_no_content(r3); },
                  command_atom::value, param_of(req, ":service_id"),
                  cumulo::service::command{cumulo::service::remove{}});
            });
}

void add_endpoint_routes(Pistache::Rest::Router& router, server_context& ctx) {
  const auto endpoint_view = [](const Request& req, server_context& c, int status) {
    return answer("endpoint", status, endpoint_json, base_url(req, c));
  };
  add_route(router, ctx, http_method::post, "/v3/endpoints", service::identity,
            [&ctx, endpoint_view](const Request& req, std::shared_ptr<responder> r) {
              auto body = json_request(ctx, req, *r, "identity_endpoint_create");
              if (!body) return;
              const auto& j = (*body)["endpoint"];
              cumulo::service::create_endpoint c{
                  new_uuid(), j["interface"].get<std::string>(), region_of(j).value_or(""),
                  j["url"].get<std::string>(), j.value("enabled", true)};
              change_as_caller<catalog_endpoint>(
                  ctx, req, r, endpoint_view(req, ctx, 201), endpoint_atom::value,
                  j["service_id"].get<std::string>(), cumulo::service::command{c});
            });
  add_route(router, ctx, http_method::get, "/v3/endpoints", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string base = base_url(req, ctx);
              auto interface = query_of(req, "interface");
              auto service_id = query_of(req, "service_id");
              auto region_id = query_of(req, "region_id");
              read_as_caller<std::vector<catalog_endpoint>>(
                  ctx, req, r,
                  [base, interface, service_id, region_id](responder& r3,
                                                           std::vector<catalog_endpoint>& all) {
                    nlohmann::json items = nlohmann::json::array();
                    for (const auto& e : all)
                      if ((!interface || e.ep.interface == *interface) &&
                          (!service_id || e.service_id == *service_id) &&
                          (!region_id || e.ep.region_id == *region_id))
                        items.push_back(endpoint_json(e, base));
                    respond(r3, 200,
                            collection_json("endpoints", std::move(items), base + "/v3/endpoints"));
                  },
                  list_atom::value, endpoint_atom::value);
            });
  add_route(router, ctx, http_method::get, "/v3/endpoints/:endpoint_id", service::identity,
            [&ctx, endpoint_view](const Request& req, std::shared_ptr<responder> r) {
              read_as_caller<catalog_endpoint>(ctx, req, r, endpoint_view(req, ctx, 200),
                                               caf::get_atom::value, endpoint_atom::value,
                                               param_of(req, ":endpoint_id"));
            });
  add_route(router, ctx, http_method::patch, "/v3/endpoints/:endpoint_id", service::identity,
            [&ctx, endpoint_view](const Request& req, std::shared_ptr<responder> r) {
              auto body = json_request(ctx, req, *r, "identity_endpoint_update");
              if (!body) return;
              const auto& j = (*body)["endpoint"];
              cumulo::service::update_endpoint c;
              c.endpoint_id = param_of(req, ":endpoint_id");
              if (j.contains("interface")) c.interface = j["interface"].get<std::string>();
              c.region_id = region_of(j);
              if (j.contains("url")) c.url = j["url"].get<std::string>();
              if (j.contains("enabled")) c.enabled = j["enabled"].get<bool>();
              // "" when the body names no service: the endpoint's own.
              change_as_caller<catalog_endpoint>(
                  ctx, req, r, endpoint_view(req, ctx, 200), endpoint_atom::value,
                  optional_text(j, "service_id").value_or(""), cumulo::service::command{c});
            });
  add_route(router, ctx, http_method::del, "/v3/endpoints/:endpoint_id", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              change_as_caller<catalog_endpoint>(
                  ctx, req, r, [](responder& r3, catalog_endpoint&) { answer_no_content(r3); },
                  endpoint_atom::value, std::string(),
                  cumulo::service::command{
                      cumulo::service::delete_endpoint{param_of(req, ":endpoint_id")}});
            });
}

}  // namespace

void add_catalog_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_region_routes(router, ctx);
  add_service_routes(router, ctx);
  add_endpoint_routes(router, ctx);
}

}  // namespace cumulo::api
