#include "engine/keypair_state.hpp"

#include <gtest/gtest.h>

#include "engine/ssh_public_key.hpp"
#include "tests/engine/machine_test_support.hpp"

namespace cumulo {
namespace {

using M = keypair_machine;

// ssh-keygen -t ed25519; its MD5 fingerprint from ssh-keygen -l -E md5.
const std::string ed25519_key =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFXMiatOrtirOZkWl9eB38z6fdt8Nb3nSCNIfhz6jtv0 test@host";

keypair_state fresh() {
  keypair_state s;
  s.id = "k1";
  return s;
}

TEST(KeypairState, ImportRecordsTheKeyAndItsFingerprint) {
  auto s = run_command_on<M>(fresh(), keypair::create{"mykey", "u1", "ssh", ed25519_key});
  EXPECT_TRUE(s.exists());
  EXPECT_EQ(s.name, "mykey");
  EXPECT_EQ(s.user_id, "u1");
  EXPECT_EQ(s.type, "ssh");
  EXPECT_EQ(s.public_key, ed25519_key);
  auto parsed = parse_ssh_public_key(ed25519_key);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(s.fingerprint, ssh_fingerprint(parsed.value()));
  EXPECT_EQ(s.fingerprint, "4c:e5:d3:45:61:93:cc:d9:8c:aa:ac:bc:bd:5e:81:4f");
}

TEST(KeypairState, ImportsRsaKeys) {
  auto s = run_command_on<M>(
      fresh(),
      keypair::create{
          "rsa", "u1", "ssh",
          "ssh-rsa "
          "AAAAB3NzaC1yc2EAAAADAQABAAABAQC/"
          "zPoB68ZEKkvYhvfaaz3KfxeDZLacKkvDyGFIpREzOZ1W4wegjkNkVKPtsPwIIiLNw1Pgu6K+"
          "P0i0lXLkK7zd6Wh6YVsDlJ4+VtFghITljvvY+"
          "P9gu8JjFyOXkXROfG1SxlEjQVNcsEgWfeM6sy70DN0aQ1z4Dq6Yda+"
          "C6ttNlZpdVhK1LxZgLKLEYV1t93hCvagKVTJU/8wmCluOJST49IsOD15E0cH36BmQNPtQhWAQaJe3oSKbZR/"
          "ueD8C2sz9K4inAWNvfKa4wiSBRvcffBIN/+1HWrhmRk4eeGGsT/oz1gY5DXyPWy/h2+1ieVFOaM2aOgP9wLxI/"
          "iM5p1yZ rsa@host"});
  EXPECT_EQ(s.fingerprint, "4b:91:da:07:70:65:2c:5c:b8:e1:4a:94:93:f6:0d:58");
}

TEST(KeypairState, RefusesGarbageBadNamesAndX509) {
  expect_refusal<M>(fresh(), keypair::create{"k", "u1", "ssh", "not a key"}, errc::bad_request,
                    "Keypair data is invalid: failed to generate fingerprint");
  expect_refusal<M>(fresh(), keypair::create{"k", "u1", "ssh", "ssh-rsa AAAA"}, errc::bad_request,
                    "Keypair data is invalid: failed to generate fingerprint");
  EXPECT_EQ(refusal_of<M>(fresh(), keypair::create{"bad/name", "u1", "ssh", ed25519_key}).code,
            errc::bad_request);
  EXPECT_EQ(refusal_of<M>(fresh(), keypair::create{"  ", "u1", "ssh", ed25519_key}).code,
            errc::bad_request);
  EXPECT_EQ(refusal_of<M>(fresh(), keypair::create{"k", "u1", "x509", ed25519_key}).code,
            errc::bad_request);
}

TEST(KeypairState, DeleteOnceOnly) {
  auto s = run_command_on<M>(fresh(), keypair::create{"k", "u1", "ssh", ed25519_key});
  s = run_command_on<M>(s, keypair::remove{});
  EXPECT_TRUE(s.deleted);
  expect_refusal<M>(s, keypair::remove{}, errc::not_found, "Keypair k not found for user u1");
}

}  // namespace
}  // namespace cumulo
