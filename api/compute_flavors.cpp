// Nova's flavors: GET /flavors[/detail] (is_public, minDisk, minRam,
// limit, marker), GET/DELETE /flavors/{id}, POST /flavors (admin),
// PUT /flavors/{id} (2.55: the description), and the extra specs under
// /flavors/{id}/os-extra_specs.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>

#include "actors/compute.hpp"
#include "api/auth.hpp"
#include "api/compute.hpp"
#include "api/compute_views.hpp"
#include "store/ids.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

using Pistache::Rest::Request;

const std::string flavors_path = compute_root + "/flavors";

// Nova's boolean strings (oslo's strutils): "True", "1", "yes", "on", ...
std::optional<bool> boolean_of(const nlohmann::json& j) {
  if (j.is_boolean()) return j.get<bool>();
  if (!j.is_string()) return std::nullopt;
  std::string v;
  for (char c : j.get<std::string>())
    v += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (v == "true" || v == "1" || v == "yes" || v == "on" || v == "y" || v == "t") return true;
  if (v == "false" || v == "0" || v == "no" || v == "off" || v == "n" || v == "f") return false;
  return std::nullopt;
}

// An integer field that may be a digit string (the schema checked the form).
std::int64_t integer_of(const nlohmann::json& j, std::int64_t fallback = 0) {
  if (j.is_number_integer()) return j.get<std::int64_t>();
  if (j.is_string() && !j.get<std::string>().empty()) {
    try {
      return std::stoll(j.get<std::string>());
    } catch (const std::exception&) {
      return -1;  // too large: refused by the machine's ranges
    }
  }
  return fallback;
}

bool valid_flavor_id(const std::string& id) {
  if (id.empty() || id.size() > 255 || id.front() == ' ' || id.back() == ' ') return false;
  for (char ch : id) {
    const auto c = static_cast<unsigned char>(ch);
    if (!(std::isalnum(c) || c == '.' || c == ' ' || c == '_' || c == '-')) return false;
  }
  return true;
}

std::string spec_value(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "True" : "False";
  return v.dump();
}

void bad_request(responder& r, const std::string& message) {
  respond_error(r, 400, message);
}

// The flavors a caller may list, as Nova filters them.
struct flavor_filter {
  std::optional<bool> is_public = true;  // nullopt: all
  std::int64_t min_disk = 0;
  std::int64_t min_ram = 0;
};

void list_flavors(server_context& ctx, const Request& req, std::shared_ptr<responder> r,
                  microversion v, bool detail) {
  flavor_filter filter;
  for (const char* key : {"minDisk", "minRam"}) {
    auto text = query_of(req, key);
    if (!text) continue;
    bool digits = !text->empty() && text->size() < 18;
    for (char c : *text) digits = digits && std::isdigit(static_cast<unsigned char>(c));
    if (!digits) return bad_request(*r, "Invalid " + std::string(key) + " filter [" + *text + "]");
    (std::string(key) == "minDisk" ? filter.min_disk : filter.min_ram) = std::stoll(*text);
  }
  const auto limit = query_number(req, *r, "limit");
  if (!limit.ok) return;
  const auto marker = query_of(req, "marker");
  const auto is_public = query_of(req, "is_public");
  const std::string base = base_url(req, ctx);
  const std::string self_path = detail ? flavors_path + "/detail" : flavors_path;
  with_token(
      ctx, auth_token_of(req), r,
      [&ctx, v, detail, filter, limit, marker, is_public, base, self_path](
          std::shared_ptr<responder> rr, token_info& t) mutable {
        // Only an admin chooses: "none" is every flavor, false the
        // private ones; everyone else sees the public ones.
        if (t.is_admin() && is_public) {
          std::string p;
          for (char c : *is_public)
            p += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
          if (p == "none")
            filter.is_public = std::nullopt;
          else
            filter.is_public = query_flag(*is_public);
        }
        ctx.bridge.ask<std::vector<flavor_state>>(
            rr, ctx.compute,
            [v, detail, filter, limit, marker, base, self_path](responder& r3,
                                                                std::vector<flavor_state>& all) {
              // Nova's default order: by flavor id.
              std::sort(all.begin(), all.end(),
                        [](const flavor_state& a, const flavor_state& b) { return a.id < b.id; });
              std::vector<const flavor_state*> kept;
              for (const auto& f : all)
                if ((!filter.is_public || f.is_public == *filter.is_public) &&
                    f.disk >= filter.min_disk && f.ram >= filter.min_ram)
                  kept.push_back(&f);
              std::size_t start = 0;
              if (marker) {
                auto it = std::find_if(kept.begin(), kept.end(),
                                       [&](const flavor_state* f) { return f->id == *marker; });
                if (it == kept.end())
                  return respond_error(r3, 400, "marker [" + *marker + "] not found");
                start = static_cast<std::size_t>(it - kept.begin()) + 1;
              }
              nlohmann::json out = nlohmann::json::array();
              std::size_t end = kept.size();
              if (limit.value && start + static_cast<std::size_t>(*limit.value) < end)
                end = start + static_cast<std::size_t>(*limit.value);
              for (std::size_t i = start; i < end; ++i)
                out.push_back(flavor_json(*kept[i], v, base, detail));
              nlohmann::json body = {{"flavors", out}};
              if (limit.value && *limit.value > 0 &&
                  out.size() == static_cast<std::size_t>(*limit.value))
                body["flavors_links"] = {
                    {{"rel", "next"},
                     {"href", base + self_path + "?limit=" + std::to_string(*limit.value) +
                                  "&marker=" + kept[end - 1]->id}}};
              respond(r3, 200, body);
            },
            list_atom::value, flavor_atom::value);
      });
}

// Answers with the flavor when the caller may see it (a private one is an
// admin's only), else 404 in Nova's words.
bool visible(const flavor_state& f, const token_info& t) {
  return f.is_public || t.is_admin();
}

void create_flavor(server_context& ctx, const Request& req, std::shared_ptr<responder> r,
                   microversion v) {
  auto body = json_request(ctx, req, *r, "compute_flavor_create");
  if (!body) return;
  const auto& f = (*body)["flavor"];
  if (f.contains("description") && !v.at_least(55))
    return bad_request(*r, "Invalid input for field/attribute flavor. Value: " + f.dump() +
                               ". Additional properties are not allowed ('description' was "
                               "unexpected)");
  flavor::create c;
  c.name = f["name"].get<std::string>();
  c.ram = integer_of(f["ram"]);
  const std::int64_t vcpus = integer_of(f["vcpus"]);
  if (vcpus > std::numeric_limits<std::int32_t>::max())
    return bad_request(*r, "Invalid input for field/attribute vcpus. Must be <= 2147483647.");
  c.vcpus = static_cast<int>(vcpus);
  c.disk = integer_of(f["disk"]);
  if (f.contains("OS-FLV-EXT-DATA:ephemeral"))
    c.ephemeral = integer_of(f["OS-FLV-EXT-DATA:ephemeral"]);
  if (f.contains("swap")) c.swap = integer_of(f["swap"]);
  if (f.contains("rxtx_factor")) {
    const auto& x = f["rxtx_factor"];
    c.rxtx_factor = x.is_number() ? x.get<double>() : std::stod(x.get<std::string>());
    if (!(c.rxtx_factor > 0) || !std::isfinite(c.rxtx_factor))
      return bad_request(*r, "Invalid input for field/attribute rxtx_factor. Value: " + x.dump() +
                                 ". It must be greater than 0.");
  }
  if (f.contains("os-flavor-access:is_public")) {
    auto p = boolean_of(f["os-flavor-access:is_public"]);
    if (!p)
      return bad_request(*r,
                         "Invalid input for field/attribute os-flavor-access:is_public. "
                         "Value: " +
                             f["os-flavor-access:is_public"].dump() +
                             ". It is not a valid boolean.");
    c.is_public = *p;
  }
  c.description = optional_text(f, "description");
  std::string id;
  if (f.contains("id") && f["id"].is_number_integer())
    id = std::to_string(f["id"].get<std::int64_t>());
  else if (f.contains("id") && f["id"].is_string())
    id = f["id"].get<std::string>();
  if (id.empty()) id = new_random_uuid();
  if (!valid_flavor_id(id))
    return bad_request(*r, "Invalid input for field/attribute id. Value: " + id +
                               ". The id must be letters, digits, '.', '_', '-' and inner "
                               "spaces.");
  const std::string base = base_url(req, ctx);
  with_token(
      ctx, auth_token_of(req), r,
      [&ctx, v, base, id, c = std::move(c)](std::shared_ptr<responder> rr, token_info& t) mutable {
        if (!enforce(*rr, ctx, t, "os_compute_api:os-flavor-manage:create")) return;
        ctx.bridge.ask<flavor_state>(
            rr, ctx.compute,
            [v, base](responder& r3, flavor_state& s) {
              respond(r3, 200, {{"flavor", flavor_json(s, v, base, true)}});
            },
            command_atom::value, id, flavor::command{std::move(c)},
            event_metadata{rr->request_id(), t.user.id});
      });
}

// Looks the flavor up for the caller, then `then` (on a CAF thread).
using flavor_then = std::function<void(std::shared_ptr<responder>, token_info&, flavor_state&)>;
void with_flavor(server_context& ctx, const Request& req, std::shared_ptr<responder> r,
                 const std::string& rule, flavor_then then) {
  const std::string id = param_of(req, ":flavor_id");
  with_token(ctx, auth_token_of(req), r,
             [&ctx, id, rule, then](std::shared_ptr<responder> rr, token_info& t) {
               if (!rule.empty() && !enforce(*rr, ctx, t, rule, {project_of(t), t.user.id})) return;
               ctx.bridge.ask<flavor_state>(
                   rr, ctx.compute,
                   [id, t, then](std::shared_ptr<responder> r3, flavor_state& f) mutable {
                     if (!visible(f, t)) return respond_error(*r3, flavor_not_found(id));
                     then(r3, t, f);
                   },
                   caf::get_atom::value, flavor_atom::value, id);
             });
}

void flavor_command(server_context& ctx, std::shared_ptr<responder> r, const token_info& t,
                    const std::string& id, flavor::command c,
                    std::function<void(responder&, flavor_state&)> done) {
  event_metadata meta{r->request_id(), t.user.id};
  ctx.bridge.ask<flavor_state>(
      std::move(r), ctx.compute, [done](responder& r3, flavor_state& s) { done(r3, s); },
      command_atom::value, id, std::move(c), std::move(meta));
}

}  // namespace

void add_flavor_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_compute_route(router, ctx, http_method::get, flavors_path,
                    [&ctx](const Request& req, std::shared_ptr<responder> r, microversion v) {
                      list_flavors(ctx, req, std::move(r), v, false);
                    });
  add_compute_route(router, ctx, http_method::get, flavors_path + "/detail",
                    [&ctx](const Request& req, std::shared_ptr<responder> r, microversion v) {
                      list_flavors(ctx, req, std::move(r), v, true);
                    });
  add_compute_route(router, ctx, http_method::post, flavors_path,
                    [&ctx](const Request& req, std::shared_ptr<responder> r, microversion v) {
                      create_flavor(ctx, req, std::move(r), v);
                    });
  add_compute_route(router, ctx, http_method::get, flavors_path + "/:flavor_id",
                    [&ctx](const Request& req, std::shared_ptr<responder> r, microversion v) {
                      const std::string base = base_url(req, ctx);
                      with_flavor(
                          ctx, req, std::move(r), "",
                          [v, base](std::shared_ptr<responder> rr, token_info&, flavor_state& f) {
                            respond(*rr, 200, {{"flavor", flavor_json(f, v, base, true)}});
                          });
                    });
  add_compute_route(
      router, ctx, http_method::put, flavors_path + "/:flavor_id",
      [&ctx](const Request& req, std::shared_ptr<responder> r, microversion v) {
        // Nova has no PUT below 2.55: the method is not found there.
        if (!v.at_least(55)) return respond_error(*r, 404, "The resource could not be found.");
        auto body = json_request(ctx, req, *r, "compute_flavor_update");
        if (!body) return;
        const auto description = optional_text((*body)["flavor"], "description");
        const std::string id = param_of(req, ":flavor_id");
        const std::string base = base_url(req, ctx);
        with_token(ctx, auth_token_of(req), r,
                   [&ctx, id, v, base, description](std::shared_ptr<responder> rr, token_info& t) {
                     if (!enforce(*rr, ctx, t, "os_compute_api:os-flavor-manage:update")) return;
                     flavor_command(ctx, rr, t, id,
                                    flavor::command{flavor::update_description{description}},
                                    [v, base](responder& r3, flavor_state& s) {
                                      respond(r3, 200, {{"flavor", flavor_json(s, v, base, true)}});
                                    });
                   });
      });
  add_compute_route(
      router, ctx, http_method::del, flavors_path + "/:flavor_id",
      [&ctx](const Request& req, std::shared_ptr<responder> r, microversion) {
        const std::string id = param_of(req, ":flavor_id");
        with_token(
            ctx, auth_token_of(req), r, [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
              if (!enforce(*rr, ctx, t, "os_compute_api:os-flavor-manage:delete")) return;
              flavor_command(ctx, rr, t, id, flavor::command{flavor::remove{}},
                             [](responder& r3, flavor_state&) { respond(r3, 202, no_body); });
            });
      });

  // Extra specs.
  const std::string specs = flavors_path + "/:flavor_id/os-extra_specs";
  add_compute_route(router, ctx, http_method::get, specs,
                    [&ctx](const Request& req, std::shared_ptr<responder> r, microversion) {
                      with_flavor(ctx, req, std::move(r),
                                  "os_compute_api:os-flavor-extra-specs:index",
                                  [](std::shared_ptr<responder> rr, token_info&, flavor_state& f) {
                                    respond(*rr, 200, {{"extra_specs", f.extra_specs}});
                                  });
                    });
  add_compute_route(
      router, ctx, http_method::post, specs,
      [&ctx](const Request& req, std::shared_ptr<responder> r, microversion) {
        auto body = json_request(ctx, req, *r, "compute_flavor_extra_specs");
        if (!body) return;
        flavor::set_extra_specs c;
        for (const auto& [k, val] : (*body)["extra_specs"].items())
          c.extra_specs[k] = spec_value(val);
        for (const auto& [k, _] : c.extra_specs)
          if (k.empty() || k.size() > 255)
            return bad_request(*r,
                               "Invalid input for field/attribute extra_specs. The key "
                               "must be 1 to 255 characters.");
        const std::string id = param_of(req, ":flavor_id");
        with_token(ctx, auth_token_of(req), r,
                   [&ctx, id, c](std::shared_ptr<responder> rr, token_info& t) {
                     if (!enforce(*rr, ctx, t, "os_compute_api:os-flavor-extra-specs:create"))
                       return;
                     flavor_command(ctx, rr, t, id, flavor::command{c},
                                    [c](responder& r3, flavor_state&) {
                                      respond(r3, 200, {{"extra_specs", c.extra_specs}});
                                    });
                   });
      });
  add_compute_route(router, ctx, http_method::get, specs + "/:key",
                    [&ctx](const Request& req, std::shared_ptr<responder> r, microversion) {
                      const std::string key = param_of(req, ":key");
                      with_flavor(
                          ctx, req, std::move(r), "os_compute_api:os-flavor-extra-specs:show",
                          [key](std::shared_ptr<responder> rr, token_info&, flavor_state& f) {
                            auto it = f.extra_specs.find(key);
                            if (it == f.extra_specs.end())
                              return respond_error(
                                  *rr, 404,
                                  "Flavor " + f.id + " has no extra specs with key " + key + ".");
                            respond(*rr, 200, {{key, it->second}});
                          });
                    });
  add_compute_route(
      router, ctx, http_method::put, specs + "/:key",
      [&ctx](const Request& req, std::shared_ptr<responder> r, microversion) {
        auto body = json_request(ctx, req, *r, "compute_flavor_extra_spec_update");
        if (!body) return;
        const std::string key = param_of(req, ":key");
        if (!body->contains(key)) return bad_request(*r, "Request body and URI mismatch");
        flavor::set_extra_specs c;
        c.extra_specs[key] = spec_value((*body)[key]);
        const std::string id = param_of(req, ":flavor_id");
        with_token(ctx, auth_token_of(req), r,
                   [&ctx, id, c, key](std::shared_ptr<responder> rr, token_info& t) {
                     if (!enforce(*rr, ctx, t, "os_compute_api:os-flavor-extra-specs:update"))
                       return;
                     flavor_command(ctx, rr, t, id, flavor::command{c},
                                    [c, key](responder& r3, flavor_state&) {
                                      respond(r3, 200, {{key, c.extra_specs.at(key)}});
                                    });
                   });
      });
  add_compute_route(
      router, ctx, http_method::del, specs + "/:key",
      [&ctx](const Request& req, std::shared_ptr<responder> r, microversion) {
        const std::string key = param_of(req, ":key");
        const std::string id = param_of(req, ":flavor_id");
        with_token(ctx, auth_token_of(req), r,
                   [&ctx, id, key](std::shared_ptr<responder> rr, token_info& t) {
                     if (!enforce(*rr, ctx, t, "os_compute_api:os-flavor-extra-specs:delete"))
                       return;
                     flavor_command(
                         ctx, rr, t, id, flavor::command{flavor::delete_extra_spec{key}},
                         [](responder& r3, flavor_state&) { respond(r3, 202, no_body); });
                   });
      });
}

}  // namespace cumulo::api
