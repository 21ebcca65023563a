// A compute host (Nova's compute node and its service), stream
// host/<hostname>: its capacity, allocation ratios and the claims of the
// instances placed on it. A claim is decided against the capacity here, so
// launches in parallel can never overcommit a host.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "engine/codec.hpp"
#include <nlohmann/json.hpp>

#include "engine/resource.hpp"

namespace cumulo {

// --- events (schema in schemas/events/host.json) ---
struct host_registered {
  static constexpr const char* type_name = "host.registered";
  static constexpr int schema_version = 1;
  std::string hypervisor_hostname;
  std::string hypervisor_type;          // "QEMU", "test"
  std::int64_t hypervisor_version = 0;  // libvirt's form: 7002000 is 7.2.0
  std::string host_ip;
  int vcpus = 0;
  std::int64_t memory_mb = 0;
  std::int64_t local_gb = 0;
  double cpu_allocation_ratio = 16.0;
  double ram_allocation_ratio = 1.5;
  double disk_allocation_ratio = 1.0;
  MSGPACK_DEFINE_MAP(hypervisor_hostname, hypervisor_type, hypervisor_version, host_ip, vcpus,
                     memory_mb, local_gb, cpu_allocation_ratio, ram_allocation_ratio,
                     disk_allocation_ratio)
};

// A host registered again with something changed: only those are set.
struct host_updated {
  static constexpr const char* type_name = "host.updated";
  static constexpr int schema_version = 1;
  std::optional<std::string> hypervisor_hostname;
  std::optional<std::string> hypervisor_type;
  std::optional<std::int64_t> hypervisor_version;
  std::optional<std::string> host_ip;
  std::optional<int> vcpus;
  std::optional<std::int64_t> memory_mb;
  std::optional<std::int64_t> local_gb;
  std::optional<double> cpu_allocation_ratio;
  std::optional<double> ram_allocation_ratio;
  std::optional<double> disk_allocation_ratio;
  MSGPACK_DEFINE_MAP(hypervisor_hostname, hypervisor_type, hypervisor_version, host_ip, vcpus,
                     memory_mb, local_gb, cpu_allocation_ratio, ram_allocation_ratio,
                     disk_allocation_ratio)
};

struct host_claimed {
  static constexpr const char* type_name = "host.claimed";
  static constexpr int schema_version = 1;
  std::string instance_id;
  int vcpus = 0;
  std::int64_t memory_mb = 0;
  std::int64_t disk_gb = 0;
  MSGPACK_DEFINE_MAP(instance_id, vcpus, memory_mb, disk_gb)
};

struct host_released {
  static constexpr const char* type_name = "host.released";
  static constexpr int schema_version = 1;
  std::string instance_id;
  MSGPACK_DEFINE_MAP(instance_id)
};

// A claim changes hands without being given up (Nova's move of a source
// allocation to the migration's consumer): a resize's source keeps the
// instance's resources under the migration's id until it is confirmed or
// reverted.
struct host_claim_moved {
  static constexpr const char* type_name = "host.claim_moved";
  static constexpr int schema_version = 1;
  std::string from;
  std::string to;
  MSGPACK_DEFINE_MAP(from, to)
};

struct host_disabled {
  static constexpr const char* type_name = "host.disabled";
  static constexpr int schema_version = 1;
  std::string reason;
  MSGPACK_DEFINE_MAP(reason)
};

struct host_enabled {
  static constexpr const char* type_name = "host.enabled";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

// An admin says the host is down (Nova's forced_down, os-services 2.11):
// fenced, its guests no longer running, so its servers may be evacuated;
// the scheduler passes it over until it is up again.
struct host_forced_down {
  static constexpr const char* type_name = "host.forced_down";
  static constexpr int schema_version = 1;
  bool forced_down = true;
  MSGPACK_DEFINE_MAP(forced_down)
};

using host_event = std::variant<host_registered, host_updated, host_claimed, host_released,
                                host_disabled, host_enabled, host_claim_moved, host_forced_down>;

// --- state ---
struct host_claim {
  int vcpus = 0;
  std::int64_t memory_mb = 0;
  std::int64_t disk_gb = 0;
};

struct host_state : resource_meta {
  std::string hypervisor_hostname;
  std::string hypervisor_type;
  std::int64_t hypervisor_version = 0;
  std::string host_ip;
  int vcpus = 0;
  std::int64_t memory_mb = 0;
  std::int64_t local_gb = 0;
  double cpu_allocation_ratio = 16.0;
  double ram_allocation_ratio = 1.5;
  double disk_allocation_ratio = 1.0;
  bool enabled = true;
  std::string disabled_reason;
  bool forced_down = false;
  std::map<std::string, host_claim> claims;  // by instance id

  // Usage is the sum of the claims (Nova's *_used of a hypervisor).
  int vcpus_used() const;
  std::int64_t memory_mb_used() const;
  std::int64_t local_gb_used() const;
  int running_vms() const { return static_cast<int>(claims.size()); }
};

// What may be allocated with the ratios: Placement's capacity,
// int(total * allocation_ratio).
std::int64_t vcpus_limit(const host_state& h);
std::int64_t memory_mb_limit(const host_state& h);
std::int64_t local_gb_limit(const host_state& h);

// Why the host cannot take that much more now, or nullopt when it can. An
// instance may not overcommit against itself (more than the physical total),
// only against others (Nova's RamFilter/CoreFilter/DiskFilter).
// "insufficient RAM: requested 512 MB, free 256 MB"
std::optional<std::string> ram_shortfall(const host_state& h, std::int64_t memory_mb);
// "insufficient vCPUs: requested 4, free 2"
std::optional<std::string> vcpu_shortfall(const host_state& h, int vcpus);
// "insufficient disk: requested 20 GB, free 10 GB"
std::optional<std::string> disk_shortfall(const host_state& h, std::int64_t disk_gb);

void to_json(nlohmann::json& j, const host_state& s);

// --- commands ---
namespace host {
// A compute host reports itself (at every start): registers it the first
// time, then updates what changed.
struct register_host {
  std::string hypervisor_hostname;
  std::string hypervisor_type;
  std::int64_t hypervisor_version = 0;
  std::string host_ip;
  int vcpus = 0;
  std::int64_t memory_mb = 0;
  std::int64_t local_gb = 0;
  double cpu_allocation_ratio = 16.0;
  double ram_allocation_ratio = 1.5;
  double disk_allocation_ratio = 1.0;
};
struct claim {
  std::string instance_id;
  int vcpus = 0;
  std::int64_t memory_mb = 0;
  std::int64_t disk_gb = 0;
};
struct release {
  std::string instance_id;
};
struct disable {
  std::string reason;
};
struct enable {};
struct move_claim {
  std::string from;
  std::string to;
};
struct force_down {
  bool down = true;
};
using command =
    std::variant<register_host, claim, release, disable, enable, move_claim, force_down>;
}  // namespace host

struct host_machine {
  static constexpr const char* kind = "host";
  using state = host_state;
  using event = host_event;
  using command = host::command;
  static decision<event> decide(const state& s, const command& c);
  static state apply(state s, const event& e);
};

}  // namespace cumulo
