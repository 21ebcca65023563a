// The network host: the hypervisor side of networks. It owns a libvirt
// connection (detached: libvirt calls block) and keeps libvirt's networks
// equal to the network states the networking actor sends it. When libvirt
// can't be opened it says so once and ignores what it is sent: networks
// still work through the API, without bridges.
//   (sync_atom, network_state)             -> (no answer)
//   (get_atom, libvirt_atom, network_id)   -> std::string: the live XML, "" when none
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <string>

#include "actors/messages.hpp"

namespace cumulo {

using sync_atom = caf::atom_constant<caf::atom("sync")>;
using libvirt_atom = caf::atom_constant<caf::atom("libvirt")>;

caf::actor spawn_network_host(caf::actor_system& sys, const std::string& hypervisor_uri);

}  // namespace cumulo
