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
  std::string ignore_reason;  // why they are ignored; "" for a failed build
  // Only this host may be chosen (an admin's live migration target); ""
  // for any.
  std::string requested_host;
  // Its server group's policy ("" for none): affinity, anti-affinity (at
  // most max_server_per_host members a host, 1 when 0), or their soft forms.
  std::string group_id;
  std::string group_policy;
  std::int64_t max_server_per_host = 0;
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

// Nova's ServerGroupAffinityFilter / ServerGroupAntiAffinityFilter: whether a
// host may take the instance given the other members of its group
// (`members`: their instance ids; a host holds those it has claims for;
// `members_placed`: some host holds one, else an affinity group's first
// member goes anywhere).
std::optional<std::string> server_group_filter(const host_state& h, const request_spec& r,
                                               const std::vector<std::string>& members,
                                               bool members_placed);

// Runs the filters in the order above and the group filter (a host is
// rejected by the first that fails), then weighs the rest: the soft
// policies first (ServerGroupSoftAffinityWeigher and its anti form: members
// on the host), then most free RAM, ties by hostname so the choice is
// deterministic.
schedule_result select_destination(const std::vector<const host_state*>& hosts,
                                   const request_spec& r,
                                   const std::vector<std::string>& members = {});

// Nova's NoValidHost text, for the instance's fault.
std::string no_valid_host_message();

}  // namespace cumulo
