// A token bucket per client address: `rate` requests a second on average,
// `burst` at once. For the routes whose work a client could otherwise pile
// up without bound (POST /v3/auth/tokens: an argon2id hash each, on a pool
// of two workers). Bounded memory: at most `max_clients` buckets; when full,
// the buckets that have refilled are forgotten first.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace cumulo::api {

class rate_limiter {
 public:
  using clock = std::chrono::steady_clock;
  rate_limiter(double rate, double burst, std::size_t max_clients = 10000);

  // Takes one token of `client`'s bucket; false when it is empty.
  bool admit(const std::string& client, clock::time_point now);
  // Seconds until `client` has a token again (0 when it has one).
  double retry_after(const std::string& client, clock::time_point now) const;

 private:
  struct bucket {
    double tokens;
    clock::time_point at;
  };
  double level(const bucket& b, clock::time_point now) const;
  void forget_full(clock::time_point now);

  double rate_, burst_;
  std::size_t max_clients_;
  mutable std::mutex m_;
  std::unordered_map<std::string, bucket> buckets_;
};

}  // namespace cumulo::api
