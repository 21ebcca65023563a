// What a Cinder volume driver does to bytes: volumes and snapshots made,
// copied, grown and removed on one backend (Cinder's volume_backend_name).
// file_volume_backend.hpp keeps them as files in a folder (the default),
// lvm_volume_backend.hpp as logical volumes of a volume group.
//
// Both keep every volume as raw bytes (a sparse file, or a block device):
// what a guest reads is what the backend holds, with no format in between,
// so libvirt attaches either the same way (<driver type='raw'>) and one
// test of the bytes serves both. Snapshots are full copies: they live on
// when their volume is extended or deleted, and deleting one never touches
// another.
//
// Guarantees (what a crash at any step leaves):
// - A creating call (create, create_from_image, clone, snapshot,
//   create_from_snapshot) writes under a temporary name (tmp-volume-<id>,
//   tmp-snapshot-<id>), flushes the bytes to disk, and only then renames
//   it to its final name (volume-<id>, snapshot-<id>). A crash before the
//   rename leaves a temporary that reap() removes and locate() never
//   reports; a crash after it leaves the whole volume. So a volume whose
//   creation was cut off is either absent (its actor moves it to error) or
//   complete (its actor moves it to available): never half-written.
// - A creating call never replaces a volume or snapshot that exists: it
//   refuses (volume_backend_error) and leaves the existing one as it was.
// - extend grows in place in one step (a truncate, or lvextend): after a
//   crash the volume has either its old or its new size, never less data;
//   size_gb() tells which, so an extend cut off can be resolved at a start.
// - remove and remove_snapshot remove one name in one step; the bytes of
//   other volumes and snapshots are never touched.
// - reap() removes only names of ours (tmp-*, volume-*, snapshot-*): a
//   shared folder or volume group keeps whatever else it holds.
//
// Calls block (copies of gigabytes take minutes): never call them on CAF's
// scheduler threads. Calls for different ids may run at once on one
// backend; calls for the same id must not (the volume's actor serialises
// them). Ids are Cinder's UUIDs: anything but letters, digits, '-' and '_'
// is refused, so an id can never name a path outside the backend.
// Sizes are in GB as Cinder counts them: GiB (2^30 bytes).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace cumulo {

inline constexpr std::int64_t volume_gib = std::int64_t{1} << 30;

// What libvirt attaches: a file (<disk type='file'>) or a block device
// (<disk type='block'>), and its format for <driver type=...>.
struct volume_location {
  std::string path;
  std::string format;  // "raw" for both backends
  bool block_device = false;
};

// Refused or failed by the backend; the message is fit for a volume's
// error reason ("Not enough space: 5 GB asked, 2 GB free").
class volume_backend_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class volume_backend {
 public:
  virtual ~volume_backend() = default;

  // Cinder's volume_backend_name: "file" or "lvm".
  virtual std::string name() const = 0;

  // A volume of size_gb that reads as zeros.
  virtual volume_location create(const std::string& volume_id, std::int64_t size_gb) = 0;
  // The image's bytes (any format qemu-img reads: image_format is Glance's
  // disk_format), then grown to size_gb. Refused when the image's virtual
  // size exceeds size_gb, when it is not of the format it is declared as,
  // or when it refers to another file (a backing file).
  virtual volume_location create_from_image(const std::string& volume_id,
                                            const std::filesystem::path& image,
                                            const std::string& image_format,
                                            std::int64_t size_gb) = 0;
  // A full copy of another volume, grown to size_gb (never smaller than the
  // source). The source may be attached: the copy is of its bytes as they
  // are read; quiescing the guest is the caller's matter.
  virtual volume_location clone(const std::string& volume_id, const std::string& source_volume_id,
                                std::int64_t size_gb) = 0;
  // A full copy of the volume kept as the snapshot, independent of the
  // volume's later life.
  virtual void snapshot(const std::string& snapshot_id, const std::string& volume_id) = 0;
  // A new volume from a snapshot's bytes, grown to size_gb (never smaller
  // than the snapshot).
  virtual volume_location create_from_snapshot(const std::string& volume_id,
                                               const std::string& snapshot_id,
                                               std::int64_t size_gb) = 0;
  // Grows a volume; already that size: nothing to do; smaller: refused.
  // An attached volume grows too; its guest sees the new size once the
  // compute side resizes the block device (libvirt's blockResize).
  virtual void extend(const std::string& volume_id, std::int64_t new_size_gb) = 0;
  // Idempotent: an absent volume (or snapshot) is removed already. A
  // temporary of the same id (a creation cut off) goes too.
  virtual void remove(const std::string& volume_id) = 0;
  virtual void remove_snapshot(const std::string& snapshot_id) = 0;

  // Complete volumes only: a temporary is not a volume.
  virtual std::optional<volume_location> locate(const std::string& volume_id) const = 0;
  virtual bool snapshot_exists(const std::string& snapshot_id) const = 0;
  // The volume's virtual size in GB, -1 when absent.
  virtual std::int64_t size_gb(const std::string& volume_id) const = 0;

  // os-volume_upload_image: the volume's bytes converted to disk_format
  // ("raw" or "qcow2") into dest, a new file (the caller's temporary, which
  // it renames once it has read its checksums). Flushed before returning;
  // on failure dest is removed.
  virtual void upload_to_image(const std::string& volume_id, const std::filesystem::path& dest,
                               const std::string& disk_format) = 0;

  // For Cinder's pool stats (total_capacity_gb, free_capacity_gb).
  virtual std::pair<std::int64_t, std::int64_t> capacity_gb() const = 0;

  // At a start, before any other call: removes the temporaries a crash
  // left, and every volume and snapshot whose id is not kept (a creation
  // whose volume the log never recorded, a deletion cut off after its
  // event). Returns the names it removed (tmp-volume-<id>, volume-<id>,
  // snapshot-<id>).
  virtual std::vector<std::string> reap(const std::set<std::string>& keep_volumes,
                                        const std::set<std::string>& keep_snapshots) = 0;
};

}  // namespace cumulo
