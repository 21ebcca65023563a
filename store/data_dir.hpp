// A data dir is everything a cloud is: the event database, image files,
// instance disks, keys and the rc files. One `cumulo serve` at a time may use
// it: the lock is an flock on a file inside, released when the holder exits
// (even by a crash), so a stale lock never needs cleaning up.
#pragma once

#include <filesystem>
#include <stdexcept>

namespace cumulo {

class data_dir_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class data_dir {
 public:
  // Creates the folder if needed and takes the lock; throws data_dir_error
  // when another process (or another cloud in this one) holds it.
  explicit data_dir(const std::filesystem::path& root);
  ~data_dir();
  data_dir(const data_dir&) = delete;
  data_dir& operator=(const data_dir&) = delete;

  const std::filesystem::path& root() const { return root_; }
  std::filesystem::path events_db() const { return events_db_of(root_); }
  static std::filesystem::path events_db_of(const std::filesystem::path& root) {
    return root / "events.db";
  }

 private:
  std::filesystem::path root_;
  int lock_fd_ = -1;
};

}  // namespace cumulo
