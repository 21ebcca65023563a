// Cinder's snapshots: create (202, `creating`: the door lists the snapshot
// on its volume, then copies), list (/snapshots and /snapshots/detail: a
// project's own; an admin's all_tenants), show, update (name, description),
// delete (202, `deleting`), and an admin's actions (os-reset_status,
// os-force_delete).
#include "api/volume.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

using nlohmann::json;
using Pistache::Rest::Request;

// Cinder's words, its typo included, for a force of false from 3.66 on
// (snapshots of in-use volumes need no force there).
const std::string snapshot_in_use_flag =
    "Since microversion 3.66 the 'force' flag is invalid for this request.  For backward "
    "compatability, however, when the 'force' flag is passed with a value evaluating to True, it "
    "is silently ignored.";

std::optional<std::string> text_of(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  return it->get<std::string>();
}

// The door's create from Cinder's body, or nothing once a 400 or 404 is
// answered.
std::optional<snapshot_create_request> parse_create(responder& r, const json& body,
                                                    volume_microversion v) {
  const json& snap = body.at("snapshot");
  snapshot_create_request req;
  auto& c = req.base;
  auto volume_id = text_of(snap, "volume_id");
  if (!volume_id) {
    // Cinder looks the volume None up.
    respond_error(r, 404, "Volume None could not be found.");
    return std::nullopt;
  }
  if (!uuid_or_refuse(r, "volume_id", *volume_id)) return std::nullopt;
  c.volume_id = *volume_id;
  if (auto name = text_of(snap, "name"))
    c.name = cinder_trimmed(*name);
  else if (auto display = text_of(snap, "display_name"))
    c.name = cinder_trimmed(*display);
  if (auto d = text_of(snap, "description")) c.description = cinder_trimmed(*d);
  if (auto it = snap.find("metadata"); it != snap.end() && it->is_object()) {
    if (auto bad = metadata_keys_error(*it, "metadata")) {
      respond_error(r, 400, *bad);
      return std::nullopt;
    }
    for (const auto& [k, value] : it->items()) c.metadata[k] = value.get<std::string>();
  }
  bool force = false;
  if (auto it = snap.find("force"); it != snap.end() && !it->is_null()) {
    auto b = cinder_bool(*it);
    if (!b) {
      respond_error(r, 400, "Invalid value for 'force'.");
      return std::nullopt;
    }
    if (v.at_least(66) && !*b) {
      respond_error(r, 400, snapshot_in_use_flag);
      return std::nullopt;
    }
    force = *b;
  }
  // From 3.66 an in-use volume is snapshotted without force.
  req.force = force || v.at_least(66);
  return req;
}

// Cinder's snapshot filters (status, volume_id, name), and an admin's
// project.
bool matches(const volume_snapshot_state& s, const std::map<std::string, std::string>& q,
             bool admin) {
  auto is = [&](const char* key, const std::string& value) {
    auto it = q.find(key);
    return it == q.end() || it->second == value;
  };
  if (!is("status", s.status) || !is("volume_id", s.volume_id) || !is("name", s.name) ||
      !is("display_name", s.name))
    return false;
  return !admin || is("project_id", s.project_id);
}

volume_handler list_handler(server_context& ctx, bool detail) {
  return volume_list_handler<volume_snapshot_state>(
      ctx, "volume:get_all_snapshots", volume_snapshot_atom::value, "snapshots",
      detail ? "snapshots/detail" : "snapshots", "Snapshot",
      [](const volume_snapshot_state& s, const std::map<std::string, std::string>& query,
         bool admin) { return matches(s, query, admin); },
      [&ctx, detail](const volume_snapshot_state& s, const token_info& t, const volume_call& c) {
        return snapshot_json(s, t, c, ctx.rules, detail);
      });
}

}  // namespace

void add_volume_snapshot_routes(Pistache::Rest::Router& router, server_context& ctx) {
  const std::string snapshots = "/snapshots";

  add_volume_route(
      router, ctx, http_method::post, snapshots,
      [&ctx](const Request& req, std::shared_ptr<responder> r, const volume_call& c) {
        auto body = json_request(ctx, req, *r, "volume_snapshot_create");
        if (!body) return;
        auto parsed = parse_create(*r, *body, c.version);
        if (!parsed) return;
        with_volume_caller(
            ctx, c, r,
            [&ctx, c, create = *parsed](std::shared_ptr<responder> rr, token_info& t) mutable {
              const std::string project = caller_project(t);
              if (!enforce(*rr, ctx, t, "volume:create_snapshot", {project, t.user.id})) return;
              create.base.project_id = project;
              create.base.user_id = t.user.id;
              create.is_admin = t.is_admin();
              create.meta = meta_of(*rr, t);
              ctx.bridge.ask<volume_snapshot_state>(
                  rr, ctx.block_storage,
                  [&ctx, c, t](responder& r3, volume_snapshot_state& s) {
                    respond(r3, 202, {{"snapshot", snapshot_json(s, t, c, ctx.rules, true)}});
                  },
                  command_atom::value, volume_snapshot_atom::value, create);
            });
      });

  add_volume_route(router, ctx, http_method::get, snapshots, list_handler(ctx, false));
  add_volume_route(router, ctx, http_method::get, snapshots + "/detail", list_handler(ctx, true));

  add_volume_route(
      router, ctx, http_method::get, snapshots + "/:id",
      [&ctx](const Request& req, std::shared_ptr<responder> r, const volume_call& c) {
        const std::string id = param_of(req, ":id");
        with_volume_caller(ctx, c, r, [&ctx, c, id](std::shared_ptr<responder> rr, token_info& t) {
          on_visible_snapshot(
              ctx, rr, t, id, "volume:get_snapshot",
              [&ctx, c, t](std::shared_ptr<responder> r3, volume_snapshot_state& s) {
                respond(*r3, 200, {{"snapshot", snapshot_json(s, t, c, ctx.rules, true)}});
              });
        });
      });

  add_volume_route(
      router, ctx, http_method::put, snapshots + "/:id",
      [&ctx](const Request& req, std::shared_ptr<responder> r, const volume_call& c) {
        const std::string id = param_of(req, ":id");
        auto body = json_request(ctx, req, *r, "volume_snapshot_update");
        if (!body) return;
        const json& snap = body->at("snapshot");
        if (snap.empty()) {
          respond_error(*r, 400,
                        "Invalid input for field/attribute snapshot. Value: {}. {} is not valid "
                        "under any of the given schemas");
          return;
        }
        volume_snapshot::update update;
        for (const char* key : {"name", "display_name"})
          if (auto name = text_of(snap, key)) update.name = cinder_trimmed(*name);
        for (const char* key : {"description", "display_description"})
          if (auto d = text_of(snap, key)) update.description = cinder_trimmed(*d);
        with_volume_caller(
            ctx, c, r, [&ctx, c, id, update](std::shared_ptr<responder> rr, token_info& t) {
              on_visible_snapshot(
                  ctx, rr, t, id, "volume:update_snapshot",
                  [&ctx, c, id, update, t](std::shared_ptr<responder> r3, volume_snapshot_state&) {
                    ctx.bridge.ask<volume_snapshot_state>(
                        r3, ctx.block_storage,
                        [&ctx, c, t](responder& r4, volume_snapshot_state& s) {
                          respond(r4, 200, {{"snapshot", snapshot_json(s, t, c, ctx.rules, true)}});
                        },
                        command_atom::value, volume_snapshot_atom::value, id,
                        volume_snapshot::command{update}, meta_of(*r3, t));
                  });
            });
      });

  // 202, `deleting`; the door removes the copy, records the delete, then
  // takes the snapshot off its volume.
  add_volume_route(
      router, ctx, http_method::del, snapshots + "/:id",
      [&ctx](const Request& req, std::shared_ptr<responder> r, const volume_call& c) {
        const std::string id = param_of(req, ":id");
        with_volume_caller(ctx, c, r, [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
          on_visible_snapshot(
              ctx, rr, t, id, "volume:delete_snapshot",
              [&ctx, id, t](std::shared_ptr<responder> r3, volume_snapshot_state&) {
                ctx.bridge.ask<volume_snapshot_state>(
                    r3, ctx.block_storage,
                    [](responder& r4, volume_snapshot_state&) { respond(r4, 202, no_body); },
                    command_atom::value, volume_snapshot_atom::value, id,
                    volume_snapshot::command{volume_snapshot::remove{false}}, meta_of(*r3, t));
              });
        });
      });

  // An admin's: set the status (Cinder's os-reset_status takes only
  // `status` for a snapshot), or delete whatever the status.
  add_volume_route(
      router, ctx, http_method::post, snapshots + "/:id/action",
      [&ctx](const Request& req, std::shared_ptr<responder> r, const volume_call& c) {
        const std::string id = param_of(req, ":id");
        auto body = json_request(ctx, req, *r, "volume_snapshot_action");
        if (!body) return;
        if (body->size() != 1) {
          respond_error(*r, 400, "Malformed request body");
          return;
        }
        const std::string name = body->begin().key();
        std::string rule;
        volume_snapshot::command command;
        if (name == "os-reset_status") {
          rule = "volume_extension:snapshot_admin_actions:reset_status";
          command =
              volume_snapshot::reset_status{body->begin().value().at("status").get<std::string>()};
        } else if (name == "os-force_delete") {
          rule = "volume_extension:snapshot_admin_actions:force_delete";
          command = volume_snapshot::remove{true};
        } else {
          respond_error(*r, 400,
                        "There is no such action: " + name +
                            ". Verify the request body and Content-Type header and try again.");
          return;
        }
        with_volume_caller(
            ctx, c, r, [&ctx, id, rule, command](std::shared_ptr<responder> rr, token_info& t) {
              on_visible_snapshot(
                  ctx, rr, t, id, rule,
                  [&ctx, id, command, t](std::shared_ptr<responder> r3, volume_snapshot_state&) {
                    ctx.bridge.ask<volume_snapshot_state>(
                        r3, ctx.block_storage,
                        [](responder& r4, volume_snapshot_state&) { respond(r4, 202, no_body); },
                        command_atom::value, volume_snapshot_atom::value, id, command,
                        meta_of(*r3, t));
                  });
            });
      });
}

}  // namespace cumulo::api
