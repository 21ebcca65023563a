#include "crypto/ssh_key.hpp"

#include <sodium.h>

#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace cumulo {
namespace {

std::string base64(const std::string& bytes) {
  std::string out(sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

}  // namespace

ssh_key_pair generate_ssh_key_pair(const std::string& comment) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium cannot be initialised");
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  unsigned char sk[crypto_sign_SECRETKEYBYTES];  // seed then public key, as OpenSSH keeps it
  crypto_sign_keypair(pk, sk);
  const std::string type = "ssh-ed25519";
  const std::string pub(reinterpret_cast<char*>(pk), sizeof pk);
  const std::string sec(reinterpret_cast<char*>(sk), sizeof sk);
  sodium_memzero(sk, sizeof sk);

  std::string blob;
  ssh_put_string(blob, type);
  ssh_put_string(blob, pub);

  // openssh-key-v1 (OpenSSH's PROTOCOL.key): unencrypted, one key.
  std::uint32_t check = randombytes_random();
  std::string priv;
  ssh_put_u32(priv, check);
  ssh_put_u32(priv, check);
  ssh_put_string(priv, type);
  ssh_put_string(priv, pub);
  ssh_put_string(priv, sec);
  ssh_put_string(priv, comment);
  for (char pad = 1; priv.size() % 8 != 0; ++pad) priv += pad;

  std::string body = std::string("openssh-key-v1") + '\0';
  ssh_put_string(body, "none");
  ssh_put_string(body, "none");
  ssh_put_string(body, "");
  ssh_put_u32(body, 1);
  ssh_put_string(body, blob);
  ssh_put_string(body, priv);
  sodium_memzero(priv.data(), priv.size());

  const std::string b64 = base64(body);
  std::string pem = "-----BEGIN OPENSSH PRIVATE KEY-----\n";
  for (std::size_t i = 0; i < b64.size(); i += 70) pem += b64.substr(i, 70) + "\n";
  pem += "-----END OPENSSH PRIVATE KEY-----\n";
  return {type + " " + base64(blob) + (comment.empty() ? "" : " " + comment), pem};
}

}  // namespace cumulo
