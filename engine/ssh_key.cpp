#include "engine/ssh_key.hpp"

#include <openssl/evp.h>
#include <sodium.h>

#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace cumulo {
namespace {

domain_error invalid_key(const std::string& reason) {
  return make_domain_error(errc::bad_request, "Keypair data is invalid: " + reason);
}

std::string base64(const std::string& bytes) {
  std::string out(sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

bool unbase64(const std::string& text, std::string& out) {
  out.assign(text.size(), '\0');
  std::size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.c_str(),
                        text.size(), nullptr, &len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0)
    return false;
  out.resize(len);
  return true;
}

// SSH wire format (RFC 4251): uint32 big-endian lengths before strings.
void put_u32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xff);
}
void put_string(std::string& out, const std::string& s) {
  put_u32(out, static_cast<std::uint32_t>(s.size()));
  out += s;
}

struct reader {
  const std::string& in;
  std::size_t pos = 0;
  bool string(std::string& out) {
    if (in.size() - pos < 4) return false;
    std::uint32_t len = 0;
    for (int i = 0; i < 4; ++i) len = (len << 8) | static_cast<unsigned char>(in[pos + i]);
    pos += 4;
    if (in.size() - pos < len) return false;
    out = in.substr(pos, len);
    pos += len;
    return true;
  }
  bool done() const { return pos == in.size(); }
};

// How many wire strings follow the type name in a public key blob.
int fields_of(const std::string& type) {
  if (type == "ssh-ed25519") return 1;
  if (type == "ssh-rsa") return 2;
  if (type == "ssh-dss") return 4;
  if (type.rfind("ecdsa-sha2-", 0) == 0) return 2;
  return -1;
}

}  // namespace

outcome<ssh_public_key> parse_ssh_public_key(const std::string& text) {
  std::istringstream words(text);
  std::string type, data;
  words >> type >> data;
  if (type.empty() || data.empty()) return invalid_key("failed to generate fingerprint");
  const int fields = fields_of(type);
  if (fields < 0) return invalid_key("failed to generate fingerprint");
  ssh_public_key key{type, {}};
  if (!unbase64(data, key.blob)) return invalid_key("failed to generate fingerprint");
  reader r{key.blob};
  std::string inner;
  if (!r.string(inner) || inner != type) return invalid_key("failed to generate fingerprint");
  for (int i = 0; i < fields; ++i) {
    std::string part;
    if (!r.string(part) || part.empty()) return invalid_key("failed to generate fingerprint");
    if (type == "ssh-ed25519" && part.size() != 32)
      return invalid_key("failed to generate fingerprint");
  }
  if (!r.done()) return invalid_key("failed to generate fingerprint");
  return key;
}

std::string ssh_fingerprint(const ssh_public_key& key) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(key.blob.data(), key.blob.size(), digest, &len, EVP_md5(), nullptr) != 1)
    throw std::runtime_error("MD5 is not available");
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    if (i) out += ':';
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 0xf];
  }
  return out;
}

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
  put_string(blob, type);
  put_string(blob, pub);

  // openssh-key-v1 (OpenSSH's PROTOCOL.key): unencrypted, one key.
  std::uint32_t check = randombytes_random();
  std::string priv;
  put_u32(priv, check);
  put_u32(priv, check);
  put_string(priv, type);
  put_string(priv, pub);
  put_string(priv, sec);
  put_string(priv, comment);
  for (char pad = 1; priv.size() % 8 != 0; ++pad) priv += pad;

  std::string body = std::string("openssh-key-v1") + '\0';
  put_string(body, "none");
  put_string(body, "none");
  put_string(body, "");
  put_u32(body, 1);
  put_string(body, blob);
  put_string(body, priv);
  sodium_memzero(priv.data(), priv.size());

  const std::string b64 = base64(body);
  std::string pem = "-----BEGIN OPENSSH PRIVATE KEY-----\n";
  for (std::size_t i = 0; i < b64.size(); i += 70) pem += b64.substr(i, 70) + "\n";
  pem += "-----END OPENSSH PRIVATE KEY-----\n";
  return {type + " " + base64(blob) + (comment.empty() ? "" : " " + comment), pem};
}

}  // namespace cumulo
