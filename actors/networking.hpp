// The networking actor: Neutron's front door in the actor core. Each
// network is still a network actor under the conductor that owns its
// subnets, ports and their addresses (parallel port creations on one
// network are serialised there, so no address is handed out twice); this
// actor keeps the index the API needs to find them (which network holds a
// subnet or a port), hands out MAC addresses unique across the cloud, and
// answers lists without asking every network actor.
//
//   (command_atom, network_id, network::command, meta)  -> network_state
//   (command_atom, subnet_atom, subnet_id, network::command, meta) -> network_state
//   (command_atom, port_atom, port_id, network::command, meta)     -> network_state
//       the command goes to the network that holds the subnet or port
//       (SubnetNotFound, PortNotFound otherwise)
//   (caf::get_atom, network_atom, id)   -> network_state (NetworkNotFound)
//   (caf::get_atom, subnet_atom, id)    -> network_state holding it (SubnetNotFound)
//   (caf::get_atom, port_atom, id)      -> network_state holding it (PortNotFound)
//   (list_atom, network_atom)           -> std::vector<network_state>
// A create_port without a MAC address gets a fresh fa:16:3e:xx:xx:xx one.
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "actors/messages.hpp"

namespace cumulo {

using subnet_atom = caf::atom_constant<caf::atom("subnet")>;
using port_atom = caf::atom_constant<caf::atom("port")>;

caf::actor spawn_networking(caf::actor_system& sys, caf::actor conductor);

}  // namespace cumulo
