#include "api/compute_bridge.hpp"

#include "actors/compute.hpp"
#include "actors/messages.hpp"
#include "api/routing.hpp"
#include "engine/flavor_state.hpp"
#include "api/image.hpp"
#include "engine/image_listing.hpp"
#include "engine/image_state.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

// The compute API's own negotiation (api/compute.cpp), for the servers
// routes too.
microversion_result negotiated(const Pistache::Rest::Request& req) {
  return parse_microversion(header_of(req, "OpenStack-API-Version"),
                            header_of(req, "X-OpenStack-Nova-API-Version"));
}

}  // namespace

int microversion_of(const Pistache::Rest::Request& req) {
  const auto v = negotiated(req);
  return v.status ? 0 : v.version.minor;
}

void respond_bad_microversion(responder& r, const Pistache::Rest::Request& req) {
  const auto v = negotiated(req);
  respond(r, v.status, error_body(service::compute, v.status, v.error),
          compute_version_headers(1));
}

header_list compute_version_headers(int minor) {
  const std::string v = "2." + std::to_string(minor);
  return {{"OpenStack-API-Version", "compute " + v},
          {"X-OpenStack-Nova-API-Version", v},
          {"Vary", "OpenStack-API-Version, X-OpenStack-Nova-API-Version"}};
}

std::shared_ptr<responder> with_version_headers(std::shared_ptr<responder> r, int minor) {
  for (auto& [name, value] : compute_version_headers(minor)) r->add_header(name, value);
  return r;
}

void resolve_flavor(server_context& ctx, std::shared_ptr<responder> r,
                    const std::string& flavor_ref,
                    std::function<void(std::shared_ptr<responder>, instance::flavor)> then) {
  // flavorRef may also be a link ending in the id, as Nova accepts.
  const auto slash = flavor_ref.rfind('/');
  const std::string id = slash == std::string::npos ? flavor_ref : flavor_ref.substr(slash + 1);
  ctx.bridge.ask_or<flavor_state>(
      r, ctx.compute,
      [then](std::shared_ptr<responder> rr, flavor_state& f) {
        // The instance keeps a copy: a flavor deleted later changes nothing.
        then(rr, instance::flavor{f.id, f.name, f.vcpus, f.ram, f.disk, f.ephemeral, f.swap});
      },
      [flavor_ref](responder& rr, const domain_error&) {
        respond_error(rr, 400, "Flavor " + flavor_ref + " could not be found.");
      },
      caf::get_atom::value, flavor_atom::value, id);
}

void resolve_image(server_context& ctx, std::shared_ptr<responder> r, const token_info& t,
                   const std::string& image_ref,
                   std::function<void(std::shared_ptr<responder>)> then) {
  const auto slash = image_ref.rfind('/');
  const std::string id = slash == std::string::npos ? image_ref : image_ref.substr(slash + 1);
  // Glance's own visibility rules, asked of Glance's door.
  const image_viewer viewer = viewer_of(t);
  ctx.bridge.ask_or<image_state>(
      r, ctx.image_registry,
      [id, image_ref, viewer, then](std::shared_ptr<responder> rr, image_state& img) {
        if (!image_visible(img, viewer)) {
          respond_error(*rr, 400, "Image " + image_ref + " could not be found.");
          return;
        }
        if (img.status != "active") {
          respond_error(*rr, 400, "Image " + id + " is not active.");
          return;
        }
        then(rr);
      },
      [image_ref](responder& rr, const domain_error& e) {
        if (e.code == errc::not_found)
          respond_error(rr, 400, "Image " + image_ref + " could not be found.");
        else
          respond_error(rr, e);
      },
      caf::get_atom::value, image_atom::value, id);
}

}  // namespace cumulo::api
