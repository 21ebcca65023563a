// The cost of the password hash that every password token issue pays:
// engine/password.hpp's hash_password and verify_password (libsodium argon2id,
// crypto_pwhash_str) at the default cost, libsodium's INTERACTIVE level.
// Google Benchmark reports both times of one call: "Time" is wall time,
// "CPU" the CPU time of the calling thread (argon2 here runs one lane,
// p=1, so that is all its CPU). The counters add the process's CPU
// (user + sys, from getrusage) per call, and its minor page faults per call:
// the 64 MiB of memory are mapped and touched afresh by every call.
//
// The rows:
//  - hash_password: what setting a password costs (bootstrap, user create);
//  - verify_password with the right password: what POST /v3/auth/tokens
//    pays once per password issue;
//  - verify_password with a wrong password: a failed login costs the same;
//  - verify_password from 2 threads at once (the /threads:2 row, wall time
//    per call of each thread): two concurrent logins on our 2 cores, which
//    compete for memory bandwidth;
//  - verify_password of a hash made at libsodium's minimum cost, for scale.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <string>

#include "crypto/password.hpp"

namespace cumulo::bench {
namespace {

const std::string password = "correct horse battery staple";

double process_cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

long minor_faults() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_minflt;
}

// Process CPU and page faults per call, as counters (only meaningful with
// one thread: with two, the other thread's CPU is counted too).
struct process_counters {
  double cpu0 = process_cpu_seconds();
  long faults0 = minor_faults();
  void report(benchmark::State& state) const {
    const double n = static_cast<double>(state.iterations());
    if (n == 0) return;
    state.counters["proc_cpu_ms"] = (process_cpu_seconds() - cpu0) * 1e3 / n;
    state.counters["minflt"] = static_cast<double>(minor_faults() - faults0) / n;
  }
};

void BM_hash_password(benchmark::State& state) {
  ensure_sodium();
  process_counters pc;
  for (auto _ : state) benchmark::DoNotOptimize(hash_password(password));
  pc.report(state);
}
BENCHMARK(BM_hash_password)->Unit(benchmark::kMillisecond)->MinTime(2.0);

void BM_verify_password(benchmark::State& state) {
  const std::string hash = hash_password(password);
  process_counters pc;
  for (auto _ : state) {
    const bool ok = verify_password(hash, password);
    if (!ok) {
      state.SkipWithError("the right password did not verify");
      break;
    }
  }
  pc.report(state);
}
BENCHMARK(BM_verify_password)->Unit(benchmark::kMillisecond)->MinTime(2.0);

void BM_verify_wrong_password(benchmark::State& state) {
  const std::string hash = hash_password(password);
  const std::string wrong = password + "!";
  process_counters pc;
  for (auto _ : state) {
    const bool ok = verify_password(hash, wrong);
    if (ok) {
      state.SkipWithError("a wrong password verified");
      break;
    }
  }
  pc.report(state);
}
BENCHMARK(BM_verify_wrong_password)->Unit(benchmark::kMillisecond)->MinTime(2.0);

// Two threads verifying at once: "Time" is the wall time per call of each
// thread (UseRealTime), so calls/s of the pair = 2 / Time.
void BM_verify_password_concurrent(benchmark::State& state) {
  static std::string hash;  // made once, by thread 0, before the others start
  if (state.thread_index() == 0) hash = hash_password(password);
  for (auto _ : state) benchmark::DoNotOptimize(verify_password(hash, password));
}
BENCHMARK(BM_verify_password_concurrent)
    ->Unit(benchmark::kMillisecond)
    ->MinTime(2.0)
    ->Threads(2)
    ->UseRealTime();

void BM_verify_password_cheapest(benchmark::State& state) {
  const std::string hash = hash_password(password, password_cost::cheapest());
  for (auto _ : state) benchmark::DoNotOptimize(verify_password(hash, password));
}
BENCHMARK(BM_verify_password_cheapest)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace cumulo::bench

BENCHMARK_MAIN();
