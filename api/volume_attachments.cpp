// Cinder's attachments API (3.27 on; os-complete from 3.44): what Nova's
// compute does to a volume for a server, open to any client that walks the
// steps itself: create (reserved, or attaching with a connector), update
// with a connector (attaching; the answer has the connection_info), the
// action os-complete (in-use), delete (detached, or dropped). It changes
// Cinder's side only: a guest sees a volume through Nova's
// os-volume_attachments (api/compute_server_volumes.cpp).
#include "api/volume.hpp"

#include "actors/volume_host.hpp"
#include "store/ids.hpp"
#include "virt/volume_backend.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

using nlohmann::json;
using Pistache::Rest::Request;

const std::string attachments = "/attachments";

bool attachments_served(responder& r, const volume_call& c) {
  if (c.version.at_least(27)) return true;
  respond_error(r, 404, "The resource could not be found.");
  return false;
}

const volume_attachment* find(const volume_state& v, const std::string& id) {
  for (const auto& a : v.attachments)
    if (a.id == id) return &a;
  return nullptr;
}

// Cinder's attachment view; `detail` adds the times, the mode and the
// connection_info (once a connector came, and `location` is known).
json attachment_json(const volume_state& v, const volume_attachment& a, bool detail,
                     const volume_location* location = nullptr) {
  json j = {{"id", a.id},
            {"status", a.attach_status},
            {"instance", a.server_id.empty() ? json(nullptr) : json(a.server_id)},
            {"volume_id", v.id}};
  if (!detail) return j;
  j["attached_at"] = cinder_time(a.attached_at_us);
  j["detached_at"] = nullptr;
  j["attach_mode"] = a.attach_mode;
  json info = json::object();
  if (location)
    info = {{"driver_volume_type", location->block_device ? "local" : "file"},
            {"data",
             {{"device_path", location->path},
              {"format", location->format},
              {"access_mode", a.attach_mode},
              {"volume_id", v.id}}}};
  j["connection_info"] = info;
  return j;
}

// The connector's host (Cinder keeps the connector's "host"); "" when the
// body has no connector.
std::string connector_host(const json& attachment) {
  auto it = attachment.find("connector");
  if (it == attachment.end() || !it->is_object()) return "";
  auto h = it->find("host");
  if (h == it->end() || !h->is_string() || h->get<std::string>().empty()) return "connector";
  return h->get<std::string>();
}

// The attachment the caller may see (its volume's project), then `then`.
void on_visible_attachment(
    server_context& ctx, std::shared_ptr<responder> r, const token_info& t, const std::string& id,
    const std::string& rule,
    std::function<void(std::shared_ptr<responder>, volume_state&, const volume_attachment&)> then) {
  ctx.bridge.ask<volume_state>(
      r, ctx.block_storage,
      [&ctx, t, id, rule, then, r](responder& r2, volume_state& v) {
        const auto* a = find(v, id);
        if (!a || !sees_project(t, v.project_id))
          return respond_error(r2, 404, "Attachment " + id + " could not be found.");
        if (!enforce(r2, ctx, t, rule, {v.project_id, v.user_id})) return;
        then(r, v, *a);
      },
      caf::get_atom::value, attachment_atom::value, id);
}

void list(server_context& ctx, const Request& req, std::shared_ptr<responder> r,
          const volume_call& c, bool detail) {
  if (!attachments_served(*r, c)) return;
  const std::string volume_filter = query_of(req, "volume_id").value_or("");
  const std::string instance_filter = query_of(req, "instance_id").value_or("");
  const std::string status_filter = query_of(req, "status").value_or("");
  with_volume_caller(ctx, c, r,
                     [&ctx, detail, volume_filter, instance_filter, status_filter](
                         std::shared_ptr<responder> rr, token_info& t) {
                       ctx.bridge.ask<std::vector<volume_state>>(
                           rr, ctx.block_storage,
                           [t, detail, volume_filter, instance_filter, status_filter](
                               responder& r2, std::vector<volume_state>& all) {
                             json out = json::array();
                             for (const auto& v : all) {
                               if (!sees_project(t, v.project_id)) continue;
                               if (!volume_filter.empty() && v.id != volume_filter) continue;
                               for (const auto& a : v.attachments) {
                                 if (!instance_filter.empty() && a.server_id != instance_filter)
                                   continue;
                                 if (!status_filter.empty() && a.attach_status != status_filter)
                                   continue;
                                 out.push_back(attachment_json(v, a, detail));
                               }
                             }
                             respond(r2, 200, {{"attachments", out}});
                           },
                           list_atom::value, volume_atom::value);
                     });
}

// The attachment with its connection_info (the volume host says where the
// bytes are).
void answer_connected(server_context& ctx, std::shared_ptr<responder> r, volume_state v,
                      std::string id, int status) {
  ctx.bridge.ask<volume_location>(
      r, ctx.block_storage,
      [v, id, status](responder& r2, volume_location& l) {
        const auto* a = find(v, id);
        if (!a) return respond_error(r2, 404, "Attachment " + id + " could not be found.");
        respond(r2, status, {{"attachment", attachment_json(v, *a, true, &l)}});
      },
      caf::get_atom::value, volume_atom::value, v.id, location_atom::value);
}

}  // namespace

void add_volume_attachment_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_volume_route(
      router, ctx, http_method::post, attachments,
      [&ctx](const Request& req, std::shared_ptr<responder> r, const volume_call& c) {
        if (!attachments_served(*r, c)) return;
        auto body = json_request(ctx, req, *r, "volume_attachment_create");
        if (!body) return;
        const json& a = body->at("attachment");
        attachment_request create;
        create.attachment_id = new_uuid();
        create.volume_id = a.value("volume_uuid", "");
        create.server_id = a.value("instance_uuid", "");
        create.host_name = connector_host(a);
        if (!uuid_or_refuse(*r, "volume_uuid", create.volume_id)) return;
        if (!create.server_id.empty() && !uuid_or_refuse(*r, "instance_uuid", create.server_id))
          return;
        if (a.contains("mode") && !c.version.at_least(54))
          return respond_error(*r, 400,
                               "Invalid input for field/attribute attachment. Additional "
                               "properties are not allowed ('mode' was unexpected)");
        with_volume_caller(
            ctx, c, r, [&ctx, create](std::shared_ptr<responder> rr, token_info& t) mutable {
              const std::string project = caller_project(t);
              if (!enforce(*rr, ctx, t, "volume:attachment_create", {project, t.user.id})) return;
              create.project_id = project;
              create.is_admin = t.is_admin();
              create.meta = meta_of(*rr, t);
              const std::string id = create.attachment_id;
              const bool connected = !create.host_name.empty();
              ctx.bridge.ask<volume_state>(
                  rr, ctx.block_storage,
                  [&ctx, rr, id, connected](responder& r2, volume_state& v) {
                    if (connected) return answer_connected(ctx, rr, v, id, 200);
                    const auto* a = find(v, id);
                    if (!a) return respond_error(r2, 500, "The attachment was not recorded.");
                    respond(r2, 200, {{"attachment", attachment_json(v, *a, true)}});
                  },
                  attachment_atom::value, caf::add_atom::value, create);
            });
      });

  add_volume_route(router, ctx, http_method::get, attachments,
                   [&ctx](const Request& req, std::shared_ptr<responder> r, const volume_call& c) {
                     list(ctx, req, std::move(r), c, false);
                   });
  add_volume_route(router, ctx, http_method::get, attachments + "/detail",
                   [&ctx](const Request& req, std::shared_ptr<responder> r, const volume_call& c) {
                     list(ctx, req, std::move(r), c, true);
                   });

  add_volume_route(
      router, ctx, http_method::get, attachments + "/:id",
      [&ctx](const Request& req, std::shared_ptr<responder> r, const volume_call& c) {
        if (!attachments_served(*r, c)) return;
        const std::string id = param_of(req, ":id");
        with_volume_caller(ctx, c, r, [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
          on_visible_attachment(
              ctx, rr, t, id, "volume:get",
              [](std::shared_ptr<responder> r3, volume_state& v, const volume_attachment& a) {
                respond(*r3, 200, {{"attachment", attachment_json(v, a, true)}});
              });
        });
      });

  add_volume_route(
      router, ctx, http_method::put, attachments + "/:id",
      [&ctx](const Request& req, std::shared_ptr<responder> r, const volume_call& c) {
        if (!attachments_served(*r, c)) return;
        const std::string id = param_of(req, ":id");
        auto body = json_request(ctx, req, *r, "volume_attachment_update");
        if (!body) return;
        const std::string host = connector_host(body->at("attachment"));
        with_volume_caller(
            ctx, c, r, [&ctx, id, host](std::shared_ptr<responder> rr, token_info& t) {
              on_visible_attachment(
                  ctx, rr, t, id, "volume:attachment_update",
                  [&ctx, t, id, host](std::shared_ptr<responder> r3, volume_state& v,
                                      const volume_attachment&) {
                    ctx.bridge.ask<volume_connection>(
                        r3, ctx.block_storage,
                        [id](responder& r4, volume_connection& conn) {
                          const auto* a = find(conn.volume, id);
                          if (!a)
                            return respond_error(r4, 404,
                                                 "Attachment " + id + " could not be found.");
                          respond(r4, 200,
                                  {{"attachment",
                                    attachment_json(conn.volume, *a, true, &conn.location)}});
                        },
                        attachment_atom::value, caf::put_atom::value, v.id, id, host, std::string(),
                        meta_of(*r3, t));
                  });
            });
      });

  add_volume_route(
      router, ctx, http_method::post, attachments + "/:id/action",
      [&ctx](const Request& req, std::shared_ptr<responder> r, const volume_call& c) {
        if (!attachments_served(*r, c)) return;
        const std::string id = param_of(req, ":id");
        auto body = json_request(ctx, req, *r, "volume_attachment_action");
        if (!body) return;
        if (!body->contains("os-complete") || !c.version.at_least(44))
          return respond_error(*r, 400,
                               "There is no such action: " +
                                   (body->empty() ? std::string("None") : body->begin().key()));
        with_volume_caller(ctx, c, r, [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
          on_visible_attachment(
              ctx, rr, t, id, "volume:attachment_complete",
              [&ctx, t, id](std::shared_ptr<responder> r3, volume_state& v,
                            const volume_attachment&) {
                ctx.bridge.ask<volume_state>(
                    r3, ctx.block_storage,
                    [](responder& r4, volume_state&) { respond(r4, 204, no_body); },
                    attachment_atom::value, caf::ok_atom::value, v.id, id, meta_of(*r3, t));
              });
        });
      });

  add_volume_route(
      router, ctx, http_method::del, attachments + "/:id",
      [&ctx](const Request& req, std::shared_ptr<responder> r, const volume_call& c) {
        if (!attachments_served(*r, c)) return;
        const std::string id = param_of(req, ":id");
        with_volume_caller(ctx, c, r, [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
          on_visible_attachment(ctx, rr, t, id, "volume:attachment_delete",
                                [&ctx, t, id](std::shared_ptr<responder> r3, volume_state& v,
                                              const volume_attachment&) {
                                  ctx.bridge.ask<volume_state>(
                                      r3, ctx.block_storage,
                                      [](responder& r4, volume_state& after) {
                                        // Cinder answers the volume's attachments that remain.
                                        json left = json::array();
                                        for (const auto& a : after.attachments)
                                          left.push_back(attachment_json(after, a, false));
                                        respond(r4, 200, {{"attachments", left}});
                                      },
                                      attachment_atom::value, caf::delete_atom::value, v.id, id,
                                      meta_of(*r3, t));
                                });
        });
      });
}

}  // namespace cumulo::api
