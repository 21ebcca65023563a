// POST /servers/{id}/action: the power actions (os-stop, os-start, reboot,
// pause, unpause, suspend, resume) and lock/unlock, answered 202 once their
// request event is durable (through the compute door, which also checks the
// lock), and os-getConsoleOutput. A wrong state is the state machine's
// 409 in Nova's words.
#include <limits>

#include <arpa/inet.h>

#include "actors/compute.hpp"
#include "actors/conductor.hpp"
#include "actors/instance.hpp"
#include "api/auth.hpp"
#include "api/compute_server_views.hpp"
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
  int status = 202;  // confirmResize: 204
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
  // Nova's lock (2.73: with a reason); who locks is known once the server
  // is read (the route fills by_owner in).
  if (key == "lock") {
    instance::lock l;
    if (value.is_object() && value.contains("locked_reason")) {
      if (!value["locked_reason"].is_string() ||
          value["locked_reason"].get<std::string>().size() > 255) {
        respond_error(r, 400,
                      "Invalid input for field/attribute locked_reason. It is a text of at most "
                      "255 characters");
        return std::nullopt;
      }
      l.reason = value["locked_reason"].get<std::string>();
    }
    return power_action{"os_compute_api:os-lock-server:lock", l};
  }
  if (key == "unlock")
    return power_action{"os_compute_api:os-lock-server:unlock", instance::unlock{}};
  // The ends of a resize, and what undoes a shelve or a rescue: events
  // whose work the instance does (the door stamps their time).
  if (key == "confirmResize")
    return power_action{"os_compute_api:servers:confirm_resize", instance::confirm_resize{}, 204};
  if (key == "revertResize")
    return power_action{"os_compute_api:servers:revert_resize", instance::revert_resize{}};
  if (key == "shelveOffload")
    return power_action{"os_compute_api:os-shelve:shelve_offload", instance::shelve_offload{}};
  if (key == "unshelve") {
    // null, or (2.77) an availability zone: this cloud has one, "nova".
    if (!value.is_null() && !(value.is_object() && (!value.contains("availability_zone") ||
                                                    value["availability_zone"].is_null() ||
                                                    value["availability_zone"] == "nova"))) {
      respond_error(r, 400, "The requested availability zone is not available");
      return std::nullopt;
    }
    return power_action{"os_compute_api:os-shelve:unshelve", instance::unshelve{}};
  }
  if (key == "unrescue") return power_action{"os_compute_api:os-unrescue", instance::unrescue{}};
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
  // Nova reads the console's log file, a stopped server's too; only a
  // server being deleted (or without a host yet: the instance's 409) is refused.
  if (s.task_state == task_states::deleting) {
    respond_error(*r, 409,
                  "Cannot 'get_console_output' instance " + s.id + " while it is in task_state " +
                      to_string(s.task_state));
    return;
  }
  ctx.bridge.ask<std::string>(
      r, ctx.conductor,
      [lines](responder& rr, std::string& out) {
        // Nova's tail: the last `length` pieces of the text split at its
        // newlines (a final newline leaves an empty last piece).
        if (lines != std::numeric_limits<std::int32_t>::max()) {
          std::size_t from = out.size();
          for (std::int32_t n = 0; n < lines && from != std::string::npos; ++n)
            from = from == 0 ? std::string::npos : out.rfind('\n', from - 1);
          out = from == std::string::npos ? out : out.substr(from + 1);
          if (lines == 0) out.clear();
        }
        respond(rr, 200, {{"output", out}});
      },
      console_atom::value, s.id, lines);
}

// Nova's rebuild body, field by field at the microversion; false once the
// 400 is answered.
bool parse_rebuild(responder& r, const json& v, int minor, rebuild_request& out,
                   std::string& admin_pass) {
  auto bad = [&](const std::string& why) {
    respond_error(r, 400, "Invalid input for field/attribute rebuild. " + why);
    return false;
  };
  if (!v.is_object()) return bad("The rebuild is an object.");
  // A text field: absent (nullopt), or its text; `ok` false when it is not
  // a text of at most `most` bytes.
  bool ok = true;
  auto text = [&](const char* key, std::size_t most) -> std::optional<std::string> {
    if (!v.contains(key)) return std::nullopt;
    if (!v[key].is_string() || v[key].get<std::string>().size() > most) {
      ok = false;
      return std::nullopt;
    }
    return v[key].get<std::string>();
  };
  auto image = text("imageRef", 255);
  if (!ok || !image || image->empty()) return bad("'imageRef' is a required property");
  out.image_ref = *image;
  auto& c = out.command;
  for (const auto& [key, since] : std::initializer_list<std::pair<const char*, int>>{
           {"description", 19}, {"key_name", 54}, {"user_data", 57}, {"hostname", 90}})
    if (v.contains(key) && minor < since)
      return bad(std::string("Additional properties are not allowed ('") + key +
                 "' was unexpected)");
  if (auto name = text("name", 255); ok && name) {
    if (name->empty()) return bad("A name is 1 to 255 characters.");
    c.name = *name;
  }
  if (!ok) return bad("A name is 1 to 255 characters.");
  if (v.contains("metadata")) {
    if (!v["metadata"].is_object()) return bad("metadata is an object of texts.");
    std::map<std::string, std::string> m;
    for (const auto& [k, val] : v["metadata"].items()) {
      if (!val.is_string() || val.get<std::string>().size() > 255 || metadata_key_error(k))
        return bad("metadata is an object of texts (keys of [a-zA-Z0-9-_:. ]).");
      m[k] = val.get<std::string>();
    }
    c.metadata = std::move(m);
  }
  if (auto pass = text("adminPass", 255)) admin_pass = *pass;
  if (!ok) return bad("adminPass is a text.");
  for (const auto& [key, family] : std::initializer_list<std::pair<const char*, int>>{
           {"accessIPv4", AF_INET}, {"accessIPv6", AF_INET6}}) {
    auto ip = text(key, 64);
    const auto canonical = ip ? canonical_address(family, *ip) : std::nullopt;
    if (!ok || (ip && !canonical))
      return bad(std::string(key) + " is not an address of its family.");
    if (canonical) (family == AF_INET ? c.access_ip_v4 : c.access_ip_v6) = *canonical;
  }
  // description, key_name, user_data: a text, or null to clear.
  auto nullable = [&](const char* key,
                      std::size_t most) -> std::optional<std::optional<std::string>> {
    if (!v.contains(key)) return std::nullopt;
    if (v[key].is_null()) return std::optional<std::string>();
    auto t = text(key, most);
    if (!ok) return std::nullopt;
    return std::optional<std::string>(*t);
  };
  c.description = nullable("description", 255);
  if (!ok) return bad("description is a text of at most 255 characters or null.");
  if (auto k = nullable("key_name", 255)) c.key_name = k->value_or("");
  if (!ok) return bad("key_name is a text or null.");
  if (auto u = nullable("user_data", 65535)) c.user_data = u->value_or("");
  if (!ok) return bad("user_data is base64 text of at most 65535 characters or null.");
  return true;
}

// POST /servers/{id}/action {"rebuild": ...}: the door resolves the image,
// the instance rebuilds; 202 with the server as it is now and its adminPass.
void rebuild_server(server_context& ctx, const Request& req, std::shared_ptr<responder> r,
                    int minor, const json& value) {
  rebuild_request rebuild;
  std::string admin_pass;
  if (!parse_rebuild(*r, value, minor, rebuild, admin_pass)) return;
  if (admin_pass.empty()) admin_pass = random_admin_pass();
  const std::string url = compute_url(req, ctx);
  on_visible_server(
      ctx, req, r, "os_compute_api:servers:rebuild",
      [&ctx, rebuild, admin_pass, minor, url](std::shared_ptr<responder> rr, const token_info& t,
                                              instance_state& s) mutable {
        rebuild.instance_id = s.id;
        rebuild.project_id = t.project ? t.project->id : "";
        rebuild.is_admin = t.is_admin();
        rebuild.meta = event_metadata{rr->request_id(), t.user.id, t.is_admin()};
        const server_view view{minor, t.is_admin(), url};
        ctx.bridge.ask<instance_state>(
            rr, ctx.compute,
            [&ctx, view, admin_pass](std::shared_ptr<responder> r4, instance_state& rebuilt) {
              auto server = std::make_shared<const instance_state>(std::move(rebuilt));
              with_floating_ips(ctx, std::move(r4), {server.get()},
                                [server, view, admin_pass](std::shared_ptr<responder> r5,
                                                           const floating_ips_by_port& fips) {
                                  const instance_state& after = *server;
                                  server_view v = view;
                                  v.floating = &fips;
                                  // Before 2.75 a rebuild answers as an update does; Nova adds
                                  // the key name from 2.54 and the user data from 2.57.
                                  json body = server_update_view(after, v);
                                  body["adminPass"] = admin_pass;
                                  if (v.minor >= 54 && v.minor < 75)
                                    body["key_name"] = after.key_name.empty()
                                                           ? json(nullptr)
                                                           : json(after.key_name);
                                  if (v.minor >= 57 && v.minor < 75)
                                    body["user_data"] = after.user_data.empty()
                                                            ? json(nullptr)
                                                            : json(after.user_data);
                                  respond(*r5, 202, {{"server", body}});
                                });
            },
            rebuild_atom::value, std::move(rebuild));
      });
}

// resize, migrate, os-migrateLive: Nova's bodies at the microversion, then
// the door's move; 202 without a body.
void move_server(server_context& ctx, const Request& req, std::shared_ptr<responder> r, int minor,
                 const std::string& key, const json& value) {
  move_request move;
  auto bad = [&](const std::string& why) {
    respond_error(*r, 400, "Invalid input for field/attribute " + key + ". " + why);
  };
  const char* rule = "os_compute_api:servers:resize";
  if (key == "resize") {
    move.type = "resize";
    if (!value.is_object() || !value.contains("flavorRef") ||
        !(value["flavorRef"].is_string() || value["flavorRef"].is_number_integer()))
      return bad("'flavorRef' is a required property");
    move.flavor_ref = value["flavorRef"].is_string() ? value["flavorRef"].get<std::string>()
                                                     : value["flavorRef"].dump();
    if (move.flavor_ref.empty() || move.flavor_ref.size() > 255)
      return bad("'flavorRef' is an id of 1 to 255 characters");
    if (value.contains("OS-DCF:diskConfig") && value["OS-DCF:diskConfig"] != "AUTO" &&
        value["OS-DCF:diskConfig"] != "MANUAL")
      return bad("OS-DCF:diskConfig is AUTO or MANUAL");
  } else if (key == "migrate") {
    move.type = "migration";
    rule = "os_compute_api:os-migrate-server:migrate";
    // Before 2.56 Nova reads no body (null or {}); from 2.56 {"host": name or null}.
    if (minor >= 56 && !value.is_null()) {
      if (!value.is_object() || value.size() > 1 || (value.size() == 1 && !value.contains("host")))
        return bad("The body is null or {\"host\": ...}");
      if (value.contains("host") && !value["host"].is_null()) {
        if (!value["host"].is_string() || value["host"].get<std::string>().empty() ||
            value["host"].get<std::string>().size() > 255)
          return bad("host is a host's name");
        move.host = value["host"].get<std::string>();
        rule = "os_compute_api:os-migrate-server:migrate:host";
      }
    }
  } else {
    move.type = "live-migration";
    rule = "os_compute_api:os-migrate-server:migrate_live";
    if (!value.is_object() || !value.contains("host") || !value.contains("block_migration"))
      return bad("'host' and 'block_migration' are required properties");
    if (!value["host"].is_null()) {
      if (!value["host"].is_string() || value["host"].get<std::string>().empty() ||
          value["host"].get<std::string>().size() > 255)
        return bad("host is a host's name or null");
      move.host = value["host"].get<std::string>();
    }
    const auto& block = value["block_migration"];
    if (block.is_boolean())
      move.block_migration = block.get<bool>();
    else if (!(minor >= 25 && block == "auto"))
      return bad("block_migration is a boolean" + std::string(minor >= 25 ? " or 'auto'" : ""));
    for (const auto& [k, v] : value.items()) {
      const bool known = k == "host" || k == "block_migration" ||
                         (k == "disk_over_commit" && minor < 25 && v.is_boolean()) ||
                         (k == "force" && minor >= 30 && minor < 68 && v.is_boolean());
      if (!known) return bad("Additional properties are not allowed ('" + k + "' was unexpected)");
    }
  }
  on_visible_server(
      ctx, req, r, rule,
      [&ctx, move](std::shared_ptr<responder> rr, const token_info& t, instance_state& s) mutable {
        move.instance_id = s.id;
        move.meta = event_metadata{rr->request_id(), t.user.id, t.is_admin()};
        ctx.bridge.ask<instance_state>(
            rr, ctx.compute, [](responder& r4, instance_state&) { respond(r4, 202, no_body); },
            move_atom::value, std::move(move));
      });
}

// evacuate (an admin's): {"evacuate": {host, adminPass, onSharedStorage
// (required before 2.14, gone after), force (2.29-2.67)}}; 200 with the
// password before 2.14, no body after. The disk is kept (the hosts share
// the data dir), so a new password reaches no guest, as on Nova's shared
// storage; it is answered, never recorded.
void evacuate_server(server_context& ctx, const Request& req, std::shared_ptr<responder> r,
                     int minor, const json& value) {
  auto bad = [&](const std::string& why) {
    respond_error(*r, 400, "Invalid input for field/attribute evacuate. " + why);
  };
  if (!value.is_object()) return bad("The body is an object.");
  move_request move;
  move.type = "evacuation";
  bool shared = false;
  std::optional<std::string> admin_pass;
  for (const auto& [k, v] : value.items()) {
    if (k == "host" && v.is_string() && !v.get<std::string>().empty() &&
        v.get<std::string>().size() <= 255)
      move.host = v.get<std::string>();
    else if (k == "adminPass" && v.is_string() && v.get<std::string>().size() <= 255)
      admin_pass = v.get<std::string>();
    else if (k == "onSharedStorage" && minor < 14 && (v.is_boolean() || v.is_string()))
      shared = v.is_boolean() ? v.get<bool>() : query_flag(v.get<std::string>());
    else if (k == "force" && minor >= 29 && minor < 68 && v.is_boolean())
      continue;
    else if (k == "host" || k == "adminPass" || k == "onSharedStorage" || k == "force")
      return bad("'" + k + "' is not valid here.");
    else
      return bad("Additional properties are not allowed ('" + k + "' was unexpected)");
  }
  if (minor < 14 && !value.contains("onSharedStorage"))
    return bad("'onSharedStorage' is a required property");
  if (minor < 14 && shared && admin_pass)
    return respond_error(*r, 400, "admin password can't be changed on existing disk");
  std::optional<std::string> answer;
  if (minor < 14 && !shared) answer = admin_pass ? *admin_pass : random_admin_pass();
  on_visible_server(ctx, req, r, "os_compute_api:os-evacuate",
                    [&ctx, move, answer](std::shared_ptr<responder> rr, const token_info& t,
                                         instance_state& s) mutable {
                      move.instance_id = s.id;
                      move.meta = event_metadata{rr->request_id(), t.user.id, t.is_admin()};
                      ctx.bridge.ask<instance_state>(
                          rr, ctx.compute,
                          [answer](responder& r4, instance_state&) {
                            if (answer) return respond(r4, 200, {{"adminPass", *answer}});
                            respond(r4, 200, no_body);
                          },
                          move_atom::value, std::move(move));
                    });
}

// rescue: {"rescue": null or {adminPass, rescue_image_ref}}; 200 with the
// password (never recorded: a secret).
void rescue_server(server_context& ctx, const Request& req, std::shared_ptr<responder> r,
                   const json& value) {
  rescue_request rescue;
  std::string admin_pass;
  if (!value.is_null()) {
    if (!value.is_object())
      return respond_error(*r, 400, "Invalid input for field/attribute rescue. An object or null");
    for (const auto& [k, v] : value.items()) {
      const bool text =
          v.is_string() && !v.get<std::string>().empty() && v.get<std::string>().size() <= 255;
      if ((k != "adminPass" && k != "rescue_image_ref") || !text)
        return respond_error(*r, 400,
                             "Invalid input for field/attribute rescue. adminPass and "
                             "rescue_image_ref are texts of 1 to 255 characters");
      (k == "adminPass" ? admin_pass : rescue.image_ref) = v.get<std::string>();
    }
  }
  if (admin_pass.empty()) admin_pass = random_admin_pass();
  on_visible_server(ctx, req, r, "os_compute_api:os-rescue",
                    [&ctx, rescue, admin_pass](std::shared_ptr<responder> rr, const token_info& t,
                                               instance_state& s) mutable {
                      rescue.instance_id = s.id;
                      rescue.project_id = t.project ? t.project->id : "";
                      rescue.is_admin = t.is_admin();
                      rescue.meta = event_metadata{rr->request_id(), t.user.id, t.is_admin()};
                      ctx.bridge.ask<instance_state>(
                          rr, ctx.compute,
                          [admin_pass](responder& r4, instance_state&) {
                            respond(r4, 200, {{"adminPass", admin_pass}});
                          },
                          rescue_atom::value, std::move(rescue));
                    });
}

// An image's extra properties as createImage and createBackup take them:
// absent (none), or an object of texts (Nova's metadata keys, values of at
// most 255 characters); nullopt when it is not.
std::optional<std::map<std::string, std::string>> image_metadata_of(const json& value) {
  if (!value.contains("metadata")) return std::map<std::string, std::string>{};
  const auto& m = value["metadata"];
  if (!m.is_object()) return std::nullopt;
  for (const auto& [k, v] : m.items())
    if (!v.is_string() || metadata_key_error(k) || v.get<std::string>().size() > 255)
      return std::nullopt;
  return m.get<std::map<std::string, std::string>>();
}

// createBackup: {name, backup_type, rotation, metadata}: a snapshot with
// image_type backup; the server keeps its newest `rotation` backups of the
// type. 202, the image's id as createImage answers it (none for rotation 0).
void backup_server(server_context& ctx, const Request& req, std::shared_ptr<responder> r, int minor,
                   const json& value) {
  auto bad = [&](const std::string& why) {
    respond_error(*r, 400, "Invalid input for field/attribute createBackup. " + why);
  };
  if (!value.is_object()) return bad("The backup is an object.");
  for (const char* k : {"name", "backup_type", "rotation"})
    if (!value.contains(k)) return bad(std::string("'") + k + "' is a required property");
  for (const auto& [k, v] : value.items())
    if (k != "name" && k != "backup_type" && k != "rotation" && k != "metadata")
      return bad("Additional properties are not allowed ('" + k + "' was unexpected)");
  const auto& name = value["name"];
  if (!name.is_string() || name.get<std::string>().empty() || name.get<std::string>().size() > 255)
    return bad("name is a text of 1 to 255 characters");
  const auto& type = value["backup_type"];
  if (!type.is_string() || type.get<std::string>().size() > 255)
    return bad("backup_type is a text");
  const auto& rot = value["rotation"];
  std::int64_t rotation = -1;
  if (rot.is_number_integer())
    rotation = rot.get<std::int64_t>();
  else if (rot.is_string() && is_small_integer(rot.get<std::string>(), false))
    rotation = std::stoll(rot.get<std::string>());
  if (rotation < 0 || rotation > 1000000) return bad("rotation is an integer of at least 0");
  auto metadata = image_metadata_of(value);
  if (!metadata) return bad("metadata is an object of texts");
  create_image_request backup;
  backup.name = name.get<std::string>();
  backup.metadata = std::move(*metadata);
  backup.backup_type = type.get<std::string>();
  backup.rotation = rotation;
  const std::string image_url = base_url(req, ctx) + "/image/v2/images/";
  on_visible_server(
      ctx, req, r, "os_compute_api:os-create-backup",
      [&ctx, backup, minor, image_url](std::shared_ptr<responder> rr, const token_info& t,
                                       instance_state& s) mutable {
        backup.instance_id = s.id;
        backup.meta = event_metadata{rr->request_id(), t.user.id, t.is_admin()};
        ctx.bridge.ask<std::string>(
            rr, ctx.compute,
            [minor, image_url](responder& r4, std::string& image_id) {
              if (image_id.empty()) return respond(r4, 202, no_body);
              if (minor >= 45) return respond(r4, 202, {{"image_id", image_id}});
              respond(r4, 202, no_body, {{"Location", image_url + image_id}});
            },
            snapshot_atom::value, std::move(backup));
      });
}

}  // namespace

void add_server_action_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_server_route(
      router, ctx, http_method::post, servers_path + "/:id/action",
      [&ctx](const Request& req, std::shared_ptr<responder> r, int minor) {
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
        if (key == "addSecurityGroup" || key == "removeSecurityGroup") {
          const bool add = key == "addSecurityGroup";
          if (!value.is_object() || !value.contains("name") || !value["name"].is_string() ||
              value["name"].get<std::string>().empty() ||
              value["name"].get<std::string>().size() > 255)
            return respond_error(*r, 400,
                                 "Invalid input for field/attribute name. A security group's "
                                 "name or id (1 to 255 characters) is required");
          const std::string group = value["name"].get<std::string>();
          return on_visible_server(
              ctx, req, r,
              add ? "os_compute_api:os-security-groups:add"
                  : "os_compute_api:os-security-groups:remove",
              [&ctx, group, add](std::shared_ptr<responder> rr, const token_info& t,
                                 instance_state& s) {
                ctx.bridge.ask<instance_state>(
                    rr, ctx.compute,
                    [](responder& r4, instance_state&) { respond(r4, 202, no_body); },
                    security_group_atom::value, s.id, group, add,
                    event_metadata{rr->request_id(), t.user.id, t.is_admin()});
              });
        }
        if (key == "rebuild") return rebuild_server(ctx, req, r, minor, value);
        if (key == "resize" || key == "migrate" || key == "os-migrateLive")
          return move_server(ctx, req, r, minor, key, value);
        if (key == "rescue") return rescue_server(ctx, req, r, value);
        if (key == "os-getVNCConsole" || key == "os-getSerialConsole" ||
            key == "os-getSPICEConsole" || key == "os-getRDPConsole")
          return legacy_console_action(ctx, req, r, minor, key, value);
        if (key == "evacuate") return evacuate_server(ctx, req, r, minor, value);
        if (key == "shelve")
          return on_visible_server(
              ctx, req, r, "os_compute_api:os-shelve:shelve",
              [&ctx](std::shared_ptr<responder> rr, const token_info& t, instance_state& s) {
                create_image_request shelve{
                    s.id, "", {}, event_metadata{rr->request_id(), t.user.id, t.is_admin()}, true};
                ctx.bridge.ask<std::string>(
                    rr, ctx.compute, [](responder& r4, std::string&) { respond(r4, 202, no_body); },
                    snapshot_atom::value, std::move(shelve));
              });
        // Nova's deferred delete: deletes here are never deferred
        // (reclaim_instance_interval 0), so forceDelete is a delete and no
        // server is ever SOFT_DELETED to restore.
        if (key == "forceDelete")
          return on_visible_server(
              ctx, req, r, "os_compute_api:os-deferred-delete:force",
              [&ctx](std::shared_ptr<responder> rr, const token_info& t, instance_state& s) {
                ctx.bridge.ask<instance_state>(
                    rr, ctx.compute,
                    [](responder& r4, instance_state&) { respond(r4, 202, no_body); },
                    caf::delete_atom::value, instance_atom::value, s.id,
                    event_metadata{rr->request_id(), t.user.id, t.is_admin()});
              });
        if (key == "restore")
          return on_visible_server(
              ctx, req, r, "os_compute_api:os-deferred-delete:restore",
              [](std::shared_ptr<responder> rr, const token_info&, instance_state& s) {
                respond_error(*rr, 409,
                              "Cannot 'restore' instance " + s.id + " while it is in vm_state " +
                                  to_string(s.vm_state));
              });
        if (key == "createBackup") return backup_server(ctx, req, r, minor, value);
        if (key == "createImage") {
          // Nova's schema: a name of 1 to 255 characters, metadata of texts.
          const bool named = value.is_object() && value.contains("name") &&
                             value["name"].is_string() &&
                             !value["name"].get<std::string>().empty() &&
                             value["name"].get<std::string>().size() <= 255;
          if (!named)
            return respond_error(*r, 400,
                                 "Invalid input for field/attribute createImage. 'name' is a "
                                 "required property: a text of 1 to 255 characters");
          auto metadata = image_metadata_of(value);
          if (!metadata)
            return respond_error(*r, 400,
                                 "Invalid input for field/attribute metadata. Metadata is an "
                                   "object of texts (keys of [a-zA-Z0-9-_:. ], values of at most "
                                   "255 characters)");
          const std::string name = value["name"].get<std::string>();
          const std::string image_url = base_url(req, ctx) + "/image/v2/images/";
          return on_visible_server(
              ctx, req, r, "os_compute_api:servers:create_image",
              [&ctx, name, metadata = *metadata, minor, image_url](std::shared_ptr<responder> rr,
                                                       const token_info& t, instance_state& s) {
                ctx.bridge.ask<std::string>(
                    rr, ctx.compute,
                    [minor, image_url](responder& r4, std::string& image_id) {
                      // From 2.45 the id is the body; before, a Location.
                      if (minor >= 45) return respond(r4, 202, {{"image_id", image_id}});
                      respond(r4, 202, no_body, {{"Location", image_url + image_id}});
                    },
                    snapshot_atom::value,
                    create_image_request{
                        s.id, name, metadata,
                        event_metadata{rr->request_id(), t.user.id, t.is_admin()}});
              });
        }
        if (key == "os-getConsoleOutput") {
          lines = console_length(*r, value);
          if (!lines) return;
        } else {
          if (key == "lock" && minor < 73 && value.is_object() && value.contains("locked_reason")) {
            respond_error(*r, 400,
                          "Invalid input for field/attribute lock. A locked_reason is 2.73's");
            return;
          }
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
                           auto command = power->command;
                           // Nova's lock: who locks decides who may unlock
                           // without the override.
                           const bool owner = t.project && t.project->id == s.project_id;
                           if (auto* l = std::get_if<instance::lock>(&command)) l->by_owner = owner;
                           if (std::holds_alternative<instance::unlock>(command) && s.locked &&
                               s.locked_by != (owner ? "owner" : "admin") &&
                               !enforce(*r3, ctx, t,
                                        "os_compute_api:os-lock-server:unlock:unlock_override",
                                        {s.project_id, s.user_id}))
                             return;
                           ctx.bridge.ask<instance_state>(
                               r3, ctx.compute,
                               [status = power->status](responder& r4, instance_state&) {
                                 respond(r4, status, no_body);
                               },
                               action_atom::value, s.id, command,
                               event_metadata{r3->request_id(), t.user.id, t.is_admin()});
                         });
                   });
      });
}

}  // namespace cumulo::api
