// Nova's keypairs (/os-keypairs): a user's SSH public keys. POST imports a
// key, or has one made (Ed25519; the private key is in that answer only);
// GET lists and shows, DELETE removes. A keypair is its user's: another
// user gets 404, an admin may name a user with ?user_id= (2.10).
#include "actors/compute.hpp"
#include "api/auth.hpp"
#include "api/compute.hpp"
#include "api/compute_views.hpp"
#include "crypto/ssh_key.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

using Pistache::Rest::Request;

const std::string keypairs_path = compute_root + "/os-keypairs";

// The user a request is about: ?user_id= (2.10+), else the caller. The
// policy (admin or owner) decides whether the caller may name another.
std::string user_for(const std::optional<std::string>& asked, microversion v, const token_info& t) {
  return asked && !asked->empty() && v.at_least(10) ? *asked : t.user.id;
}

}  // namespace

void add_keypair_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_compute_route(router, ctx, http_method::post, keypairs_path,
                    [&ctx](const Request& req, std::shared_ptr<responder> r, microversion v) {
                      auto body = json_request(ctx, req, *r, "compute_keypair_create");
                      if (!body) return;
                      const auto& k = (*body)["keypair"];
                      for (const char* key : {"type", "user_id"})
                        if (k.contains(key) && !v.at_least(std::string(key) == "type" ? 2 : 10))
                          return respond_error(
                              *r, 400,
                              "Invalid input for field/attribute keypair. Value: " + k.dump() +
                                  ". Additional properties are not allowed ('" + key +
                                  "' was unexpected)");
                      keypair::create c;
                      c.name = k["name"].get<std::string>();
                      c.type = k.value("type", "ssh");
                      if (auto e = check_keypair_name(c.name)) return respond_error(*r, *e);
                      std::string private_key;
                      if (k.contains("public_key")) {
                        c.public_key = k["public_key"].get<std::string>();
                      } else if (c.type == "ssh") {
                        auto made = generate_ssh_key_pair("Generated-by-Nova");
                        c.public_key = made.public_key;
                        private_key = made.private_key;
                      }
                      const auto asked_user = optional_text(k, "user_id");
                      with_token(ctx, auth_token_of(req), r,
                                 [&ctx, v, c, private_key, asked_user](
                                     std::shared_ptr<responder> rr, token_info& t) mutable {
                                   c.user_id = user_for(asked_user, v, t);
                                   if (!enforce(*rr, ctx, t, "os_compute_api:os-keypairs:create",
                                                {project_of(t), c.user_id}))
                                     return;
                                   event_metadata meta{rr->request_id(), t.user.id};
                                   ctx.bridge.ask<keypair_state>(
                                       rr, ctx.compute,
                                       [v, private_key](responder& r3, keypair_state& s) {
                                         nlohmann::json j = keypair_json(s, v, false);
                                         j["user_id"] = s.user_id;
                                         if (!private_key.empty()) j["private_key"] = private_key;
                                         // 201 since 2.2; 200 before.
                                         respond(r3, v.at_least(2) ? 201 : 200, {{"keypair", j}});
                                       },
                                       command_atom::value, keypair_atom::value, project_of(t),
                                       keypair::command{std::move(c)}, std::move(meta));
                                 });
                    });

  add_compute_route(
      router, ctx, http_method::get, keypairs_path,
      [&ctx](const Request& req, std::shared_ptr<responder> r, microversion v) {
        const auto asked_user = query_of(req, "user_id");
        const auto limit = v.at_least(35) ? query_number(req, *r, "limit") : query_int{};
        if (!limit.ok) return;
        const auto marker = v.at_least(35) ? query_of(req, "marker") : std::nullopt;
        const std::string base = base_url(req, ctx);
        with_token(
            ctx, auth_token_of(req), r,
            [&ctx, v, asked_user, limit, marker, base](std::shared_ptr<responder> rr,
                                                       token_info& t) {
              const std::string user = user_for(asked_user, v, t);
              if (!enforce(*rr, ctx, t, "os_compute_api:os-keypairs:index", {project_of(t), user}))
                return;
              ctx.bridge.ask<std::vector<keypair_state>>(
                  rr, ctx.compute,
                  [v, limit, marker, base, user](responder& r3, std::vector<keypair_state>& all) {
                    std::size_t start = 0;
                    if (marker) {
                      std::size_t i = 0;
                      while (i < all.size() && all[i].name != *marker) ++i;
                      if (i == all.size())
                        return respond_error(r3, 400, "marker [" + *marker + "] not found");
                      start = i + 1;
                    }
                    nlohmann::json out = nlohmann::json::array();
                    for (std::size_t i = start; i < all.size(); ++i) {
                      if (limit.value && out.size() >= static_cast<std::size_t>(*limit.value))
                        break;
                      out.push_back({{"keypair", keypair_json(all[i], v, false)}});
                    }
                    nlohmann::json body = {{"keypairs", out}};
                    if (limit.value && *limit.value > 0 &&
                        out.size() == static_cast<std::size_t>(*limit.value))
                      body["keypairs_links"] = {
                          {{"rel", "next"},
                           {"href",
                            base + keypairs_path + "?limit=" + std::to_string(*limit.value) +
                                "&marker=" + out.back()["keypair"]["name"].get<std::string>()}}};
                    respond(r3, 200, body);
                  },
                  list_atom::value, keypair_atom::value, user);
            });
      });

  add_compute_route(
      router, ctx, http_method::get, keypairs_path + "/:name",
      [&ctx](const Request& req, std::shared_ptr<responder> r, microversion v) {
        const std::string name = param_of(req, ":name");
        const auto asked_user = query_of(req, "user_id");
        with_token(
            ctx, auth_token_of(req), r,
            [&ctx, v, name, asked_user](std::shared_ptr<responder> rr, token_info& t) {
              const std::string user = user_for(asked_user, v, t);
              if (!enforce(*rr, ctx, t, "os_compute_api:os-keypairs:show", {project_of(t), user}))
                return;
              ctx.bridge.ask<keypair_state>(
                  rr, ctx.compute,
                  [v](responder& r3, keypair_state& s) {
                    respond(r3, 200, {{"keypair", keypair_json(s, v, true)}});
                  },
                  caf::get_atom::value, keypair_atom::value, user, name);
            });
      });

  add_compute_route(
      router, ctx, http_method::del, keypairs_path + "/:name",
      [&ctx](const Request& req, std::shared_ptr<responder> r, microversion v) {
        const std::string name = param_of(req, ":name");
        const auto asked_user = query_of(req, "user_id");
        with_token(
            ctx, auth_token_of(req), r,
            [&ctx, v, name, asked_user](std::shared_ptr<responder> rr, token_info& t) {
              const std::string user = user_for(asked_user, v, t);
              if (!enforce(*rr, ctx, t, "os_compute_api:os-keypairs:delete", {project_of(t), user}))
                return;
              event_metadata meta{rr->request_id(), t.user.id};
              ctx.bridge.ask<keypair_state>(
                  rr, ctx.compute,
                  [v](responder& r3, keypair_state&) {
                    // 202 until 2.2 made it 204.
                    respond(r3, v.at_least(2) ? 204 : 202, no_body);
                  },
                  caf::delete_atom::value, keypair_atom::value, user, name, std::move(meta));
            });
      });
}

}  // namespace cumulo::api
