// Security groups as libvirt nwfilters: one filter per instance port,
// built from the rules of the port's security groups and the port's own
// addresses. Pure: the network host's port_filters (virt/port_filters.hpp)
// defines what these make, and the domain's <interface> references the
// filter by name. As Neutron's L2 agent firewall: deny by default on
// ingress (ARP, DHCP replies and neighbour discovery pass, the guest's own
// traffic goes out and its replies come back: the rules are stateful, and
// new inbound traffic passes only where an ingress rule allows it), and
// anti-spoofing: the guest sends only from its MAC and fixed IPs and its
// allowed_address_pairs. A port without port security is not filtered.
#pragma once

#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/network_state.hpp"
#include "engine/security_group_state.hpp"

namespace cumulo {

// "cumulo-port-<port id>": the nwfilter of a port.
std::string port_nwfilter_name(const std::string& port_id);
// True for the names port_nwfilter_name makes (to reap leftovers).
bool is_port_nwfilter_name(const std::string& name);
// The port id of such a name.
std::string port_of_nwfilter(const std::string& name);
// The port filters a domain's XML references (<filterref filter=...>).
std::set<std::string> port_nwfilters_referenced(const std::string& domain_xml);

// Whether a port gets a filter: an instance's port (device_owner
// "compute:<zone>" and a device_id), as Neutron's L2 agent filters the
// ports Nova plugs.
bool is_instance_port(const network::port& p);

// Everything one port's filter is made of.
struct port_filter_input {
  std::string port_id;
  bool port_security_enabled = true;
  std::string mac_address;
  std::vector<std::string> fixed_ips;
  std::vector<network::address_pair> allowed_address_pairs;  // MACs filled in
  // The rules of the port's groups (in the port's order of groups).
  std::vector<security_group::rule> rules;
  // Each group these rules name as remote_group_id: its members' addresses
  // (sorted, each once; a group without members admits nobody).
  std::map<std::string, std::vector<std::string>> remote_groups;
  bool operator==(const port_filter_input&) const = default;
};

// What each security group admits as a remote group: the fixed IPs and the
// allowed_address_pairs' ip_address (an address or a CIDR) of every port,
// on any network, whose security_groups contain it (Neutron's members).
std::map<std::string, std::set<std::string>> remote_group_members(
    const std::unordered_map<std::string, network_state>& networks);

// The inputs of every instance port of `networks` (by network id) with the
// cloud's `groups` (by id; a group not there adds no rule), by port id.
std::vector<port_filter_input> port_filter_inputs(
    const std::unordered_map<std::string, network_state>& networks,
    const std::unordered_map<std::string, security_group_state>& groups);

// The filter of one port (its uuid is the port id, so a redefinition
// replaces the filter in place and libvirt reapplies it to running guests).
// Its first rule carries a digest of the whole filter as its comment
// (nwfilter_digest): what libvirt holds can be compared with what is
// wanted without parsing libvirt's own rendering of it. Egress rules are
// not narrowed: all egress is allowed (documented limitation). Rules whose
// protocol nwfilter can't express are left out, which only denies more.
std::string port_nwfilter_xml(const port_filter_input& port);

// A filter that only denies ingress (no anti-spoofing): what a driver
// starts a guest with when the port's own filter never came (a guest is
// never started unfiltered). `rules` and `group_addresses` as in
// port_filter_input.
std::string port_nwfilter_xml(
    const std::string& port_id, const std::vector<security_group::rule>& rules,
    const std::map<std::string, std::vector<std::string>>& group_addresses);

// The digest port_nwfilter_xml put in a filter's XML (ours, or libvirt's
// rendering of it); "" when there is none.
std::string nwfilter_digest(const std::string& filter_xml);

// The accept rules on traffic towards the guest of a filter that
// port_nwfilter_xml made, one line each: when a filter's new set lacks a
// line of its old one, connections that line let in must be forgotten.
std::set<std::string> nwfilter_ingress_accepts(const std::string& filter_xml);

}  // namespace cumulo
