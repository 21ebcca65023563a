// Credential blobs at rest (crypto/credential_blob): sealed with the
// credential key, opened only with it, never readable in what is stored;
// and the EC2 keys Keystone makes.
#include "crypto/credential_blob.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <set>

#include "engine/credential_state.hpp"

namespace cumulo {
namespace {

const std::string blob = R"({"access": "0123access", "secret": "9876secret"})";

TEST(CredentialBlob, SealedItOpensWithItsKeyOnly) {
  const credential_key key = generate_token_key();
  const std::string sealed = seal_credential_blob(key, blob);
  EXPECT_EQ(sealed.rfind(sealed_blob_prefix, 0), 0u) << "the machine's guard accepts it";
  // Neither value in clear (the prefix itself names the secretbox).
  EXPECT_EQ(sealed.find("9876secret"), std::string::npos);
  EXPECT_EQ(sealed.find("0123access"), std::string::npos);
  EXPECT_NE(sealed, seal_credential_blob(key, blob)) << "a fresh nonce each time";
  auto back = open_credential_blob(key, sealed);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, blob);
  EXPECT_FALSE(open_credential_blob(generate_token_key(), sealed)) << "another key";
  auto empty = open_credential_blob(key, seal_credential_blob(key, ""));
  ASSERT_TRUE(empty);
  EXPECT_EQ(*empty, "");
}

TEST(CredentialBlob, TamperedOrForeignTextIsRefusedWithoutThrowing) {
  const credential_key key = generate_token_key();
  const std::string sealed = seal_credential_blob(key, blob);
  const std::size_t prefix = std::string(sealed_blob_prefix).size();
  for (std::size_t i = prefix; i < sealed.size(); ++i) {
    std::string bad = sealed;
    bad[i] = bad[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(open_credential_blob(key, bad)) << "character " << i;
  }
  for (const std::string& g : {std::string(), blob, std::string(sealed_blob_prefix),
                               std::string(sealed_blob_prefix) + "!!!",
                               std::string(sealed_blob_prefix) + std::string(30, 'A'),
                               sealed.substr(prefix), sealed.substr(0, sealed.size() - 2)})
    EXPECT_NO_THROW(EXPECT_FALSE(open_credential_blob(key, g)) << g);
}

TEST(CredentialBlob, Ec2KeysAreRandomHexOf32Characters) {
  std::set<std::string> seen;
  for (int i = 0; i < 16; ++i) {
    const std::string k = random_ec2_key();
    EXPECT_EQ(k.size(), 32u);
    for (char c : k)
      EXPECT_TRUE(std::isxdigit(static_cast<unsigned char>(c)) && !std::isupper(c)) << k;
    seen.insert(k);
  }
  EXPECT_EQ(seen.size(), 16u);
}

}  // namespace
}  // namespace cumulo
