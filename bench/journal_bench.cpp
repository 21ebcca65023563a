// Durable appends per second through the journal actor (group commit), with
// 1 and 64 concurrent writers, synchronous=FULL and NORMAL, next to the raw
// store's ceiling (event_store::append of batches, no actors).
//
// A writer is an event-based actor that appends an instance.requested event
// to a new instance stream, waits for the journal's answer (the event is
// durable) and only then sends the next: what an instance actor does on a
// launch. With 64 writers, 64 appends are in flight at once.
#include <benchmark/benchmark.h>
#include <caf/all.hpp>

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "actors/journal.hpp"
#include "actors/messages.hpp"
#include "bench/bench_support.hpp"
#include "engine/codec.hpp"
#include "store/event_store.hpp"
#include "store/ids.hpp"

namespace cumulo::bench {
namespace {

using run_atom = caf::atom_constant<caf::atom("run")>;

// Appends each writer makes per benchmark iteration: enough that the 64
// writers stay busy together and the drain at the end of an iteration is
// a small part of it.
constexpr int appends_per_writer = 32;

struct launch_payload {
  new_event event;
  event_metadata meta;
};

std::shared_ptr<const launch_payload> make_payload() {
  auto p = std::make_shared<launch_payload>();
  p->event = encode(
      realistic_request("0f3b2c9e8d7a4b6c9e1f2a3b4c5d6e7f", "a1b2c3d4e5f60718293a4b5c6d7e8f90", 1));
  p->meta = {new_request_id(), "a1b2c3d4e5f60718293a4b5c6d7e8f90"};
  return p;
}

// Streams are named with the engine's ids (time-ordered, as cumulo makes
// them), or with random v4 ids for the analysis rows.
append_request launch_request(const launch_payload& p, bool random_ids = false) {
  return append_request{"instance/" + (random_ids ? new_random_uuid() : new_uuid()),
                        event_store::no_stream,
                        {p.event},
                        p.meta};
}

void append_next(caf::event_based_actor* self, caf::actor journal,
                 std::shared_ptr<const launch_payload> p, int left,
                 caf::typed_response_promise<int> done) {
  if (left == 0) {
    done.deliver(0);
    return;
  }
  self->request(journal, caf::infinite, append_atom::value, launch_request(*p))
      .then([self, journal, p, left,
             done](recorded_events&) mutable { append_next(self, journal, p, left - 1, done); },
            [done](caf::error& e) mutable { done.deliver(e); });
}

// (run_atom, n) -> 0 once n appends, one after the other, are durable.
caf::behavior writer(caf::event_based_actor* self, caf::actor journal,
                     std::shared_ptr<const launch_payload> p) {
  return {[self, journal, p](run_atom, int n) -> caf::result<int> {
    auto done = self->make_response_promise<int>();
    append_next(self, journal, p, n, done);
    return done;
  }};
}

// (run_atom, n) -> 0 once every writer has made n appends: starts them all
// at once, so that their appends overlap.
caf::behavior coordinator(caf::event_based_actor* self, std::vector<caf::actor> writers) {
  return {[self, writers](run_atom, int n) -> caf::result<int> {
    auto done = self->make_response_promise<int>();
    auto left = std::make_shared<std::size_t>(writers.size());
    for (const auto& w : writers) {
      self->request(w, caf::infinite, run_atom::value, n)
          .then(
              [left, done](int) mutable {
                if (--*left == 0) done.deliver(0);
              },
              [done](caf::error& e) mutable { done.deliver(e); });
    }
    return done;
  }};
}

const char* mode_name(durability d) {
  return d == durability::full ? "FULL" : "NORMAL";
}

// Events/s per configuration over every run of at least half a second (the
// short trial runs Google Benchmark makes to size a run are left out), for
// the ratio printed at the end. Wall clock, including the building of the
// requests (in the writers, as in BM_raw_store).
struct rate {
  double events = 0;
  double seconds = 0;
  double per_second() const { return seconds > 0 ? events / seconds : 0; }
};
std::map<std::string, rate> rates;

void record(const std::string& key, double events, double seconds) {
  if (seconds < 0.5) return;
  rates[key].events += events;
  rates[key].seconds += seconds;
}

using clock_type = std::chrono::steady_clock;
double seconds_since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

// Args: {1 = FULL / 0 = NORMAL, writers}
void BM_journal(benchmark::State& state) {
  const durability sync = state.range(0) ? durability::full : durability::normal;
  const int writers = static_cast<int>(state.range(1));
  scratch_dir dir;
  store_options opts;
  opts.sync = sync;
  auto store = std::make_unique<event_store>(dir.path() / "events.db", opts);

  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", 2);
  caf::actor_system sys{cfg};
  const caf::actor journal = spawn_journal(sys, std::move(store));
  const auto payload = make_payload();
  std::vector<caf::actor> ws;
  for (int i = 0; i < writers; ++i) ws.push_back(sys.spawn(writer, journal, payload));
  const caf::actor coord = sys.spawn(coordinator, ws);

  {
    caf::scoped_actor self{sys};
    auto stats = [&] {
      journal_stats s;
      self->request(journal, caf::infinite, stats_atom::value)
          .receive([&](journal_stats& x) { s = x; }, [&](caf::error&) {});
      return s;
    };
    const journal_stats before = stats();
    const auto start = clock_type::now();
    const double cpu_start = process_cpu_seconds();
    for (auto _ : state) {
      self->request(coord, caf::infinite, run_atom::value, appends_per_writer)
          .receive([](int) {},
                   [&](caf::error& e) { state.SkipWithError(caf::to_string(e).c_str()); });
    }
    const double elapsed = seconds_since(start);
    const double cpu = process_cpu_seconds() - cpu_start;
    const journal_stats after = stats();
    const auto events = static_cast<double>(after.events - before.events);
    const auto txns = static_cast<double>(after.transactions - before.transactions);
    state.counters["events/s"] = benchmark::Counter(events, benchmark::Counter::kIsRate);
    state.counters["txn/s"] = benchmark::Counter(txns, benchmark::Counter::kIsRate);
    state.counters["batch"] = txns > 0 ? events / txns : 0;
    state.counters["max_batch"] = static_cast<double>(after.largest_batch);
    // Every thread of the process, idle CAF workers polling for work included.
    state.counters["cpu_us/ev"] = events > 0 ? cpu * 1e6 / events : 0;
    state.SetLabel(std::string(mode_name(sync)) + ", " + std::to_string(writers) + " writers");
    record(std::string("journal ") + mode_name(sync) + " " + std::to_string(writers), events,
           elapsed);
  }
  for (const auto& w : ws) caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(coord, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(journal, caf::exit_reason::user_shutdown);
}

// The ceiling: event_store::append of a batch, on this thread, no actors.
// Args: {1 = FULL / 0 = NORMAL, requests per batch, 1 = random v4 stream
// ids instead of the engine's time-ordered ones (an analysis row: what the
// random key order of the (stream, version) index costs)}
void BM_raw_store(benchmark::State& state) {
  const durability sync = state.range(0) ? durability::full : durability::normal;
  const auto batch_size = static_cast<std::size_t>(state.range(1));
  const bool random_ids = state.range(2) != 0;
  scratch_dir dir;
  store_options opts;
  opts.sync = sync;
  event_store store(dir.path() / "events.db", opts);
  const auto payload = make_payload();
  double events = 0;
  const auto start = clock_type::now();
  const double cpu_start = process_cpu_seconds();
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<append_request> batch;
    batch.reserve(batch_size);
    for (std::size_t i = 0; i < batch_size; ++i)
      batch.push_back(launch_request(*payload, random_ids));
    state.ResumeTiming();
    auto results = store.append(std::move(batch));
    benchmark::DoNotOptimize(results);
    events += static_cast<double>(batch_size);
  }
  const double elapsed = seconds_since(start);
  const double cpu = process_cpu_seconds() - cpu_start;
  state.counters["events/s"] = benchmark::Counter(events, benchmark::Counter::kIsRate);
  // Process CPU time, building the requests included.
  state.counters["cpu_us/ev"] = events > 0 ? cpu * 1e6 / events : 0;
  state.counters["txn/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["batch"] = static_cast<double>(batch_size);
  state.SetLabel(std::string(mode_name(sync)) + ", batches of " + std::to_string(batch_size) +
                 (random_ids ? ", random v4 ids" : ""));
  if (!random_ids)
    record(std::string("raw ") + mode_name(sync) + " " + std::to_string(batch_size), events,
           elapsed);
}

BENCHMARK(BM_journal)
    ->ArgNames({"full", "writers"})
    ->Args({1, 1})
    ->Args({1, 64})
    ->Args({0, 1})
    ->Args({0, 64})
    ->UseRealTime()
    ->MeasureProcessCPUTime()
    ->MinTime(1.0)
    ->Unit(benchmark::kMillisecond);

BENCHMARK(BM_raw_store)
    ->ArgNames({"full", "batch", "random_ids"})
    ->Args({1, 1, 0})
    ->Args({1, 64, 0})
    ->Args({0, 1, 0})
    ->Args({0, 64, 0})
    ->Args({1, 64, 1})
    ->Args({0, 64, 1})
    ->UseRealTime()
    ->MeasureProcessCPUTime()
    ->MinTime(1.0)
    ->Unit(benchmark::kMillisecond);

void print_ratios() {
  std::printf("\nJournal with 64 writers against the raw store with batches of 64\n");
  std::printf("(events/s over every measured run, wall clock):\n");
  for (const char* mode : {"FULL", "NORMAL"}) {
    const auto j = rates.find(std::string("journal ") + mode + " 64");
    const auto r = rates.find(std::string("raw ") + mode + " 64");
    if (j == rates.end() || r == rates.end()) continue;
    const double jr = j->second.per_second(), rr = r->second.per_second();
    std::printf("  %-6s journal %10.0f events/s  raw %10.0f events/s  ratio %.2f\n", mode, jr, rr,
                rr > 0 ? jr / rr : 0.0);
  }
}

}  // namespace
}  // namespace cumulo::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  cumulo::bench::print_ratios();
  return 0;
}
