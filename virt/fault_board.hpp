// Faults injected into a running cloud (`cumulo serve --faults`, the API at
// /cumulo/v1/faults): what is broken now. The compute hosts' drivers, the
// image upload, the volume backend and the compute supervisor read it; the
// fault API writes it. Thread-safe: readers are libvirt threads and HTTP reactors.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace cumulo {

enum class libvirt_fault { none, fail, hang };

class fault_board {
 public:
  using clock = std::chrono::steady_clock;
  // The board's time (expiry of faults): the steady clock unless a test
  // injects its own.
  using now_fn = std::function<clock::time_point()>;
  explicit fault_board(now_fn now = [] { return clock::now(); }) : now_(std::move(now)) {}
  clock::time_point now() const { return now_(); }

  // The host's libvirt calls fail (or block) until `until`.
  void set_libvirt(const std::string& host, libvirt_fault mode, clock::time_point until);
  struct libvirt_state {
    libvirt_fault mode = libvirt_fault::none;
    clock::time_point until;
  };
  libvirt_state libvirt_of(const std::string& host) const;  // none once expired

  // Image uploads fail as on a full disk (413) while set.
  void set_image_store_full(bool full);
  bool image_store_full() const;

  // The volume backend has no space left while set: whatever would write
  // new bytes (a create, a snapshot, an extend) fails as the backend's own
  // check of free space does (faulty_volume_backend.hpp).
  void set_volume_backend_full(bool full);
  bool volume_backend_full() const;

  // Crashing a host is done by whoever supervises the hosts (the cloud sets
  // it); false when there is no such host.
  void set_crash_handler(std::function<bool(const std::string& host)> crash);
  bool crash_host(const std::string& host) const;

  void clear();  // every libvirt fault, the full image store and the full volume backend
  // One line per fault in force ("compute-2: libvirt calls fail for 12.3 s").
  std::vector<std::string> describe() const;

 private:
  mutable std::mutex m_;
  std::map<std::string, libvirt_state> libvirt_;
  bool image_store_full_ = false;
  bool volume_backend_full_ = false;
  std::function<bool(const std::string&)> crash_;
  now_fn now_;
};

}  // namespace cumulo
