// Full replay of a log of 1,000,000 events: reading every event
// (event_store::for_each), reading and decoding every payload, and folding
// them all (log_fold, what the conductor does at start and replay does).
//
// The log is written once, before the benchmarks, with large batches and
// synchronous=NORMAL: 1,000 projects, then 99,900 instances of 10 events
// each (the launch flow, a stop, a start and a rename), interleaved 1,000
// instances at a time as concurrent launches would be. It lives in a
// scratch directory that is deleted at the end (--log=FILE keeps it in FILE
// and reuses it on the next run). The page cache is warm: the figures are
// those of a replay of a log the machine just wrote or read, not of a cold disk.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/bench_support.hpp"
#include "engine/codec.hpp"
#include "store/event_store.hpp"
#include "store/ids.hpp"
#include "engine/log_fold.hpp"
#include "engine/project_state.hpp"

namespace cumulo::bench {
namespace {

constexpr int projects = 1'000;
constexpr int instances = 99'900;
constexpr int events_per_instance = 10;
constexpr std::int64_t total_events =
    projects + static_cast<std::int64_t>(instances) * events_per_instance;
constexpr int instances_per_batch = 1'000;

std::filesystem::path log_file;

void write_log(const std::filesystem::path& file) {
  store_options opts;
  opts.sync = durability::normal;
  event_store store(file, opts);
  const std::string user = "a1b2c3d4e5f60718293a4b5c6d7e8f90";

  std::vector<append_request> batch;
  for (int p = 0; p < projects; ++p) {
    batch.push_back(
        {"project/" + new_uuid(),
         event_store::no_stream,
         {encode(project_created{
             "project-" + std::to_string(p), "default", "a benchmark project", true, {}})},
         {new_request_id(), user}});
  }
  store.append(std::move(batch));

  for (int first = 0; first < instances; first += instances_per_batch) {
    const int count = std::min(instances_per_batch, instances - first);
    std::vector<std::string> streams, requests;
    for (int i = 0; i < count; ++i) {
      streams.push_back("instance/" + new_uuid());
      requests.push_back(new_request_id());
    }
    batch.clear();
    for (int step = 0; step < events_per_instance; ++step) {
      for (int i = 0; i < count; ++i) {
        batch.push_back(
            {streams[i], step, {instance_event_at(step, first + i)}, {requests[i], user}});
      }
    }
    for (const auto& r : store.append(std::move(batch))) {
      if (r.error) throw std::runtime_error(r.error->message);
    }
  }
}

event_store open_log() {
  store_options opts;
  opts.read_only = true;
  return event_store(log_file, opts);
}

void BM_read_all(benchmark::State& state) {
  std::int64_t events = 0, bytes = 0;
  for (auto _ : state) {
    const event_store store = open_log();
    store.for_each(1, [&](recorded_event& r) {
      ++events;
      bytes += static_cast<std::int64_t>(r.payload.size());
      return true;
    });
  }
  state.counters["events/s"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["events"] = static_cast<double>(events / state.iterations());
  state.counters["payload_B"] = static_cast<double>(bytes) / static_cast<double>(events);
}

// Reading and decoding each payload into its event type, without applying
// it: tells the cost of msgpack apart from that of the fold.
void BM_read_and_decode(benchmark::State& state) {
  std::int64_t events = 0;
  for (auto _ : state) {
    const event_store store = open_log();
    store.for_each(1, [&](recorded_event& r) {
      ++events;
      if (stream_kind(r.stream) == instance_machine::kind) {
        benchmark::DoNotOptimize(decode<instance_event>(r));
      } else {
        benchmark::DoNotOptimize(decode<project_event>(r));
      }
      return true;
    });
  }
  state.counters["events/s"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
}

void BM_fold_all(benchmark::State& state) {
  std::int64_t events = 0;
  double fold_mib = 0;
  std::size_t streams = 0;
  for (auto _ : state) {
    const std::int64_t rss_before = rss_bytes();
    const event_store store = open_log();
    std::optional<log_fold> fold(std::in_place);
    store.for_each(1, [&](recorded_event& r) {
      fold->apply(r);
      return true;
    });
    events += fold->events();
    streams = fold->streams().size();
    // The first pass is the one that grows the process: later ones reuse
    // the memory the previous fold freed.
    if (fold_mib == 0) fold_mib = static_cast<double>(rss_bytes() - rss_before) / (1 << 20);
    state.PauseTiming();
    fold.reset();
    state.ResumeTiming();
  }
  state.counters["events/s"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["streams"] = static_cast<double>(streams);
  state.counters["rss_MiB"] = fold_mib;
}

BENCHMARK(BM_read_all)->Iterations(3)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_read_and_decode)->Iterations(3)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_fold_all)->Iterations(3)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace cumulo::bench

int main(int argc, char** argv) {
  using namespace cumulo::bench;
  benchmark::Initialize(&argc, argv);
  // --log=FILE: use the log in FILE if it exists (written by an earlier
  // run), else write it there and keep it. Without it, the log is written
  // to a scratch directory and deleted at the end.
  std::string kept_log;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    constexpr const char* flag = "--log=";
    if (std::strncmp(argv[i], flag, std::strlen(flag)) == 0) {
      kept_log = argv[i] + std::strlen(flag);
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

  std::optional<scratch_dir> dir;
  if (kept_log.empty()) {
    dir.emplace();
    log_file = dir->path() / "events.db";
  } else {
    log_file = kept_log;
  }
  if (std::filesystem::exists(log_file)) {
    std::printf("Using the log in %s\n\n", log_file.c_str());
  } else {
    const auto start = std::chrono::steady_clock::now();
    write_log(log_file);
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf(
        "Wrote %lld events (%d projects, %d instances x %d events) in %.1f s "
        "(%.0f events/s, batches of %d, synchronous=NORMAL)\n",
        static_cast<long long>(total_events), projects, instances, events_per_instance, secs,
        static_cast<double>(total_events) / secs, instances_per_batch * events_per_instance);
  }
  std::printf("%s: %.0f MiB\n\n", log_file.c_str(),
              static_cast<double>(std::filesystem::file_size(log_file)) / (1 << 20));
  std::fflush(stdout);

  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
