// Keystone-style tokens that need no storage: the token is the payload
// itself, msgpack-encoded and sealed with an authenticated cipher (libsodium
// crypto_secretbox: XSalsa20-Poly1305) under a key kept in the data dir, as
// Keystone's fernet tokens are. A token survives a restart as long as the
// key file does. Expiry and revocation (disabled user, changed password,
// removed role, DELETE /v3/auth/tokens by audit_id) are the caller's checks.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "engine/token_payload.hpp"

namespace cumulo {

struct token_key {
  static constexpr std::size_t size = 32;  // crypto_secretbox_KEYBYTES
  std::array<unsigned char, size> bytes{};
};

// A fresh random key.
token_key generate_token_key();

// Reads the key at `path` (exactly 32 bytes), or creates the file with a
// fresh key, mode 0600, atomically (two processes racing get the same key).
// Throws std::runtime_error when the file can't be read or written, or is
// not a key.
token_key load_or_create_token_key(const std::filesystem::path& path);

// URL-safe base64 without padding of nonce (24 bytes) + ciphertext of the
// msgpack payload (its MAC included): 215 characters for UUID ids and the
// password method.
std::string seal_token(const token_key& key, const token_payload& payload);

// The payload of a token this key sealed; nullopt for anything else
// (tampered, truncated, malformed, another key, another format version).
// Never throws on bad input.
std::optional<token_payload> open_token(const token_key& key, const std::string& token);

// What tokens and sealed credential blobs are made of: the URL-safe base64
// (no padding) of a random nonce and the secretbox of the bytes under key;
// and the bytes back, nothing for text this key did not seal (never throws).
std::string seal_to_base64url(const token_key& key, const void* data, std::size_t size);
std::optional<std::string> open_from_base64url(const token_key& key, const std::string& text);

// A random id for a new token's audit_id: 16 bytes in URL-safe base64
// without padding (22 characters), as Keystone's.
std::string random_audit_id();
// A secret for an application credential the client named none for (as
// Keystone makes one): 48 random bytes in URL-safe base64.
std::string random_application_credential_secret();

}  // namespace cumulo
