// Neutron's agents and availability zones at the networking door. The
// agents are the roles of the network host (actors/network_host.hpp): its
// DHCP, L3 and metadata agents, registered as agent/<uuid> streams when
// the host first reports (when agents or zones are first asked about;
// again after an admin deleted one). Whether one is alive is asked of the
// host each time it is shown.
//   (list_atom, agent_atom, caller)             -> std::vector<agent_view>: an admin's
//       (get_agent); anyone else sees none, as in Neutron
//   (caf::get_atom, agent_atom, id, caller)     -> agent_view (AgentNotFound)
//   (command_atom, id, agent::command, meta, caller) -> agent_view: update (update_agent),
//       remove (delete_agent; one whose host still reports comes back with a new id, as
//       in Neutron)
//   (list_atom, agent_atom, network_atom | router_atom, id, caller) -> std::vector<agent_view>:
//       the DHCP agents hosting a network (get_dhcp-agents), the L3 agents hosting a router
//       (get_l3-agents)
//   (list_atom, zone_atom, caller)              -> std::vector<availability_zone_view>: a
//       zone per resource its agents serve (DHCP: network, L3: router), available while one
//       of them is administratively up
#pragma once

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/agent_state.hpp"

namespace cumulo {

using zone_atom = caf::atom_constant<caf::atom("zone")>;

struct agent_view {
  agent_state agent;
  bool alive = false;
  std::int64_t heartbeat_at_us = 0;  // when its host last answered (0: never)
  std::int64_t started_at_us = 0;    // when its host started
  // What it serves now, by Neutron's configuration keys (networks, subnets,
  // ports; routers, interfaces, floating_ips, ex_gw_ports).
  std::map<std::string, std::int64_t> load;
};

struct availability_zone_view {
  std::string name;
  std::string resource;  // "network", "router"
  bool available = false;
};

}  // namespace cumulo

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::agent_view)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<cumulo::agent_view>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<cumulo::availability_zone_view>)
