#include "api/console_proxy.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <list>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include "actors/console_auth.hpp"
#include "actors/errors.hpp"
#include "api/console_request.hpp"
#include "api/errors.hpp"
#include "api/websocket.hpp"

namespace cumulo::api {
namespace {

using steady = std::chrono::steady_clock;

// How much of a serial console's log a new client sees first, how often
// the log is looked at for more, and the most read from it at once.
constexpr std::size_t serial_backlog_bytes = 64 * 1024;
constexpr auto serial_poll = std::chrono::milliseconds(200);
// How often a waiting connection looks at the stop flag.
constexpr auto tick = std::chrono::milliseconds(250);
constexpr std::size_t read_chunk = 16 * 1024;
constexpr auto vnc_connect_timeout = std::chrono::seconds(5);
constexpr auto auth_timeout = std::chrono::seconds(10);
// What a client sends a console is keystrokes and pointer moves, and VNC's
// few client messages: 64 KiB is far above any of them.
constexpr std::size_t max_client_message = 64 * 1024;

struct owned_fd {
  int fd = -1;
  explicit owned_fd(int f = -1) : fd(f) {}
  owned_fd(const owned_fd&) = delete;
  owned_fd& operator=(const owned_fd&) = delete;
  ~owned_fd() {
    if (fd >= 0) ::close(fd);
  }
};

int millis(std::chrono::steady_clock::duration d) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  return static_cast<int>(std::max<long long>(0, std::min<long long>(ms, tick.count())));
}

std::string peer_of(const sockaddr_storage& a) {
  char text[INET6_ADDRSTRLEN] = "?";
  if (a.ss_family == AF_INET)
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(a).sin_addr, text, sizeof text);
  else if (a.ss_family == AF_INET6)
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(a).sin6_addr, text, sizeof text);
  return text;
}

// A TCP connection to host:port, within the timeout; -1 when it fails.
int connect_to(const std::string& host, int port, std::chrono::milliseconds timeout) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) return -1;
  int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd >= 0 && ::connect(fd, found->ai_addr, found->ai_addrlen) != 0) {
    pollfd p{fd, POLLOUT, 0};
    int err = 0;
    socklen_t len = sizeof err;
    if (errno != EINPROGRESS || ::poll(&p, 1, static_cast<int>(timeout.count())) != 1 ||
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(found);
  return fd;
}

// What every session reads of the proxy.
struct proxy_context {
  caf::actor_system& sys;
  caf::actor auth;
  console_proxy_options opts;
  std::atomic<bool> stopping{false};
};

}  // namespace

struct console_proxy::impl {
  proxy_context ctx;
  owned_fd listener;
  std::uint16_t bound_port = 0;
  std::thread acceptor;
  struct connection {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::mutex m;
  std::list<connection> connections;  // the ended ones joined as new ones come, all at shutdown
  std::atomic<std::size_t> open{0};

  impl(caf::actor_system& s, caf::actor a, console_proxy_options o)
      : ctx{s, std::move(a), std::move(o)} {}

  void accept_loop();
  void serve(int fd, const std::string& peer);
  void join_ended();
};

namespace {

// One client's connection, on a thread of its own.
class console_session {
 public:
  console_session(proxy_context& p, int fd, std::string peer)
      : p_(p), fd_(fd), peer_(std::move(peer)), decoder_(max_client_message) {}

  void run() {
    std::string head;
    if (!read_head(head)) return;
    const auto parsed = parse_websocket_upgrade_why(head);
    if (!parsed.upgrade) {
      spdlog::info("console proxy: {}: refused: {}", peer_, parsed.why ? parsed.why : "?");
      const std::string extra =
          parsed.status == 426 ? "Sec-WebSocket-Version: 13\r\n" : std::string();
      return refuse(parsed.status, parsed.why ? parsed.why : "Bad request", extra);
    }
    const auto& u = *parsed.upgrade;
    if (!console_origin_allowed(u.origin, u.host)) {
      spdlog::info("console proxy: {}: refused: an Origin of another host", peer_);
      return refuse(403, "The request's Origin does not match its Host.");
    }
    const auto token = console_token_of(u.query);
    if (token.empty()) return refuse(403, "The console token is invalid or has expired.");
    auto where = authorize(token);
    if (!where) return;
    // noVNC and Nova's serial clients ask for "binary"; a client that asks
    // for nothing gets binary messages all the same.
    std::string protocol;
    for (const auto& offered : u.protocols)
      if (offered == "binary") protocol = offered;
    if (!u.protocols.empty() && protocol.empty())
      return refuse(400, "The console speaks the 'binary' WebSocket protocol only.");
    const auto& c = where->where;
    owned_fd upstream;
    if (c.protocol == "vnc") {
      upstream.fd = connect_to(c.host, c.port, vnc_connect_timeout);
      if (upstream.fd < 0) {
        spdlog::warn("console proxy: {}: the VNC server of instance {} does not answer", peer_,
                     where->instance_id);
        return refuse(503, "The console of instance " + where->instance_id + " is unreachable.");
      }
    }
    if (!send_all(websocket_accept_response(u.key, protocol))) return;
    spdlog::info("console proxy: {}: {} console of instance {} opened", peer_, where->type,
                 where->instance_id);
    const char* why =
        c.protocol == "vnc" ? pump_vnc(upstream.fd) : follow_serial(c.serial_log.string());
    spdlog::info("console proxy: {}: console of instance {} closed ({})", peer_, where->instance_id,
                 why);
  }

 private:
  proxy_context& p_;
  int fd_;
  std::string peer_;
  websocket_decoder decoder_;
  bool close_sent_ = false;

  bool stopping() const { return p_.stopping.load(); }

  // The request head through its blank line, within the handshake deadline
  // and the codec's size bound; a client sends nothing after it before
  // our 101, so reading byte runs up to the blank line loses nothing.
  bool read_head(std::string& head) {
    const auto deadline = steady::now() + p_.opts.handshake_timeout;
    char buf[1024];
    while (head.find("\r\n\r\n") == std::string::npos) {
      if (head.size() > websocket_max_head_bytes) {
        refuse(431, "The request head is too large.");
        return false;
      }
      const auto left = deadline - steady::now();
      if (left <= steady::duration::zero() || stopping()) return false;
      pollfd pf{fd_, POLLIN, 0};
      const int ready = ::poll(&pf, 1, millis(left));
      if (ready < 0 && errno != EINTR) return false;
      if (ready <= 0) continue;
      const auto n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return false;
      head.append(buf, static_cast<std::size_t>(n));
    }
    const auto end = head.find("\r\n\r\n") + 4;
    if (end != head.size()) {
      refuse(400, "A client sends nothing before the handshake's answer.");
      return false;
    }
    return true;
  }

  // Writes everything, waiting (bounded) for a slow reader.
  bool send_all(std::string_view bytes) {
    const auto deadline = steady::now() + p_.opts.write_timeout;
    while (!bytes.empty()) {
      const auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        bytes.remove_prefix(static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return false;
      const auto left = deadline - steady::now();
      if (left <= steady::duration::zero() || stopping()) return false;
      pollfd pf{fd_, POLLOUT, 0};
      ::poll(&pf, 1, millis(left));
    }
    return true;
  }

  // An HTTP answer instead of the upgrade, in Nova's error format.
  void refuse(int status, const std::string& message, const std::string& extra = "") {
    const auto body = error_body(service::compute, status, message).dump();
    send_all("HTTP/1.1 " + std::to_string(status) + " " + status_title(status) +
             "\r\nContent-Type: application/json\r\nContent-Length: " +
             std::to_string(body.size()) + "\r\nConnection: close\r\n" + extra + "\r\n" + body);
  }

  // Asks the console auth actor where the token leads; answers the refusal.
  std::optional<console_authorization> authorize(const std::string& token) {
    caf::scoped_actor self{p_.sys};
    std::optional<console_authorization> out;
    self->request(p_.auth, auth_timeout, console_atom::value, caf::get_atom::value, token)
        .receive([&](console_authorization& a) { out = std::move(a); },
                 [&](caf::error& e) {
                   const auto de = from_caf_error(e);
                   spdlog::info("console proxy: {}: refused: {}", peer_, de.message);
                   if (de.code == errc::not_found)
                     refuse(403, "The console token is invalid or has expired.");
                   else if (de.code == errc::conflict)
                     refuse(409, de.message);
                   else
                     refuse(503, "The console is unavailable; try again.");
                 });
    return out;
  }

  void send_close(std::uint16_t code, std::string_view reason) {
    if (close_sent_) return;
    close_sent_ = true;
    send_all(websocket_close_frame(code, reason));
  }

  // Reads what the client sent and acts on its control frames; each data
  // message goes to on_data. A static reason once the console is over.
  template <class OnData>
  const char* take_client(OnData on_data) {
    char buf[read_chunk];
    const auto n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0) return "the client went away";
    if (n < 0) return errno == EAGAIN || errno == EINTR ? nullptr : "the client's socket failed";
    auto fed = decoder_.feed({buf, static_cast<std::size_t>(n)});
    for (auto& msg : fed.messages) {
      switch (msg.opcode) {
        case websocket_opcode::ping:
          if (!send_all(websocket_frame(websocket_opcode::pong, msg.payload)))
            return "the client stopped reading";
          break;
        case websocket_opcode::close:
          send_close(websocket_normal_closure, "");
          return "the client closed it";
        case websocket_opcode::text:
        case websocket_opcode::binary:
          if (!on_data(msg.payload)) return "the console went away";
          break;
        default:
          break;
      }
    }
    if (fed.error) {
      send_close(*fed.error, "");
      return fed.why ? fed.why : "the client broke the protocol";
    }
    return nullptr;
  }

  const char* pump_vnc(int vnc) {
    char buf[read_chunk];
    while (!stopping()) {
      pollfd pf[2] = {{fd_, POLLIN, 0}, {vnc, POLLIN, 0}};
      if (::poll(pf, 2, static_cast<int>(tick.count())) < 0 && errno != EINTR) return "poll failed";
      if (pf[0].revents & (POLLIN | POLLHUP | POLLERR)) {
        const char* over = take_client([vnc](const std::string& bytes) {
          std::string_view rest = bytes;
          while (!rest.empty()) {
            const auto n = ::send(vnc, rest.data(), rest.size(), MSG_NOSIGNAL);
            if (n <= 0) return false;
            rest.remove_prefix(static_cast<std::size_t>(n));
          }
          return true;
        });
        if (over) return over;
      }
      if (pf[1].revents & (POLLIN | POLLHUP | POLLERR)) {
        const auto n = ::recv(vnc, buf, sizeof buf, MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
          send_close(websocket_going_away, "The guest's console closed.");
          return "the VNC server closed";
        }
        if (n > 0 && !send_all(websocket_frame(websocket_opcode::binary,
                                               {buf, static_cast<std::size_t>(n)})))
          return "the client stopped reading";
      }
    }
    send_close(websocket_going_away, "cumulo is stopping.");
    return "cumulo is stopping";
  }

  const char* follow_serial(const std::string& path) {
    owned_fd log{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)};
    off_t at = 0;
    if (log.fd >= 0) {
      struct stat st {};
      if (::fstat(log.fd, &st) == 0 && st.st_size > static_cast<off_t>(serial_backlog_bytes))
        at = st.st_size - static_cast<off_t>(serial_backlog_bytes);
    }
    char buf[read_chunk];
    auto next_look = steady::now();
    while (!stopping()) {
      if (steady::now() >= next_look) {
        next_look = steady::now() + serial_poll;
        if (log.fd < 0) log.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        struct stat st {};
        if (log.fd >= 0 && ::fstat(log.fd, &st) == 0) {
          if (st.st_size < at) at = 0;  // the log started again
          while (at < st.st_size) {
            const auto n = ::pread(log.fd, buf, sizeof buf, at);
            if (n <= 0) break;
            at += n;
            if (!send_all(
                    websocket_frame(websocket_opcode::binary, {buf, static_cast<std::size_t>(n)})))
              return "the client stopped reading";
          }
        }
      }
      pollfd pf{fd_, POLLIN, 0};
      const auto wait = std::min(serial_poll, tick);
      if (::poll(&pf, 1, static_cast<int>(wait.count())) < 0 && errno != EINTR)
        return "poll failed";
      if (pf.revents & (POLLIN | POLLHUP | POLLERR)) {
        // The serial port takes no input: keystrokes are read and dropped.
        if (const char* over = take_client([](const std::string&) { return true; })) return over;
      }
    }
    send_close(websocket_going_away, "cumulo is stopping.");
    return "cumulo is stopping";
  }
};

}  // namespace

void console_proxy::impl::serve(int fd, const std::string& peer) {
  owned_fd conn{fd};
  try {
    console_session(ctx, fd, peer).run();
  } catch (const std::exception& e) {
    spdlog::error("console proxy: {}: {}", peer, e.what());
  }
  --open;
}

void console_proxy::impl::accept_loop() {
  while (!ctx.stopping) {
    pollfd pf{listener.fd, POLLIN, 0};
    if (::poll(&pf, 1, static_cast<int>(tick.count())) <= 0) continue;
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    const int fd = ::accept4(listener.fd, reinterpret_cast<sockaddr*>(&addr), &len, SOCK_CLOEXEC);
    if (fd < 0) continue;
    if (open >= ctx.opts.max_connections) {
      spdlog::warn("console proxy: {} consoles open: {} refused", open.load(), peer_of(addr));
      ::close(fd);
      continue;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ++open;
    join_ended();
    auto done = std::make_shared<std::atomic<bool>>(false);
    std::lock_guard lock(m);
    connections.push_back({std::thread([this, fd, done, peer = peer_of(addr)] {
                             serve(fd, peer);
                             *done = true;
                           }),
                           done});
  }
}

void console_proxy::impl::join_ended() {
  std::lock_guard lock(m);
  for (auto it = connections.begin(); it != connections.end();) {
    if (!*it->done) {
      ++it;
      continue;
    }
    it->thread.join();
    it = connections.erase(it);
  }
}

console_proxy::console_proxy(caf::actor_system& sys, caf::actor console_auth,
                             console_proxy_options opts)
    : impl_(std::make_unique<impl>(sys, std::move(console_auth), std::move(opts))) {}

console_proxy::~console_proxy() {
  shutdown();
}

void console_proxy::start() {
  auto& p = *impl_;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
  addrinfo* found = nullptr;
  const auto& o = p.ctx.opts;
  const auto where = o.host + ":" + std::to_string(o.port);
  if (::getaddrinfo(o.host.c_str(), std::to_string(o.port).c_str(), &hints, &found) != 0)
    throw std::runtime_error("console proxy: cannot listen on " + where + ": not an address");
  p.listener.fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  const bool ok = p.listener.fd >= 0 &&
                  ::setsockopt(p.listener.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0 &&
                  ::bind(p.listener.fd, found->ai_addr, found->ai_addrlen) == 0 &&
                  ::listen(p.listener.fd, 64) == 0;
  const int err = errno;
  ::freeaddrinfo(found);
  if (!ok)
    throw std::runtime_error("console proxy: cannot listen on " + where + ": " +
                             std::strerror(err));
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  ::getsockname(p.listener.fd, reinterpret_cast<sockaddr*>(&bound), &len);
  p.bound_port =
      ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<const sockaddr_in6&>(bound).sin6_port
                                        : reinterpret_cast<const sockaddr_in&>(bound).sin_port);
  p.acceptor = std::thread([&p] { p.accept_loop(); });
}

void console_proxy::shutdown() {
  auto& p = *impl_;
  if (p.ctx.stopping.exchange(true)) return;
  if (p.acceptor.joinable()) p.acceptor.join();
  std::list<impl::connection> threads;
  {
    std::lock_guard lock(p.m);
    threads.swap(p.connections);
  }
  for (auto& c : threads) c.thread.join();
}

std::uint16_t console_proxy::port() const {
  return impl_->bound_port;
}

}  // namespace cumulo::api
