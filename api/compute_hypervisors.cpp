// Nova's view of the compute hosts (the scheduler's host streams):
// /os-hypervisors (list, detail, show, statistics, uptime, servers),
// /os-services (nova-compute per host, plus the nova-scheduler and
// nova-conductor of this process; enable and disable a compute service),
// /os-availability-zone (one zone, "nova", and "internal" for the control
// services) and /os-aggregates (none; `hypervisor show` reads it).
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>

#include <spdlog/spdlog.h>

#include "actors/compute.hpp"
#include "actors/compute_host.hpp"
#include "api/auth.hpp"
#include "api/compute.hpp"
#include "api/compute_views.hpp"
#include "engine/clock.hpp"
#include "store/host_name.hpp"
#include "store/wall_clock.hpp"
#include "engine/ids.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

using Pistache::Rest::Request;

const std::string hypervisors_path = compute_root + "/os-hypervisors";
const std::string services_path = compute_root + "/os-services";

using hosts_then =
    std::function<void(std::shared_ptr<responder>, std::vector<host_state>&, const domain_counts&)>;
using hosts_as_then =
    std::function<void(std::shared_ptr<responder>, std::vector<host_state>&, const std::string&)>;

// Counts the domains of each compute host, one host after the other (a
// handful), asking libvirt through the host's actor; then `then`.
using host_actors = std::map<std::string, caf::actor>;
void count_domains(server_context& ctx, std::shared_ptr<responder> r,
                   std::shared_ptr<const host_actors> hosts, host_actors::const_iterator next,
                   std::shared_ptr<domain_counts> counts,
                   std::function<void(std::shared_ptr<responder>, const domain_counts&)> then) {
  if (next == hosts->cend()) return then(std::move(r), *counts);
  const std::string name = next->first;
  ctx.bridge.ask_or_else<domain_power_states>(
      std::move(r), next->second,
      [&ctx, hosts, next, counts, then, name](std::shared_ptr<responder> rr,
                                              domain_power_states& d) {
        (*counts)[name] = static_cast<int>(d.size());
        count_domains(ctx, std::move(rr), hosts, std::next(next), counts, then);
      },
      // A host whose libvirt does not answer keeps the log's count, as Nova
      // shows a broken compute node's last report rather than failing.
      [&ctx, hosts, next, counts, then, name](std::shared_ptr<responder> rr, const caf::error& e) {
        spdlog::warn("running_vms of {}: libvirt did not answer ({}); the log's count stands", name,
                     caf::to_string(e));
        count_domains(ctx, std::move(rr), hosts, std::next(next), counts, then);
      },
      list_atom::value, power_atom::value);
}

// Checks the rule (before any lookup: a member gets 403 even for an id that
// does not exist), then calls `then` with the hosts in registration order
// and libvirt's count of domains on each.
void with_hosts(server_context& ctx, const Request& req, std::shared_ptr<responder> r,
                const std::string& rule, hosts_then then) {
  with_token(
      ctx, auth_token_of(req), r, [&ctx, rule, then](std::shared_ptr<responder> rr, token_info& t) {
        if (!enforce(*rr, ctx, t, rule, {project_of(t), t.user.id})) return;
        ctx.bridge.ask<std::vector<host_state>>(
            rr, ctx.compute,
            [&ctx, then](std::shared_ptr<responder> r3, std::vector<host_state>& hosts) {
              auto ordered =
                  std::make_shared<std::vector<host_state>>(hosts_in_order(std::move(hosts)));
              // The hosts of this moment: a crashed one may be replaced meanwhile.
              auto actors = std::make_shared<const host_actors>(ctx.compute_hosts->all());
              count_domains(
                  ctx, std::move(r3), actors, actors->cbegin(), std::make_shared<domain_counts>(),
                  [then, ordered](std::shared_ptr<responder> r4, const domain_counts& counts) {
                    then(std::move(r4), *ordered, counts);
                  });
            },
            list_atom::value, hypervisor_atom::value);
      });
}

// with_hosts, and the caller's user id (for the events of a change).
void with_hosts_as(server_context& ctx, const Request& req, std::shared_ptr<responder> r,
                   const std::string& rule, hosts_as_then then) {
  with_token(ctx, auth_token_of(req), r,
             [&ctx, rule, then](std::shared_ptr<responder> rr, token_info& t) {
               if (!enforce(*rr, ctx, t, rule, {project_of(t), t.user.id})) return;
               const std::string user = t.user.id;
               ctx.bridge.ask<std::vector<host_state>>(
                   rr, ctx.compute,
                   [then, user](std::shared_ptr<responder> r3, std::vector<host_state>& hosts) {
                     auto ordered = hosts_in_order(std::move(hosts));
                     then(std::move(r3), ordered, user);
                   },
                   list_atom::value, hypervisor_atom::value);
             });
}

// A host by the id the microversion shows (a UUID, or its position).
const host_state* find_host(const std::vector<host_state>& hosts, const std::string& id,
                            microversion v) {
  for (const auto& h : hosts) {
    const auto shown = hypervisor_id(hosts, h, v);
    if ((shown.is_string() && shown.get<std::string>() == id) ||
        (shown.is_number() && std::to_string(shown.get<int>()) == id))
      return &h;
  }
  return nullptr;
}

void hypervisor_not_found(responder& r, const std::string& id) {
  respond_error(r, 404, "Hypervisor " + id + " could not be found.");
}

// `uptime`'s line, as Nova's libvirt driver reports it.
std::string uptime_line() {
  double seconds = 0;
  std::ifstream("/proc/uptime") >> seconds;
  double load[3] = {0, 0, 0};
  std::ifstream("/proc/loadavg") >> load[0] >> load[1] >> load[2];
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  const long total_min = static_cast<long>(seconds) / 60;
  const long days = total_min / (24 * 60);
  char buf[160];
  std::snprintf(buf, sizeof buf,
                " %02d:%02d:%02d up %ld day%s, %2ld:%02ld,  0 users,  load average: %.2f, %.2f, "
                "%.2f",
                tm.tm_hour, tm.tm_min, tm.tm_sec, days, days == 1 ? "" : "s", (total_min / 60) % 24,
                total_min % 60, load[0], load[1], load[2]);
  return buf;
}

// What with_servers names a claim held by a move (a resize's source keeps
// one under the migration's id): not a server's name (no name has a NUL).
const std::string move_claim("\0move", 5);

// The servers on a host: its claims, named from the instances' states.
void with_servers(server_context& ctx, std::shared_ptr<responder> r,
                  std::function<void(responder&, const std::map<std::string, std::string>&)> then) {
  ctx.bridge.ask<std::vector<instance_state>>(
      std::move(r), ctx.conductor,
      [then](responder& r3, std::vector<instance_state>& all) {
        std::map<std::string, std::string> names;
        for (const auto& i : all) {
          names[i.id] = i.name;
          // A resize's source holds a claim under the migration's id.
          if (i.migration) names[i.migration->id] = move_claim;
        }
        then(r3, names);
      },
      list_atom::value, instance_atom::value);
}

nlohmann::json servers_of(const host_state& h, const std::map<std::string, std::string>& names) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [id, _] : h.claims) {
    auto it = names.find(id);
    if (it != names.end() && it->second == move_claim) continue;  // no server of its own
    out.push_back({{"uuid", id}, {"name", it == names.end() ? "" : it->second}});
  }
  return out;
}

// --- services ---

std::string controller_host() {
  return host_name();
}

struct service_view {
  std::string binary, host, zone;
  bool enabled = true;
  std::string disabled_reason;
  std::int64_t updated_us = 0;
  nlohmann::json id;
  bool forced_down = false;
};

std::vector<service_view> services_of(const std::vector<host_state>& hosts, microversion v) {
  std::vector<service_view> out;
  const std::string ctl = controller_host();
  const std::int64_t now = now_us();
  int n = 0;
  for (const char* binary : {"nova-scheduler", "nova-conductor"}) {
    ++n;
    out.push_back({binary, ctl, "internal", true, "", now,
                   v.at_least(53) ? nlohmann::json(service_uuid(binary, ctl)) : nlohmann::json(n)});
  }
  for (const auto& h : hosts) {
    ++n;
    out.push_back(
        {"nova-compute", h.id, "nova", h.enabled, h.disabled_reason, h.updated_at_us,
         v.at_least(53) ? nlohmann::json(service_uuid("nova-compute", h.id)) : nlohmann::json(n),
         h.forced_down});
  }
  return out;
}

nlohmann::json service_json(const service_view& s, microversion v) {
  nlohmann::json j = {{"id", s.id},
                      {"binary", s.binary},
                      {"host", s.host},
                      {"zone", s.zone},
                      {"status", s.enabled ? "enabled" : "disabled"},
                      {"state", s.forced_down ? "down" : "up"},
                      {"updated_at", format_iso8601_us(s.updated_us)},
                      {"disabled_reason", s.enabled || s.disabled_reason.empty()
                                              ? nlohmann::json(nullptr)
                                              : nlohmann::json(s.disabled_reason)}};
  if (v.at_least(11)) j["forced_down"] = s.forced_down;
  return j;
}

// A host command for a host's nova-compute (enable, disable, force down),
// then `then` with its state.
void change_host(server_context& ctx, std::shared_ptr<responder> r, const std::string& user,
                 const std::string& host, host::command c,
                 std::function<void(std::shared_ptr<responder>, host_state&)> then) {
  event_metadata meta{r->request_id(), user};
  ctx.bridge.ask<host_state>(
      r, ctx.compute, [r, then](responder&, host_state& h) { then(r, h); }, command_atom::value,
      host, std::move(c), std::move(meta));
}

// Enables or disables a host's nova-compute, then `then` with its state.
void set_host_enabled(server_context& ctx, std::shared_ptr<responder> r, const std::string& user,
                      const std::string& host, bool enable, const std::string& reason,
                      std::function<void(responder&, host_state&)> then) {
  host::command c = enable ? host::command{host::enable{}} : host::command{host::disable{reason}};
  change_host(ctx, std::move(r), user, host, std::move(c),
              [then](std::shared_ptr<responder> r3, host_state& h) { then(*r3, h); });
}

void update_service(server_context& ctx, const Request& req, std::shared_ptr<responder> r,
                    microversion v) {
  const std::string id = param_of(req, ":service_id");
  if (!v.at_least(53)) {
    // Below 2.53 the "id" is an action on a host's service named in the body.
    const bool force_down = id == "force-down" && v.at_least(11);
    if (id != "enable" && id != "disable" && id != "disable-log-reason" && !force_down)
      return respond_error(*r, 404, "Unknown action");
    auto body = json_request(ctx, req, *r, "compute_service_action");
    if (!body) return;
    const std::string host = (*body)["host"].get<std::string>();
    const std::string binary = (*body)["binary"].get<std::string>();
    const std::string reason = body->value("disabled_reason", "");
    if (id == "disable-log-reason" && reason.empty())
      return respond_error(*r, 400, "Missing disabled reason field");
    if (force_down != body->contains("forced_down"))
      return respond_error(*r, 400,
                           force_down ? "Missing forced_down field"
                                      : "Additional properties are not allowed ('forced_down' "
                                        "was unexpected)");
    const bool down = body->value("forced_down", false);
    with_hosts_as(
        ctx, req, r, "os_compute_api:os-services:update",
        [&ctx, id, host, binary, reason, force_down, down](std::shared_ptr<responder> rr,
                                                           std::vector<host_state>& hosts,
                                                           const std::string& user) {
          bool known = false;
          for (const auto& h : hosts) known = known || h.id == host;
          if (!known || binary != "nova-compute")
            return respond_error(*rr, 404,
                                 "Service " + binary + " on host " + host + " not found.");
          if (force_down)
            return change_host(
                ctx, rr, user, host, host::force_down{down},
                [host, binary](std::shared_ptr<responder> r3, host_state& h) {
                  respond(*r3, 200,
                          {{"service",
                            {{"host", host}, {"binary", binary}, {"forced_down", h.forced_down}}}});
                });
          set_host_enabled(ctx, rr, user, host, id == "enable", reason,
                           [host, binary, id, reason](responder& r3, host_state& h) {
                             nlohmann::json s = {{"host", host},
                                                 {"binary", binary},
                                                 {"status", h.enabled ? "enabled" : "disabled"}};
                             if (id == "disable-log-reason") s["disabled_reason"] = reason;
                             respond(r3, 200, {{"service", s}});
                           });
        });
    return;
  }
  auto body = json_request(ctx, req, *r, "compute_service_update");
  if (!body) return;
  if (!is_uuid(id)) return respond_error(*r, 400, "Invalid uuid " + id);
  const auto status = optional_text(*body, "status");
  const auto reason = optional_text(*body, "disabled_reason");
  const std::optional<bool> down = body->contains("forced_down")
                                       ? std::optional<bool>((*body)["forced_down"].get<bool>())
                                       : std::nullopt;
  if (reason && status != "disabled")
    return respond_error(*r, 400,
                         "Specifying a disabled_reason is only supported when the status is "
                         "disabled.");
  with_hosts_as(
      ctx, req, r, "os_compute_api:os-services:update",
      [&ctx, v, id, status, reason, down](std::shared_ptr<responder> rr,
                                          std::vector<host_state>& hosts, const std::string& user) {
        for (const auto& s : services_of(hosts, v)) {
          if (s.id != id) continue;
          if (s.binary != "nova-compute")
            return respond_error(*rr, 400,
                                 "Updating a " + s.binary +
                                     " service is not supported. Only nova-compute "
                                     "services can be updated.");
          auto answer = [v, s](responder& r3, host_state& h) {
            service_view now = s;
            now.enabled = h.enabled;
            now.disabled_reason = h.disabled_reason;
            now.updated_us = h.updated_at_us;
            now.forced_down = h.forced_down;
            respond(r3, 200, {{"service", service_json(now, v)}});
          };
          // The status first, then forced_down (an admin's word that the
          // host is down: its servers may be evacuated).
          auto then_down = [&ctx, user, s, down, answer](std::shared_ptr<responder> r3,
                                                         host_state& h) {
            if (!down) return answer(*r3, h);
            change_host(
                ctx, r3, user, s.host, host::force_down{*down},
                [answer](std::shared_ptr<responder> r4, host_state& after) { answer(*r4, after); });
          };
          if (!status) {
            if (!down) return respond_error(*rr, 400, "Nothing to change.");
            host_state same;
            same.enabled = s.enabled;
            same.disabled_reason = s.disabled_reason;
            same.updated_at_us = s.updated_us;
            same.forced_down = s.forced_down;
            return then_down(rr, same);
          }
          host::command c = *status == "enabled"
                                ? host::command{host::enable{}}
                                : host::command{host::disable{reason.value_or("")}};
          change_host(ctx, rr, user, s.host, std::move(c), then_down);
          return;
        }
        respond_error(*rr, 404, "Service " + id + " could not be found.");
      });
}

nlohmann::json zone_services(const std::vector<service_view>& services, const std::string& zone) {
  nlohmann::json hosts = nlohmann::json::object();
  for (const auto& s : services)
    if (s.zone == zone)
      hosts[s.host][s.binary] = {{"available", s.enabled},
                                 {"active", s.enabled},
                                 {"updated_at", format_iso8601_us(s.updated_us)}};
  return hosts;
}

}  // namespace

void add_hypervisor_routes(Pistache::Rest::Router& router, server_context& ctx) {
  for (bool detail : {false, true})
    add_compute_route(
        router, ctx, http_method::get, hypervisors_path + (detail ? "/detail" : ""),
        [&ctx, detail](const Request& req, std::shared_ptr<responder> r, microversion v) {
          const auto with = query_of(req, "with_servers");
          const bool servers = v.at_least(53) && with && query_flag(*with);
          const auto pattern =
              v.at_least(53) ? query_of(req, "hypervisor_hostname_pattern") : std::nullopt;
          with_hosts(
              ctx, req, std::move(r),
              detail ? "os_compute_api:os-hypervisors:list-detail"
                     : "os_compute_api:os-hypervisors:list",
              [&ctx, v, detail, servers, pattern](std::shared_ptr<responder> rr,
                                                  std::vector<host_state>& hosts,
                                                  const domain_counts& domains) {
                auto answer = [v, detail, servers, pattern, hosts, domains](
                                  responder& r3, const std::map<std::string, std::string>& names) {
                  nlohmann::json out = nlohmann::json::array();
                  for (const auto& h : hosts) {
                    if (pattern && h.hypervisor_hostname.find(*pattern) == std::string::npos)
                      continue;
                    auto j = hypervisor_json(hosts, h, v, detail, domains);
                    if (servers) j["servers"] = servers_of(h, names);
                    out.push_back(std::move(j));
                  }
                  if (pattern && out.empty())
                    return respond_error(
                        r3, 404, "No hypervisor matching '" + *pattern + "' could be found.");
                  respond(r3, 200, {{"hypervisors", out}});
                };
                if (servers)
                  with_servers(ctx, rr, answer);
                else
                  answer(*rr, {});
              });
        });

  add_compute_route(router, ctx, http_method::get, hypervisors_path + "/statistics",
                    [&ctx](const Request& req, std::shared_ptr<responder> r, microversion v) {
                      // Gone at 2.88 (Placement has the figures).
                      if (v.at_least(88))
                        return respond_error(*r, 404, "The resource could not be found.");
                      with_hosts(
                          ctx, req, std::move(r), "os_compute_api:os-hypervisors:statistics",
                          [](std::shared_ptr<responder> rr, std::vector<host_state>& hosts,
                             const domain_counts& domains) {
                            nlohmann::json s = {{"count", 0},          {"vcpus", 0},
                                                {"vcpus_used", 0},     {"memory_mb", 0},
                                                {"memory_mb_used", 0}, {"local_gb", 0},
                                                {"local_gb_used", 0},  {"free_ram_mb", 0},
                                                {"free_disk_gb", 0},   {"current_workload", 0},
                                                {"running_vms", 0},    {"disk_available_least", 0}};
                            for (const auto& h : hosts) {
                              auto add = [&s](const char* k, std::int64_t x) {
                                s[k] = s[k].get<std::int64_t>() + x;
                              };
                              add("count", 1);
                              add("vcpus", h.vcpus);
                              add("vcpus_used", h.vcpus_used());
                              add("memory_mb", h.memory_mb);
                              add("memory_mb_used", h.memory_mb_used());
                              add("local_gb", h.local_gb);
                              add("local_gb_used", h.local_gb_used());
                              add("free_ram_mb", h.memory_mb - h.memory_mb_used());
                              add("free_disk_gb", h.local_gb - h.local_gb_used());
                              const auto counted = domains.find(h.id);
                              add("running_vms",
                                  counted == domains.end() ? h.running_vms() : counted->second);
                              add("disk_available_least", h.local_gb - h.local_gb_used());
                            }
                            respond(*rr, 200, {{"hypervisor_statistics", s}});
                          });
                    });

  add_compute_route(
      router, ctx, http_method::get, hypervisors_path + "/:id",
      [&ctx](const Request& req, std::shared_ptr<responder> r, microversion v) {
        const std::string id = param_of(req, ":id");
        const auto with = query_of(req, "with_servers");
        const bool servers = v.at_least(53) && with && query_flag(*with);
        with_hosts(
            ctx, req, std::move(r), "os_compute_api:os-hypervisors:show",
            [&ctx, v, id, servers](std::shared_ptr<responder> rr, std::vector<host_state>& hosts,
                                   const domain_counts& domains) {
              const host_state* h = find_host(hosts, id, v);
              if (!h) return hypervisor_not_found(*rr, id);
              auto j = hypervisor_json(hosts, *h, v, true, domains);
              if (v.at_least(88)) j["uptime"] = uptime_line();
              if (!servers) return respond(*rr, 200, {{"hypervisor", j}});
              const host_state host = *h;
              with_servers(ctx, rr,
                           [j, host](responder& r3,
                                     const std::map<std::string, std::string>& names) mutable {
                             j["servers"] = servers_of(host, names);
                             respond(r3, 200, {{"hypervisor", j}});
                           });
            });
      });

  add_compute_route(router, ctx, http_method::get, hypervisors_path + "/:id/uptime",
                    [&ctx](const Request& req, std::shared_ptr<responder> r, microversion v) {
                      if (v.at_least(88))
                        return respond_error(*r, 404, "The resource could not be found.");
                      const std::string id = param_of(req, ":id");
                      with_hosts(
                          ctx, req, std::move(r), "os_compute_api:os-hypervisors:uptime",
                          [v, id](std::shared_ptr<responder> rr, std::vector<host_state>& hosts,
                                  const domain_counts& domains) {
                            const host_state* h = find_host(hosts, id, v);
                            if (!h) return hypervisor_not_found(*rr, id);
                            auto j = hypervisor_json(hosts, *h, v, false, domains);
                            j["uptime"] = uptime_line();
                            respond(*rr, 200, {{"hypervisor", j}});
                          });
                    });

  // Below 2.53 a hostname pattern: the hosts that match, with their servers
  // (/servers) or without (/search).
  for (bool with_servers_list : {false, true})
    add_compute_route(
        router, ctx, http_method::get,
        hypervisors_path + "/:pattern/" + (with_servers_list ? "servers" : "search"),
        [&ctx, with_servers_list](const Request& req, std::shared_ptr<responder> r,
                                  microversion v) {
          if (v.at_least(53)) return respond_error(*r, 404, "The resource could not be found.");
          const std::string pattern = param_of(req, ":pattern");
          with_hosts(ctx, req, std::move(r),
                     with_servers_list ? "os_compute_api:os-hypervisors:servers"
                                       : "os_compute_api:os-hypervisors:search",
                     [&ctx, v, pattern, with_servers_list](std::shared_ptr<responder> rr,
                                                           std::vector<host_state>& hosts,
                                                           const domain_counts& domains) {
                       auto answer = [v, pattern, hosts, with_servers_list, domains](
                                         responder& r3,
                                         const std::map<std::string, std::string>& names) {
                         nlohmann::json out = nlohmann::json::array();
                         for (const auto& h : hosts) {
                           if (h.hypervisor_hostname.find(pattern) == std::string::npos) continue;
                           auto j = hypervisor_json(hosts, h, v, false, domains);
                           if (with_servers_list && !h.claims.empty())
                             j["servers"] = servers_of(h, names);
                           out.push_back(std::move(j));
                         }
                         if (out.empty())
                           return respond_error(
                               r3, 404, "No hypervisor matching '" + pattern + "' could be found.");
                         respond(r3, 200, {{"hypervisors", out}});
                       };
                       with_servers(ctx, rr, answer);
                     });
        });

  add_compute_route(router, ctx, http_method::get, compute_root + "/os-aggregates",
                    [&ctx](const Request& req, std::shared_ptr<responder> r, microversion) {
                      with_token(ctx, auth_token_of(req), r,
                                 [&ctx](std::shared_ptr<responder> rr, token_info& t) {
                                   if (!enforce(*rr, ctx, t, "os_compute_api:os-aggregates:index"))
                                     return;
                                   respond(*rr, 200, {{"aggregates", nlohmann::json::array()}});
                                 });
                    });

  add_compute_route(router, ctx, http_method::get, services_path,
                    [&ctx](const Request& req, std::shared_ptr<responder> r, microversion v) {
                      const auto host = query_of(req, "host");
                      const auto binary = query_of(req, "binary");
                      with_hosts(
                          ctx, req, std::move(r), "os_compute_api:os-services:list",
                          [v, host, binary](std::shared_ptr<responder> rr,
                                            std::vector<host_state>& hosts, const domain_counts&) {
                            nlohmann::json out = nlohmann::json::array();
                            for (const auto& s : services_of(hosts, v))
                              if ((!host || s.host == *host) && (!binary || s.binary == *binary))
                                out.push_back(service_json(s, v));
                            respond(*rr, 200, {{"services", out}});
                          });
                    });
  add_compute_route(router, ctx, http_method::put, services_path + "/:service_id",
                    [&ctx](const Request& req, std::shared_ptr<responder> r, microversion v) {
                      update_service(ctx, req, std::move(r), v);
                    });

  for (bool detail : {false, true})
    add_compute_route(
        router, ctx, http_method::get,
        compute_root + "/os-availability-zone" + (detail ? "/detail" : ""),
        [&ctx, detail](const Request& req, std::shared_ptr<responder> r, microversion v) {
          with_hosts(ctx, req, std::move(r),
                     detail ? "os_compute_api:os-availability-zone:detail"
                            : "os_compute_api:os-availability-zone:list",
                     [v, detail](std::shared_ptr<responder> rr, std::vector<host_state>& hosts,
                                 const domain_counts&) {
                       const auto services = services_of(hosts, v);
                       nlohmann::json zones = nlohmann::json::array();
                       bool nova_available = false;
                       for (const auto& h : hosts) nova_available = nova_available || h.enabled;
                       if (detail)
                         zones.push_back({{"zoneName", "internal"},
                                          {"zoneState", {{"available", true}}},
                                          {"hosts", zone_services(services, "internal")}});
                       if (!hosts.empty())
                         zones.push_back({{"zoneName", "nova"},
                                          {"zoneState", {{"available", nova_available}}},
                                          {"hosts", detail ? zone_services(services, "nova")
                                                           : nlohmann::json()}});
                       respond(*rr, 200, {{"availabilityZoneInfo", zones}});
                     });
        });
}

}  // namespace cumulo::api
