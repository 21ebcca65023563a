// The checksums Glance computes of an image's bytes while they stream in:
// md5 (`checksum`) and the multihash (`os_hash_algo` sha512,
// `os_hash_value`). Never taken from the client.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
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

// What Glance records of a copy made on the host (a server's snapshot, a
// volume uploaded to an image): its size and checksums, read back once
// from the file. Nothing when the file cannot be read.
struct file_digest {
  std::int64_t size = 0;
  std::string md5;
  std::string sha512;
};
std::optional<file_digest> digest_file(const std::filesystem::path& path);

}  // namespace cumulo
