#include "virt/faulty_virt_driver.hpp"

#include <thread>

namespace cumulo {

faulty_virt_driver::faulty_virt_driver(std::shared_ptr<virt_driver> inner, std::string host,
                                       std::shared_ptr<const fault_board> faults)
    : inner_(std::move(inner)), host_(std::move(host)), faults_(std::move(faults)) {}

void faulty_virt_driver::check(const char* call) {
  while (true) {
    const auto f = faults_->libvirt_of(host_);
    if (f.mode == libvirt_fault::none) return;
    if (f.mode == libvirt_fault::fail)
      throw virt_error(std::string("libvirt call ") + call + " failed on host " + host_ +
                       " (injected fault)");
    // A hang: wait out the window (a later fault may extend it), then go on.
    std::this_thread::sleep_until(
        std::min(f.until, faults_->now() + std::chrono::milliseconds(100)));
  }
}

host_info faulty_virt_driver::host() {
  check("host");
  return inner_->host();
}
void faulty_virt_driver::spawn(const domain_spec& spec) {
  check("spawn");
  inner_->spawn(spec);
}
void faulty_virt_driver::power_off(const std::string& id, std::chrono::seconds graceful) {
  check("power_off");
  inner_->power_off(id, graceful);
}
void faulty_virt_driver::power_on(const std::string& id) {
  check("power_on");
  inner_->power_on(id);
}
void faulty_virt_driver::reboot(const std::string& id, reboot_type type) {
  check("reboot");
  inner_->reboot(id, type);
}
void faulty_virt_driver::snapshot(const std::string& id, const std::filesystem::path& image_path,
                                  const std::filesystem::path& dest, const std::string& format) {
  check("snapshot");
  inner_->snapshot(id, image_path, dest, format);
}
void faulty_virt_driver::pause(const std::string& id) {
  check("pause");
  inner_->pause(id);
}
void faulty_virt_driver::unpause(const std::string& id) {
  check("unpause");
  inner_->unpause(id);
}
void faulty_virt_driver::suspend(const std::string& id) {
  check("suspend");
  inner_->suspend(id);
}
void faulty_virt_driver::resume(const std::string& id) {
  check("resume");
  inner_->resume(id);
}
void faulty_virt_driver::destroy(const std::string& id) {
  check("destroy");
  inner_->destroy(id);
}
void faulty_virt_driver::undefine(const std::string& id) {
  check("undefine");
  inner_->undefine(id);
}
power_states faulty_virt_driver::power_state(const std::string& id) {
  check("power_state");
  return inner_->power_state(id);
}
std::map<std::string, power_states> faulty_virt_driver::power_states_all() {
  check("power_states_all");
  return inner_->power_states_all();
}
domain_diagnostics faulty_virt_driver::diagnostics(const std::string& id) {
  check("diagnostics");
  return inner_->diagnostics(id);
}

console_connection faulty_virt_driver::remote_console(const std::string& id,
                                                      const std::string& protocol) {
  check("remote_console");
  return inner_->remote_console(id, protocol);
}
void faulty_virt_driver::attach_interface(const std::string& id, const nic_spec& nic) {
  check("attach_interface");
  inner_->attach_interface(id, nic);
}
void faulty_virt_driver::detach_interface(const std::string& id, const std::string& mac) {
  check("detach_interface");
  inner_->detach_interface(id, mac);
}
void faulty_virt_driver::attach_volume(const std::string& id, const volume_disk& disk) {
  check("attach_volume");
  inner_->attach_volume(id, disk);
}
void faulty_virt_driver::detach_volume(const std::string& id, const std::string& target_dev) {
  check("detach_volume");
  inner_->detach_volume(id, target_dev);
}
std::string faulty_virt_driver::console_output(const std::string& id, std::size_t max_lines,
                                               std::size_t max_bytes) {
  check("console_output");
  return inner_->console_output(id, max_lines, max_bytes);
}

void faulty_virt_driver::on_power_change(power_listener listener) {
  inner_->on_power_change(std::move(listener));
}

std::vector<std::string> faulty_virt_driver::reap_leftovers(const std::set<std::string>& keep) {
  return inner_->reap_leftovers(keep);
}

}  // namespace cumulo
