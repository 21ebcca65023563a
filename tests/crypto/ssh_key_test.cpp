#include "crypto/ssh_key.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sys/stat.h>

#include "tests/temp_dir.hpp"

namespace cumulo {
namespace {

std::string run(const std::string& command) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (!p) return out;
  char buf[512];
  while (fgets(buf, sizeof buf, p)) out += buf;
  pclose(p);
  return out;
}

TEST(SshKey, AGeneratedPairIsOneOpenSshReads) {
  auto pair = generate_ssh_key_pair("Generated-by-Nova");
  ASSERT_EQ(pair.public_key.rfind("ssh-ed25519 ", 0), 0u);
  auto parsed = parse_ssh_public_key(pair.public_key);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_NE(pair.private_key.find("BEGIN OPENSSH PRIVATE KEY"), std::string::npos);
  if (run("command -v ssh-keygen").empty()) GTEST_SKIP() << "no ssh-keygen here";
  temp_dir dir;
  const auto priv = (dir.path() / "id").string();
  std::ofstream(priv) << pair.private_key;
  chmod(priv.c_str(), 0600);
  // ssh-keygen derives the public key from our private key file...
  const std::string derived = run("ssh-keygen -y -f " + priv + " 2>&1");
  EXPECT_EQ(derived.substr(0, derived.find(' ', 12)),
            pair.public_key.substr(0, pair.public_key.find(' ', 12)));
  // ...and its MD5 fingerprint is the one Nova shows.
  const auto pub = (dir.path() / "id.pub").string();
  std::ofstream(pub) << pair.public_key << "\n";
  const std::string listed = run("ssh-keygen -l -E md5 -f " + pub + " 2>&1");
  EXPECT_NE(listed.find("MD5:" + ssh_fingerprint(parsed.value())), std::string::npos) << listed;
}

TEST(SshKey, RefusesWhatIsNotAPublicKey) {
  for (const std::string bad :
       {"", "hello", "ssh-ed25519", "ssh-ed25519 !!!notbase64",
        "ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQAB", "-----BEGIN OPENSSH PRIVATE KEY-----",
        "ssh-foo AAAAC3NzaC1lZDI1NTE5AAAAIHDPqRAwmpWgMpJq"}) {
    auto r = parse_ssh_public_key(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.error().code, errc::bad_request);
    }
  }
}

}  // namespace
}  // namespace cumulo
