// A network (Neutron) with the subnets and ports it owns: its events,
// commands and the pure state machine. Addresses are chosen here (IPAM) so
// that the log records which address each port got.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "engine/codec.hpp"
#include <nlohmann/json.hpp>

#include "engine/resource.hpp"
#include "engine/tagging.hpp"

namespace cumulo {

// Values shared by events, state and commands. In namespace network so
// that names like `port` do not collide with other kinds.
namespace network {
struct allocation_pool {
  std::string start;
  std::string end;
  MSGPACK_DEFINE_MAP(start, end)
};
struct host_route {
  std::string destination;  // a CIDR
  std::string nexthop;
  MSGPACK_DEFINE_MAP(destination, nexthop)
};
struct fixed_ip {
  std::string subnet_id;
  std::string ip_address;
  MSGPACK_DEFINE_MAP(subnet_id, ip_address)
};
// Neutron's allowed_address_pairs: an address or CIDR the port may also send
// from, with its MAC (the port's own unless the request named another).
struct address_pair {
  std::string ip_address;
  std::string mac_address;
  MSGPACK_DEFINE_MAP(ip_address, mac_address)
};
// Neutron's extra_dhcp_opts: an option the port's DHCP answers carry.
struct dhcp_option {
  std::string opt_name;
  std::string opt_value;
  int ip_version = 4;
  MSGPACK_DEFINE_MAP(opt_name, opt_value, ip_version)
};
// Who else may use the network: Neutron's RBAC policy of object_type
// network (engine/network_rbac.hpp has its rules).
struct rbac_policy {
  std::string id;
  std::string action;          // access_as_shared or access_as_external
  std::string target_project;  // a project id, or "*": every project
  std::string project_id;      // the policy's owner
  MSGPACK_DEFINE_MAP(id, action, target_project, project_id)
};
}  // namespace network

// --- events (schema in schemas/events/network.json) ---
struct network_created {
  static constexpr const char* type_name = "network.created";
  static constexpr int schema_version = 1;
  std::string name;
  std::string project_id;
  bool shared = false;
  bool external = false;  // router:external
  int mtu = 1500;
  bool admin_state_up = true;
  std::string description;
  bool port_security_enabled = true;  // came later: older events lack it (enabled)
  // The ids of the "*" policies that shared and external make (Neutron's
  // access_as_shared and access_as_external to every project); "" in a log
  // written before RBAC policies: the fold gives them name-based ids.
  std::string shared_policy_id;
  std::string external_policy_id;
  MSGPACK_DEFINE_MAP(name, project_id, shared, external, mtu, admin_state_up, description,
                     port_security_enabled, shared_policy_id, external_policy_id)
};

struct network_updated {
  static constexpr const char* type_name = "network.updated";
  static constexpr int schema_version = 1;
  std::optional<std::string> name;
  std::optional<bool> shared;
  std::optional<bool> external;
  std::optional<int> mtu;
  std::optional<bool> admin_state_up;
  std::optional<std::string> description;
  std::optional<bool> port_security_enabled;
  // shared / external true add the "*" policy with this id (as network.created's);
  // false removes every "*" access_as_shared / every access_as_external policy.
  std::string shared_policy_id;
  std::string external_policy_id;
  MSGPACK_DEFINE_MAP(name, shared, external, mtu, admin_state_up, description,
                     port_security_enabled, shared_policy_id, external_policy_id)
};

// Addresses are canonical text; gateway_ip "" means no gateway.
struct network_subnet_added {
  static constexpr const char* type_name = "network.subnet_added";
  static constexpr int schema_version = 1;
  std::string subnet_id;
  std::string name;
  int ip_version = 4;
  std::string cidr;
  std::string gateway_ip;
  std::vector<network::allocation_pool> allocation_pools;
  std::vector<std::string> dns_nameservers;
  std::vector<network::host_route> host_routes;
  bool enable_dhcp = true;
  std::string project_id;
  std::string description;
  std::string subnetpool_id;  // the pool its cidr came from ("": none)
  MSGPACK_DEFINE_MAP(subnet_id, name, ip_version, cidr, gateway_ip, allocation_pools,
                     dns_nameservers, host_routes, enable_dhcp, project_id, description,
                     subnetpool_id)
};

struct network_subnet_updated {
  static constexpr const char* type_name = "network.subnet_updated";
  static constexpr int schema_version = 1;
  std::string subnet_id;
  std::optional<std::string> name;
  std::optional<std::string> gateway_ip;  // "" removes the gateway
  std::optional<std::vector<std::string>> dns_nameservers;
  std::optional<bool> enable_dhcp;
  std::optional<std::string> description;
  std::optional<std::vector<network::host_route>> host_routes;
  MSGPACK_DEFINE_MAP(subnet_id, name, gateway_ip, dns_nameservers, enable_dhcp, description,
                     host_routes)
};

struct network_subnet_removed {
  static constexpr const char* type_name = "network.subnet_removed";
  static constexpr int schema_version = 1;
  std::string subnet_id;
  MSGPACK_DEFINE_MAP(subnet_id)
};

// fixed_ips are the addresses IPAM chose, each with its subnet.
struct network_port_created {
  static constexpr const char* type_name = "network.port_created";
  static constexpr int schema_version = 1;
  std::string port_id;
  std::string name;
  std::string mac_address;
  std::string device_id;
  std::string device_owner;
  std::vector<network::fixed_ip> fixed_ips;
  std::vector<std::string> security_groups;
  std::string project_id;
  bool admin_state_up = true;
  std::string binding_host_id;  // Neutron's binding:host_id ("" unbound)
  // These came later: older events lack them (none, and port security on).
  std::vector<network::address_pair> allowed_address_pairs;  // MACs filled in
  std::vector<network::dhcp_option> extra_dhcp_opts;
  bool port_security_enabled = true;
  MSGPACK_DEFINE_MAP(port_id, name, mac_address, device_id, device_owner, fixed_ips,
                     security_groups, project_id, admin_state_up, binding_host_id,
                     allowed_address_pairs, extra_dhcp_opts, port_security_enabled)
};

struct network_port_updated {
  static constexpr const char* type_name = "network.port_updated";
  static constexpr int schema_version = 1;
  std::string port_id;
  std::optional<std::string> name;
  std::optional<std::string> device_id;
  std::optional<std::string> device_owner;
  std::optional<bool> admin_state_up;
  std::optional<std::vector<std::string>> security_groups;
  // The port's addresses after the update, each with its subnet (IPAM's choice).
  std::optional<std::vector<network::fixed_ip>> fixed_ips;
  std::optional<std::string> binding_host_id;
  // The port's pairs and options after the update (options merged by name).
  std::optional<std::vector<network::address_pair>> allowed_address_pairs;
  std::optional<std::vector<network::dhcp_option>> extra_dhcp_opts;
  std::optional<bool> port_security_enabled;
  MSGPACK_DEFINE_MAP(port_id, name, device_id, device_owner, admin_state_up, security_groups,
                     fixed_ips, binding_host_id, allowed_address_pairs, extra_dhcp_opts,
                     port_security_enabled)
};

struct network_port_deleted {
  static constexpr const char* type_name = "network.port_deleted";
  static constexpr int schema_version = 1;
  std::string port_id;
  MSGPACK_DEFINE_MAP(port_id)
};

struct network_deleted {
  static constexpr const char* type_name = "network.deleted";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

// RBAC policies live in their network's stream: the network's actor decides
// a policy's removal and a port of its target project one after the other.
struct network_rbac_policy_created {
  static constexpr const char* type_name = "network.rbac_policy_created";
  static constexpr int schema_version = 1;
  std::string policy_id;
  std::string action;
  std::string target_project;
  std::string project_id;
  MSGPACK_DEFINE_MAP(policy_id, action, target_project, project_id)
};

struct network_rbac_policy_updated {
  static constexpr const char* type_name = "network.rbac_policy_updated";
  static constexpr int schema_version = 1;
  std::string policy_id;
  std::string target_project;
  MSGPACK_DEFINE_MAP(policy_id, target_project)
};

struct network_rbac_policy_deleted {
  static constexpr const char* type_name = "network.rbac_policy_deleted";
  static constexpr int schema_version = 1;
  std::string policy_id;
  MSGPACK_DEFINE_MAP(policy_id)
};

// The tags of the network, of one of its subnets or of one of its ports
// after a change (standard-attr-tag): the whole set, sorted.
struct network_tags_set {
  static constexpr const char* type_name = "network.tags_set";
  static constexpr int schema_version = 1;
  std::vector<std::string> tags;
  MSGPACK_DEFINE_MAP(tags)
};

struct network_subnet_tags_set {
  static constexpr const char* type_name = "network.subnet_tags_set";
  static constexpr int schema_version = 1;
  std::string subnet_id;
  std::vector<std::string> tags;
  MSGPACK_DEFINE_MAP(subnet_id, tags)
};

struct network_port_tags_set {
  static constexpr const char* type_name = "network.port_tags_set";
  static constexpr int schema_version = 1;
  std::string port_id;
  std::vector<std::string> tags;
  MSGPACK_DEFINE_MAP(port_id, tags)
};

using network_event =
    std::variant<network_created, network_updated, network_subnet_added, network_subnet_updated,
                 network_subnet_removed, network_port_created, network_port_updated,
                 network_port_deleted, network_deleted, network_rbac_policy_created,
                 network_rbac_policy_updated, network_rbac_policy_deleted, network_tags_set,
                 network_subnet_tags_set, network_port_tags_set>;

// --- state ---
namespace network {
struct subnet {
  std::string id;
  std::string name;
  int ip_version = 4;
  std::string cidr;
  std::string gateway_ip;  // "" = none
  std::vector<allocation_pool> allocation_pools;
  std::vector<std::string> dns_nameservers;
  std::vector<host_route> host_routes;
  bool enable_dhcp = true;
  std::string project_id;
  std::string description;
  // Neutron's revision_number: 1 once added, one more per update (the
  // network's own version counts every change of every subnet and port).
  std::int64_t revision = 1;
  std::string subnetpool_id;  // "": its cidr came from no pool
  std::vector<std::string> tags;  // sorted
};
struct port {
  std::string id;
  std::string name;
  std::string mac_address;
  std::string device_id;
  std::string device_owner;
  std::vector<fixed_ip> fixed_ips;
  std::vector<std::string> security_groups;
  std::string project_id;
  bool admin_state_up = true;
  std::string binding_host_id;
  std::int64_t revision = 1;  // as a subnet's
  std::vector<address_pair> allowed_address_pairs;
  std::vector<dhcp_option> extra_dhcp_opts;
  bool port_security_enabled = true;
  std::vector<std::string> tags;  // sorted
};
// Found by ADL when a subnet or port is put into a json.
void to_json(nlohmann::json& j, const subnet& s);
void to_json(nlohmann::json& j, const port& p);
}  // namespace network

// The addresses in use are not stored: they are the ports' fixed_ips.
// shared and external follow the RBAC policies: shared is a "*"
// access_as_shared policy, external (router:external) any access_as_external.
struct network_state : resource_meta {
  std::string name;
  std::string project_id;
  bool shared = false;
  bool external = false;
  int mtu = 1500;
  bool admin_state_up = true;
  std::string description;
  std::vector<network::subnet> subnets;  // in the order they were added
  std::map<std::string, network::port> ports;
  // The address scopes of its subnets' pools ("": none), as Neutron shows
  // them on a network. Not folded: a pool's scope changes without an event
  // of the network, so the networking door sets them when it answers.
  std::string ipv4_address_scope;
  std::string ipv6_address_scope;
  bool port_security_enabled = true;                // what its new ports get unless they say
  std::vector<network::rbac_policy> rbac_policies;  // in the order they were made
  std::vector<std::string> tags;  // sorted

  const network::subnet* find_subnet(const std::string& subnet_id) const;
  const network::port* find_port(const std::string& port_id) const;
  const network::rbac_policy* find_rbac_policy(const std::string& policy_id) const;
  // Neutron's `shared` as a project sees it: shared with it or with every project.
  bool shared_with(const std::string& project_id) const;
  // Whether the project may use it as an external network (gateways, floating IPs).
  bool external_to(const std::string& project_id) const;
};

void to_json(nlohmann::json& j, const network_state& s);

// --- commands ---
namespace network {
struct create {
  std::string name;
  std::string project_id;
  bool shared = false;
  bool external = false;
  int mtu = 1500;
  bool admin_state_up = true;
  std::string description;
  bool port_security_enabled = true;
  // The ids of the "*" policies shared and external make (new uuids).
  std::string shared_policy_id;
  std::string external_policy_id;
  std::vector<std::string> tags;  // a create with tags records them after it
};
struct update {
  std::optional<std::string> name;
  std::optional<bool> shared;
  std::optional<bool> external;
  std::optional<int> mtu;
  std::optional<bool> admin_state_up;
  std::optional<std::string> description;
  std::optional<bool> port_security_enabled;
  std::string shared_policy_id;  // as create's
  std::string external_policy_id;
};
struct add_subnet {
  std::string subnet_id;  // chosen by the caller (a new uuid)
  std::string name;
  int ip_version = 4;  // 0 with a pool: the pool's
  std::string cidr;    // "" with a pool: the networking door allocates one
  std::optional<std::string> gateway_ip;          // nullopt: the first host; "": no gateway
  std::vector<allocation_pool> allocation_pools;  // empty: the CIDR minus gateway
  std::vector<std::string> dns_nameservers;
  std::vector<host_route> host_routes;
  bool enable_dhcp = true;
  std::string project_id;
  std::string description;
  // A subnet of a pool (Neutron's subnet_allocation): the networking door
  // resolves use_default_subnetpool to the default pool of the version and
  // allocates the cidr (prefixlen: of that length; nullopt: the pool's
  // default) before the network decides.
  std::string subnetpool_id;
  bool use_default_subnetpool = false;
  std::optional<int> prefixlen;
  std::vector<std::string> tags;
};
struct update_subnet {
  std::string subnet_id;
  std::optional<std::string> name;
  std::optional<std::string> gateway_ip;  // "": remove the gateway
  std::optional<std::vector<std::string>> dns_nameservers;
  std::optional<bool> enable_dhcp;
  std::optional<std::string> description;
  std::optional<std::vector<host_route>> host_routes;
};
struct remove_subnet {
  std::string subnet_id;
};
// An extra_dhcp_opts entry of a request: a null value is no option on a
// create, and removes the option of that name and IP version on an update.
struct dhcp_option_request {
  std::string opt_name;
  std::optional<std::string> opt_value;
  int ip_version = 4;
};
// A fixed_ip request names a subnet (any free address of it), an address
// (its subnet is found), or both.
struct create_port {
  std::string port_id;  // chosen by the caller (a new uuid)
  std::string name;
  std::string mac_address;  // chosen by the caller, so that decide stays pure
  std::string device_id;
  std::string device_owner;
  // nullopt: one address from the first IPv4 subnet with room and one from the
  // first IPv6 subnet with room (Neutron); an empty list: no address.
  std::optional<std::vector<fixed_ip>> fixed_ips;
  std::vector<std::string> security_groups;
  // An instance's port without groups gets its project's default group,
  // unless the client asked for none (security_groups: []).
  bool default_security_group = true;
  std::string project_id;
  bool admin_state_up = true;
  std::string binding_host_id;
  std::optional<bool> port_security_enabled;        // nullopt: the network's
  std::vector<address_pair> allowed_address_pairs;  // a MAC "": the port's
  std::vector<dhcp_option_request> extra_dhcp_opts;
  std::vector<std::string> tags;
};
struct update_port {
  std::string port_id;
  std::optional<std::string> name;
  std::optional<std::string> device_id;
  std::optional<std::string> device_owner;
  std::optional<bool> admin_state_up;
  std::optional<std::vector<std::string>> security_groups;
  // The port's new addresses, as create_port's: an entry with only a
  // subnet keeps the port's address on it, if it has one.
  std::optional<std::vector<fixed_ip>> fixed_ips;
  std::optional<std::string> binding_host_id;
  std::optional<bool> port_security_enabled;
  std::optional<std::vector<address_pair>> allowed_address_pairs;   // replace the port's
  std::optional<std::vector<dhcp_option_request>> extra_dhcp_opts;  // merged by name
};
struct delete_port {
  std::string port_id;
};
struct remove {};
struct create_rbac_policy {
  std::string policy_id;  // chosen by the caller (a new uuid)
  std::string action;
  std::string target_project;
  std::string project_id;
};
struct update_rbac_policy {
  std::string policy_id;
  std::string target_project;  // the only attribute a policy changes
};
struct delete_rbac_policy {
  std::string policy_id;
};
// A change of the tags of the network, of a subnet or of a port.
struct set_tags {
  tagging::change change;
};
struct set_subnet_tags {
  std::string subnet_id;
  tagging::change change;
};
struct set_port_tags {
  std::string port_id;
  tagging::change change;
};
using command =
    std::variant<create, update, add_subnet, update_subnet, remove_subnet, create_port, update_port,
                 delete_port, remove, create_rbac_policy, update_rbac_policy, delete_rbac_policy,
                 set_tags, set_subnet_tags, set_port_tags>;
}  // namespace network

struct network_machine {
  static constexpr const char* kind = "network";
  using state = network_state;
  using event = network_event;
  using command = network::command;
  static decision<event> decide(const state& s, const command& c);
  static state apply(state s, const event& e);
};

}  // namespace cumulo
