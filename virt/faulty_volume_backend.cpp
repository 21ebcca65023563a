#include "virt/faulty_volume_backend.hpp"

#include "virt/volume_tools.hpp"

namespace cumulo {

faulty_volume_backend::faulty_volume_backend(std::shared_ptr<volume_backend> inner,
                                             std::shared_ptr<const fault_board> faults)
    : inner_(std::move(inner)), faults_(std::move(faults)) {}

void faulty_volume_backend::check_space(std::int64_t asked_gb) const {
  // Nothing asked (an extend to the size it has) needs no space, full or not.
  if (asked_gb > 0 && faults_->volume_backend_full())
    throw volume_backend_error(volume_tools::not_enough_space(asked_gb, 0));
}

volume_location faulty_volume_backend::create(const std::string& volume_id, std::int64_t size_gb) {
  check_space(size_gb);
  return inner_->create(volume_id, size_gb);
}

volume_location faulty_volume_backend::create_from_image(const std::string& volume_id,
                                                         const std::filesystem::path& image,
                                                         const std::string& image_format,
                                                         std::int64_t size_gb) {
  check_space(size_gb);
  return inner_->create_from_image(volume_id, image, image_format, size_gb);
}

volume_location faulty_volume_backend::clone(const std::string& volume_id,
                                             const std::string& source_volume_id,
                                             std::int64_t size_gb) {
  check_space(size_gb);
  return inner_->clone(volume_id, source_volume_id, size_gb);
}

void faulty_volume_backend::snapshot(const std::string& snapshot_id, const std::string& volume_id) {
  // A snapshot is a full copy of its volume: its size is what it asks. A
  // volume that is not there is the inner backend's error to tell.
  check_space(inner_->size_gb(volume_id));
  inner_->snapshot(snapshot_id, volume_id);
}

volume_location faulty_volume_backend::create_from_snapshot(const std::string& volume_id,
                                                            const std::string& snapshot_id,
                                                            std::int64_t size_gb) {
  check_space(size_gb);
  return inner_->create_from_snapshot(volume_id, snapshot_id, size_gb);
}

void faulty_volume_backend::extend(const std::string& volume_id, std::int64_t new_size_gb) {
  // What the extend adds, as the backend counts it; an absent volume or a
  // shrink is the inner backend's refusal.
  const auto now = inner_->size_gb(volume_id);
  if (now >= 0) check_space(new_size_gb - now);
  inner_->extend(volume_id, new_size_gb);
}

void faulty_volume_backend::remove(const std::string& volume_id) {
  inner_->remove(volume_id);
}

void faulty_volume_backend::remove_snapshot(const std::string& snapshot_id) {
  inner_->remove_snapshot(snapshot_id);
}

std::optional<volume_location> faulty_volume_backend::locate(const std::string& volume_id) const {
  return inner_->locate(volume_id);
}

bool faulty_volume_backend::snapshot_exists(const std::string& snapshot_id) const {
  return inner_->snapshot_exists(snapshot_id);
}

std::int64_t faulty_volume_backend::size_gb(const std::string& volume_id) const {
  return inner_->size_gb(volume_id);
}

void faulty_volume_backend::upload_to_image(const std::string& volume_id,
                                            const std::filesystem::path& dest,
                                            const std::string& disk_format) {
  // The bytes go to the image folder, not to this backend's space.
  inner_->upload_to_image(volume_id, dest, disk_format);
}

std::pair<std::int64_t, std::int64_t> faulty_volume_backend::capacity_gb() const {
  auto c = inner_->capacity_gb();
  if (faults_->volume_backend_full()) c.second = 0;
  return c;
}

std::vector<std::string> faulty_volume_backend::reap(const std::set<std::string>& keep_volumes,
                                                     const std::set<std::string>& keep_snapshots) {
  return inner_->reap(keep_volumes, keep_snapshots);
}

}  // namespace cumulo
