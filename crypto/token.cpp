#include "crypto/token.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <msgpack.hpp>
#include <stdexcept>

#include "crypto/password.hpp"

namespace cumulo {
namespace {

static_assert(token_key::size == crypto_secretbox_KEYBYTES);

// The sealed form: a msgpack array (shorter than a map), led by a format
// version so that a later layout can still read today's tokens.
constexpr int token_format = 1;
// Anything longer is not one of our tokens: refuse it before decoding.
constexpr std::size_t max_token_chars = 4096;

struct wire {
  int format = 0;
  std::string user_id;
  std::string project_id;
  std::vector<std::string> methods;
  std::int64_t issued_at_us = 0;
  std::int64_t expires_at_us = 0;
  std::string audit_id;
  // Appended later: a token sealed before it existed reads as "".
  std::string application_credential_id;
  MSGPACK_DEFINE_ARRAY(format, user_id, project_id, methods, issued_at_us, expires_at_us, audit_id,
                       application_credential_id)
};

std::string to_base64url(const unsigned char* data, std::size_t size) {
  std::string out(sodium_base64_ENCODED_LEN(size, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), data, size, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::strlen(out.c_str()));
  return out;
}

std::optional<std::vector<unsigned char>> from_base64url(const std::string& text) {
  std::vector<unsigned char> out(text.size() * 3 / 4 + 1);
  std::size_t size = 0;
  const char* end = nullptr;
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &size, &end,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
      end != text.data() + text.size())
    return std::nullopt;
  out.resize(size);
  return out;
}

std::runtime_error key_error(const std::filesystem::path& path, const std::string& what) {
  return std::runtime_error("token key " + path.string() + ": " + what);
}

std::optional<token_key> read_key(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() != token_key::size)
    throw key_error(path, "holds " + std::to_string(bytes.size()) + " bytes, not " +
                              std::to_string(token_key::size));
  token_key k;
  std::memcpy(k.bytes.data(), bytes.data(), k.size);
  return k;
}

void write_all(int fd, const unsigned char* data, std::size_t size,
               const std::filesystem::path& path) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw key_error(path, std::string("write: ") + std::strerror(errno));
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

}  // namespace

std::string seal_to_base64url(const token_key& key, const void* data, std::size_t size) {
  ensure_sodium();
  std::vector<unsigned char> sealed(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + size);
  unsigned char* nonce = sealed.data();
  randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(nonce + crypto_secretbox_NONCEBYTES,
                        static_cast<const unsigned char*>(data), size, nonce, key.bytes.data());
  return to_base64url(sealed.data(), sealed.size());
}

std::optional<std::string> open_from_base64url(const token_key& key, const std::string& text) {
  ensure_sodium();
  auto sealed = from_base64url(text);
  if (!sealed || sealed->size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
    return std::nullopt;
  const unsigned char* nonce = sealed->data();
  const unsigned char* box = nonce + crypto_secretbox_NONCEBYTES;
  const std::size_t box_size = sealed->size() - crypto_secretbox_NONCEBYTES;
  std::string plain(box_size - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(plain.data()), box, box_size,
                                 nonce, key.bytes.data()) != 0)
    return std::nullopt;
  return plain;
}

token_key generate_token_key() {
  ensure_sodium();
  token_key k;
  crypto_secretbox_keygen(k.bytes.data());
  return k;
}

token_key load_or_create_token_key(const std::filesystem::path& path) {
  if (auto k = read_key(path)) return *k;
  // Write a temporary file, then link() it into place: link fails if the
  // key appeared meanwhile, and nobody ever sees a half-written key.
  const token_key k = generate_token_key();
  const std::filesystem::path tmp = path.string() + ".tmp." + std::to_string(::getpid()) + "." +
                                    std::to_string(randombytes_random());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) throw key_error(path, std::string("create: ") + std::strerror(errno));
  try {
    if (::fchmod(fd, 0600) != 0)
      throw key_error(path, std::string("chmod: ") + std::strerror(errno));
    write_all(fd, k.bytes.data(), k.size, path);
    if (::fsync(fd) != 0) throw key_error(path, std::string("fsync: ") + std::strerror(errno));
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  ::close(fd);
  const int linked = ::link(tmp.c_str(), path.c_str());
  const int link_errno = errno;
  ::unlink(tmp.c_str());
  if (linked != 0) {
    if (link_errno != EEXIST)
      throw key_error(path, std::string("link: ") + std::strerror(link_errno));
    if (auto other = read_key(path)) return *other;  // another process won the race
    throw key_error(path, "exists but can't be read");
  }
  return k;
}

std::string seal_token(const token_key& key, const token_payload& p) {
  ensure_sodium();
  msgpack::sbuffer buf;
  msgpack::pack(buf, wire{token_format, p.user_id, p.project_id, p.methods, p.issued_at_us,
                          p.expires_at_us, p.audit_id, p.application_credential_id});
  return seal_to_base64url(key, buf.data(), buf.size());
}

std::optional<token_payload> open_token(const token_key& key, const std::string& token) {
  if (token.empty() || token.size() > max_token_chars) return std::nullopt;
  try {
    auto plain = open_from_base64url(key, token);
    if (!plain) return std::nullopt;
    auto handle = msgpack::unpack(plain->data(), plain->size());
    if (handle.get().type != msgpack::type::ARRAY) return std::nullopt;
    wire w;
    handle.get().convert(w);
    if (w.format != token_format) return std::nullopt;
    return token_payload{std::move(w.user_id),
                         std::move(w.project_id),
                         std::move(w.methods),
                         w.issued_at_us,
                         w.expires_at_us,
                         std::move(w.audit_id),
                         std::move(w.application_credential_id)};
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string random_audit_id() {
  ensure_sodium();
  unsigned char bytes[16];
  randombytes_buf(bytes, sizeof bytes);
  return to_base64url(bytes, sizeof bytes);
}

std::string random_application_credential_secret() {
  ensure_sodium();
  unsigned char bytes[48];
  randombytes_buf(bytes, sizeof bytes);
  return to_base64url(bytes, sizeof bytes);
}

}  // namespace cumulo
