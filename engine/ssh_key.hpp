// OpenSSH keys for Nova's keypairs: reading a public key a user imports
// ("ssh-ed25519 AAAA... comment"), its fingerprint as Nova shows it, and
// a fresh key pair when the user asks Nova to make one.
#pragma once

#include <string>

#include "engine/error.hpp"

namespace cumulo {

struct ssh_public_key {
  std::string type;  // "ssh-ed25519", "ssh-rsa", ...
  std::string blob;  // the decoded key blob
};

// The key of an OpenSSH public key line; 400 "Keypair data is invalid: ..."
// for anything else (garbage, a private key, a blob of another type).
outcome<ssh_public_key> parse_ssh_public_key(const std::string& text);

// Nova's fingerprint: MD5 of the key blob, as colon-separated lower hex
// ("3f:1b:...").
std::string ssh_fingerprint(const ssh_public_key& key);

struct ssh_key_pair {
  std::string public_key;   // "ssh-ed25519 AAAA... <comment>"
  std::string private_key;  // "-----BEGIN OPENSSH PRIVATE KEY-----\n..."
};

// A new Ed25519 key pair (libsodium's randomness), the private key in
// OpenSSH's own unencrypted format, which ssh and ssh-keygen read.
ssh_key_pair generate_ssh_key_pair(const std::string& comment);

}  // namespace cumulo
