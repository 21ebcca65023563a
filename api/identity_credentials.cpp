// Keystone's credentials: /v3/credentials (create, list with ?user_id= and
// ?type=, show, update, delete) and the EC2 credentials of
// /v3/users/{user_id}/credentials/OS-EC2 (create, list, show, delete by
// access key), which are the same records of type "ec2" (id: the SHA-256
// of the access key). The identity actor decides each request with
// Keystone's rules (an admin manages any, a user its own) and keeps the
// blobs sealed; here the bodies are read and the answers shown, blobs in
// clear as Keystone shows them. A blob is never logged.
#include "actors/credential_messages.hpp"
#include "api/auth.hpp"
#include "api/identity.hpp"
#include "api/identity_views.hpp"
#include "api/routing.hpp"
#include "crypto/credential_blob.hpp"
#include "store/ids.hpp"

#include <algorithm>

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

using Pistache::Rest::Request;

nlohmann::json credential_json(const credential_view& c, const std::string& base) {
  return {
      {"id", c.id},
      {"user_id", c.user_id},
      {"project_id", c.project_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.project_id)},
      {"type", c.type},
      {"blob", c.blob},
      {"links", {{"self", base + "/v3/credentials/" + c.id}}}};
}

std::string ec2_url(const std::string& base, const std::string& user_id) {
  return base + "/v3/users/" + user_id + "/credentials/OS-EC2";
}

// OS-EC2's view of an ec2 credential: its blob's access, secret and
// trust_id, its project as tenant_id.
nlohmann::json ec2_credential_json(const credential_view& c, const std::string& base) {
  auto blob = read_ec2_blob(c.blob);
  const nlohmann::json none;
  const nlohmann::json& b = blob ? blob.value() : none;
  auto field = [&b](const char* key) {
    return b.is_object() && b.contains(key) ? b[key] : nlohmann::json(nullptr);
  };
  const nlohmann::json access = field("access");
  return {{"user_id", c.user_id},
          {"tenant_id", c.project_id},
          {"access", access},
          {"secret", field("secret")},
          {"trust_id", field("trust_id")},
          {"links",
           {{"self", ec2_url(base, c.user_id) + "/" +
                         (access.is_string() ? access.get<std::string>() : std::string())}}}};
}

// The schema counts characters; Keystone's column holds this many bytes.
bool blob_too_long(responder& r, const std::string& blob) {
  if (blob.size() <= credential::max_blob_bytes) return false;
  respond_error(r, 400,
                "Invalid input for field 'blob': longer than " +
                    std::to_string(credential::max_blob_bytes) + " bytes.");
  return true;
}

// Keystone's ids are random UUIDs in hex, without dashes.
std::string new_credential_id() {
  std::string id = new_random_uuid();
  id.erase(std::remove(id.begin(), id.end(), '-'), id.end());
  return id;
}

// Every request once parsed: the caller's token validated, then one ask of
// the identity actor with the caller's credentials last; a 401 of the
// actor (an EC2 access key that is none) as Keystone's generic one.
template <class T, class Reply, class... Ts>
void ask_as_caller(server_context& ctx, const Request& req, std::shared_ptr<responder> r,
                   Reply reply, Ts... xs) {
  with_token(ctx, auth_token_of(req), std::move(r),
             [&ctx, reply, xs...](std::shared_ptr<responder> rr, token_info& t) {
               ctx.bridge.ask_or<T>(rr, ctx.identity, reply, respond_identity_error, xs...,
                                    t.creds());
             });
}

// A change: (lead, ids..., command, the request's metadata, credentials).
template <class Reply, class... Ts>
void change_as_caller(server_context& ctx, const Request& req, std::shared_ptr<responder> r,
                      Reply reply, Ts... xs) {
  with_token(ctx, auth_token_of(req), std::move(r),
             [&ctx, reply, xs...](std::shared_ptr<responder> rr, token_info& t) {
               ctx.bridge.ask_or<credential_view>(
                   rr, ctx.identity, reply, respond_identity_error, xs...,
                   event_metadata{rr->request_id(), t.user.id}, t.creds());
             });
}

// {"credential": view(v, base)}, with this status.
template <class View>
auto answer(int status, View view, std::string base) {
  return [status, view, base](responder& r, credential_view& v) {
    respond(r, status, {{"credential", view(v, base)}});
  };
}

void answer_no_content(responder& r, credential_view&) {
  respond(r, 204, no_body);
}

void add_v3_credential_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_route(router, ctx, http_method::post, "/v3/credentials", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto body = json_request(ctx, req, *r, "identity_credential_create");
              if (!body) return;
              const auto& j = (*body)["credential"];
              credential::create c{j["user_id"].get<std::string>(),
                                   optional_text(j, "project_id").value_or(""),
                                   j["type"].get<std::string>(), j["blob"].get<std::string>()};
              if (blob_too_long(*r, c.blob)) return;
              std::string id = new_credential_id();
              std::optional<nlohmann::json> ec2;
              if (is_ec2(c.type)) {
                auto blob = read_ec2_blob(c.blob);
                if (!blob) {
                  respond_error(*r, blob.error());
                  return;
                }
                id = ec2_credential_id(blob.value()["access"].get<std::string>());
                ec2 = std::move(blob.value());
              }
              const std::string base = base_url(req, ctx);
              with_token(
                  ctx, auth_token_of(req), r,
                  [&ctx, base, id, c, ec2](std::shared_ptr<responder> rr, token_info& t) mutable {
                    // Keystone binds an ec2 credential made with an application
                    // credential's token to that one (its EC2 tokens then are).
                    if (ec2 && !t.payload.application_credential_id.empty()) {
                      (*ec2)["app_cred_id"] = t.payload.application_credential_id;
                      c.blob = ec2->dump();
                    }
                    ctx.bridge.ask_or<credential_view>(
                        rr, ctx.identity, answer(201, credential_json, base),
                        respond_identity_error, command_atom::value, id, credential::command{c},
                        event_metadata{rr->request_id(), t.user.id}, t.creds());
                  });
            });

  add_route(router, ctx, http_method::get, "/v3/credentials", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string base = base_url(req, ctx);
              auto user_id = query_of(req, "user_id");
              auto type = query_of(req, "type");
              ask_as_caller<std::vector<credential_view>>(
                  ctx, req, r,
                  [base, user_id, type](responder& r3, std::vector<credential_view>& all) {
                    nlohmann::json items = nlohmann::json::array();
                    for (const auto& c : all)
                      if ((!user_id || c.user_id == *user_id) && (!type || c.type == *type))
                        items.push_back(credential_json(c, base));
                    respond(
                        r3, 200,
                        collection_json("credentials", std::move(items), base + "/v3/credentials"));
                  },
                  list_atom::value, credential_atom::value);
            });

  const std::string one = "/v3/credentials/:credential_id";
  add_route(router, ctx, http_method::get, one, service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string base = base_url(req, ctx);
              ask_as_caller<credential_view>(ctx, req, r, answer(200, credential_json, base),
                                             caf::get_atom::value, credential_atom::value,
                                             param_of(req, ":credential_id"));
            });

  add_route(router, ctx, http_method::patch, one, service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto body = json_request(ctx, req, *r, "identity_credential_update");
              if (!body) return;
              const std::string id = param_of(req, ":credential_id");
              const auto& j = (*body)["credential"];
              if (auto given = optional_text(j, "id"); given && *given != id) {
                respond_error(*r, 400, "Cannot change ID");
                return;
              }
              credential::update u;
              if (j.contains("user_id")) u.user_id = j["user_id"].get<std::string>();
              if (j.contains("project_id"))
                u.project_id = optional_text(j, "project_id").value_or("");
              if (j.contains("type")) u.type = j["type"].get<std::string>();
              if (j.contains("blob")) {
                u.blob = j["blob"].get<std::string>();
                if (blob_too_long(*r, *u.blob)) return;
              }
              const std::string base = base_url(req, ctx);
              change_as_caller(ctx, req, r, answer(200, credential_json, base), command_atom::value,
                               id, credential::command{u});
            });

  add_route(router, ctx, http_method::del, one, service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              change_as_caller(ctx, req, r, answer_no_content, command_atom::value,
                               param_of(req, ":credential_id"),
                               credential::command{credential::remove{}});
            });
}

void add_ec2_credential_routes(Pistache::Rest::Router& router, server_context& ctx) {
  const std::string collection = "/v3/users/:user_id/credentials/OS-EC2";
  add_route(
      router, ctx, http_method::post, collection, service::identity,
      [&ctx](const Request& req, std::shared_ptr<responder> r) {
        auto body = json_request(ctx, req, *r, "identity_ec2_credential_create");
        if (!body) return;
        const std::string user_id = param_of(req, ":user_id");
        // New and random, as Keystone's; the secret is kept (sealed): EC2's
        // signatures are checked with it.
        const std::string access = random_ec2_key();
        const nlohmann::json blob{
            {"access", access}, {"secret", random_ec2_key()}, {"trust_id", nullptr}};
        credential::create c{user_id, (*body)["tenant_id"].get<std::string>(), "ec2", blob.dump()};
        const std::string base = base_url(req, ctx);
        change_as_caller(ctx, req, r, answer(201, ec2_credential_json, base),
                         ec2_credential_atom::value, user_id, ec2_credential_id(access),
                         credential::command{c});
      });

  add_route(router, ctx, http_method::get, collection, service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string base = base_url(req, ctx);
              const std::string user_id = param_of(req, ":user_id");
              ask_as_caller<std::vector<credential_view>>(
                  ctx, req, r,
                  [base, user_id](responder& r3, std::vector<credential_view>& all) {
                    nlohmann::json items = nlohmann::json::array();
                    for (const auto& c : all) items.push_back(ec2_credential_json(c, base));
                    respond(
                        r3, 200,
                        collection_json("credentials", std::move(items), ec2_url(base, user_id)));
                  },
                  list_atom::value, ec2_credential_atom::value, user_id);
            });

  const std::string one = collection + "/:access";
  add_route(router, ctx, http_method::get, one, service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string base = base_url(req, ctx);
              ask_as_caller<credential_view>(ctx, req, r, answer(200, ec2_credential_json, base),
                                             caf::get_atom::value, ec2_credential_atom::value,
                                             param_of(req, ":user_id"),
                                             ec2_credential_id(param_of(req, ":access")));
            });

  add_route(router, ctx, http_method::del, one, service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              change_as_caller(ctx, req, r, answer_no_content, ec2_credential_atom::value,
                               param_of(req, ":user_id"),
                               ec2_credential_id(param_of(req, ":access")),
                               credential::command{credential::remove{}});
            });
}

}  // namespace

void add_credential_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_v3_credential_routes(router, ctx);
  add_ec2_credential_routes(router, ctx);
}

}  // namespace cumulo::api
