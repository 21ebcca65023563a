#include "api/rate_limiter.hpp"

#include <algorithm>

namespace cumulo::api {

rate_limiter::rate_limiter(double rate, double burst, std::size_t max_clients)
    : rate_(rate), burst_(std::max(burst, 1.0)), max_clients_(max_clients) {}

double rate_limiter::level(const bucket& b, clock::time_point now) const {
  const double seconds = std::chrono::duration<double>(now - b.at).count();
  return std::min(burst_, b.tokens + std::max(seconds, 0.0) * rate_);
}

void rate_limiter::forget_full(clock::time_point now) {
  for (auto it = buckets_.begin(); it != buckets_.end();)
    it = level(it->second, now) >= burst_ ? buckets_.erase(it) : std::next(it);
}

bool rate_limiter::admit(const std::string& client, clock::time_point now) {
  std::lock_guard lock(m_);
  auto it = buckets_.find(client);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_clients_) forget_full(now);
    it = buckets_.emplace(client, bucket{burst_, now}).first;
  }
  auto& b = it->second;
  b.tokens = level(b, now);
  b.at = now;
  if (b.tokens < 1.0) return false;
  b.tokens -= 1.0;
  return true;
}

double rate_limiter::retry_after(const std::string& client, clock::time_point now) const {
  std::lock_guard lock(m_);
  auto it = buckets_.find(client);
  if (it == buckets_.end()) return 0;
  const double have = level(it->second, now);
  return have >= 1.0 ? 0 : (1.0 - have) / rate_;
}

}  // namespace cumulo::api
