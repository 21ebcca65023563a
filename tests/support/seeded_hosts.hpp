// Compute hosts for the compute tests: registered in a data dir before the
// cloud first starts on it, as the host streams a compute host appends when
// it reports itself; the scheduler folds them at start.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "engine/codec.hpp"
#include "store/data_dir.hpp"
#include "store/event_store.hpp"
#include "engine/host_state.hpp"

namespace cumulo {

inline const std::string kClaimedInstance = "0b8f9e0e-5f7a-4d3c-9a51-2f6d3c1e7a10";

// compute-1..compute-n: QEMU, 8 vCPUs, 16 GB, 200 GB, at 192.0.2.<i>;
// with_claim: compute-1 holds a claim of kClaimedInstance (2 vCPUs, 2 GB,
// 20 GB), as the scheduler records one for a launch.
inline void seed_hosts(const std::filesystem::path& root, int n, bool with_claim = false) {
  data_dir d(root);
  event_store store(d.events_db());
  for (int i = 1; i <= n; ++i) {
    host_registered e;
    e.hypervisor_hostname = "compute-" + std::to_string(i);
    e.hypervisor_type = "QEMU";
    e.hypervisor_version = 7002000;
    e.host_ip = "192.0.2." + std::to_string(i);
    e.vcpus = 8;
    e.memory_mb = 16384;
    e.local_gb = 200;
    append_request req{"host/compute-" + std::to_string(i),
                       event_store::no_stream,
                       {encode(e)},
                       {"req-test", "test"}};
    if (with_claim && i == 1)
      req.events.push_back(encode(host_claimed{kClaimedInstance, 2, 2048, 20}));
    ASSERT_FALSE(store.append(std::move(req)).error);
  }
}

}  // namespace cumulo
