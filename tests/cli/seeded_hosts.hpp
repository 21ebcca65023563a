// Compute hosts for the compute tests: registered in a data dir before the
// cloud first starts on it, as the host streams a compute host appends when
// it reports itself; the scheduler folds them at start.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "engine/codec.hpp"
#include "engine/data_dir.hpp"
#include "engine/event_store.hpp"
#include "engine/host_state.hpp"

namespace cumulo {

// compute-1..compute-n: QEMU, 8 vCPUs, 16 GB, 200 GB, at 192.0.2.<i>.
inline void seed_hosts(const std::filesystem::path& root, int n) {
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
    ASSERT_FALSE(store.append(std::move(req)).error);
  }
}

}  // namespace cumulo
