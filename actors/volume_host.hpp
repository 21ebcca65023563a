// The volume host (Cinder's cinder-volume for one backend): it owns the
// backend (virt/volume_backend.hpp: files in the data dir, or LVM) and runs
// detached, on a thread of its own, since a copy blocks for as long as it
// takes. It keeps no state: what a volume is, is its stream's; the door
// (actors/block_storage.hpp) asks for the bytes between the events.
//
//   (volume_atom, volume_work)                 -> caf::ok_atom once done; a failure is
//       errc::internal with the backend's message (the volume's error reason)
//   (upload_atom, volume_work)                 -> file_digest: an upload_to_image done,
//       and what Glance records of the file it wrote (its size and checksums); on a
//       failure the file is gone
//   (caf::get_atom, volume_atom, id)           -> volume_facts (present and its size)
//   (caf::get_atom, volume_atom, id, location_atom) -> volume_location: what libvirt
//       attaches (404 when the backend has no whole volume of that id)
//   (caf::get_atom, volume_snapshot_atom, id)  -> bool: the snapshot's copy is whole
//   (reap_atom, keep_volumes, keep_snapshots)  -> std::vector<std::string>: what a crash
//       left (temporaries) and what no live volume or snapshot owns, removed
//   (caf::get_atom, capacity_atom)             -> volume_capacity (total and free GB)
// One call at a time: a long copy delays the others (a pool per backend is
// for later).
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "actors/block_storage_messages.hpp"
#include "crypto/image_digest.hpp"
#include "virt/volume_backend.hpp"

namespace cumulo {

using reap_atom = caf::atom_constant<caf::atom("reap")>;
using capacity_atom = caf::atom_constant<caf::atom("capacity")>;
using location_atom = caf::atom_constant<caf::atom("location")>;

// One thing to do to bytes.
struct volume_work {
  enum class kind {
    create,                // an empty volume of size_gb
    create_from_image,     // image (image_format) converted, grown to size_gb
    clone,                 // source (a volume) copied, grown to size_gb
    create_from_snapshot,  // source (a snapshot) copied, grown to size_gb
    extend,                // grown to size_gb
    remove,                // the volume's bytes gone (nothing to do when absent)
    snapshot,              // id (a snapshot) copied from source (a volume)
    remove_snapshot,       // the snapshot's bytes gone
    upload_to_image,       // id (a volume) converted to image_format into image, a new file
  };
  kind what = kind::create;
  std::string id;
  std::string source;
  std::filesystem::path image;
  std::string image_format;
  std::int64_t size_gb = 0;
};

struct volume_facts {
  bool present = false;  // whole (a temporary left by a crash is not)
  std::int64_t size_gb = -1;
};

struct volume_capacity {
  std::int64_t total_gb = 0;
  std::int64_t free_gb = 0;
};

caf::actor spawn_volume_host(caf::actor_system& sys, std::shared_ptr<volume_backend> backend);

}  // namespace cumulo

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::volume_work)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::volume_facts)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::volume_capacity)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::volume_location)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::file_digest)
