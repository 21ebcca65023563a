// Nova's /servers: create (one or several instances), list (summary and
// detail, filters, paging), show, rename, delete. The instance actors own
// the state; the compute door runs a create and a delete (and their quota);
// handlers only check, ask and render.
#include "api/compute_servers.hpp"

#include <algorithm>
#include <cctype>
#include <random>

#include <arpa/inet.h>

#include "engine/search_pattern.hpp"

#include "actors/compute.hpp"
#include "actors/conductor.hpp"
#include "actors/instance.hpp"
#include "api/auth.hpp"
#include "api/compute_block_devices.hpp"
#include "api/compute_bridge.hpp"
#include "api/compute_server_views.hpp"
#include "engine/clock.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {

using nlohmann::json;
using Pistache::Rest::Request;

void add_server_route(Pistache::Rest::Router& router, server_context& ctx, http_method method,
                      const std::string& path, server_handler handler) {
  add_route(router, ctx, method, path, service::compute,
            [handler = std::move(handler)](const Request& req, std::shared_ptr<responder> r) {
              const int minor = microversion_of(req);
              if (minor == 0) {
                respond_bad_microversion(*r, req);
                return;
              }
              handler(req, with_version_headers(std::move(r), minor), minor);
            });
}

std::string compute_url(const Request& req, const server_context& ctx) {
  return base_url(req, ctx) + "/compute";
}

namespace {

// --- create ---

// Nova's limit on one request's instances would be the instances quota;
// until quotas are wired (compute_bridge (c)), this bounds the work of one
// request.
constexpr int max_instances_per_request = 100;

// What the route keeps of a create to render its answer; the door has the
// rest.
struct create_answer {
  bool return_reservation_id = false;
  std::string reservation_id;
  std::string admin_pass;
  std::string compute_url;
  std::vector<std::string> security_groups;
};

std::string random_text(std::size_t n, const char* alphabet) {
  static thread_local std::mt19937_64 gen{std::random_device{}()};
  const std::string a(alphabet);
  std::uniform_int_distribution<std::size_t> pick(0, a.size() - 1);
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += a[pick(gen)];
  return out;
}

// min_count/max_count: integers, or strings of digits (Nova accepts both).
std::optional<int> count_of(responder& r, const json& server, const char* key) {
  if (!server.contains(key)) return 1;
  const auto& v = server[key];
  long long n = 0;
  if (v.is_number_integer()) {
    n = v.get<long long>();
  } else if (v.is_string() && is_small_integer(v.get<std::string>())) {
    n = std::stoll(v.get<std::string>());
  } else {
    respond_error(r, 400,
                  std::string("Invalid input for field/attribute ") + key + ". Value: " + v.dump() +
                      ". " + v.dump() + " is not of type 'integer', 'string'");
    return std::nullopt;
  }
  if (n < 1) {
    respond_error(r, 400,
                  std::string("Invalid input for field/attribute ") + key +
                      ". Value: " + std::to_string(n) + ". " + std::to_string(n) +
                      " is less than the minimum of 1");
    return std::nullopt;
  }
  return static_cast<int>(std::min<long long>(n, 1'000'000'000));
}

// Padded standard base64, line breaks allowed (a loop, not a regular
// expression: std::regex recurses once per character and user_data is 64 KiB).
bool valid_base64(const std::string& s) {
  std::string compact;
  for (char c : s)
    if (c != '\n' && c != '\r') compact += c;
  if (compact.size() % 4 != 0) return false;
  const std::size_t pad = compact.ends_with("==") ? 2 : compact.ends_with('=') ? 1 : 0;
  for (std::size_t i = 0; i < compact.size() - pad; ++i) {
    const unsigned char c = static_cast<unsigned char>(compact[i]);
    if (!std::isalnum(c) && c != '+' && c != '/') return false;
  }
  return true;
}

bool valid_ip(const std::string& ip) {
  in6_addr buf{};
  return inet_pton(AF_INET, ip.c_str(), &buf) == 1 || inet_pton(AF_INET6, ip.c_str(), &buf) == 1;
}

// accessIPv4 / accessIPv6 as Nova's schema formats them ('ipv4', 'ipv6');
// "" (absent) is fine. False once the error is answered.
bool access_ip(responder& r, const json& server, const char* key, int family, std::string& out) {
  if (!server.contains(key)) return true;
  const std::string text = server[key].get<std::string>();
  auto canonical = canonical_address(family, text);
  if (!canonical) {
    // Quoted back as Nova does only when short (an address is).
    const std::string shown =
        text.size() <= 64 ? text : "(a text of " + std::to_string(text.size()) + " bytes)";
    respond_error(r, 400,
                  std::string("Invalid input for field/attribute ") + key + ". Value: " + shown +
                      ". '" + shown + "' is not a '" + (family == AF_INET ? "ipv4" : "ipv6") + "'");
    return false;
  }
  out = *canonical;
  return true;
}

// A field Nova's schema adds at a microversion: before it, the body's
// "Additional properties are not allowed" 400.
bool allowed_at(responder& r, const json& object, const char* key, int minor, int since) {
  if (minor >= since || !object.contains(key)) return true;
  respond_error(r, 400,
                std::string("Invalid input for field/attribute server. Additional properties are "
                            "not allowed ('") +
                    key + "' was unexpected)");
  return false;
}

// 2.19's description: a text or null.
std::optional<std::string> description_of(const json& server) {
  const auto& d = server["description"];
  return d.is_null() ? std::nullopt : std::optional<std::string>(d.get<std::string>());
}

// What the body's "networks" asks for, before looking at the networks (the
// door does): false once the error is answered.
bool parse_networks(responder& r, const json& server, int minor, create_servers_request& out) {
  using mode = create_servers_request::networks_mode;
  if (!server.contains("networks")) {
    if (minor >= 37) {
      respond_error(r, 400,
                    "Invalid input for field/attribute server. 'networks' is a required property");
      return false;
    }
    out.networks = mode::any_single;
    return true;
  }
  const auto& nets = server["networks"];
  if (nets.is_string()) {
    const auto text = nets.get<std::string>();
    if (minor < 37) {
      respond_error(r, 400,
                    "Invalid input for field/attribute networks. Value: " + text + ". '" + text +
                        "' is not of type 'array'");
      return false;
    }
    out.networks = text == "none" ? mode::none : mode::any_single;
    out.auto_network = text == "auto";
    return true;
  }
  for (const auto& n : nets) {
    instance::requested_network rn;
    if (n.contains("port") && n["port"].is_string()) rn.port_id = n["port"].get<std::string>();
    if (n.contains("uuid")) rn.network_id = n["uuid"].get<std::string>();
    if (n.contains("fixed_ip")) rn.fixed_ip = n["fixed_ip"].get<std::string>();
    // A port carries its network and address: Nova ignores the others.
    if (!rn.port_id.empty()) {
      rn.network_id.clear();
      rn.fixed_ip.clear();
    }
    if (rn.port_id.empty() && rn.network_id.empty()) {
      respond_error(r, 400, "Bad networks format: network uuid is not in proper format ()");
      return false;
    }
    if (!rn.fixed_ip.empty() && !valid_ip(rn.fixed_ip)) {
      respond_error(r, 400, "Invalid fixed IP address (" + rn.fixed_ip + ")");
      return false;
    }
    out.listed.push_back(std::move(rn));
  }
  return true;
}

void answer_created(responder& r, const create_answer& a, const created_servers& created) {
  if (a.return_reservation_id) {
    respond(r, 202, {{"reservation_id", a.reservation_id}});
    return;
  }
  json groups = json::array();
  for (const auto& g : a.security_groups) groups.push_back({{"name", g}});
  const std::string& id = created.servers.front().id;
  respond(r, 202,
          {{"server",
            {{"id", id},
             {"links", server_links(id, a.compute_url)},
             {"OS-DCF:diskConfig", "MANUAL"},
             {"security_groups", groups},
             {"adminPass", a.admin_pass}}}},
          {{"Location", a.compute_url + "/v2.1/servers/" + id}});
}

// Parses the body, then one ask: the compute door runs the create (flavor,
// image, networks, security groups, key pair, quota, the launches) and
// answers the instances it started, or the error to render.
void create_server(server_context& ctx, const Request& req, std::shared_ptr<responder> r,
                   int minor) {
  auto body = json_request(ctx, req, *r, "compute_server_create");
  if (!body) return;
  const std::string url = compute_url(req, ctx);
  with_token(
      ctx, auth_token_of(req), r,
      [&ctx, body = std::move(*body), minor, url](std::shared_ptr<responder> rr, token_info& t) {
        if (!t.project) {
          respond_forbidden(*rr, "os_compute_api:servers:create");
          return;
        }
        const std::string project = t.project->id;
        if (!enforce(*rr, ctx, t, "os_compute_api:servers:create", {project, t.user.id})) return;
        const auto& s = body["server"];
        create_servers_request create;
        create.meta = event_metadata{rr->request_id(), t.user.id};
        create.is_admin = t.is_admin();
        auto& base = create.base;
        base.name = s["name"].get<std::string>();
        base.project_id = project;
        base.user_id = t.user.id;
        auto boot = parse_boot_volume(s, minor);
        if (boot.error) return respond_error(*rr, 400, *boot.error);
        base.boot = boot.boot;
        const auto image_ref = optional_text(s, "imageRef");
        // A server that boots from a volume needs no image of its own.
        if (!base.boot.requested() && (!image_ref || image_ref->empty())) {
          respond_error(*rr, 400, "Missing imageRef attribute");
          return;
        }
        const std::string flavor_ref = s["flavorRef"].is_string()
                                           ? s["flavorRef"].get<std::string>()
                                           : std::to_string(s["flavorRef"].get<long long>());
        base.key_name = optional_text(s, "key_name").value_or("");
        if (s.contains("metadata"))
          base.metadata = s["metadata"].get<std::map<std::string, std::string>>();
        for (const auto& [key, _] : base.metadata)
          if (auto why = metadata_key_error(key)) return respond_error(*rr, 400, *why);
        base.user_data = optional_text(s, "user_data").value_or("");
        if (!base.user_data.empty() &&
            (!valid_base64(base.user_data) || base.user_data.size() > 65535)) {
          respond_error(*rr, 400, "User data needs to be valid base 64.");
          return;
        }
        if (auto az = optional_text(s, "availability_zone"); az && *az != "nova") {
          respond_error(*rr, 400, "The requested availability zone is not available");
          return;
        }
        if (!allowed_at(*rr, s, "description", minor, 19) ||
            !allowed_at(*rr, s, "tags", minor, 52) ||
            !access_ip(*rr, s, "accessIPv4", AF_INET, base.access_ip_v4) ||
            !access_ip(*rr, s, "accessIPv6", AF_INET6, base.access_ip_v6))
          return;
        if (s.contains("description")) base.description = description_of(s);
        if (s.contains("tags")) base.tags = s["tags"].get<std::vector<std::string>>();
        if (s.contains("security_groups")) {
          base.security_groups.clear();
          for (const auto& g : s["security_groups"])
            base.security_groups.push_back(g["name"].get<std::string>());
        }
        const auto min_count = count_of(*rr, s, "min_count");
        if (!min_count) return;
        auto max_count = count_of(*rr, s, "max_count");
        if (!max_count) return;
        if (!s.contains("max_count")) max_count = *min_count;
        if (*min_count > *max_count) {
          respond_error(*rr, 400, "min_count must be <= max_count");
          return;
        }
        if (*max_count > max_instances_per_request) {
          respond_error(*rr, 400,
                        "max_count must be at most " + std::to_string(max_instances_per_request) +
                            " per request");
          return;
        }
        // As many as the quota lets start, at least min_count (the door).
        create.max_count = *max_count;
        create.min_count = *min_count;
        create_answer answer;
        answer.compute_url = url;
        answer.security_groups = base.security_groups;
        answer.return_reservation_id =
            s.contains("return_reservation_id") &&
            ((s["return_reservation_id"].is_boolean() && s["return_reservation_id"].get<bool>()) ||
             (s["return_reservation_id"].is_string() &&
              query_flag(s["return_reservation_id"].get<std::string>())));
        answer.reservation_id = "r-" + random_text(8, "abcdefghijklmnopqrstuvwxyz0123456789");
        // The client's own password is answered back as Nova does; only a
        // missing one is made up. Never recorded (a secret stays out of the log).
        answer.admin_pass = optional_text(s, "adminPass").value_or(random_admin_pass());
        base.admin_pass = answer.admin_pass;
        base.reservation_id = answer.reservation_id;
        if (!parse_networks(*rr, s, minor, create)) return;
        create.flavor_ref = flavor_ref;
        create.image_ref = image_ref.value_or("");
        // Nova's scheduler hints beside "server": a server group to join.
        for (const char* key : {"os:scheduler_hints", "OS-SCH-HNT:scheduler_hints"})
          if (body.contains(key) && body[key].is_object() && body[key].contains("group")) {
            const auto& g = body[key]["group"];
            if (!g.is_string())
              return respond_error(*rr, 400,
                                   "Invalid input for field/attribute group. It is not of type "
                                   "'string'");
            create.server_group = g.get<std::string>();
          }
        ctx.bridge.ask<created_servers>(
            rr, ctx.compute,
            [answer](responder& r1, created_servers& created) {
              answer_created(r1, answer, created);
            },
            create_servers_atom::value, std::move(create));
      });
}

// --- list ---

struct list_query {
  std::optional<int> limit;
  std::string marker;
  std::optional<std::string> status, image, flavor, host, project_id;
  // Regular expressions, compiled once per request (RE2: linear time).
  std::shared_ptr<const search_pattern> name, ip;
  std::optional<std::int64_t> changes_since;
  std::optional<std::string> reservation_id;
  // 2.26's tag filters, each a comma-separated list: all of tags, any of
  // tags-any, not all of not-tags, none of not-tags-any.
  std::vector<std::string> tags, tags_any, not_tags, not_tags_any;
  bool all_tenants = false;
};

std::vector<std::string> tag_list(const std::string& text) {
  std::vector<std::string> out;
  std::size_t from = 0;
  while (from <= text.size()) {
    const auto comma = std::min(text.find(',', from), text.size());
    if (comma > from) out.push_back(text.substr(from, comma - from));
    from = comma + 1;
  }
  return out;
}

bool has_tag(const instance_state& s, const std::string& tag) {
  return std::find(s.tags.begin(), s.tags.end(), tag) != s.tags.end();
}

std::optional<list_query> parse_list_query(responder& r, const Request& req, int minor) {
  list_query q;
  auto params = query_params(req);
  auto take = [&](const char* key) -> std::optional<std::string> {
    auto it = params.find(key);
    if (it == params.end()) return std::nullopt;
    return it->second;
  };
  if (auto l = take("limit")) {
    if (!is_small_integer(*l, true)) {
      respond_error(r, 400, "limit param must be an integer");
      return std::nullopt;
    }
    const int n = std::stoi(*l);
    if (n < 0) {
      respond_error(r, 400, "limit param must be positive");
      return std::nullopt;
    }
    q.limit = n;
  }
  q.marker = take("marker").value_or("");
  if (auto n = take("name")) q.name = std::make_shared<search_pattern>(*n);
  q.status = take("status");
  q.image = take("image");
  q.flavor = take("flavor");
  if (auto ip = take("ip")) q.ip = std::make_shared<search_pattern>(*ip);
  q.host = take("host");
  q.project_id = take("project_id");
  if (!q.project_id) q.project_id = take("tenant_id");
  if (auto cs = take("changes-since")) {
    std::string text = *cs;
    // A '+' of "+00:00" arrives as a space when the client did not encode it.
    std::replace(text.begin(), text.end(), ' ', '+');
    q.changes_since = parse_iso8601(text);
    if (!q.changes_since) {
      respond_error(r, 400,
                    "Invalid input for query parameters changes-since. Value: " + *cs + ". '" +
                        *cs + "' is not a 'date-time'");
      return std::nullopt;
    }
  }
  if (auto at = take("all_tenants")) q.all_tenants = at->empty() || query_flag(*at);
  q.reservation_id = take("reservation_id");
  if (minor >= 26) {
    q.tags = tag_list(take("tags").value_or(""));
    q.tags_any = tag_list(take("tags-any").value_or(""));
    q.not_tags = tag_list(take("not-tags").value_or(""));
    q.not_tags_any = tag_list(take("not-tags-any").value_or(""));
  }
  return q;
}

bool matches(const instance_state& s, const list_query& q, const token_info& t) {
  if (!s.exists()) return false;
  const bool admin = t.is_admin();
  const std::string own = t.project ? t.project->id : "";
  // Admins see every project with all_tenants (or one with project_id);
  // anyone else only its own project.
  if (admin && q.project_id) {
    if (s.project_id != *q.project_id) return false;
  } else if (!(admin && q.all_tenants) && s.project_id != own) {
    return false;
  }
  if (q.name && !q.name->found_in(s.name)) return false;
  if (q.status) {
    std::string wanted = *q.status;
    std::transform(wanted.begin(), wanted.end(), wanted.begin(), ::toupper);
    if (api_status(s) != wanted) return false;
  }
  if (q.image && s.image_id != *q.image) return false;
  if (q.flavor && s.flavor.id != *q.flavor) return false;
  if (q.ip) {
    bool any = false;
    for (const auto& a : s.addresses) any = any || q.ip->found_in(a.ip_address);
    if (!any) return false;
  }
  if (admin && q.host && s.host != *q.host) return false;  // a member's host filter is ignored
  if (q.changes_since && s.updated_at_us < *q.changes_since) return false;
  if (q.reservation_id && s.reservation_id != *q.reservation_id) return false;
  auto all_of = [&](const std::vector<std::string>& tags) {
    return std::all_of(tags.begin(), tags.end(), [&](const auto& t) { return has_tag(s, t); });
  };
  auto any_of = [&](const std::vector<std::string>& tags) {
    return std::any_of(tags.begin(), tags.end(), [&](const auto& t) { return has_tag(s, t); });
  };
  if (!all_of(q.tags)) return false;
  if (!q.tags_any.empty() && !any_of(q.tags_any)) return false;
  if (!q.not_tags.empty() && all_of(q.not_tags)) return false;
  if (any_of(q.not_tags_any)) return false;
  return true;
}

void list_servers(server_context& ctx, const Request& req, std::shared_ptr<responder> r,
                  bool detail, int minor) {
  auto q = parse_list_query(*r, req, minor);
  if (!q) return;
  const std::string url = compute_url(req, ctx);
  const std::string path = servers_path + (detail ? "/detail" : "");
  with_token(
      ctx, auth_token_of(req), r,
      [&ctx, q = *q, detail, minor, url, path](std::shared_ptr<responder> rr, token_info& t) {
        const std::string action = detail ? "detail" : "index";
        const target own{t.project ? t.project->id : "", t.user.id};
        if (!enforce(*rr, ctx, t, "os_compute_api:servers:" + action, own)) return;
        if (q.all_tenants &&
            !enforce(*rr, ctx, t, "os_compute_api:servers:" + action + ":get_all_tenants", own))
          return;
        ctx.bridge.ask<std::vector<instance_state>>(
            rr, ctx.conductor,
            [&ctx, q, t, detail, minor, url, path](std::shared_ptr<responder> r3,
                                                   std::vector<instance_state>& listed) {
              // Kept alive until the page is rendered (after networking's answer).
              auto all = std::make_shared<std::vector<instance_state>>(std::move(listed));
              std::vector<const instance_state*> hits;
              for (const auto& s : *all)
                if (matches(s, q, t)) hits.push_back(&s);
              // Newest first, as Nova's default sort (created_at desc).
              std::sort(hits.begin(), hits.end(), [](const auto* a, const auto* b) {
                return a->created_at_us != b->created_at_us ? a->created_at_us > b->created_at_us
                                                            : a->id > b->id;
              });
              std::size_t from = 0;
              if (!q.marker.empty()) {
                auto it = std::find_if(hits.begin(), hits.end(),
                                       [&](const auto* s) { return s->id == q.marker; });
                if (it == hits.end()) {
                  respond_error(*r3, 400, "marker [" + q.marker + "] not found");
                  return;
                }
                from = static_cast<std::size_t>(it - hits.begin()) + 1;
              }
              const std::size_t left = hits.size() - from;
              const std::size_t n = q.limit ? std::min<std::size_t>(left, *q.limit) : left;
              const std::vector<const instance_state*> page(
                  hits.begin() + static_cast<std::ptrdiff_t>(from),
                  hits.begin() + static_cast<std::ptrdiff_t>(from + n));
              auto render = [all, page, q, t, detail, minor, url, path](
                                std::shared_ptr<responder> r4, const floating_ips_by_port& fips) {
                const server_view v{minor, t.is_admin(), url, &fips};
                json items = json::array();
                for (const auto* s : page)
                  items.push_back(detail ? server_detail(*s, v) : server_summary(*s, url));
                json out = {{"servers", items}};
                // Nova adds a next link whenever a page is full.
                if (q.limit && page.size() == static_cast<std::size_t>(*q.limit) && !page.empty())
                  out["servers_links"] = json::array(
                      {{{"rel", "next"},
                        {"href", url + path.substr(std::string("/compute").size()) + "?limit=" +
                                     std::to_string(*q.limit) + "&marker=" + page.back()->id}}});
                respond(*r4, 200, out);
              };
              // The summary has no addresses; the detail asks networking once
              // for the page's floating IPs.
              if (!detail) return render(std::move(r3), floating_ips_by_port{});
              with_floating_ips(ctx, std::move(r3), page, render);
            },
            list_atom::value, instance_atom::value);
      });
}

// --- one server ---

// The caller's server: calls then() with it, or answers 404 (another
// project's server is as absent as a missing one).
void with_server(server_context& ctx, std::shared_ptr<responder> r, const token_info& t,
                 const std::string& id,
                 std::function<void(std::shared_ptr<responder>, instance_state&)> then) {
  ctx.bridge.ask_or<instance_state>(
      r, ctx.conductor,
      [t, id, then](std::shared_ptr<responder> rr, instance_state& s) {
        if (!server_visible(s, t)) {
          respond_server_not_found(*rr, id);
          return;
        }
        then(rr, s);
      },
      [id](responder& rr, const domain_error& e) {
        if (e.code == errc::not_found)
          respond_server_not_found(rr, id);
        else
          respond_error(rr, e);
      },
      caf::get_atom::value, instance_atom::value, id);
}

}  // namespace

void with_visible_server(server_context& ctx, std::shared_ptr<responder> r, const token_info& t,
                         const std::string& id,
                         std::function<void(std::shared_ptr<responder>, instance_state&)> then) {
  with_server(ctx, std::move(r), t, id, std::move(then));
}

std::optional<std::string> canonical_address(int family, const std::string& text) {
  in6_addr buf{};
  if (inet_pton(family, text.c_str(), &buf) != 1) return std::nullopt;
  char out[INET6_ADDRSTRLEN] = {};
  if (!inet_ntop(family, &buf, out, sizeof out)) return std::nullopt;
  return std::string(out);
}

std::string random_admin_pass() {
  return random_text(12, "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789");
}

void on_visible_server(server_context& ctx, const Request& req, std::shared_ptr<responder> r,
                       const std::string& rule, one_server_handler then) {
  const std::string id = param_of(req, ":id");
  with_token(ctx, auth_token_of(req), r,
             [&ctx, id, rule, then](std::shared_ptr<responder> rr, token_info& t) {
               with_server(ctx, rr, t, id,
                           [&ctx, t, rule, then](std::shared_ptr<responder> r3, instance_state& s) {
                             if (!enforce(*r3, ctx, t, rule, {s.project_id, s.user_id})) return;
                             then(r3, t, s);
                           });
             });
}

void change_server(server_context& ctx, std::shared_ptr<responder> r, const token_info& t,
                   const std::string& id, instance::command c, changed_server_handler answered) {
  ctx.bridge.ask<instance_state>(
      r, ctx.compute,
      [answered](std::shared_ptr<responder> rr, instance_state& s) { answered(rr, s); },
      action_atom::value, id, std::move(c),
      event_metadata{r->request_id(), t.user.id, t.is_admin()});
}

void add_server_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_server_route(router, ctx, http_method::post, servers_path,
                   [&ctx](const Request& req, std::shared_ptr<responder> r, int minor) {
                     create_server(ctx, req, std::move(r), minor);
                   });
  add_server_route(router, ctx, http_method::get, servers_path,
                   [&ctx](const Request& req, std::shared_ptr<responder> r, int minor) {
                     list_servers(ctx, req, std::move(r), false, minor);
                   });
  add_server_route(router, ctx, http_method::get, servers_path + "/detail",
                   [&ctx](const Request& req, std::shared_ptr<responder> r, int minor) {
                     list_servers(ctx, req, std::move(r), true, minor);
                   });

  add_server_route(
      router, ctx, http_method::get, servers_path + "/:id",
      [&ctx](const Request& req, std::shared_ptr<responder> r, int minor) {
        const std::string id = param_of(req, ":id");
        const std::string url = compute_url(req, ctx);
        with_token(
            ctx, auth_token_of(req), r,
            [&ctx, id, url, minor](std::shared_ptr<responder> rr, token_info& t) {
              with_server(
                  ctx, rr, t, id,
                  [&ctx, t, url, minor](std::shared_ptr<responder> r3, instance_state& s) {
                    if (!enforce(*r3, ctx, t, "os_compute_api:servers:show",
                                 {s.project_id, s.user_id}))
                      return;
                    auto server = std::make_shared<const instance_state>(std::move(s));
                    with_floating_ips(ctx, std::move(r3), {server.get()},
                                      [server, t, url, minor](std::shared_ptr<responder> r4,
                                                              const floating_ips_by_port& fips) {
                                        const server_view v{minor, t.is_admin(), url, &fips};
                                        respond(*r4, 200, {{"server", server_detail(*server, v)}});
                                      });
                  });
            });
      });

  add_server_route(
      router, ctx, http_method::put, servers_path + "/:id",
      [&ctx](const Request& req, std::shared_ptr<responder> r, int minor) {
        auto body = json_request(ctx, req, *r, "compute_server_update");
        if (!body) return;
        const std::string id = param_of(req, ":id");
        const std::string url = compute_url(req, ctx);
        with_token(
            ctx, auth_token_of(req), r,
            [&ctx, id, url, minor, body = std::move(*body)](std::shared_ptr<responder> rr,
                                                            token_info& t) {
              with_server(
                  ctx, rr, t, id,
                  [&ctx, t, url, minor, body](std::shared_ptr<responder> r3, instance_state& s) {
                    if (!enforce(*r3, ctx, t, "os_compute_api:servers:update",
                                 {s.project_id, s.user_id}))
                      return;
                    const auto& u = body["server"];
                    instance::update change;
                    if (!allowed_at(*r3, u, "description", minor, 19) ||
                        !access_ip(*r3, u, "accessIPv4", AF_INET, change.access_ip_v4.emplace()) ||
                        !access_ip(*r3, u, "accessIPv6", AF_INET6, change.access_ip_v6.emplace()))
                      return;
                    if (!u.contains("accessIPv4")) change.access_ip_v4.reset();
                    if (!u.contains("accessIPv6")) change.access_ip_v6.reset();
                    if (u.contains("description")) change.description = description_of(u);
                    const server_view view{minor, t.is_admin(), url};
                    auto answer = [&ctx, view](std::shared_ptr<responder> r4,
                                               instance_state& changed) {
                      auto server = std::make_shared<const instance_state>(std::move(changed));
                      with_floating_ips(
                          ctx, std::move(r4), {server.get()},
                          [server, view](std::shared_ptr<responder> r5,
                                         const floating_ips_by_port& fips) {
                            server_view v = view;
                            v.floating = &fips;
                            respond(*r5, 200, {{"server", server_update_view(*server, v)}});
                          });
                    };
                    const event_metadata meta{r3->request_id(), t.user.id, t.is_admin()};
                    // A rename and the other fields are two commands of the
                    // instance; the answer shows both.
                    auto then_update = [&ctx, id = s.id, change, meta, answer](
                                           std::shared_ptr<responder> r4, instance_state&) {
                      ctx.bridge.ask<instance_state>(r4, ctx.compute, answer, action_atom::value,
                                                     id, instance::command{change}, meta);
                    };
                    if (!u.contains("name")) {
                      instance_state unchanged = s;
                      then_update(r3, unchanged);
                      return;
                    }
                    ctx.bridge.ask_or<instance_state>(
                        r3, ctx.compute, then_update,
                        [](responder& r4, const domain_error& e) { respond_error(r4, e); },
                        action_atom::value, s.id,
                        instance::command{instance::rename{u["name"].get<std::string>()}}, meta);
                  });
            });
      });

  add_server_route(
      router, ctx, http_method::del, servers_path + "/:id",
      [&ctx](const Request& req, std::shared_ptr<responder> r, int) {
        const std::string id = param_of(req, ":id");
        with_token(
            ctx, auth_token_of(req), r, [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
              with_server(ctx, rr, t, id,
                          [&ctx, t](std::shared_ptr<responder> r3, instance_state& s) {
                            if (!enforce(*r3, ctx, t, "os_compute_api:servers:delete",
                                         {s.project_id, s.user_id}))
                              return;
                            // The door deletes it and frees its quota.
                            ctx.bridge.ask<instance_state>(
                                r3, ctx.compute,
                                [](responder& r4, instance_state&) { respond(r4, 204, no_body); },
                                caf::delete_atom::value, instance_atom::value, s.id,
                                event_metadata{r3->request_id(), t.user.id, t.is_admin()});
                          });
            });
      });

  add_server_action_routes(router, ctx);
  add_server_metadata_routes(router, ctx);
  add_server_tag_routes(router, ctx);
  add_server_ip_routes(router, ctx);
  add_server_security_group_routes(router, ctx);
  add_server_password_routes(router, ctx);
  add_server_interface_routes(router, ctx);
  add_server_volume_routes(router, ctx);
  add_server_diagnostics_routes(router, ctx);
  add_remote_console_routes(router, ctx);
  add_instance_action_routes(router, ctx);
}

}  // namespace cumulo::api
