// Neutron's /v2.0/address-scopes: create, list (filters on any field),
// show, update (name; shared, an admin's, never back to unshared), delete
// (not while a subnet pool is in the scope). The networking door decides
// who sees and may change a scope.
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

const std::string address_scopes_path = "/networking/v2.0/address-scopes";

// Asks the door for a change of scope `id` and answers `status` with it.
void change_scope(server_context& ctx, std::shared_ptr<responder> r, const token_info& t,
                  const std::string& id, address_scope::command c, int status) {
  ctx.bridge.ask<address_scope_state>(
      r, ctx.networking,
      [status](responder& rr, address_scope_state& s) {
        if (status == 204)
          respond(rr, 204, no_body);
        else
          respond(rr, status, {{"address_scope", address_scope_json(s)}});
      },
      command_atom::value, id, std::move(c), event_metadata{r->request_id(), t.user.id}, t.creds());
}

}  // namespace

void add_address_scope_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_route(router, ctx, http_method::post, address_scopes_path, service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto body = json_request(ctx, req, *r, "network_address_scope_create");
              if (!body) return;
              with_token(
                  ctx, auth_token_of(req), r,
                  [&ctx, body = std::move(*body)](std::shared_ptr<responder> rr, token_info& t) {
                    const auto& b = body["address_scope"];
                    auto project = project_for_create(*rr, b, t);
                    if (!project) return;
                    address_scope::create c{b.value("name", ""), *project,
                                            b["ip_version"].get<int>(), b.value("shared", false)};
                    change_scope(ctx, rr, t, new_uuid(), std::move(c), 201);
                  });
            });

  add_route(
      router, ctx, http_method::get, address_scopes_path, service::network,
      [&ctx](const Request& req, std::shared_ptr<responder> r) {
        auto q = list_query_of(query_list(req));
        with_token(
            ctx, auth_token_of(req), r, [&ctx, q](std::shared_ptr<responder> rr, token_info& t) {
              ctx.bridge.ask<std::vector<address_scope_state>>(
                  rr, ctx.networking,
                  answer_list<address_scope_state>(
                      "address_scopes", q,
                      [](const address_scope_state& s, auto& add) { add(address_scope_json(s)); }),
                  list_atom::value, address_scope_atom::value, t.creds());
            });
      });

  add_route(router, ctx, http_method::get, address_scopes_path + "/:id", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string id = param_of(req, ":id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<address_scope_state>(
                               rr, ctx.networking,
                               [](responder& r3, address_scope_state& s) {
                                 respond(r3, 200, {{"address_scope", address_scope_json(s)}});
                               },
                               caf::get_atom::value, address_scope_atom::value, id, t.creds());
                         });
            });

  add_route(router, ctx, http_method::put, address_scopes_path + "/:id", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto body = json_request(ctx, req, *r, "network_address_scope_update");
              if (!body) return;
              const std::string id = param_of(req, ":id");
              const auto& b = (*body)["address_scope"];
              address_scope::update c;
              c.name = optional_text(b, "name");
              if (b.contains("shared")) c.shared = b["shared"].get<bool>();
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, id, c](std::shared_ptr<responder> rr, token_info& t) {
                           change_scope(ctx, rr, t, id, c, 200);
                         });
            });

  add_route(router, ctx, http_method::del, address_scopes_path + "/:id", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string id = param_of(req, ":id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
                           change_scope(ctx, rr, t, id, address_scope::remove{}, 204);
                         });
            });
}

}  // namespace cumulo::api
