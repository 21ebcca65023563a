// A volume (Cinder v3's /volumes): its events, commands and pure machine.
// Stream volume/<uuid>; the volumes door is its door (quotas, the type a
// volume gets, its source: image, volume or snapshot).
//
// Status, as Cinder's:
//   creating -> available | error (a volume made from an image becomes
//     bootable once its bytes are in, as Cinder marks it after the copy)
//   available -> extending -> available | error_extending (in-use too, from
//     microversion 3.42: it goes back to the status it came from)
//   available -> reserved -> attaching -> in-use (attachments, below)
//   in-use -> detaching -> in-use while other attachments remain, else available
//   available -> uploading -> available (os-volume_upload_image)
//   available | error | error_extending | ... -> deleting -> deleted
//     (| error_deleting); refused while attached or with snapshots
//   an admin's os-reset_status sets any status (and attach_status).
//
// Attachments (Cinder's attachment API, which Nova uses): each reserved ->
// attaching -> attached -> detaching -> gone. While attachments change, the
// volume's status and attach_status follow from them (derived_status): the
// one in progress shows, else in-use while any is attached. A volume that is
// not multiattach takes one attachment.
//
// Snapshots are streams of their own (engine/volume_snapshot_state.hpp);
// the volume keeps the ids of its snapshots on its own stream
// (volume.snapshot_added / volume.snapshot_removed) because the refusal to
// delete a volume that has snapshots is decided by the volume's actor, and
// an actor decides on its own stream only: asking every snapshot at each
// delete would race with a snapshot being taken. Ids rather than a count:
// the door's retry of an add or a remove after a crash changes nothing.
// The door adds before the snapshot's stream begins and removes after it
// ends, so a crash between the two leaves at worst a snapshot that is not
// there and blocks the delete (unrecorded_snapshots finds those at start),
// never a snapshot whose volume was deleted under it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "engine/codec.hpp"
#include <nlohmann/json.hpp>

#include "engine/resource.hpp"

namespace cumulo {

// --- events (schema in schemas/events/volume.json) ---
// Fields a volume has from its create. Empty source_volid, snapshot_id,
// image_id: not made from one. volume_image_metadata: the image's
// properties a volume made from it carries (Cinder's), read by the door.
struct volume_created {
  static constexpr const char* type_name = "volume.created";
  static constexpr int schema_version = 1;
  std::string name;
  std::string description;
  std::int64_t size = 0;    // GB
  std::string volume_type;  // the type's name
  std::string volume_type_id;
  std::string availability_zone = "nova";
  bool bootable = false;
  bool multiattach = false;
  std::map<std::string, std::string> metadata;
  std::string project_id;
  std::string user_id;
  std::string source_volid;
  std::string snapshot_id;
  std::string image_id;
  std::map<std::string, std::string> volume_image_metadata;
  MSGPACK_DEFINE_MAP(name, description, size, volume_type, volume_type_id, availability_zone,
                     bootable, multiattach, metadata, project_id, user_id, source_volid,
                     snapshot_id, image_id, volume_image_metadata)
};

// The backend holds the whole volume.
struct volume_create_finished {
  static constexpr const char* type_name = "volume.create_finished";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

struct volume_create_failed {
  static constexpr const char* type_name = "volume.create_failed";
  static constexpr int schema_version = 1;
  std::string reason;
  MSGPACK_DEFINE_MAP(reason)
};

// Only the fields given are non-null.
struct volume_updated {
  static constexpr const char* type_name = "volume.updated";
  static constexpr int schema_version = 1;
  std::optional<std::string> name;
  std::optional<std::string> description;
  MSGPACK_DEFINE_MAP(name, description)
};

// `set` are added or replaced, then `removed` are removed (a PUT that
// replaces all the metadata is both).
struct volume_metadata_changed {
  static constexpr const char* type_name = "volume.metadata_changed";
  static constexpr int schema_version = 1;
  std::map<std::string, std::string> set;
  std::vector<std::string> removed;
  MSGPACK_DEFINE_MAP(set, removed)
};

// os-update_readonly_flag: later attachments are read-only ("ro").
struct volume_readonly_changed {
  static constexpr const char* type_name = "volume.readonly_changed";
  static constexpr int schema_version = 1;
  bool readonly = false;
  MSGPACK_DEFINE_MAP(readonly)
};

// os-set_bootable.
struct volume_bootable_changed {
  static constexpr const char* type_name = "volume.bootable_changed";
  static constexpr int schema_version = 1;
  bool bootable = false;
  MSGPACK_DEFINE_MAP(bootable)
};

struct volume_extend_started {
  static constexpr const char* type_name = "volume.extend_started";
  static constexpr int schema_version = 1;
  std::int64_t new_size = 0;  // GB
  MSGPACK_DEFINE_MAP(new_size)
};

struct volume_extended {
  static constexpr const char* type_name = "volume.extended";
  static constexpr int schema_version = 1;
  std::int64_t size = 0;  // GB, the new size
  MSGPACK_DEFINE_MAP(size)
};

struct volume_extend_failed {
  static constexpr const char* type_name = "volume.extend_failed";
  static constexpr int schema_version = 1;
  std::string reason;
  MSGPACK_DEFINE_MAP(reason)
};

// An attachment for a server is made (Cinder's attachment create).
struct volume_attachment_reserved {
  static constexpr const char* type_name = "volume.attachment_reserved";
  static constexpr int schema_version = 1;
  std::string attachment_id;
  std::string server_id;  // the instance's uuid
  MSGPACK_DEFINE_MAP(attachment_id, server_id)
};

// The server's host connects it (Cinder's attachment update, with the
// connector).
struct volume_attach_started {
  static constexpr const char* type_name = "volume.attach_started";
  static constexpr int schema_version = 1;
  std::string attachment_id;
  std::string host_name;
  std::string device;       // "/dev/vdb"
  std::string attach_mode;  // rw | ro
  MSGPACK_DEFINE_MAP(attachment_id, host_name, device, attach_mode)
};

// attached_at is the door's clock when it was asked: the envelope's time
// is the volume's, and apply() sees payloads only.
struct volume_attached {
  static constexpr const char* type_name = "volume.attached";
  static constexpr int schema_version = 1;
  std::string attachment_id;
  std::int64_t attached_at_us = 0;
  MSGPACK_DEFINE_MAP(attachment_id, attached_at_us)
};

// An attachment that never completed is dropped (a failure, Nova's
// unreserve, or a restart).
struct volume_attach_failed {
  static constexpr const char* type_name = "volume.attach_failed";
  static constexpr int schema_version = 1;
  std::string attachment_id;
  std::string reason;
  MSGPACK_DEFINE_MAP(attachment_id, reason)
};

struct volume_detach_started {
  static constexpr const char* type_name = "volume.detach_started";
  static constexpr int schema_version = 1;
  std::string attachment_id;
  MSGPACK_DEFINE_MAP(attachment_id)
};

struct volume_detached {
  static constexpr const char* type_name = "volume.detached";
  static constexpr int schema_version = 1;
  std::string attachment_id;
  MSGPACK_DEFINE_MAP(attachment_id)
};

// A detach that did not happen: the attachment is attached again
// (Cinder's os-roll_detaching).
struct volume_detach_rolled_back {
  static constexpr const char* type_name = "volume.detach_rolled_back";
  static constexpr int schema_version = 1;
  std::string attachment_id;
  std::string reason;
  MSGPACK_DEFINE_MAP(attachment_id, reason)
};

// os-volume_upload_image: the volume is copied into a new image.
struct volume_upload_started {
  static constexpr const char* type_name = "volume.upload_started";
  static constexpr int schema_version = 1;
  std::string image_id;
  MSGPACK_DEFINE_MAP(image_id)
};

struct volume_upload_finished {
  static constexpr const char* type_name = "volume.upload_finished";
  static constexpr int schema_version = 1;
  std::string image_id;
  MSGPACK_DEFINE_MAP(image_id)
};

// The volume is whole again whatever became of the image.
struct volume_upload_failed {
  static constexpr const char* type_name = "volume.upload_failed";
  static constexpr int schema_version = 1;
  std::string image_id;
  std::string reason;
  MSGPACK_DEFINE_MAP(image_id, reason)
};

struct volume_snapshot_added {
  static constexpr const char* type_name = "volume.snapshot_added";
  static constexpr int schema_version = 1;
  std::string snapshot_id;
  MSGPACK_DEFINE_MAP(snapshot_id)
};

struct volume_snapshot_removed {
  static constexpr const char* type_name = "volume.snapshot_removed";
  static constexpr int schema_version = 1;
  std::string snapshot_id;
  MSGPACK_DEFINE_MAP(snapshot_id)
};

// An admin's os-reset_status; a null field is left as it was. An
// attach_status "detached" drops every attachment (as Cinder does).
struct volume_status_reset {
  static constexpr const char* type_name = "volume.status_reset";
  static constexpr int schema_version = 1;
  std::optional<std::string> status;
  std::optional<std::string> attach_status;
  MSGPACK_DEFINE_MAP(status, attach_status)
};

struct volume_delete_started {
  static constexpr const char* type_name = "volume.delete_started";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

struct volume_delete_failed {
  static constexpr const char* type_name = "volume.delete_failed";
  static constexpr int schema_version = 1;
  std::string reason;
  MSGPACK_DEFINE_MAP(reason)
};

struct volume_deleted {
  static constexpr const char* type_name = "volume.deleted";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

using volume_event =
    std::variant<volume_created, volume_create_finished, volume_create_failed, volume_updated,
                 volume_metadata_changed, volume_readonly_changed, volume_bootable_changed,
                 volume_extend_started, volume_extended, volume_extend_failed,
                 volume_attachment_reserved, volume_attach_started, volume_attached,
                 volume_attach_failed, volume_detach_started, volume_detached,
                 volume_detach_rolled_back, volume_upload_started, volume_upload_finished,
                 volume_upload_failed, volume_snapshot_added, volume_snapshot_removed,
                 volume_status_reset, volume_delete_started, volume_delete_failed, volume_deleted>;

// --- state ---
struct volume_attachment {
  std::string id;
  std::string server_id;
  std::string host_name;  // "" until attaching
  std::string device;
  std::string attach_mode = "rw";
  std::string attach_status = "reserved";  // reserved | attaching | attached | detaching
  std::int64_t attached_at_us = 0;
};

struct volume_state : resource_meta {
  std::string name;
  std::string description;
  std::int64_t size = 0;
  std::string volume_type;
  std::string volume_type_id;
  std::string availability_zone = "nova";
  std::string status;  // "" before creation
  std::string attach_status = "detached";
  bool bootable = false;
  bool multiattach = false;
  bool readonly = false;  // Cinder's admin metadata "readonly"
  std::map<std::string, std::string> metadata;
  std::string project_id;
  std::string user_id;
  std::string source_volid;
  std::string snapshot_id;
  std::string image_id;
  std::map<std::string, std::string> volume_image_metadata;
  std::vector<volume_attachment> attachments;  // in the order they were reserved
  std::vector<std::string> snapshot_ids;       // in the order they were taken
  // Where an extend or an upload goes back to (Cinder's previous_status).
  std::string previous_status;
  std::int64_t extending_to = 0;  // GB, while extending
  std::string uploading_image_id;
  // Why the last create, extend, delete or upload failed, for replay.
  std::string error_reason;

  const volume_attachment* attachment(const std::string& attachment_id) const;
};

void to_json(nlohmann::json& j, const volume_state& s);

// The status and attach_status the attachments give: the change in
// progress shows (detaching, attaching, reserved), else in-use while one
// is attached, else available.
std::string derived_status(const volume_state& s);
std::string derived_attach_status(const volume_state& s);

// Cinder's volume statuses, in its order (os-reset_status accepts these).
const std::vector<std::string>& volume_statuses();

// Rules the volume and snapshot machines share. Cinder's limits on
// metadata: keys 1 to 255 characters, values up to 255 (400 otherwise).
std::optional<domain_error> check_volume_metadata(const std::map<std::string, std::string>& m);
// "('a', 'b')": how Cinder lists the statuses it accepts in its messages.
std::string cinder_status_list(const std::vector<std::string>& values);

// --- commands ---
namespace volume {
struct create {
  std::string name;
  std::string description;
  std::int64_t size = 0;
  std::string volume_type;
  std::string volume_type_id;
  std::string availability_zone = "nova";
  bool bootable = false;
  bool multiattach = false;  // the type's extra spec (multiattach_type)
  std::map<std::string, std::string> metadata;
  std::string project_id;
  std::string user_id;
  std::string source_volid;
  std::string snapshot_id;
  std::string image_id;
  std::map<std::string, std::string> volume_image_metadata;
};
struct finish_create {};
struct fail_create {
  std::string reason;
};
struct update {
  std::optional<std::string> name;
  std::optional<std::string> description;
};
// POST /volumes/{id}/metadata merges; PUT replaces (replace = true).
struct set_metadata {
  std::map<std::string, std::string> metadata;
  bool replace = false;
};
struct unset_metadata {
  std::string key;
};
struct update_readonly_flag {
  bool readonly = false;
};
struct set_bootable {
  bool bootable = false;
};
// allow_in_use: microversion 3.42 and later extend an in-use volume.
struct extend {
  std::int64_t new_size = 0;
  bool allow_in_use = false;
};
struct finish_extend {};
struct fail_extend {
  std::string reason;
};
struct reserve {
  std::string attachment_id;
  std::string server_id;
};
struct start_attach {
  std::string attachment_id;
  std::string host_name;
  std::string device;
};
struct complete_attach {
  std::string attachment_id;
  std::int64_t at_us = 0;
};
struct fail_attach {
  std::string attachment_id;
  std::string reason;
};
struct begin_detach {
  std::string attachment_id;
};
struct finish_detach {
  std::string attachment_id;
};
struct roll_detaching {
  std::string attachment_id;
  std::string reason;
};
struct upload_to_image {
  std::string image_id;
};
struct finish_upload {};
struct fail_upload {
  std::string reason;
};
// allow_in_use: force, or microversion 3.66 and later.
struct add_snapshot {
  std::string snapshot_id;
  bool allow_in_use = false;
};
struct remove_snapshot {
  std::string snapshot_id;
};
struct reset_status {
  std::optional<std::string> status;
  std::optional<std::string> attach_status;
};
// force: an admin's os-force_delete (any status; still not while attached
// or with snapshots).
struct remove {
  bool force = false;
};
struct fail_delete {
  std::string reason;
};
struct finish_delete {};
using command =
    std::variant<create, finish_create, fail_create, update, set_metadata, unset_metadata,
                 update_readonly_flag, set_bootable, extend, finish_extend, fail_extend, reserve,
                 start_attach, complete_attach, fail_attach, begin_detach, finish_detach,
                 roll_detaching, upload_to_image, finish_upload, fail_upload, add_snapshot,
                 remove_snapshot, reset_status, remove, fail_delete, finish_delete>;

// What the volume's actor finds on the backend and the server's host when
// the cloud restarts with the volume in a transitional state.
struct restart_facts {
  bool backing_file_complete = false;  // creating: the backend wrote the whole volume
  bool backing_file_extended = false;  // extending: the file has its new size
  // The attachments the servers record (Nova's block device mappings):
  // an attach the server recorded got as far as the guest (it completes),
  // a detach it no longer records got that far too (it finishes).
  std::set<std::string> on_servers;
  std::int64_t now_us = 0;  // the door's clock: a completed attach's attached_at
  bool upload_image_active = false;  // uploading: the image holds the volume's bytes
};
}  // namespace volume

// The commands that end a volume's interrupted operations after a restart,
// in order (the actor decides each on the state the previous one left):
//   creating -> available if the file is complete, else error
//   extending -> available (or in-use) at the new size if the file has it,
//     else error_extending
//   an attachment reserved, or attaching and not on its server -> dropped
//     (available, or in-use while another stays attached)
//   an attachment attaching that its server records -> attached
//   an attachment detaching -> detached unless its server still records
//     it, else attached again
//   uploading -> back to its status: finished if the image became active
//     (the crash came after Glance had the bytes), else failed (the image
//     is not whole: the door deletes it)
//   deleting -> the delete goes on (the actor removes the file first)
//   a transitional status with nothing in flight (an admin's reset) ->
//     the status the attachments give.
// Empty: nothing was in flight.
std::vector<volume::command> resolve_after_restart(const volume_state& s,
                                                   const volume::restart_facts& facts);

// The snapshot ids a volume lists that have no live snapshot stream (the
// process died between volume.snapshot_added and volume_snapshot.created):
// remove_snapshot commands for the actor at start.
std::vector<volume::command> unrecorded_snapshots(const volume_state& s,
                                                  const std::set<std::string>& live_snapshots);

struct volume_machine {
  static constexpr const char* kind = "volume";
  using state = volume_state;
  using event = volume_event;
  using command = volume::command;
  static decision<event> decide(const state& s, const command& c);
  static state apply(state s, const event& e);
};

}  // namespace cumulo
