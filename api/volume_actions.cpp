// POST /volumes/{id}/action: one action per body, as Cinder's. Extend (202;
// an in-use volume from 3.42), set bootable (200), the read-only flag
// (202), an admin's reset of the status and forced delete (202), and the
// upload to a new image (202 with Cinder's os-volume_upload_image body). The
// attachment actions are Nova's (they come with attachments), migration and
// retype are not here yet: those say so; an action Cinder does not have
// either gets Cinder's "no such action".
#include "api/volume.hpp"

#include <set>

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

using nlohmann::json;
using Pistache::Rest::Request;

const std::set<std::string>& actions_not_here() {
  static const std::set<std::string> names{"os-attach",
                                           "os-detach",
                                           "os-reserve",
                                           "os-unreserve",
                                           "os-begin_detaching",
                                           "os-roll_detaching",
                                           "os-initialize_connection",
                                           "os-terminate_connection",
                                           "os-force_detach",
                                           "os-migrate_volume",
                                           "os-migrate_volume_completion",
                                           "os-retype",
                                           "os-set_image_metadata",
                                           "os-unset_image_metadata",
                                           "os-show_image_metadata",
                                           "os-unmanage",
                                           "os-reimage",
                                           "os-extend_volume_completion",
                                           "revert"};
  return names;
}

// What an action asks of the door, with the rule it needs and the status
// of its answer.
struct volume_action {
  std::string rule;
  volume::command command;
  int status = 202;
};

std::optional<std::string> text_of(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  return it->get<std::string>();
}

// The action of the body, or nothing once the 400 is answered.
std::optional<volume_action> parse_action(responder& r, const json& body, volume_microversion v) {
  if (body.size() != 1) {
    respond_error(r, 400, "Malformed request body");
    return std::nullopt;
  }
  const std::string name = body.begin().key();
  const json& args = body.begin().value();
  if (name == "os-extend") {
    const json& size = args.at("new_size");
    const std::int64_t n =
        size.is_string() ? std::stoll(size.get<std::string>()) : size.get<std::int64_t>();
    // An in-use volume grows from 3.42, under its own rule.
    return volume_action{v.at_least(42) ? "volume:extend_attached_volume" : "volume:extend",
                         volume::extend{n, v.at_least(42)}, 202};
  }
  if (name == "os-set_bootable") {
    auto b = cinder_bool(args.at("bootable"));
    if (!b) {
      respond_error(r, 400, "Invalid value for 'bootable'.");
      return std::nullopt;
    }
    return volume_action{"volume:update", volume::set_bootable{*b}, 200};
  }
  if (name == "os-update_readonly_flag") {
    auto b = cinder_bool(args.at("readonly"));
    if (!b) {
      respond_error(r, 400, "Invalid value for 'readonly'.");
      return std::nullopt;
    }
    return volume_action{"volume:update_readonly_flag", volume::update_readonly_flag{*b}, 202};
  }
  if (name == "os-reset_status") {
    // migration_status is Cinder's too; there are no migrations here, so it
    // changes nothing.
    return volume_action{
        "volume_extension:volume_admin_actions:reset_status",
        volume::reset_status{text_of(args, "status"), text_of(args, "attach_status")}, 202};
  }
  if (name == "os-force_delete")
    return volume_action{"volume_extension:volume_admin_actions:force_delete", volume::remove{true},
                         202};
  if (actions_not_here().count(name)) {
    respond_error(
        r, 400,
        "Invalid input received: the action " + name + " is not supported by this cloud yet.");
    return std::nullopt;
  }
  respond_error(r, 400,
                "There is no such action: " + name +
                    ". Verify the request body and Content-Type header and try again.");
  return std::nullopt;
}

// os-volume_upload_image's arguments (the schema checked their types and
// formats), or nothing once a 400 is answered. visibility and protected
// came with 3.1: before, Cinder's schema refuses them.
std::optional<volume_upload_request> parse_upload(responder& r, const json& args,
                                                  volume_microversion v) {
  volume_upload_request u;
  if (!v.at_least(1))
    for (const char* key : {"visibility", "protected"})
      if (args.contains(key)) {
        respond_error(
            r, 400,
            "Invalid input for field/attribute os-volume_upload_image. Value: " + args.dump() +
                ". Additional properties are not allowed ('" + key + "' was unexpected)");
        return std::nullopt;
      }
  u.image_name = args.at("image_name").get<std::string>();
  if (auto it = args.find("force"); it != args.end()) u.force = cinder_bool(*it).value_or(false);
  if (auto f = text_of(args, "disk_format")) u.disk_format = *f;
  if (auto f = text_of(args, "container_format")) u.container_format = *f;
  if (v.at_least(1)) {
    // Cinder's defaults from 3.1 (Glance's own before).
    u.visibility = text_of(args, "visibility").value_or("private");
    if (auto it = args.find("protected"); it != args.end())
      u.is_protected = cinder_bool(*it).value_or(false);
  }
  return u;
}

// Cinder's answer: the volume's fields, its type (the object, null when
// gone), and the new image's.
json upload_json(const volume_upload_answer& a, const token_info& t, const cumulo::policy& rules) {
  const auto& v = a.volume;
  const auto& img = a.image;
  return {{"os-volume_upload_image",
           {{"id", v.id},
            {"updated_at", cinder_time(v.updated_at_us)},
            {"status", v.status},
            {"display_description", v.description.empty() ? json(nullptr) : json(v.description)},
            {"size", v.size},
            {"volume_type", a.type ? volume_type_json(*a.type, t, rules) : json(nullptr)},
            {"image_id", img.id},
            {"container_format", img.container_format},
            {"disk_format", img.disk_format},
            {"image_name", img.name},
            {"protected", img.is_protected},
            {"visibility", img.visibility}}}};
}

// The upload: the volume as the caller sees it and its rule, a public
// image an admin's, then the door.
void upload_image(server_context& ctx, std::shared_ptr<responder> r, const volume_call& c,
                  const std::string& id, volume_upload_request upload) {
  with_volume_caller(
      ctx, c, r, [&ctx, id, upload](std::shared_ptr<responder> rr, token_info& t) mutable {
        on_visible_volume(
            ctx, rr, t, id, "volume_extension:volume_actions:upload_image",
            [&ctx, id, upload, t](std::shared_ptr<responder> r3, volume_state& v) mutable {
              if (upload.visibility == "public" &&
                  !enforce(*r3, ctx, t, "volume_extension:volume_actions:upload_public",
                           {v.project_id, v.user_id}))
                return;
              upload.volume_id = id;
              upload.project_id = caller_project(t);
              upload.user_id = t.user.id;
              upload.is_admin = t.is_admin();
              upload.meta = meta_of(*r3, t);
              ctx.bridge.ask<volume_upload_answer>(
                  r3, ctx.block_storage,
                  [&ctx, t](responder& r4, volume_upload_answer& a) {
                    respond(r4, 202, upload_json(a, t, ctx.rules));
                  },
                  upload_atom::value, upload);
            });
      });
}

}  // namespace

void add_volume_action_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_volume_route(
      router, ctx, http_method::post, "/volumes/:id/action",
      [&ctx](const Request& req, std::shared_ptr<responder> r, const volume_call& c) {
        const std::string id = param_of(req, ":id");
        auto body = json_request(ctx, req, *r, "volume_action");
        if (!body) return;
        // The upload answers a body of its own, from a flow of its own.
        if (body->size() == 1 && body->contains("os-volume_upload_image")) {
          auto upload = parse_upload(*r, body->at("os-volume_upload_image"), c.version);
          if (upload) upload_image(ctx, r, c, id, std::move(*upload));
          return;
        }
        auto action = parse_action(*r, *body, c.version);
        if (!action) return;
        with_volume_caller(
            ctx, c, r, [&ctx, id, a = *action](std::shared_ptr<responder> rr, token_info& t) {
              // The rule of an extend depends on the volume: an in-use one
              // needs extend_attached_volume, any other the plain extend.
              std::string rule = a.rule;
              const bool extend = std::holds_alternative<volume::extend>(a.command);
              on_visible_volume(
                  ctx, rr, t, id, extend ? "volume:extend" : rule,
                  [&ctx, id, a, t, extend](std::shared_ptr<responder> r3, volume_state& v) {
                    if (extend && v.status == "in-use" && a.rule != "volume:extend" &&
                        !enforce(*r3, ctx, t, a.rule, {v.project_id, v.user_id}))
                      return;
                    const int status = a.status;
                    ctx.bridge.ask<volume_state>(
                        r3, ctx.block_storage,
                        [status](responder& r4, volume_state&) { respond(r4, status, no_body); },
                        command_atom::value, volume_atom::value, id, a.command, meta_of(*r3, t));
                  });
            });
      });
}

}  // namespace cumulo::api
