// Choosing a compute host for an instance, as Nova's filter scheduler does:
// filters drop the hosts that cannot take it (each says why), a weigher
// orders the rest. Pure: the scheduler actor passes the hosts' states, and
// the claim on the chosen host (host_machine) is what really reserves.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/host_state.hpp"
#include "engine/instance_state.hpp"

namespace cumulo {

struct request_spec {
  std::string instance_id;
  int vcpus = 0;
  std::int64_t memory_mb = 0;
  std::int64_t disk_gb = 0;
  // Hosts a build of this instance already failed on (Nova's ignore_hosts
  // of a reschedule): never chosen again for it.
  std::vector<std::string> ignore_hosts;
};

// What a flavor asks of a host: disk is root + ephemeral + swap, in GB
// rounded up.
request_spec make_request_spec(const std::string& instance_id, const instance::flavor& f);

// Each filter: why the host does not pass, or nullopt when it does.
// ComputeFilter: "host is disabled: <reason>"
std::optional<std::string> compute_filter(const host_state& h, const request_spec& r);
// RamFilter, with ram_allocation_ratio
std::optional<std::string> ram_filter(const host_state& h, const request_spec& r);
// CoreFilter, with cpu_allocation_ratio
std::optional<std::string> core_filter(const host_state& h, const request_spec& r);
// DiskFilter, with disk_allocation_ratio
std::optional<std::string> disk_filter(const host_state& h, const request_spec& r);

struct schedule_result {
  std::optional<std::string> host;  // the host's id (its hostname); nullopt: none fits
  std::vector<std::pair<std::string, std::string>> rejections;  // host -> reason, input order
};

// Runs the filters in the order above (a host is rejected by the first that
// fails), then weighs the rest: most free RAM first, ties by hostname so the
// choice is deterministic.
schedule_result select_destination(const std::vector<const host_state*>& hosts,
                                   const request_spec& r);

// Nova's NoValidHost text, for the instance's fault.
std::string no_valid_host_message();

}  // namespace cumulo
