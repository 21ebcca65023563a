// GET /compute/v2.1/servers/{id}/diagnostics (os-server-diagnostics, admin):
// what libvirt itself says of the server's domain, asked of its compute
// host, not what the event log says. A server with no host yet is 409
// (Nova's InstanceNotReady); one whose host has no domain for it is 404
// (libvirt's InstanceNotFound, as Nova answers it): the two disagreeing is
// what a crash drill looks for.
#include "actors/compute_host.hpp"
#include "api/auth.hpp"
#include "api/compute_servers.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

using Pistache::Rest::Request;

// libvirt's domain state as Nova's diagnostics name it.
const char* diagnostics_state(power_states p) {
  switch (p) {
    case power_states::running:
      return "running";
    case power_states::paused:
      return "paused";
    case power_states::shutdown:
      return "shutdown";
    case power_states::crashed:
      return "crashed";
    case power_states::suspended:
      return "suspended";
    case power_states::nostate:
      break;
  }
  return "pending";
}

// The standard body of 2.48; older microversions get the same fields (the
// libvirt driver's free-form keys were never a contract).
nlohmann::json diagnostics_json(const instance_state& s, power_states p) {
  nlohmann::json nics = nlohmann::json::array();
  for (const auto& a : s.addresses)
    nics.push_back({{"mac_address", a.mac_address},
                    {"rx_octets", 0},
                    {"rx_errors", 0},
                    {"rx_drop", 0},
                    {"rx_packets", 0},
                    {"rx_rate", nullptr},
                    {"tx_octets", 0},
                    {"tx_errors", 0},
                    {"tx_drop", 0},
                    {"tx_packets", 0},
                    {"tx_rate", nullptr}});
  nlohmann::json cpus = nlohmann::json::array();
  for (int i = 0; i < s.flavor.vcpus; ++i)
    cpus.push_back({{"id", i}, {"time", 0}, {"utilisation", nullptr}});
  return {{"state", diagnostics_state(p)},
          {"driver", "libvirt"},
          {"hypervisor", "test"},
          {"hypervisor_os", "linux"},
          {"uptime", nullptr},
          {"config_drive", false},
          {"num_cpus", s.flavor.vcpus},
          {"num_nics", s.addresses.size()},
          {"num_disks", 1},
          {"memory_details", {{"maximum", s.flavor.memory_mb}, {"used", 0}}},
          {"cpu_details", cpus},
          {"nic_details", nics},
          {"disk_details", nlohmann::json::array({{{"read_bytes", 0},
                                                   {"read_requests", 0},
                                                   {"write_bytes", 0},
                                                   {"write_requests", 0},
                                                   {"errors_count", 0}}})}};
}

void server_diagnostics(server_context& ctx, std::shared_ptr<responder> r, const token_info& t,
                        const std::string& id) {
  with_visible_server(
      ctx, std::move(r), t, id, [&ctx, t](std::shared_ptr<responder> rr, instance_state& s) {
        if (!enforce(*rr, ctx, t, "os_compute_api:os-server-diagnostics", {s.project_id})) return;
        const caf::actor host = s.host.empty() ? caf::actor{} : ctx.compute_hosts->get(s.host);
        if (!host)
          return respond_error(*rr, 409, "Instance " + s.id + " is not ready");
        ctx.bridge.ask<power_states>(
            rr, host,
            [s](responder& r3, power_states p) {
              if (p == power_states::nostate)
                return respond_error(r3, 404, "Instance " + s.id + " could not be found.");
              respond(r3, 200, diagnostics_json(s, p));
            },
            caf::get_atom::value, power_atom::value, s.id);
      });
}

}  // namespace

void add_server_diagnostics_routes(Pistache::Rest::Router& router, server_context& ctx) {
  add_server_route(router, ctx, http_method::get, servers_path + "/:id/diagnostics",
                   [&ctx](const Request& req, std::shared_ptr<responder> r, int) {
                     const std::string id = param_of(req, ":id");
                     with_token(ctx, auth_token_of(req), r,
                                [&ctx, id](std::shared_ptr<responder> rr, token_info& t) {
                                  server_diagnostics(ctx, std::move(rr), t, id);
                                });
                   });
}

}  // namespace cumulo::api
