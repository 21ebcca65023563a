// Nova's server metadata (/servers/{id}/metadata): read it all or one key,
// replace it all (PUT), merge into it (POST), set or delete one key. Keys
// follow Nova's schema (1 to 255 of letters, digits and "-_:. "), values at
// most 255 characters (schemas/api/compute_server_metadata*.json). The
// instance decides (state 409, lock 409, missing key 404); the compute
// door bounds the count by the project's metadata_items quota (403).
#include <cctype>

#include "api/auth.hpp"
#include "api/compute_server_views.hpp"
#include "api/compute_servers.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

using nlohmann::json;
using Pistache::Rest::Request;

const std::string metadata_path = servers_path + "/:id/metadata";

// Every key as Nova's pattern ^[a-zA-Z0-9-_:. ]{1,255}$ takes it; false
// once the 400 is answered.
bool keys_valid(responder& r, const std::map<std::string, std::string>& metadata) {
  for (const auto& [key, _] : metadata)
    if (auto why = metadata_key_error(key)) {
      respond_error(r, 400, *why);
      return false;
    }
  return true;
}

void answer_metadata(std::shared_ptr<responder> r, instance_state& s) {
  respond(*r, 200, {{"metadata", s.metadata}});
}

// PUT replaces, POST merges: both answer the server's whole metadata
// (Nova answers PUT with what it was given, which is then the whole).
void set_all(server_context& ctx, const Request& req, std::shared_ptr<responder> r, bool replace) {
  auto body = json_request(ctx, req, *r, "compute_server_metadata");
  if (!body) return;
  auto metadata = (*body)["metadata"].get<std::map<std::string, std::string>>();
  if (!keys_valid(*r, metadata)) return;
  const char* rule = replace ? "os_compute_api:server-metadata:update_all"
                             : "os_compute_api:server-metadata:create";
  on_visible_server(
      ctx, req, r, rule,
      [&ctx, metadata, replace](std::shared_ptr<responder> rr, const token_info& t,
                                instance_state& s) {
        change_server(ctx, rr, t, s.id, instance::set_metadata{metadata, replace}, answer_metadata);
      });
}

}  // namespace

std::optional<std::string> metadata_key_error(const std::string& key) {
  bool ok = !key.empty() && key.size() <= 255;
  for (char c : key) {
    const auto u = static_cast<unsigned char>(c);
    ok = ok && (std::isalnum(u) || c == '-' || c == '_' || c == ':' || c == '.' || c == ' ');
  }
  if (ok) return std::nullopt;
  // The key is not quoted back: it may be anything up to the body's size.
  return std::string(
      "Invalid input for field/attribute metadata. A key is 1 to 255 of letters, digits and "
      "'-_:. '");
}

void add_server_metadata_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_server_route(router, ctx, http_method::get, metadata_path,
                   [&ctx](const Request& req, std::shared_ptr<responder> r, int) {
                     on_visible_server(ctx, req, r, "os_compute_api:server-metadata:index",
                                       [](std::shared_ptr<responder> rr, const token_info&,
                                          instance_state& s) { answer_metadata(rr, s); });
                   });
  add_server_route(router, ctx, http_method::put, metadata_path,
                   [&ctx](const Request& req, std::shared_ptr<responder> r, int) {
                     set_all(ctx, req, std::move(r), true);
                   });
  add_server_route(router, ctx, http_method::post, metadata_path,
                   [&ctx](const Request& req, std::shared_ptr<responder> r, int) {
                     set_all(ctx, req, std::move(r), false);
                   });

  add_server_route(
      router, ctx, http_method::get, metadata_path + "/:key",
      [&ctx](const Request& req, std::shared_ptr<responder> r, int) {
        const std::string key = param_of(req, ":key");
        on_visible_server(
            ctx, req, r, "os_compute_api:server-metadata:show",
            [key](std::shared_ptr<responder> rr, const token_info&, instance_state& s) {
              auto it = s.metadata.find(key);
              if (it == s.metadata.end())
                return respond_error(*rr, 404, "Metadata item was not found");
              respond(*rr, 200, {{"meta", {{it->first, it->second}}}});
            });
      });
  add_server_route(
      router, ctx, http_method::put, metadata_path + "/:key",
      [&ctx](const Request& req, std::shared_ptr<responder> r, int) {
        auto body = json_request(ctx, req, *r, "compute_server_metadata_item");
        if (!body) return;
        const std::string key = param_of(req, ":key");
        const auto& meta = (*body)["meta"];
        if (meta.size() > 1) return respond_error(*r, 400, "Request body contains too many items");
        if (!meta.contains(key)) return respond_error(*r, 400, "Request body and URI mismatch");
        std::map<std::string, std::string> item{{key, meta[key].get<std::string>()}};
        if (!keys_valid(*r, item)) return;
        on_visible_server(
            ctx, req, r, "os_compute_api:server-metadata:update",
            [&ctx, item](std::shared_ptr<responder> rr, const token_info& t, instance_state& s) {
              change_server(ctx, rr, t, s.id, instance::set_metadata{item, false},
                            [item](std::shared_ptr<responder> r4, instance_state&) {
                              respond(*r4, 200, {{"meta", item}});
                            });
            });
      });
  add_server_route(
      router, ctx, http_method::del, metadata_path + "/:key",
      [&ctx](const Request& req, std::shared_ptr<responder> r, int) {
        const std::string key = param_of(req, ":key");
        on_visible_server(
            ctx, req, r, "os_compute_api:server-metadata:delete",
            [&ctx, key](std::shared_ptr<responder> rr, const token_info& t, instance_state& s) {
              change_server(ctx, rr, t, s.id, instance::delete_metadata{key},
                            [](std::shared_ptr<responder> r4, instance_state&) {
                              respond(*r4, 204, no_body);
                            });
            });
      });
}

}  // namespace cumulo::api
