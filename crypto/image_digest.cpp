#include "crypto/image_digest.hpp"

#include <openssl/evp.h>

#include <fstream>
#include <stdexcept>
#include <vector>

namespace cumulo {
namespace {

struct ctx_free {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using md_ctx = std::unique_ptr<EVP_MD_CTX, ctx_free>;

md_ctx start(const EVP_MD* md) {
  md_ctx c(EVP_MD_CTX_new());
  if (!c || EVP_DigestInit_ex(c.get(), md, nullptr) != 1)
    throw std::runtime_error("image digest: OpenSSL cannot start a digest");
  return c;
}

std::string hex_of(EVP_MD_CTX* c) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_DigestFinal_ex(c, out, &size) != 1)
    throw std::runtime_error("image digest: OpenSSL cannot finish a digest");
  static constexpr char digits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(size * 2);
  for (unsigned int i = 0; i < size; ++i) {
    hex.push_back(digits[out[i] >> 4]);
    hex.push_back(digits[out[i] & 0xf]);
  }
  return hex;
}

}  // namespace

struct image_digest::impl {
  md_ctx md5 = start(EVP_md5());
  md_ctx sha512 = start(EVP_sha512());
};

image_digest::image_digest() : impl_(std::make_unique<impl>()) {}
image_digest::~image_digest() = default;

void image_digest::update(const char* data, std::size_t size) {
  EVP_DigestUpdate(impl_->md5.get(), data, size);
  EVP_DigestUpdate(impl_->sha512.get(), data, size);
}

image_digest::result image_digest::finish() {
  return {hex_of(impl_->md5.get()), hex_of(impl_->sha512.get())};
}

std::optional<file_digest> digest_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  image_digest digest;
  file_digest out;
  std::vector<char> buf(1 << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const auto n = in.gcount();
    if (n <= 0) break;
    digest.update(buf.data(), static_cast<std::size_t>(n));
    out.size += n;
  }
  if (in.bad()) return std::nullopt;
  auto sums = digest.finish();
  out.md5 = std::move(sums.md5);
  out.sha512 = std::move(sums.sha512);
  return out;
}

}  // namespace cumulo
