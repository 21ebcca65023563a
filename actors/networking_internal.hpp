// The networking door's inside, shared by its two files: networking.cpp
// runs the flows (ports with their MACs and default groups, routers'
// gateways and interfaces, floating IPs, quotas); networking_gate.cpp
// answers the API's requests, which carry their caller, by deciding with
// Neutron's rules what that caller sees and may do before a flow runs.
// Nothing outside the networking actor includes this.
#pragma once

#include <caf/all.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "actors/door.hpp"
#include "actors/errors.hpp"
#include "actors/network_host.hpp"
#include "actors/networking.hpp"
#include "actors/subnetpool_messages.hpp"
#include "actors/networking_agents.hpp"
#include "actors/networking_tags.hpp"
#include "engine/policy.hpp"
#include "engine/resource.hpp"
#include "engine/subnet_alloc.hpp"

namespace cumulo::networking_detail {

// Who asks, as its token says.
using caller = credentials;

// A prefix a pool gives a subnet that its network has not recorded yet.
struct pool_claim {
  std::string subnetpool_id;
  subnet_alloc::allocation allocation;
};

struct networking_state {
  caf::actor conductor;
  caf::actor network_host;
  // The network host runs DHCP servers that need an address of their own
  // on each subnet: each network with DHCP gets a `network:dhcp` port
  // (networking_dhcp.cpp), as Neutron's DHCP agent asks for.
  bool dhcp_ports = false;
  std::unordered_set<std::string> dhcp_port_changing;  // networks whose port is being changed
  std::unordered_map<std::string, network_state> networks;
  std::unordered_map<std::string, std::string> network_of_subnet;
  std::unordered_map<std::string, std::string> network_of_port;
  std::unordered_map<std::string, std::string> network_of_rbac;  // RBAC policy id -> network
  // MACs of every port, and of creates in flight: unique across the cloud.
  std::unordered_set<std::string> macs;
  std::unordered_map<std::string, security_group_state> security_groups;
  std::unordered_map<std::string, router_state> routers;
  std::unordered_map<std::string, floatingip_state> floatingips;
  // Callers waiting for a project's default group while it is made.
  std::unordered_map<std::string, std::vector<std::function<void(outcome<security_group_state>)>>>
      default_waiters;
  // The projects whose quotas an admin changed (stream quota/<project>);
  // every other project has Neutron's defaults.
  std::unordered_map<std::string, quota_state> quotas;
  // Neutron's subnet pools and address scopes (networking_pools.cpp), and
  // what is in flight of them: prefixes given to subnets not yet recorded
  // (by subnet id), pools as a create or update will make them (by a
  // number of the door's), pools and scopes being deleted. The rules across
  // them (one default pool per family, no overlap in a scope, a prefix
  // given once) count these as done.
  std::unordered_map<std::string, subnetpool_state> subnetpools;
  std::unordered_map<std::string, address_scope_state> address_scopes;
  std::unordered_map<std::string, pool_claim> claims;
  std::map<std::uint64_t, subnetpool_state> pools_in_flight;
  std::uint64_t pool_changes = 0;
  std::unordered_set<std::string> going;
  // Neutron's agents (networking_agents.cpp): their streams, what each
  // host said last (by host name), and callers waiting while a host's
  // roles are registered.
  std::unordered_map<std::string, agent_state> agents;
  std::unordered_map<std::string, network_host_health> hosts_heard;
  std::unordered_map<std::string, std::int64_t> heartbeats_us;
  std::vector<std::function<void()>> agent_waiters;
  bool registering_agents = false;
  static inline const char* name = "networking";

  // Replaces what the index knew of a network by its new state (and has
  // the network host mirror it in libvirt).
  void put(const network_state& s) {
    put_index(s);
    if (network_host) caf::anon_send(network_host, sync_atom::value, s);
  }
  void put_index(const network_state& s) {
    auto it = networks.find(s.id);
    if (it != networks.end()) {
      if (it->second.version > s.version) return;
      for (const auto& sub : it->second.subnets) network_of_subnet.erase(sub.id);
      for (const auto& [id, port] : it->second.ports) {
        network_of_port.erase(id);
        macs.erase(port.mac_address);
      }
      for (const auto& p : it->second.rbac_policies) network_of_rbac.erase(p.id);
    }
    if (!s.exists()) {
      networks.erase(s.id);
      return;
    }
    for (const auto& sub : s.subnets) network_of_subnet[sub.id] = s.id;
    for (const auto& [id, port] : s.ports) {
      network_of_port[id] = s.id;
      macs.insert(port.mac_address);
    }
    for (const auto& p : s.rbac_policies) network_of_rbac[p.id] = s.id;
    address_scopes_into(networks[s.id] = s);
  }
  // A network's ipv4_address_scope and ipv6_address_scope, from its
  // subnets' pools (networking_pools.cpp).
  void address_scopes_into(network_state& n) const;
  void put(const subnetpool_state& s);
  void put(const address_scope_state& s) { put_latest(address_scopes, s); }
  // Security groups are the network host's too (the guests' filters).
  void put(const security_group_state& s) {
    put_latest(security_groups, s);
    if (network_host) caf::anon_send(network_host, sync_atom::value, s);
  }
  // Routers and floating IPs are the network host's too (its L3 agent).
  void put(const router_state& s) {
    put_latest(routers, s);
    if (network_host) caf::anon_send(network_host, sync_atom::value, s);
  }
  void put(const floatingip_state& s) {
    put_latest(floatingips, s);
    if (network_host) caf::anon_send(network_host, sync_atom::value, s);
  }
  void put(const quota_state& s) { put_latest(quotas, s); }
  void put(const agent_state& s) { put_latest(agents, s); }

  const network::port* port(const std::string& id) const {
    auto it = network_of_port.find(id);
    return it == network_of_port.end() ? nullptr : networks.at(it->second).find_port(id);
  }

  // What a project has, for its quotas.
  std::int64_t in_use(const std::string& resource, const std::string& project) const {
    std::int64_t n = 0;
    if (resource == "network" || resource == "subnet" || resource == "port") {
      for (const auto& [_, net] : networks) {
        if (resource == "network") n += net.project_id == project;
        if (resource == "subnet")
          for (const auto& s : net.subnets)
            n += (s.project_id.empty() ? net.project_id : s.project_id) == project;
        if (resource == "port")
          for (const auto& [id, p] : net.ports) n += p.project_id == project;
      }
    } else if (resource == "router") {
      for (const auto& [_, r] : routers) n += r.project_id == project;
    } else if (resource == "floatingip") {
      for (const auto& [_, f] : floatingips) n += f.project_id == project;
    } else if (resource == "security_group") {
      for (const auto& [_, g] : security_groups) n += g.project_id == project;
    } else if (resource == "security_group_rule") {
      for (const auto& [_, g] : security_groups)
        for (const auto& r : g.rules) n += r.project_id == project;
    }
    return n;
  }
  std::optional<domain_error> over_quota(const std::string& resource,
                                         const std::string& project) const {
    if (project.empty()) return std::nullopt;  // the cloud's own ports (gateways, floating IPs)
    auto p = pending.find({resource, project});
    const std::int64_t in_flight = p == pending.end() ? 0 : p->second;
    return check_quota(quotas_of(project), resource, in_use(resource, project) + in_flight);
  }
  // Creates answered yet, counted against the quota: 32 parallel creations
  // must not slip past a limit none of them has reached alone.
  std::map<std::pair<std::string, std::string>, std::int64_t> pending;
  quota_set quotas_of(const std::string& project) const {
    auto it = quotas.find(project);
    return it == quotas.end() ? quota_set{} : it->second.limits;
  }
};

using networking_actor = caf::stateful_actor<networking_state>;

template <class State>
std::function<void(State&)> deliver_to(caf::typed_response_promise<State> promise) {
  return [promise](State& s) mutable { promise.deliver(s); };
}

// Sends a command to a network actor (through the conductor); its answer
// updates the index before `ok` sees it (networking.cpp).
void network_command(networking_actor* self, const std::string& network_id,
                     network::command command, event_metadata meta,
                     std::function<void(network_state&)> ok, on_error fail);

// The DHCP ports (networking_dhcp.cpp). keep_dhcp_port brings the
// network's port to its DHCP subnets (after any change of the network);
// without_dhcp_port_then takes the port off a subnet being deleted (or
// deletes it before the network's delete: subnet_id "") and calls `then`,
// holding the port back until dhcp_port_settled is called.
void keep_dhcp_port(networking_actor* self, const std::string& network_id);
void without_dhcp_port_then(networking_actor* self, const std::string& network_id,
                            const std::string& subnet_id, std::function<void()> then,
                            on_error fail);
void dhcp_port_settled(networking_actor* self, const std::string& network_id);

// The flows (networking.cpp). Each answers through its promise; the
// caf::result ones return an error without one when they refuse at once.
caf::result<network_state> on_network_command(networking_actor* self, const std::string& network_id,
                                              network::command& command, event_metadata& meta);
caf::result<security_group_state> on_security_group(networking_actor* self, const std::string& id,
                                                    security_group::command& c,
                                                    event_metadata& meta);
// Calls `then` with the project's default group, made when missing.
void with_default_group(networking_actor* self, const std::string& project_id,
                        const event_metadata& meta,
                        std::function<void(outcome<security_group_state>)> then);
caf::result<router_state> on_router(networking_actor* self, const std::string& id,
                                    router::command& c, event_metadata& meta);
caf::result<router_state> on_gateway(networking_actor* self, const std::string& router_id,
                                     const gateway_request& asked, event_metadata& meta);
caf::result<router_state> on_interface(networking_actor* self, const std::string& router_id,
                                       const std::string& subnet_id, const std::string& port_id,
                                       bool add, event_metadata& meta);
caf::result<floatingip_state> on_floatingip_create(networking_actor* self, floatingip_request& req,
                                                   event_metadata& meta);
caf::result<floatingip_state> on_associate(networking_actor* self, const std::string& fip_id,
                                           const std::string& port_id, const std::string& fixed_ip,
                                           event_metadata& meta);
caf::result<floatingip_state> on_floatingip(networking_actor* self, const std::string& id,
                                            floatingip::command& c, event_metadata& meta);
// A project's quotas changed (update) or back to the defaults (reset).
caf::result<quota_set> on_quota(networking_actor* self, const std::string& project,
                                quota::command& c, event_metadata& meta);

// Subnet pools and address scopes (networking_pools.cpp): a command with
// the rules across resources checked (the caller's were, by the gate).
caf::result<subnetpool_state> on_subnetpool(networking_actor* self, const std::string& id,
                                            subnetpool::command& c, event_metadata& meta);
caf::result<address_scope_state> on_address_scope(networking_actor* self, const std::string& id,
                                                  address_scope::command& c, event_metadata& meta);
// A subnet about to be added to a network: its pool's rules on the
// network (one pool, one scope per family) and, from a pool, its cidr,
// claimed until the network answers (release_prefix). The refusal, if any.
std::optional<domain_error> claim_prefix(networking_state& st, const std::string& network_id,
                                         network::add_subnet& c);
void release_prefix(networking_state& st, const std::string& subnet_id);
// The default pool of the family a subnet asks for (use_default_subnetpool)
// that `usable` accepts; Neutron's 400 when there is none.
outcome<std::string> default_subnetpool(const networking_state& st, const network::add_subnet& c,
                                        const std::function<bool(const subnetpool_state&)>& usable);
// The subnets of pool `id`, recorded and claimed.
std::vector<subnet_alloc::allocation> allocations_of(const networking_state& st,
                                                     const std::string& id);
domain_error subnetpool_not_found(const std::string& id);
domain_error address_scope_not_found(const std::string& id);

// Neutron's 404s.
domain_error not_found(const char* type, const char* what, const std::string& id);
domain_error router_not_found(const std::string& id);
domain_error floatingip_not_found(const std::string& id);
domain_error security_group_not_found(const std::string& id);
domain_error security_group_rule_not_found(const std::string& id);

// The requests that carry their caller (networking_gate.cpp); an actor's
// behavior tries them before the internal ones. Tags (networking_tags.cpp)
// and agents and zones (networking_agents.cpp) are decided the same way.
caf::message_handler gate(networking_actor* self, std::shared_ptr<const policy> rules);
// Those of subnet pools and address scopes (networking_pools_gate.cpp).
caf::message_handler pools_gate(networking_actor* self, std::shared_ptr<const policy> rules);
// A subnet asked of a pool by a caller: the pool (named, or the default of
// the family when use_default_subnetpool) must be one the caller sees
// (404 SubnetPoolNotFound). Sets the subnet's subnetpool_id.
std::optional<domain_error> subnet_pool_seen(const networking_state& st, const policy& rules,
                                             const caller& who, network::command& c);
// Those of the RBAC policies (networking_rbac.cpp).
caf::message_handler rbac_gate(networking_actor* self, std::shared_ptr<const policy> rules);

caf::message_handler tags_gate(networking_actor* self, std::shared_ptr<const policy> rules);
caf::message_handler agents_gate(networking_actor* self, std::shared_ptr<const policy> rules);

// The rules' targets (networking_gate.cpp): a resource of a project (its
// tenant_id); a network, or a subnet or port of it (project_id: the
// resource's owner), as the caller sees it: tenant_id, network:tenant_id,
// networks:shared, networks:router:external.
target owner_target(const std::string& project_id);
target network_target(const network_state& n, const std::string& project_id, const caller& who);
// 403 PolicyNotAuthorized "(rule:R) is disallowed by policy".
domain_error forbidden(const std::string& rule);

}  // namespace cumulo::networking_detail
