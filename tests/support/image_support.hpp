// What the Glance tests over HTTP share: Glance's error body, image bytes
// and their digests.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <random>
#include <string>

#include "crypto/image_digest.hpp"
#include "tests/support/keystone_client.hpp"

namespace cumulo {

// Glance's error body: {"code", "title", "message"} (to a client that
// prefers JSON, as the tests' client says it does).
inline void expect_glance_error(const http_response& r, long status,
                                const std::string& message_part = "") {
  EXPECT_EQ(r.status, status) << r.body;
  auto body = json_of(r);
  ASSERT_TRUE(body.is_object()) << r.body;
  EXPECT_EQ(body.value("code", 0), status) << r.body;
  EXPECT_FALSE(body.value("title", "").empty()) << r.body;
  EXPECT_NE(body.value("message", "").find(message_part), std::string::npos) << r.body;
}

// n bytes that look like an image's: the same for the same seed.
inline std::string random_bytes(std::size_t n, unsigned seed = 7) {
  std::mt19937 gen(seed);
  std::string out(n, '\0');
  for (auto& c : out) c = static_cast<char>(gen() & 0xff);
  return out;
}

inline image_digest::result sums_of(const std::string& data) {
  image_digest d;
  d.update(data.data(), data.size());
  return d.finish();
}

}  // namespace cumulo
