// Volumes as files in one folder (cumulo's default backend, "file"; what
// Cinder's NFS and generic file drivers do): volume-<id> and
// snapshot-<id>, raw and sparse, files 0600 in a folder 0700.
//
// Raw rather than qcow2: a raw file is what the guest reads with nothing
// in between (no qcow2 metadata to keep consistent across a crash, no
// format to check before attaching), its size is its virtual size, extend
// is a truncate, and it is the same bytes as an LVM volume, so both
// backends copy, convert and upload the same way. What qcow2 would give,
// cheap snapshots, is what Cinder's snapshots need not be here: a
// snapshot is a full copy (sparse, so its zeros cost nothing), which
// outlives its volume with no chain of backing files to keep.
//
// Space: a creation is refused when its size exceeds the filesystem's free
// space, as a thick backend would; the files stay sparse, so volumes
// that are mostly empty take little until written.
#pragma once

#include <filesystem>
#include <functional>

#include "virt/volume_backend.hpp"

namespace cumulo {

class file_volume_backend final : public volume_backend {
 public:
  // Creates `dir` (0700) if it is missing. QEMU under qemu:///system must
  // reach it: libvirt_driver runs guests as root when the data dir is not
  // reachable by libvirt-qemu.
  explicit file_volume_backend(std::filesystem::path dir);

  std::string name() const override { return "file"; }
  volume_location create(const std::string& volume_id, std::int64_t size_gb) override;
  volume_location create_from_image(const std::string& volume_id,
                                    const std::filesystem::path& image,
                                    const std::string& image_format, std::int64_t size_gb) override;
  volume_location clone(const std::string& volume_id, const std::string& source_volume_id,
                        std::int64_t size_gb) override;
  void snapshot(const std::string& snapshot_id, const std::string& volume_id) override;
  volume_location create_from_snapshot(const std::string& volume_id, const std::string& snapshot_id,
                                       std::int64_t size_gb) override;
  void extend(const std::string& volume_id, std::int64_t new_size_gb) override;
  void remove(const std::string& volume_id) override;
  void remove_snapshot(const std::string& snapshot_id) override;
  std::optional<volume_location> locate(const std::string& volume_id) const override;
  bool snapshot_exists(const std::string& snapshot_id) const override;
  std::int64_t size_gb(const std::string& volume_id) const override;
  void upload_to_image(const std::string& volume_id, const std::filesystem::path& dest,
                       const std::string& disk_format) override;
  std::pair<std::int64_t, std::int64_t> capacity_gb() const override;
  std::vector<std::string> reap(const std::set<std::string>& keep_volumes,
                                const std::set<std::string>& keep_snapshots) override;

  const std::filesystem::path& dir() const { return dir_; }

 private:
  // Writes `final_name` through its temporary: `write` fills the
  // temporary (it may create it), then it is made 0600, flushed and
  // renamed without replacing anything.
  void make(const std::string& what, const std::string& id, const std::string& final_name,
            std::int64_t size_gb, const std::function<void(const std::filesystem::path&)>& write);
  // A full copy of a raw file, grown to size_gb.
  void copy(const std::string& what, const std::string& id, const std::string& final_name,
            const std::filesystem::path& source, std::int64_t size_gb);
  // The size in bytes of a file of ours, -1 when absent.
  std::int64_t bytes_of(const std::filesystem::path& path) const;

  std::filesystem::path dir_;
};

}  // namespace cumulo
