// A whole cloud's actor core on one data dir: the actor system, the journal
// on the data dir's event database, and the conductor respawning every live
// resource from the log. `cumulo serve`, the tests and the benchmarks start
// the cloud through this one class.
#pragma once

#include <caf/actor.hpp>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>

#include "engine/data_dir.hpp"
#include "engine/event_store.hpp"
#include "engine/password.hpp"

namespace caf {
class actor_system;
class actor_system_config;
}  // namespace caf

namespace cumulo {

struct cloud_options {
  std::filesystem::path data_dir = "cumulo-data";
  durability sync = durability::full;
  std::size_t threads = 2;  // CAF scheduler workers
  std::chrono::seconds token_ttl{3600};
  password_cost cost;  // of new password hashes (tests use the cheapest)
  // The hypervisor networks (and, later, instances) live on: libvirt's
  // in-process test driver by default.
  std::string hypervisor_uri = "test:///default";
};

class cloud {
 public:
  // Throws data_dir_error, store_error, or std::runtime_error if the log
  // does not fold; nothing is left running then.
  explicit cloud(const cloud_options& opts);
  // Graceful stop: the conductor stops its children, the journal writes
  // what it accepted, and the actor system joins.
  ~cloud();
  cloud(const cloud&) = delete;
  cloud& operator=(const cloud&) = delete;

  caf::actor_system& system();
  const caf::actor& conductor() const { return conductor_; }
  const caf::actor& journal() const { return journal_; }
  // Keystone: tokens, and the door of every identity command.
  const caf::actor& identity() const { return identity_; }
  // Neutron: the index of networks, subnets and ports, and their door.
  const caf::actor& networking() const { return networking_; }
  // Nova's API side: flavors, keypairs, compute quotas and their index.
  const caf::actor& compute() const { return compute_; }
  // The libvirt side of networks.
  const caf::actor& network_host() const { return network_host_; }
  const data_dir& dir() const { return *dir_; }
  // Events in the log when the cloud started.
  std::int64_t events_at_start() const { return events_at_start_; }

 private:
  std::unique_ptr<data_dir> dir_;
  std::unique_ptr<caf::actor_system_config> config_;
  std::unique_ptr<caf::actor_system> system_;
  caf::actor journal_;
  caf::actor conductor_;
  caf::actor identity_;
  caf::actor networking_;
  caf::actor network_host_;
  caf::actor compute_;
  std::int64_t events_at_start_ = 0;
};

}  // namespace cumulo
