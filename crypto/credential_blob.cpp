#include "crypto/credential_blob.hpp"

#include <sodium.h>

#include <cstring>
#include <vector>

#include "crypto/password.hpp"
#include "engine/credential_state.hpp"

namespace cumulo {

static_assert(credential_key::size == crypto_secretbox_KEYBYTES);

std::string seal_credential_blob(const credential_key& key, const std::string& blob) {
  ensure_sodium();
  std::vector<unsigned char> sealed(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES +
                                    blob.size());
  unsigned char* nonce = sealed.data();
  randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(nonce + crypto_secretbox_NONCEBYTES,
                        reinterpret_cast<const unsigned char*>(blob.data()), blob.size(), nonce,
                        key.bytes.data());
  return std::string(sealed_blob_prefix) + to_base64url(sealed.data(), sealed.size());
}

std::optional<std::string> open_credential_blob(const credential_key& key,
                                                const std::string& sealed) {
  ensure_sodium();
  const std::size_t prefix = std::strlen(sealed_blob_prefix);
  if (sealed.compare(0, prefix, sealed_blob_prefix) != 0) return std::nullopt;
  auto bytes = from_base64url(sealed.substr(prefix));
  if (!bytes || bytes->size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
    return std::nullopt;
  const unsigned char* nonce = bytes->data();
  const std::size_t boxed = bytes->size() - crypto_secretbox_NONCEBYTES;
  std::string out(boxed - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(out.data()),
                                 nonce + crypto_secretbox_NONCEBYTES, boxed, nonce,
                                 key.bytes.data()) != 0)
    return std::nullopt;
  return out;
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
