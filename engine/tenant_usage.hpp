// Nova's simple tenant usage, computed exactly from the instances' event
// streams: each server's life is cut into flavor periods (from its launch,
// a new flavor at each finished resize and revert, to its delete), and the
// hours of each period that fall in the asked window weigh its vCPUs, RAM
// and disk. Pure: the caller gives the events, the window and "now".
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/event.hpp"
#include "engine/instance_state.hpp"

namespace cumulo {

struct server_usage {
  std::string instance_id;
  std::string name;
  std::string tenant_id;
  instance::flavor flavor;         // the last one in the window (Nova's instance.flavor)
  std::int64_t started_at_us = 0;  // launched (or requested, when never launched)
  std::int64_t ended_at_us = 0;    // deleted; 0 while the server lives
  std::string state;               // vm_state, "terminated" once deleted
  double hours = 0;                // in the window
  double vcpu_hours = 0;           // each period's hours × its flavor's
  double memory_mb_hours = 0;
  double local_gb_hours = 0;
};

struct tenant_usage {
  std::string tenant_id;
  std::vector<server_usage> servers;  // by start, then id
  double total_hours = 0;
  double total_vcpus_usage = 0;
  double total_memory_mb_usage = 0;
  double total_local_gb_usage = 0;
};

// The usage of every server whose life meets [start_us, end_us) (end
// bounded by now_us), by tenant. `events` holds whole instance streams, in
// log order (events of other kinds are skipped); a stream that does not
// fold is left out.
std::map<std::string, tenant_usage> usage_by_tenant(const recorded_events& events,
                                                    std::int64_t start_us, std::int64_t end_us,
                                                    std::int64_t now_us);

}  // namespace cumulo
