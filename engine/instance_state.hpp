// An instance (a Nova server): its events, commands and the pure state
// machine. States, transitions and refusal messages follow Nova's
// vm_state/task_state/power_state and the checks of nova/compute/api.py, so
// that clients see the statuses and 409 messages they know.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "engine/codec.hpp"
#include <nlohmann/json.hpp>

#include "engine/resource.hpp"

namespace cumulo {

// Plural names, as Nova's modules (vm_states, task_states), so that the
// state's members can carry Nova's field names (vm_state, task_state, ...).
enum class vm_states {
  building,
  active,
  stopped,
  paused,
  suspended,
  error,
  deleted,
  resized,            // a resize or cold migration waits for confirm or revert (VERIFY_RESIZE)
  rescued,            // booted from a rescue image, its own disk attached second (RESCUE)
  shelved,            // snapshotted and powered off, still on its host (SHELVED)
  shelved_offloaded,  // its host freed; unshelve schedules it again (SHELVED_OFFLOADED)
};
enum class task_states {
  none,  // Nova's None: the API shows null
  scheduling,
  networking,
  block_device_mapping,
  spawning,
  powering_off,
  powering_on,
  rebooting,
  rebooting_hard,
  pausing,
  unpausing,
  suspending,
  resuming,
  deleting,
  // A snapshot (createImage): the disk is copied, then uploaded to Glance.
  image_snapshot,
  image_pending_upload,
  image_uploading,
  // A rebuild: the domain goes, a new one boots from the new image.
  rebuilding,
  rebuild_spawning,
  // A resize or cold migration (status RESIZE): a destination is claimed,
  // the domain moves; resize_reverting goes back (REVERT_RESIZE).
  resize_prep,
  resize_migrating,
  resize_reverting,
  // A live migration (status MIGRATING).
  migrating,
  // Shelve: a snapshot as createImage's, then the host is freed.
  shelving,
  shelving_image_pending_upload,
  shelving_image_uploading,
  shelving_offloading,
  unshelving,
  rescuing,
  unrescuing,
};
// The numbers are Nova's, shown as-is by the API (OS-EXT-STS:power_state).
enum class power_states {
  nostate = 0,
  running = 1,
  paused = 3,
  shutdown = 4,
  crashed = 6,
  suspended = 7,
};
enum class reboot_type { soft, hard };

// As Nova prints them: "active", "powering-off", "rebooting_hard", "none"
// for no task; power states as Nova's power_state.STATE_MAP ("running");
// reboot types "SOFT" / "HARD".
const char* to_string(vm_states v);
const char* to_string(task_states t);
const char* to_string(power_states p);
const char* to_string(reboot_type r);
// from_string<vm_states>("active"); nullopt for an unknown text.
template <class Enum>
std::optional<Enum> from_string(std::string_view text);
template <>
std::optional<vm_states> from_string<vm_states>(std::string_view text);
template <>
std::optional<task_states> from_string<task_states>(std::string_view text);
template <>
std::optional<power_states> from_string<power_states>(std::string_view text);
template <>
std::optional<reboot_type> from_string<reboot_type>(std::string_view text);

// Values shared by events, state and commands.
namespace instance {
// A copy of the flavor at launch: a flavor deleted later does not change
// what the instance was given (Nova embeds it too).
struct flavor {
  std::string id;
  std::string name;
  int vcpus = 0;
  std::int64_t memory_mb = 0;
  std::int64_t root_gb = 0;
  std::int64_t ephemeral_gb = 0;
  std::int64_t swap_mb = 0;
  MSGPACK_DEFINE_MAP(id, name, vcpus, memory_mb, root_gb, ephemeral_gb, swap_mb)
};
// One entry of the request's "networks": a network, or a port, and an
// optional fixed IP.
struct requested_network {
  std::string network_id;
  std::string port_id;
  std::string fixed_ip;
  MSGPACK_DEFINE_MAP(network_id, port_id, fixed_ip)
};
// A port bound to the instance: what "addresses" shows.
struct address {
  std::string port_id;
  std::string network_id;
  std::string network_name;
  std::string ip_address;
  std::string mac_address;
};
// Boot from volume (Nova's block_device_mapping_v2 entry with boot_index
// 0 and destination_type volume): the server's root disk is a volume, made
// from an image at the build (source_type image, volume_size GB) or one
// that exists (source_type volume). volume_id is the volume it boots from:
// the existing one, or the id the build gives the one it makes (chosen
// before the event, so a build resumed after a restart finds it).
struct boot_volume {
  std::string source_type;  // "image" | "volume"; "" when the server boots from its image
  std::string uuid;         // the image or the volume
  std::string volume_id;
  std::int64_t volume_size = 0;
  bool delete_on_termination = false;
  std::string volume_type;  // "" for the default
  bool requested() const { return !source_type.empty(); }
  MSGPACK_DEFINE_MAP(source_type, uuid, volume_id, volume_size, delete_on_termination, volume_type)
};
// A Cinder volume attached to the server (Nova's block device mapping of
// a volume): Cinder's attachment, the guest's device, and where the
// volume's bytes are (Nova's connection_info), so a spawn can put it in the
// domain again without asking block storage.
struct volume_attachment {
  std::string volume_id;
  std::string attachment_id;
  std::string device;  // "/dev/vdb"
  std::string tag;     // the user's device tag (2.49), "" for none
  bool delete_on_termination = false;
  int boot_index = -1;  // 0: the server boots from it (its root disk)
  std::string path;     // the volume's file or block device
  bool block_device = false;
  bool read_only = false;
  MSGPACK_DEFINE_MAP(volume_id, attachment_id, device, tag, delete_on_termination, boot_index, path,
                     block_device, read_only)
};
// A move of the instance between hosts (Nova's migration record): a
// resize, a cold migration ("migration") or a live one ("live-migration").
// Its source keeps a claim under the migration's id until it is confirmed
// or reverted (as Nova's placement keeps the source's allocation under the
// migration's uuid); the destination's claim is the instance's.
struct migration {
  std::string id;    // a uuid
  std::string type;  // "resize" | "migration" | "live-migration"
  // Nova's statuses: pre-migrating, migrating, finished, confirmed,
  // reverting, reverted, error; live: preparing, running, completed, failed.
  std::string status;
  std::string source_host;
  std::string dest_host;  // "" until scheduled
  flavor old_flavor;
  flavor new_flavor;
  vm_states vm_state_before = vm_states::active;  // what confirm or revert returns to
  std::int64_t created_at_us = 0;
  std::int64_t updated_at_us = 0;
};
struct fault {
  std::string message;
  int code = 500;
  std::string details;
  std::int64_t time_us = 0;
};
}  // namespace instance

// --- events (schema in schemas/events/instance.json) ---
struct instance_requested {
  static constexpr const char* type_name = "instance.requested";
  static constexpr int schema_version = 1;
  std::string name;
  std::string project_id;
  std::string user_id;
  instance::flavor flavor;
  std::string image_id;
  std::vector<instance::requested_network> networks;
  std::string key_name;  // "" when none
  std::map<std::string, std::string> metadata;
  std::string user_data;  // base64, as the API received it
  std::string availability_zone;
  std::vector<std::string> security_groups;
  // Nova 2.19's description (has_description false: null), accessIPv4/v6
  // ("" when not given) and 2.52's tags. Absent from events written before
  // them: their defaults.
  std::string description;
  bool has_description = false;
  std::string access_ip_v4;
  std::string access_ip_v6;
  std::vector<std::string> tags;
  // The server group it joined (scheduler hint "group"), with a copy of the
  // group's policy for its scheduling ("" when none).
  std::string server_group_id;
  std::string server_group_policy;
  std::int64_t max_server_per_host = 0;
  // The create request's reservation ("r-..."), shared by the servers one
  // POST made; "" in events written before it was kept.
  std::string reservation_id;
  // Boot from volume; absent (not requested) in events written before it.
  instance::boot_volume boot;
  MSGPACK_DEFINE_MAP(name, project_id, user_id, flavor, image_id, networks, key_name, metadata,
                     user_data, availability_zone, security_groups, description, has_description,
                     access_ip_v4, access_ip_v6, tags, server_group_id, server_group_policy,
                     max_server_per_host, reservation_id, boot)
};

struct instance_scheduled {
  static constexpr const char* type_name = "instance.scheduled";
  static constexpr int schema_version = 1;
  std::string host;
  std::string node;
  std::map<std::string, std::string> reasons;  // host -> why the scheduler rejected it
  MSGPACK_DEFINE_MAP(host, node, reasons)
};

// A build failed on its host (the spawn failed or timed out, or the host
// crashed) and goes back to the scheduler, as Nova's reschedule does:
// task_state scheduling, no host; its ports stay bound.
struct instance_rescheduled {
  static constexpr const char* type_name = "instance.rescheduled";
  static constexpr int schema_version = 1;
  std::string host;    // the host the build failed on
  std::string reason;  // why
  int attempt = 1;     // the attempt that failed (1: the first)
  MSGPACK_DEFINE_MAP(host, reason, attempt)
};

struct instance_port_bound {
  static constexpr const char* type_name = "instance.port_bound";
  static constexpr int schema_version = 1;
  std::string port_id;
  std::string network_id;
  std::string network_name;
  std::string ip_address;
  std::string mac_address;
  MSGPACK_DEFINE_MAP(port_id, network_id, network_name, ip_address, mac_address)
};

struct instance_port_unbound {
  static constexpr const char* type_name = "instance.port_unbound";
  static constexpr int schema_version = 1;
  std::string port_id;
  MSGPACK_DEFINE_MAP(port_id)
};

struct instance_spawning {
  static constexpr const char* type_name = "instance.spawning";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

struct instance_active {
  static constexpr const char* type_name = "instance.active";
  static constexpr int schema_version = 1;
  std::int64_t launched_at = 0;  // µs since the epoch
  MSGPACK_DEFINE_MAP(launched_at)
};

struct instance_error {
  static constexpr const char* type_name = "instance.error";
  static constexpr int schema_version = 1;
  std::string reason;  // the fault's message
  int code = 500;
  std::string details;
  std::int64_t failed_at = 0;  // µs since the epoch: the fault's "created"
  MSGPACK_DEFINE_MAP(reason, code, details, failed_at)
};

// Events without a payload: user requests and their completions.
struct instance_stop_requested {
  static constexpr const char* type_name = "instance.stop_requested";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

struct instance_stopped {
  static constexpr const char* type_name = "instance.stopped";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

struct instance_start_requested {
  static constexpr const char* type_name = "instance.start_requested";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

struct instance_started {
  static constexpr const char* type_name = "instance.started";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

struct instance_rebooted {
  static constexpr const char* type_name = "instance.rebooted";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

struct instance_pause_requested {
  static constexpr const char* type_name = "instance.pause_requested";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

struct instance_paused {
  static constexpr const char* type_name = "instance.paused";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

struct instance_unpause_requested {
  static constexpr const char* type_name = "instance.unpause_requested";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

struct instance_unpaused {
  static constexpr const char* type_name = "instance.unpaused";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

struct instance_suspend_requested {
  static constexpr const char* type_name = "instance.suspend_requested";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

struct instance_suspended {
  static constexpr const char* type_name = "instance.suspended";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

struct instance_resume_requested {
  static constexpr const char* type_name = "instance.resume_requested";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

struct instance_resumed {
  static constexpr const char* type_name = "instance.resumed";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

struct instance_delete_requested {
  static constexpr const char* type_name = "instance.delete_requested";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

struct instance_deleted {
  static constexpr const char* type_name = "instance.deleted";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

struct instance_reboot_requested {
  static constexpr const char* type_name = "instance.reboot_requested";
  static constexpr int schema_version = 1;
  std::string type = "SOFT";  // "SOFT" | "HARD"
  MSGPACK_DEFINE_MAP(type)
};

struct instance_renamed {
  static constexpr const char* type_name = "instance.renamed";
  static constexpr int schema_version = 1;
  std::string name;
  MSGPACK_DEFINE_MAP(name)
};

// PUT /servers/{id} changed what a server shows of itself: the values after
// the change (a rename is instance.renamed).
struct instance_updated {
  static constexpr const char* type_name = "instance.updated";
  static constexpr int schema_version = 1;
  std::string description;
  bool has_description = false;  // false: description null
  std::string access_ip_v4;
  std::string access_ip_v6;
  MSGPACK_DEFINE_MAP(description, has_description, access_ip_v4, access_ip_v6)
};

// The server's metadata after a change (/servers/{id}/metadata): the whole
// map, so that a replay needs no merge rules.
struct instance_metadata_set {
  static constexpr const char* type_name = "instance.metadata_set";
  static constexpr int schema_version = 1;
  std::map<std::string, std::string> metadata;
  MSGPACK_DEFINE_MAP(metadata)
};

// The server's tags after a change (/servers/{id}/tags, 2.26), in the
// order they were added.
struct instance_tags_set {
  static constexpr const char* type_name = "instance.tags_set";
  static constexpr int schema_version = 1;
  std::vector<std::string> tags;
  MSGPACK_DEFINE_MAP(tags)
};

// Nova's lock: who locked it ("owner": someone of the server's project;
// "admin": anyone else) decides who may unlock it without the override.
struct instance_locked {
  static constexpr const char* type_name = "instance.locked";
  static constexpr int schema_version = 1;
  std::string locked_by;  // "owner" | "admin"
  std::string reason;     // "" when none given (2.73)
  MSGPACK_DEFINE_MAP(locked_by, reason)
};

struct instance_unlocked {
  static constexpr const char* type_name = "instance.unlocked";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

// createImage: a snapshot of the server's disk goes into Glance image
// image_id (made queued by the compute door): task_state image_snapshot
// while the disk is copied, image_pending_upload once it is, image_uploading
// while Glance takes it, none when the image is active. A failure aborts
// the task (instance.task_aborted).
struct instance_snapshot_requested {
  static constexpr const char* type_name = "instance.snapshot_requested";
  static constexpr int schema_version = 1;
  std::string image_id;
  std::string name;  // the image's name
  MSGPACK_DEFINE_MAP(image_id, name)
};

struct instance_snapshot_taken {
  static constexpr const char* type_name = "instance.snapshot_taken";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

struct instance_snapshot_uploading {
  static constexpr const char* type_name = "instance.snapshot_uploading";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

// Nova's rebuild: the same server (id, ports, flavor, host) on a new image;
// the domain is destroyed and spawned again. The request carries what the
// body changes (the image always; a name, metadata, description, access
// addresses, key name and user data when given). A stopped server is
// stopped again afterwards (Nova keeps its power state).
struct instance_rebuild_requested {
  static constexpr const char* type_name = "instance.rebuild_requested";
  static constexpr int schema_version = 1;
  std::string image_id;
  std::string name;  // "" keeps the name
  bool has_metadata = false;
  std::map<std::string, std::string> metadata;
  bool has_description = false;  // 2.19: set (a text or, with description_null, null)
  std::string description;
  bool description_null = false;
  std::string access_ip_v4;  // "" keeps them
  std::string access_ip_v6;
  bool has_key_name = false;  // 2.54
  std::string key_name;
  bool has_user_data = false;  // 2.57
  std::string user_data;
  MSGPACK_DEFINE_MAP(image_id, name, has_metadata, metadata, has_description, description,
                     description_null, access_ip_v4, access_ip_v6, has_key_name, key_name,
                     has_user_data, user_data)
};

// The old domain is gone: task_state rebuild_spawning.
struct instance_rebuild_spawning {
  static constexpr const char* type_name = "instance.rebuild_spawning";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

// The new domain runs (or, for a stopped server, is defined and stopped).
struct instance_rebuilt {
  static constexpr const char* type_name = "instance.rebuilt";
  static constexpr int schema_version = 1;
  std::string power_state;  // to_string(power_states): "running" or "shutdown"
  MSGPACK_DEFINE_MAP(power_state)
};

struct instance_snapshot_done {
  static constexpr const char* type_name = "instance.snapshot_done";
  static constexpr int schema_version = 1;
  std::string image_id;
  MSGPACK_DEFINE_MAP(image_id)
};

// addSecurityGroup / removeSecurityGroup: the server's groups by name after
// the change (its ports already carry them).
struct instance_security_groups_set {
  static constexpr const char* type_name = "instance.security_groups_set";
  static constexpr int schema_version = 1;
  std::vector<std::string> security_groups;
  MSGPACK_DEFINE_MAP(security_groups)
};

// --- moves between hosts (resize, cold and live migration) ---

// A resize (a new flavor) or a cold migration (the same flavor, another
// host): task_state resize_prep, a migration pre-migrating.
struct instance_resize_requested {
  static constexpr const char* type_name = "instance.resize_requested";
  static constexpr int schema_version = 1;
  std::string migration_id;
  std::string migration_type;  // "resize" | "migration"
  instance::flavor new_flavor;
  std::int64_t at = 0;  // µs since the epoch
  MSGPACK_DEFINE_MAP(migration_id, migration_type, new_flavor, at)
};

// A live migration: task_state migrating; host is the one the admin asked
// for ("" for the scheduler's choice).
struct instance_live_migration_requested {
  static constexpr const char* type_name = "instance.live_migration_requested";
  static constexpr int schema_version = 1;
  std::string migration_id;
  std::string host;
  bool block_migration = false;
  std::int64_t at = 0;
  MSGPACK_DEFINE_MAP(migration_id, host, block_migration, at)
};

// The destination is claimed (the scheduler's reasons for the others, as
// a launch's): the domain moves. task_state resize_migrating (a live
// migration stays migrating).
struct instance_migration_scheduled {
  static constexpr const char* type_name = "instance.migration_scheduled";
  static constexpr int schema_version = 1;
  std::string host;
  std::map<std::string, std::string> reasons;
  std::int64_t at = 0;
  MSGPACK_DEFINE_MAP(host, reasons, at)
};

// The domain runs (or is defined, stopped) on the destination with the new
// flavor: vm_state resized (VERIFY_RESIZE) until confirmed or reverted.
struct instance_resize_finished {
  static constexpr const char* type_name = "instance.resize_finished";
  static constexpr int schema_version = 1;
  std::string power_state;  // "running" | "shutdown"
  std::int64_t at = 0;
  MSGPACK_DEFINE_MAP(power_state, at)
};

struct instance_resize_confirmed {
  static constexpr const char* type_name = "instance.resize_confirmed";
  static constexpr int schema_version = 1;
  std::int64_t at = 0;
  MSGPACK_DEFINE_MAP(at)
};

struct instance_resize_revert_requested {
  static constexpr const char* type_name = "instance.resize_revert_requested";
  static constexpr int schema_version = 1;
  std::int64_t at = 0;
  MSGPACK_DEFINE_MAP(at)
};

// Back on the source with the old flavor.
struct instance_resize_reverted {
  static constexpr const char* type_name = "instance.resize_reverted";
  static constexpr int schema_version = 1;
  std::string power_state;  // "running" | "shutdown"
  std::int64_t at = 0;
  MSGPACK_DEFINE_MAP(power_state, at)
};

// A live migration ended: the instance runs on the destination.
struct instance_live_migrated {
  static constexpr const char* type_name = "instance.live_migrated";
  static constexpr int schema_version = 1;
  std::int64_t at = 0;
  MSGPACK_DEFINE_MAP(at)
};

// A move that failed before the domain left the source (no host, or the
// source could not let it go): the instance stays where and as it was, the
// migration ends in error (live: failed), the reason in its fault.
struct instance_migration_failed {
  static constexpr const char* type_name = "instance.migration_failed";
  static constexpr int schema_version = 1;
  std::string reason;
  std::int64_t at = 0;
  MSGPACK_DEFINE_MAP(reason, at)
};

// --- shelve (a snapshot, then the host is freed) and unshelve ---

// task_state shelving; the snapshot's steps are createImage's events
// (instance.snapshot_taken, instance.snapshot_uploading).
struct instance_shelve_requested {
  static constexpr const char* type_name = "instance.shelve_requested";
  static constexpr int schema_version = 1;
  std::string image_id;  // the image the snapshot goes to: "<name>-shelved"
  std::string name;
  MSGPACK_DEFINE_MAP(image_id, name)
};

// The snapshot is in Glance, the domain is off: vm_state shelved.
struct instance_shelved {
  static constexpr const char* type_name = "instance.shelved";
  static constexpr int schema_version = 1;
  std::string image_id;
  MSGPACK_DEFINE_MAP(image_id)
};

struct instance_shelve_offload_requested {
  static constexpr const char* type_name = "instance.shelve_offload_requested";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

// The domain and the host's claim are gone: vm_state shelved_offloaded,
// no host.
struct instance_shelve_offloaded {
  static constexpr const char* type_name = "instance.shelve_offloaded";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

struct instance_unshelve_requested {
  static constexpr const char* type_name = "instance.unshelve_requested";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

// An offloaded instance got a host again: task_state spawning.
struct instance_unshelve_scheduled {
  static constexpr const char* type_name = "instance.unshelve_scheduled";
  static constexpr int schema_version = 1;
  std::string host;
  std::map<std::string, std::string> reasons;
  MSGPACK_DEFINE_MAP(host, reasons)
};

// Running again (from its shelved snapshot, which is then deleted).
struct instance_unshelved {
  static constexpr const char* type_name = "instance.unshelved";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

// An unshelve that found no host or could not spawn: still offloaded.
struct instance_unshelve_failed {
  static constexpr const char* type_name = "instance.unshelve_failed";
  static constexpr int schema_version = 1;
  std::string reason;
  std::int64_t at = 0;
  MSGPACK_DEFINE_MAP(reason, at)
};

// --- rescue: the domain boots a rescue image, its own disk second ---

struct instance_rescue_requested {
  static constexpr const char* type_name = "instance.rescue_requested";
  static constexpr int schema_version = 1;
  std::string image_id;  // the rescue image (the server's own by default)
  MSGPACK_DEFINE_MAP(image_id)
};

struct instance_rescued {
  static constexpr const char* type_name = "instance.rescued";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

struct instance_unrescue_requested {
  static constexpr const char* type_name = "instance.unrescue_requested";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

struct instance_unrescued {
  static constexpr const char* type_name = "instance.unrescued";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

// Evacuate (an admin's, from a host that is down): a migration of type
// "evacuation" (Nova's statuses accepted, pre-migrating, done, error,
// failed); task rebuilding until a host is chosen (migration_scheduled),
// then rebuild_spawning on it. The disk is kept: the hosts of one cloud
// share its data dir, as Nova's evacuate on shared storage.
struct instance_evacuation_requested {
  static constexpr const char* type_name = "instance.evacuation_requested";
  static constexpr int schema_version = 1;
  std::string migration_id;
  std::string host;  // the admin's host, "" for the scheduler's choice
  std::int64_t at = 0;
  MSGPACK_DEFINE_MAP(migration_id, host, at)
};

// os-interface: a port attached to the server (Nova's attach_interface:
// a port the caller gave, user_port, or one made for it on a network) or
// detached; no task, the instance records it once networking has the port.
struct instance_interface_attached {
  static constexpr const char* type_name = "instance.interface_attached";
  static constexpr int schema_version = 1;
  std::string port_id;
  std::string network_id;
  std::string network_name;
  std::string ip_address;
  std::string mac_address;
  bool user_port = false;  // unbound, not deleted, when it goes
  MSGPACK_DEFINE_MAP(port_id, network_id, network_name, ip_address, mac_address, user_port)
};

struct instance_interface_detached {
  static constexpr const char* type_name = "instance.interface_detached";
  static constexpr int schema_version = 1;
  std::string port_id;
  MSGPACK_DEFINE_MAP(port_id)
};

// os-volume_attachments: a volume plugged into the server (recorded once
// the host has it and before block storage calls it in-use, so at a restart
// the server's record says whether an attach got that far), or unplugged.
struct instance_volume_attached {
  static constexpr const char* type_name = "instance.volume_attached";
  static constexpr int schema_version = 1;
  instance::volume_attachment attachment;
  MSGPACK_DEFINE_MAP(attachment)
};

struct instance_volume_detached {
  static constexpr const char* type_name = "instance.volume_detached";
  static constexpr int schema_version = 1;
  std::string volume_id;
  MSGPACK_DEFINE_MAP(volume_id)
};

struct instance_evacuated {
  static constexpr const char* type_name = "instance.evacuated";
  static constexpr int schema_version = 1;
  std::string power_state;  // "running", or "shutdown" for a stopped server
  std::int64_t at = 0;
  MSGPACK_DEFINE_MAP(power_state, at)
};

// A transitional operation was interrupted (e.g. by a restart): the task
// goes back to none and the vm_state stays what it was.
struct instance_task_aborted {
  static constexpr const char* type_name = "instance.task_aborted";
  static constexpr int schema_version = 1;
  std::string reason;
  MSGPACK_DEFINE_MAP(reason)
};

// The hypervisor says the domain's power state changed on its own (the
// guest powered itself off, crashed, or was started outside cumulo), as
// Nova's power state sync: libvirt is the truth for power. An active
// instance whose domain stopped becomes stopped (SHUTOFF), a stopped one
// whose domain runs becomes active.
struct instance_power_synced {
  static constexpr const char* type_name = "instance.power_synced";
  static constexpr int schema_version = 1;
  std::string power_state;  // to_string(power_states): "running", "shutdown", ...
  std::string source;       // what noticed it: "libvirt event", "restart"
  MSGPACK_DEFINE_MAP(power_state, source)
};

using instance_event = std::variant<
    instance_requested, instance_scheduled, instance_port_bound, instance_port_unbound,
    instance_spawning, instance_active, instance_error, instance_stop_requested, instance_stopped,
    instance_start_requested, instance_started, instance_reboot_requested, instance_rebooted,
    instance_pause_requested, instance_paused, instance_unpause_requested, instance_unpaused,
    instance_suspend_requested, instance_suspended, instance_resume_requested, instance_resumed,
    instance_renamed, instance_delete_requested, instance_deleted, instance_task_aborted,
    instance_rescheduled, instance_power_synced, instance_updated, instance_metadata_set,
    instance_tags_set, instance_locked, instance_unlocked, instance_security_groups_set,
    instance_snapshot_requested, instance_snapshot_taken, instance_snapshot_uploading,
    instance_snapshot_done, instance_rebuild_requested, instance_rebuild_spawning, instance_rebuilt,
    instance_resize_requested, instance_live_migration_requested, instance_migration_scheduled,
    instance_resize_finished, instance_resize_confirmed, instance_resize_revert_requested,
    instance_resize_reverted, instance_live_migrated, instance_migration_failed,
    instance_shelve_requested, instance_shelved, instance_shelve_offload_requested,
    instance_shelve_offloaded, instance_unshelve_requested, instance_unshelve_scheduled,
    instance_unshelved, instance_unshelve_failed, instance_rescue_requested, instance_rescued,
    instance_unrescue_requested, instance_unrescued, instance_evacuation_requested,
    instance_evacuated, instance_interface_attached, instance_interface_detached,
    instance_volume_attached, instance_volume_detached>;

// --- state ---
struct instance_state : resource_meta {
  std::string name;
  std::string project_id;
  std::string user_id;
  instance::flavor flavor;
  std::string image_id;
  std::vector<instance::requested_network> networks;  // as requested
  std::vector<instance::address> addresses;           // bound ports, in bind order
  std::string host;                                   // "" until scheduled
  std::string node;                                   // the hypervisor hostname
  std::string key_name;
  std::map<std::string, std::string> metadata;
  std::string user_data;
  std::string availability_zone;
  std::vector<std::string> security_groups;
  vm_states vm_state = vm_states::building;
  task_states task_state = task_states::none;
  power_states power_state = power_states::nostate;
  std::int64_t launched_at_us = 0;       // 0: never active
  std::optional<instance::fault> fault;  // the last error
  std::optional<reboot_type> reboot;     // the reboot in progress
  std::optional<std::string> description;  // nullopt: null (2.19)
  std::string access_ip_v4;
  std::string access_ip_v6;
  std::vector<std::string> tags;
  bool locked = false;
  std::string locked_by;          // "owner" | "admin" while locked
  std::string locked_reason;      // "" when none was given
  std::string snapshot_image_id;  // the image a snapshot in progress goes to
  std::string reservation_id;     // the create request's ("r-..."), "" before it was kept
  std::string server_group_id;    // "" when in none
  std::string server_group_policy;
  std::int64_t max_server_per_host = 0;
  std::optional<instance::migration> migration;  // the move under way or awaiting confirm
  std::vector<instance::migration> migrations;   // the moves that ended, oldest first
  std::string shelved_image_id;                  // the snapshot a shelved instance comes back from
  std::string rescue_image_id;                   // what a rescued instance booted
  std::vector<instance::volume_attachment> volumes;  // in attach order; the root one first
  instance::boot_volume boot;                        // boot from volume, as requested
};

// Nova's limits on tags (nova/objects/tag.py, the API's schema).
inline constexpr std::size_t max_instance_tags = 50;
inline constexpr std::size_t max_tag_length = 60;

// Nova's server "status" (nova/api/openstack/common.py _STATE_MAP).
std::string api_status(const instance_state& s);

namespace instance {
void to_json(nlohmann::json& j, const migration& m);
}

void to_json(nlohmann::json& j, const instance_state& s);

// --- commands ---
namespace instance {
// User commands, as the API receives them.
struct request {
  std::string name;
  std::string project_id;
  std::string user_id;
  instance::flavor flavor;
  std::string image_id;
  std::vector<requested_network> networks;
  std::string key_name;
  std::map<std::string, std::string> metadata;
  std::string user_data;
  std::string availability_zone = "nova";
  std::vector<std::string> security_groups{"default"};
  std::optional<std::string> description;
  std::string access_ip_v4;
  std::string access_ip_v6;
  std::vector<std::string> tags;
  std::string server_group_id;
  std::string server_group_policy;
  std::int64_t max_server_per_host = 0;
  std::string reservation_id;
  instance::boot_volume boot;  // boot from volume; image_id is then the image it was made from
  // The server's password (given or made up by the API): offered to the
  // guest through its config drive at the first spawn, never recorded (a
  // secret stays out of the log), so a restart before the build ends
  // forgets it, as Nova's build request does.
  std::string admin_pass;
};
struct stop {};
struct start {};
struct reboot {
  reboot_type type = reboot_type::soft;
};
struct pause {};
struct unpause {};
struct suspend {};
struct resume {};
struct rename {
  std::string name;
};
struct remove {};  // DELETE /servers/{id}
// PUT /servers/{id}: what the body named (a rename is rename).
struct update {
  std::optional<std::optional<std::string>> description;  // set, to a text or null
  std::optional<std::string> access_ip_v4;
  std::optional<std::string> access_ip_v6;
};
// /servers/{id}/metadata: replace all (PUT), or merge (POST and PUT of one
// key); max_items is the project's metadata_items quota (-1: no limit),
// filled in by the compute door.
struct set_metadata {
  std::map<std::string, std::string> metadata;
  bool replace = false;
  std::int64_t max_items = -1;
};
struct delete_metadata {
  std::string key;
};
// /servers/{id}/tags: replace all (PUT /tags, DELETE /tags), add one, or
// remove one.
struct set_tags {
  std::vector<std::string> tags;
};
struct add_tag {
  std::string tag;
};
struct remove_tag {
  std::string tag;
};
// lock: by_owner when the caller belongs to the server's project.
struct lock {
  bool by_owner = true;
  std::string reason;
};
struct unlock {};
// createImage: the door made image_id (queued); the steps follow.
struct snapshot {
  std::string image_id;
  std::string name;
};
// rebuild: the event's fields, as the compute door resolved them (the
// image is visible to the caller and active).
struct rebuild {
  std::string image_id;
  std::string name;
  std::optional<std::map<std::string, std::string>> metadata;
  std::optional<std::optional<std::string>> description;
  std::string access_ip_v4;
  std::string access_ip_v6;
  std::optional<std::string> key_name;
  std::optional<std::string> user_data;
};
struct rebuild_spawning {};
struct complete_rebuild {
  power_states power = power_states::running;
};
struct snapshot_taken {};
struct snapshot_uploading {};
struct complete_snapshot {};
// The groups a server's ports now carry (the compute door changed them):
// recorded by name.
struct set_security_groups {
  std::vector<std::string> security_groups;
};

// resize / migrate (type "migration": the same flavor, another host): the
// door made the migration's id and read the flavor.
struct resize {
  std::string migration_id;
  std::string type = "resize";
  flavor new_flavor;
  std::int64_t at_us = 0;
};
struct live_migrate {
  std::string migration_id;
  std::string host;  // "" for the scheduler's choice
  bool block_migration = false;
  std::int64_t at_us = 0;
};
struct schedule_migration {
  std::string host;
  std::map<std::string, std::string> reasons;
  std::int64_t at_us = 0;
};
struct finish_resize {
  power_states power = power_states::running;
  std::int64_t at_us = 0;
};
struct confirm_resize {
  std::int64_t at_us = 0;
};
struct revert_resize {
  std::int64_t at_us = 0;
};
struct complete_revert {
  power_states power = power_states::running;
  std::int64_t at_us = 0;
};
struct complete_live_migration {
  std::int64_t at_us = 0;
};
struct fail_migration {
  std::string reason;
  std::int64_t at_us = 0;
};
struct shelve {
  std::string image_id;
  std::string name;
};
struct shelve_offload {};
struct complete_shelve_offload {};
struct unshelve {};
struct schedule_unshelve {
  std::string host;
  std::map<std::string, std::string> reasons;
};
struct complete_unshelve {};
struct fail_unshelve {
  std::string reason;
  std::int64_t at_us = 0;
};
struct rescue {
  std::string image_id;
};
struct complete_rescue {};
struct unrescue {};
struct complete_unrescue {};
// evacuate: the door made the migration's id and checked the source is down.
struct evacuate {
  std::string migration_id;
  std::string host;  // "" for the scheduler's choice
  std::int64_t at_us = 0;
};
struct complete_evacuation {
  power_states power = power_states::running;
  std::int64_t at_us = 0;
};
// os-interface: the port networking bound to the instance.
struct attach_interface {
  std::string port_id;
  std::string network_id;
  std::string network_name;
  std::string ip_address;
  std::string mac_address;
  bool user_port = false;
};
struct detach_interface {
  std::string port_id;
};
// os-volume_attachments: the volume the host plugged in; the volume
// unplugged.
struct attach_volume {
  volume_attachment attachment;
};
struct detach_volume {
  std::string volume_id;
};

// Progress commands: what the instance's actor reports as the launch and
// each operation go on. Refused (conflict) in a state they cannot follow.
struct schedule {
  std::string host;
  std::string node;
  std::map<std::string, std::string> reasons;
};
struct bind_port {
  std::string port_id;
  std::string network_id;
  std::string network_name;
  std::string ip_address;
  std::string mac_address;
};
struct unbind_port {
  std::string port_id;
};
struct spawn {};
struct reschedule {
  std::string host;
  std::string reason;
  int attempt = 1;
};
struct mark_active {
  std::int64_t launched_at_us = 0;
};
struct fail {
  std::string reason;
  int code = 500;
  std::string details;
  std::int64_t failed_at_us = 0;
};
struct complete_stop {};
struct complete_start {};
struct complete_reboot {};
struct complete_pause {};
struct complete_unpause {};
struct complete_suspend {};
struct complete_resume {};
struct complete_delete {};
struct abort_task {
  std::string reason;
};
// What the hypervisor reports; no event when it changes nothing or an
// operation is under way (its own completion settles the power state).
struct sync_power {
  power_states power = power_states::nostate;
  std::string source;
};

using command = std::variant<
    request, stop, start, reboot, pause, unpause, suspend, resume, rename, remove, schedule,
    bind_port, unbind_port, spawn, mark_active, fail, complete_stop, complete_start,
    complete_reboot, complete_pause, complete_unpause, complete_suspend, complete_resume,
    complete_delete, abort_task, reschedule, sync_power, update, set_metadata, delete_metadata,
    set_tags, add_tag, remove_tag, lock, unlock, set_security_groups, snapshot, snapshot_taken,
    snapshot_uploading, complete_snapshot, rebuild, rebuild_spawning, complete_rebuild, resize,
    live_migrate, schedule_migration, finish_resize, confirm_resize, revert_resize, complete_revert,
    complete_live_migration, fail_migration, shelve, shelve_offload, complete_shelve_offload,
    unshelve, schedule_unshelve, complete_unshelve, fail_unshelve, rescue, complete_rescue,
    unrescue, complete_unrescue, evacuate, complete_evacuation, attach_interface, detach_interface,
    attach_volume, detach_volume>;

// Nova's check_instance_lock: a locked server refuses the actions that
// check it (409 "Instance I is locked") to anyone but an admin.
std::optional<domain_error> check_lock(const instance_state& s, const command& c,
                                       bool caller_is_admin);
// The volume attached to the server, or null.
const volume_attachment* find_volume(const instance_state& s, const std::string& volume_id);
// The guest device the next volume gets ("/dev/vdb" onwards; "" when all
// are taken: Nova's "No free disk device names").
std::string next_volume_device(const instance_state& s);
// A tag as Nova's schema takes it: 1 to 60 characters, no '/' nor ','.
std::optional<domain_error> check_tag(const std::string& tag);
}  // namespace instance

struct instance_machine {
  static constexpr const char* kind = "instance";
  using state = instance_state;
  using event = instance_event;
  using command = instance::command;
  static decision<event> decide(const state& s, const command& c);
  static state apply(state s, const event& e);
};

}  // namespace cumulo
