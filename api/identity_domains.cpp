// Keystone's /v3/domains: the built-in Default domain (never changed or
// deleted) and any others an admin creates, each a domain actor. A domain
// is deleted only once disabled and empty.
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

void answer_domain(responder& r, int status, const domain_state& d, const std::string& base) {
  respond(r, status, {{"domain", domain_json(d, base)}});
}

}  // namespace

void add_domain_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_route(
      router, ctx, http_method::post, "/v3/domains", service::identity,
      [&ctx](const Request& req, std::shared_ptr<responder> r) {
        auto body = json_request(ctx, req, *r, "identity_domain_create");
        if (!body) return;
        const std::string base = base_url(req, ctx);
        with_token(
            ctx, auth_token_of(req), r,
            [&ctx, base, body = std::move(*body)](std::shared_ptr<responder> rr, token_info& t) {
              const auto& j = body["domain"];
              domain::create c;
              c.name = j["name"].get<std::string>();
              c.description = optional_text(j, "description").value_or("");
              c.enabled = j.value("enabled", true);
              ctx.bridge.ask<domain_state>(
                  rr, ctx.identity,
                  [base](responder& r3, domain_state& d) { answer_domain(r3, 201, d, base); },
                  command_atom::value, new_uuid(), domain::command{std::move(c)},
                  event_metadata{rr->request_id(), t.user.id}, t.creds());
            });
      });

  add_route(router, ctx, http_method::get, "/v3/domains", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string base = base_url(req, ctx);
              auto name = query_of(req, "name");
              auto enabled = query_of(req, "enabled");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, base, name, enabled](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<std::vector<domain_state>>(
                               rr, ctx.identity,
                               [base, name, enabled](responder& r3, std::vector<domain_state>& ds) {
                                 nlohmann::json items = nlohmann::json::array();
                                 for (const auto& d : ds)
                                   if ((!name || d.name == *name) &&
                                       (!enabled || d.enabled == query_flag(*enabled)))
                                     items.push_back(domain_json(d, base));
                                 respond(r3, 200,
                                         collection_json("domains", std::move(items),
                                                         base + "/v3/domains"));
                               },
                               list_atom::value, domain_atom::value, t.creds());
                         });
            });

  add_route(router, ctx, http_method::get, "/v3/domains/:domain_id", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string base = base_url(req, ctx);
              const std::string id = param_of(req, ":domain_id");
              with_token(
                  ctx, auth_token_of(req), r,
                  [&ctx, base, id](std::shared_ptr<responder> rr, token_info& t) {
                    ctx.bridge.ask<domain_state>(
                        rr, ctx.identity,
                        [base](responder& r3, domain_state& d) { answer_domain(r3, 200, d, base); },
                        caf::get_atom::value, domain_atom::value, id, t.creds());
                  });
            });

  add_route(router, ctx, http_method::patch, "/v3/domains/:domain_id", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto body = json_request(ctx, req, *r, "identity_domain_update");
              if (!body) return;
              const std::string base = base_url(req, ctx);
              const std::string id = param_of(req, ":domain_id");
              with_token(
                  ctx, auth_token_of(req), r,
                  [&ctx, base, id, body = std::move(*body)](std::shared_ptr<responder> rr,
                                                            token_info& t) {
                    const auto& j = body["domain"];
                    domain::update c;
                    if (j.contains("name")) c.name = j["name"].get<std::string>();
                    if (j.contains("description"))
                      c.description = optional_text(j, "description").value_or("");
                    if (j.contains("enabled")) c.enabled = j["enabled"].get<bool>();
                    ctx.bridge.ask<domain_state>(
                        rr, ctx.identity,
                        [base](responder& r3, domain_state& d) { answer_domain(r3, 200, d, base); },
                        command_atom::value, id, domain::command{std::move(c)},
                        event_metadata{rr->request_id(), t.user.id}, t.creds());
                  });
            });

  add_route(router, ctx, http_method::del, "/v3/domains/:domain_id", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string id = param_of(req, ":domain_id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<domain_state>(
                               rr, ctx.identity,
                               [](responder& r3, domain_state&) { respond(r3, 204, no_body); },
                               command_atom::value, id, domain::command{domain::remove{}},
                               event_metadata{rr->request_id(), t.user.id}, t.creds());
                         });
            });
}

}  // namespace cumulo::api
