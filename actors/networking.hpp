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
//   (list_atom, network_atom, project_id, bool is_admin) -> std::vector<network_state> the
//       project may use: its own, those shared with it and those external to it (an
//       admin: every one), each with `shared` as the project sees it
// A create_port without a MAC address gets a fresh fa:16:3e:xx:xx:xx one.
//
// Security groups:
//   (command_atom, id, security_group::command, meta)  -> security_group_state
//   (command_atom, sg_rule_atom, rule_id, meta)        -> the group, the rule removed
//                                                          (SecurityGroupRuleNotFound)
//   (default_atom, project_id, meta)    -> the project's default group, made when missing
//   (caf::get_atom, security_group_atom, id)  -> security_group_state (SecurityGroupNotFound)
//   (caf::get_atom, sg_rule_atom, rule_id)    -> the group holding it
//   (list_atom, security_group_atom)          -> std::vector<security_group_state>
// Routers (the networking actor makes and deletes their ports):
//   (command_atom, id, router::command, meta) -> router_state (create, update, remove;
//                                                 remove deletes the gateway port)
//   (gateway_atom, router_id, gateway_request, meta) -> router_state: a gateway port on
//       that external network (its addresses the ones asked; enable_snat as asked, else
//       true); "" clears it; asked again on the same network, the port's addresses move
//       and enable_snat changes
//   (interface_atom, router_id, subnet_id, port_id, bool add, meta) -> router_state:
//       add by subnet (a port with the subnet's gateway address) or by an unused port;
//       remove by either (the port is deleted; 409 RouterInterfaceInUseByRoute while an
//       extra route's nexthop is on its subnet)
//   (routes_atom, router_id, router::command, meta) -> router_state: set_routes,
//       add_routes or remove_routes (extraroute, extraroute-atomic), decided by the
//       router with its addresses as the door knows its ports (the links)
//   (caf::get_atom, router_atom, id), (list_atom, router_atom)
// Floating IPs (each holds a port on its external network):
//   (command_atom, floatingip_request, meta)      -> floatingip_state (create)
//   (associate_atom, fip_id, port_id, fixed_ip, meta) -> floatingip_state; port_id ""
//                                                    disassociates
//   (command_atom, id, floatingip::command, meta) -> floatingip_state (remove deletes
//                                                    its port)
//   (caf::get_atom, floatingip_atom, id), (list_atom, floatingip_atom)
//   (list_atom, floatingip_atom, port_atom, std::vector<std::string> port_ids)
//       -> std::vector<floatingip_state>: those associated with any of the ports, oldest
//       first (what Nova shows in a server's addresses: one question per page of servers)
//   A gateway or an interface a floating IP's path needs stays: clearing or moving the
//   gateway is 409 RouterExternalGatewayInUseByFloatingIp, removing the interface 409
//   RouterInterfaceInUseByFloatingIP (so an associated floating IP always has its path)
// Quotas (Neutron's defaults unless an admin changed them; creates over
// them are 409 OverQuota):
//   (caf::get_atom, quota_atom, project_id)       -> quota_set
//   (quota_atom, project_id, quota::command, meta) -> quota_set after an update or reset
//
// The API's requests carry their caller (the token's credentials, last;
// "caller" below):
// the door decides with Neutron's rules (engine/policy.cpp: get_network,
// update_port, create_port:mac_address, ...) what the caller sees (anything
// else is Neutron's 404: NetworkNotFound, PortNotFound, ...) and may do (403
// PolicyNotAuthorized "(rule:R) is disallowed by policy"), then runs the
// flow above. The messages above without a caller are the cloud's own
// (the compute door's, the instances').
//   (command_atom, network_id, network::command, meta, caller) -> network_state
//       create, update, remove of a network; add_subnet and create_port on it
//   (command_atom, subnet_atom | port_atom, id, network::command, meta, caller): a port
//       of a router or a floating IP that exists is not deleted by its id (409
//       ServicePortInUse)
//   (bulk_atom, std::vector<bulk_create>, meta, caller) -> std::vector<network_state>:
//       Neutron's bulk create, all or nothing: each create in order, as the message
//       above; when one is refused, those made are removed again (last first) and
//       the refusal is the answer
//   (caf::get_atom, network_atom | subnet_atom | port_atom, id, caller) -> network_state
//   (list_atom, network_atom | subnet_atom | port_atom, caller) -> std::vector<network_state>
//       the networks whose networks / subnets / ports the caller sees; for ports each
//       network holds only the caller's visible ports
//   (command_atom, id, security_group::command, meta, caller) -> security_group_state
//       add_rule without a project gets its group's; a default group is removed only by
//       an admin (409 SecurityGroupCannotRemoveDefault otherwise)
//   (command_atom, sg_rule_atom, rule_id, meta, caller)
//   (caf::get_atom, security_group_atom | sg_rule_atom, id, caller)
//   (list_atom, security_group_atom, meta, caller): the caller's project gets its default
//       group first, as a list in Neutron makes it
//   (list_atom, sg_rule_atom, caller) -> std::vector<security_group_state>
//   (command_atom, id, router_change, meta, caller) -> router_state: create (a gateway
//       refused removes the router again), update (the routes replaced when the change
//       has them, then the fields, then the gateway set or cleared when it changes),
//       remove
//   (routes_atom, router_id, router::command, meta, caller) -> router_state: add_routes
//       (add_extraroutes), remove_routes (remove_extraroutes) or set_routes
//       (update_router)
//   (interface_atom, router_id, subnet_id, port_id, bool add, meta, caller)
//       -> router_interface_change
//   (caf::get_atom, router_atom, id, caller), (list_atom, router_atom, caller)
//   (command_atom, floatingip_request, meta, caller) -> floatingip_state
//   (associate_atom, fip_id, port_id, fixed_ip, meta, caller), (command_atom, id,
//       floatingip::command, meta, caller) (remove)
//   (caf::get_atom, floatingip_atom, id, caller), (list_atom, floatingip_atom, caller)
//   (caf::get_atom, quota_atom, project_id, caller), (quota_atom, project_id,
//       quota::command, meta, caller): another project's quotas are an admin's (403
//       AdminRequired)
//   (caf::get_atom, quota_atom, details_atom, project_id, caller) -> quota_usage: the
//       limits with what the project uses and what its creates in flight reserve
// Tags, agents and availability zones: actors/networking_tags.hpp and
// actors/networking_agents.hpp.
// Subnet pools and address scopes (networking_pools*.cpp; their types in
// subnetpool_messages.hpp), with their caller:
//   (command_atom, id, subnetpool::command, meta, caller) -> subnetpool_state: create,
//       update, add_prefixes, remove_prefixes, remove
//   (caf::get_atom, subnetpool_atom, id, caller), (list_atom, subnetpool_atom, caller)
//   (command_atom, id, address_scope::command, meta, caller) -> address_scope_state
//   (caf::get_atom, address_scope_atom, id, caller), (list_atom, address_scope_atom, caller)
// An add_subnet naming a pool (or use_default_subnetpool) gets its cidr from the pool.
// RBAC policies (object_type network; they live in their network's stream):
//   (command_atom, rbac_atom, id, network::command, meta, caller) -> network_state:
//       create_rbac_policy on network `id` (its owner's or an admin's: 400 otherwise;
//       "*" is an admin's: 403), update_rbac_policy and delete_rbac_policy of policy
//       `id` (its owner's; 409 RbacPolicyInUse while its target has ports, or routers
//       with a gateway, on the network)
//   (caf::get_atom, rbac_atom, policy_id, caller) -> network_state holding it
//       (RbacPolicyNotFound)
//   (list_atom, rbac_atom, caller) -> std::vector<network_state>, each holding only
//       the policies the caller sees
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <map>
#include <memory>
#include <optional>

#include "actors/messages.hpp"
#include "engine/policy.hpp"
#include "engine/quota.hpp"

namespace cumulo {

using subnet_atom = caf::atom_constant<caf::atom("subnet")>;
using port_atom = caf::atom_constant<caf::atom("port")>;
using sg_rule_atom = caf::atom_constant<caf::atom("sgrule")>;
using default_atom = caf::atom_constant<caf::atom("default")>;
using gateway_atom = caf::atom_constant<caf::atom("gateway")>;
using interface_atom = caf::atom_constant<caf::atom("interface")>;
using associate_atom = caf::atom_constant<caf::atom("associate")>;
using quota_atom = caf::atom_constant<caf::atom("quota")>;
using bulk_atom = caf::atom_constant<caf::atom("bulk")>;
using details_atom = caf::atom_constant<caf::atom("details")>;
using rbac_atom = caf::atom_constant<caf::atom("rbac")>;
using routes_atom = caf::atom_constant<caf::atom("routes")>;

// One create of a bulk: a network's (id: the new network's), a subnet's or
// a port's (id: their network's).
struct bulk_create {
  std::string id;
  network::command command;
};

// POST /v2.0/floatingips, as the API read it.
struct floatingip_request {
  std::string id;  // the new floating IP's (a new uuid)
  std::string floating_network_id;
  std::string floating_ip_address;  // "": any free one
  std::string port_id;              // "": not associated
  std::string fixed_ip_address;     // "": the port's first IPv4 address
  std::string project_id;
  std::string description;
  std::vector<std::string> tags;
};

// A router's external_gateway_info as a create or update asks it
// (Neutron's ext-gw-mode): a network ("": no gateway), enable_snat (true
// when not given, Neutron's enable_snat_by_default) and the gateway port's
// addresses (nullopt: any free one, or the port's as they are).
struct gateway_request {
  std::string network_id;
  std::optional<bool> enable_snat;
  std::optional<std::vector<network::fixed_ip>> external_fixed_ips;
};

// A router's create or update as the API asks it: the command, the
// external gateway when the body has external_gateway_info, and the extra
// routes that replace the router's when the body has routes (an update's).
struct router_change {
  router::command command;
  std::optional<gateway_request> gateway;
  std::optional<std::vector<network::host_route>> routes;
};

// A project's quotas with their usage (GET /v2.0/quotas/{project}/details),
// by resource name.
struct quota_usage {
  quota_set limits;
  std::map<std::string, std::int64_t> used;
  std::map<std::string, std::int64_t> reserved;
};

// An interface added to or removed from a router, with the router after.
struct router_interface_change {
  router_state router;
  router::interface interface;
};

// network_host: where every network state goes after a change, to be
// mirrored in libvirt (actors/network_host.hpp). rules: the policy the
// API's requests are decided by (null: OpenStack's defaults). dhcp_ports:
// the network host runs real DHCP servers (the tenant plane), so each
// network with DHCP gets a `network:dhcp` port.
caf::actor spawn_networking(caf::actor_system& sys, caf::actor conductor, caf::actor network_host,
                            std::shared_ptr<const policy> rules = nullptr, bool dhcp_ports = false);

}  // namespace cumulo

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::floatingip_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::quota_set)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::quota_usage)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::router_change)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::gateway_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<cumulo::bulk_create>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::router_interface_change)
