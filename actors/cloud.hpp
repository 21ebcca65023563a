// A whole cloud's actor core on one data dir: the actor system, the journal
// on the data dir's event database, and the conductor respawning every live
// resource from the log. `cumulo serve`, the tests and the benchmarks start
// the cloud through this one class.
#pragma once

#include "engine/tenant_plane.hpp"

#include <caf/actor.hpp>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "store/data_dir.hpp"
#include "store/event_store.hpp"
#include "store/wall_clock.hpp"
#include "virt/fault_board.hpp"
#include "crypto/password.hpp"

namespace caf {
class actor_system;
class actor_system_config;
}  // namespace caf

namespace cumulo {

class host_directory;

// One compute host of the cloud. With no URI it is a host of libvirt's test
// driver with a node of its own (<data_dir>/hosts/<name>.xml: these vCPUs
// and this memory), so several hosts each have their own capacity.
struct compute_host_config {
  std::string name = "compute-1";
  std::string uri;  // "": a test node of its own
  int vcpus = 8;
  std::int64_t memory_mb = 16384;
  std::int64_t local_gb = 200;  // 0: the size of the data dir's file system
  // Real guests: kvm, qemu (TCG) or auto (kvm where it boots a guest).
  std::string virt_type = "auto";
  // Nova's shutdown_timeout: how long a guest gets to stop before it is
  // stopped hard.
  std::chrono::seconds shutdown_timeout{60};
};

struct cloud_options {
  std::filesystem::path data_dir = "cumulo-data";
  durability sync = durability::full;
  std::size_t threads = 2;  // CAF scheduler workers
  std::chrono::seconds token_ttl{3600};
  password_cost cost;  // of new password hashes (tests use the cheapest)
  // Identity's time (token issue, expiry, revocations): tests inject theirs.
  clock_fn clock = wall_clock();
  // The hypervisor networks (and, later, instances) live on: libvirt's
  // in-process test driver by default.
  std::string hypervisor_uri = "test:///default";
  // The compute hosts; empty: one, compute-1, with compute_host_config's defaults.
  std::vector<compute_host_config> compute_hosts;
  // Refuse to spawn an instance whose image has no file in <data_dir>/images
  // (always so on real hypervisors; the test driver boots nothing).
  bool require_image_files = false;
  // Faults injected through the fault API (`serve --faults`); null: none
  // can be. With a board, each host's driver is wrapped by
  // faulty_virt_driver, the volume backend by faulty_volume_backend, and
  // hosts can be crashed.
  std::shared_ptr<fault_board> faults;
  // A spawn that takes longer is given up and the build rescheduled.
  std::chrono::seconds spawn_timeout{300};
  // Nova's [quota] reservation_expire: the quota a launch reserved and never
  // committed or released is freed after this long.
  std::chrono::seconds reservation_expiry{86400};
  // How long the compute door waits for one launch's answer before it gives
  // its reservation back.
  std::chrono::milliseconds launch_timeout{std::chrono::seconds(60)};
  // The tenant plane's external network (real guests): an external subnet
  // with this CIDR has its gateway address on the host; external networks
  // use `external_bridge` (a bridge of the host's) when set.
  std::string external_cidr = "172.24.4.0/24";
  std::string external_bridge;
  bool external_masquerade = false;  // the host lets the external CIDR out (NAT)
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
  // Glance's door: the image index and the image files (image_dir()).
  const caf::actor& image_registry() const { return image_registry_; }
  std::filesystem::path image_dir() const;
  // Nova's API side: flavors, keypairs, compute quotas and their index.
  const caf::actor& compute() const { return compute_; }
  // The libvirt side of networks.
  const caf::actor& network_host() const { return network_host_; }
  // Real guests' networks are the tenant plane (actors/network_host.hpp).
  bool runs_tenant_plane() const { return real_plane_; }
  // Nova's scheduler (the hosts' capacity and claims).
  const caf::actor& scheduler() const { return scheduler_; }
  // The compute hosts, by name (actors/compute_host.hpp): the current
  // actors (a crashed host is started again by the compute supervisor).
  std::map<std::string, caf::actor> compute_hosts() const;
  // The directory itself, for whoever must follow those restarts (the API).
  std::shared_ptr<const host_directory> compute_host_directory() const { return compute_hosts_; }
  // Remote consoles: their tokens, and where each leads (the console proxy's).
  const caf::actor& console_auth() const { return console_auth_; }
  // Cinder's door (actors/block_storage.hpp) and its volume host (the
  // file backend in <data_dir>/volumes).
  const caf::actor& block_storage() const { return block_storage_; }
  const caf::actor& volume_host() const { return volume_host_; }
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
  caf::actor image_registry_;
  caf::actor network_host_;
  // The tenant plane's options, and whether it runs (real guests).
  plane_options plane_;
  bool real_plane_ = false;
  caf::actor scheduler_;
  std::shared_ptr<host_directory> compute_hosts_;
  caf::actor compute_supervisor_;
  std::shared_ptr<fault_board> faults_;
  caf::actor compute_;
  caf::actor console_auth_;
  caf::actor volume_host_;
  caf::actor block_storage_;
  std::int64_t events_at_start_ = 0;

  void start_compute(const cloud_options& opts);
  void stop_actors();
};

}  // namespace cumulo
