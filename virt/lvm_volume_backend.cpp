#include "virt/lvm_volume_backend.hpp"

#include <fcntl.h>
#include <linux/fs.h>
#include <spdlog/spdlog.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

#include "virt/host_command.hpp"
#include "virt/volume_tools.hpp"

namespace cumulo {

namespace {

namespace fs = std::filesystem;

using volume_tools::snapshot_name;
using volume_tools::temporary_name;
using volume_tools::volume_name;

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

bool all_digits(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

// The rows of an lvs/vgs report asked with --separator '|': the tools'
// warnings come on the same output (run_program merges stderr) and have no
// '|' followed by numbers, so they are not rows.
std::vector<std::vector<std::string>> report_rows(const std::string& output) {
  std::vector<std::vector<std::string>> rows;
  std::stringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    std::vector<std::string> fields;
    std::stringstream cells(trim(line));
    for (std::string cell; std::getline(cells, cell, '|');) fields.push_back(trim(cell));
    if (fields.size() >= 2 && all_digits(fields.back())) rows.push_back(std::move(fields));
  }
  return rows;
}

void run_lvm(const std::vector<std::string>& argv, const std::string& failure) {
  const auto r = run_program(argv);
  if (r.exit_code != 0)
    throw volume_backend_error(failure + ": " + volume_tools::last_line(r.output));
}

// Zeros [offset, offset + length) of a block device: BLKZEROOUT lets the
// device do it (WRITE ZEROES, a loop file's hole punching) and falls back
// to writing zeros where it can't.
void zero(const fs::path& device, std::int64_t offset, std::int64_t length) {
  // The ioctl wants whole sectors; the ends are whole GB or an image's
  // virtual size, which qemu counts in sectors.
  const auto start = (offset + 511) / 512 * 512;
  const auto end = (offset + length) / 512 * 512;
  if (end <= start) return;
  const int fd = ::open(device.c_str(), O_WRONLY | O_CLOEXEC);
  std::uint64_t range[2] = {static_cast<std::uint64_t>(start),
                            static_cast<std::uint64_t>(end - start)};
  if (fd < 0 || ::ioctl(fd, BLKZEROOUT, range) != 0) {
    const int e = errno;
    if (fd >= 0) ::close(fd);
    throw volume_backend_error("Cannot zero " + device.filename().string() + ": " +
                               std::strerror(e));
  }
  ::close(fd);
}

}  // namespace

lvm_volume_backend::lvm_volume_backend(std::string volume_group) : vg_(std::move(volume_group)) {
  const bool plain = !vg_.empty() && vg_[0] != '-' && vg_.size() <= 127 &&
                     vg_.find_first_not_of(
                         "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                         "0123456789+_.-") == std::string::npos;
  if (!plain) throw volume_backend_error("Invalid volume group name '" + vg_ + "'.");
  if (find_program({"lvcreate"}).empty())
    throw volume_backend_error(
        "lvm2 is not installed: the lvm volume backend needs lvcreate, lvs and vgs");
  capacity_gb();  // the group exists, or this throws saying so
}

std::filesystem::path lvm_volume_backend::device(const std::string& lv) const {
  return fs::path("/dev") / vg_ / lv;
}

std::map<std::string, std::int64_t> lvm_volume_backend::logical_volumes() const {
  const auto r = run_program({"lvs", "--noheadings", "--nosuffix", "--units", "b", "--separator",
                              "|", "-o", "lv_name,lv_size", vg_});
  if (r.exit_code != 0)
    throw volume_backend_error("Cannot list the logical volumes of " + vg_ + ": " +
                               volume_tools::last_line(r.output));
  std::map<std::string, std::int64_t> lvs;
  for (const auto& row : report_rows(r.output)) lvs[row[0]] = std::stoll(row.back());
  return lvs;
}

std::int64_t lvm_volume_backend::bytes_of(const std::string& lv) const {
  const auto lvs = logical_volumes();
  auto it = lvs.find(lv);
  return it == lvs.end() ? -1 : it->second;
}

void lvm_volume_backend::remove_lv(const std::string& lv) {
  const auto r = run_program({"lvremove", "--yes", "--force", vg_ + "/" + lv});
  if (r.exit_code == 0) return;
  // Gone meanwhile is removed; open (an attached guest's) is refused by
  // LVM itself, and said so.
  if (bytes_of(lv) < 0) return;
  throw volume_backend_error("Cannot remove " + lv + ": " + volume_tools::last_line(r.output));
}

void lvm_volume_backend::make(const std::string& what, const std::string& id,
                              const std::string& final_name, std::int64_t size_gb,
                              const std::function<void(const std::filesystem::path&)>& write) {
  const auto temporary = temporary_name(final_name);
  const auto lvs = logical_volumes();
  if (lvs.count(final_name)) throw volume_backend_error(what + " " + id + " already exists.");
  if (const auto free = capacity_gb().second; size_gb > free)
    throw volume_backend_error(volume_tools::not_enough_space(size_gb, free));
  // A creation of this id cut off: its extents are no one's.
  if (lvs.count(temporary)) remove_lv(temporary);
  run_lvm({"lvcreate", "--yes", "--name", temporary, "--size", std::to_string(size_gb) + "g", vg_},
          "Cannot create " + final_name);
  try {
    write(device(temporary));
    volume_tools::sync_path(device(temporary));
    // lvrename refuses a name that exists: nothing is ever replaced.
    run_lvm({"lvrename", vg_, temporary, final_name}, "Cannot name " + final_name);
  } catch (...) {
    try {
      remove_lv(temporary);
    } catch (const std::exception& e) {
      spdlog::warn("volume backend lvm: {} (reap removes it at the next start)", e.what());
    }
    throw;
  }
}

void lvm_volume_backend::copy(const std::string& what, const std::string& id,
                              const std::string& final_name, const std::string& source_lv,
                              std::int64_t size_gb) {
  const auto source_bytes = bytes_of(source_lv);
  make(what, id, final_name, size_gb, [&](const fs::path& dev) {
    // -n: the LV exists; qemu-img then writes the source's zeros too, so
    // nothing of the extents' past shows through. -U: the source may be
    // attached.
    volume_tools::qemu_img({"convert", "-q", "-n", "-U", "-f", "raw", "-O", "raw",
                            device(source_lv).string(), dev.string()},
                           "Cannot copy " + source_lv);
    zero(dev, source_bytes, size_gb * volume_gib - source_bytes);
  });
}

volume_location lvm_volume_backend::create(const std::string& volume_id, std::int64_t size_gb) {
  volume_tools::check_id("volume", volume_id);
  volume_tools::check_size(size_gb);
  make("Volume", volume_id, volume_name(volume_id), size_gb,
       [&](const fs::path& dev) { zero(dev, 0, size_gb * volume_gib); });
  return *locate(volume_id);
}

volume_location lvm_volume_backend::create_from_image(const std::string& volume_id,
                                                      const std::filesystem::path& image,
                                                      const std::string& image_format,
                                                      std::int64_t size_gb) {
  volume_tools::check_id("volume", volume_id);
  volume_tools::check_size(size_gb);
  const auto info = volume_tools::inspect_image_for(image, image_format, size_gb);
  make("Volume", volume_id, volume_name(volume_id), size_gb, [&](const fs::path& dev) {
    volume_tools::qemu_img(
        {"convert", "-q", "-n", "-f", info.format, "-O", "raw", image.string(), dev.string()},
        "Cannot write the image to the volume");
    zero(dev, info.virtual_size, size_gb * volume_gib - info.virtual_size);
  });
  return *locate(volume_id);
}

volume_location lvm_volume_backend::clone(const std::string& volume_id,
                                          const std::string& source_volume_id,
                                          std::int64_t size_gb) {
  volume_tools::check_id("volume", volume_id);
  volume_tools::check_id("volume", source_volume_id);
  volume_tools::check_size(size_gb);
  const auto bytes = bytes_of(volume_name(source_volume_id));
  if (bytes < 0) throw volume_backend_error("Volume " + source_volume_id + " could not be found.");
  if (bytes > size_gb * volume_gib)
    throw volume_backend_error("A volume of " + std::to_string(size_gb) +
                               " GB cannot be smaller than its source volume (" +
                               std::to_string(volume_tools::gb_ceil(bytes)) + " GB).");
  copy("Volume", volume_id, volume_name(volume_id), volume_name(source_volume_id), size_gb);
  return *locate(volume_id);
}

void lvm_volume_backend::snapshot(const std::string& snapshot_id, const std::string& volume_id) {
  volume_tools::check_id("snapshot", snapshot_id);
  volume_tools::check_id("volume", volume_id);
  const auto bytes = bytes_of(volume_name(volume_id));
  if (bytes < 0) throw volume_backend_error("Volume " + volume_id + " could not be found.");
  copy("Snapshot", snapshot_id, snapshot_name(snapshot_id), volume_name(volume_id),
       volume_tools::gb_ceil(bytes));
}

volume_location lvm_volume_backend::create_from_snapshot(const std::string& volume_id,
                                                         const std::string& snapshot_id,
                                                         std::int64_t size_gb) {
  volume_tools::check_id("volume", volume_id);
  volume_tools::check_id("snapshot", snapshot_id);
  volume_tools::check_size(size_gb);
  const auto bytes = bytes_of(snapshot_name(snapshot_id));
  if (bytes < 0) throw volume_backend_error("Snapshot " + snapshot_id + " could not be found.");
  if (bytes > size_gb * volume_gib)
    throw volume_backend_error("A volume of " + std::to_string(size_gb) +
                               " GB cannot be smaller than its snapshot (" +
                               std::to_string(volume_tools::gb_ceil(bytes)) + " GB).");
  copy("Volume", volume_id, volume_name(volume_id), snapshot_name(snapshot_id), size_gb);
  return *locate(volume_id);
}

void lvm_volume_backend::extend(const std::string& volume_id, std::int64_t new_size_gb) {
  volume_tools::check_id("volume", volume_id);
  volume_tools::check_size(new_size_gb);
  const auto lv = volume_name(volume_id);
  const auto bytes = bytes_of(lv);
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
  run_lvm({"lvextend", "--size", std::to_string(new_size_gb) + "g", vg_ + "/" + lv},
          "Cannot extend volume " + volume_id);
  zero(device(lv), bytes, new_bytes - bytes);
  volume_tools::sync_path(device(lv));
}

void lvm_volume_backend::remove(const std::string& volume_id) {
  volume_tools::check_id("volume", volume_id);
  const auto lvs = logical_volumes();
  for (const auto& lv : {temporary_name(volume_name(volume_id)), volume_name(volume_id)})
    if (lvs.count(lv)) remove_lv(lv);
}

void lvm_volume_backend::remove_snapshot(const std::string& snapshot_id) {
  volume_tools::check_id("snapshot", snapshot_id);
  const auto lvs = logical_volumes();
  for (const auto& lv : {temporary_name(snapshot_name(snapshot_id)), snapshot_name(snapshot_id)})
    if (lvs.count(lv)) remove_lv(lv);
}

std::optional<volume_location> lvm_volume_backend::locate(const std::string& volume_id) const {
  volume_tools::check_id("volume", volume_id);
  if (bytes_of(volume_name(volume_id)) < 0) return std::nullopt;
  return volume_location{device(volume_name(volume_id)).string(), "raw", true};
}

bool lvm_volume_backend::snapshot_exists(const std::string& snapshot_id) const {
  volume_tools::check_id("snapshot", snapshot_id);
  return bytes_of(snapshot_name(snapshot_id)) >= 0;
}

std::int64_t lvm_volume_backend::size_gb(const std::string& volume_id) const {
  volume_tools::check_id("volume", volume_id);
  const auto bytes = bytes_of(volume_name(volume_id));
  return bytes < 0 ? -1 : bytes / volume_gib;
}

void lvm_volume_backend::upload_to_image(const std::string& volume_id,
                                         const std::filesystem::path& dest,
                                         const std::string& disk_format) {
  const auto where = locate(volume_id);
  if (!where) throw volume_backend_error("Volume " + volume_id + " could not be found.");
  volume_tools::upload_raw(where->path, dest, disk_format);
}

std::pair<std::int64_t, std::int64_t> lvm_volume_backend::capacity_gb() const {
  const auto r = run_program({"vgs", "--noheadings", "--nosuffix", "--units", "b", "--separator",
                              "|", "-o", "vg_size,vg_free", vg_});
  const auto rows = report_rows(r.output);
  if (r.exit_code != 0 || rows.empty() || !all_digits(rows[0][0]))
    throw volume_backend_error("Volume group " + vg_ +
                               " cannot be read: " + volume_tools::last_line(r.output));
  return {std::stoll(rows[0][0]) / volume_gib, std::stoll(rows[0][1]) / volume_gib};
}

std::vector<std::string> lvm_volume_backend::reap(const std::set<std::string>& keep_volumes,
                                                  const std::set<std::string>& keep_snapshots) {
  std::vector<std::string> removed;
  for (const auto& [name, bytes] : logical_volumes()) {
    const char* why = nullptr;
    if (name.rfind("tmp-volume-", 0) == 0 || name.rfind("tmp-snapshot-", 0) == 0)
      why = "a creation cut off";
    else if (name.rfind("volume-", 0) == 0 && !keep_volumes.count(name.substr(7)))
      why = "no volume owns it";
    else if (name.rfind("snapshot-", 0) == 0 && !keep_snapshots.count(name.substr(9)))
      why = "no snapshot owns it";
    if (!why) continue;
    remove_lv(name);
    spdlog::info("volume backend lvm: removed {}/{} ({})", vg_, name, why);
    removed.push_back(name);
  }
  return removed;
}

}  // namespace cumulo
