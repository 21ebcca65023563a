// Nova's /servers/{id}/os-volume_attachments (`openstack server add volume`,
// `server remove volume`, `server volume list`): the server's volumes as it
// records them, one of them, a volume attached and one detached. The
// compute door runs the flow across Cinder (actors/compute_volumes.hpp);
// here the body is parsed and the attachment rendered at the microversion.
#include "actors/compute.hpp"
#include "actors/compute_volumes.hpp"
#include "actors/instance.hpp"
#include "api/auth.hpp"
#include "api/compute_servers.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

using nlohmann::json;
using Pistache::Rest::Request;

const std::string attachments_path = servers_path + "/:id/os-volume_attachments";

// Nova's volumeAttachment up to 2.88 (the most cumulo serves): the
// volume's id is also the attachment's "id".
json attachment_json(const std::string& server_id, const instance::volume_attachment& a,
                     int minor) {
  json j = {{"device", a.device},
            {"serverId", server_id},
            {"volumeId", a.volume_id},
            {"id", a.volume_id}};
  if (minor >= 70) j["tag"] = a.tag.empty() ? json(nullptr) : json(a.tag);
  if (minor >= 79) j["delete_on_termination"] = a.delete_on_termination;
  return j;
}

void list_attachments(server_context& ctx, const Request& req, std::shared_ptr<responder> r,
                      int minor) {
  on_visible_server(ctx, req, r, "os_compute_api:os-volumes-attachments:index",
                    [minor](std::shared_ptr<responder> rr, const token_info&, instance_state& s) {
                      json out = json::array();
                      for (const auto& a : s.volumes)
                        out.push_back(attachment_json(s.id, a, minor));
                      respond(*rr, 200, {{"volumeAttachments", out}});
                    });
}

void show_attachment(server_context& ctx, const Request& req, std::shared_ptr<responder> r,
                     int minor) {
  const std::string volume_id = param_of(req, ":volume_id");
  on_visible_server(
      ctx, req, r, "os_compute_api:os-volumes-attachments:show",
      [volume_id, minor](std::shared_ptr<responder> rr, const token_info&, instance_state& s) {
        const auto* a = instance::find_volume(s, volume_id);
        if (!a)
          return respond_error(*rr, 404,
                               "Volume " + volume_id + " is not attached to server " + s.id + ".");
        respond(*rr, 200, {{"volumeAttachment", attachment_json(s.id, *a, minor)}});
      });
}

// {"volumeAttachment": {volumeId, device (a hint: the hypervisor names the
// device, as Nova's libvirt driver), tag (2.49), delete_on_termination
// (2.79)}}.
void attach_volume(server_context& ctx, const Request& req, std::shared_ptr<responder> r,
                   int minor) {
  auto parsed = json_request(ctx, req, *r, "compute_volume_attach");
  if (!parsed) return;
  const auto& a = (*parsed)["volumeAttachment"];
  auto unexpected = [&](const char* key) {
    respond_error(*r, 400,
                  std::string("Invalid input for field/attribute volumeAttachment. Additional "
                              "properties are not allowed ('") +
                      key + "' was unexpected)");
  };
  if (a.contains("tag") && minor < 49) return unexpected("tag");
  if (a.contains("delete_on_termination") && minor < 79) return unexpected("delete_on_termination");
  volume_attach_request attach;
  attach.volume_id = a.value("volumeId", "");
  attach.tag = optional_text(a, "tag").value_or("");
  attach.delete_on_termination = a.value("delete_on_termination", false);
  if (auto device = optional_text(a, "device"); device && device->rfind("/dev/", 0) != 0)
    return respond_error(*r, 400, "The supplied device path (" + *device + ") is invalid.");
  on_visible_server(ctx, req, r, "os_compute_api:os-volumes-attachments:create",
                    [&ctx, attach, minor](std::shared_ptr<responder> rr, const token_info& t,
                                          instance_state& s) mutable {
                      attach.instance_id = s.id;
                      attach.project_id = t.project ? t.project->id : std::string();
                      attach.is_admin = t.is_admin();
                      attach.meta = event_metadata{rr->request_id(), t.user.id, t.is_admin()};
                      ctx.bridge.ask<instance::volume_attachment>(
                          rr, ctx.compute,
                          [id = s.id, minor](responder& r2, instance::volume_attachment& att) {
                            respond(r2, 200,
                                    {{"volumeAttachment", attachment_json(id, att, minor)}});
                          },
                          volume_plug_atom::value, caf::add_atom::value, std::move(attach));
                    });
}

void detach_volume(server_context& ctx, const Request& req, std::shared_ptr<responder> r) {
  const std::string volume_id = param_of(req, ":volume_id");
  on_visible_server(
      ctx, req, r, "os_compute_api:os-volumes-attachments:delete",
      [&ctx, volume_id](std::shared_ptr<responder> rr, const token_info& t, instance_state& s) {
        volume_attach_request detach;
        detach.instance_id = s.id;
        detach.volume_id = volume_id;
        detach.project_id = t.project ? t.project->id : std::string();
        detach.is_admin = t.is_admin();
        detach.meta = event_metadata{rr->request_id(), t.user.id, t.is_admin()};
        ctx.bridge.ask<instance_state>(
            rr, ctx.compute, [](responder& r2, instance_state&) { respond(r2, 202, no_body); },
            volume_plug_atom::value, caf::delete_atom::value, std::move(detach));
      });
}

}  // namespace

void add_server_volume_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_server_route(router, ctx, http_method::get, attachments_path,
                   [&ctx](const Request& req, std::shared_ptr<responder> r, int minor) {
                     list_attachments(ctx, req, std::move(r), minor);
                   });
  add_server_route(router, ctx, http_method::get, attachments_path + "/:volume_id",
                   [&ctx](const Request& req, std::shared_ptr<responder> r, int minor) {
                     show_attachment(ctx, req, std::move(r), minor);
                   });
  add_server_route(router, ctx, http_method::post, attachments_path,
                   [&ctx](const Request& req, std::shared_ptr<responder> r, int minor) {
                     attach_volume(ctx, req, std::move(r), minor);
                   });
  add_server_route(router, ctx, http_method::del, attachments_path + "/:volume_id",
                   [&ctx](const Request& req, std::shared_ptr<responder> r, int) {
                     detach_volume(ctx, req, std::move(r));
                   });
}

}  // namespace cumulo::api
