#include "api/metadata_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "api/http_framing.hpp"
#include "api/metadata_request.hpp"
#include "virt/config_drive.hpp"

namespace cumulo::api {
namespace {

using clock_type = std::chrono::steady_clock;

// After the answer, what the guest still sends is read and dropped for a
// moment: closing on unread bytes would reset the connection and could
// destroy the answer before the guest read it.
constexpr std::chrono::milliseconds drain_time{1000};
constexpr std::size_t max_drained_bytes = 64 * 1024;
// Connections taken from one listener per round: one busy network does
// not starve the others.
constexpr int accepts_per_round = 16;

struct connection {
  int fd = -1;
  std::string network_id;
  std::string peer;
  enum class phase { reading, asking, writing, draining } at = phase::reading;
  std::string in;
  std::size_t searched = 0;
  metadata_request request;
  std::string out;
  std::size_t sent = 0;
  std::size_t drained = 0;
  clock_type::time_point deadline;
};

struct change {
  enum class kind { serve, stop, answer } what = kind::serve;
  std::string network_id;
  int fd = -1;
  std::uint64_t connection = 0;
  metadata_lookup_result result;
};

std::string peer_of(const sockaddr_in& a) {
  char text[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, &a.sin_addr, text, sizeof text);
  return text;
}

}  // namespace

struct metadata_server::impl : std::enable_shared_from_this<metadata_server::impl> {
  metadata_lookup lookup;
  metadata_server_options opts;
  int wake = -1;
  mutable std::mutex m;
  std::vector<change> pending;
  std::set<std::string> served;
  bool stopping = false;
  std::thread thread;

  // The thread's own.
  std::map<std::string, int> listeners;
  std::map<std::uint64_t, connection> connections;
  std::uint64_t last_id = 0;

  // From any thread. Once the server stops, nothing is taken (a socket
  // handed in is closed); the wake-up is written under the lock, so never
  // to a descriptor the destructor closed.
  void push(change c) {
    std::lock_guard<std::mutex> lock(m);
    if (stopping) {
      if (c.what == change::kind::serve) ::close(c.fd);
      return;
    }
    pending.push_back(std::move(c));
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake, &one, sizeof one);
  }

  void close_connection(std::uint64_t id) {
    auto it = connections.find(id);
    if (it == connections.end()) return;
    ::close(it->second.fd);
    connections.erase(it);
  }

  void start_writing(connection& c, std::string bytes) {
    c.out = std::move(bytes);
    c.sent = 0;
    c.at = connection::phase::writing;
    c.deadline = clock_type::now() + opts.answer_timeout;
  }

  void refuse(connection& c, int status, std::string_view why) {
    spdlog::debug("metadata: {} from {} on network {}: {}", status, c.peer, c.network_id, why);
    start_writing(c, metadata_error_response(status, why, c.request.http10));
  }

  void answer(connection& c, metadata_lookup_result r) {
    if (r.status == 404) return refuse(c, 404, "No instance has this address on this network.");
    if (r.status != 200) return refuse(c, 503, "The cloud did not answer in time; try again.");
    r.metadata.random_seed = random_seed();
    const auto found = render_metadata(r.metadata, c.request.path);
    start_writing(c, metadata_http_response(found.status, found.content_type, found.body,
                                            c.request.head, c.request.http10));
  }

  void ask(std::uint64_t id, connection& c) {
    c.at = connection::phase::asking;
    c.deadline = clock_type::now() + opts.answer_timeout;
    std::weak_ptr<impl> self = weak_from_this();
    try {
      lookup(c.network_id, c.peer, [self, id](metadata_lookup_result r) {
        if (auto s = self.lock()) {
          change a;
          a.what = change::kind::answer;
          a.connection = id;
          a.result = std::move(r);
          s->push(std::move(a));
        }
      });
    } catch (const std::exception& e) {
      spdlog::warn("metadata: the lookup failed: {}", e.what());
      refuse(c, 503, "The cloud did not answer; try again.");
    }
  }

  void read_head(std::uint64_t id, connection& c) {
    char buf[4096];
    const std::size_t room = metadata_max_head_bytes + 1 - c.in.size();
    const auto n = ::recv(c.fd, buf, std::min(sizeof buf, room), 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
      return close_connection(id);
    if (n < 0) return;
    const std::size_t before = c.in.size();
    c.in.append(buf, static_cast<std::size_t>(n));
    const auto end = head_end(c.in, before);
    if (end == std::string::npos) {
      if (c.in.size() > metadata_max_head_bytes)
        refuse(c, 431, "The request head is larger than 8 KiB.");
      return;
    }
    auto parsed = parse_metadata_request(std::string_view(c.in).substr(0, end));
    c.in.clear();
    if (!parsed.request) return refuse(c, parsed.status, parsed.why ? parsed.why : "Refused.");
    c.request = std::move(*parsed.request);
    ask(id, c);
  }

  void write_answer(std::uint64_t id, connection& c) {
    while (c.sent < c.out.size()) {
      const auto n = ::send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
        return close_connection(id);
      }
      c.sent += static_cast<std::size_t>(n);
    }
    ::shutdown(c.fd, SHUT_WR);
    c.out.clear();
    c.at = connection::phase::draining;
    c.deadline = clock_type::now() + drain_time;
  }

  void drain(std::uint64_t id, connection& c) {
    char buf[4096];
    const auto n = ::recv(c.fd, buf, sizeof buf, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
    if (n <= 0) return close_connection(id);
    c.drained += static_cast<std::size_t>(n);
    if (c.drained > max_drained_bytes) close_connection(id);
  }

  void accept_from(const std::string& network_id, int listener) {
    for (int i = 0; i < accepts_per_round; ++i) {
      sockaddr_in peer{};
      socklen_t len = sizeof peer;
      const int fd = ::accept4(listener, reinterpret_cast<sockaddr*>(&peer), &len,
                               SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED)
          spdlog::warn("metadata: accept on network {}: {}", network_id, std::strerror(errno));
        return;
      }
      if (connections.size() >= opts.max_connections) {
        // Full: told so at once (a few bytes always fit a new socket's buffer).
        const auto busy = metadata_error_response(503, "Too many connections; try again.");
        [[maybe_unused]] auto n = ::send(fd, busy.data(), busy.size(), MSG_NOSIGNAL);
        ::close(fd);
        continue;
      }
      connection c;
      c.fd = fd;
      c.network_id = network_id;
      c.peer = peer.sin_family == AF_INET ? peer_of(peer) : std::string();
      c.deadline = clock_type::now() + opts.head_timeout;
      connections.emplace(++last_id, std::move(c));
    }
  }

  void stop_network(const std::string& network_id) {
    auto it = listeners.find(network_id);
    if (it != listeners.end()) {
      ::close(it->second);
      listeners.erase(it);
    }
    std::vector<std::uint64_t> gone;
    for (const auto& [id, c] : connections)
      if (c.network_id == network_id) gone.push_back(id);
    for (auto id : gone) close_connection(id);
  }

  // Applies what other threads asked; false once the server stops.
  bool take_changes() {
    std::vector<change> mine;
    bool stop = false;
    {
      std::lock_guard<std::mutex> lock(m);
      mine.swap(pending);
      stop = stopping;
    }
    for (auto& c : mine) {
      switch (c.what) {
        case change::kind::serve:
          if (stop) {
            ::close(c.fd);
            break;
          }
          // A new socket for a network served already replaces its old
          // one; the connections taken stay.
          if (auto old = listeners.find(c.network_id); old != listeners.end()) ::close(old->second);
          listeners[c.network_id] = c.fd;
          break;
        case change::kind::stop:
          stop_network(c.network_id);
          break;
        case change::kind::answer: {
          auto it = connections.find(c.connection);
          if (it != connections.end() && it->second.at == connection::phase::asking)
            answer(it->second, std::move(c.result));
          break;
        }
      }
    }
    return !stop;
  }

  void expire() {
    const auto now = clock_type::now();
    std::vector<std::uint64_t> gone;
    for (auto& [id, c] : connections) {
      if (c.deadline > now) continue;
      switch (c.at) {
        case connection::phase::reading:
          refuse(c, 408, "The request head took longer than allowed.");
          break;
        case connection::phase::asking:
          refuse(c, 503, "The cloud did not answer in time; try again.");
          break;
        case connection::phase::writing:
        case connection::phase::draining:
          gone.push_back(id);
          break;
      }
    }
    for (auto id : gone) close_connection(id);
  }

  int poll_timeout_ms() const {
    auto wait = std::chrono::milliseconds(1000);
    const auto now = clock_type::now();
    for (const auto& [_, c] : connections) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(c.deadline - now);
      wait = std::min(wait,
                      std::max(left + std::chrono::milliseconds(1), std::chrono::milliseconds(0)));
    }
    return static_cast<int>(wait.count());
  }

  void run() {
    struct source {
      std::string network_id;  // a listener's
      std::uint64_t connection = 0;
    };
    while (take_changes()) {
      std::vector<pollfd> fds{{wake, POLLIN, 0}};
      std::vector<source> of{{}};
      for (const auto& [network_id, fd] : listeners) {
        fds.push_back({fd, POLLIN, 0});
        of.push_back({network_id, 0});
      }
      for (const auto& [id, c] : connections) {
        short events = 0;
        if (c.at == connection::phase::reading || c.at == connection::phase::draining)
          events = POLLIN;
        else if (c.at == connection::phase::writing)
          events = POLLOUT;
        if (events == 0) continue;
        fds.push_back({c.fd, events, 0});
        of.push_back({std::string(), id});
      }
      const int ready = ::poll(fds.data(), fds.size(), poll_timeout_ms());
      if (ready < 0 && errno != EINTR) {
        spdlog::error("metadata: poll: {}", std::strerror(errno));
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      if (ready > 0) {
        if (fds[0].revents & POLLIN) {
          std::uint64_t count = 0;
          [[maybe_unused]] auto n = ::read(wake, &count, sizeof count);
        }
        for (std::size_t i = 1; i < fds.size(); ++i) {
          if (fds[i].revents == 0) continue;
          if (of[i].connection == 0) {
            auto l = listeners.find(of[i].network_id);
            if (l != listeners.end() && l->second == fds[i].fd) accept_from(l->first, l->second);
            continue;
          }
          const auto id = of[i].connection;
          auto it = connections.find(id);
          if (it == connections.end()) continue;
          auto& c = it->second;
          if (c.at == connection::phase::reading)
            read_head(id, c);
          else if (c.at == connection::phase::writing)
            write_answer(id, c);
          else if (c.at == connection::phase::draining)
            drain(id, c);
        }
      }
      // An answer ready now is written without waiting for the next round.
      for (auto it = connections.begin(); it != connections.end();) {
        const auto id = it->first;
        auto& c = it->second;
        ++it;
        if (c.at == connection::phase::writing && c.sent == 0) write_answer(id, c);
      }
      expire();
    }
    for (const auto& [_, fd] : listeners) ::close(fd);
    for (const auto& [_, c] : connections) ::close(c.fd);
    listeners.clear();
    connections.clear();
  }
};

metadata_server::metadata_server(metadata_lookup lookup, metadata_server_options opts)
    : impl_(std::make_shared<impl>()) {
  impl_->lookup = std::move(lookup);
  impl_->opts = opts;
  impl_->wake = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (impl_->wake < 0) throw std::runtime_error("metadata: eventfd failed");
  impl_->thread = std::thread([i = impl_.get()] { i->run(); });
}

metadata_server::~metadata_server() {
  {
    std::lock_guard<std::mutex> lock(impl_->m);
    impl_->stopping = true;
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(impl_->wake, &one, sizeof one);
  }
  impl_->thread.join();
  std::lock_guard<std::mutex> lock(impl_->m);
  // Sockets handed in after the thread's last look.
  for (const auto& c : impl_->pending)
    if (c.what == change::kind::serve) ::close(c.fd);
  impl_->pending.clear();
  ::close(impl_->wake);
  impl_->wake = -1;
}

void metadata_server::serve(const std::string& network_id, int listen_fd) {
  {
    std::lock_guard<std::mutex> lock(impl_->m);
    impl_->served.insert(network_id);
  }
  change c;
  c.what = change::kind::serve;
  c.network_id = network_id;
  c.fd = listen_fd;
  impl_->push(std::move(c));
}

void metadata_server::stop_serving(const std::string& network_id) {
  {
    std::lock_guard<std::mutex> lock(impl_->m);
    impl_->served.erase(network_id);
  }
  change c;
  c.what = change::kind::stop;
  c.network_id = network_id;
  impl_->push(std::move(c));
}

std::vector<std::string> metadata_server::networks() const {
  std::lock_guard<std::mutex> lock(impl_->m);
  return {impl_->served.begin(), impl_->served.end()};
}

}  // namespace cumulo::api
