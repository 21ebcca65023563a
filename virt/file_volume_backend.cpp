#include "virt/file_volume_backend.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "virt/volume_tools.hpp"

namespace cumulo {

namespace {

namespace fs = std::filesystem;

using volume_tools::snapshot_name;
using volume_tools::temporary_name;
using volume_tools::volume_name;

std::string errno_text() {
  return std::strerror(errno);
}

// A rename that never replaces: a volume that exists is never overwritten,
// even by a second creation of the same id. Where the filesystem lacks
// RENAME_NOREPLACE, link and unlink do the same (link refuses an existing
// name).
bool rename_no_replace(const fs::path& from, const fs::path& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return true;
  if (errno != EINVAL && errno != ENOSYS) return false;
  if (::link(from.c_str(), to.c_str()) != 0) return false;
  ::unlink(from.c_str());
  return true;
}

void grow(const fs::path& path, std::int64_t bytes) {
  // A truncate beyond the end allocates nothing: the file stays sparse.
  if (::truncate(path.c_str(), bytes) != 0)
    throw volume_backend_error("Cannot grow " + path.filename().string() + ": " + errno_text());
}

void remove_name(const fs::path& path) {
  std::error_code ec;
  fs::remove(path, ec);
  if (ec)
    throw volume_backend_error("Cannot remove " + path.filename().string() + ": " + ec.message());
}

}  // namespace

file_volume_backend::file_volume_backend(std::filesystem::path dir)
    : dir_(fs::absolute(std::move(dir))) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (!ec) fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::replace, ec);
  if (ec)
    throw volume_backend_error("Cannot make the volumes folder " + dir_.string() + ": " +
                               ec.message());
}

std::int64_t file_volume_backend::bytes_of(const std::filesystem::path& path) const {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return -1;
  return static_cast<std::int64_t>(st.st_size);
}

void file_volume_backend::make(const std::string& what, const std::string& id,
                               const std::string& final_name, std::int64_t size_gb,
                               const std::function<void(const std::filesystem::path&)>& write) {
  const auto final_path = dir_ / final_name;
  const auto temporary = dir_ / temporary_name(final_name);
  std::error_code ec;
  if (fs::exists(fs::symlink_status(final_path, ec)))
    throw volume_backend_error(what + " " + id + " already exists.");
  if (const auto free = capacity_gb().second; size_gb > free)
    throw volume_backend_error(volume_tools::not_enough_space(size_gb, free));
  // A temporary of this name is a creation of this id cut off: its bytes
  // are no one's.
  remove_name(temporary);
  try {
    write(temporary);
    // qemu-img creates its output with the process's umask; the folder is
    // 0700 meanwhile, so no one else could open it.
    fs::permissions(temporary, fs::perms::owner_read | fs::perms::owner_write,
                    fs::perm_options::replace);
    volume_tools::sync_path(temporary);
    if (!rename_no_replace(temporary, final_path)) {
      const bool exists = errno == EEXIST;
      throw volume_backend_error(exists ? what + " " + id + " already exists."
                                        : "Cannot name " + final_name + ": " + errno_text());
    }
  } catch (const fs::filesystem_error& e) {
    fs::remove(temporary, ec);
    throw volume_backend_error("Cannot write " + final_name + ": " + e.code().message());
  } catch (...) {
    fs::remove(temporary, ec);
    throw;
  }
  volume_tools::sync_dir(dir_);
}

void file_volume_backend::copy(const std::string& what, const std::string& id,
                               const std::string& final_name, const std::filesystem::path& source,
                               std::int64_t size_gb) {
  make(what, id, final_name, size_gb, [&](const fs::path& temporary) {
    // qemu-img skips the source's holes and zeros, so the copy is as
    // sparse as its source. -U: the source may be attached (locked by its
    // QEMU).
    volume_tools::qemu_img(
        {"convert", "-q", "-U", "-f", "raw", "-O", "raw", source.string(), temporary.string()},
        "Cannot copy " + source.filename().string());
    grow(temporary, size_gb * volume_gib);
  });
}

volume_location file_volume_backend::create(const std::string& volume_id, std::int64_t size_gb) {
  volume_tools::check_id("volume", volume_id);
  volume_tools::check_size(size_gb);
  make("Volume", volume_id, volume_name(volume_id), size_gb, [&](const fs::path& temporary) {
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
      throw volume_backend_error("Cannot create " + temporary.filename().string() + ": " +
                                 errno_text());
    ::close(fd);
    grow(temporary, size_gb * volume_gib);
  });
  return *locate(volume_id);
}

volume_location file_volume_backend::create_from_image(const std::string& volume_id,
                                                       const std::filesystem::path& image,
                                                       const std::string& image_format,
                                                       std::int64_t size_gb) {
  volume_tools::check_id("volume", volume_id);
  volume_tools::check_size(size_gb);
  const auto info = volume_tools::inspect_image_for(image, image_format, size_gb);
  make("Volume", volume_id, volume_name(volume_id), size_gb, [&](const fs::path& temporary) {
    volume_tools::qemu_img(
        {"convert", "-q", "-f", info.format, "-O", "raw", image.string(), temporary.string()},
        "Cannot write the image to the volume");
    grow(temporary, size_gb * volume_gib);
  });
  return *locate(volume_id);
}

volume_location file_volume_backend::clone(const std::string& volume_id,
                                           const std::string& source_volume_id,
                                           std::int64_t size_gb) {
  volume_tools::check_id("volume", volume_id);
  volume_tools::check_id("volume", source_volume_id);
  volume_tools::check_size(size_gb);
  const auto source = dir_ / volume_name(source_volume_id);
  const auto bytes = bytes_of(source);
  if (bytes < 0) throw volume_backend_error("Volume " + source_volume_id + " could not be found.");
  if (bytes > size_gb * volume_gib)
    throw volume_backend_error("A volume of " + std::to_string(size_gb) +
                               " GB cannot be smaller than its source volume (" +
                               std::to_string(volume_tools::gb_ceil(bytes)) + " GB).");
  copy("Volume", volume_id, volume_name(volume_id), source, size_gb);
  return *locate(volume_id);
}

void file_volume_backend::snapshot(const std::string& snapshot_id, const std::string& volume_id) {
  volume_tools::check_id("snapshot", snapshot_id);
  volume_tools::check_id("volume", volume_id);
  const auto source = dir_ / volume_name(volume_id);
  const auto bytes = bytes_of(source);
  if (bytes < 0) throw volume_backend_error("Volume " + volume_id + " could not be found.");
  copy("Snapshot", snapshot_id, snapshot_name(snapshot_id), source, volume_tools::gb_ceil(bytes));
}

volume_location file_volume_backend::create_from_snapshot(const std::string& volume_id,
                                                          const std::string& snapshot_id,
                                                          std::int64_t size_gb) {
  volume_tools::check_id("volume", volume_id);
  volume_tools::check_id("snapshot", snapshot_id);
  volume_tools::check_size(size_gb);
  const auto source = dir_ / snapshot_name(snapshot_id);
  const auto bytes = bytes_of(source);
  if (bytes < 0) throw volume_backend_error("Snapshot " + snapshot_id + " could not be found.");
  if (bytes > size_gb * volume_gib)
    throw volume_backend_error("A volume of " + std::to_string(size_gb) +
                               " GB cannot be smaller than its snapshot (" +
                               std::to_string(volume_tools::gb_ceil(bytes)) + " GB).");
  copy("Volume", volume_id, volume_name(volume_id), source, size_gb);
  return *locate(volume_id);
}

void file_volume_backend::extend(const std::string& volume_id, std::int64_t new_size_gb) {
  volume_tools::check_id("volume", volume_id);
  volume_tools::check_size(new_size_gb);
  const auto path = dir_ / volume_name(volume_id);
  const auto bytes = bytes_of(path);
  if (bytes < 0) throw volume_backend_error("Volume " + volume_id + " could not be found.");
  const auto new_bytes = new_size_gb * volume_gib;
  if (new_bytes == bytes) return;
  if (new_bytes < bytes)
    throw volume_backend_error("Volume " + volume_id + " is " +
                               std::to_string(volume_tools::gb_ceil(bytes)) +
                               " GB: it cannot shrink to " + std::to_string(new_size_gb) + " GB.");
  const auto more = volume_tools::gb_ceil(new_bytes - bytes);
  if (const auto free = capacity_gb().second; more > free)
    throw volume_backend_error(volume_tools::not_enough_space(more, free));
  // One truncate: after a crash the file has its old size or its new one.
  grow(path, new_bytes);
  volume_tools::sync_path(path);
}

void file_volume_backend::remove(const std::string& volume_id) {
  volume_tools::check_id("volume", volume_id);
  // An attached volume's bytes stay with its QEMU until it closes them;
  // Cinder refuses to delete one that is in use, before this is called.
  remove_name(dir_ / temporary_name(volume_name(volume_id)));
  remove_name(dir_ / volume_name(volume_id));
  volume_tools::sync_dir(dir_);
}

void file_volume_backend::remove_snapshot(const std::string& snapshot_id) {
  volume_tools::check_id("snapshot", snapshot_id);
  remove_name(dir_ / temporary_name(snapshot_name(snapshot_id)));
  remove_name(dir_ / snapshot_name(snapshot_id));
  volume_tools::sync_dir(dir_);
}

std::optional<volume_location> file_volume_backend::locate(const std::string& volume_id) const {
  volume_tools::check_id("volume", volume_id);
  const auto path = dir_ / volume_name(volume_id);
  if (bytes_of(path) < 0) return std::nullopt;
  return volume_location{path.string(), "raw", false};
}

bool file_volume_backend::snapshot_exists(const std::string& snapshot_id) const {
  volume_tools::check_id("snapshot", snapshot_id);
  return bytes_of(dir_ / snapshot_name(snapshot_id)) >= 0;
}

std::int64_t file_volume_backend::size_gb(const std::string& volume_id) const {
  volume_tools::check_id("volume", volume_id);
  const auto bytes = bytes_of(dir_ / volume_name(volume_id));
  return bytes < 0 ? -1 : bytes / volume_gib;
}

void file_volume_backend::upload_to_image(const std::string& volume_id,
                                          const std::filesystem::path& dest,
                                          const std::string& disk_format) {
  const auto where = locate(volume_id);
  if (!where) throw volume_backend_error("Volume " + volume_id + " could not be found.");
  volume_tools::upload_raw(where->path, dest, disk_format);
}

std::pair<std::int64_t, std::int64_t> file_volume_backend::capacity_gb() const {
  struct statvfs st {};
  if (::statvfs(dir_.c_str(), &st) != 0)
    throw volume_backend_error("Cannot read the space of " + dir_.string() + ": " + errno_text());
  const auto unit = static_cast<std::int64_t>(st.f_frsize);
  return {static_cast<std::int64_t>(st.f_blocks) * unit / volume_gib,
          static_cast<std::int64_t>(st.f_bavail) * unit / volume_gib};
}

std::vector<std::string> file_volume_backend::reap(const std::set<std::string>& keep_volumes,
                                                   const std::set<std::string>& keep_snapshots) {
  std::vector<std::string> removed;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    const auto name = entry.path().filename().string();
    const char* why = nullptr;
    if (name.rfind("tmp-volume-", 0) == 0 || name.rfind("tmp-snapshot-", 0) == 0)
      why = "a creation cut off";
    else if (name.rfind("volume-", 0) == 0 && !keep_volumes.count(name.substr(7)))
      why = "no volume owns it";
    else if (name.rfind("snapshot-", 0) == 0 && !keep_snapshots.count(name.substr(9)))
      why = "no snapshot owns it";
    if (!why) continue;
    remove_name(entry.path());
    spdlog::info("volume backend file: removed {} ({})", name, why);
    removed.push_back(name);
  }
  if (ec)
    throw volume_backend_error("Cannot list the volumes folder " + dir_.string() + ": " +
                               ec.message());
  if (!removed.empty()) volume_tools::sync_dir(dir_);
  return removed;
}

}  // namespace cumulo
