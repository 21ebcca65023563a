// `cumulo serve`: the whole cloud on one data dir and one address.
#include <sys/resource.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <limits>
#include <optional>
#include <string>
#include <pthread.h>

#include "actors/cloud.hpp"
#include "actors/block_storage.hpp"
#include "actors/compute_bootstrap.hpp"
#include "actors/identity_bootstrap.hpp"
#include "api/console_proxy.hpp"
#include "api/metadata_service.hpp"
#include "api/http_server.hpp"
#include "engine/ipam.hpp"
#include "cli/allocator.hpp"
#include "cli/commands.hpp"
#include "cli/credentials_files.hpp"
#include "cli/hosts_file.hpp"
#include "virt/fault_board.hpp"
#include "virt/libvirt_driver.hpp"

namespace cumulo::cli {
namespace {

struct serve_options {
  std::string data_dir = "cumulo-data";
  std::string listen = "127.0.0.1:5000";
  std::string sync = "full";
  std::size_t threads = 2;
  std::string admin_password;     // empty: generated at the first start
  std::int64_t token_ttl = 3600;  // seconds
  std::string password_cost = "interactive";
  std::int64_t image_size_cap = std::int64_t{1} << 40;  // bytes, Glance's default
  int hosts = 1;                     // compute-1 .. compute-N on test nodes of their own
  std::string hosts_file;            // explicit capacities
  std::string hypervisor;            // one host on this libvirt URI
  bool faults = false;               // the fault API (scenario drills)
  std::int64_t spawn_timeout = 300;  // seconds
  std::string external_cidr = "172.24.4.0/24";
  std::string external_bridge;
  bool external_masquerade = false;
  std::int64_t reservation_expire = 86400;  // seconds, Nova's [quota] reservation_expire
  std::string virt_type = "auto";    // real guests: kvm, qemu or auto
  std::int64_t shutdown_timeout = 60;
  std::size_t max_header_bytes = 32 << 10;
  std::size_t max_client_connections = 256;
  std::int64_t client_timeout = 30;  // seconds a stalled request head or body may wait
  std::int64_t idle_timeout = 120;   // seconds an idle keep-alive connection stays
  double token_issue_rate = 10;      // POST /v3/auth/tokens a second per client
  std::string console_listen;        // "": the API's host, any free port
};

// As many open files as the hard limit allows: each client connection is
// one, and 1,024 (the usual soft limit) is too few for a server.
void raise_open_files_limit() {
  rlimit l{};
  if (::getrlimit(RLIMIT_NOFILE, &l) == 0 && l.rlim_cur < l.rlim_max) {
    l.rlim_cur = l.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &l);
  }
}

// The compute hosts the flags ask for. Throws std::runtime_error.
void configure_compute(const serve_options& o, cloud_options& opts) {
  if (!o.hypervisor.empty()) {
    // Real guests run on QEMU (qemu:///system, or qemu:///session for a
    // user without root); everything else libvirt knows is not tried.
    if (!is_test_uri(o.hypervisor) && o.hypervisor.rfind("qemu://", 0) != 0)
      throw std::runtime_error("--hypervisor " + o.hypervisor +
                               ": libvirt's test driver (test:///default, test:///<node "
                               "file>) or QEMU (qemu:///system) only");
    compute_host_config h;
    h.uri = o.hypervisor;
    h.local_gb = 0;  // the data dir's file system
    h.virt_type = o.virt_type;
    h.shutdown_timeout = std::chrono::seconds(o.shutdown_timeout);
    opts.compute_hosts = {h};
    opts.hypervisor_uri = o.hypervisor;
    // A real guest boots its image: one without a file can't start.
    if (!is_test_uri(o.hypervisor)) opts.require_image_files = true;
    return;
  }
  opts.compute_hosts =
      o.hosts_file.empty() ? numbered_hosts(o.hosts) : read_hosts_file(o.hosts_file);
}

// The identity endpoint for the credential files: a wildcard listen address
// is reached on loopback.
std::string auth_url_of(const std::string& host, std::uint16_t port) {
  const std::string reachable = host == "0.0.0.0" ? "127.0.0.1" : host;
  return "http://" + reachable + ":" + std::to_string(port) + "/v3";
}

// The admin password the credential files should carry, if known: the one
// just set at the first start, else the one the data dir's keystonerc_admin
// already holds.
std::optional<std::string> known_admin_password(const bootstrap_result& boot,
                                                const std::string& password,
                                                const std::filesystem::path& data_dir) {
  if (boot.user_created) return password;
  auto kept = read_keystonerc_password(keystonerc_path(data_dir));
  if (!kept)
    spdlog::warn(
        "serve: {} is missing; the admin password is unknown, so no credential files "
        "are written",
        keystonerc_path(data_dir).string());
  return kept;
}

int serve(const serve_options& o) {
  // Everything the cloud writes (the log, images, disks, logs, keys) is its
  // owner's alone. QEMU then runs as root for our guests
  // (virt/libvirt_driver.cpp: the instance folders are not o+x).
  ::umask(077);
  raise_open_files_limit();
  tune_allocator();
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
    opts.token_ttl = std::chrono::seconds(o.token_ttl);
    if (o.password_cost == "min") opts.cost = password_cost::cheapest();
    opts.spawn_timeout = std::chrono::seconds(o.spawn_timeout);
    opts.external_cidr = o.external_cidr;
    opts.external_bridge = o.external_bridge;
    opts.external_masquerade = o.external_masquerade;
    opts.reservation_expiry = std::chrono::seconds(o.reservation_expire);
    if (o.faults) {
      // One board for the compute hosts' drivers, the uploads and the API.
      opts.faults = std::make_shared<fault_board>();
      http.faults = opts.faults;
    }
    configure_compute(o, opts);
  } catch (const std::exception& e) {
    std::cerr << "cumulo serve: " << e.what() << "\n";
    return 2;
  }
  try {
    cloud c(opts);
    const std::string password =
        o.admin_password.empty() ? generate_admin_password() : o.admin_password;
    const auto boot = bootstrap_identity(c, password);
    bootstrap_flavors(c);
    bootstrap_volume_types(c);
    if (!boot.user_created && !o.admin_password.empty())
      spdlog::info(
          "serve: --admin-password is used only at the first start of a data dir; "
          "ignored");
    http.image_dir = c.image_dir();
    http.image_size_cap = o.image_size_cap;
    http.max_header_bytes = o.max_header_bytes;
    http.max_client_connections = o.max_client_connections;
    http.request_timeout = std::chrono::seconds(o.client_timeout);
    http.idle_timeout = std::chrono::seconds(o.idle_timeout);
    http.token_issue_rate = o.token_issue_rate;
    // The console proxy first: the API's console URLs name its port.
    api::console_proxy_options console;
    {
      api::server_options where;
      api::parse_listen(o.console_listen.empty() ? http.host + ":0" : o.console_listen, where);
      console.host = where.host;
      console.port = where.port;
    }
    api::console_proxy consoles(c.system(), c.console_auth(), console);
    consoles.start();
    // Nova's metadata service, in each network's DHCP namespace: the
    // network host tells it of them (real guests only: the tenant plane).
    std::optional<api::metadata_service> metadata;
    if (c.runs_tenant_plane()) {
      metadata.emplace(c.system(), c.compute());
      caf::anon_send(c.network_host(), caf::put_atom::value, metadata_atom::value,
                     metadata->actor());
    }
    http.console_port = consoles.port();
    api::http_server server(
        c.system(),
        {c.conductor(), c.identity(), c.networking(), c.image_registry(), c.compute(), c.journal(),
         c.compute_host_directory(), c.console_auth(), c.block_storage()},
        http);
    server.start();
    // Written before the serving line, so whoever reads that line finds them.
    std::optional<credentials_paths> files;
    if (auto known = known_admin_password(boot, password, c.dir().root())) {
      try {
        files =
            write_credentials_files(c.dir().root(), auth_url_of(http.host, server.port()), *known);
      } catch (const std::exception& e) {
        spdlog::error("serve: {}", e.what());
      }
    }
    // Tests and scripts read this line to learn the port.
    std::cout << "cumulo serving on http://" << http.host << ":" << server.port() << " (data dir "
              << o.data_dir << ", " << c.events_at_start() << " events replayed)" << std::endl;
    std::cout << "console proxy on " << console.host << ":" << consoles.port() << std::endl;
    if (files)
      std::cout << "admin credentials: " << files->keystonerc.string() << " (source it), "
                << files->clouds_yaml.string() << std::endl;
    // Waits for a signal; meanwhile, every few seconds, the allocator's
    // free pages go back to the system (cli/allocator.hpp).
    int sig = -1;
    const timespec tick{5, 0};
    while (sig < 0) {
      sig = sigtimedwait(&signals, nullptr, &tick);
      if (sig < 0) release_free_memory();
    }
    spdlog::info("serve: signal {} received, shutting down", sig);
    server.shutdown();
    consoles.shutdown();
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
  cmd->add_option("--console-listen", o->console_listen,
                  "HOST:PORT of the console proxy that remote consoles' URLs lead to "
                  "(default: the --listen host, any free port)");
  cmd->add_option("--sync", o->sync,
                  "full: fsync every commit (survives power loss); normal: survives a "
                  "process crash only")
      ->check(CLI::IsMember({"full", "normal"}))
      ->capture_default_str();
  cmd->add_option("--admin-password", o->admin_password,
                  "password of the user admin, set at the first start of the data dir "
                  "(default: generated; written to keystonerc_admin)");
  cmd->add_option("--token-ttl", o->token_ttl,
                  "seconds a token stays valid (Keystone's default: 3600)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{7} * 24 * 3600))
      ->capture_default_str();
  cmd->add_option("--image-size-cap", o->image_size_cap,
                  "largest image upload accepted, in bytes (Glance's image_size_cap); more "
                  "is refused with 413")
      ->check(CLI::Range(std::int64_t{0}, std::numeric_limits<std::int64_t>::max()))
      ->capture_default_str();
  cmd->add_option("--max-header-bytes", o->max_header_bytes,
                  "largest request line and headers accepted, in bytes; more is refused with "
                  "431 and the connection closed")
      ->check(CLI::Range(std::size_t{1024}, std::size_t{1} << 24))
      ->capture_default_str();
  cmd->add_option("--max-client-connections", o->max_client_connections,
                  "connections one client address may hold open; more are closed at once")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 20))
      ->capture_default_str();
  cmd->add_option("--client-timeout", o->client_timeout,
                  "seconds a request head or body may stall before its connection is closed "
                  "(an upload cut off this way leaves its image queued)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{3600}))
      ->capture_default_str();
  cmd->add_option("--idle-timeout", o->idle_timeout,
                  "seconds an idle keep-alive connection stays open")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{86400}))
      ->capture_default_str();
  cmd->add_option("--token-issue-rate", o->token_issue_rate,
                  "token issues (POST /v3/auth/tokens) a second one client address may ask "
                  "for, with bursts of three times that; more are refused with 429")
      ->check(CLI::Range(0.1, 1e6))
      ->capture_default_str();
  cmd->add_option("--password-cost", o->password_cost,
                  "argon2id cost of new password hashes: interactive (libsodium's, ~120 ms) or "
                  "min (for tests only)")
      ->check(CLI::IsMember({"interactive", "min"}))
      ->capture_default_str();
  auto* hosts = cmd->add_option("--hosts", o->hosts,
                                "compute hosts compute-1..N, each a node of libvirt's test "
                                "driver with 8 vCPUs, 16384 MB and 200 GB")
                    ->check(CLI::Range(1, 64))
                    ->capture_default_str();
  auto* hosts_file =
      cmd->add_option("--hosts-file", o->hosts_file,
                      "compute hosts with their capacities: lines 'name vcpus memory_mb disk_gb' "
                      "or YAML (a list of maps with those keys)")
          ->excludes(hosts);
  cmd->add_option("--hypervisor", o->hypervisor,
                  "one compute host, compute-1, on this libvirt URI (test:///default, "
                  "test:///<node file>, or qemu:///system for real guests)")
      ->excludes(hosts)
      ->excludes(hosts_file);
  cmd->add_flag("--faults", o->faults,
                "serve the admin-only fault API at /cumulo/v1/faults (crash a compute host, "
                "make its libvirt calls fail or hang, fill the image store or the volume backend): "
                "for drills only");
  cmd->add_option("--spawn-timeout", o->spawn_timeout,
                  "seconds a compute host may take to spawn an instance before the build is "
                  "rescheduled to another host")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{3600}))
      ->capture_default_str();
  cmd->add_option("--reservation-expire", o->reservation_expire,
                  "seconds a quota reservation of a launch that never answered holds its "
                  "project's quota before it is released (Nova's reservation_expire)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{31536000}))
      ->capture_default_str();
  cmd->add_option("--virt-type", o->virt_type,
                  "real guests: kvm, qemu (TCG emulation) or auto (kvm where the host can "
                  "boot a KVM guest, else qemu)")
      ->check(CLI::IsMember({"auto", "kvm", "qemu"}))
      ->capture_default_str();
  cmd->add_option("--shutdown-timeout", o->shutdown_timeout,
                  "seconds a guest gets to power off after a stop before it is stopped hard "
                  "(Nova's shutdown_timeout)")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{3600}))
      ->capture_default_str();
  cmd->add_option("--external-cidr", o->external_cidr,
                  "real guests: an external network's subnet with this CIDR has its gateway "
                  "address on the host, which is then the routers' upstream (\"\" for none)")
      ->check([](const std::string& v) {
        return v.empty() || ipam::parse_cidr(v) ? std::string() : "not a CIDR: " + v;
      })
      ->capture_default_str();
  cmd->add_option("--external-bridge", o->external_bridge,
                  "real guests: external networks use this existing bridge of the host's "
                  "(one with an uplink) instead of one of their own")
      ->check([](const std::string& v) {
        return v.size() <= 15 && v.find_first_of(" /") == std::string::npos
                   ? std::string()
                   : "not a bridge name: " + v;
      });
  cmd->add_flag("--external-masquerade", o->external_masquerade,
                "real guests: let the external CIDR out of the host, masqueraded as the host "
                "(turns on the host's IPv4 forwarding); off: nothing leaves the machine");
  cmd->add_option("--threads", o->threads, "actor scheduler threads")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  cmd->callback([o] { set_exit_code(serve(*o)); });
}

}  // namespace cumulo::cli
