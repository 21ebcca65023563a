// Keystone's /v3/users: create (with a password, hashed by the identity
// actor's workers), list (name, enabled, domain_id), show, update (an
// admin may reset the password here), delete, and a user's own password
// change.
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

struct user_filters {
  std::optional<std::string> name, domain_id, enabled;

  bool match(const user_state& u) const {
    if (name && u.name != *name) return false;
    if (domain_id && u.domain_id != *domain_id) return false;
    if (enabled && u.enabled != query_flag(*enabled)) return false;
    return true;
  }
};

void answer_user(responder& r, int status, const user_state& u, const std::string& base) {
  respond(r, status, {{"user", user_json(u, base)}});
}

// Keystone keeps the attributes of a user it does not know itself
// (project_id, a phone number...), each as the JSON value it was given.
std::map<std::string, std::string> extra_attributes(const nlohmann::json& user) {
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : user.items())
    if (!user::core_attribute(name)) out[name] = value.dump();
  return out;
}

}  // namespace

void add_user_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_route(
      router, ctx, http_method::post, "/v3/users", service::identity,
      [&ctx](const Request& req, std::shared_ptr<responder> r) {
        auto body = json_request(ctx, req, *r, "identity_user_create");
        if (!body) return;
        const std::string base = base_url(req, ctx);
        with_token(
            ctx, auth_token_of(req), r,
            [&ctx, base, body = std::move(*body)](std::shared_ptr<responder> rr, token_info& t) {
              const auto& u = body["user"];
              user::create c;
              c.name = u["name"].get<std::string>();
              c.domain_id = optional_text(u, "domain_id").value_or(default_domain_id);
              c.default_project_id = optional_text(u, "default_project_id").value_or("");
              c.enabled = u.value("enabled", true);
              c.description = optional_text(u, "description").value_or("");
              c.email = optional_text(u, "email").value_or("");
              c.extra = extra_attributes(u);
              const auto password = optional_text(u, "password");
              auto reply = [base](responder& r3, user_state& s) { answer_user(r3, 201, s, base); };
              const event_metadata meta{rr->request_id(), t.user.id};
              if (password)
                ctx.bridge.ask<user_state>(rr, ctx.identity, reply, command_atom::value, new_uuid(),
                                           user::command{std::move(c)}, meta, *password, t.creds());
              else
                ctx.bridge.ask<user_state>(rr, ctx.identity, reply, command_atom::value, new_uuid(),
                                           user::command{std::move(c)}, meta, t.creds());
            });
      });

  add_route(
      router, ctx, http_method::get, "/v3/users", service::identity,
      [&ctx](const Request& req, std::shared_ptr<responder> r) {
        const std::string base = base_url(req, ctx);
        user_filters f{query_of(req, "name"), query_of(req, "domain_id"), query_of(req, "enabled")};
        with_token(ctx, auth_token_of(req), r,
                   [&ctx, base, f](std::shared_ptr<responder> rr, token_info& t) {
                     ctx.bridge.ask<std::vector<user_state>>(
                         rr, ctx.identity,
                         [base, f](responder& r3, std::vector<user_state>& us) {
                           nlohmann::json items = nlohmann::json::array();
                           for (const auto& u : us)
                             if (f.match(u)) items.push_back(user_json(u, base));
                           respond(r3, 200,
                                   collection_json("users", std::move(items), base + "/v3/users"));
                         },
                         list_atom::value, user_atom::value, t.creds());
                   });
      });

  add_route(router, ctx, http_method::get, "/v3/users/:user_id", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string base = base_url(req, ctx);
              const std::string id = param_of(req, ":user_id");
              with_token(
                  ctx, auth_token_of(req), r,
                  [&ctx, base, id](std::shared_ptr<responder> rr, token_info& t) {
                    ctx.bridge.ask<user_state>(
                        rr, ctx.identity,
                        [base](responder& r3, user_state& u) { answer_user(r3, 200, u, base); },
                        caf::get_atom::value, user_atom::value, id, t.creds());
                  });
            });

  add_route(router, ctx, http_method::patch, "/v3/users/:user_id", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto body = json_request(ctx, req, *r, "identity_user_update");
              if (!body) return;
              const std::string base = base_url(req, ctx);
              const std::string id = param_of(req, ":user_id");
              with_token(
                  ctx, auth_token_of(req), r,
                  [&ctx, base, id, body = std::move(*body)](std::shared_ptr<responder> rr,
                                                            token_info& t) {
                    const auto& u = body["user"];
                    user::update c;
                    if (u.contains("name")) c.name = u["name"].get<std::string>();
                    if (u.contains("default_project_id"))
                      c.default_project_id = optional_text(u, "default_project_id").value_or("");
                    if (u.contains("enabled")) c.enabled = u["enabled"].get<bool>();
                    if (u.contains("description"))
                      c.description = optional_text(u, "description").value_or("");
                    if (u.contains("email")) c.email = optional_text(u, "email").value_or("");
                    c.extra_set = extra_attributes(u);
                    // With a password: the attributes, then the password, one answer.
                    const auto password = optional_text(u, "password");
                    auto reply = [base](responder& r3, user_state& s) {
                      answer_user(r3, 200, s, base);
                    };
                    const event_metadata meta{rr->request_id(), t.user.id};
                    if (password)
                      ctx.bridge.ask<user_state>(rr, ctx.identity, reply, command_atom::value, id,
                                                 user::command{std::move(c)}, meta, *password,
                                                 t.creds());
                    else
                      ctx.bridge.ask<user_state>(rr, ctx.identity, reply, command_atom::value, id,
                                                 user::command{std::move(c)}, meta, t.creds());
                  });
            });

  add_route(router, ctx, http_method::del, "/v3/users/:user_id", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string id = param_of(req, ":user_id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
                           ctx.bridge.ask<user_state>(
                               rr, ctx.identity,
                               [](responder& r3, user_state&) { respond(r3, 204, no_body); },
                               command_atom::value, id, user::command{user::remove{}},
                               event_metadata{rr->request_id(), t.user.id}, t.creds());
                         });
            });

  add_route(
      router, ctx, http_method::post, "/v3/users/:user_id/password", service::identity,
      [&ctx](const Request& req, std::shared_ptr<responder> r) {
        auto body = json_request(ctx, req, *r, "identity_user_password");
        if (!body) return;
        const std::string id = param_of(req, ":user_id");
        with_token(
            ctx, auth_token_of(req), r,
            [&ctx, id, body = std::move(*body)](std::shared_ptr<responder> rr, token_info& t) {
              const auto& u = body["user"];
              ctx.bridge.ask_or<user_state>(
                  rr, ctx.identity, [](responder& r3, user_state&) { respond(r3, 204, no_body); },
                  respond_identity_error, password_atom::value, id,
                  u["original_password"].get<std::string>(), u["password"].get<std::string>(),
                  event_metadata{rr->request_id(), t.user.id}, t.creds());
            });
      });
}

}  // namespace cumulo::api
