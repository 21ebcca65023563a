// OpenSSH public keys for Nova's keypairs: reading a key a user imports
// ("ssh-ed25519 AAAA... comment") and its fingerprint as Nova shows it. Pure
// (OpenSSL's base64 and MD5); making a new key pair needs randomness and
// lives in crypto/ssh_key.hpp.
#pragma once

#include <cstdint>
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

// SSH wire format (RFC 4251): uint32 big-endian lengths before strings.
void ssh_put_u32(std::string& out, std::uint32_t v);
void ssh_put_string(std::string& out, const std::string& s);

}  // namespace cumulo
