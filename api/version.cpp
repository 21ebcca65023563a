#include "api/version.hpp"

#include "api/routing.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {

nlohmann::json identity_v3_version(const std::string& base_url) {
  return {
      {"id", "v3.14"},
      {"status", "stable"},
      {"updated", "2020-04-07T00:00:00Z"},
      {"links", {{{"rel", "self"}, {"href", base_url + "/v3/"}}}},
      {"media-types",
       {{{"base", "application/json"}, {"type", "application/vnd.openstack.identity-v3+json"}}}}};
}

void add_version_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_route(
      router, ctx, http_method::get, "/", service::identity,
      [&ctx](const Pistache::Rest::Request& req, std::shared_ptr<responder> r) {
        respond(*r, 300, {{"versions", {{"values", {identity_v3_version(base_url(req, ctx))}}}}});
      });
  // Pistache's router ignores a trailing slash: this answers /v3/ too.
  add_route(router, ctx, http_method::get, "/v3", service::identity,
            [&ctx](const Pistache::Rest::Request& req, std::shared_ptr<responder> r) {
              respond(*r, 200, {{"version", identity_v3_version(base_url(req, ctx))}});
            });
}

}  // namespace cumulo::api
