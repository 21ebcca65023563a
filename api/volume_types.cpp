// Cinder's volume types (/types): list (a member sees the public ones; an
// admin picks with is_public, all of them with is_public=None), show (by
// id or name; `default` is the default type, __DEFAULT__), and an admin's
// create (200) and delete (202; the door refuses a type volumes still use).
#include "api/volume.hpp"

#include <cctype>

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

using nlohmann::json;
using Pistache::Rest::Request;

// Cinder's reading of is_public: absent means the public types; "None" (any
// case) all of them; otherwise a strict boolean. Only an admin chooses.
struct public_filter {
  bool all = false;
  bool is_public = true;
};

void respond_type_not_found(responder& r, const std::string& id) {
  respond_error(r, 404, "Volume type " + id + " could not be found.");
}

}  // namespace

void add_volume_type_routes(Pistache::Rest::Router& router, server_context& ctx) {
  const std::string types = "/types";

  add_volume_route(
      router, ctx, http_method::get, types,
      [&ctx](const Request& req, std::shared_ptr<responder> r, const volume_call& c) {
        public_filter filter;
        if (auto text = query_of(req, "is_public")) {
          std::string lower;
          for (char ch : *text)
            lower += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
          if (lower == "none") {
            filter.all = true;
          } else if (auto b = cinder_bool_text(*text)) {
            filter.is_public = *b;
          } else {
            respond_error(*r, 400, "Invalid is_public filter [" + *text + "]");
            return;
          }
        }
        with_volume_caller(ctx, c, r, [&ctx, filter](std::shared_ptr<responder> rr, token_info& t) {
          if (!enforce(*rr, ctx, t, "volume_extension:type_get_all",
                       {caller_project(t), t.user.id}))
            return;
          ctx.bridge.ask<std::vector<volume_type_state>>(
              rr, ctx.block_storage,
              [&ctx, filter, t](responder& r3, std::vector<volume_type_state>& all) {
                // Anyone but an admin sees the public types only.
                const public_filter f = t.is_admin() ? filter : public_filter{};
                json list = json::array();
                for (const auto& vt : all)
                  if (f.all || vt.is_public == f.is_public)
                    list.push_back(volume_type_json(vt, t, ctx.rules));
                respond(r3, 200, {{"volume_types", list}});
              },
              list_atom::value, volume_type_atom::value);
        });
      });

  add_volume_route(
      router, ctx, http_method::get, types + "/:id",
      [&ctx](const Request& req, std::shared_ptr<responder> r, const volume_call& c) {
        const std::string id = param_of(req, ":id");
        with_volume_caller(ctx, c, r, [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
          const bool default_type = id == "default";
          ctx.bridge.ask_or<volume_type_state>(
              rr, ctx.block_storage,
              [&ctx, id, t](std::shared_ptr<responder> r3, volume_type_state& vt) {
                // A private type is its admin's (there are no access lists
                // here).
                if (!vt.is_public && !t.is_admin()) return respond_type_not_found(*r3, id);
                if (!enforce(*r3, ctx, t, "volume_extension:type_get",
                             {caller_project(t), t.user.id}))
                  return;
                respond(*r3, 200, {{"volume_type", volume_type_json(vt, t, ctx.rules)}});
              },
              [default_type](responder& r3, const domain_error& e) {
                if (default_type && e.code == errc::not_found)
                  return respond_error(r3, 404, "Default volume type can not be found.");
                respond_error(r3, e);
              },
              caf::get_atom::value, volume_type_atom::value,
              default_type ? default_volume_type : id);
        });
      });

  add_volume_route(
      router, ctx, http_method::post, types,
      [&ctx](const Request& req, std::shared_ptr<responder> r, const volume_call& c) {
        auto body = json_request(ctx, req, *r, "volume_type_create");
        if (!body) return;
        const json& vt = body->at("volume_type");
        volume_type::create create;
        create.name = cinder_trimmed(vt.at("name").get<std::string>());
        if (create.name.empty()) {
          respond_error(*r, 400, "Volume type name can not be empty.");
          return;
        }
        if (auto it = vt.find("description"); it != vt.end() && !it->is_null())
          create.description = it->get<std::string>();
        if (auto it = vt.find("extra_specs"); it != vt.end())
          for (const auto& [k, v] : it->items())
            if (!v.is_null()) create.extra_specs[k] = v.get<std::string>();
        if (auto it = vt.find("os-volume-type-access:is_public"); it != vt.end()) {
          auto b = cinder_bool(*it);
          if (!b) {
            respond_error(*r, 400, "Invalid value for 'os-volume-type-access:is_public'.");
            return;
          }
          create.is_public = *b;
        }
        with_volume_caller(ctx, c, r, [&ctx, create](std::shared_ptr<responder> rr, token_info& t) {
          if (!enforce(*rr, ctx, t, "volume_extension:type_create", {caller_project(t), t.user.id}))
            return;
          ctx.bridge.ask<volume_type_state>(
              rr, ctx.block_storage,
              [&ctx, t](responder& r3, volume_type_state& made) {
                respond(r3, 200, {{"volume_type", volume_type_json(made, t, ctx.rules)}});
              },
              command_atom::value, volume_type_atom::value, create, meta_of(*rr, t));
        });
      });

  // Cinder asks the rule first: a member's delete is a 403 whatever the id.
  add_volume_route(
      router, ctx, http_method::del, types + "/:id",
      [&ctx](const Request& req, std::shared_ptr<responder> r, const volume_call& c) {
        const std::string id = param_of(req, ":id");
        with_volume_caller(ctx, c, r, [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
          if (!enforce(*rr, ctx, t, "volume_extension:type_delete", {caller_project(t), t.user.id}))
            return;
          ctx.bridge.ask<volume_type_state>(
              rr, ctx.block_storage,
              [](responder& r3, volume_type_state&) { respond(r3, 202, no_body); },
              caf::delete_atom::value, volume_type_atom::value, id, meta_of(*rr, t));
        });
      });
}

}  // namespace cumulo::api
