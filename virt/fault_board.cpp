#include "virt/fault_board.hpp"

#include <cstdio>

namespace cumulo {

void fault_board::set_libvirt(const std::string& host, libvirt_fault mode,
                              clock::time_point until) {
  std::lock_guard lock(m_);
  libvirt_[host] = {mode, until};
}

fault_board::libvirt_state fault_board::libvirt_of(const std::string& host) const {
  std::lock_guard lock(m_);
  auto it = libvirt_.find(host);
  if (it == libvirt_.end() || it->second.until <= now_()) return {};
  return it->second;
}

void fault_board::set_image_store_full(bool full) {
  std::lock_guard lock(m_);
  image_store_full_ = full;
}

bool fault_board::image_store_full() const {
  std::lock_guard lock(m_);
  return image_store_full_;
}

void fault_board::set_volume_backend_full(bool full) {
  std::lock_guard lock(m_);
  volume_backend_full_ = full;
}

bool fault_board::volume_backend_full() const {
  std::lock_guard lock(m_);
  return volume_backend_full_;
}

void fault_board::set_crash_handler(std::function<bool(const std::string&)> crash) {
  std::lock_guard lock(m_);
  crash_ = std::move(crash);
}

bool fault_board::crash_host(const std::string& host) const {
  std::function<bool(const std::string&)> crash;
  {
    std::lock_guard lock(m_);
    crash = crash_;
  }
  return crash && crash(host);
}

void fault_board::clear() {
  std::lock_guard lock(m_);
  libvirt_.clear();
  image_store_full_ = false;
  volume_backend_full_ = false;
}

std::vector<std::string> fault_board::describe() const {
  std::lock_guard lock(m_);
  std::vector<std::string> out;
  const auto now = now_();
  for (const auto& [host, f] : libvirt_) {
    if (f.until <= now || f.mode == libvirt_fault::none) continue;
    char left[32];
    std::snprintf(left, sizeof left, "%.1f", std::chrono::duration<double>(f.until - now).count());
    out.push_back(host + ": libvirt calls " + (f.mode == libvirt_fault::fail ? "fail" : "hang") +
                  " for " + left + " s");
  }
  if (image_store_full_) out.push_back("image store: full");
  if (volume_backend_full_) out.push_back("volume backend: full");
  return out;
}

}  // namespace cumulo
