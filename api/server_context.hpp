// What every route of the façade shares: the actor system, the conductor
// and the identity actor, the policy rules, the actor bridge, the request-body schemas, and the
// count of requests in flight that shutdown drains.
#pragma once

#include <caf/actor.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>

#include "api/bridge.hpp"
#include "api/http_server.hpp"
#include "api/json_body.hpp"
#include "api/rate_limiter.hpp"
#include "engine/policy.hpp"

namespace cumulo::api {

// Requests accepted and not yet answered. A ResponseWriter holds a raw
// pointer to Pistache's transport: nothing may answer after the endpoint is
// shut down, so shutdown waits for this count to reach zero.
class in_flight {
 public:
  void begin() { ++count_; }
  void end() {
    std::lock_guard lock(m_);
    if (--count_ == 0) cv_.notify_all();
  }
  int count() const { return count_; }
  // Stops accepting, then waits (bounded) for the count to reach zero;
  // false when it did not. From then on, late answers are dropped.
  bool drain(std::chrono::milliseconds limit) {
    accepting_ = false;
    std::unique_lock lock(m_);
    const bool drained = cv_.wait_for(lock, limit, [this] { return count_ == 0; });
    closed_ = true;
    return drained;
  }
  bool accepting() const { return accepting_; }
  bool closed() const { return closed_; }

 private:
  std::atomic<int> count_{0};
  std::atomic<bool> accepting_{true};
  std::atomic<bool> closed_{false};
  std::mutex m_;
  std::condition_variable cv_;
};

struct server_context {
  caf::actor_system& sys;
  caf::actor conductor;
  caf::actor identity;
  caf::actor networking;
  caf::actor image_registry;
  caf::actor compute;
  caf::actor journal;
  server_options opts;
  api::bridge bridge;
  schema_set schemas;
  std::shared_ptr<const host_directory> compute_hosts;  // by host name: libvirt's view
  caf::actor console_auth;                              // remote consoles' tokens
  cumulo::policy rules{default_rules()};
  std::shared_ptr<in_flight> flight = std::make_shared<in_flight>();
  // The methods each registered path answers, for the 405s of the others.
  std::map<std::string, std::pair<int, std::set<std::string>>> methods_of_path;
  std::uint16_t port = 0;  // the bound port, once listening
  // POST /v3/auth/tokens per client address (`serve --token-issue-rate`).
  std::shared_ptr<rate_limiter> token_issues =
      std::make_shared<rate_limiter>(opts.token_issue_rate, opts.token_issue_rate * 3);
  caf::actor block_storage;  // Cinder's door (actors/block_storage.hpp)
};

}  // namespace cumulo::api
