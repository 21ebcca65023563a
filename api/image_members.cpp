// Glance's image sharing: /v2/images/{id}/members. The owner offers a
// shared image to a project (POST) and withdraws it (DELETE); the member
// accepts or rejects it (PUT); both list (the member sees only its own
// membership). Each route parses, asks the image registry once with the
// caller's credentials, and renders: the registry decides who may.
#include "actors/image_registry.hpp"
#include "actors/messages.hpp"
#include "api/auth.hpp"
#include "api/image.hpp"
#include "api/image_views.hpp"
#include "api/routing.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

using nlohmann::json;
using Pistache::Rest::Request;

const std::string members_path = "/image/v2/images/:id/members";

// Glance's member rules are about the caller's own project; the registry
// decides ownership and membership.
bool allowed(responder& r, const server_context& ctx, const token_info& t, const char* rule) {
  return enforce(r, ctx, t, rule, target{t.project ? t.project->id : "", ""});
}

void respond_member_not_found(responder& r, const std::string& member_id) {
  respond_error(r, 404, "The specified member " + member_id + " could not be found");
}

// Sends a membership command with the caller; renders the membership after it.
void member_command(server_context& ctx, std::shared_ptr<responder> r, const token_info& t,
                    const std::string& id, const std::string& member_id, image::command c,
                    int status) {
  if (!image_id_shaped(id)) return respond_image_not_found(*r, id);
  ctx.bridge.ask<image_state>(
      r, ctx.image_registry,
      [id, member_id, status](responder& rr, image_state& s) {
        if (status == 204) return respond(rr, 204, no_body);
        auto it = s.members.find(member_id);
        if (it == s.members.end()) return respond_member_not_found(rr, member_id);
        respond(rr, status, member_json(id, member_id, it->second));
      },
      command_atom::value, id, std::move(c), event_metadata{r->request_id(), t.user.id}, t.creds());
}

using member_handler = std::function<void(server_context&, std::shared_ptr<responder>, token_info&,
                                          const std::string&, const std::string&)>;

// A route of one membership (:id, :member) that needs the caller's token.
void add_member_route(Pistache::Rest::Router& router, server_context& ctx, http_method method,
                      member_handler handler) {
  add_route(router, ctx, method, members_path + "/:member", service::image,
            [&ctx, handler](const Request& req, std::shared_ptr<responder> r) {
              const std::string id = param_of(req, ":id");
              const std::string member = param_of(req, ":member");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, handler, id, member](std::shared_ptr<responder> rr, token_info& t) {
                           handler(ctx, rr, t, id, member);
                         });
            });
}

}  // namespace

void add_image_member_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_route(router, ctx, http_method::post, members_path, service::image,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto body = json_request(ctx, req, *r, "image_member_create");
              if (!body) return;
              const std::string id = param_of(req, ":id");
              const std::string member = (*body)["member"].get<std::string>();
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, id, member](std::shared_ptr<responder> rr, token_info& t) {
                           if (!allowed(*rr, ctx, t, "add_member")) return;
                           member_command(ctx, rr, t, id, member,
                                          image::command{image::add_member{member, 0}}, 200);
                         });
            });

  add_route(router, ctx, http_method::get, members_path, service::image,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string id = param_of(req, ":id");
              with_token(
                  ctx, auth_token_of(req), r,
                  [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
                    if (!allowed(*rr, ctx, t, "get_members")) return;
                    with_visible_image(
                        ctx, rr, t, id, [id](std::shared_ptr<responder> r3, image_state& s) {
                          json members = json::array();
                          for (const auto& [member_id, m] : s.members)
                            members.push_back(member_json(id, member_id, m));
                          respond(*r3, 200,
                                  {{"members", members}, {"schema", "/v2/schemas/members"}});
                        });
                  });
            });

  add_member_route(router, ctx, http_method::get,
                   [](server_context& c, std::shared_ptr<responder> r, token_info& t,
                      const std::string& id, const std::string& member) {
                     if (!allowed(*r, c, t, "get_member")) return;
                     with_visible_image(
                         c, r, t, id, [id, member](std::shared_ptr<responder> rr, image_state& s) {
                           auto it = s.members.find(member);
                           if (it == s.members.end()) return respond_member_not_found(*rr, member);
                           respond(*rr, 200, member_json(id, member, it->second));
                         });
                   });

  add_route(router, ctx, http_method::put, members_path + "/:member", service::image,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto body = json_request(ctx, req, *r, "image_member_update");
              if (!body) return;
              const std::string id = param_of(req, ":id");
              const std::string member = param_of(req, ":member");
              const std::string status = (*body)["status"].get<std::string>();
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, id, member, status](std::shared_ptr<responder> rr, token_info& t) {
                           if (!allowed(*rr, ctx, t, "modify_member")) return;
                           member_command(ctx, rr, t, id, member,
                                          image::command{image::update_member{member, status, 0}},
                                          200);
                         });
            });

  add_member_route(router, ctx, http_method::del,
                   [](server_context& c, std::shared_ptr<responder> r, token_info& t,
                      const std::string& id, const std::string& member) {
                     if (!allowed(*r, c, t, "delete_member")) return;
                     member_command(c, r, t, id, member,
                                    image::command{image::remove_member{member}}, 204);
                   });

  add_route(
      router, ctx, http_method::get, "/image/v2/schemas/member", service::image,
      [](const Request&, std::shared_ptr<responder> r) { respond(*r, 200, member_schema()); });
  add_route(
      router, ctx, http_method::get, "/image/v2/schemas/members", service::image,
      [](const Request&, std::shared_ptr<responder> r) { respond(*r, 200, members_schema()); });
}

}  // namespace cumulo::api
