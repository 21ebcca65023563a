// The virt driver over libvirt's C API. With libvirt's test driver
// (test:///default, or test:///<node file> for a host of its own capacity)
// domains are defined and change state in memory, with no guest running:
// that is what `cumulo serve` uses by default, so every launch exercises
// the libvirt calls.
//
// Real guests (qemu:///system): each instance gets <console_dir>/<id>/ with
// disk.qcow2 (a qcow2 overlay on the image, sized by the flavor's disk),
// config.iso (its config drive) and console.log (its serial console). The
// domain is type kvm where KVM can boot a guest, qemu (TCG) elsewhere
// (virt_type), boots the image's kernel directly when the image has one
// (kernel_id/ramdisk_id) and has a NIC per port on the network's libvirt
// network. libvirt's lifecycle events go to the power listener.
//
// Volumes (Cinder's) are virtio disks of raw bytes whose serial is the
// volume's id, at the target the attachment names; a boot volume is vda
// itself. They are never under <console_dir>: removing a domain removes
// the instance's folder and never a volume. The test driver plugs
// nothing live (libvirt has no hot plug there): a volume attached or
// detached changes its definition only, which a power off/on brings live.
//
// Console output: the test driver has no serial console, so the console
// log of an instance (<console_dir>/<instance id>/console.log) holds the lines the
// driver writes for each thing it does to the domain (defined, started,
// powered off, ...). A real guest will write its serial console into the
// same file, and console_output reads it the same way.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "engine/clock.hpp"
#include "virt/virt_driver.hpp"

struct _virConnect;
struct _virDomain;

namespace cumulo {

struct libvirt_driver_options {
  std::string uri = "test:///default";
  // The hypervisor_hostname to report; "": libvirt's.
  std::string hostname;
  // The disk the host offers, in GB; 0: the size of console_dir's file system.
  std::int64_t local_gb = 0;
  std::filesystem::path console_dir;
  // Refuse a spawn whose image file is missing (always on for real
  // hypervisors; the test driver boots nothing, so it is optional there).
  bool require_image_files = false;
  // Nova's libvirt.virt_type: "kvm", "qemu" (TCG emulation) or "auto": kvm
  // when the host can run it (see detect_virt_type), else qemu.
  std::string virt_type = "auto";
  // Stamps the lines the test driver writes to a console log (the caller
  // passes the wall clock; virt/ reads none of its own).
  clock_fn clock;
  // How long a volume's detach waits for a real guest to release the disk
  // (ACPI PCI hot unplug) before it fails.
  std::chrono::milliseconds detach_timeout{std::chrono::seconds(30)};
  // Where the tenant plane keeps each network's DHCP files
  // (<dhcp_dir>/<network id>/hosts); "" when networks are libvirt's. With
  // the plane, a real guest's NIC is plugged into its network's bridge
  // (`<interface type='bridge'>`), not into a libvirt network.
  std::string dhcp_dir;
};

// "kvm" when /dev/kvm is there, the CPU has hardware virtualization (vmx or
// svm: a nested KVM without it, such as PVM, boots no stock kernel; the
// guest hangs with no output) and libvirt offers kvm domains; else "qemu".
// `why` says which test decided.
std::string detect_virt_type(_virConnect* conn, std::string* why = nullptr);

// true for libvirt's in-process test driver (test:///...).
bool is_test_uri(const std::string& uri);

// Writes a node file of libvirt's test driver (one NUMA node with `vcpus`
// CPUs and `memory_mb` of RAM) and returns its test:// URI. Each
// connection to it is a separate host with that capacity.
std::string write_test_node(const std::filesystem::path& file, int vcpus, std::int64_t memory_mb);

// The domain XML of a spec: name instance-<id>, uuid the instance's id,
// the server's name, flavor and project in cumulo's metadata namespace.
// For real guests, `virt_type` is the domain type (kvm or qemu) and
// `instance_dir` holds disk.qcow2 and config.iso; `run_as_root` keeps
// QEMU as root (when libvirt-qemu can't reach the data dir). The spec's
// volumes follow the root disk; a real guest's volume files get
// cache='none' where their file system takes O_DIRECT (the file is
// opened to find out), else 'writethrough' (tmpfs), as Nova chooses.
std::string libvirt_domain_xml(const domain_spec& spec, bool test_driver,
                               const std::filesystem::path& console_log,
                               const std::string& virt_type = "qemu",
                               const std::filesystem::path& instance_dir = {},
                               bool run_as_root = false, bool bridges = false);

class libvirt_driver final : public virt_driver {
 public:
  // Throws virt_error with libvirt's message when the URI can't be opened.
  explicit libvirt_driver(libvirt_driver_options opts);
  ~libvirt_driver() override;
  libvirt_driver(const libvirt_driver&) = delete;
  libvirt_driver& operator=(const libvirt_driver&) = delete;

  host_info host() override;
  void spawn(const domain_spec& spec) override;
  void power_off(const std::string& instance_id, std::chrono::seconds graceful) override;
  void power_on(const std::string& instance_id) override;
  void reboot(const std::string& instance_id, reboot_type type) override;
  void pause(const std::string& instance_id) override;
  void unpause(const std::string& instance_id) override;
  void suspend(const std::string& instance_id) override;
  void resume(const std::string& instance_id) override;
  void destroy(const std::string& instance_id) override;
  void undefine(const std::string& instance_id) override;
  power_states power_state(const std::string& instance_id) override;
  std::map<std::string, power_states> power_states_all() override;
  domain_diagnostics diagnostics(const std::string& instance_id) override;
  console_connection remote_console(const std::string& instance_id,
                                    const std::string& protocol) override;
  void attach_interface(const std::string& instance_id, const nic_spec& nic) override;
  void detach_interface(const std::string& instance_id, const std::string& mac) override;
  void attach_volume(const std::string& instance_id, const volume_disk& disk) override;
  void detach_volume(const std::string& instance_id, const std::string& target_dev) override;
  std::string console_output(const std::string& instance_id, std::size_t max_lines,
                             std::size_t max_bytes = 64 * 1024) override;
  // The test driver's domains have no disk: their snapshot is a copy of
  // the image they booted from. A real guest's overlay is converted by
  // qemu-img, the guest paused meanwhile so that the copy is consistent.
  // A domain whose root is a volume (on either driver) gives the
  // volume's bytes, converted the same way.
  void snapshot(const std::string& instance_id, const std::filesystem::path& image_path,
                const std::filesystem::path& dest, const std::string& format) override;
  void on_power_change(power_listener listener) override;
  std::vector<std::string> reap_leftovers(const std::set<std::string>& keep) override;

  // The console log file of an instance.
  std::filesystem::path console_log(const std::string& instance_id) const;
  // The domain's XML as libvirt has it: its definition (persistent), or
  // the running domain's; virt_error when the instance has none. For
  // tests and debugging: what a guest is given.
  std::string domain_xml(const std::string& instance_id, bool persistent = true) const;
  // kvm or qemu for real guests; "test" for the test driver.
  const std::string& virt_type() const { return virt_type_; }
  // Called by libvirt's event thread.
  void domain_changed(const std::string& domain, power_states power);

 private:
  void log_console(const std::string& instance_id, const std::string& line) const;
  std::filesystem::path instance_dir(const std::string& instance_id) const;
  struct spawn_times {
    double overlay_ms = 0;
    double config_drive_ms = 0;
  };
  void prepare_disks(const domain_spec& spec, spawn_times& times) const;
  // Refuses volumes a domain can't have (a bad or repeated target, vda
  // which is the root's); for real guests, makes their paths absolute and
  // requires them to be there. The boot volume's target becomes the root's.
  void check_volumes(domain_spec& spec) const;
  void wait_for_networks(const domain_spec& spec) const;
  // Waits (at most 10 s) for the port's DHCP host entry in its network.
  void wait_for_dhcp_host(const nic_spec& nic) const;
  bool bridges() const { return !test_ && !opts_.dhcp_dir.empty(); }
  // Whether a domain is this driver's (its metadata names our instances folder).
  bool owned(_virDomain* d) const;
  // Waits (at most 10 s) for the filters of the spec's ports (real
  // guests), which the network host defines; then one that denies ingress
  // for a port still without.
  void wait_for_port_filters(const domain_spec& spec) const;
  // Stops and undefines the domain; true when it had one.
  bool remove_domain(const std::string& instance_id);

  libvirt_driver_options opts_;
  bool test_ = false;
  std::string virt_type_ = "test";
  bool run_as_root_ = false;
  _virConnect* conn_ = nullptr;
  int lifecycle_callback_ = -1;
  std::mutex listener_mutex_;
  power_listener listener_;
};

}  // namespace cumulo
