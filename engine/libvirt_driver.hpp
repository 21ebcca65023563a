// The virt driver over libvirt's C API. With libvirt's test driver
// (test:///default, or test:///<node file> for a host of its own capacity)
// domains are defined and change state in memory, with no guest running:
// that is what `cumulo serve` uses by default, so every launch exercises
// the libvirt calls. Real guests (qemu:///system) come later.
//
// Console output: the test driver has no serial console, so the console
// log of an instance (<console_dir>/<instance id>/console.log) holds the lines the
// driver writes for each thing it does to the domain (defined, started,
// powered off, ...). A real guest will write its serial console into the
// same file, and console_output reads it the same way.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "engine/virt_driver.hpp"

struct _virConnect;

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
};

// true for libvirt's in-process test driver (test:///...).
bool is_test_uri(const std::string& uri);

// Writes a node file of libvirt's test driver (one NUMA node with `vcpus`
// CPUs and `memory_mb` of RAM) and returns its test:// URI. Each
// connection to it is a separate host with that capacity.
std::string write_test_node(const std::filesystem::path& file, int vcpus, std::int64_t memory_mb);

// The domain XML of a spec: name instance-<id>, uuid the instance's id,
// the server's name, flavor and project in cumulo's metadata namespace.
std::string libvirt_domain_xml(const domain_spec& spec, bool test_driver,
                               const std::filesystem::path& console_log);

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
  power_states power_state(const std::string& instance_id) override;
  std::map<std::string, power_states> power_states_all() override;
  std::string console_output(const std::string& instance_id, std::size_t max_lines,
                             std::size_t max_bytes = 64 * 1024) override;

  // The console log file of an instance.
  std::filesystem::path console_log(const std::string& instance_id) const;

 private:
  void log_console(const std::string& instance_id, const std::string& line) const;

  libvirt_driver_options opts_;
  bool test_ = false;
  _virConnect* conn_ = nullptr;
};

}  // namespace cumulo
