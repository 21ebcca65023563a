// GET /servers/{id}/os-instance-actions[/{request_id}]: Nova's record of
// what was done to a server, built from the instance's own event stream
// (the journal's read_atom, the same read `cumulo replay` does): the events
// one request caused share its request id and make one action; its events
// run from the request to the completion (Success) or failure (Error).
#include <algorithm>

#include "actors/messages.hpp"
#include "api/auth.hpp"
#include "api/compute_server_views.hpp"
#include "api/compute_servers.hpp"
#include "engine/clock.hpp"
#include "engine/codec.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

using nlohmann::json;
using Pistache::Rest::Request;

// The event a user's request starts with, and Nova's names for the action
// and for the compute manager's step that carries it out.
struct action_name {
  const char* type;
  const char* action;
  const char* event;
};
constexpr action_name started_by[] = {
    {"instance.requested", "create", "compute__do_build_and_run_instance"},
    {"instance.stop_requested", "stop", "compute_stop_instance"},
    {"instance.start_requested", "start", "compute_start_instance"},
    {"instance.reboot_requested", "reboot", "compute_reboot_instance"},
    {"instance.pause_requested", "pause", "compute_pause_instance"},
    {"instance.unpause_requested", "unpause", "compute_unpause_instance"},
    {"instance.suspend_requested", "suspend", "compute_suspend_instance"},
    {"instance.resume_requested", "resume", "compute_resume_instance"},
    {"instance.delete_requested", "delete", "compute_terminate_instance"},
    {"instance.snapshot_requested", "createImage", "compute_snapshot_instance"},
    {"instance.rebuild_requested", "rebuild", "compute_rebuild_instance"},
    {"instance.locked", "lock", "api_lock"},
    {"instance.unlocked", "unlock", "api_unlock"},
    {"instance.resize_requested", "resize", "compute_resize_instance"},
    {"instance.live_migration_requested", "live-migration", "compute_live_migration"},
    {"instance.resize_confirmed", "confirmResize", "compute_confirm_resize"},
    {"instance.resize_revert_requested", "revertResize", "compute_revert_resize"},
    {"instance.shelve_requested", "shelve", "compute_shelve_instance"},
    {"instance.shelve_offload_requested", "shelveOffload", "compute_shelve_offload_instance"},
    {"instance.unshelve_requested", "unshelve", "compute_unshelve_instance"},
    {"instance.rescue_requested", "rescue", "compute_rescue_instance"},
    {"instance.unrescue_requested", "unrescue", "compute_unrescue_instance"},
    {"instance.evacuation_requested", "evacuate", "compute_rebuild_instance"},
    {"instance.interface_attached", "attach_interface", "compute_attach_interface"},
    {"instance.interface_detached", "detach_interface", "compute_detach_interface"},
    {"instance.volume_attached", "attach_volume", "compute_attach_volume"},
    {"instance.volume_detached", "detach_volume", "compute_detach_volume"},
};

bool succeeds(const std::string& type) {
  for (const char* t :
       {"instance.active", "instance.stopped", "instance.started", "instance.rebooted",
        "instance.paused", "instance.unpaused", "instance.suspended", "instance.resumed",
        "instance.deleted", "instance.snapshot_done", "instance.rebuilt",
        "instance.resize_finished", "instance.resize_reverted", "instance.live_migrated",
        "instance.shelve_offloaded", "instance.unshelved", "instance.rescued", "instance.unrescued",
        "instance.evacuated"})
    if (type == t) return true;
  return false;
}
bool fails(const std::string& type) {
  return type == "instance.error" || type == "instance.task_aborted" ||
         type == "instance.migration_failed" || type == "instance.unshelve_failed";
}

struct action_event {
  std::string name;
  std::int64_t start_us = 0;
  std::int64_t finish_us = 0;  // 0: still running
  std::string result;          // "Success" | "Error" | "" while running
  std::string host;
};

struct instance_action {
  std::string action;
  std::string request_id;
  std::string user_id;
  std::int64_t start_us = 0;
  std::int64_t updated_us = 0;
  std::vector<action_event> events;
  bool failed() const {
    return std::any_of(events.begin(), events.end(),
                       [](const action_event& e) { return e.result == "Error"; });
  }
};

struct instance_history {
  std::string project_id;
  std::vector<instance_action> actions;  // oldest first
};

void finish(action_event& e, const recorded_event& r, const char* result) {
  if (e.finish_us != 0) return;
  e.finish_us = r.time_us;
  e.result = result;
}

instance_history history_of(const recorded_events& events) {
  instance_history h;
  std::string host;
  for (const auto& r : events) {
    if (r.type == instance_requested::type_name)
      h.project_id =
          decode_payload<instance_requested>(r.type, r.schema_version, r.payload).project_id;
    if (r.type == instance_scheduled::type_name)
      host = decode_payload<instance_scheduled>(r.type, r.schema_version, r.payload).host;
    const auto* start = std::find_if(std::begin(started_by), std::end(started_by),
                                     [&](const action_name& a) { return r.type == a.type; });
    // An attach whose plug failed is taken back in the same request: the
    // attach failed, no detach was asked for.
    if (r.type == instance_interface_detached::type_name && !h.actions.empty() &&
        h.actions.back().request_id == r.request_id &&
        h.actions.back().action == "attach_interface") {
      h.actions.back().events.back().result = "Error";
      h.actions.back().updated_us = r.time_us;
      continue;
    }
    if (start != std::end(started_by)) {
      instance_action a{start->action, r.request_id, r.user_id, r.time_us, r.time_us, {}};
      if (r.type == instance_requested::type_name)
        a.events.push_back({"conductor_schedule_and_build_instances", r.time_us, 0, "", ""});
      else
        a.events.push_back({start->event, r.time_us, 0, "", host});
      // A lock is done once it is recorded: no step follows.
      if (r.type == instance_locked::type_name || r.type == instance_unlocked::type_name ||
          r.type == instance_resize_confirmed::type_name ||
          r.type == instance_interface_attached::type_name ||
          r.type == instance_interface_detached::type_name ||
          r.type == instance_volume_attached::type_name ||
          r.type == instance_volume_detached::type_name)
        finish(a.events.back(), r, "Success");
      h.actions.push_back(std::move(a));
      continue;
    }
    // The rest of an action: the events of the same request.
    auto it = std::find_if(h.actions.rbegin(), h.actions.rend(),
                           [&](const instance_action& a) { return a.request_id == r.request_id; });
    if (it == h.actions.rend()) continue;  // a rename, or a restart's own resolution
    it->updated_us = r.time_us;
    auto& last = it->events.back();
    if (r.type == instance_scheduled::type_name && it->action == "create") {
      finish(last, r, "Success");
      it->events.push_back({"compute__do_build_and_run_instance", r.time_us, 0, "", host});
    } else if (succeeds(r.type)) {
      finish(last, r, "Success");
    } else if (fails(r.type)) {
      finish(last, r, "Error");
    }
  }
  return h;
}

std::string usage_time(std::int64_t us) {
  std::string t = format_iso8601_us(us);
  if (!t.empty() && t.back() == 'Z') t.pop_back();
  return t;
}

json action_json(const instance_action& a, const std::string& instance_id,
                 const std::string& project_id, int minor) {
  json j = {{"action", a.action},
            {"instance_uuid", instance_id},
            {"request_id", a.request_id},
            {"user_id", a.user_id},
            {"project_id", project_id},
            {"start_time", usage_time(a.start_us)},
            {"message", a.failed() ? json("Error") : json(nullptr)}};
  if (minor >= 58) j["updated_at"] = usage_time(a.updated_us);
  return j;
}

json event_json(const action_event& e, const std::string& project_id, int minor, bool admin) {
  json j = {{"event", e.name},
            {"start_time", usage_time(e.start_us)},
            {"finish_time", e.finish_us ? json(usage_time(e.finish_us)) : json(nullptr)},
            {"result", e.result.empty() ? json(nullptr) : json(e.result)}};
  // Nova's traceback is for admins (events:details); we keep none.
  if (admin) j["traceback"] = nullptr;
  if (minor >= 62) {
    j["hostId"] = host_id(project_id, e.host);
    if (admin) j["host"] = e.host;
  }
  return j;
}

// Reads the instance's stream and calls then() with its history, or
// answers 404 when the caller may not see the instance. A deleted
// instance's actions stay readable, as Nova's (2.21).
void with_history(server_context& ctx, std::shared_ptr<responder> r, const token_info& t,
                  const std::string& id, std::function<void(responder&, instance_history&)> then) {
  ctx.bridge.ask<recorded_events>(
      r, ctx.journal,
      [t, id, then](responder& rr, recorded_events& events) {
        auto h = history_of(events);
        const bool mine = t.project && t.project->id == h.project_id;
        if (events.empty() || h.project_id.empty() || !(mine || t.is_admin())) {
          respond_server_not_found(rr, id);
          return;
        }
        then(rr, h);
      },
      read_atom::value, make_stream("instance", id));
}

}  // namespace

void add_instance_action_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_server_route(
      router, ctx, http_method::get, servers_path + "/:id/os-instance-actions",
      [&ctx](const Request& req, std::shared_ptr<responder> r, int minor) {
        const std::string id = param_of(req, ":id");
        with_token(ctx, auth_token_of(req), r,
                   [&ctx, id, minor](std::shared_ptr<responder> rr, token_info& t) {
                     with_history(
                         ctx, rr, t, id, [&ctx, t, id, minor](responder& r3, instance_history& h) {
                           if (!enforce(r3, ctx, t, "os_compute_api:os-instance-actions:list",
                                        {h.project_id, ""}))
                             return;
                           json items = json::array();
                           for (auto it = h.actions.rbegin(); it != h.actions.rend(); ++it)
                             items.push_back(action_json(*it, id, h.project_id, minor));
                           respond(r3, 200, {{"instanceActions", items}});
                         });
                   });
      });

  add_server_route(
      router, ctx, http_method::get, servers_path + "/:id/os-instance-actions/:request_id",
      [&ctx](const Request& req, std::shared_ptr<responder> r, int minor) {
        const std::string id = param_of(req, ":id");
        const std::string request_id = param_of(req, ":request_id");
        with_token(ctx, auth_token_of(req), r,
                   [&ctx, id, request_id, minor](std::shared_ptr<responder> rr, token_info& t) {
                     with_history(
                         ctx, rr, t, id,
                         [&ctx, t, id, request_id, minor](responder& r3, instance_history& h) {
                           if (!enforce(r3, ctx, t, "os_compute_api:os-instance-actions:show",
                                        {h.project_id, ""}))
                             return;
                           auto it = std::find_if(h.actions.begin(), h.actions.end(),
                                                  [&](const instance_action& a) {
                                                    return a.request_id == request_id;
                                                  });
                           if (it == h.actions.end()) {
                             respond_error(r3, 404,
                                           "Action for request_id " + request_id + " on instance " +
                                               id + " not found");
                             return;
                           }
                           json action = action_json(*it, id, h.project_id, minor);
                           // Events: for admins, and from 2.51 for everyone (Nova's
                           // os-instance-actions:events rule applies below it).
                           const target tg{h.project_id, ""};
                           if (minor >= 51 ||
                               ctx.rules.allowed("os_compute_api:os-instance-actions:events",
                                                 t.creds(), tg)) {
                             json events = json::array();
                             for (const auto& e : it->events)
                               events.push_back(event_json(e, h.project_id, minor, t.is_admin()));
                             action["events"] = events;
                           }
                           respond(r3, 200, {{"instanceAction", action}});
                         });
                   });
      });
}

}  // namespace cumulo::api
