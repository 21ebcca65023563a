// Security groups as libvirt nwfilters: one filter per port, built from the
// rules of the port's security groups. Pure XML: the driver defines the
// filter before the guest starts and references it from the port's
// <interface>. Deny by default on ingress, as Neutron: ARP and DHCP replies
// pass, the guest's own traffic goes out and its replies come back (the
// rules are stateful), and new inbound traffic passes only where an ingress
// rule allows it.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "engine/network_state.hpp"
#include "engine/security_group_state.hpp"

namespace cumulo {

// "cumulo-port-<port id>": the nwfilter of a port.
std::string port_nwfilter_name(const std::string& port_id);
// True for the names port_nwfilter_name makes (to reap leftovers).
bool is_port_nwfilter_name(const std::string& name);

// The filter of port `port_id` (its uuid is the port id, so a redefinition
// replaces the filter in place and libvirt reapplies it to running guests).
// `rules`: the rules of all the port's groups. `group_addresses`: the
// addresses or prefixes each group a rule names as its remote_group_id
// admits (a group missing here admits nobody). Egress rules are
// not narrowed: all egress is allowed (documented limitation). Rules whose
// protocol nwfilter can't express are left out, which only denies more.
std::string port_nwfilter_xml(
    const std::string& port_id, const std::vector<security_group::rule>& rules,
    const std::map<std::string, std::vector<std::string>>& group_addresses);

// The filter of port `port_id` of network `n` from the cloud's groups: the
// rules of the groups the port names. A rule's remote_group_id admits the
// whole network's subnets (wider than Neutron, which admits the group's
// members only: the filter is made at spawn, when the members launched
// with this guest may not have their ports yet; networks are isolated
// from each other, so no other network's guest gets in). "" when the
// network has no such port.
std::string port_nwfilter_xml(const network_state& n, const std::string& port_id,
                              const std::vector<security_group_state>& groups);

}  // namespace cumulo
