#include "api/compute_bridge.hpp"

#include "actors/compute.hpp"
#include "engine/flavor_state.hpp"

#include <array>
#include <regex>

#include "actors/messages.hpp"
#include "api/routing.hpp"
#include "engine/image_state.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

// The raw version text the request asks for, "" when none. The
// OpenStack-API-Version header wins over the legacy Nova one, as in Nova.
std::string requested_version(const Pistache::Rest::Request& req) {
  const std::string modern = header_of(req, "OpenStack-API-Version");
  if (!modern.empty()) {
    // "compute 2.73" (possibly among other services, comma-separated).
    static const std::regex entry(R"((?:^|,)\s*compute\s+(\S+?)\s*(?:,|$))", std::regex::icase);
    std::smatch m;
    if (std::regex_search(modern, m, entry)) return m[1];
  }
  return header_of(req, "X-OpenStack-Nova-API-Version");
}

enum class parse_result { ok, malformed, out_of_range };

parse_result parse_minor(const std::string& text, int& minor) {
  if (text.empty()) {
    minor = 1;
    return parse_result::ok;
  }
  if (text == "latest") {
    minor = max_compute_minor;
    return parse_result::ok;
  }
  static const std::regex version(R"(^([1-9][0-9]*)\.(0|[1-9][0-9]{0,3})$)");
  std::smatch m;
  if (!std::regex_match(text, m, version)) return parse_result::malformed;
  const int major = std::stoi(m[1]);
  minor = std::stoi(m[2]);
  if (major != 2 || minor < min_compute_minor || minor > max_compute_minor)
    return parse_result::out_of_range;
  return parse_result::ok;
}

}  // namespace

int microversion_of(const Pistache::Rest::Request& req) {
  int minor = 1;
  if (parse_minor(requested_version(req), minor) != parse_result::ok) return 0;
  return minor;
}

void respond_bad_microversion(responder& r, const Pistache::Rest::Request& req) {
  const std::string text = requested_version(req);
  int minor = 1;
  const auto headers = compute_version_headers(1);
  if (parse_minor(text, minor) == parse_result::malformed) {
    respond(r, 400,
            error_body(service::compute, 400,
                       "API Version String " + text +
                           " is of invalid format. Must be of format MajorNum.MinorNum."),
            headers);
    return;
  }
  respond(r, 406,
          error_body(service::compute, 406,
                     "Version " + text + " is not supported by the API. Minimum is 2." +
                         std::to_string(min_compute_minor) + " and maximum is 2." +
                         std::to_string(max_compute_minor) + "."),
          headers);
}

header_list compute_version_headers(int minor) {
  const std::string v = "2." + std::to_string(minor);
  return {{"OpenStack-API-Version", "compute " + v},
          {"X-OpenStack-Nova-API-Version", v},
          {"Vary", "OpenStack-API-Version, X-OpenStack-Nova-API-Version"}};
}

namespace {

class versioned_responder : public responder {
 public:
  versioned_responder(std::shared_ptr<responder> inner, int minor)
      : responder(inner->svc(), inner->request_id()),
        inner_(std::move(inner)),
        headers_(compute_version_headers(minor)) {
    set_request_line(inner_->request_line());
  }
  void send_text(int status, std::string json_text, const header_list& headers) override {
    header_list all = headers;
    all.insert(all.end(), headers_.begin(), headers_.end());
    inner_->send_text(status, std::move(json_text), all);
  }

 private:
  std::shared_ptr<responder> inner_;
  header_list headers_;
};

}  // namespace

std::shared_ptr<responder> with_version_headers(std::shared_ptr<responder> r, int minor) {
  return std::make_shared<versioned_responder>(std::move(r), minor);
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
  const std::string project = t.project ? t.project->id : "";
  const bool admin = t.is_admin();
  ctx.bridge.ask_or<image_state>(
      r, ctx.conductor,
      [id, image_ref, project, admin, then](std::shared_ptr<responder> rr, image_state& img) {
        // Glance's visibility: shared images with members are not modelled
        // on this branch, so only the owner sees a private or shared one.
        const bool visible = admin || img.owner == project || img.visibility == "public" ||
                             img.visibility == "community";
        if (!img.exists() || !visible) {
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
