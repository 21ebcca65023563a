// The metadata of volumes (/volumes/{id}/metadata) and of snapshots
// (/snapshots/{id}/metadata), the same routes over two kinds: GET the
// whole, POST to merge, PUT to replace it (200 with all of it after), GET,
// PUT and DELETE one key (Cinder's {"meta": {key: value}}). The machines
// check the keys' and values' lengths (400) and a key that is not there
// (404).
#include "api/volume.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

using nlohmann::json;
using Pistache::Rest::Request;

// What differs between the two kinds: the door's messages, Cinder's rule
// names, the noun of a 404.
struct volume_kind {
  using state = volume_state;
  using command = volume::command;
  using set_metadata = volume::set_metadata;
  using unset_metadata = volume::unset_metadata;
  using atom = volume_atom;
  static constexpr const char* path = "/volumes/:id/metadata";
  static constexpr const char* noun = "Volume";
  static constexpr const char* get_rule = "volume:get_volume_metadata";
  static constexpr const char* create_rule = "volume:create_volume_metadata";
  static constexpr const char* update_rule = "volume:update_volume_metadata";
  static constexpr const char* delete_rule = "volume:delete_volume_metadata";
  static void on_visible(server_context& ctx, std::shared_ptr<responder> r, const token_info& t,
                         const std::string& id, const std::string& rule,
                         std::function<void(std::shared_ptr<responder>, state&)> then) {
    on_visible_volume(ctx, std::move(r), t, id, rule, std::move(then));
  }
};

struct snapshot_kind {
  using state = volume_snapshot_state;
  using command = volume_snapshot::command;
  using set_metadata = volume_snapshot::set_metadata;
  using unset_metadata = volume_snapshot::unset_metadata;
  using atom = volume_snapshot_atom;
  static constexpr const char* path = "/snapshots/:id/metadata";
  static constexpr const char* noun = "Snapshot";
  static constexpr const char* get_rule = "volume:get_snapshot_metadata";
  // Cinder creates a snapshot's metadata under its update rule.
  static constexpr const char* create_rule = "volume:update_snapshot_metadata";
  static constexpr const char* update_rule = "volume:update_snapshot_metadata";
  static constexpr const char* delete_rule = "volume:delete_snapshot_metadata";
  static void on_visible(server_context& ctx, std::shared_ptr<responder> r, const token_info& t,
                         const std::string& id, const std::string& rule,
                         std::function<void(std::shared_ptr<responder>, state&)> then) {
    on_visible_snapshot(ctx, std::move(r), t, id, rule, std::move(then));
  }
};

template <class Kind>
void add_metadata_routes(Pistache::Rest::Router& router, server_context& ctx) {
  using state = typename Kind::state;
  const std::string path = Kind::path;

  add_volume_route(router, ctx, http_method::get, path,
                   [&ctx](const Request& req, std::shared_ptr<responder> r, const volume_call& c) {
                     const std::string id = param_of(req, ":id");
                     with_volume_caller(
                         ctx, c, r, [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
                           Kind::on_visible(ctx, rr, t, id, Kind::get_rule,
                                            [](std::shared_ptr<responder> r3, state& s) {
                                              respond(*r3, 200, {{"metadata", s.metadata}});
                                            });
                         });
                   });

  // POST merges, PUT replaces.
  for (const bool replace : {false, true}) {
    add_volume_route(
        router, ctx, replace ? http_method::put : http_method::post, path,
        [&ctx, replace](const Request& req, std::shared_ptr<responder> r, const volume_call& c) {
          const std::string id = param_of(req, ":id");
          auto body = json_request(ctx, req, *r, "volume_metadata");
          if (!body) return;
          const json& m = body->at("metadata");
          if (auto bad = metadata_keys_error(m, "metadata")) {
            respond_error(*r, 400, *bad);
            return;
          }
          std::map<std::string, std::string> metadata;
          for (const auto& [k, v] : m.items()) metadata[k] = v.template get<std::string>();
          with_volume_caller(
              ctx, c, r,
              [&ctx, id, replace, metadata](std::shared_ptr<responder> rr, token_info& t) {
                Kind::on_visible(
                    ctx, rr, t, id, replace ? Kind::update_rule : Kind::create_rule,
                    [&ctx, id, replace, metadata, t](std::shared_ptr<responder> r3, state&) {
                      ctx.bridge.ask<state>(
                          r3, ctx.block_storage,
                          [](responder& r4, state& s) {
                            respond(r4, 200, {{"metadata", s.metadata}});
                          },
                          command_atom::value, Kind::atom::value, id,
                          typename Kind::command{typename Kind::set_metadata{metadata, replace}},
                          meta_of(*r3, t));
                    });
              });
        });
  }

  add_volume_route(router, ctx, http_method::get, path + "/:key",
                   [&ctx](const Request& req, std::shared_ptr<responder> r, const volume_call& c) {
                     const std::string id = param_of(req, ":id");
                     const std::string key = param_of(req, ":key");
                     with_volume_caller(
                         ctx, c, r, [&ctx, id, key](std::shared_ptr<responder> rr, token_info& t) {
                           Kind::on_visible(ctx, rr, t, id, Kind::get_rule,
                                            [id, key](std::shared_ptr<responder> r3, state& s) {
                                              auto it = s.metadata.find(key);
                                              if (it == s.metadata.end())
                                                return respond_error(
                                                    *r3, 404,
                                                    std::string(Kind::noun) + " " + id +
                                                        " has no metadata with key " + key + ".");
                                              respond(*r3, 200, {{"meta", {{key, it->second}}}});
                                            });
                         });
                   });

  add_volume_route(
      router, ctx, http_method::put, path + "/:key",
      [&ctx](const Request& req, std::shared_ptr<responder> r, const volume_call& c) {
        const std::string id = param_of(req, ":id");
        const std::string key = param_of(req, ":key");
        auto body = json_request(ctx, req, *r, "volume_metadata_item");
        if (!body) return;
        const json& meta = body->at("meta");
        if (!meta.contains(key)) {
          respond_error(*r, 400, "Request body and URI mismatch");
          return;
        }
        if (meta.size() > 1) {
          respond_error(*r, 400, "Request body contains too many items");
          return;
        }
        if (auto bad = metadata_keys_error(meta, "meta")) {
          respond_error(*r, 400, *bad);
          return;
        }
        const std::string value = meta.at(key).get<std::string>();
        with_volume_caller(
            ctx, c, r, [&ctx, id, key, value](std::shared_ptr<responder> rr, token_info& t) {
              Kind::on_visible(
                  ctx, rr, t, id, Kind::update_rule,
                  [&ctx, id, key, value, t](std::shared_ptr<responder> r3, state&) {
                    std::map<std::string, std::string> one{{key, value}};
                    ctx.bridge.ask<state>(
                        r3, ctx.block_storage,
                        [key, value](responder& r4, state&) {
                          respond(r4, 200, {{"meta", {{key, value}}}});
                        },
                        command_atom::value, Kind::atom::value, id,
                        typename Kind::command{typename Kind::set_metadata{one, false}},
                        meta_of(*r3, t));
                  });
            });
      });

  // 200 without a body, as Cinder.
  add_volume_route(router, ctx, http_method::del, path + "/:key",
                   [&ctx](const Request& req, std::shared_ptr<responder> r, const volume_call& c) {
                     const std::string id = param_of(req, ":id");
                     const std::string key = param_of(req, ":key");
                     with_volume_caller(
                         ctx, c, r, [&ctx, id, key](std::shared_ptr<responder> rr, token_info& t) {
                           Kind::on_visible(
                               ctx, rr, t, id, Kind::delete_rule,
                               [&ctx, id, key, t](std::shared_ptr<responder> r3, state&) {
                                 ctx.bridge.ask<state>(
                                     r3, ctx.block_storage,
                                     [](responder& r4, state&) { respond(r4, 200, no_body); },
                                     command_atom::value, Kind::atom::value, id,
                                     typename Kind::command{typename Kind::unset_metadata{key}},
                                     meta_of(*r3, t));
                               });
                         });
                   });
}

}  // namespace

void add_volume_metadata_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_metadata_routes<volume_kind>(router, ctx);
  add_metadata_routes<snapshot_kind>(router, ctx);
}

}  // namespace cumulo::api
