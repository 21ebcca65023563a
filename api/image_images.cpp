// Glance's /v2/images: create, list (filters, sorting, pages with a `next`
// link), show, update by JSON Patch (both media types the clients send),
// delete, tags, deactivate/reactivate, and the schemas.
#include <cctype>
#include <iterator>

#include "actors/messages.hpp"
#include "api/auth.hpp"
#include "api/image.hpp"
#include "api/image_views.hpp"
#include "api/json_body.hpp"
#include "api/routing.hpp"
#include "store/ids.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

using nlohmann::json;
using Pistache::Rest::Request;

const std::string images_path = "/image/v2/images";

event_metadata meta_of(const responder& r, const token_info& t) {
  return event_metadata{r.request_id(), t.user.id};
}

// The attributes a client sets by name; anything else is a property.
const std::set<std::string> core_keys{"id",        "name",        "visibility",  "protected",
                                      "os_hidden", "disk_format", "container_format",
                                      "min_disk",  "min_ram",     "tags",        "owner"};

std::string hidden_text(const json& v) {
  return v.get<bool>() ? "true" : "false";
}

// The rule a visibility needs beyond add_image/modify_image.
const char* visibility_rule(const std::string& visibility) {
  if (visibility == "public") return "publicize_image";
  if (visibility == "community") return "communitize_image";
  return nullptr;
}

std::string percent_encode(const std::string& s) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == ',' || c == ':') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += digits[c >> 4];
      out += digits[c & 0xf];
    }
  }
  return out;
}

// "/v2/images?limit=2&marker=<last>&name=x": the request's own parameters
// with the marker moved on, as Glance builds `next`.
std::string next_link(std::map<std::string, std::string> params, const std::string& marker) {
  params["marker"] = marker;
  std::string out = "/v2/images";
  char sep = '?';
  for (const auto& [k, v] : params) {
    out += sep + percent_encode(k) + "=" + percent_encode(v);
    sep = '&';
  }
  return out;
}

// Glance lets an admin give an image to another project (PATCH owner).
bool owner_changeable(const std::string& key, bool admin) {
  return key == "owner" && admin;
}

// The document a JSON Patch applies to: the image as shown, less what only
// Glance sets (an admin may also change its owner).
json patchable(const image_state& s, bool admin) {
  json doc = image_json(s);
  for (auto it = doc.begin(); it != doc.end();)
    it = (image_read_only(it.key()) && !owner_changeable(it.key(), admin)) || it.key() == "id"
             ? doc.erase(it)
             : std::next(it);
  return doc;
}

// application/openstack-images-v2.0-json-patch writes {"replace": "/name",
// "value": x}; v2.1 is RFC 6902's {"op": "replace", "path": "/name", ...}.
std::optional<json> rfc6902_of(const json& ops, bool v20, std::string& error) {
  if (!ops.is_array()) {
    error = "Request body must be a JSON array of operation objects.";
    return std::nullopt;
  }
  json out = json::array();
  for (const auto& op : ops) {
    if (!op.is_object()) {
      error = "Operations must be JSON objects.";
      return std::nullopt;
    }
    json o = json::object();
    if (v20) {
      for (const char* name : {"add", "replace", "remove"})
        if (op.contains(name)) o = {{"op", name}, {"path", op[name]}};
    } else {
      o = {{"op", op.value("op", "")}, {"path", op.value("path", json())}};
    }
    const std::string name = o.contains("op") && o["op"].is_string() ? o["op"].get<std::string>() : "";
    if (name != "add" && name != "replace" && name != "remove") {
      error = "Operation objects must contain exactly one member named \"add\", \"remove\", or "
              "\"replace\".";
      return std::nullopt;
    }
    if (!o["path"].is_string() || o["path"].get<std::string>().empty() ||
        o["path"].get<std::string>()[0] != '/') {
      error = "Unable to find '/' in JSON Schema change";
      return std::nullopt;
    }
    if (name != "remove") {
      if (!op.contains("value")) {
        error = "Operation \"" + name + "\" requires a member named \"value\".";
        return std::nullopt;
      }
      o["value"] = op["value"];
    }
    out.push_back(std::move(o));
  }
  return out;
}

std::nullopt_t wrong_type(responder& r, const std::string& key, const json& value,
                          const char* type) {
  respond_error(
      r, 400,
      "Invalid value for '" + key + "': " + value.dump() + " is not of type '" + type + "'");
  return std::nullopt;
}

// What changed between two patch documents, as an update command; a
// change of something only Glance sets is a 403, a wrong type a 400.
std::optional<image::update> update_of(responder& r, const json& before, const json& after) {
  image::update u;
  for (const auto& [key, value] : after.items()) {
    if (before.contains(key) && before[key] == value) continue;
    if (key == "owner" && before.contains(key)) {  // only an admin's document has it
      if (!value.is_string()) return wrong_type(r, key, value, "string");
      u.owner = value.get<std::string>();
      continue;
    }
    if (image_read_only(key) || key == "id") {
      respond_error(r, 403, "Attribute '" + key + "' is read-only.");
      return std::nullopt;
    }
    auto wrong = [&](const char* type) { return wrong_type(r, key, value, type); };
    if (key == "name") {
      if (!value.is_string() && !value.is_null()) return wrong("string");
      u.name = value.is_null() ? "" : value.get<std::string>();
    } else if (key == "visibility") {
      if (!value.is_string()) return wrong("string");
      u.visibility = value.get<std::string>();
    } else if (key == "protected") {
      if (!value.is_boolean()) return wrong("boolean");
      u.is_protected = value.get<bool>();
    } else if (key == "os_hidden") {
      if (!value.is_boolean()) return wrong("boolean");
      u.properties_set["os_hidden"] = hidden_text(value);
    } else if (key == "min_disk" || key == "min_ram") {
      if (!value.is_number_integer()) return wrong("integer");
      (key == "min_disk" ? u.min_disk : u.min_ram) = value.get<std::int64_t>();
    } else if (key == "disk_format" || key == "container_format") {
      if (!value.is_string()) return wrong("string");
      (key == "disk_format" ? u.disk_format : u.container_format) = value.get<std::string>();
    } else if (key == "tags") {
      if (!value.is_array()) return wrong("array");
      std::vector<std::string> tags;
      for (const auto& t : value) {
        if (!t.is_string()) return wrong("string");
        tags.push_back(t.get<std::string>());
      }
      u.tags = std::move(tags);
    } else {
      if (!value.is_string()) return wrong("string");
      u.properties_set[key] = value.get<std::string>();
    }
  }
  for (const auto& [key, value] : before.items()) {
    if (after.contains(key)) continue;
    if (core_keys.count(key) || image_read_only(key)) {
      respond_error(r, 403, "Attribute '" + key + "' is read-only.");
      return std::nullopt;
    }
    u.properties_removed.push_back(key);
  }
  return u;
}

void run_command(server_context& ctx, std::shared_ptr<responder> r, const token_info& t,
                 const std::string& id, image::command c, int status, bool with_body,
                 header_list headers = {}) {
  ctx.bridge.ask<image_state>(
      r, ctx.image_registry,
      [status, with_body, headers](responder& rr, image_state& s) {
        respond(rr, status, with_body ? image_json(s) : no_body, headers);
      },
      command_atom::value, id, std::move(c), meta_of(*r, t));
}

// Runs `then` for an image the caller may see and change (its owner's
// members or an admin, under `rule`); others get 403 in Glance's words.
void with_own_image(server_context& ctx, std::shared_ptr<responder> r, const token_info& t,
                    const std::string& id, const std::string& rule,
                    std::function<void(std::shared_ptr<responder>, image_state&)> then) {
  with_visible_image(ctx, r, t, id,
                     [&ctx, t, rule, then](std::shared_ptr<responder> rr, image_state& s) {
                       if (!enforce(*rr, ctx, t, rule, target{s.owner, ""})) return;
                       if (!image_owned(s, viewer_of(t))) return respond_forbidden(*rr, rule);
                       then(rr, s);
                     });
}

void create_image(server_context& ctx, std::shared_ptr<responder> r, const token_info& t,
                  const json& body) {
  const std::string own = t.project ? t.project->id : "";
  if (!enforce(*r, ctx, t, "add_image", target{own, ""})) return;
  image::create c;
  c.owner = own;
  if (auto owner = optional_text(body, "owner"); owner && *owner != own) {
    if (!t.is_admin()) return respond_error(*r, 403, "Attribute 'owner' is read-only.");
    c.owner = *owner;
  }
  for (const auto& [key, value] : body.items())
    if (image_read_only(key) && key != "owner")
      return respond_error(*r, 403, "Attribute '" + key + "' is read-only.");
  c.name = optional_text(body, "name").value_or("");
  c.disk_format = optional_text(body, "disk_format").value_or("");
  c.container_format = optional_text(body, "container_format").value_or("");
  c.visibility = body.value("visibility", "shared");
  if (const char* rule = visibility_rule(c.visibility))
    if (!enforce(*r, ctx, t, rule, target{own, ""})) return;
  c.min_disk = body.value("min_disk", std::int64_t{0});
  c.min_ram = body.value("min_ram", std::int64_t{0});
  c.is_protected = body.value("protected", false);
  if (body.contains("tags")) c.tags = body["tags"].get<std::vector<std::string>>();
  if (body.contains("os_hidden")) c.properties["os_hidden"] = hidden_text(body["os_hidden"]);
  for (const auto& [key, value] : body.items())
    if (!core_keys.count(key)) c.properties[key] = value.get<std::string>();
  const std::string id = body.contains("id") ? body["id"].get<std::string>() : new_uuid();
  run_command(ctx, r, t, id, image::command{std::move(c)}, 201, true, image_create_headers());
}

void list_images_route(server_context& ctx, std::shared_ptr<responder> r, const token_info& t,
                       std::map<std::string, std::string> params) {
  auto query = parse_image_query(params);
  if (!query) return respond_error(*r, query.error());
  if (!enforce(*r, ctx, t, "get_images", target{t.project ? t.project->id : "", ""})) return;
  const auto viewer = viewer_of(t);
  ctx.bridge.ask<std::vector<image_state>>(
      r, ctx.image_registry,
      [q = query.value(), viewer, params](responder& rr, std::vector<image_state>& all) {
        auto page = list_images(all, q, viewer);
        if (!page) return respond_error(rr, page.error());
        json images = json::array();
        for (const auto& s : page.value().images) images.push_back(image_json(s));
        json body = {{"images", images}, {"first", "/v2/images"}, {"schema", "/v2/schemas/images"}};
        if (page.value().more) {
          auto next = params;
          next["limit"] = std::to_string(q.limit);
          body["next"] = next_link(next, page.value().images.back().id);
        }
        respond(rr, 200, body);
      },
      list_atom::value, image_atom::value);
}

void patch_image(server_context& ctx, std::shared_ptr<responder> r, const token_info& t,
                 const std::string& id, json ops) {
  with_own_image(
      ctx, r, t, id, "modify_image",
      [&ctx, t, id, ops](std::shared_ptr<responder> rr, image_state& s) {
        const json before = patchable(s, t.is_admin());
        for (const auto& op : ops) {
          const std::string path = op["path"].get<std::string>();
          const std::string key = path.substr(1, path.find('/', 1) - 1);
          if ((image_read_only(key) && !owner_changeable(key, t.is_admin())) || key == "id")
            return respond_error(*rr, 403, "Attribute '" + key + "' is read-only.");
        }
        json after;
        try {
          after = before.patch(ops);
        } catch (const json::exception&) {
          // Glance: replacing or removing what the image does not have.
          return respond_error(*rr, 409, "Property does not exist for the operations given.");
        }
        auto update = update_of(*rr, before, after);
        if (!update) return;
        if (update->visibility)
          if (const char* rule = visibility_rule(*update->visibility))
            if (!enforce(*rr, ctx, t, rule, target{s.owner, ""})) return;
        run_command(ctx, rr, t, id, image::command{std::move(*update)}, 200, true);
      });
}

void change_tag(server_context& ctx, std::shared_ptr<responder> r, const token_info& t,
                const std::string& id, const std::string& tag, bool add) {
  with_own_image(ctx, r, t, id, "modify_image",
                 [&ctx, t, id, tag, add](std::shared_ptr<responder> rr, image_state& s) {
                   auto tags = s.tags;
                   auto it = std::find(tags.begin(), tags.end(), tag);
                   if (!add && it == tags.end())
                     return respond_error(*rr, 404, "Tag " + tag + " not found.");
                   if (add && it == tags.end()) tags.push_back(tag);
                   if (!add) tags.erase(it);
                   image::update u;
                   u.tags = std::move(tags);
                   run_command(ctx, rr, t, id, image::command{std::move(u)}, 204, false);
                 });
}

}  // namespace

void add_images_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_route(router, ctx, http_method::post, images_path, service::image,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto body = json_request(ctx, req, *r, "image_create");
              if (!body) return;
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, body = std::move(*body)](std::shared_ptr<responder> rr,
                                                         token_info& t) {
                           create_image(ctx, rr, t, body);
                         });
            });

  add_route(router, ctx, http_method::get, images_path, service::image,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              auto params = query_params(req);
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, params](std::shared_ptr<responder> rr, token_info& t) {
                           list_images_route(ctx, rr, t, params);
                         });
            });

  add_route(router, ctx, http_method::get, images_path + "/:id", service::image,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string id = param_of(req, ":id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
                           with_visible_image(ctx, rr, t, id,
                                              [](std::shared_ptr<responder> r3, image_state& s) {
                                                respond(*r3, 200, image_json(s));
                                              });
                         });
            });

  add_route(router, ctx, http_method::patch, images_path + "/:id", service::image,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string type = header_of(req, "Content-Type");
              const bool v21 = type.rfind("application/openstack-images-v2.1-json-patch", 0) == 0;
              const bool v20 = type.rfind("application/openstack-images-v2.0-json-patch", 0) == 0;
              if (!v21 && !v20)
                return respond_error(*r, 415,
                                     "Unsupported Content-Type '" + type +
                                         "': use application/openstack-images-v2.1-json-patch");
              auto body = read_json_body(body_of(req), "application/json", ctx.schemas, "",
                                         ctx.opts.max_json_body_bytes);
              if (!body) return respond_error(*r, body.error->status, body.error->message);
              std::string error;
              auto ops = rfc6902_of(body.value, v20, error);
              if (!ops) return respond_error(*r, 400, error);
              const std::string id = param_of(req, ":id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, id, ops = std::move(*ops)](std::shared_ptr<responder> rr,
                                                           token_info& t) {
                           patch_image(ctx, rr, t, id, ops);
                         });
            });

  add_route(router, ctx, http_method::del, images_path + "/:id", service::image,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string id = param_of(req, ":id");
              with_token(ctx, auth_token_of(req), r,
                         [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
                           with_own_image(ctx, rr, t, id, "delete_image",
                                          [&ctx, t, id](std::shared_ptr<responder> r3,
                                                        image_state&) {
                                            run_command(ctx, r3, t, id,
                                                        image::command{image::remove{}}, 204,
                                                        false);
                                          });
                         });
            });

  for (bool deactivate : {true, false}) {
    const std::string action = deactivate ? "deactivate" : "reactivate";
    add_route(router, ctx, http_method::post, images_path + "/:id/actions/" + action,
              service::image, [&ctx, action, deactivate](const Request& req,
                                                         std::shared_ptr<responder> r) {
                const std::string id = param_of(req, ":id");
                with_token(ctx, auth_token_of(req), r,
                           [&ctx, id, action, deactivate](std::shared_ptr<responder> rr,
                                                          token_info& t) {
                             with_visible_image(
                                 ctx, rr, t, id,
                                 [&ctx, t, id, action, deactivate](std::shared_ptr<responder> r3,
                                                                   image_state& s) {
                                   if (!enforce(*r3, ctx, t, action, target{s.owner, ""})) return;
                                   image::command c = deactivate
                                                          ? image::command{image::deactivate{}}
                                                          : image::command{image::reactivate{}};
                                   run_command(ctx, r3, t, id, std::move(c), 204, false);
                                 });
                           });
              });
  }

  for (bool add : {true, false})
    add_route(router, ctx, add ? http_method::put : http_method::del,
              images_path + "/:id/tags/:tag", service::image,
              [&ctx, add](const Request& req, std::shared_ptr<responder> r) {
                const std::string id = param_of(req, ":id");
                const std::string tag = param_of(req, ":tag");
                with_token(ctx, auth_token_of(req), r,
                           [&ctx, id, tag, add](std::shared_ptr<responder> rr, token_info& t) {
                             change_tag(ctx, rr, t, id, tag, add);
                           });
              });

  add_route(router, ctx, http_method::get, "/image/v2/schemas/image", service::image,
            [](const Request&, std::shared_ptr<responder> r) { respond(*r, 200, image_schema()); });
  add_route(router, ctx, http_method::get, "/image/v2/schemas/images", service::image,
            [](const Request&, std::shared_ptr<responder> r) {
              respond(*r, 200, images_schema());
            });
}

}  // namespace cumulo::api
