// What both volume backends do alike: check ids and sizes, inspect an
// image before trusting it, run qemu-img, flush what they wrote.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace cumulo::volume_tools {

// What a tool said, short enough for a volume's error reason: its last
// non-empty line, without qemu-img's own name in front.
std::string last_line(const std::string& output);

// Refuses (volume_backend_error) an id that is not a plain name: ids end
// up in paths and LV names. `what` is "volume" or "snapshot".
void check_id(const std::string& what, const std::string& id);
void check_size(std::int64_t size_gb);

// Whole GB, rounded up (a 1.5 GB image needs a 2 GB volume).
std::int64_t gb_ceil(std::int64_t bytes);

// What both backends name their objects (files or LVs), and what reap()
// takes as theirs: "volume-<id>", "snapshot-<id>", and "tmp-<name>" while
// one is being written.
inline std::string volume_name(const std::string& id) {
  return "volume-" + id;
}
inline std::string snapshot_name(const std::string& id) {
  return "snapshot-" + id;
}
inline std::string temporary_name(const std::string& final_name) {
  return "tmp-" + final_name;
}

// "Not enough space: 5 GB asked, 2 GB free"
std::string not_enough_space(std::int64_t asked_gb, std::int64_t free_gb);

// qemu-img's name of a Glance disk_format; refuses the ones no volume can
// be made of (ami, aki, ari...).
std::string qemu_format(const std::string& disk_format);

struct image_info {
  std::string format;  // qemu-img's
  std::int64_t virtual_size = 0;
};

// Reads an image's header (qemu-img info, under prlimit as Nova and
// Cinder do: a crafted header must not exhaust the host) and refuses one
// whose data is of another format than declared (a raw image holding a
// qcow2 header would otherwise be read as qcow2) or that refers to other
// files (a backing or external data file could point at any host file).
image_info inspect_image(const std::filesystem::path& image, const std::string& disk_format);

// inspect_image, then refuses an image whose virtual size does not fit in
// a volume of size_gb ("Image virtual size is 2 GB and doesn't fit in a
// volume of size 1 GB."): what both backends check before a copy.
image_info inspect_image_for(const std::filesystem::path& image, const std::string& disk_format,
                             std::int64_t size_gb);

// Runs qemu-img with args; on failure throws volume_backend_error with
// `failure` and what qemu-img said.
void qemu_img(const std::vector<std::string>& args, const std::string& failure);

// fsync of a file or block device, and of a folder (after a rename in it).
void sync_path(const std::filesystem::path& path);
void sync_dir(const std::filesystem::path& dir);

// os-volume_upload_image from a raw volume at `source` (a file or a block
// device, maybe attached: read without taking its lock).
void upload_raw(const std::filesystem::path& source, const std::filesystem::path& dest,
                const std::string& disk_format);

}  // namespace cumulo::volume_tools
