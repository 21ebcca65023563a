// A compute host (Nova's nova-compute for one node): it owns one virt
// driver (one libvirt connection) and runs detached, on a thread of its own,
// since libvirt calls block. It registers its host with the scheduler and
// does to domains what the instance actors ask.
//
//   (register_atom)                          -> host_state: the host's capacity read from
//                                               the driver and registered (or updated) in
//                                               the scheduler through host::register_host
//   (caf::get_atom, host_atom)               -> host_info
//   (spawn_atom, domain_spec)                -> power_states (running): defined and started
//   (power_atom, instance_id, power_action)  -> power_states after the action
//   (caf::delete_atom, instance_id)          -> caf::ok_atom: destroyed and undefined (also
//                                               when there was no domain)
//   (caf::delete_atom, instance_id, bool keep_disk) -> caf::ok_atom: the same, or with
//                                               keep_disk undefined with its disk kept
//                                               (virt_driver::undefine: a move, a rescue)
//   (caf::get_atom, power_atom, instance_id) -> power_states (nostate: no domain)
//   (list_atom, power_atom)                  -> domain_power_states: every instance domain
//   (console_atom, instance_id, int32 lines) -> std::string: the console's last lines
//                                               (all when lines <= 0), at most 64 KiB
//   (console_atom, instance_id, protocol)   -> console_connection: where the running domain's
//                                               remote console is ("vnc", "serial"); errc::
//                                               bad_request "Unavailable console type"
//                                               when it has none of that protocol,
//                                               errc::conflict when it is not running
//   (reconcile_atom, std::vector<expected_domain>) -> reconcile_report
//   (snapshot_atom, instance_id, image_path, dest, format) -> snapshot_copy: the
//                                               domain's disk copied into dest (virt_driver::
//                                               snapshot), its size and checksums
//   (volume_disk_atom, caf::add_atom, instance_id, volume_disk) -> caf::ok_atom: a volume
//                                               plugged into the domain (live and config)
//   (volume_disk_atom, caf::delete_atom, instance_id, target_dev) -> caf::ok_atom: unplugged
//                                               (a guest that does not let go is an error)
// A driver failure is an error (errc::internal) whose message is the
// driver's, e.g. "Cannot start domain instance-<id>: ...".
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "actors/messages.hpp"
#include "engine/image_state.hpp"
#include "virt/virt_driver.hpp"

namespace cumulo {

using host_atom = caf::atom_constant<caf::atom("host")>;
using spawn_atom = caf::atom_constant<caf::atom("spawn")>;
using power_atom = caf::atom_constant<caf::atom("power")>;
using console_atom = caf::atom_constant<caf::atom("console")>;
using reconcile_atom = caf::atom_constant<caf::atom("reconcile")>;
using snapshot_atom = caf::atom_constant<caf::atom("snapshot")>;
using diagnostics_atom = caf::atom_constant<caf::atom("diagnose")>;
using volume_disk_atom = caf::atom_constant<caf::atom("vdisk")>;

// A snapshot's copy of a disk, as Glance records an upload: its size and
// checksums (crypto/image_digest).
struct snapshot_copy {
  std::int64_t size = 0;
  std::string md5;
  std::string sha512;
};

// What the instance actor asks a domain to do (one per user action).
struct power_action {
  enum kind { power_off, power_on, reboot_soft, reboot_hard, pause, unpause, suspend, resume };
  kind what = power_off;
};

using domain_power_states = std::map<std::string, power_states>;

// A domain the log says should be on the host, in that power state.
struct expected_domain {
  domain_spec spec;
  power_states power = power_states::running;
};

// What a reconcile did: instance ids of the domains it defined again (the
// test driver forgets them when the process stops), of the domains no live
// instance owns (reaped, as Nova's running_deleted_instance_action=reap),
// and of those it could not bring back (with the reason).
struct reconcile_report {
  std::vector<std::string> recreated;
  std::vector<std::string> reaped;
  std::map<std::string, std::string> failed;
};

// The domain an instance should have: its flavor, its image's file under
// images_dir, a NIC per bound port on its network's libvirt network, its
// volumes (the root one as its disk).
domain_spec domain_spec_of(const instance_state& s, const std::filesystem::path& images_dir);
// The disk libvirt gets for a volume the server records.
volume_disk volume_disk_of(const instance::volume_attachment& a);

// How the image boots, from its Glance record: its disk_format, and direct
// kernel boot when it names a kernel (kernel_id) and ramdisk (ramdisk_id)
// image, as Nova's libvirt driver does; os_command_line is the kernel's
// command line.
void boot_from_image(domain_spec& d, const image_state& image,
                     const std::filesystem::path& images_dir);

struct compute_host_options {
  std::string name = "compute-1";  // the host's name in the scheduler (Nova's host)
  std::shared_ptr<virt_driver> driver;
  double cpu_allocation_ratio = 16.0;
  double ram_allocation_ratio = 1.5;
  double disk_allocation_ratio = 1.0;
  // How long a guest gets to shut down before it is stopped hard (Nova's
  // shutdown_timeout).
  std::chrono::seconds shutdown_timeout{60};
};

// The compute host actors by name. Shared by the instance actors and the
// compute supervisor, which puts a new actor here when it restarts a host
// that crashed; instances look their host up at each call.
class host_directory {
 public:
  caf::actor get(const std::string& name) const {
    std::lock_guard lock(m_);
    auto it = hosts_.find(name);
    return it == hosts_.end() ? caf::actor{} : it->second;
  }
  void put(const std::string& name, caf::actor host) {
    std::lock_guard lock(m_);
    hosts_[name] = std::move(host);
  }
  std::map<std::string, caf::actor> all() const {
    std::lock_guard lock(m_);
    return hosts_;
  }

 private:
  mutable std::mutex m_;
  std::map<std::string, caf::actor> hosts_;
};

// (crash_atom) to a compute host: it dies abnormally, as a nova-compute
// process that crashes (fault injection; see compute_supervisor.hpp).
caf::actor spawn_compute_host(caf::actor_system& sys, compute_host_options opts,
                              caf::actor scheduler);

}  // namespace cumulo

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::host_info)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::domain_spec)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::power_action)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::power_states)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::domain_power_states)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::expected_domain)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<cumulo::expected_domain>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::reconcile_report)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::snapshot_copy)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::domain_diagnostics)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::console_connection)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::nic_spec)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::volume_disk)
