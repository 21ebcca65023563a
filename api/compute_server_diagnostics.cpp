// GET /compute/v2.1/servers/{id}/diagnostics (os-server-diagnostics, admin):
// what libvirt itself says of the server's domain (its state, vCPU times,
// memory, each NIC's and disk's counters), asked of its compute host, not
// what the event log says. A server with no host yet is 409
// (Nova's InstanceNotReady); one whose host has no domain for it is 404
// (libvirt's InstanceNotFound, as Nova answers it): the two disagreeing is
// what a crash drill looks for.
#include <algorithm>

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
// libvirt driver's free-form keys were never a contract). Counters are
// libvirt's; a NIC or disk it does not report (the test driver reports
// none) shows zeros, and a NIC is named by its port's MAC, in the
// instance's order of ports.
nlohmann::json diagnostics_json(const instance_state& s, const domain_diagnostics& d) {
  nlohmann::json nics = nlohmann::json::array();
  for (std::size_t i = 0; i < std::max(s.addresses.size(), d.nics.size()); ++i) {
    const auto n = i < d.nics.size() ? d.nics[i] : domain_diagnostics::nic{};
    const std::string mac = !n.mac.empty()           ? n.mac
                            : i < s.addresses.size() ? s.addresses[i].mac_address
                                                     : "";
    nics.push_back({{"mac_address", mac.empty() ? nlohmann::json(nullptr) : nlohmann::json(mac)},
                    {"rx_octets", n.rx_octets},
                    {"rx_errors", n.rx_errors},
                    {"rx_drop", n.rx_drop},
                    {"rx_packets", n.rx_packets},
                    {"rx_rate", nullptr},
                    {"tx_octets", n.tx_octets},
                    {"tx_errors", n.tx_errors},
                    {"tx_drop", n.tx_drop},
                    {"tx_packets", n.tx_packets},
                    {"tx_rate", nullptr}});
  }
  const int vcpus = d.vcpus > 0 ? d.vcpus : s.flavor.vcpus;
  nlohmann::json cpus = nlohmann::json::array();
  for (int i = 0; i < vcpus; ++i) {
    const auto at = static_cast<std::size_t>(i);
    cpus.push_back({{"id", i},
                    {"time", at < d.vcpu_time_ns.size() ? d.vcpu_time_ns[at] : 0},
                    {"utilisation", nullptr}});
  }
  nlohmann::json disks = nlohmann::json::array();
  for (const auto& k : d.disks)
    disks.push_back({{"read_bytes", k.read_bytes},
                     {"read_requests", k.read_requests},
                     {"write_bytes", k.write_bytes},
                     {"write_requests", k.write_requests},
                     {"errors_count", k.errors}});
  if (disks.empty())
    disks.push_back({{"read_bytes", 0},
                     {"read_requests", 0},
                     {"write_bytes", 0},
                     {"write_requests", 0},
                     {"errors_count", 0}});
  const std::int64_t max_mib = d.memory_max_kib > 0 ? d.memory_max_kib / 1024 : s.flavor.memory_mb;
  return {{"state", diagnostics_state(d.state)},
          {"driver", "libvirt"},
          {"hypervisor", d.hypervisor},
          {"hypervisor_os", "linux"},
          {"uptime", nullptr},
          {"config_drive", d.config_drive},
          {"num_cpus", vcpus},
          {"num_nics", nics.size()},
          {"num_disks", disks.size()},
          {"memory_details", {{"maximum", max_mib}, {"used", d.memory_used_kib / 1024}}},
          {"cpu_details", cpus},
          {"nic_details", nics},
          {"disk_details", disks}};
}

void server_diagnostics(server_context& ctx, std::shared_ptr<responder> r, const token_info& t,
                        const std::string& id) {
  with_visible_server(
      ctx, std::move(r), t, id, [&ctx, t](std::shared_ptr<responder> rr, instance_state& s) {
        if (!enforce(*rr, ctx, t, "os_compute_api:os-server-diagnostics", {s.project_id})) return;
        const caf::actor host = s.host.empty() ? caf::actor{} : ctx.compute_hosts->get(s.host);
        if (!host)
          return respond_error(*rr, 409, "Instance " + s.id + " is not ready");
        ctx.bridge.ask<domain_diagnostics>(
            rr, host,
            [s](responder& r3, domain_diagnostics& d) {
              if (d.state == power_states::nostate)
                return respond_error(r3, 404, "Instance " + s.id + " could not be found.");
              respond(r3, 200, diagnostics_json(s, d));
            },
            caf::get_atom::value, diagnostics_atom::value, s.id);
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
