// A volume snapshot (Cinder's /snapshots): a point-in-time copy of one
// volume, a stream of its own, volume_snapshot/<uuid> ("snapshot" alone
// would also name a server's snapshot, which is an image).
// Status: creating -> available | error; available | error -> deleting ->
// deleted (| error_deleting); an admin's os-reset_status sets any status.
// The volume counts its snapshots on its own stream (volume.snapshot_added
// before volume_snapshot.created, volume.snapshot_removed after
// volume_snapshot.deleted): see engine/volume_state.hpp.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "engine/codec.hpp"
#include <nlohmann/json.hpp>

#include "engine/resource.hpp"

namespace cumulo {

// --- events (schema in schemas/events/volume_snapshot.json) ---
struct volume_snapshot_created {
  static constexpr const char* type_name = "volume_snapshot.created";
  static constexpr int schema_version = 1;
  std::string volume_id;
  std::string name;
  std::string description;
  std::int64_t size = 0;  // GB: the volume's size when it was taken
  std::map<std::string, std::string> metadata;
  std::string project_id;
  std::string user_id;
  MSGPACK_DEFINE_MAP(volume_id, name, description, size, metadata, project_id, user_id)
};

struct volume_snapshot_create_finished {
  static constexpr const char* type_name = "volume_snapshot.create_finished";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

struct volume_snapshot_create_failed {
  static constexpr const char* type_name = "volume_snapshot.create_failed";
  static constexpr int schema_version = 1;
  std::string reason;
  MSGPACK_DEFINE_MAP(reason)
};

// Only the fields given are non-null.
struct volume_snapshot_updated {
  static constexpr const char* type_name = "volume_snapshot.updated";
  static constexpr int schema_version = 1;
  std::optional<std::string> name;
  std::optional<std::string> description;
  MSGPACK_DEFINE_MAP(name, description)
};

// `set` are added or replaced, then `removed` are removed (a PUT that
// replaces all the metadata is both).
struct volume_snapshot_metadata_changed {
  static constexpr const char* type_name = "volume_snapshot.metadata_changed";
  static constexpr int schema_version = 1;
  std::map<std::string, std::string> set;
  std::vector<std::string> removed;
  MSGPACK_DEFINE_MAP(set, removed)
};

// An admin's os-reset_status.
struct volume_snapshot_status_reset {
  static constexpr const char* type_name = "volume_snapshot.status_reset";
  static constexpr int schema_version = 1;
  std::string status;
  MSGPACK_DEFINE_MAP(status)
};

struct volume_snapshot_delete_started {
  static constexpr const char* type_name = "volume_snapshot.delete_started";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

struct volume_snapshot_delete_failed {
  static constexpr const char* type_name = "volume_snapshot.delete_failed";
  static constexpr int schema_version = 1;
  std::string reason;
  MSGPACK_DEFINE_MAP(reason)
};

struct volume_snapshot_deleted {
  static constexpr const char* type_name = "volume_snapshot.deleted";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

using volume_snapshot_event = std::variant<
    volume_snapshot_created, volume_snapshot_create_finished, volume_snapshot_create_failed,
    volume_snapshot_updated, volume_snapshot_metadata_changed, volume_snapshot_status_reset,
    volume_snapshot_delete_started, volume_snapshot_delete_failed, volume_snapshot_deleted>;

// --- state ---
struct volume_snapshot_state : resource_meta {
  std::string volume_id;
  std::string name;
  std::string description;
  std::int64_t size = 0;
  std::map<std::string, std::string> metadata;
  std::string project_id;
  std::string user_id;
  // creating | available | error | deleting | error_deleting | ... ("" before creation)
  std::string status;
  std::string progress;  // "0%" while creating, "100%" once available
  // Why the last create or delete failed, for replay (Cinder shows none).
  std::string error_reason;
};

void to_json(nlohmann::json& j, const volume_snapshot_state& s);

// Cinder's snapshot statuses, in its order (os-reset_status accepts these).
const std::vector<std::string>& volume_snapshot_statuses();

// --- commands ---
namespace volume_snapshot {
struct create {
  std::string volume_id;
  std::string name;
  std::string description;
  std::int64_t size = 0;
  std::map<std::string, std::string> metadata;
  std::string project_id;
  std::string user_id;
};
struct finish_create {};
struct fail_create {
  std::string reason;
};
struct update {
  std::optional<std::string> name;
  std::optional<std::string> description;
};
// POST /snapshots/{id}/metadata merges; PUT replaces (replace = true).
struct set_metadata {
  std::map<std::string, std::string> metadata;
  bool replace = false;
};
struct unset_metadata {
  std::string key;
};
struct reset_status {
  std::string status;
};
// force: an admin's os-force_delete (any status).
struct remove {
  bool force = false;
};
struct fail_delete {
  std::string reason;
};
struct finish_delete {};
using command = std::variant<create, finish_create, fail_create, update, set_metadata,
                             unset_metadata, reset_status, remove, fail_delete, finish_delete>;

// What the snapshot's actor finds on the backend when the cloud restarts
// with the snapshot in a transitional state.
struct restart_facts {
  bool backing_file_complete = false;  // creating: the copy was written whole
};
}  // namespace volume_snapshot

// The command that ends a snapshot's interrupted operation after a
// restart: creating -> available (its file complete) or error; deleting ->
// the delete goes on (the actor removes the file, then finish_delete).
// nullopt: nothing was in flight.
std::optional<volume_snapshot::command> resolve_after_restart(
    const volume_snapshot_state& s, const volume_snapshot::restart_facts& facts);

struct volume_snapshot_machine {
  static constexpr const char* kind = "volume_snapshot";
  using state = volume_snapshot_state;
  using event = volume_snapshot_event;
  using command = volume_snapshot::command;
  static decision<event> decide(const state& s, const command& c);
  static state apply(state s, const event& e);
};

}  // namespace cumulo
