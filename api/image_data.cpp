// An image's bytes: GET /v2/images/{id}/file streams them from the data
// dir with Content-MD5. PUT is taken off Pistache's hands before it would
// buffer the body (image_upload.cpp); the route here only answers what that
// path lets through (ids that are no image's).
#include "actors/image_registry.hpp"
#include "actors/messages.hpp"
#include "api/auth.hpp"
#include "api/image.hpp"
#include "api/routing.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {

using Pistache::Rest::Request;

void add_image_data_routes(Pistache::Rest::Router& router, server_context& ctx) {
  const std::string file_path = "/image/v2/images/:id/file";
  add_route(
      router, ctx, http_method::get, file_path, service::image,
      [&ctx](const Request& req, std::shared_ptr<responder> r) {
        const std::string id = param_of(req, ":id");
        with_token(ctx, auth_token_of(req), r, [&ctx, id](std::shared_ptr<responder> rr,
                                                          token_info& t) {
          with_visible_image(ctx, rr, t, id,
                             [&ctx, t](std::shared_ptr<responder> r3, image_state& s) {
                               // Visibility decided who sees the image; the rule
                               // is about the caller's own project.
                               const std::string own = t.project ? t.project->id : "";
                               if (!enforce(*r3, ctx, t, "download_image", target{own, ""}))
                                 return;
                               if (s.status == "deactivated" && !t.is_admin())
                                 return respond_error(*r3, 403,
                                                      "The requested image has been deactivated. "
                                                      "Image data download is forbidden.");
                               // Glance: no data yet is 204, not an error.
                               if (s.status != "active" && s.status != "deactivated")
                                 return respond(*r3, 204, no_body);
                               r3->log().info("{} -> 200 ({} bytes, {:.1f} ms)",
                                              r3->request_line(), s.size.value_or(0),
                                              r3->elapsed_us() / 1000.0);
                               r3->send_file(image_file(ctx.opts.image_dir, s.id).string(),
                                             {{"Content-MD5", s.checksum}});
                             });
        });
      });
  add_route(router, ctx, http_method::put, file_path, service::image,
            [](const Request& req, std::shared_ptr<responder> r) {
              respond_image_not_found(*r, param_of(req, ":id"));
            });
}

}  // namespace cumulo::api
