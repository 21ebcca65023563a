// What the benchmarks share: a scratch directory on the real disk, realistic
// instance payloads and states, and the process's memory figures.
#pragma once

#include <malloc.h>
#include <unistd.h>

#include <cstdint>
#include <ctime>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "engine/codec.hpp"
#include "store/ids.hpp"
#include "engine/instance_state.hpp"

namespace cumulo::bench {

// A fresh directory, removed afterwards. Under $CUMULO_BENCH_DIR if set,
// else the system temp dir: it must be a real disk for fsync to mean
// anything (not a tmpfs).
class scratch_dir {
 public:
  scratch_dir() {
    const char* base = std::getenv("CUMULO_BENCH_DIR");
    const std::filesystem::path root =
        base ? std::filesystem::path(base) : std::filesystem::temp_directory_path();
    std::string tmpl = (root / "cumulo-bench-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("cannot create a directory in " + tmpl);
    path_ = tmpl;
  }
  ~scratch_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// What an m1.small launch from the API puts in its first event.
inline instance::flavor small_flavor() {
  return {"2", "m1.small", 1, 2048, 20, 0, 0};
}

inline instance_requested realistic_request(const std::string& project_id,
                                            const std::string& user_id, int n) {
  instance_requested e;
  e.name = "web-" + std::to_string(n);
  e.project_id = project_id;
  e.user_id = user_id;
  e.flavor = small_flavor();
  e.image_id = "5a0c1f3e-8f7e-4b8e-9a3c-2d1f0e6b7c48";
  e.networks = {{"8d3e4c2a-1b5f-4e6d-9c7a-3f2e1d0c9b8a", "", ""}};
  e.key_name = "mykey";
  e.availability_zone = "nova";
  e.security_groups = {"default"};
  return e;
}

// An ACTIVE instance as the conductor respawns it from the fold: name,
// ids, a flavor, one address, no metadata.
inline instance_state realistic_state(const std::string& id, int n) {
  instance_state s;
  s.id = id;
  s.version = 5;
  s.created_at_us = 1'700'000'000'000'000;
  s.updated_at_us = 1'700'000'004'000'000;
  s.name = "web-" + std::to_string(n);
  s.project_id = "0f3b2c9e8d7a4b6c9e1f2a3b4c5d6e7f";
  s.user_id = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
  s.flavor = small_flavor();
  s.image_id = "5a0c1f3e-8f7e-4b8e-9a3c-2d1f0e6b7c48";
  s.networks = {{"8d3e4c2a-1b5f-4e6d-9c7a-3f2e1d0c9b8a", "", ""}};
  s.addresses = {{"3c9d2e1f-4a5b-4c6d-8e7f-9a0b1c2d3e4f", "8d3e4c2a-1b5f-4e6d-9c7a-3f2e1d0c9b8a",
                  "private", "10.0.0." + std::to_string(2 + n % 250), "fa:16:3e:12:34:56"}};
  s.host = "cumulo-host";
  s.node = "cumulo-host";
  s.key_name = "mykey";
  s.availability_zone = "nova";
  s.security_groups = {"default"};
  s.vm_state = vm_states::active;
  s.task_state = task_states::none;
  s.power_state = power_states::running;
  s.launched_at_us = 1'700'000'004'000'000;
  return s;
}

// CPU time of every thread of the process, user and system.
inline double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// The events of an instance's life, step 0 to 9: the launch flow (0-4:
// requested to active), a stop, a start and a rename. n makes names,
// addresses and ports differ from one instance to the next.
inline new_event instance_event_at(int step, int n) {
  switch (step) {
    case 0:
      break;
    case 1:
      return encode(instance_scheduled{"cumulo-host", "cumulo-host", {}});
    case 2:
      return encode(instance_port_bound{
          new_uuid(), "8d3e4c2a-1b5f-4e6d-9c7a-3f2e1d0c9b8a", "private",
          "10.0." + std::to_string(n / 250 % 250) + "." + std::to_string(2 + n % 250),
          "fa:16:3e:12:34:56"});
    case 3:
      return encode(instance_spawning{});
    case 4:
      return encode(instance_active{1'700'000'004'000'000});
    case 5:
      return encode(instance_stop_requested{});
    case 6:
      return encode(instance_stopped{});
    case 7:
      return encode(instance_start_requested{});
    case 8:
      return encode(instance_started{});
    case 9:
      return encode(instance_renamed{"web-renamed-" + std::to_string(n)});
  }
  return encode(
      realistic_request("0f3b2c9e8d7a4b6c9e1f2a3b4c5d6e7f", "a1b2c3d4e5f60718293a4b5c6d7e8f90", n));
}

// Resident set size, from /proc/self/statm (pages).
inline std::int64_t rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::int64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

// Bytes handed out by malloc and not yet freed, in every arena.
inline std::int64_t heap_in_use() {
  const struct mallinfo2 mi = mallinfo2();
  return static_cast<std::int64_t>(mi.uordblks + mi.hblkhd);
}

}  // namespace cumulo::bench
