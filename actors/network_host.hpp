// The network host: the hypervisor side of networks. It owns a libvirt
// connection (detached: libvirt calls block) and keeps libvirt's networks
// equal to the network states the networking actor sends it. When libvirt
// can't be opened it says so once and ignores what it is sent: networks
// still work through the API, without bridges.
//   (sync_atom, network_state)             -> (no answer)
//   (get_atom, libvirt_atom, network_id)   -> std::string: the live XML, "" when none
//   (get_atom, health_atom)                -> network_host_health: what Neutron's agents of
//       this host (DHCP, L3, metadata) report; answered behind the changes sent before
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <cstdint>
#include <string>

#include "actors/messages.hpp"

namespace cumulo {

using sync_atom = caf::atom_constant<caf::atom("sync")>;
using libvirt_atom = caf::atom_constant<caf::atom("libvirt")>;
using health_atom = caf::atom_constant<caf::atom("health")>;

struct network_host_health {
  std::string host;      // the machine's name
  bool libvirt = false;  // its libvirt connection is open: networks get bridges
  std::int64_t started_at_us = 0;
};

caf::actor spawn_network_host(caf::actor_system& sys, const std::string& hypervisor_uri);

}  // namespace cumulo

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::network_host_health)
