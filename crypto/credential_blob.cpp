#include "crypto/credential_blob.hpp"

#include <sodium.h>

#include <cstring>

#include "crypto/password.hpp"
#include "engine/credential_state.hpp"

namespace cumulo {

std::string seal_credential_blob(const credential_key& key, const std::string& blob) {
  return std::string(sealed_blob_prefix) + seal_to_base64url(key, blob.data(), blob.size());
}

std::optional<std::string> open_credential_blob(const credential_key& key,
                                                const std::string& sealed) {
  const std::size_t prefix = std::strlen(sealed_blob_prefix);
  if (sealed.compare(0, prefix, sealed_blob_prefix) != 0) return std::nullopt;
  return open_from_base64url(key, sealed.substr(prefix));
}

std::string random_ec2_key() {
  ensure_sodium();
  unsigned char bytes[16];
  randombytes_buf(bytes, sizeof bytes);
  char hex[2 * sizeof bytes + 1];
  sodium_bin2hex(hex, sizeof hex, bytes, sizeof bytes);
  return hex;
}

}  // namespace cumulo
