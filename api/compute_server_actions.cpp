// POST /servers/{id}/action: the power actions (os-stop, os-start, reboot,
// pause, unpause, suspend, resume) answered 202 once their request event is
// durable, and os-getConsoleOutput. A wrong state is the state machine's
// 409 in Nova's words.
#include <limits>

#include "actors/conductor.hpp"
#include "actors/instance.hpp"
#include "api/auth.hpp"
#include "api/compute_servers.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

using nlohmann::json;
using Pistache::Rest::Request;

struct power_action {
  const char* rule;
  instance::command command;
};

// The body's action by its key, with Nova's policy name; nothing once the
// error is answered.
std::optional<power_action> power_action_of(responder& r, const std::string& key,
                                            const json& value) {
  if (key == "os-stop") return power_action{"os_compute_api:servers:stop", instance::stop{}};
  if (key == "os-start") return power_action{"os_compute_api:servers:start", instance::start{}};
  if (key == "pause")
    return power_action{"os_compute_api:os-pause-server:pause", instance::pause{}};
  if (key == "unpause")
    return power_action{"os_compute_api:os-pause-server:unpause", instance::unpause{}};
  if (key == "suspend")
    return power_action{"os_compute_api:os-suspend-server:suspend", instance::suspend{}};
  if (key == "resume")
    return power_action{"os_compute_api:os-suspend-server:resume", instance::resume{}};
  if (key == "reboot") {
    const std::string type =
        value.is_object() && value.contains("type") && value["type"].is_string()
            ? value["type"].get<std::string>()
            : "";
    auto t = from_string<reboot_type>(type);
    if (!t) {
      // Nova's schema: type is required, SOFT or HARD (any case).
      std::string upper = type;
      for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      t = from_string<reboot_type>(upper);
    }
    if (!t) {
      respond_error(r, 400,
                    "Invalid input for field/attribute type. Value: " + type + ". '" + type +
                        "' is not one of ['HARD', 'Hard', 'hard', 'SOFT', 'Soft', 'soft']");
      return std::nullopt;
    }
    return power_action{"os_compute_api:servers:reboot", instance::reboot{*t}};
  }
  respond_error(r, 400, "There is no such action: " + key);
  return std::nullopt;
}

// os-getConsoleOutput's length: absent, null or -1 for all of it, else a
// non-negative integer (or a string of one).
std::optional<std::int32_t> console_length(responder& r, const json& value) {
  constexpr std::int32_t everything = std::numeric_limits<std::int32_t>::max();
  if (!value.is_object() || !value.contains("length") || value["length"].is_null())
    return everything;
  const auto& l = value["length"];
  long long n = 0;
  if (l.is_number_integer())
    n = l.get<long long>();
  else if (l.is_string() && is_small_integer(l.get<std::string>(), true))
    n = std::stoll(l.get<std::string>());
  else {
    respond_error(r, 400,
                  "Invalid input for field/attribute length. Value: " + l.dump() + ". " + l.dump() +
                      " is not of type 'integer', 'string'");
    return std::nullopt;
  }
  if (n == -1) return everything;
  if (n < 0) {
    respond_error(r, 400,
                  "Invalid input for field/attribute length. Value: " + std::to_string(n) + ". " +
                      std::to_string(n) + " is less than the minimum of -1");
    return std::nullopt;
  }
  return static_cast<std::int32_t>(std::min<long long>(n, everything));
}

void console_output(server_context& ctx, std::shared_ptr<responder> r, const token_info& t,
                    const instance_state& s, std::int32_t lines) {
  if (!enforce(*r, ctx, t, "os_compute_api:os-console-output", {s.project_id, s.user_id})) return;
  // Nova reads the console of an active instance only.
  if (s.vm_state != vm_states::active) {
    respond_error(*r, 409,
                  "Cannot 'get_console_output' instance " + s.id + " while it is in vm_state " +
                      to_string(s.vm_state));
    return;
  }
  ctx.bridge.ask<std::string>(
      r, ctx.conductor,
      [](responder& rr, std::string& out) {
        respond(rr, 200, {{"output", out}});
      },
      console_atom::value, s.id, lines);
}

}  // namespace

void add_server_action_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_server_route(
      router, ctx, http_method::post, servers_path + "/:id/action",
      [&ctx](const Request& req, std::shared_ptr<responder> r, int) {
        auto body = json_request(ctx, req, *r, "compute_server_action");
        if (!body) return;
        if (body->size() != 1) {
          respond_error(*r, 400, "Malformed request body: one action is expected");
          return;
        }
        const std::string key = body->begin().key();
        const json value = body->begin().value();
        std::optional<power_action> power;
        std::optional<std::int32_t> lines;
        if (key == "os-getConsoleOutput") {
          lines = console_length(*r, value);
          if (!lines) return;
        } else {
          power = power_action_of(*r, key, value);
          if (!power) return;
        }
        const std::string id = param_of(req, ":id");
        with_token(ctx, auth_token_of(req), r,
                   [&ctx, id, power, lines](std::shared_ptr<responder> rr, token_info& t) {
                     with_visible_server(
                         ctx, rr, t, id,
                         [&ctx, t, power, lines](std::shared_ptr<responder> r3, instance_state& s) {
                           if (lines) {
                             console_output(ctx, r3, t, s, *lines);
                             return;
                           }
                           if (!enforce(*r3, ctx, t, power->rule, {s.project_id, s.user_id}))
                             return;
                           ctx.bridge.ask<instance_state>(
                               r3, ctx.conductor,
                               [](responder& r4, instance_state&) { respond(r4, 202, no_body); },
                               action_atom::value, s.id, power->command,
                               event_metadata{r3->request_id(), t.user.id});
                         });
                   });
      });
}

}  // namespace cumulo::api
