#include "virt/volume_tools.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>

#include "virt/host_command.hpp"
#include "virt/volume_backend.hpp"

namespace cumulo::volume_tools {

std::string last_line(const std::string& output) {
  std::string line;
  std::size_t end = output.size();
  while (end > 0) {
    const auto start = output.rfind('\n', end - 1);
    const auto from = start == std::string::npos ? 0 : start + 1;
    line = output.substr(from, end - from);
    if (line.find_first_not_of(" \t\r") != std::string::npos) break;
    line.clear();
    if (start == std::string::npos) break;
    end = start;
  }
  const auto first = line.find_first_not_of(' ');
  line = first == std::string::npos ? "" : line.substr(first);
  if (line.rfind("qemu-img: ", 0) == 0) line = line.substr(10);
  return line;
}

void check_id(const std::string& what, const std::string& id) {
  const bool plain = !id.empty() && id.size() <= 64 &&
                     id.find_first_not_of(
                         "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                         "0123456789-_") == std::string::npos;
  if (!plain) throw volume_backend_error("Invalid " + what + " id '" + id + "'.");
}

void check_size(std::int64_t size_gb) {
  // 2^33 GB: far beyond any disk, and size_gb * 2^30 stays in 64 bits.
  if (size_gb < 1 || size_gb > (std::int64_t{1} << 33))
    throw volume_backend_error("Invalid volume size " + std::to_string(size_gb) + " GB.");
}

std::int64_t gb_ceil(std::int64_t bytes) {
  return (bytes + volume_gib - 1) / volume_gib;
}

std::string not_enough_space(std::int64_t asked_gb, std::int64_t free_gb) {
  return "Not enough space: " + std::to_string(asked_gb) + " GB asked, " + std::to_string(free_gb) +
         " GB free";
}

std::string qemu_format(const std::string& disk_format) {
  // An ISO is raw bytes; Glance's vhd is qemu's vpc.
  static const std::map<std::string, std::string> formats{
      {"", "raw"},      {"raw", "raw"}, {"iso", "raw"}, {"qcow2", "qcow2"},
      {"vmdk", "vmdk"}, {"vdi", "vdi"}, {"vhd", "vpc"}, {"vhdx", "vhdx"}};
  auto it = formats.find(disk_format);
  if (it == formats.end())
    throw volume_backend_error("Images of disk_format " + disk_format +
                               " cannot be written to a volume.");
  return it->second;
}

image_info inspect_image(const std::filesystem::path& image, const std::string& disk_format) {
  const auto declared = qemu_format(disk_format);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(image, ec))
    throw volume_backend_error("Image file " + image.string() + " does not exist.");
  // No -f: qemu-img says what the bytes are, to be compared with what the
  // image claims. Nova's and Cinder's limits for this call: 1 GiB of
  // address space, 30 s of CPU.
  std::vector<std::string> argv;
  if (const auto prlimit = find_program({"prlimit"}); !prlimit.empty())
    argv = {prlimit, "--as=1073741824", "--cpu=30"};
  for (const char* a : {"qemu-img", "info", "--output=json"}) argv.emplace_back(a);
  argv.push_back(image.string());
  const auto r = run_program(argv);
  const auto brace = r.output.find('{');
  const auto j = brace == std::string::npos
                     ? nlohmann::json()
                     : nlohmann::json::parse(r.output.substr(brace), nullptr, false);
  if (r.exit_code != 0 || !j.is_object() || !j.contains("format") || !j["format"].is_string() ||
      !j.contains("virtual-size") || !j["virtual-size"].is_number_integer())
    throw volume_backend_error("Cannot read the image: " + last_line(r.output));
  image_info info{j["format"].get<std::string>(), j["virtual-size"].get<std::int64_t>()};
  if (info.format != declared)
    throw volume_backend_error("The image's data is " + info.format + ", not the " +
                               (disk_format.empty() ? std::string("raw") : disk_format) +
                               " its disk_format says.");
  const bool data_file = j.contains("format-specific") && j["format-specific"].is_object() &&
                         j["format-specific"].contains("data") &&
                         j["format-specific"]["data"].is_object() &&
                         j["format-specific"]["data"].contains("data-file");
  if (j.contains("backing-filename") || j.contains("full-backing-filename") || data_file)
    throw volume_backend_error("The image refers to another file (a backing or data file).");
  return info;
}

image_info inspect_image_for(const std::filesystem::path& image, const std::string& disk_format,
                             std::int64_t size_gb) {
  auto info = inspect_image(image, disk_format);
  if (info.virtual_size > size_gb * volume_gib)
    throw volume_backend_error(
        "Image virtual size is " + std::to_string(gb_ceil(info.virtual_size)) +
        " GB and doesn't fit in a volume of size " + std::to_string(size_gb) + " GB.");
  return info;
}

void qemu_img(const std::vector<std::string>& args, const std::string& failure) {
  std::vector<std::string> argv{"qemu-img"};
  argv.insert(argv.end(), args.begin(), args.end());
  const auto r = run_program(argv);
  if (r.exit_code != 0) throw volume_backend_error(failure + ": " + last_line(r.output));
}

void sync_path(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    const int e = errno;
    if (fd >= 0) ::close(fd);
    throw volume_backend_error("Cannot flush " + path.filename().string() + ": " +
                               std::strerror(e));
  }
  ::close(fd);
}

void sync_dir(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  // A folder's fsync makes a rename in it durable; where a filesystem
  // cannot (EINVAL), the rename is as durable as that filesystem makes it.
  ::fsync(fd);
  ::close(fd);
}

void upload_raw(const std::filesystem::path& source, const std::filesystem::path& dest,
                const std::string& disk_format) {
  if (disk_format != "raw" && disk_format != "qcow2")
    throw volume_backend_error("A volume uploads to an image of disk_format raw or qcow2, not " +
                               disk_format + ".");
  std::error_code ec;
  try {
    // -U: an attached volume is locked by its QEMU; its bytes are read as
    // they are (Cinder asks for a detached volume, or force).
    qemu_img(
        {"convert", "-q", "-U", "-f", "raw", "-O", disk_format, source.string(), dest.string()},
        "Cannot upload the volume to an image");
    sync_path(dest);
  } catch (...) {
    std::filesystem::remove(dest, ec);
    throw;
  }
}

}  // namespace cumulo::volume_tools
