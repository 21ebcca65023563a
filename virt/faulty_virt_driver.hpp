// A virt driver that passes every call to the real one unless the fault
// board says this host's libvirt is broken: then each call fails with a
// virt_error (as libvirt's own errors do), or blocks until the fault's
// window ends and then goes on (a hung hypervisor that comes back). The
// compute host owns it in place of its driver when the cloud runs with
// --faults.
#pragma once

#include <memory>
#include <string>

#include "virt/fault_board.hpp"
#include "virt/virt_driver.hpp"

namespace cumulo {

class faulty_virt_driver : public virt_driver {
 public:
  faulty_virt_driver(std::shared_ptr<virt_driver> inner, std::string host,
                     std::shared_ptr<const fault_board> faults);

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
                             std::size_t max_bytes) override;
  // Not faulted: the listener and the sweep are the cloud's own, not calls
  // a broken libvirt would refuse.
  void snapshot(const std::string& instance_id, const std::filesystem::path& image_path,
                const std::filesystem::path& dest, const std::string& format) override;
  void on_power_change(power_listener listener) override;
  std::vector<std::string> reap_leftovers(const std::set<std::string>& keep) override;

 private:
  void check(const char* call);  // throws or blocks as the fault says

  std::shared_ptr<virt_driver> inner_;
  std::string host_;
  std::shared_ptr<const fault_board> faults_;
};

}  // namespace cumulo
