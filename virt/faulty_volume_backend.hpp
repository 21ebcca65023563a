// A volume backend that passes every call to the real one unless the fault
// board says the backend is full: then each call that would write new
// bytes (create, from an image, clone, from a snapshot, snapshot, extend)
// is refused before it starts, in the words of the backend's own check of
// free space ("Not enough space: 2 GB asked, 0 GB free"), and the capacity
// shows no free space. Removals, reads and reaping go on: a full disk still
// lets go of volumes. The volume host owns it in place of its backend when
// the cloud runs with --faults.
#pragma once

#include <memory>

#include "virt/fault_board.hpp"
#include "virt/volume_backend.hpp"

namespace cumulo {

class faulty_volume_backend final : public volume_backend {
 public:
  faulty_volume_backend(std::shared_ptr<volume_backend> inner,
                        std::shared_ptr<const fault_board> faults);

  std::string name() const override { return inner_->name(); }
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

 private:
  // Throws the backend's "not enough space" for `asked_gb` while full.
  void check_space(std::int64_t asked_gb) const;

  std::shared_ptr<volume_backend> inner_;
  std::shared_ptr<const fault_board> faults_;
};

}  // namespace cumulo
