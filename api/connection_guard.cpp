#include "api/connection_guard.hpp"

#include <sys/socket.h>

namespace cumulo::api {

connection_guard::connection_guard(limits l) : limits_(l) {
  if (limits_.sweep_every.count() > 0) sweeper_ = std::thread([this] { run(); });
}

connection_guard::~connection_guard() {
  {
    std::lock_guard lock(m_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (sweeper_.joinable()) sweeper_.join();
}

bool connection_guard::opened(const void* key, int fd, const std::string& client,
                              clock::time_point now) {
  std::lock_guard lock(m_);
  auto& n = per_client_[client];
  if (n >= limits_.per_client) return false;
  ++n;
  connections_[key] = connection{fd, client, now, false, false};
  return true;
}

void connection_guard::active(const void* key, bool mid_request, clock::time_point now) {
  std::lock_guard lock(m_);
  auto it = connections_.find(key);
  if (it == connections_.end()) return;
  it->second.last = now;
  it->second.mid_request = mid_request;
}

void connection_guard::closed(const void* key) {
  std::lock_guard lock(m_);
  auto it = connections_.find(key);
  if (it == connections_.end()) return;
  auto c = per_client_.find(it->second.client);
  if (c != per_client_.end() && --c->second == 0) per_client_.erase(c);
  connections_.erase(it);
}

std::size_t connection_guard::sweep(clock::time_point now) {
  std::lock_guard lock(m_);
  std::size_t n = 0;
  for (auto& [_, c] : connections_) {
    if (c.shut) continue;
    const auto limit = c.mid_request ? limits_.request_timeout : limits_.idle_timeout;
    if (now - c.last < limit) continue;
    // Under the lock: a connection still registered has not been through
    // closed(), so its socket is still ours (the server closes it after).
    ::shutdown(c.fd, SHUT_RDWR);
    c.shut = true;
    ++n;
  }
  return n;
}

std::size_t connection_guard::open_connections() const {
  std::lock_guard lock(m_);
  return connections_.size();
}

void connection_guard::run() {
  std::unique_lock lock(m_);
  while (!stopping_) {
    wake_.wait_for(lock, limits_.sweep_every);
    if (stopping_) break;
    lock.unlock();
    sweep(clock::now());
    lock.lock();
  }
}

}  // namespace cumulo::api
