#include "store/ids.hpp"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <random>

namespace cumulo {

namespace {

std::mt19937_64& generator() {
  // One generator per thread, seeded from the kernel: no lock on a hot path.
  thread_local std::mt19937_64 gen{std::random_device{}()};
  return gen;
}

std::string format_uuid(std::uint64_t hi, std::uint64_t lo) {
  char buf[37];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xffff), static_cast<unsigned>(hi & 0xffff),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return buf;
}

// RFC 4122 variant bits in the low half.
std::uint64_t with_variant(std::uint64_t lo) {
  return (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
}

}  // namespace

std::string new_mac_address() {
  const auto r = generator()();
  char buf[18];
  std::snprintf(buf, sizeof buf, "fa:16:3e:%02x:%02x:%02x", static_cast<unsigned>(r & 0xff),
                static_cast<unsigned>((r >> 8) & 0xff), static_cast<unsigned>((r >> 16) & 0xff));
  return buf;
}

std::string new_uuid() {
  const auto ms =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  const std::uint64_t hi = (ms << 16) | 0x7000 | (generator()() & 0x0fff);  // version 7
  return format_uuid(hi, with_variant(generator()()));
}

std::string new_random_uuid() {
  const std::uint64_t hi = (generator()() & 0xffffffffffff0fffULL) | 0x4000;  // version 4
  return format_uuid(hi, with_variant(generator()()));
}

std::string new_request_id() {
  return "req-" + new_uuid();
}

}  // namespace cumulo
