// A server's floating IPs, for the addresses Nova shows: the floating IP
// association lives in networking (Neutron's), not in the instance, so the
// servers routes ask networking once per answer - for one server, or for a
// whole page of them - and render its answer beside the instance's ports.
#include <caf/error.hpp>

#include "actors/networking.hpp"
#include "api/compute_servers.hpp"

namespace cumulo::api {

void with_floating_ips(
    server_context& ctx, std::shared_ptr<responder> r,
    const std::vector<const instance_state*>& servers,
    std::function<void(std::shared_ptr<responder>, const floating_ips_by_port&)> then) {
  std::vector<std::string> port_ids;
  for (const auto* s : servers)
    for (const auto& a : s->addresses) port_ids.push_back(a.port_id);
  // No port, no floating IP: nothing to ask.
  if (port_ids.empty() || !ctx.networking) return then(std::move(r), floating_ips_by_port{});
  ctx.bridge.ask_or_else<std::vector<floatingip_state>>(
      std::move(r), ctx.networking,
      [then](std::shared_ptr<responder> rr, std::vector<floatingip_state>& fips) {
        floating_ips_by_port out;
        for (const auto& f : fips) out[f.port_id].push_back(f.floating_ip_address);
        then(std::move(rr), out);
      },
      // Networking's silence does not hide the servers: they are shown with
      // their fixed addresses (as Nova shows its cache when Neutron is away).
      [then](std::shared_ptr<responder> rr, const caf::error& e) {
        rr->log().warn("servers shown without floating IPs: networking did not answer ({})",
                       caf::to_string(e));
        then(std::move(rr), floating_ips_by_port{});
      },
      list_atom::value, floatingip_atom::value, port_atom::value, std::move(port_ids));
}

}  // namespace cumulo::api
