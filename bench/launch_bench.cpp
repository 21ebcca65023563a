// Launch -> ACTIVE through the actor core, as the servers API drives it
// (the conductor's launch_atom): latency one at a time and with 64 in
// flight, and the sustained rate. The test hypervisor (libvirt's test
// driver, one test node per host), 4 hosts big enough for every launch,
// an active image, and optionally one port per instance on a /16 network.
// ACTIVE is seen by polling the instance's state (every 100 µs one at a
// time, every 1 ms with 64 in flight: the latency's resolution).
//
// Usage: ./build/launch_bench [LAUNCHES (default 2000)] [--sync full|normal]
// Prints one line per case; figures and commands are in RESULTS.md.
#include <caf/all.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <string>
#include <thread>
#include <vector>

#include "actors/cloud.hpp"
#include "actors/instance.hpp"
#include "actors/networking.hpp"
#include "bench/bench_support.hpp"

#include <spdlog/spdlog.h>

namespace cumulo {
namespace {

using clock_type = std::chrono::steady_clock;

struct caller {
  explicit caller(cloud& c) : c(c), self(c.system()) {}
  template <class Reply, class... Ts>
  Reply ask(const caf::actor& to, Ts&&... xs) {
    Reply out{};
    bool ok = false;
    std::string why;
    self->request(to, std::chrono::seconds(60), std::forward<Ts>(xs)...)
        .receive([&](Reply& r) { out = std::move(r), ok = true; },
                 [&](caf::error& e) { why = c.system().render(e); });
    if (!ok) throw std::runtime_error("request failed: " + why);
    return out;
  }
  cloud& c;
  caf::scoped_actor self;
};

event_metadata meta() {
  return {"req-bench", "bench"};
}

std::string make_network(caller& k) {
  k.ask<network_state>(k.c.networking(), command_atom::value, std::string("bench-net"),
                       network::command{network::create{"bench", "p1"}}, meta());
  network::add_subnet s;
  s.subnet_id = "bench-sub";
  s.cidr = "10.0.0.0/16";
  s.project_id = "p1";
  k.ask<network_state>(k.c.networking(), command_atom::value, std::string("bench-net"),
                       network::command{s}, meta());
  // Neutron's default of 500 ports per project would end the run.
  k.ask<quota_set>(k.c.networking(), quota_atom::value, std::string("p1"),
                   quota::command{quota::update{{{"port", -1}}}}, meta());
  return "bench-net";
}

std::string make_image(caller& k) {
  const std::string id = "bench-image";
  for (image::command cmd :
       {image::command{image::create{"cirros", "p1", "qcow2", "bare"}},
        image::command{image::start_upload{}},
        image::command{image::finish_upload{16, std::string(32, 'a'), "sha512",
                                             std::string(128, 'b'), 16}}})
    k.ask<image_state>(k.c.conductor(), command_atom::value, id, std::move(cmd), meta());
  return id;
}

instance::request request_of(int i, const std::string& image, const std::string& network) {
  instance::request r;
  r.name = "vm-" + std::to_string(i);
  r.project_id = "p1";
  r.user_id = "u1";
  r.flavor = instance::flavor{"1", "m1.tiny", 1, 64, 1, 0, 0};
  r.image_id = image;
  if (!network.empty()) r.networks.push_back({network, "", ""});
  return r;
}

bool settled(const instance_state& s) {
  return s.task_state == task_states::none && s.vm_state != vm_states::building;
}

struct figures {
  std::vector<double> latency_ms;
  double seconds = 0;
  int errors = 0;
};

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

// Keeps `in_flight` launches going until `count` have settled.
figures run(caller& k, int count, int in_flight, const std::string& image,
            const std::string& network, std::chrono::microseconds poll) {
  struct pending {
    std::string id;
    clock_type::time_point start;
  };
  figures f;
  std::deque<pending> flying;
  int started = 0;
  const auto t0 = clock_type::now();
  while (started < count || !flying.empty()) {
    while (started < count && static_cast<int>(flying.size()) < in_flight) {
      const auto start = clock_type::now();
      auto s = k.ask<instance_state>(k.c.conductor(), launch_atom::value,
                                     request_of(started, image, network), meta());
      flying.push_back({s.id, start});
      ++started;
    }
    std::this_thread::sleep_for(poll);
    for (auto it = flying.begin(); it != flying.end();) {
      auto s = k.ask<instance_state>(k.c.conductor(), caf::get_atom::value, instance_atom::value,
                                     it->id);
      if (!settled(s)) {
        ++it;
        continue;
      }
      if (s.vm_state != vm_states::active) ++f.errors;
      f.latency_ms.push_back(
          std::chrono::duration<double, std::milli>(clock_type::now() - it->start).count());
      it = flying.erase(it);
    }
  }
  f.seconds = std::chrono::duration<double>(clock_type::now() - t0).count();
  return f;
}

void print(const char* what, const figures& f) {
  std::printf("%-44s %6zu launches  %8.1f launches/s  p50 %7.2f ms  p90 %7.2f ms  p99 %7.2f ms  "
              "errors %d\n",
              what, f.latency_ms.size(), static_cast<double>(f.latency_ms.size()) / f.seconds,
              percentile(f.latency_ms, 0.5), percentile(f.latency_ms, 0.9),
              percentile(f.latency_ms, 0.99), f.errors);
  std::fflush(stdout);
}

}  // namespace
}  // namespace cumulo

int main(int argc, char** argv) {
  using namespace cumulo;
  int launches = 2000;
  durability sync = durability::normal;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--sync") && i + 1 < argc)
      sync = !std::strcmp(argv[++i], "full") ? durability::full : durability::normal;
    else
      launches = std::atoi(argv[i]);
  }
  // One log line per launch would measure the terminal.
  spdlog::set_level(spdlog::level::warn);
  bench::scratch_dir dir;
  cloud_options o;
  o.data_dir = dir.path() / "data";
  o.sync = sync;
  for (int h = 1; h <= 4; ++h) {
    compute_host_config cfg;
    cfg.name = "compute-" + std::to_string(h);
    cfg.vcpus = 4096;
    cfg.memory_mb = std::int64_t{4096} * 1024;
    cfg.local_gb = 100000;
    o.compute_hosts.push_back(cfg);
  }
  cloud c(o);
  caller k(c);
  const auto image = make_image(k);
  const auto network = make_network(k);
  std::printf("launch_bench: %d launches per case, --sync %s, 4 test hosts, %u cores\n", launches,
              sync == durability::full ? "full" : "normal", std::thread::hardware_concurrency());
  const int sequential = std::max(1, launches / 10);
  print("one at a time, no network", run(k, sequential, 1, image, "", std::chrono::microseconds(100)));
  print("one at a time, one port each", run(k, sequential, 1, image, network, std::chrono::microseconds(100)));
  print("64 in flight, no network", run(k, launches, 64, image, "", std::chrono::milliseconds(1)));
  print("64 in flight, one port each", run(k, launches, 64, image, network, std::chrono::milliseconds(1)));
  return 0;
}
