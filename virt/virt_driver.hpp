// What Nova's compute service asks of a hypervisor (its "virt driver"):
// the host's capacity, and the life of one domain per instance. The compute
// host actor owns one driver; libvirt_driver.hpp is the implementation.
// Calls block (libvirt may take seconds): never call them on CAF's
// scheduler threads.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/instance_metadata.hpp"
#include "engine/instance_state.hpp"

namespace cumulo {

// Refused or failed by the hypervisor; the message is what the instance's
// fault shows.
class virt_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What a compute node reports (Nova's hypervisor fields).
struct host_info {
  std::string hostname;                 // hypervisor_hostname
  std::string hypervisor_type;          // "test", "QEMU"
  std::int64_t hypervisor_version = 0;  // libvirt's form: 9000000 is 9.0.0
  int vcpus = 0;
  std::int64_t memory_mb = 0;
  std::int64_t local_gb = 0;
  // cpu_info
  std::string cpu_model;
  int cpu_mhz = 0;
  int cpu_sockets = 0;
  int cpu_cores = 0;
  int cpu_threads = 0;
};

struct nic_spec {
  std::string mac_address;
  std::string network;  // the libvirt network's name (libvirt_network_name)
  // The port: drivers that filter (real guests) reference its nwfilter
  // (virt/nwfilter.hpp), which the network host defines from its security
  // groups and keeps current while the guest runs.
  std::string port_id;
};

// A Cinder volume as a disk of a domain, as Nova's libvirt volume drivers
// plug it: raw bytes on the virtio bus, a file or a block device
// (virt/volume_backend.hpp's volume_location), with the volume's id as the
// disk's serial so that a guest can tell its volumes apart
// (/dev/disk/by-id/virtio-<serial>). virtio-blk carries at most 20
// characters of serial: the id's first 20.
struct volume_disk {
  std::string volume_id;
  std::string target_dev;  // "vdb": the device the attachment records (vd + letters)
  std::string path;        // the volume's file or block device
  std::string format = "raw";
  bool block_device = false;
  bool read_only = false;
};

// One instance's domain, as the compute host is asked to spawn it.
struct domain_spec {
  std::string instance_id;  // the domain's uuid
  std::string name;         // the server's name (kept in the domain's metadata)
  int vcpus = 0;
  std::int64_t memory_mb = 0;
  std::int64_t disk_gb = 0;
  std::string image_path;  // the image's file: <data_dir>/images/<id>
  std::vector<nic_spec> nics;
  std::string flavor_name;
  std::string project_id;
  // How a real guest boots (ignored by libvirt's test driver).
  std::string image_format = "raw";  // the image's disk_format: the overlay's backing format
  std::string kernel_path;           // direct kernel boot (image property kernel_id) when set
  std::string ramdisk_path;          // its initrd (ramdisk_id)
  std::string kernel_args;           // os_command_line; "" for console=ttyS0 root=/dev/vda
  // The config drive's content.
  std::string hostname;
  std::string user_data;  // base64, as the API received it
  std::map<std::string, std::string> metadata;
  std::string availability_zone;
  std::string admin_pass;  // the first spawn's password ("" for none): a secret, never logged
  // What else the config drive says (key pair, ports and their subnets,
  // floating IPs...), as the metadata service would (the compute door's
  // instance_metadata); the fields above win over its own. nullopt: only
  // those fields.
  std::optional<instance_metadata> drive_metadata;
  // A move (resize, migration) or the end of a rescue: the instance's disk,
  // when it has one, is used again (grown to disk_gb), not made anew.
  bool keep_disk = false;
  // The disk is a copy of the image, not an overlay on it (an unshelve: the
  // shelved image is deleted once the instance runs).
  bool copy_image = false;
  // A rescue: the domain boots an overlay on this image, its own disk
  // attached second.
  std::string rescue_image_path;
  std::string rescue_image_format = "raw";
  // The volumes attached to the instance, each at its target_dev after the
  // root disk: every spawn (a hard reboot's definition, a rebuild, a move,
  // an unrescue) carries them, so they stay with the server. A rescue
  // leaves them out (Nova's rescue boots with its own disk and the
  // instance's root only), whose targets could clash with the root's vdb.
  std::vector<volume_disk> volumes;
  // Boot from volume: the root disk (vda; vdb under a rescue) is this
  // volume, so no overlay or copy of an image is made, keep_disk and
  // copy_image have nothing to act on, and image_path is not read. A
  // kernel_path still boots directly, root=/dev/vda on the volume.
  std::optional<volume_disk> boot_volume;
};

// What the hypervisor measures of a domain (Nova's server diagnostics):
// counters since the domain started, in the units libvirt gives.
struct domain_diagnostics {
  power_states state = power_states::nostate;
  std::string hypervisor;  // libvirt's virt type: "kvm", "qemu", "test"
  bool config_drive = false;
  int vcpus = 0;
  std::int64_t memory_max_kib = 0;
  std::int64_t memory_used_kib = 0;        // the QEMU process's resident set, else the balloon
  std::vector<std::int64_t> vcpu_time_ns;  // per vCPU; empty when the driver has none
  struct nic {
    std::string mac;   // from the domain's definition
    std::string name;  // the host's side (vnetN)
    std::int64_t rx_octets = 0, rx_errors = 0, rx_drop = 0, rx_packets = 0;
    std::int64_t tx_octets = 0, tx_errors = 0, tx_drop = 0, tx_packets = 0;
  };
  std::vector<nic> nics;  // in the domain's order (the instance's ports' order)
  struct disk {
    std::string name;  // vda, vdb, ...
    std::int64_t read_bytes = 0, read_requests = 0, write_bytes = 0, write_requests = 0;
    std::int64_t errors = 0;
  };
  std::vector<disk> disks;
};

// Where a running domain's remote console is reached (Nova's console
// types): the address of the VNC server QEMU runs for it, or the file its
// serial port writes to (cumulo's serial consoles follow that file; the
// port takes no input).
struct console_connection {
  std::string protocol;              // "vnc" | "serial"
  std::string host;                  // vnc: the address the VNC server listens on
  int port = 0;                      // vnc: its port
  std::filesystem::path serial_log;  // serial: the file the console writes
};

// A console the domain does not have (VNC on the test hypervisor, a
// protocol no driver speaks): Nova's "Unavailable console type".
class console_unavailable : public virt_error {
 public:
  using virt_error::virt_error;
};

// Told the current power state of an instance's domain when libvirt
// reports a change (the guest powered itself off, crashed, was started).
// Called on a thread of the driver's: it must not block.
using power_listener = std::function<void(const std::string& instance_id, power_states)>;

// libvirt's domain name of an instance.
std::string domain_name(const std::string& instance_id);

class virt_driver {
 public:
  virtual ~virt_driver() = default;

  virtual host_info host() = 0;
  // Defines and starts the domain. A domain that already exists for this
  // instance is refused (a spawn is never repeated over a live guest).
  virtual void spawn(const domain_spec& spec) = 0;
  // ACPI shutdown, then a hard stop if the guest is still up after `graceful`.
  virtual void power_off(const std::string& instance_id, std::chrono::seconds graceful) = 0;
  virtual void power_on(const std::string& instance_id) = 0;
  // Soft: the guest reboots itself; hard: destroyed and started again, from
  // whatever state (stopped, paused, suspended) it was in.
  virtual void reboot(const std::string& instance_id, reboot_type type) = 0;
  virtual void pause(const std::string& instance_id) = 0;
  virtual void unpause(const std::string& instance_id) = 0;
  // Suspend saves the guest's memory to disk and stops it; resume restores it.
  virtual void suspend(const std::string& instance_id) = 0;
  virtual void resume(const std::string& instance_id) = 0;
  // Stops and undefines the domain; nothing to do when there is none.
  virtual void destroy(const std::string& instance_id) = 0;
  // Stops and undefines the domain but keeps the instance's disk, for a
  // spawn with keep_disk (a move, a rescue); a rescue disk goes.
  virtual void undefine(const std::string& instance_id) = 0;
  // nostate when the instance has no domain.
  virtual power_states power_state(const std::string& instance_id) = 0;
  // Every instance domain of the host, by instance id.
  virtual std::map<std::string, power_states> power_states_all() = 0;
  // The domain's counters; state nostate when the instance has none.
  virtual domain_diagnostics diagnostics(const std::string& instance_id) = 0;
  // Hot plug (os-interface): the NIC joins the domain, live while it runs
  // and in its definition; unplugged by its MAC. Nothing to do when the
  // instance has no domain (its next spawn has its ports).
  virtual void attach_interface(const std::string& instance_id, const nic_spec& nic) = 0;
  virtual void detach_interface(const std::string& instance_id, const std::string& mac) = 0;
  // os-volume_attachments: the volume becomes the domain's disk at its
  // target_dev, live while the domain runs and in its definition (so it
  // stays through a power off/on and a hard reboot); only the definition
  // when the domain is shut off. Idempotent (a retry after a crash): the
  // target holding this volume's path already is done; the target holding
  // another path is a virt_error. Refused for a suspended domain (its
  // saved memory has no such disk). Nothing to do when the instance has
  // no domain (its next spawn has its volumes).
  virtual void attach_volume(const std::string& instance_id, const volume_disk& disk) = 0;
  // Unplugged from the running guest and removed from the definition. A
  // real guest must let go of the disk (ACPI PCI hot unplug): the call
  // waits for that, bounded, and throws virt_error("Device detach failed
  // for vdb: ...") when the guest does not; a retry waits again. A target
  // the domain has in neither place: nothing to do.
  virtual void detach_volume(const std::string& instance_id, const std::string& target_dev) = 0;
  // The last `max_lines` lines of the console (all when 0), at most
  // `max_bytes` from the end.
  virtual std::string console_output(const std::string& instance_id, std::size_t max_lines,
                                     std::size_t max_bytes = 64 * 1024) = 0;
  // The remote console of a running domain by protocol ("vnc", "serial"):
  // console_unavailable when the domain has none of that protocol,
  // virt_error when it is not running.
  virtual console_connection remote_console(const std::string& instance_id,
                                            const std::string& protocol) = 0;
  // Copies the instance's disk as it is now into `dest` (a new file) in
  // `format` (the image's disk_format, raw or qcow2), for a snapshot: the
  // boot volume's bytes when it boots from one. `image_path` is the image
  // the instance booted from. Refused (virt_error) by drivers that have no
  // disks.
  virtual void snapshot(const std::string& /*instance_id*/,
                        const std::filesystem::path& /*image_path*/,
                        const std::filesystem::path& /*dest*/, const std::string& /*format*/) {
    throw virt_error("This hypervisor cannot take snapshots.");
  }
  // Drivers that watch their domains call the listener on each change;
  // others never do.
  virtual void on_power_change(power_listener) {}
  // Removes what instances left behind on the host without a domain (a
  // disk whose domain was never defined, after a crash), except `keep`.
  // Returns their instance ids.
  virtual std::vector<std::string> reap_leftovers(const std::set<std::string>& /*keep*/) {
    return {};
  }
};

}  // namespace cumulo
