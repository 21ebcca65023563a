// Cinder's volumes: create (202, `creating`: the door writes the bytes
// after the answer), list (a project's own; an admin's all_tenants),
// show, update (name, description, metadata), delete (202, `deleting`).
// The door checks the type, the source and the quota; a snapshot or volume
// the caller may not see is a 404 there, an image Cinder's 400. Sources the
// door has not (a backup, a group) are refused here, saying so.
#include "api/volume.hpp"

#include <set>

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

using nlohmann::json;
using Pistache::Rest::Request;

// The keys Cinder's create takes: from 3.53 nothing else is allowed (before,
// anything else was ignored).
const std::set<std::string>& create_keys() {
  static const std::set<std::string> keys{"name",
                                          "description",
                                          "display_name",
                                          "display_description",
                                          "volume_type",
                                          "metadata",
                                          "snapshot_id",
                                          "source_volid",
                                          "consistencygroup_id",
                                          "size",
                                          "availability_zone",
                                          "multiattach",
                                          "image_id",
                                          "imageRef",
                                          "group_id",
                                          "backup_id"};
  return keys;
}

std::optional<std::string> text_of(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  return it->get<std::string>();
}

// A size as Cinder's schema takes one: an integer or a string of digits.
std::int64_t size_of(const json& size) {
  if (size.is_number_integer()) return size.get<std::int64_t>();
  if (size.is_string()) return std::stoll(size.get<std::string>());
  return 0;
}

std::map<std::string, std::string> metadata_of(const json& m) {
  std::map<std::string, std::string> out;
  if (m.is_object())
    for (const auto& [k, v] : m.items()) out[k] = v.get<std::string>();
  return out;
}

// The door's create from Cinder's body, or nothing once a 400 or a 404 is
// answered.
std::optional<volume_create_request> parse_create(responder& r, const json& body,
                                                  volume_microversion v) {
  const json& vol = body.at("volume");
  if (v.at_least(53))
    for (const auto& [key, _] : vol.items())
      if (!create_keys().count(key)) {
        respond_error(r, 400,
                      "Invalid input for field/attribute volume. Value: " + vol.dump() +
                          ". Additional properties are not allowed ('" + key + "' was unexpected)");
        return std::nullopt;
      }
  volume_create_request req;
  auto& c = req.base;
  if (auto name = text_of(vol, "name"))
    c.name = cinder_trimmed(*name);
  else if (auto display = text_of(vol, "display_name"))
    c.name = cinder_trimmed(*display);
  if (auto d = text_of(vol, "description"))
    c.description = cinder_trimmed(*d);
  else if (auto display = text_of(vol, "display_description"))
    c.description = cinder_trimmed(*display);
  if (auto it = vol.find("size"); it != vol.end() && !it->is_null()) c.size = size_of(*it);
  req.volume_type = text_of(vol, "volume_type").value_or("");
  if (auto it = vol.find("metadata"); it != vol.end() && !it->is_null()) {
    if (auto bad = metadata_keys_error(*it, "metadata")) {
      respond_error(r, 400, *bad);
      return std::nullopt;
    }
    c.metadata = metadata_of(*it);
  }
  if (auto s = text_of(vol, "snapshot_id")) {
    if (!uuid_or_refuse(r, "snapshot_id", *s)) return std::nullopt;
    req.snapshot_id = *s;
  }
  if (auto s = text_of(vol, "source_volid")) {
    if (!uuid_or_refuse(r, "source_volid", *s)) return std::nullopt;
    req.source_volid = *s;
  }
  // No groups here: any group named is one that does not exist.
  for (const char* key : {"consistencygroup_id", "group_id"})
    if (auto g = text_of(vol, key)) {
      respond_error(r, 404, "Group " + *g + " could not be found.");
      return std::nullopt;
    }
  if (auto b = text_of(vol, "backup_id")) {
    respond_error(r, 404, "Backup " + *b + " could not be found.");
    return std::nullopt;
  }
  // Cinder takes image_id over imageRef; either is an id, a name or a URL
  // (the door resolves it).
  auto image = text_of(vol, "image_id");
  if (!image) image = text_of(vol, "imageRef");
  if (image) {
    if (image->empty()) {
      respond_error(r, 400, "Invalid image identifier or unable to access requested image.");
      return std::nullopt;
    }
    req.image_ref = *image;
  }
  if (auto it = vol.find("multiattach"); it != vol.end() && cinder_bool(*it).value_or(false)) {
    respond_error(r, 400,
                  "multiattach parameter has been removed. The default behavior is to use "
                  "multiattach enabled volume types. Contact your administrator to create a "
                  "multiattach enabled volume type and use it to create multiattach volumes.");
    return std::nullopt;
  }
  if (auto zone = text_of(vol, "availability_zone")) {
    if (*zone != "nova") {
      respond_error(r, 400, "Availability zone '" + *zone + "' is invalid.");
      return std::nullopt;
    }
  }
  return req;
}

// Cinder's filters a member may use (its resource_filters.json: name,
// status, bootable, availability_zone, size), and an admin's project and
// user; the others are ignored, as Cinder drops what it does not know.
bool matches(const volume_state& v, const std::map<std::string, std::string>& q, bool admin) {
  auto is = [&](const char* key, const std::string& value) {
    auto it = q.find(key);
    return it == q.end() || it->second == value;
  };
  if (auto b = q.find("bootable"); b != q.end()) {
    auto wanted = cinder_bool_text(b->second);
    if (wanted && *wanted != v.bootable) return false;
  }
  if (!is("name", v.name) || !is("display_name", v.name) || !is("status", v.status) ||
      !is("availability_zone", v.availability_zone) || !is("size", std::to_string(v.size)))
    return false;
  return !admin || (is("project_id", v.project_id) && is("user_id", v.user_id));
}

// GET /volumes (id, name, links) and /volumes/detail.
volume_handler list_handler(server_context& ctx, bool detail) {
  return volume_list_handler<volume_state>(
      ctx, "volume:get_all", volume_atom::value, "volumes", detail ? "volumes/detail" : "volumes",
      "Volume",
      [](const volume_state& s, const std::map<std::string, std::string>& query, bool admin) {
        return matches(s, query, admin);
      },
      [&ctx, detail](const volume_state& v, const token_info& t, const volume_call& c) {
        return detail ? volume_json(v, t, c, ctx.rules) : volume_summary_json(v, t, c);
      });
}

}  // namespace

void add_volume_volumes_routes(Pistache::Rest::Router& router, server_context& ctx) {
  const std::string volumes = "/volumes";

  add_volume_route(
      router, ctx, http_method::post, volumes,
      [&ctx](const Request& req, std::shared_ptr<responder> r, const volume_call& c) {
        auto body = json_request(ctx, req, *r, "volume_create");
        if (!body) return;
        auto parsed = parse_create(*r, *body, c.version);
        if (!parsed) return;
        with_volume_caller(
            ctx, c, r,
            [&ctx, c, create = *parsed](std::shared_ptr<responder> rr, token_info& t) mutable {
              const std::string project = caller_project(t);
              if (!enforce(*rr, ctx, t, "volume:create", {project, t.user.id})) return;
              create.base.project_id = project;
              create.base.user_id = t.user.id;
              create.is_admin = t.is_admin();
              create.meta = meta_of(*rr, t);
              ctx.bridge.ask<volume_state>(
                  rr, ctx.block_storage,
                  [&ctx, c, t](responder& r3, volume_state& v) {
                    respond(r3, 202, {{"volume", volume_json(v, t, c, ctx.rules)}});
                  },
                  command_atom::value, volume_atom::value, create);
            });
      });

  add_volume_route(router, ctx, http_method::get, volumes, list_handler(ctx, false));
  add_volume_route(router, ctx, http_method::get, volumes + "/detail", list_handler(ctx, true));

  add_volume_route(
      router, ctx, http_method::get, volumes + "/:id",
      [&ctx](const Request& req, std::shared_ptr<responder> r, const volume_call& c) {
        const std::string id = param_of(req, ":id");
        with_volume_caller(ctx, c, r, [&ctx, c, id](std::shared_ptr<responder> rr, token_info& t) {
          on_visible_volume(ctx, rr, t, id, "volume:get",
                            [&ctx, c, t](std::shared_ptr<responder> r3, volume_state& v) {
                              respond(*r3, 200, {{"volume", volume_json(v, t, c, ctx.rules)}});
                            });
        });
      });

  // The name and description (OSC sends display_name, the SDK name), and
  // the metadata, which replaces what the volume had.
  add_volume_route(
      router, ctx, http_method::put, volumes + "/:id",
      [&ctx](const Request& req, std::shared_ptr<responder> r, const volume_call& c) {
        const std::string id = param_of(req, ":id");
        auto body = json_request(ctx, req, *r, "volume_update");
        if (!body) return;
        const json& vol = body->at("volume");
        if (c.version.at_least(53) && vol.empty()) {
          respond_error(*r, 400,
                        "Invalid input for field/attribute volume. Value: {}. {} is not valid "
                        "under any of the given schemas");
          return;
        }
        if (auto it = vol.find("metadata"); it != vol.end()) {
          if (auto bad = metadata_keys_error(*it, "metadata")) {
            respond_error(*r, 400, *bad);
            return;
          }
        }
        volume::update update;
        for (const char* key : {"name", "display_name"})
          if (auto name = text_of(vol, key)) update.name = cinder_trimmed(*name);
        for (const char* key : {"description", "display_description"})
          if (auto d = text_of(vol, key)) update.description = cinder_trimmed(*d);
        std::vector<volume::command> steps;
        if (update.name || update.description) steps.emplace_back(update);
        if (auto it = vol.find("metadata"); it != vol.end())
          steps.emplace_back(volume::set_metadata{metadata_of(*it), true});
        with_volume_caller(
            ctx, c, r, [&ctx, c, id, steps](std::shared_ptr<responder> rr, token_info& t) {
              on_visible_volume(
                  ctx, rr, t, id, "volume:update",
                  [&ctx, c, id, steps, t](std::shared_ptr<responder> r3, volume_state& v) {
                    if (steps.empty())
                      return respond(*r3, 200, {{"volume", volume_json(v, t, c, ctx.rules)}});
                    // One or two of the door's commands, the second on what
                    // the first left.
                    const event_metadata meta = meta_of(*r3, t);
                    ctx.bridge.ask<volume_state>(
                        r3, ctx.block_storage,
                        [&ctx, c, id, steps, t, meta](std::shared_ptr<responder> r4,
                                                      volume_state& after) {
                          if (steps.size() == 1)
                            return respond(*r4, 200,
                                           {{"volume", volume_json(after, t, c, ctx.rules)}});
                          ctx.bridge.ask<volume_state>(
                              r4, ctx.block_storage,
                              [&ctx, c, t](responder& r5, volume_state& last) {
                                respond(r5, 200, {{"volume", volume_json(last, t, c, ctx.rules)}});
                              },
                              command_atom::value, volume_atom::value, id, steps[1], meta);
                        },
                        command_atom::value, volume_atom::value, id, steps[0], meta);
                  });
            });
      });

  // 202, `deleting`; the door removes the bytes, then records the delete.
  // The machine refuses a volume with snapshots or attachments (400).
  add_volume_route(
      router, ctx, http_method::del, volumes + "/:id",
      [&ctx](const Request& req, std::shared_ptr<responder> r, const volume_call& c) {
        const std::string id = param_of(req, ":id");
        bool cascade = false;
        bool force = false;
        for (auto [key, flag] : {std::pair<const char*, bool*>{"cascade", &cascade},
                                 std::pair<const char*, bool*>{"force", &force}}) {
          const auto text = query_of(req, key);
          if (!text) continue;
          auto b = cinder_bool_text(*text);
          if (!b) {
            respond_error(*r, 400, "Value '" + *text + "' for '" + key + "' is not a boolean.");
            return;
          }
          *flag = *b;
        }
        // The force of a delete came with 3.23; before, Cinder ignores it.
        if (!c.version.at_least(23)) force = false;
        if (cascade) {
          respond_error(*r, 400,
                        "Invalid input received: cascade (deleting a volume's snapshots with it) "
                        "is not supported by this cloud yet; delete the snapshots first.");
          return;
        }
        with_volume_caller(
            ctx, c, r, [&ctx, id, force](std::shared_ptr<responder> rr, token_info& t) {
              on_visible_volume(
                  ctx, rr, t, id, "volume:delete",
                  [&ctx, id, force, t](std::shared_ptr<responder> r3, volume_state& v) {
                    if (force &&
                        !enforce(*r3, ctx, t, "volume:force_delete", {v.project_id, v.user_id}))
                      return;
                    ctx.bridge.ask<volume_state>(
                        r3, ctx.block_storage,
                        [](responder& r4, volume_state&) { respond(r4, 202, no_body); },
                        command_atom::value, volume_atom::value, id,
                        volume::command{volume::remove{force}}, meta_of(*r3, t));
                  });
            });
      });
}

}  // namespace cumulo::api
