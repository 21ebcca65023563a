// Volumes as logical volumes of one volume group ("lvm", Cinder's
// LVMVolumeDriver without its iSCSI target: guests are local, so libvirt
// attaches the block device itself). LVs volume-<id> and snapshot-<id>,
// thick, raw; snapshots are full copies in LVs of their own, not LVM
// snapshots (those are copy-on-write against their origin: they would
// die with it and slow its writes).
//
// An LV reads as zeros: every extent a volume gains (at creation, beyond
// a copy's source, at an extend) is zeroed before the volume is named or
// grown, since a new LV may reuse the extents of a deleted one. The one
// window: a crash between lvextend and the zeroing of its new extents
// leaves them as they were (Cinder's volume_clear on delete would close
// it at the cost of zeroing every deleted volume).
//
// Needs lvm2 (lvcreate, lvrename, lvextend, lvremove, lvs, vgs) and root.
// Works without udev (containers): LVM makes its device nodes itself.
#pragma once

#include <filesystem>
#include <functional>
#include <map>

#include "virt/volume_backend.hpp"

namespace cumulo {

class lvm_volume_backend final : public volume_backend {
 public:
  // Throws volume_backend_error when lvm2 is missing or the volume group
  // does not exist (it is the operator's: cumulo never creates one).
  explicit lvm_volume_backend(std::string volume_group);

  std::string name() const override { return "lvm"; }
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

  const std::string& volume_group() const { return vg_; }

 private:
  // Every LV of the group (ours and others) and its size in bytes.
  std::map<std::string, std::int64_t> logical_volumes() const;
  std::int64_t bytes_of(const std::string& lv) const;  // -1 when absent
  std::filesystem::path device(const std::string& lv) const;
  void remove_lv(const std::string& lv);
  // Creates `final_name` through a temporary LV of size_gb: `write` fills
  // its device, which is then flushed and renamed.
  void make(const std::string& what, const std::string& id, const std::string& final_name,
            std::int64_t size_gb, const std::function<void(const std::filesystem::path&)>& write);
  void copy(const std::string& what, const std::string& id, const std::string& final_name,
            const std::string& source_lv, std::int64_t size_gb);

  std::string vg_;
};

}  // namespace cumulo
