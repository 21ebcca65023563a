// Recovery time: how long `cumulo serve` takes, on a data dir whose log
// holds ~1,000,000 events, to answer requests (the goal: within 2 s).
//
//   ./build/recovery_bench ./build/cumulo [events=1000000] [runs=3]
//
// 1. A fresh data dir is bootstrapped by a real `cumulo serve --hosts 2`
//    (identity, flavors, the two hosts), which is then stopped.
// 2. Events are appended to its log as a cloud with churn writes them:
//    instances that are launched on a host (the host's claim), stopped,
//    started, renamed, deleted (the claim released) - 22 events each across
//    the instance's and the host's streams - and, at the end, 60 that stay
//    ACTIVE (their domains are defined again at start).
// 3. `cumulo serve` is started `runs` times on it; each time: the time to
//    the first 200 of GET /v3 (unauthenticated), to the serving line, and
//    to the first 200 of an authenticated GET /compute/v2.1/servers.
// CUMULO_BENCH_DIR chooses where the scratch data dir lives.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/bench_support.hpp"
#include "engine/codec.hpp"
#include "store/event_store.hpp"
#include "engine/host_state.hpp"
#include "store/ids.hpp"
#include "tests/http_client.hpp"

namespace cumulo::bench {
namespace {

using clock_type = std::chrono::steady_clock;
const std::string password = "bench-admin-secret";

int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

pid_t start_serve(const std::string& binary, const std::filesystem::path& data, int port,
                  const std::filesystem::path& out) {
  std::vector<std::string> args{binary,
                                "serve",
                                "--data-dir",
                                data.string(),
                                "--listen",
                                "127.0.0.1:" + std::to_string(port),
                                "--hosts",
                                "2",
                                "--admin-password",
                                password,
                                "--password-cost",
                                "min"};
  const pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    FILE* f = std::fopen(out.c_str(), "w");
    dup2(fileno(f), STDOUT_FILENO);
    dup2(fileno(f), STDERR_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

void stop_serve(pid_t pid) {
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
}

bool serving_line(const std::filesystem::path& out) {
  std::ifstream in(out);
  std::stringstream s;
  s << in.rdbuf();
  return s.str().find("cumulo serving on") != std::string::npos;
}

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

// Churn: instances that live and die, as a long-running cloud's log has.
std::int64_t write_churn(const std::filesystem::path& db, std::int64_t target, int live) {
  event_store store(db, store_options{durability::normal, false, {}});
  const std::int64_t before = store.event_count();
  const std::string user = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
  const std::string project = "0f3b2c9e8d7a4b6c9e1f2a3b4c5d6e7f";
  const std::vector<std::string> hosts{"compute-1", "compute-2"};
  constexpr int per_life = 22;
  const std::int64_t lives = (target - before) / per_life;
  constexpr int batch_lives = 500;
  for (std::int64_t first = 0; first < lives + live; first += batch_lives) {
    std::vector<append_request> batch;
    const std::int64_t last = std::min<std::int64_t>(first + batch_lives, lives + live);
    for (std::int64_t n = first; n < last; ++n) {
      const bool dies = n < lives;
      const std::string id = new_uuid();
      const std::string stream = "instance/" + id;
      const std::string& host = hosts[static_cast<std::size_t>(n % 2)];
      const std::string req = new_request_id();
      auto request = realistic_request(project, user, static_cast<int>(n));
      request.flavor = {"1", "m1.tiny", 1, 512, 1, 0, 0};
      batch.push_back({stream, event_store::no_stream, {encode(request)}, {req, user}});
      const auto f = request.flavor;
      batch.push_back({"host/" + host,
                       event_store::any_version,
                       {encode(host_claimed{id, f.vcpus, f.memory_mb, f.root_gb})},
                       {req, user}});
      std::vector<new_event> life{
          encode(instance_scheduled{host, host, {}}),
          encode(instance_port_bound{new_uuid(), "8d3e4c2a-1b5f-4e6d-9c7a-3f2e1d0c9b8a", "private",
                                     "10.0.0." + std::to_string(2 + n % 250), "fa:16:3e:12:34:56"}),
          encode(instance_spawning{}), encode(instance_active{1'700'000'004'000'000})};
      if (dies) {
        for (int cycle = 0; cycle < 3; ++cycle) {
          life.push_back(encode(instance_stop_requested{}));
          life.push_back(encode(instance_stopped{}));
          life.push_back(encode(instance_start_requested{}));
          life.push_back(encode(instance_started{}));
        }
        life.push_back(encode(instance_renamed{"web-renamed-" + std::to_string(n)}));
        life.push_back(encode(instance_delete_requested{}));
        life.push_back(encode(instance_deleted{}));
      }
      batch.push_back({stream, 1, std::move(life), {req, user}});
      if (dies)
        batch.push_back(
            {"host/" + host, event_store::any_version, {encode(host_released{id})}, {req, user}});
    }
    for (const auto& r : store.append(std::move(batch)))
      if (r.error) throw std::runtime_error(r.error->message);
  }
  return store.event_count();
}

struct figures {
  double first_200 = 0, serving = 0, servers_200 = 0;
};

figures time_start(const std::string& binary, const std::filesystem::path& data,
                   const std::filesystem::path& out) {
  const int port = free_port();
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  figures f;
  const auto t0 = clock_type::now();
  const pid_t pid = start_serve(binary, data, port, out);
  while (http_request("GET", base + "/v3").status != 200) {
    if (seconds_since(t0) > 600) throw std::runtime_error("no answer in 600 s");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  f.first_200 = seconds_since(t0);
  while (!serving_line(out)) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  f.serving = seconds_since(t0);
  const nlohmann::json auth = {
      {"auth",
       {{"identity",
         {{"methods", {"password"}},
          {"password",
           {{"user",
             {{"name", "admin"}, {"domain", {{"name", "Default"}}}, {"password", password}}}}}}},
        {"scope", {{"project", {{"name", "admin"}, {"domain", {{"name", "Default"}}}}}}}}}};
  auto token = http_request("POST", base + "/v3/auth/tokens", auth.dump(),
                            {{"Content-Type", "application/json"}});
  auto servers = http_request("GET", base + "/compute/v2.1/servers", "",
                              {{"X-Auth-Token", token.headers["x-subject-token"]}});
  f.servers_200 = servers.status == 200 ? seconds_since(t0) : -1;
  stop_serve(pid);
  return f;
}

}  // namespace
}  // namespace cumulo::bench

int main(int argc, char** argv) {
  using namespace cumulo::bench;
  if (argc < 2) {
    std::cerr << "usage: recovery_bench CUMULO_BINARY [events=1000000] [runs=3] [keep-dir]\n";
    return 2;
  }
  const std::string binary = argv[1];
  const std::int64_t events = argc > 2 ? std::atoll(argv[2]) : 1'000'000;
  const int runs = argc > 3 ? std::atoi(argv[3]) : 3;
  scratch_dir scratch;
  // A 4th argument keeps the data dir there (it must not exist yet).
  const std::filesystem::path dir = argc > 4 ? std::filesystem::path(argv[4]) : scratch.path();
  std::filesystem::create_directories(dir);
  const auto data = dir / "data";
  const auto out = dir / "serve.out";

  const pid_t boot = start_serve(binary, data, free_port(), out);
  while (!serving_line(out)) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  stop_serve(boot);

  const auto w0 = clock_type::now();
  const auto total = write_churn(data / "events.db", events, 60);
  std::cout << "log: " << total << " events written in " << seconds_since(w0) << " s\n";
  for (int run = 1; run <= runs; ++run) {
    const auto f = time_start(binary, data, out);
    std::cout << "run " << run << ": first 200 (GET /v3) " << f.first_200 << " s; serving line "
              << f.serving << " s; token + GET /servers 200 " << f.servers_200 << " s\n";
  }
  return 0;
}
