// Glance v2 at /image: version discovery, images and their metadata
// (image_images.cpp), their data (image_data.cpp: download here, the
// streamed upload in image_upload.cpp), tags, deactivation and schemas,
// members (image_members.cpp), the metadata definitions catalog
// (image_metadefs.cpp, read-only), the interoperable import
// (image_import.cpp: discovery and the import; the staging streams as an
// upload does).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "api/responder.hpp"
#include "api/server_context.hpp"
#include "engine/identity_directory.hpp"
#include "engine/image_listing.hpp"

namespace Pistache::Rest {
class Router;
}

namespace cumulo::api {

void add_image_routes(Pistache::Rest::Router& router, server_context& ctx);
// The parts add_image_routes registers.
void add_images_routes(Pistache::Rest::Router& router, server_context& ctx);
void add_image_data_routes(Pistache::Rest::Router& router, server_context& ctx);
void add_image_member_routes(Pistache::Rest::Router& router, server_context& ctx);
void add_image_metadef_routes(Pistache::Rest::Router& router, server_context& ctx);
void add_image_import_routes(Pistache::Rest::Router& router, server_context& ctx);

// What an image create answers with besides the image: the import methods
// and stores the cloud offers (OpenStack-image-import-methods, read by
// openstacksdk before it stages; OpenStack-image-store-ids).
header_list image_create_headers();

image_viewer viewer_of(const token_info& t);
// 404 "No image found with ID <id>".
void respond_image_not_found(responder& r, const std::string& id);
// Asks the image registry for an image as the caller sees it (the
// registry decides), then calls `then` on a CAF thread; an image it may
// not see is a 404, as Glance.
void with_visible_image(server_context& ctx, std::shared_ptr<responder> r, const token_info& t,
                        const std::string& id,
                        std::function<void(std::shared_ptr<responder>, image_state&)> then);
// Whether a path segment can be an image id (Glance's ids are UUIDs); the
// id also names files in the data dir, so nothing else gets that far.
bool image_id_shaped(const std::string& id);

}  // namespace cumulo::api
