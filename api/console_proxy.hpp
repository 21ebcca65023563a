// The console proxy (Nova's novncproxy and serialproxy in one): a listener
// of its own beside the API, since Pistache cannot hand a connection over
// to a WebSocket. A client opens ws://HOST:PORT/?token=T with a token from
// POST /servers/{id}/remote-consoles; the console auth actor says where the
// token leads, and the proxy joins the two ends:
//   - vnc: the guest's VNC server (QEMU, on the host's loopback), byte for
//     byte in binary messages (noVNC speaks RFB through them);
//   - serial: the console log the domain's serial port writes, followed as
//     it grows (the last 64 KiB first); what the client types is dropped,
//     since that port takes no input.
//
// Every connection is hostile until its token is checked: the request head
// has a deadline and the WebSocket codec's bounds, an Origin (a browser's)
// must name the host the request was sent to, a token is only ever compared
// by the auth actor and never logged, and at most max_connections
// connections are open at once (more are refused at accept).
#pragma once

#include <caf/actor.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace caf {
class actor_system;
}

namespace cumulo::api {

struct console_proxy_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // 0: any free port
  std::size_t max_connections = 64;
  // How long a client may take to send its request head.
  std::chrono::milliseconds handshake_timeout{10000};
  // How long a client may leave the proxy's writes unread before it is cut off.
  std::chrono::milliseconds write_timeout{30000};
};

class console_proxy {
 public:
  console_proxy(caf::actor_system& sys, caf::actor console_auth, console_proxy_options opts);
  ~console_proxy();
  console_proxy(const console_proxy&) = delete;
  console_proxy& operator=(const console_proxy&) = delete;

  // Binds and starts accepting on a thread of its own; throws
  // std::runtime_error when the address can't be bound.
  void start();
  // Stops accepting, ends every console (a Close frame "going away"), joins.
  void shutdown();
  std::uint16_t port() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace cumulo::api
