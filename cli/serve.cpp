// `cumulo serve`: the whole cloud on one data dir and one address.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <csignal>
#include <iostream>
#include <pthread.h>

#include "actors/cloud.hpp"
#include "api/http_server.hpp"
#include "cli/commands.hpp"

namespace cumulo::cli {
namespace {

struct serve_options {
  std::string data_dir = "cumulo-data";
  std::string listen = "127.0.0.1:5000";
  std::string sync = "full";
  std::size_t threads = 2;
};

int serve(const serve_options& o) {
  // Signals are taken by sigwait below: block them before any thread starts
  // so no CAF or Pistache thread receives them instead.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  api::server_options http;
  cloud_options opts;
  try {
    api::parse_listen(o.listen, http);
    // The source tree's schemas/: an installed cumulo would need another lookup.
    http.schema_dir = CUMULO_SCHEMA_DIR;
    opts.data_dir = o.data_dir;
    opts.sync = o.sync == "normal" ? durability::normal : durability::full;
    opts.threads = o.threads;
  } catch (const std::exception& e) {
    std::cerr << "cumulo serve: " << e.what() << "\n";
    return 2;
  }
  try {
    cloud c(opts);
    api::http_server server(c.system(), c.conductor(), http);
    server.start();
    // Tests and scripts read this line to learn the port.
    std::cout << "cumulo serving on http://" << http.host << ":" << server.port() << " (data dir "
              << o.data_dir << ", " << c.events_at_start() << " events replayed)" << std::endl;
    int sig = 0;
    sigwait(&signals, &sig);
    spdlog::info("serve: signal {} received, shutting down", sig);
    server.shutdown();
    // ~cloud: the conductor stops its children, the journal writes what it
    // accepted, the actor system joins.
  } catch (const std::exception& e) {
    std::cerr << "cumulo serve: " << e.what() << "\n";
    return 1;
  }
  std::cout << "cumulo stopped" << std::endl;
  return 0;
}

}  // namespace

void add_serve(CLI::App& app) {
  auto o = std::make_shared<serve_options>();
  auto* cmd = app.add_subcommand("serve", "start the cloud on 127.0.0.1 with embedded defaults");
  cmd->add_option("--data-dir", o->data_dir, "folder of the cloud's data")->capture_default_str();
  cmd->add_option("--listen", o->listen, "HOST:PORT to serve the APIs on (port 0: any free)")
      ->capture_default_str();
  cmd->add_option("--sync", o->sync,
                  "full: fsync every commit (survives power loss); normal: survives a "
                  "process crash only")
      ->check(CLI::IsMember({"full", "normal"}))
      ->capture_default_str();
  cmd->add_option("--threads", o->threads, "actor scheduler threads")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  cmd->callback([o] { set_exit_code(serve(*o)); });
}

}  // namespace cumulo::cli
