// The checksums Glance computes of an image's bytes while they stream in:
// md5 (`checksum`) and the multihash (`os_hash_algo` sha512,
// `os_hash_value`). Never taken from the client.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

namespace cumulo {

class image_digest {
 public:
  image_digest();
  ~image_digest();
  image_digest(const image_digest&) = delete;
  image_digest& operator=(const image_digest&) = delete;

  void update(const char* data, std::size_t size);
  // Lower-case hex digests of everything updated so far; call once, at the end.
  struct result {
    std::string md5;
    std::string sha512;
  };
  result finish();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace cumulo
