#include "api/image.hpp"

#include "actors/messages.hpp"
#include "api/routing.hpp"
#include "engine/ids.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

using Pistache::Rest::Request;

// The API versions the image endpoint lists: the SDK picks the newest
// CURRENT one it knows (2.x share one URL, /v2/).
nlohmann::json versions_of(const std::string& base) {
  nlohmann::json versions = nlohmann::json::array();
  for (int minor = 16; minor >= 0; --minor)
    versions.push_back(
        {{"id", "v2." + std::to_string(minor)},
         {"status", minor == 16 ? "CURRENT" : "SUPPORTED"},
         {"links", {{{"rel", "self"}, {"href", base + "/image/v2/"}}}}});
  return {{"versions", versions}};
}

}  // namespace

image_viewer viewer_of(const token_info& t) {
  return image_viewer{t.project ? t.project->id : "", t.is_admin()};
}

void respond_image_not_found(responder& r, const std::string& id) {
  respond_error(r, 404, "No image found with ID " + id);
}

bool image_id_shaped(const std::string& id) {
  return is_uuid(id);
}

void with_visible_image(server_context& ctx, std::shared_ptr<responder> r, const token_info& t,
                        const std::string& id,
                        std::function<void(std::shared_ptr<responder>, image_state&)> then) {
  if (!image_id_shaped(id)) return respond_image_not_found(*r, id);
  ctx.bridge.ask<image_state>(
      r, ctx.image_registry, [then](std::shared_ptr<responder> rr, image_state& s) { then(rr, s); },
      caf::get_atom::value, image_atom::value, id, t.creds());
}

void add_image_routes(Pistache::Rest::Router& router, server_context& ctx) {
  // Glance answers its root with 300 Multiple Choices; /versions with 200.
  add_route(router, ctx, http_method::get, "/image", service::image,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              respond(*r, 300, versions_of(base_url(req, ctx)));
            });
  add_route(router, ctx, http_method::get, "/image/versions", service::image,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              respond(*r, 200, versions_of(base_url(req, ctx)));
            });
  add_images_routes(router, ctx);
  add_image_data_routes(router, ctx);
  add_image_member_routes(router, ctx);
  add_image_metadef_routes(router, ctx);
  add_image_import_routes(router, ctx);
}

}  // namespace cumulo::api
