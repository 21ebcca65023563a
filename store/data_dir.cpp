#include "store/data_dir.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

namespace cumulo {

data_dir::data_dir(const std::filesystem::path& root) : root_(root) {
  std::error_code ec;
  const bool fresh = !std::filesystem::exists(root_, ec);
  if (fresh && root_.has_parent_path()) std::filesystem::create_directories(root_.parent_path(), ec);
  // The data dir holds the password hashes and the token key: only its
  // owner gets in (a folder the user made beforehand is left as it is).
  if (fresh && ::mkdir(root_.c_str(), 0700) != 0 && errno != EEXIST)
    throw data_dir_error("cannot create data dir " + root_.string() + ": " + std::strerror(errno));
  if (!std::filesystem::is_directory(root_, ec))
    throw data_dir_error("cannot create data dir " + root_.string() + ": not a folder");
  const auto lock_file = root_ / "cumulo.lock";
  lock_fd_ = ::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd_ < 0)
    throw data_dir_error("cannot open " + lock_file.string() + ": " + std::strerror(errno));
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    std::string holder;
    std::ifstream(lock_file) >> holder;
    ::close(lock_fd_);
    lock_fd_ = -1;
    throw data_dir_error("data dir " + root_.string() + " is in use by another cumulo" +
                         (holder.empty() ? "" : " (pid " + holder + ")"));
  }
  // The pid is only informative: the flock is what counts.
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(lock_fd_, 0) == 0) {
    [[maybe_unused]] auto n = ::pwrite(lock_fd_, pid.data(), pid.size(), 0);
  }
}

data_dir::~data_dir() {
  if (lock_fd_ >= 0) ::close(lock_fd_);  // closing releases the flock
}

}  // namespace cumulo
