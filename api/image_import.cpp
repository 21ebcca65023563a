// Glance's interoperable import (Image API 2.6+): what a cloud offers
// (GET /v2/info/import, /v2/info/stores[/detail], /v2/info/usage), the
// import call (POST /v2/images/{id}/import), and the headers an image
// create answers with. PUT /v2/images/{id}/stage streams like an upload
// (image_upload.cpp); the route here only answers what that path lets
// through (ids that are no image's).
#include <algorithm>

#include "actors/messages.hpp"
#include "api/auth.hpp"
#include "api/image.hpp"
#include "api/image_import_request.hpp"
#include "api/routing.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

using nlohmann::json;
using Pistache::Rest::Request;

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ",") + i;
  return out;
}

// The one store, as GET /v2/info/stores lists it ("default" is the text
// "true", as Glance writes it).
json store_entry() {
  return {{"id", image::store_id},
          {"description", "The image folder of cumulo's data dir"},
          {"default", "true"}};
}

void import_image(server_context& ctx, std::shared_ptr<responder> r, const token_info& t,
                  const std::string& id, const image::start_import& c) {
  with_visible_image(
      ctx, r, t, id, [&ctx, t, id, c](std::shared_ptr<responder> rr, image_state& s) {
        if (c.method == "copy-image") {
          // Glance's copy_image rule (an admin's), asked once the image could
          // be copied: a copy of an image that is not active is a 409 first.
          if (s.status == "active" && !enforce(*rr, ctx, t, "copy_image", target{s.owner, ""}))
            return;
        } else {
          if (!enforce(*rr, ctx, t, "modify_image", target{s.owner, ""})) return;
          if (!image_owned(s, viewer_of(t))) return respond_forbidden(*rr, "modify_image");
        }
        ctx.bridge.ask<image_state>(
            rr, ctx.image_registry, [](responder& r3, image_state&) { respond(r3, 202, no_body); },
            command_atom::value, id, image::command{c},
            event_metadata{rr->request_id(), t.user.id});
      });
}

}  // namespace

header_list image_create_headers() {
  return {{"OpenStack-image-import-methods", joined(image::import_methods())},
          {"OpenStack-image-store-ids", image::store_id}};
}

void add_image_import_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_route(router, ctx, http_method::get, "/image/v2/info/import", service::image,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              with_token(ctx, auth_token_of(req), r,
                         [](std::shared_ptr<responder> rr, token_info&) {
                           respond(*rr, 200,
                                   {{"import-methods",
                                     {{"description", "Import methods available."},
                                      {"type", "array"},
                                      {"value", image::import_methods()}}}});
                         });
            });

  add_route(router, ctx, http_method::get, "/image/v2/info/stores", service::image,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              with_token(ctx, auth_token_of(req), r,
                         [](std::shared_ptr<responder> rr, token_info&) {
                           respond(*rr, 200, {{"stores", json::array({store_entry()})}});
                         });
            });

  // An admin's: where the store keeps its files.
  add_route(router, ctx, http_method::get, "/image/v2/info/stores/detail", service::image,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              with_token(ctx, auth_token_of(req), r,
                         [&ctx](std::shared_ptr<responder> rr, token_info& t) {
                           if (!enforce(*rr, ctx, t, "stores_info_detail")) return;
                           json store = store_entry();
                           store["type"] = "file";
                           store["weight"] = 0;
                           store["properties"] = {{"data_dir", ctx.opts.image_dir.string()},
                                                  {"chunk_size", 65536},
                                                  {"thin_provisioning", false}};
                           respond(*rr, 200, {{"stores", json::array({store})}});
                         });
            });

  // Glance shows usage only under Keystone's unified limits; without them
  // (its default, and cumulo's) the answer is empty.
  add_route(router, ctx, http_method::get, "/image/v2/info/usage", service::image,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              with_token(ctx, auth_token_of(req), r,
                         [](std::shared_ptr<responder> rr, token_info&) {
                           respond(*rr, 200, {{"usage", json::object()}});
                         });
            });

  add_route(router, ctx, http_method::post, "/image/v2/images/:id/import", service::image,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto body = json_request(ctx, req, *r, "");
              if (!body) return;
              auto parsed = parse_import_request(*body, header_of(req, "X-Image-Meta-Store"));
              if (parsed.error) return respond_error(*r, 400, *parsed.error);
              const std::string id = param_of(req, ":id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, id, c = std::move(parsed.request)](std::shared_ptr<responder> rr,
                                                                   token_info& t) {
                           import_image(ctx, rr, t, id, c);
                         });
            });

  add_route(router, ctx, http_method::put, "/image/v2/images/:id/stage", service::image,
            [](const Request& req, std::shared_ptr<responder> r) {
              respond_image_not_found(*r, param_of(req, ":id"));
            });
}

}  // namespace cumulo::api
