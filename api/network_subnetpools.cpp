// Neutron's /v2.0/subnetpools: create, list (filters on any field), show,
// update (prefixes only grow), delete (not while subnets use the pool),
// and the prefix operations add_prefixes and remove_prefixes. The
// networking door decides who sees and may change a pool and keeps the
// rules across pools (one default per family, no overlap in an address
// scope); a subnet asks for a pool on POST /v2.0/subnets.
#include "actors/networking.hpp"
#include "actors/subnetpool_messages.hpp"
#include "api/auth.hpp"
#include "api/network.hpp"
#include "api/network_views.hpp"
#include "api/network_views_pools.hpp"
#include "api/routing.hpp"
#include "store/ids.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

using Pistache::Rest::Request;

const std::string subnetpools_path = "/networking/v2.0/subnetpools";

auto answer_subnetpool(int status) {
  return [status](responder& r, subnetpool_state& s) {
    if (status == 204)
      respond(r, 204, no_body);
    else
      respond(r, status, {{"subnetpool", subnetpool_json(s)}});
  };
}

std::optional<int> int_of(const nlohmann::json& o, const char* key) {
  if (!o.contains(key) || o[key].is_null()) return std::nullopt;
  return o[key].get<int>();
}

std::optional<std::int64_t> quota_of(const nlohmann::json& o) {
  if (!o.contains("default_quota") || o["default_quota"].is_null()) return std::nullopt;
  return o["default_quota"].get<std::int64_t>();
}

// Asks the door for a change of pool `id` and answers `status` with it.
void change_pool(server_context& ctx, std::shared_ptr<responder> r, const token_info& t,
                 const std::string& id, subnetpool::command c, int status) {
  ctx.bridge.ask<subnetpool_state>(r, ctx.networking, answer_subnetpool(status),
                                   command_atom::value, id, std::move(c),
                                   event_metadata{r->request_id(), t.user.id}, t.creds());
}

// PUT .../add_prefixes or .../remove_prefixes: {"prefixes": [...]} in, the
// pool's prefixes after it out.
void add_prefix_operation(Pistache::Rest::Router& router, server_context& ctx, bool add) {
  add_route(router, ctx, http_method::put,
            subnetpools_path + "/:id/" + (add ? "add_prefixes" : "remove_prefixes"),
            service::network, [&ctx, add](const Request& req, std::shared_ptr<responder> r) {
              auto body = json_request(ctx, req, *r, "network_subnetpool_prefixes");
              if (!body) return;
              const std::string id = param_of(req, ":id");
              auto prefixes = (*body)["prefixes"].get<std::vector<std::string>>();
              subnetpool::command c =
                  add ? subnetpool::command{subnetpool::add_prefixes{prefixes}}
                      : subnetpool::command{subnetpool::remove_prefixes{prefixes, {}}};
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, id, c](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<subnetpool_state>(
                               rr, ctx.networking,
                               [](responder& r3, subnetpool_state& s) {
                                 respond(r3, 200, {{"prefixes", s.prefixes}});
                               },
                               command_atom::value, id, c,
                               event_metadata{rr->request_id(), t.user.id}, t.creds());
                         });
            });
}

}  // namespace

void add_subnetpool_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_route(router, ctx, http_method::post, subnetpools_path, service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto body = json_request(ctx, req, *r, "network_subnetpool_create");
              if (!body) return;
              with_token(
                  ctx, auth_token_of(req), r,
                  [&ctx, body = std::move(*body)](std::shared_ptr<responder> rr, token_info& t) {
                    const auto& b = body["subnetpool"];
                    auto project = project_for_create(*rr, b, t);
                    if (!project) return;
                    subnetpool::create c;
                    c.name = b.value("name", "");
                    c.project_id = *project;
                    c.prefixes = b["prefixes"].get<std::vector<std::string>>();
                    c.min_prefixlen = int_of(b, "min_prefixlen");
                    c.max_prefixlen = int_of(b, "max_prefixlen");
                    c.default_prefixlen = int_of(b, "default_prefixlen");
                    c.default_quota = quota_of(b);
                    c.address_scope_id = optional_text(b, "address_scope_id").value_or("");
                    c.is_default = b.value("is_default", false);
                    c.shared = b.value("shared", false);
                    c.description = b.value("description", "");
                    change_pool(ctx, rr, t, new_uuid(), std::move(c), 201);
                  });
            });

  add_route(router, ctx, http_method::get, subnetpools_path, service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto q = list_query_of(query_list(req));
              with_token(
                  ctx, auth_token_of(req), r,
                  [&ctx, q](std::shared_ptr<responder> rr, token_info& t) {
                    ctx.bridge.ask<std::vector<subnetpool_state>>(
                        rr, ctx.networking,
                        answer_list<subnetpool_state>(
                            "subnetpools", q,
                            [](const subnetpool_state& s, auto& add) { add(subnetpool_json(s)); }),
                        list_atom::value, subnetpool_atom::value, t.creds());
                  });
            });

  add_route(router, ctx, http_method::get, subnetpools_path + "/:id", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string id = param_of(req, ":id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<subnetpool_state>(
                               rr, ctx.networking, answer_subnetpool(200), caf::get_atom::value,
                               subnetpool_atom::value, id, t.creds());
                         });
            });

  add_route(router, ctx, http_method::put, subnetpools_path + "/:id", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto body = json_request(ctx, req, *r, "network_subnetpool_update");
              if (!body) return;
              const std::string id = param_of(req, ":id");
              const auto& b = (*body)["subnetpool"];
              // Neutron's read-only attributes of a pool.
              for (const char* key : {"shared", "ip_version"})
                if (b.contains(key)) {
                  respond_error(*r, 400, std::string("Cannot update read-only attribute ") + key,
                                "HTTPBadRequest");
                  return;
                }
              subnetpool::update c;
              c.name = optional_text(b, "name");
              if (b.contains("prefixes"))
                c.prefixes = b["prefixes"].get<std::vector<std::string>>();
              c.min_prefixlen = int_of(b, "min_prefixlen");
              c.max_prefixlen = int_of(b, "max_prefixlen");
              c.default_prefixlen = int_of(b, "default_prefixlen");
              c.default_quota = quota_of(b);
              // null (openstack subnet pool set --no-address-scope): out of its scope.
              if (b.contains("address_scope_id"))
                c.address_scope_id = optional_text(b, "address_scope_id").value_or("");
              if (b.contains("is_default")) c.is_default = b["is_default"].get<bool>();
              c.description = optional_text(b, "description");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, id, c](std::shared_ptr<responder> rr, token_info& t) {
                           change_pool(ctx, rr, t, id, c, 200);
                         });
            });

  add_route(router, ctx, http_method::del, subnetpools_path + "/:id", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string id = param_of(req, ":id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
                           change_pool(ctx, rr, t, id, subnetpool::remove{}, 204);
                         });
            });

  add_prefix_operation(router, ctx, true);
  add_prefix_operation(router, ctx, false);
}

}  // namespace cumulo::api
