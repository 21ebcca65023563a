// The metadata service's sockets: one thread polls every listening socket
// (one per network, each made inside its network's DHCP namespace:
// virt/netns_socket.hpp) and every connection. A guest's request is read
// (api/metadata_request.hpp), the lookup says which instance the network
// and the peer's address name, and the answer is Nova's
// (engine/instance_metadata.hpp). No CAF here: the lookup is a function
// (the service asks the compute door with it; tests give their own).
//
// Bounded against hostile guests: at most max_connections at once (one
// more is answered 503 and closed), head_timeout to send the request head
// (408), 8 KiB of head (431), answer_timeout for the lookup (503) and as
// much again to take the answer, one request per connection.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/instance_metadata.hpp"

namespace cumulo::api {

struct metadata_server_options {
  std::size_t max_connections = 64;
  std::chrono::milliseconds head_timeout{5000};
  std::chrono::milliseconds answer_timeout{10000};
};

// What a lookup found: the instance's metadata (status 200), or the status
// to answer instead (404: no instance has that address on that network;
// 503: the cloud did not answer).
struct metadata_lookup_result {
  int status = 200;
  instance_metadata metadata;
};

// Who has `ip` on `network_id`: calls `done` once, from any thread.
using metadata_lookup = std::function<void(const std::string& network_id, const std::string& ip,
                                           std::function<void(metadata_lookup_result)> done)>;

class metadata_server {
 public:
  explicit metadata_server(metadata_lookup lookup, metadata_server_options opts = {});
  // Stops the thread; every socket it holds is closed.
  ~metadata_server();
  metadata_server(const metadata_server&) = delete;
  metadata_server& operator=(const metadata_server&) = delete;

  // Serves a listening socket for a network (the server owns it from now
  // on; a network served already has its old one closed, its connections
  // kept).
  void serve(const std::string& network_id, int listen_fd);
  // Stops serving a network: its socket and its connections are closed.
  void stop_serving(const std::string& network_id);
  // The networks served, once the thread has taken every change made so far.
  std::vector<std::string> networks() const;

  struct impl;

 private:
  std::shared_ptr<impl> impl_;
};

}  // namespace cumulo::api
