// The networking door's DHCP ports. Where the network host runs real DHCP
// servers (the tenant plane), each one needs an address of its own on each
// subnet it serves, as Neutron's DHCP agent has: a `network:dhcp` port of
// the network's project, one address per DHCP-enabled IPv4 subnet, no
// security groups. The door keeps that port equal to the subnets after
// every change of the network, and takes it out of the way of a subnet's or
// the network's delete (Neutron deletes it with them).
#include <algorithm>
#include <set>

#include "actors/networking_internal.hpp"
#include "store/ids.hpp"

namespace cumulo::networking_detail {
namespace {

const network::port* dhcp_port(const network_state& n) {
  for (const auto& [id, p] : n.ports)
    if (p.device_owner == "network:dhcp") return &p;
  return nullptr;
}

std::set<std::string> served_subnets(const network_state& n) {
  std::set<std::string> out;
  for (const auto& s : n.subnets)
    if (s.enable_dhcp && s.ip_version == 4) out.insert(s.id);
  return out;
}

std::set<std::string> subnets_of(const network::port& p) {
  std::set<std::string> out;
  for (const auto& f : p.fixed_ips) out.insert(f.subnet_id);
  return out;
}

void done(networking_actor* self, const std::string& network_id) {
  self->state.dhcp_port_changing.erase(network_id);
  keep_dhcp_port(self, network_id);  // what changed meanwhile
}

}  // namespace

void keep_dhcp_port(networking_actor* self, const std::string& network_id) {
  auto& st = self->state;
  if (!st.dhcp_ports || st.dhcp_port_changing.count(network_id)) return;
  auto it = st.networks.find(network_id);
  if (it == st.networks.end()) return;
  const auto& n = it->second;
  const auto want = served_subnets(n);
  const auto* port = dhcp_port(n);
  network::command c;
  if (!port) {
    if (want.empty()) return;
    network::create_port create;
    create.port_id = new_uuid();
    create.device_owner = "network:dhcp";
    create.device_id = "dhcp-" + network_id;
    create.project_id = n.project_id;
    create.default_security_group = false;
    create.port_security_enabled = false;
    create.fixed_ips = std::vector<network::fixed_ip>{};
    for (const auto& s : want) create.fixed_ips->push_back({s, ""});
    c = std::move(create);
  } else if (want.empty()) {
    c = network::delete_port{port->id};
  } else if (subnets_of(*port) != want) {
    network::update_port update;
    update.port_id = port->id;
    update.fixed_ips = std::vector<network::fixed_ip>{};
    for (const auto& s : want) update.fixed_ips->push_back({s, ""});  // an address kept
    c = std::move(update);
  } else {
    return;
  }
  st.dhcp_port_changing.insert(network_id);
  network_command(
      self, network_id, std::move(c), event_metadata{},
      [self, network_id](network_state&) { done(self, network_id); },
      [self, network_id](const caf::error& e) {
        spdlog::warn("networking: the DHCP port of network {}: {}", network_id,
                     from_caf_error(e).message);
        self->state.dhcp_port_changing.erase(network_id);
      });
}

void without_dhcp_port_then(networking_actor* self, const std::string& network_id,
                            const std::string& subnet_id, std::function<void()> then,
                            on_error fail) {
  auto& st = self->state;
  auto it = st.networks.find(network_id);
  const network::port* port = it == st.networks.end() ? nullptr : dhcp_port(it->second);
  if (!port) return then();
  network::command c;
  if (subnet_id.empty()) {
    // The network's delete: only when nothing else holds it (else the
    // delete is NetworkInUse, and the DHCP port stays).
    for (const auto& [id, p] : it->second.ports)
      if (p.device_owner != "network:dhcp" && p.device_owner != "network:floatingip") return then();
    c = network::delete_port{port->id};
  } else {
    const auto has = subnets_of(*port);
    if (!has.count(subnet_id)) return then();
    for (const auto& [id, p] : it->second.ports)
      if (p.device_owner != "network:dhcp")
        for (const auto& f : p.fixed_ips)
          if (f.subnet_id == subnet_id) return then();  // SubnetInUse all the same
    if (has.size() == 1) {
      c = network::delete_port{port->id};
    } else {
      network::update_port update;
      update.port_id = port->id;
      update.fixed_ips = std::vector<network::fixed_ip>{};
      for (const auto& s : has)
        if (s != subnet_id) update.fixed_ips->push_back({s, ""});
      c = std::move(update);
    }
  }
  // Held until the delete is done: the port must not come back between.
  st.dhcp_port_changing.insert(network_id);
  network_command(
      self, network_id, std::move(c), event_metadata{}, [then](network_state&) { then(); },
      [self, network_id, fail](const caf::error& e) {
        self->state.dhcp_port_changing.erase(network_id);
        fail(e);
      });
}

void dhcp_port_settled(networking_actor* self, const std::string& network_id) {
  if (self->state.dhcp_port_changing.erase(network_id)) keep_dhcp_port(self, network_id);
}

}  // namespace cumulo::networking_detail
