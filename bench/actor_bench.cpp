// The actor core's own costs, with 2 scheduler threads as on our machines:
//  (a) request-response round trips per second between two actors, from an
//      event-based actor requesting in a loop and from a scoped_actor doing
//      blocking round trips (plus a blocking GET of a real instance actor,
//      whose reply copies its state), and one actor asking n others at once
//      and gathering the answers (the conductor's list);
//  (b) memory per idle instance actor: 100,000 instance actors spawned as
//      the conductor respawns them (a real-looking ACTIVE state), RSS and
//      heap before and after, divided by their number.
// (b) runs first, in a fresh process, so that memory freed by (a) cannot
// hide growth; --memory_actors=N changes its count (0 skips it).
#include <benchmark/benchmark.h>
#include <caf/all.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/cloud.hpp"
#include "actors/instance.hpp"
#include "actors/journal.hpp"
#include "actors/messages.hpp"
#include "actors/resource_actor.hpp"
#include "bench/bench_support.hpp"
#include "store/data_dir.hpp"
#include "store/ids.hpp"

namespace cumulo::bench {
namespace {

using run_atom = caf::atom_constant<caf::atom("run")>;
using ping_atom = caf::atom_constant<caf::atom("ping")>;

void configure(caf::actor_system_config& cfg) {
  cfg.set("scheduler.max-threads", 2);
}

// --- (a) round trips ---

caf::behavior pong(caf::event_based_actor*) {
  return {[](ping_atom, int x) { return x + 1; }};
}

void ping_next(caf::event_based_actor* self, caf::actor to, int left,
               caf::typed_response_promise<int> done) {
  if (left == 0) {
    done.deliver(0);
    return;
  }
  self->request(to, caf::infinite, ping_atom::value, left)
      .then([self, to, left, done](int) mutable { ping_next(self, to, left - 1, done); },
            [done](caf::error& e) mutable { done.deliver(e); });
}

// (run_atom, n) -> 0 after n round trips to `to`, one after the other.
caf::behavior pinger(caf::event_based_actor* self, caf::actor to) {
  return {[self, to](run_atom, int n) -> caf::result<int> {
    auto done = self->make_response_promise<int>();
    ping_next(self, to, n, done);
    return done;
  }};
}

constexpr int round_trips_per_iteration = 1000;

void BM_event_based_round_trips(benchmark::State& state) {
  caf::actor_system_config cfg;
  configure(cfg);
  caf::actor_system sys{cfg};
  const auto target = sys.spawn(pong);
  const auto source = sys.spawn(pinger, target);
  {
    caf::scoped_actor self{sys};
    for (auto _ : state) {
      self->request(source, caf::infinite, run_atom::value, round_trips_per_iteration)
          .receive([](int) {},
                   [&](caf::error& e) { state.SkipWithError(caf::to_string(e).c_str()); });
    }
  }
  state.counters["round_trips/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * round_trips_per_iteration,
                         benchmark::Counter::kIsRate);
  caf::anon_send_exit(source, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(target, caf::exit_reason::user_shutdown);
}

void BM_blocking_round_trips(benchmark::State& state) {
  caf::actor_system_config cfg;
  configure(cfg);
  caf::actor_system sys{cfg};
  const auto target = sys.spawn(pong);
  {
    caf::scoped_actor self{sys};
    int x = 0;
    for (auto _ : state) {
      self->request(target, caf::infinite, ping_atom::value, x)
          .receive([&](int y) { x = y; },
                   [&](caf::error& e) { state.SkipWithError(caf::to_string(e).c_str()); });
    }
  }
  state.counters["round_trips/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  caf::anon_send_exit(target, caf::exit_reason::user_shutdown);
}

// What GET /servers/{id} costs the actor core: a blocking request to an
// instance actor, answered with a copy of its state.
void BM_blocking_instance_get(benchmark::State& state) {
  scratch_dir dir;
  store_options opts;
  opts.sync = durability::normal;
  caf::actor_system_config cfg;
  configure(cfg);
  caf::actor_system sys{cfg};
  const auto journal =
      spawn_journal(sys, std::make_unique<event_store>(dir.path() / "events.db", opts));
  const std::string id = new_uuid();
  const auto instance =
      sys.spawn(instance_actor, journal, id, std::optional<instance_state>(realistic_state(id, 1)));
  {
    caf::scoped_actor self{sys};
    for (auto _ : state) {
      self->request(instance, caf::infinite, caf::get_atom::value)
          .receive([](instance_state& s) { benchmark::DoNotOptimize(s); },
                   [&](caf::error& e) { state.SkipWithError(caf::to_string(e).c_str()); });
    }
  }
  state.counters["round_trips/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  caf::anon_send_exit(instance, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(journal, caf::exit_reason::user_shutdown);
}

// One actor asking n actors at once and gathering their answers, as the
// conductor does for a list (on_list). CAF 0.17 keeps an event-based
// actor's pending .then() handlers in a flat map searched linearly, so the
// cost per answer grows with the number of requests in flight.
caf::behavior gatherer(caf::event_based_actor* self, std::vector<caf::actor> targets) {
  return {[self, targets](run_atom) -> caf::result<int> {
    auto done = self->make_response_promise<int>();
    auto left = std::make_shared<std::size_t>(targets.size());
    for (const auto& t : targets) {
      self->request(t, caf::infinite, ping_atom::value, 1)
          .then(
              [left, done](int) mutable {
                if (--*left == 0) done.deliver(0);
              },
              [done](caf::error& e) mutable { done.deliver(e); });
    }
    return done;
  }};
}

void BM_fan_out_gather(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  caf::actor_system_config cfg;
  configure(cfg);
  caf::actor_system sys{cfg};
  std::vector<caf::actor> targets;
  for (std::size_t i = 0; i < n; ++i) targets.push_back(sys.spawn(pong));
  const auto source = sys.spawn(gatherer, targets);
  {
    caf::scoped_actor self{sys};
    for (auto _ : state) {
      self->request(source, caf::infinite, run_atom::value)
          .receive([](int) {},
                   [&](caf::error& e) { state.SkipWithError(caf::to_string(e).c_str()); });
    }
  }
  state.counters["answers/s"] =
      benchmark::Counter(static_cast<double>(state.iterations() * n), benchmark::Counter::kIsRate);
  caf::anon_send_exit(source, caf::exit_reason::user_shutdown);
  for (const auto& t : targets) caf::anon_send_exit(t, caf::exit_reason::user_shutdown);
}

// What the fan-out means for a user: the conductor's list of all instances
// (GET /servers) on a cloud started from a log of n ACTIVE instances.
void BM_conductor_list(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  scratch_dir dir;
  {
    store_options opts;
    opts.sync = durability::normal;
    event_store store(data_dir::events_db_of(dir.path()), opts);
    std::vector<append_request> batch;
    for (int i = 0; i < n; ++i) {
      const std::string stream = "instance/" + new_uuid();
      const event_metadata meta{new_request_id(), "a1b2c3d4e5f60718293a4b5c6d7e8f90"};
      for (int step = 0; step < 5; ++step)
        batch.push_back({stream, step, {instance_event_at(step, i)}, meta});
    }
    store.append(std::move(batch));
  }
  cloud c(cloud_options{dir.path(), durability::normal, 2});
  std::size_t listed = 0;
  {
    caf::scoped_actor self{c.system()};
    for (auto _ : state) {
      self->request(c.conductor(), caf::infinite, list_atom::value, instance_atom::value)
          .receive([&](std::vector<instance_state>& all) { listed = all.size(); },
                   [&](caf::error& e) { state.SkipWithError(caf::to_string(e).c_str()); });
    }
  }
  state.counters["listed"] = static_cast<double>(listed);
  state.counters["instances/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * listed), benchmark::Counter::kIsRate);
}

BENCHMARK(BM_event_based_round_trips)
    ->UseRealTime()
    ->MeasureProcessCPUTime()
    ->MinTime(2.0)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_blocking_round_trips)
    ->UseRealTime()
    ->MeasureProcessCPUTime()
    ->MinTime(2.0)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_blocking_instance_get)
    ->UseRealTime()
    ->MeasureProcessCPUTime()
    ->MinTime(2.0)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_fan_out_gather)
    ->ArgName("actors")
    ->Arg(100)
    ->Arg(1'000)
    ->Arg(10'000)
    ->Arg(30'000)
    ->Arg(100'000)
    ->UseRealTime()
    ->MeasureProcessCPUTime()
    ->MinTime(1.0)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_conductor_list)
    ->ArgName("instances")
    ->Arg(1'000)
    ->Arg(10'000)
    ->Arg(30'000)
    ->Iterations(3)
    ->UseRealTime()
    ->MeasureProcessCPUTime()
    ->Unit(benchmark::kMillisecond);

// --- (b) memory per idle instance actor ---

// (run_atom) -> how many actors answered a get: every actor has then run
// its initialisation and handled one message, and is idle again. At most
// `window` gets are in flight, so that the quadratic cost of many pending
// requests (BM_fan_out_gather) stays out of this measurement.
struct probe_round {
  const std::vector<caf::actor>* actors;
  std::size_t next = 0;
  int answered = 0;
  caf::typed_response_promise<int> done;
};

void probe_next(caf::event_based_actor* self, std::shared_ptr<probe_round> round) {
  if (round->next == round->actors->size()) return;
  const auto& a = (*round->actors)[round->next++];
  self->request(a, caf::infinite, caf::get_atom::value)
      .then(
          [self, round](instance_state&) {
            if (++round->answered == static_cast<int>(round->actors->size()))
              round->done.deliver(round->answered);
            else
              probe_next(self, round);
          },
          [round](caf::error& e) { round->done.deliver(e); });
}

caf::behavior prober(caf::event_based_actor* self, const std::vector<caf::actor>* actors) {
  return {[self, actors](run_atom) -> caf::result<int> {
    constexpr int window = 256;
    auto round = std::make_shared<probe_round>();
    round->actors = actors;
    round->done = self->make_response_promise<int>();
    if (actors->empty()) return 0;
    for (int i = 0; i < window; ++i) probe_next(self, round);
    return round->done;
  }};
}

double since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

void measure_memory(int count) {
  scratch_dir dir;
  store_options opts;
  opts.sync = durability::normal;
  caf::actor_system_config cfg;
  configure(cfg);
  std::optional<caf::actor_system> sys(std::in_place, cfg);
  auto journal = spawn_journal(*sys, std::make_unique<event_store>(dir.path() / "events.db", opts));
  std::vector<caf::actor> actors;
  actors.reserve(static_cast<std::size_t>(count));  // before the baseline: not the actors' cost
  auto probe = sys->spawn(prober, &actors);

  malloc_trim(0);
  const std::int64_t rss0 = rss_bytes(), heap0 = heap_in_use();
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < count; ++i) {
    std::string id = new_uuid();
    auto initial = std::optional<instance_state>(realistic_state(id, i));
    actors.push_back(sys->spawn(instance_actor, journal, std::move(id), std::move(initial)));
  }
  const double spawn_s = since(t0);
  t0 = std::chrono::steady_clock::now();
  int answered = 0;
  {
    caf::scoped_actor self{*sys};
    self->request(probe, caf::infinite, run_atom::value)
        .receive([&](int n) { answered = n; },
                 [&](caf::error& e) {
                   std::fprintf(stderr, "probe failed: %s\n", caf::to_string(e).c_str());
                 });
  }
  const double probe_s = since(t0);
  malloc_trim(0);
  const std::int64_t rss1 = rss_bytes(), heap1 = heap_in_use();

  t0 = std::chrono::steady_clock::now();
  for (const auto& a : actors) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  actors.clear();
  caf::anon_send_exit(probe, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(journal, caf::exit_reason::user_shutdown);
  probe = nullptr;
  journal = nullptr;
  sys.reset();  // joins every actor
  const double stop_s = since(t0);
  malloc_trim(0);
  const std::int64_t rss2 = rss_bytes(), heap2 = heap_in_use();

  const double n = count;
  std::printf("Memory per idle instance actor (%d actors, 2 scheduler threads)\n", count);
  std::printf("  %-44s %12s\n", "", "value");
  std::printf("  %-44s %12d\n", "actors that answered a get", answered);
  std::printf("  %-44s %12.1f\n", "spawn time, s", spawn_s);
  std::printf("  %-44s %12.1f\n", "one get to each (256 in flight), s", probe_s);
  std::printf("  %-44s %12.1f\n", "RSS before, MiB", static_cast<double>(rss0) / (1 << 20));
  std::printf("  %-44s %12.1f\n", "RSS with the actors, MiB",
              static_cast<double>(rss1) / (1 << 20));
  std::printf("  %-44s %12.0f\n", "RSS per actor, bytes", static_cast<double>(rss1 - rss0) / n);
  std::printf("  %-44s %12.0f\n", "heap in use per actor, bytes",
              static_cast<double>(heap1 - heap0) / n);
  std::printf("  %-44s %12zu\n", "sizeof(resource_actor<instance_machine>)",
              sizeof(resource_actor<instance_machine>));
  std::printf("  %-44s %12zu\n", "sizeof(instance_state)", sizeof(instance_state));
  std::printf("  %-44s %12.1f\n", "stop (send_exit each, join), s", stop_s);
  std::printf("  %-44s %12.1f\n", "RSS after the stop, MiB", static_cast<double>(rss2) / (1 << 20));
  std::printf("  %-44s %12.0f\n", "heap in use after the stop - before, KiB",
              static_cast<double>(heap2 - heap0) / 1024);
  std::printf("\n");
  std::fflush(stdout);
}

}  // namespace
}  // namespace cumulo::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  int memory_actors = 100'000;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    constexpr const char* flag = "--memory_actors=";
    if (std::strncmp(argv[i], flag, std::strlen(flag)) == 0) {
      memory_actors = std::atoi(argv[i] + std::strlen(flag));
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  if (memory_actors > 0) cumulo::bench::measure_memory(memory_actors);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
