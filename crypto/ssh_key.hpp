// A fresh OpenSSH key pair when a user asks Nova to make one (libsodium's
// randomness). Reading and fingerprinting keys is pure: engine/ssh_public_key.hpp.
#pragma once

#include <string>

#include "engine/ssh_public_key.hpp"

namespace cumulo {

struct ssh_key_pair {
  std::string public_key;   // "ssh-ed25519 AAAA... <comment>"
  std::string private_key;  // "-----BEGIN OPENSSH PRIVATE KEY-----\n..."
};

// A new Ed25519 key pair, the private key in OpenSSH's own unencrypted
// format, which ssh and ssh-keygen read.
ssh_key_pair generate_ssh_key_pair(const std::string& comment);

}  // namespace cumulo
