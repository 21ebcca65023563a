// Keystone's application credentials, /v3/users/{id}/application_credentials:
// create (the secret shown once; only its argon2id hash is kept), list
// (?name=), show, delete. The identity actor decides each request with
// Keystone's rules and binds a new one to the caller's project and roles.
#include "api/auth.hpp"
#include "api/identity.hpp"
#include "api/identity_views.hpp"
#include "api/routing.hpp"
#include "crypto/token.hpp"
#include "engine/clock.hpp"
#include "store/ids.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

using Pistache::Rest::Request;

// The body, valid against its schema, as the identity actor's command;
// an error message for what the schema can't say.
std::optional<std::string> read_create(const nlohmann::json& j,
                                       user::create_application_credential& c) {
  c.id = new_uuid();
  c.name = j["name"].get<std::string>();
  c.description = optional_text(j, "description").value_or("");
  c.unrestricted = j.value("unrestricted", false);
  if (auto at = optional_text(j, "expires_at")) {
    auto us = parse_iso8601(*at);
    if (!us)
      return "Invalid input for field 'expires_at': an ISO 8601 time in UTC is expected "
             "(YYYY-MM-DDTHH:MM:SS[.ffffff][Z]).";
    c.expires_at_us = *us;
  }
  if (j.contains("roles") && j["roles"].is_array())
    for (const auto& role : j["roles"])
      c.named_roles.emplace_back(optional_text(role, "id").value_or(""),
                                 optional_text(role, "name").value_or(""));
  return std::nullopt;
}

}  // namespace

void add_application_credential_routes(Pistache::Rest::Router& router, server_context& ctx) {
  const std::string collection = "/v3/users/:user_id/application_credentials";
  add_route(router, ctx, http_method::post, collection, service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto body = json_request(ctx, req, *r, "identity_application_credential_create");
              if (!body) return;
              const std::string base = base_url(req, ctx);
              const std::string user_id = param_of(req, ":user_id");
              const auto& j = (*body)["application_credential"];
              user::create_application_credential c;
              if (auto problem = read_create(j, c)) {
                respond_error(*r, 400, *problem);
                return;
              }
              // Keystone makes a secret when the client names none: shown once.
              const auto given = optional_text(j, "secret");
              const std::string secret = given ? *given : random_application_credential_secret();
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, base, user_id, secret, c = std::move(c)](
                             std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<application_credential_view>(
                               rr, ctx.identity,
                               [base, secret](responder& r3, application_credential_view& v) {
                                 auto shown = application_credential_json(v, base);
                                 shown["secret"] = secret;
                                 respond(r3, 201, {{"application_credential", std::move(shown)}});
                               },
                               command_atom::value, user_id, c,
                               event_metadata{rr->request_id(), t.user.id}, secret, t.creds());
                         });
            });

  add_route(router, ctx, http_method::get, collection, service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string base = base_url(req, ctx);
              const std::string user_id = param_of(req, ":user_id");
              auto name = query_of(req, "name");
              with_token(
                  ctx, auth_token_of(req), r,
                  [&ctx, base, user_id, name](std::shared_ptr<responder> rr, token_info& t) {
                    ctx.bridge.ask<std::vector<application_credential_view>>(
                        rr, ctx.identity,
                        [base, user_id, name](responder& r3,
                                              std::vector<application_credential_view>& all) {
                          nlohmann::json items = nlohmann::json::array();
                          for (const auto& v : all)
                            if (!name || v.credential.name == *name)
                              items.push_back(application_credential_json(v, base));
                          respond(r3, 200,
                                  collection_json(
                                      "application_credentials", std::move(items),
                                      base + "/v3/users/" + user_id + "/application_credentials"));
                        },
                        list_atom::value, application_credential_atom::value, user_id, t.creds());
                  });
            });

  const std::string one = collection + "/:application_credential_id";
  add_route(
      router, ctx, http_method::get, one, service::identity,
      [&ctx](const Request& req, std::shared_ptr<responder> r) {
        const std::string base = base_url(req, ctx);
        const std::string user_id = param_of(req, ":user_id");
        const std::string id = param_of(req, ":application_credential_id");
        with_token(
            ctx, auth_token_of(req), r,
            [&ctx, base, user_id, id](std::shared_ptr<responder> rr, token_info& t) {
              ctx.bridge.ask<application_credential_view>(
                  rr, ctx.identity,
                  [base](responder& r3, application_credential_view& v) {
                    respond(r3, 200,
                            {{"application_credential", application_credential_json(v, base)}});
                  },
                  caf::get_atom::value, application_credential_atom::value, user_id, id, t.creds());
            });
      });

  add_route(router, ctx, http_method::del, one, service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string user_id = param_of(req, ":user_id");
              const std::string id = param_of(req, ":application_credential_id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, user_id, id](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<user_state>(
                               rr, ctx.identity,
                               [](responder& r3, user_state&) { respond(r3, 204, no_body); },
                               command_atom::value, user_id,
                               user::command{user::delete_application_credential{id}},
                               event_metadata{rr->request_id(), t.user.id}, t.creds());
                         });
            });
}

}  // namespace cumulo::api
