// Keystone's /v3/auth: issue (POST), validate (GET, HEAD) and revoke
// (DELETE) tokens, and what a token may see of itself: its projects and
// its catalog.
#include "api/auth.hpp"
#include "api/identity.hpp"
#include "api/identity_views.hpp"
#include "api/routing.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

using Pistache::Rest::Request;

std::string text_at(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

// The body, already valid against schemas/api/identity_auth_tokens.json,
// as the identity actor's request; an error message for what the schema
// can't say.
// A user by id, or by name in a domain (id or name): the password method's
// and an application credential's named by name.
std::optional<std::string> read_user(const nlohmann::json& user, auth_request& out) {
  out.user_id = text_at(user, "id");
  out.user_name = text_at(user, "name");
  if (user.contains("domain")) {
    out.user_domain_id = text_at(user["domain"], "id");
    out.user_domain_name = text_at(user["domain"], "name");
  }
  if (out.user_id.empty() && out.user_name.empty())
    return "Expecting to find id or name in user - the server could not comply with the "
           "request since it is either malformed or otherwise incorrect.";
  if (out.user_id.empty() && out.user_domain_id.empty() && out.user_domain_name.empty())
    return "Expecting to find domain in user - the server could not comply with the request "
           "since it is either malformed or otherwise incorrect.";
  return std::nullopt;
}

std::optional<std::string> read_auth_request(const nlohmann::json& body, auth_request& out) {
  const auto& auth = body["auth"];
  const auto& identity = auth["identity"];
  out.methods = identity["methods"].get<std::vector<std::string>>();
  if (out.has_method("password")) {
    if (!identity.contains("password"))
      return "Expecting to find password in identity - the server could not comply with the "
             "request since it is either malformed or otherwise incorrect.";
    const auto& user = identity["password"]["user"];
    out.password = text_at(user, "password");
    if (auto problem = read_user(user, out)) return problem;
  }
  if (out.has_method("token")) {
    if (!identity.contains("token"))
      return "Expecting to find token in identity - the server could not comply with the request "
             "since it is either malformed or otherwise incorrect.";
    out.token = text_at(identity["token"], "id");
  }
  if (out.has_method("application_credential")) {
    if (!identity.contains("application_credential"))
      return "Expecting to find application_credential in identity - the server could not comply "
             "with the request since it is either malformed or otherwise incorrect.";
    const auto& a = identity["application_credential"];
    out.application_credential_id = text_at(a, "id");
    out.application_credential_name = text_at(a, "name");
    out.application_credential_secret = text_at(a, "secret");
    if (out.application_credential_id.empty()) {
      if (out.application_credential_name.empty() || !a.contains("user"))
        return "Expecting to find id, or name and user, in application_credential - the server "
               "could not comply with the request since it is either malformed or otherwise "
               "incorrect.";
      if (auto problem = read_user(a["user"], out)) return problem;
    }
  }
  if (!auth.contains("scope")) return std::nullopt;
  out.has_scope = true;
  const auto& scope = auth["scope"];
  if (scope.is_string()) {
    out.unscoped = true;
    return std::nullopt;
  }
  if (scope.contains("domain") || scope.contains("system"))
    return "cumulo issues project-scoped and unscoped tokens only; scope the token to a project.";
  if (!scope.contains("project")) return std::nullopt;
  const auto& project = scope["project"];
  out.project_id = text_at(project, "id");
  out.project_name = text_at(project, "name");
  if (project.contains("domain")) {
    out.project_domain_id = text_at(project["domain"], "id");
    out.project_domain_name = text_at(project["domain"], "name");
  }
  if (out.project_id.empty() && out.project_name.empty())
    return "Expecting to find id or name in project - the server could not comply with the "
           "request since it is either malformed or otherwise incorrect.";
  if (out.project_id.empty() && out.project_domain_id.empty() && out.project_domain_name.empty())
    return "Expecting to find domain in project - the server could not comply with the request "
           "since it is either malformed or otherwise incorrect.";
  return std::nullopt;
}

bool no_catalog(const Request& req) {
  auto v = query_of(req, "nocatalog");
  return v.has_value() && *v != "0" && *v != "false" && *v != "False";
}

// GET, HEAD and DELETE check a subject token on behalf of the caller.
void on_subject(server_context& ctx, const Request& req, std::shared_ptr<responder> r, bool head) {
  const std::string caller = auth_token_of(req);
  const std::string subject = header_of(req, "X-Subject-Token");
  const std::string base = base_url(req, ctx);
  const bool with_catalog = !no_catalog(req);
  if (caller.empty()) {
    respond_unauthenticated(*r, "no X-Auth-Token");
    return;
  }
  if (subject.empty()) {
    respond_error(*r, 400, "X-Subject-Token is missing: say which token to validate.");
    return;
  }
  ctx.bridge.ask_or<token_info>(
      r, ctx.identity,
      [base, head, with_catalog](responder& rr, token_info& subject) {
        const header_list headers{{"X-Subject-Token", subject.token}};
        respond_text(rr, 200, head ? "" : token_text(subject, base, with_catalog), headers);
      },
      respond_identity_error, validate_atom::value, caller, subject, head);
}

}  // namespace

void add_token_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_public_route(
      router, ctx, http_method::post, "/v3/auth/tokens", service::identity,
      [&ctx](const Request& req, std::shared_ptr<responder> r) {
        // Each issue costs an argon2id hash on one of two workers: one
        // client must not queue up everyone else's logins.
        const std::string client = req.address().host();
        const auto now = rate_limiter::clock::now();
        if (!ctx.token_issues->admit(client, now)) {
          const auto wait = static_cast<long>(ctx.token_issues->retry_after(client, now)) + 1;
          r->add_header("Retry-After", std::to_string(wait));
          respond_error(*r, 429,
                        "Too many token requests from " + client + "; retry in " +
                            std::to_string(wait) + " s.");
          return;
        }
        auto body = read_json_body(body_of(req), header_of(req, "Content-Type"), ctx.schemas,
                                   "identity_auth_tokens", ctx.opts.max_json_body_bytes);
        if (!body) {
          respond_error(*r, body.error->status, body.error->message);
          return;
        }
        auth_request auth;
        if (auto problem = read_auth_request(body.value, auth)) {
          respond_error(*r, 400, *problem);
          return;
        }
        const std::string base = base_url(req, ctx);
        const bool with_catalog = !no_catalog(req);
        ctx.bridge.ask_or<token_info>(
            r, ctx.identity,
            [base, with_catalog](responder& rr, token_info& t) {
              rr.log().info("token issued to user {} on project {}", t.user.id,
                            t.project ? t.project->id : "(unscoped)");
              respond_text(rr, 201, token_text(t, base, with_catalog),
                           {{"X-Subject-Token", t.token}});
            },
            respond_identity_error, authenticate_atom::value, std::move(auth));
      });

  add_route(router, ctx, http_method::get, "/v3/auth/tokens", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              on_subject(ctx, req, std::move(r), false);
            });
  add_route(router, ctx, http_method::head, "/v3/auth/tokens", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              on_subject(ctx, req, std::move(r), true);
            });

  add_route(router, ctx, http_method::del, "/v3/auth/tokens", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string caller = auth_token_of(req);
              const std::string subject = header_of(req, "X-Subject-Token");
              if (caller.empty()) {
                respond_unauthenticated(*r, "no X-Auth-Token");
                return;
              }
              if (subject.empty()) {
                respond_error(*r, 400, "X-Subject-Token is missing: say which token to revoke.");
                return;
              }
              ctx.bridge.ask_or<user_state>(
                  r, ctx.identity, [](responder& rr, user_state&) { respond(rr, 204, no_body); },
                  respond_identity_error, revoke_atom::value, caller, subject,
                  event_metadata{r->request_id(), ""});
            });

  add_route(router, ctx, http_method::get, "/v3/auth/projects", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string base = base_url(req, ctx);
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, base](std::shared_ptr<responder> rr, token_info& t) {
                           // The caller's own: no rule, as in Keystone.
                           ctx.bridge.ask<std::vector<project_state>>(
                               rr, ctx.identity,
                               user_projects_view(base, base + "/v3/auth/projects"),
                               list_atom::value, project_atom::value, t.user.id);
                         });
            });

  add_route(router, ctx, http_method::get, "/v3/auth/catalog", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string base = base_url(req, ctx);
              with_token(ctx, auth_token_of(req), r,
                         [base](std::shared_ptr<responder> rr, token_info& t) {
                           if (!t.project) {
                             respond_error(*rr, 403,
                                           "A project-scoped token is required to produce a "
                                           "service catalog.");
                             return;
                           }
                           respond(*rr, 200,
                                   {{"catalog", catalog_json(base, t.catalog.get())},
                                    {"links", {{"self", base + "/v3/auth/catalog"}}}});
                         });
            });

  // Domain-scoped tokens do not exist here: no domain is ever in reach.
  add_route(
      router, ctx, http_method::get, "/v3/auth/domains", service::identity,
      [&ctx](const Request& req, std::shared_ptr<responder> r) {
        const std::string base = base_url(req, ctx);
        with_token(ctx, auth_token_of(req), r, [base](std::shared_ptr<responder> rr, token_info&) {
          respond(*rr, 200,
                  collection_json("domains", nlohmann::json::array(), base + "/v3/auth/domains"));
        });
      });
}

}  // namespace cumulo::api
