// Keystone's /v3/domains: the one domain, Default, which every project,
// user and role belongs to. Making more domains is refused with a 403 that
// says so (a later issue may bring them).
#include "api/auth.hpp"
#include "api/identity.hpp"
#include "api/identity_views.hpp"
#include "api/routing.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {

using Pistache::Rest::Request;

void add_domain_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_route(router, ctx, http_method::get, "/v3/domains", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string base = base_url(req, ctx);
              auto name = query_of(req, "name");
              auto enabled = query_of(req, "enabled");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, base, name, enabled](std::shared_ptr<responder> rr, token_info& t) {
                           if (!enforce(*rr, ctx, t, "identity:list_domains")) return;
                           nlohmann::json items = nlohmann::json::array();
                           if ((!name || *name == default_domain_name) &&
                               (!enabled || query_flag(*enabled)))
                             items.push_back(default_domain_json(base));
                           respond(*rr, 200,
                                   collection_json("domains", std::move(items), base + "/v3/domains"));
                         });
            });

  add_route(router, ctx, http_method::get, "/v3/domains/:domain_id", service::identity,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string base = base_url(req, ctx);
              const std::string id = param_of(req, ":domain_id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, base, id](std::shared_ptr<responder> rr, token_info& t) {
                           if (id != default_domain_id) {
                             respond_error(*rr, 404, "Could not find domain: " + id + ".");
                             return;
                           }
                           if (!enforce(*rr, ctx, t, "identity:get_domain")) return;
                           respond(*rr, 200, {{"domain", default_domain_json(base)}});
                         });
            });

  auto refuse = [&ctx](const char* rule) {
    return [&ctx, rule](const Request& req, std::shared_ptr<responder> r) {
      with_token(ctx, auth_token_of(req), r,
                 [&ctx, rule](std::shared_ptr<responder> rr, token_info& t) {
                   if (!enforce(*rr, ctx, t, rule)) return;
                   respond_error(*rr, 403,
                                 "cumulo has one domain, Default: domains can't be created, "
                                 "changed or deleted.");
                 });
    };
  };
  add_route(router, ctx, http_method::post, "/v3/domains", service::identity,
            refuse("identity:create_domain"));
  add_route(router, ctx, http_method::patch, "/v3/domains/:domain_id", service::identity,
            refuse("identity:update_domain"));
  add_route(router, ctx, http_method::del, "/v3/domains/:domain_id", service::identity,
            refuse("identity:delete_domain"));
}

}  // namespace cumulo::api
