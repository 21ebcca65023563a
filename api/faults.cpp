#include "api/faults.hpp"

#include <nlohmann/json.hpp>

#include <chrono>

#include "api/auth.hpp"
#include "api/routing.hpp"
#include "virt/fault_board.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

using Pistache::Rest::Request;
using json = nlohmann::json;

const std::string faults_path = "/cumulo/v1/faults";

// Calls `then` with the caller's token when it is an admin's.
void as_admin(server_context& ctx, const Request& req, std::shared_ptr<responder> r,
              std::function<void(std::shared_ptr<responder>)> then) {
  with_token(ctx, auth_token_of(req), r, [then](std::shared_ptr<responder> rr, token_info& t) {
    if (!t.is_admin()) return respond_error(*rr, 403, "Faults are an admin's to inject.");
    then(rr);
  });
}

// Applies one fault; "" when done, else the 4xx message (status in `code`).
std::string inject(fault_board& board, const json& f, int& code) {
  code = 400;
  if (!f.is_object() || !f.contains("type") || !f["type"].is_string())
    return "A fault is {\"fault\": {\"type\": ...}}.";
  const std::string type = f["type"];
  const std::string host = f.value("host", "");
  if (type == "crash_host") {
    if (host.empty()) return "crash_host needs a host.";
    if (!board.crash_host(host)) {
      code = 404;
      return "Compute host " + host + " could not be found.";
    }
    return "";
  }
  if (type == "libvirt_fail" || type == "libvirt_hang") {
    if (host.empty()) return type + " needs a host.";
    const auto seconds = f.value("seconds", 30.0);
    if (!(seconds > 0) || seconds > 3600) return "seconds must be more than 0 and at most 3600.";
    board.set_libvirt(
        host, type == "libvirt_fail" ? libvirt_fault::fail : libvirt_fault::hang,
        board.now() + std::chrono::duration_cast<fault_board::clock::duration>(
                                        std::chrono::duration<double>(seconds)));
    return "";
  }
  if (type == "image_store_full" || type == "image_store_ok") {
    board.set_image_store_full(type == "image_store_full");
    return "";
  }
  if (type == "volume_backend_full" || type == "volume_backend_ok") {
    board.set_volume_backend_full(type == "volume_backend_full");
    return "";
  }
  return "Unknown fault type " + type +
         " (crash_host, libvirt_fail, libvirt_hang, image_store_full, image_store_ok, "
         "volume_backend_full, volume_backend_ok).";
}

}  // namespace

void add_fault_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_route(router, ctx, http_method::get, faults_path, service::compute,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              as_admin(ctx, req, r, [&ctx](std::shared_ptr<responder> rr) {
                respond(*rr, 200, json{{"faults", ctx.opts.faults->describe()}});
              });
            });
  add_route(router, ctx, http_method::post, faults_path, service::compute,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const auto body = json_too_deep(req.body()) ? json(json::value_t::discarded)
                                                          : json::parse(req.body(), nullptr, false);
              as_admin(ctx, req, r, [&ctx, body](std::shared_ptr<responder> rr) {
                if (body.is_discarded() || !body.is_object() || !body.contains("fault"))
                  return respond_error(*rr, 400, "A fault is {\"fault\": {\"type\": ...}}.");
                int code = 400;
                const auto error = inject(*ctx.opts.faults, body["fault"], code);
                if (!error.empty()) return respond_error(*rr, code, error);
                rr->log().warn("fault injected: {}", body["fault"].dump());
                respond(*rr, 202, json{{"faults", ctx.opts.faults->describe()}});
              });
            });
  add_route(router, ctx, http_method::del, faults_path, service::compute,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              as_admin(ctx, req, r, [&ctx](std::shared_ptr<responder> rr) {
                ctx.opts.faults->clear();
                rr->log().warn("faults cleared");
                respond_text(*rr, 204, "");
              });
            });
}

}  // namespace cumulo::api
