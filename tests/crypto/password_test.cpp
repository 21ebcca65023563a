#include "crypto/password.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <vector>

namespace cumulo {
namespace {

const password_cost cheap = password_cost::cheapest();

TEST(PasswordTest, HashVerifiesItsPasswordOnly) {
  const std::string h = hash_password("correct horse", cheap);
  EXPECT_EQ(h.rfind("$argon2id$", 0), 0u) << h;
  EXPECT_EQ(h.find("correct"), std::string::npos);
  EXPECT_TRUE(verify_password(h, "correct horse"));
  EXPECT_FALSE(verify_password(h, "correct horsE"));
  EXPECT_FALSE(verify_password(h, ""));
}

TEST(PasswordTest, SaltsEveryHash) {
  EXPECT_NE(hash_password("same", cheap), hash_password("same", cheap));
}

TEST(PasswordTest, EmptyAndBinaryPasswords) {
  const std::string empty = hash_password("", cheap);
  EXPECT_TRUE(verify_password(empty, ""));
  EXPECT_FALSE(verify_password(empty, "x"));
  const std::string binary("a\0b", 3);
  const std::string h = hash_password(binary, cheap);
  EXPECT_TRUE(verify_password(h, binary));
  EXPECT_FALSE(verify_password(h, "a"));
}

TEST(PasswordTest, MalformedHashesNeverVerify) {
  EXPECT_FALSE(verify_password("", ""));
  EXPECT_FALSE(verify_password("secret", "secret"));
  EXPECT_FALSE(verify_password("$argon2id$", ""));
  EXPECT_FALSE(verify_password(std::string(10'000, '$'), ""));
  std::string h = hash_password("pw", cheap);
  h.back() = h.back() == 'A' ? 'B' : 'A';
  EXPECT_FALSE(verify_password(h, "pw"));
  EXPECT_FALSE(verify_password(h + std::string(1, '\0') + "x", "pw"));
}

TEST(PasswordTest, NeedsRehashWhenTheCostChanged) {
  const std::string h = hash_password("pw", cheap);
  EXPECT_FALSE(password_needs_rehash(h, cheap));
  EXPECT_TRUE(password_needs_rehash(h));
  EXPECT_TRUE(password_needs_rehash("garbage"));
}

TEST(PasswordTest, ThreadsHashConcurrently) {
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&ok, i] {
      const std::string pw = "pw" + std::to_string(i);
      ok[i] = verify_password(hash_password(pw, cheap), pw) ? 1 : 0;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, (std::vector<int>{1, 1, 1, 1}));
}

// One hash at the default (INTERACTIVE) cost; its time is in the comment of
// password_cost and in the benchmark notes.
TEST(PasswordTest, DefaultCostIsMeasured) {
  const auto start = std::chrono::steady_clock::now();
  const std::string h = hash_password("admin-password");
  const auto hashed = std::chrono::steady_clock::now();
  EXPECT_TRUE(verify_password(h, "admin-password"));
  const auto verified = std::chrono::steady_clock::now();
  using ms = std::chrono::duration<double, std::milli>;
  RecordProperty("hash_ms", std::to_string(ms(hashed - start).count()));
  std::printf("argon2id INTERACTIVE: hash %.1f ms, verify %.1f ms\n", ms(hashed - start).count(),
              ms(verified - hashed).count());
  EXPECT_NE(h.find("m=65536,t=2"), std::string::npos) << h;
}

}  // namespace
}  // namespace cumulo
