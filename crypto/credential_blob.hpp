// Credential blobs at rest (Keystone keeps them encrypted with a key of its
// own, [credential] key_repository): sealed with libsodium's secretbox
// (XSalsa20-Poly1305) under a key kept in the data dir (credential.key,
// 0600, made as token.key is), so the event log and its copies hold only
// ciphertext. The identity actor seals before a blob is decided and opens
// it to answer a client.
#pragma once

#include <optional>
#include <string>

#include "crypto/token.hpp"

namespace cumulo {

// The same kind of key as a token's (32 random bytes), in a file of its own:
// a leaked token key reveals no credential. load_or_create_token_key reads
// or makes it.
using credential_key = token_key;

// engine's sealed_blob_prefix, then the URL-safe base64 of a random nonce
// and the ciphertext (its MAC included).
std::string seal_credential_blob(const credential_key& key, const std::string& blob);

// The blob in clear; nothing when `sealed` was not sealed by this key
// (tampered, another key, not a sealed blob). Never throws on bad input.
std::optional<std::string> open_credential_blob(const credential_key& key,
                                                const std::string& sealed);

// 16 random bytes in lower-case hex (32 characters): a new EC2 access key
// or secret, as Keystone makes them (a random UUID's hex).
std::string random_ec2_key();

}  // namespace cumulo
