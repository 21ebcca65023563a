#include "crypto/token.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <set>

#include "tests/temp_dir.hpp"

namespace cumulo {
namespace {

token_payload sample() {
  return token_payload{"0f6a8b1e4c3d4e5f8a9b0c1d2e3f4a5b",
                       "1a2b3c4d5e6f47a8b9c0d1e2f3a4b5c6",
                       {"password"},
                       1'700'000'000'000'000,
                       1'700'000'003'600'000,
                       "xV3r5Qm1T8u2bH7kLp9ZwA"};
}

bool url_safe(const std::string& s) {
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  return true;
}

TEST(TokenTest, RoundTrip) {
  const token_key key = generate_token_key();
  const std::string t = seal_token(key, sample());
  EXPECT_TRUE(url_safe(t)) << t;
  EXPECT_LT(t.size(), 300u) << t;
  auto back = open_token(key, t);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, sample());
}

TEST(TokenTest, UnscopedAndManyMethods) {
  const token_key key = generate_token_key();
  token_payload p = sample();
  p.project_id.clear();
  p.methods = {"password", "token"};
  auto back = open_token(key, seal_token(key, p));
  ASSERT_TRUE(back);
  EXPECT_TRUE(back->project_id.empty());
  EXPECT_EQ(back->methods, (std::vector<std::string>{"password", "token"}));
}

TEST(TokenTest, EveryTokenIsDifferent) {
  const token_key key = generate_token_key();
  EXPECT_NE(seal_token(key, sample()), seal_token(key, sample())) << "a fresh nonce each time";
}

TEST(TokenTest, ExpiryIsTheCallersCheck) {
  const auto p = sample();
  EXPECT_FALSE(p.expired(p.expires_at_us - 1));
  EXPECT_TRUE(p.expired(p.expires_at_us));
}

TEST(TokenTest, TamperingWithAnyCharacterIsRefused) {
  const token_key key = generate_token_key();
  const std::string t = seal_token(key, sample());
  for (std::size_t i = 0; i < t.size(); ++i) {
    std::string bad = t;
    bad[i] = bad[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(open_token(key, bad)) << "character " << i;
  }
  EXPECT_FALSE(open_token(key, t.substr(0, t.size() - 1)));
  EXPECT_FALSE(open_token(key, t + "A"));
  EXPECT_FALSE(open_token(key, t + "="));
  EXPECT_FALSE(open_token(key, " " + t));
}

TEST(TokenTest, AnotherKeyIsRefused) {
  const std::string t = seal_token(generate_token_key(), sample());
  EXPECT_FALSE(open_token(generate_token_key(), t));
}

TEST(TokenTest, GarbageIsRefusedWithoutThrowing) {
  const token_key key = generate_token_key();
  for (const std::string& g :
       {std::string(), std::string("abc"), std::string(10'240, 'A'), std::string(10'240, '\0'),
        std::string("gAAAAABl"), std::string("!!!!"), std::string(64, 'A'),
        std::string("A-_A-_A-_A-_A-_A-_A-_A-_A-_A-_A-_A-_A-_A-_A-_A-_A-_A-_A-_A-_A-_A-_")}) {
    EXPECT_NO_THROW(EXPECT_FALSE(open_token(key, g)) << g.size());
  }
}

TEST(TokenTest, KeyFileIsCreatedOnceWithMode0600) {
  temp_dir dir;
  const auto path = dir.path() / "token.key";
  const token_key first = load_or_create_token_key(path);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 32);
  const token_key again = load_or_create_token_key(path);
  EXPECT_EQ(first.bytes, again.bytes);
  // A token sealed before a "restart" opens after it.
  const std::string t = seal_token(first, sample());
  EXPECT_TRUE(open_token(load_or_create_token_key(path), t));
  // No temporary file is left behind.
  std::set<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir.path()))
    names.insert(e.path().filename().string());
  EXPECT_EQ(names, (std::set<std::string>{"token.key"}));
}

TEST(TokenTest, KeyFileOfTheWrongSizeIsAnError) {
  temp_dir dir;
  const auto path = dir.path() / "token.key";
  std::ofstream(path) << "short";
  EXPECT_THROW(load_or_create_token_key(path), std::runtime_error);
  EXPECT_THROW(load_or_create_token_key(dir.path() / "missing" / "token.key"), std::runtime_error);
}

TEST(TokenTest, AuditIdsAreRandomAndShort) {
  const std::string a = random_audit_id();
  EXPECT_EQ(a.size(), 22u);
  EXPECT_TRUE(url_safe(a));
  EXPECT_NE(a, random_audit_id());
}

}  // namespace
}  // namespace cumulo
