// The HTTP façade's server: Pistache on one address, every response with
// x-openstack-request-id, errors in OpenStack's body format. The service
// routes (identity, compute, image, network, volume) register on it.
// No handler waits for an actor on a reactor thread: handlers send a message
// and answer from the reply (see api/README.md).
#pragma once

#include <caf/actor.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

namespace caf {
class actor_system;
}

namespace cumulo {
class fault_board;
class host_directory;
}

namespace cumulo::api {

struct server_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 5000;  // 0: any free port (tests)
  std::size_t threads = 2;    // Pistache reactor threads
  // Pistache's limit on a whole request (it answers 413 itself, without
  // our headers); JSON bodies have their own, lower limit (json_body.hpp).
  std::size_t max_request_bytes = 8 << 20;
  std::size_t max_json_body_bytes = 1 << 20;
  // A request line and headers larger than this are a 431 and the
  // connection closes (`serve --max-header-bytes`).
  std::size_t max_header_bytes = 32 << 10;
  // api/connection_guard.hpp: connections one client address may hold, how
  // long a stalled request head or body may wait, how long an idle
  // keep-alive connection stays open (`serve --max-client-connections`,
  // `--client-timeout`, `--idle-timeout`).
  std::size_t max_client_connections = 256;
  std::chrono::milliseconds request_timeout{30000};
  std::chrono::milliseconds idle_timeout{120000};
  // Token issues a second one client address may ask for (a burst of
  // three times that); more are a 429 with Retry-After.
  double token_issue_rate = 10;
  std::chrono::milliseconds actor_timeout{10000};  // then 503
  std::chrono::milliseconds drain_timeout{10000};  // shutdown waits for answers
  // The schemas/ folder; request-body schemas are read from its api/.
  std::filesystem::path schema_dir;
  // Where image bytes live (the image registry's folder), and the largest
  // upload accepted (Glance's image_size_cap: 1 TiB); more is a 413.
  std::filesystem::path image_dir;
  std::int64_t image_size_cap = std::int64_t{1} << 40;
  // The fault board of `serve --faults`: the fault API at /cumulo/v1/faults
  // exists only when it is set (api/faults.cpp).
  std::shared_ptr<fault_board> faults;
  // The console proxy's port (api/console_proxy.hpp), for the URLs of
  // remote consoles, on the host the client asked; 0: no proxy, and
  // remote consoles are unavailable.
  std::uint16_t console_port = 0;
};

// The actors the routes talk to.
struct service_actors {
  caf::actor conductor;
  caf::actor identity;        // tokens, and every identity command
  caf::actor networking;      // networks, subnets, ports
  caf::actor image_registry;  // images and their files
  caf::actor compute;         // flavors, keypairs, compute quotas, hypervisors
  caf::actor journal;         // reading a resource's event stream (instance actions)
  // The compute host actors by name: what libvirt itself says (server
  // diagnostics, running_vms), not what the log says.
  std::shared_ptr<const host_directory> compute_hosts;
  caf::actor console_auth;  // remote consoles' tokens (actors/console_auth.hpp)
  caf::actor block_storage;  // Cinder's door: volumes, snapshots, types, quotas
};

class http_server {
 public:
  http_server(caf::actor_system& sys, service_actors actors, server_options opts);
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  // Binds and starts serving on background threads; throws
  // std::runtime_error when the address can't be bound.
  void start();
  // Stops routing (new requests get 503), waits up to drain_timeout for
  // the requests in flight to be answered, then closes the reactor threads.
  void shutdown();
  std::uint16_t port() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// "127.0.0.1:5000" -> host and port; throws std::invalid_argument.
void parse_listen(const std::string& text, server_options& opts);

}  // namespace cumulo::api
