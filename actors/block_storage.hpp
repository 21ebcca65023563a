// Cinder's door (block storage): volume types, volumes and their
// snapshots, Cinder's quotas. Each volume, snapshot, type and project quota
// is a resource actor under the conductor (actors/volume.cpp); this actor
// keeps their index, runs the flows that cross resources (a volume's type
// and quota, a snapshot's volume) and asks the volume host
// (actors/volume_host.hpp) to do to bytes what the events say, between
// them: a volume is `creating` before its bytes are written and `available`
// after, `deleting` before they go and deleted after, so a crash anywhere
// leaves a state the start resolves.
//
// Volume types:
//   (list_atom, volume_type_atom)                  -> std::vector<volume_type_state>
//   (caf::get_atom, volume_type_atom, name_or_id)  -> volume_type_state (404 "Volume type X
//       could not be found.")
//   (command_atom, volume_type_atom, volume_type::create, meta) -> volume_type_state
//       (409 "Volume Type X already exists.")
//   (command_atom, volume_type_atom, id, volume_type::command, meta) -> volume_type_state:
//       update (a name another type has: 409), set_extra_specs, unset_extra_spec
//   (caf::delete_atom, volume_type_atom, id, meta) -> volume_type_state (deleted; 400
//       "Target volume type is still in use." while volumes have it; the default's
//       refusal is the machine's)
// Volumes:
//   (command_atom, volume_atom, volume_create_request) -> volume_state, `creating`, once
//       recorded: the type (the default when none), the source (a snapshot or volume of the
//       project: 404; its size at most the new one: 400) and the quota (413) are checked
//       first; the bytes are written after the answer, then `available` (or `error` with
//       the backend's reason)
//       With an image_ref, the image registry is asked for it first (the caller's to see,
//       else 400 "Invalid image identifier or unable to access requested image."; active,
//       else 400; its size, min_disk and known virtual size within the volume's, else 400 in
//       Cinder's words); the volume records the image's id and Cinder's
//       volume_image_metadata, the volume host converts the image's file into it, and it is
//       bootable once available (block_storage_images.cpp)
//   (caf::get_atom, volume_atom, id)               -> volume_state (404 "Volume X could not
//       be found.")
//   (caf::get_atom, volume_atom, id, settled_atom) -> volume_state once its create is over
//       (not `creating`): what a build that boots from the volume waits for
//   (list_atom, volume_atom)                       -> std::vector<volume_state>, oldest first
//   (command_atom, volume_atom, id, volume::command, meta) -> volume_state: the machine's
//       commands; `extend` checks the quota, answers `extending` and grows the bytes;
//       `remove` answers `deleting` and removes them, then records the delete
//   (upload_atom, volume_upload_request)           -> volume_upload_answer (Cinder's
//       os-volume_upload_image): the volume must be available (400 in Cinder's words; its
//       force is ignored, as Cinder's enable_force_upload is off by default); a queued image
//       of the caller's project is made with the volume's image properties, the volume is
//       `uploading` when answered; then the volume host writes its bytes into the image's
//       file, the image is active with its size and checksums, the volume back to its
//       status. A failure kills and deletes the image and puts the volume back, the reason
//       logged and on the volume's stream (block_storage_images.cpp)
// Snapshots:
//   (command_atom, volume_snapshot_atom, snapshot_create_request) -> volume_snapshot_state,
//       `creating` (the volume's, 404; the quota, 413), then the copy, then `available`
//   (caf::get_atom, volume_snapshot_atom, id)      -> volume_snapshot_state (404)
//   (list_atom, volume_snapshot_atom)              -> std::vector<volume_snapshot_state>
//   (command_atom, volume_snapshot_atom, id, volume_snapshot::command, meta) ->
//       volume_snapshot_state; `remove` answers `deleting`, removes the copy, records the
//       delete and takes the snapshot off its volume
// Attachments (Cinder's attachment API, which Nova's os-volume_attachments
// flow uses; block_storage_attachments.cpp):
//   (attachment_atom, caf::add_atom, attachment_request) -> volume_state: reserved for the
//       server (the project's volume, 404; the machine's 400 when it cannot take one), and
//       attaching when a connector's host came with it
//   (attachment_atom, caf::put_atom, volume_id, attachment_id, host, device, meta) ->
//       volume_connection: attaching, and where the bytes are for the host to plug in
//   (attachment_atom, caf::ok_atom, volume_id, attachment_id, meta) -> volume_state (in-use)
//   (attachment_atom, caf::delete_atom, volume_id, attachment_id, meta) -> volume_state: the
//       attachment ends whatever it was (dropped, or detached)
//   (caf::get_atom, attachment_atom, attachment_id) -> volume_state that has it (404
//       "Attachment X could not be found.")
//   (caf::get_atom, volume_atom, id, location_atom) -> volume_location
//   A detach's first step is the volume's own command (volume::begin_detach, and
//   volume::roll_detaching when the host could not unplug it).
// Quotas:
//   (caf::get_atom, volume_quota_atom, project_id) -> volume_quota_state (defaults when the
//       project set none)
//   (caf::get_atom, volume_quota_atom, project_id, usage_atom) -> volume_usage
//   (command_atom, volume_quota_atom, project_id, volume_quota::command, meta) ->
//       volume_quota_state: update (checked against the usage now: Cinder's 400 below it)
//       or reset (the defaults again)
//
// At start it has the volume host remove what a crash left and what no live volume or
// snapshot owns, and ends what a restart cut off (engine's
// resolve_after_restart, with the backend's facts): no volume or snapshot
// stays in a transitional state. A volume cut off while uploading goes back
// to its status (finished when its image became active, else failed, the
// image deleted).
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <filesystem>
#include <optional>
#include <string>

#include "actors/block_storage_messages.hpp"
#include "virt/volume_backend.hpp"
#include "engine/image_state.hpp"

namespace cumulo {

using usage_atom = caf::atom_constant<caf::atom("usage")>;

struct volume_create_request {
  volume::create base;       // name, description, size, metadata, bootable, project and user
  std::string volume_type;   // a type's name or id; "" for the default
  std::string snapshot_id;   // "" or the project's snapshot to copy
  std::string source_volid;  // "" or the project's volume to clone
  std::string image_ref;     // "" or an image the caller sees: its id, or its name
  bool is_admin = false;     // sees every project's sources
  // The new volume's id, when the caller chose it (a server's boot volume:
  // a build resumed after a restart finds it); "" for a new one. An id
  // taken already is Cinder's 409.
  std::string volume_id;
  event_metadata meta;
};

struct volume_upload_request {
  std::string volume_id;
  std::string image_name;
  std::string disk_format = "raw";  // raw | qcow2
  std::string container_format = "bare";
  std::optional<std::string> visibility;  // 3.1's; Glance's default otherwise
  bool is_protected = false;
  bool force = false;
  std::string project_id;  // the caller's: the image's owner, as Cinder's context makes it
  std::string user_id;
  bool is_admin = false;
  event_metadata meta;
};

// What Cinder answers an upload with: the volume (uploading), the image
// being filled, and the volume's type (none when it is gone).
struct volume_upload_answer {
  volume_state volume;
  image_state image;
  std::optional<volume_type_state> type;
};

struct snapshot_create_request {
  volume_snapshot::create base;  // volume_id, name, description, metadata, project and user
  bool force = false;            // of an in-use volume (Cinder's force)
  bool is_admin = false;
  event_metadata meta;
};

using attachment_atom = caf::atom_constant<caf::atom("vattach")>;
using settled_atom = caf::atom_constant<caf::atom("settled")>;

struct attachment_request {
  std::string attachment_id;  // the caller's new uuid
  std::string volume_id;
  std::string server_id;
  std::string project_id;  // whose volume it must be, unless is_admin
  bool is_admin = false;
  std::string host_name;  // the connector's host; "" leaves it reserved
  std::string device;
  event_metadata meta;
};

// What Cinder's attachment update answers: the volume, and its
// connection_info (where a host finds the bytes).
struct volume_connection {
  volume_state volume;
  volume_location location;
};

inline const std::string default_volume_type = "__DEFAULT__";

// image_registry and image_dir: Glance's door and where its image files are
// (images become volumes, volumes images).
caf::actor spawn_block_storage(caf::actor_system& sys, caf::actor conductor, caf::actor volume_host,
                               caf::actor image_registry, std::filesystem::path image_dir);

// Cinder's default volume type, `__DEFAULT__`, made when the cloud has
// none (at `serve`, before the APIs listen, as the flavors are); blocking.
// Throws std::runtime_error.
class cloud;
void bootstrap_volume_types(cloud& c);

}  // namespace cumulo

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::volume_create_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::attachment_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::volume_connection)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::snapshot_create_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::volume_upload_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::volume_upload_answer)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::volume_type::create)
