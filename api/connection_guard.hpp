// Limits on client connections, so that no client can hold the server's
// sockets or threads: at most `per_client` connections from one address,
// and a connection that sends nothing for too long is closed (a request
// head or body that stalls mid-way after `request_timeout`: slowloris, an
// upload whose client stopped; an idle keep-alive connection after
// `idle_timeout`). Free of Pistache: the HTTP handler reports connections
// by an opaque key and their socket; a sweeper thread closes the expired.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

namespace cumulo::api {

class connection_guard {
 public:
  using clock = std::chrono::steady_clock;
  struct limits {
    std::size_t per_client = 256;
    std::chrono::milliseconds request_timeout{30000};
    std::chrono::milliseconds idle_timeout{120000};
    // How often the sweeper looks; 0: no sweeper thread (tests call sweep).
    std::chrono::milliseconds sweep_every{1000};
  };

  explicit connection_guard(limits l);
  ~connection_guard();
  connection_guard(const connection_guard&) = delete;
  connection_guard& operator=(const connection_guard&) = delete;

  // A new connection; false when its client is over its limit (the caller
  // closes it).
  bool opened(const void* key, int fd, const std::string& client, clock::time_point now);
  // Bytes came in; mid_request: a request head or body is still incomplete.
  void active(const void* key, bool mid_request, clock::time_point now);
  void closed(const void* key);
  // Shuts down (SHUT_RDWR) every connection past its timeout at `now`;
  // returns how many. The sweeper calls it; tests call it with their time.
  std::size_t sweep(clock::time_point now);
  std::size_t open_connections() const;

 private:
  struct connection {
    int fd = -1;
    std::string client;
    clock::time_point last;
    bool mid_request = false;
    bool shut = false;
  };
  void run();

  limits limits_;
  mutable std::mutex m_;
  std::unordered_map<const void*, connection> connections_;
  std::unordered_map<std::string, std::size_t> per_client_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread sweeper_;
};

}  // namespace cumulo::api
