#include "engine/ssh_public_key.hpp"

#include <openssl/evp.h>

#include <cctype>
#include <sstream>
#include <stdexcept>

namespace cumulo {
namespace {

domain_error invalid_key(const std::string& reason) {
  return make_domain_error(errc::bad_request, "Keypair data is invalid: " + reason);
}

// Padded standard base64 only, as OpenSSH writes it.
bool unbase64(const std::string& text, std::string& out) {
  if (text.empty() || text.size() % 4 != 0) return false;
  for (char c : text)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '/' && c != '=')
      return false;
  const std::size_t pad = text.ends_with("==") ? 2 : text.ends_with('=') ? 1 : 0;
  if (text.find('=') < text.size() - pad) return false;
  out.assign(text.size() / 4 * 3, '\0');
  const int len = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(text.data()),
                                  static_cast<int>(text.size()));
  if (len < 0) return false;
  out.resize(static_cast<std::size_t>(len) - pad);
  return true;
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

void ssh_put_u32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xff);
}

void ssh_put_string(std::string& out, const std::string& s) {
  ssh_put_u32(out, static_cast<std::uint32_t>(s.size()));
  out += s;
}

}  // namespace cumulo
