// POST /volumes/{id}/action: one action per body, as Cinder's. Extend (202;
// an in-use volume from 3.42), set bootable (200), the read-only flag
// (202), and an admin's reset of the status and forced delete (202). The
// attachment actions are Nova's (they come with attachments), the image
// upload, migration and retype are not here yet: those say so; an action
// Cinder does not have either gets Cinder's "no such action".
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
                                           "os-volume_upload_image",
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

}  // namespace

void add_volume_action_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_volume_route(
      router, ctx, http_method::post, "/volumes/:id/action",
      [&ctx](const Request& req, std::shared_ptr<responder> r, const volume_call& c) {
        const std::string id = param_of(req, ":id");
        auto body = json_request(ctx, req, *r, "volume_action");
        if (!body) return;
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
