// Cinder's changes of a volume type (an admin's): PUT /types/{id} (name,
// description, is_public) and its extra specs (/types/{id}/extra_specs:
// list, set some, and one key read, set or unset), what `openstack volume
// type set|unset --property` and `volume type create --property` send.
// Reads follow Cinder's visibility: anyone reads a public type's user
// visible specs, an admin all of them.
#include "api/volume.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

using nlohmann::json;
using Pistache::Rest::Request;

const std::string specs_path = "/types/:id/extra_specs";

// The type the caller may see (a private one is its admin's), then `then`.
void on_visible_type(server_context& ctx, std::shared_ptr<responder> r, const token_info& t,
                     const std::string& id,
                     std::function<void(std::shared_ptr<responder>, volume_type_state&)> then) {
  ctx.bridge.ask<volume_type_state>(
      r, ctx.block_storage,
      [t, id, then, r](responder& r2, volume_type_state& vt) {
        if (!vt.is_public && !t.is_admin())
          return respond_error(r2, 404, "Volume type " + id + " could not be found.");
        then(r, vt);
      },
      caf::get_atom::value, volume_type_atom::value, id);
}

// One change of a type through the door, answered by `render`.
void change_type(server_context& ctx, std::shared_ptr<responder> r, const token_info& t,
                 const std::string& id, volume_type::command c,
                 std::function<void(responder&, volume_type_state&)> render) {
  ctx.bridge.ask<volume_type_state>(
      r, ctx.block_storage,
      [render](responder& r2, volume_type_state& after) { render(r2, after); }, command_atom::value,
      volume_type_atom::value, id, std::move(c), meta_of(*r, t));
}

}  // namespace

void add_volume_type_spec_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_volume_route(
      router, ctx, http_method::put, "/types/:id",
      [&ctx](const Request& req, std::shared_ptr<responder> r, const volume_call& c) {
        const std::string id = param_of(req, ":id");
        auto body = json_request(ctx, req, *r, "volume_type_update");
        if (!body) return;
        const json& vt = body->at("volume_type");
        volume_type::update u;
        if (auto it = vt.find("name"); it != vt.end() && !it->is_null()) {
          u.name = cinder_trimmed(it->get<std::string>());
          if (u.name->empty()) return respond_error(*r, 400, "Volume type name can not be empty.");
        }
        if (auto it = vt.find("description"); it != vt.end())
          u.description = it->is_null() ? std::string() : it->get<std::string>();
        if (auto it = vt.find("is_public"); it != vt.end()) {
          auto b = cinder_bool(*it);
          if (!b) return respond_error(*r, 400, "Invalid value for 'is_public'.");
          u.is_public = *b;
        }
        if (!u.name && !u.description && !u.is_public)
          return respond_error(*r, 400,
                               "Specify volume type name, description, is_public or a "
                               "combination thereof.");
        with_volume_caller(ctx, c, r, [&ctx, id, u](std::shared_ptr<responder> rr, token_info& t) {
          if (!enforce(*rr, ctx, t, "volume_extension:type_update", {caller_project(t), t.user.id}))
            return;
          change_type(ctx, rr, t, id, u, [&ctx, t](responder& r3, volume_type_state& after) {
            respond(r3, 200, {{"volume_type", volume_type_json(after, t, ctx.rules)}});
          });
        });
      });

  add_volume_route(
      router, ctx, http_method::get, specs_path,
      [&ctx](const Request& req, std::shared_ptr<responder> r, const volume_call& c) {
        const std::string id = param_of(req, ":id");
        with_volume_caller(ctx, c, r, [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
          if (!enforce(*rr, ctx, t, "volume_extension:types_extra_specs:index",
                       {caller_project(t), t.user.id}))
            return;
          on_visible_type(
              ctx, rr, t, id, [&ctx, t](std::shared_ptr<responder> r3, volume_type_state& vt) {
                respond(*r3, 200, {{"extra_specs", visible_extra_specs(vt, t, ctx.rules)}});
              });
        });
      });

  // Sets the keys given, keeps the others; answers the keys given.
  add_volume_route(router, ctx, http_method::post, specs_path,
                   [&ctx](const Request& req, std::shared_ptr<responder> r, const volume_call& c) {
                     const std::string id = param_of(req, ":id");
                     auto body = json_request(ctx, req, *r, "volume_type_extra_specs");
                     if (!body) return;
                     volume_type::set_extra_specs set;
                     for (const auto& [k, v] : body->at("extra_specs").items())
                       set.extra_specs[k] = v.is_string() ? v.get<std::string>() : v.dump();
                     with_volume_caller(
                         ctx, c, r, [&ctx, id, set](std::shared_ptr<responder> rr, token_info& t) {
                           if (!enforce(*rr, ctx, t, "volume_extension:types_extra_specs:create",
                                        {caller_project(t), t.user.id}))
                             return;
                           change_type(ctx, rr, t, id, set,
                                       [set](responder& r3, volume_type_state&) {
                                         respond(r3, 200, {{"extra_specs", set.extra_specs}});
                                       });
                         });
                   });

  add_volume_route(
      router, ctx, http_method::get, specs_path + "/:key",
      [&ctx](const Request& req, std::shared_ptr<responder> r, const volume_call& c) {
        const std::string id = param_of(req, ":id");
        const std::string key = param_of(req, ":key");
        with_volume_caller(
            ctx, c, r, [&ctx, id, key](std::shared_ptr<responder> rr, token_info& t) {
              if (!enforce(*rr, ctx, t, "volume_extension:types_extra_specs:show",
                           {caller_project(t), t.user.id}))
                return;
              on_visible_type(
                  ctx, rr, t, id,
                  [&ctx, t, id, key](std::shared_ptr<responder> r3, volume_type_state& vt) {
                    const json visible = visible_extra_specs(vt, t, ctx.rules);
                    if (!visible.contains(key))
                      return respond_error(
                          *r3, 404,
                          "Volume Type " + id + " has no extra specs with key " + key + ".");
                    respond(*r3, 200, {{key, visible[key]}});
                  });
            });
      });

  // {key: value}, the key the URL names (Cinder's 400 otherwise).
  add_volume_route(
      router, ctx, http_method::put, specs_path + "/:key",
      [&ctx](const Request& req, std::shared_ptr<responder> r, const volume_call& c) {
        const std::string id = param_of(req, ":id");
        const std::string key = param_of(req, ":key");
        auto body = json_request(ctx, req, *r, "volume_type_extra_spec_item");
        if (!body) return;
        if (body->size() != 1 || !body->contains(key))
          return respond_error(*r, 400, "Request body and URI mismatch");
        const json& value = (*body)[key];
        volume_type::set_extra_specs set;
        set.extra_specs[key] = value.is_string() ? value.get<std::string>() : value.dump();
        with_volume_caller(
            ctx, c, r, [&ctx, id, set](std::shared_ptr<responder> rr, token_info& t) {
              if (!enforce(*rr, ctx, t, "volume_extension:types_extra_specs:update",
                           {caller_project(t), t.user.id}))
                return;
              change_type(ctx, rr, t, id, set, [set](responder& r3, volume_type_state&) {
                respond(r3, 200, json(set.extra_specs));
              });
            });
      });

  add_volume_route(
      router, ctx, http_method::del, specs_path + "/:key",
      [&ctx](const Request& req, std::shared_ptr<responder> r, const volume_call& c) {
        const std::string id = param_of(req, ":id");
        const std::string key = param_of(req, ":key");
        with_volume_caller(
            ctx, c, r, [&ctx, id, key](std::shared_ptr<responder> rr, token_info& t) {
              if (!enforce(*rr, ctx, t, "volume_extension:types_extra_specs:delete",
                           {caller_project(t), t.user.id}))
                return;
              change_type(ctx, rr, t, id, volume_type::unset_extra_spec{key},
                          [](responder& r3, volume_type_state&) { respond(r3, 202, no_body); });
            });
      });
}

}  // namespace cumulo::api
