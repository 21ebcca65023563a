// An image (Glance v2): its events, commands and the pure state machine.
// Status: queued -> saving -> active <-> deactivated; queued/saving -> killed
// when an upload fails; saving -> queued when an upload is reset; any -> deleted.
// The interoperable import (glance-direct): queued -> uploading while the
// bytes are staged, uploading with them staged, importing -> active, or
// back to queued when the staging or the import fails.
// Members (Glance's image sharing): projects a shared image is offered to,
// each pending -> accepted | rejected (and back) as the member decides.
#pragma once

#include <cstddef>
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

// --- events (schema in schemas/events/image.json) ---
// `protected` is a C++ keyword: the member is is_protected, the key "protected".
struct image_created {
  static constexpr const char* type_name = "image.created";
  static constexpr int schema_version = 1;
  std::string name;
  std::string owner;             // project id
  std::string disk_format;       // "" until set
  std::string container_format;  // "" until set
  std::string visibility = "shared";
  std::int64_t min_disk = 0;  // GB
  std::int64_t min_ram = 0;   // MB
  bool is_protected = false;
  std::vector<std::string> tags;
  std::map<std::string, std::string> properties;
  MSGPACK_DEFINE_MAP(name, owner, disk_format, container_format, visibility, min_disk, min_ram,
                     MSGPACK_NVP("protected", is_protected), tags, properties)
};

struct image_updated {
  static constexpr const char* type_name = "image.updated";
  static constexpr int schema_version = 1;
  std::optional<std::string> name;
  std::optional<std::string> visibility;
  std::optional<std::int64_t> min_disk;
  std::optional<std::int64_t> min_ram;
  std::optional<bool> is_protected;
  std::optional<std::vector<std::string>> tags;
  std::optional<std::string> disk_format;
  std::optional<std::string> container_format;
  std::map<std::string, std::string> properties_set;
  std::vector<std::string> properties_removed;
  MSGPACK_DEFINE_MAP(name, visibility, min_disk, min_ram, MSGPACK_NVP("protected", is_protected),
                     tags, disk_format, container_format, properties_set, properties_removed)
};

struct image_upload_started {
  static constexpr const char* type_name = "image.upload_started";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

struct image_uploaded {
  static constexpr const char* type_name = "image.uploaded";
  static constexpr int schema_version = 1;
  std::int64_t size = 0;
  std::string checksum;  // md5, hex
  std::string os_hash_algo = "sha512";
  std::string os_hash_value;  // hex
  std::optional<std::int64_t> virtual_size;
  MSGPACK_DEFINE_MAP(size, checksum, os_hash_algo, os_hash_value, virtual_size)
};

struct image_upload_failed {
  static constexpr const char* type_name = "image.upload_failed";
  static constexpr int schema_version = 1;
  std::string reason;
  MSGPACK_DEFINE_MAP(reason)
};

struct image_upload_reset {
  static constexpr const char* type_name = "image.upload_reset";
  static constexpr int schema_version = 1;
  std::string reason;
  MSGPACK_DEFINE_MAP(reason)
};

// The interoperable import. Staging: the bytes go to the staging area
// (queued -> uploading), then they are there whole, hashed on the way, and
// the image shows their size (Glance sets it at stage); a staging cut off
// goes back to queued.
struct image_stage_started {
  static constexpr const char* type_name = "image.stage_started";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

struct image_staged {
  static constexpr const char* type_name = "image.staged";
  static constexpr int schema_version = 1;
  std::int64_t size = 0;
  std::string checksum;  // md5, hex
  std::string os_hash_algo = "sha512";
  std::string os_hash_value;  // hex
  MSGPACK_DEFINE_MAP(size, checksum, os_hash_algo, os_hash_value)
};

struct image_stage_reset {
  static constexpr const char* type_name = "image.stage_reset";
  static constexpr int schema_version = 1;
  std::string reason;
  MSGPACK_DEFINE_MAP(reason)
};

// POST /v2/images/{id}/import: uploading -> importing, into `stores`
// (Glance's os_glance_importing_to_stores); then the staged bytes become
// the image's (active) or the import fails back to queued, the stores in
// os_glance_failed_import.
struct image_import_started {
  static constexpr const char* type_name = "image.import_started";
  static constexpr int schema_version = 1;
  std::string method;  // glance-direct
  std::vector<std::string> stores;
  MSGPACK_DEFINE_MAP(method, stores)
};

struct image_imported {
  static constexpr const char* type_name = "image.imported";
  static constexpr int schema_version = 1;
  std::int64_t size = 0;
  std::string checksum;
  std::string os_hash_algo = "sha512";
  std::string os_hash_value;
  std::optional<std::int64_t> virtual_size;
  MSGPACK_DEFINE_MAP(size, checksum, os_hash_algo, os_hash_value, virtual_size)
};

struct image_import_failed {
  static constexpr const char* type_name = "image.import_failed";
  static constexpr int schema_version = 1;
  std::string reason;
  std::vector<std::string> stores;  // the stores it failed to reach
  MSGPACK_DEFINE_MAP(reason, stores)
};

struct image_deactivated {
  static constexpr const char* type_name = "image.deactivated";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

struct image_reactivated {
  static constexpr const char* type_name = "image.reactivated";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

// An admin gives the image to another project (Glance: PATCH owner).
struct image_owner_changed {
  static constexpr const char* type_name = "image.owner_changed";
  static constexpr int schema_version = 1;
  std::string owner;
  MSGPACK_DEFINE_MAP(owner)
};

// Times of a membership are the door's clock when it was asked (the
// envelope's time is the image's, and the engine reads no clock).
struct image_member_added {
  static constexpr const char* type_name = "image.member_added";
  static constexpr int schema_version = 1;
  std::string member_id;  // a project id
  std::int64_t at_us = 0;
  MSGPACK_DEFINE_MAP(member_id, at_us)
};

struct image_member_updated {
  static constexpr const char* type_name = "image.member_updated";
  static constexpr int schema_version = 1;
  std::string member_id;
  std::string status;  // pending | accepted | rejected
  std::int64_t at_us = 0;
  MSGPACK_DEFINE_MAP(member_id, status, at_us)
};

struct image_member_removed {
  static constexpr const char* type_name = "image.member_removed";
  static constexpr int schema_version = 1;
  std::string member_id;
  MSGPACK_DEFINE_MAP(member_id)
};

struct image_deleted {
  static constexpr const char* type_name = "image.deleted";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

using image_event =
    std::variant<image_created, image_updated, image_upload_started, image_uploaded,
                 image_upload_failed, image_upload_reset, image_deactivated, image_reactivated,
                 image_owner_changed, image_member_added, image_member_updated,
                 image_member_removed, image_deleted, image_stage_started, image_staged,
                 image_stage_reset, image_import_started, image_imported, image_import_failed>;

// --- state ---
struct image_member {
  std::string status = "pending";  // pending | accepted | rejected
  std::int64_t created_at_us = 0;
  std::int64_t updated_at_us = 0;
};

// Bytes in the staging area, whole and hashed (glance-direct).
struct image_staging {
  std::int64_t size = 0;
  std::string checksum;
  std::string os_hash_algo;
  std::string os_hash_value;
};

struct image_state : resource_meta {
  std::string name;
  std::string owner;
  // queued | saving | uploading | importing | active | killed | deactivated
  // | deleted ("" before creation)
  std::string status;
  std::string visibility = "shared";
  std::string disk_format;
  std::string container_format;
  std::int64_t min_disk = 0;
  std::int64_t min_ram = 0;
  bool is_protected = false;
  std::vector<std::string> tags;
  std::map<std::string, std::string> properties;
  // Known once uploaded.
  std::optional<std::int64_t> size;
  std::string checksum;
  std::string os_hash_algo;
  std::string os_hash_value;
  std::optional<std::int64_t> virtual_size;
  std::map<std::string, image_member> members;  // by project id
  // Uploading with its bytes staged, or importing them.
  std::optional<image_staging> staged;
};

void to_json(nlohmann::json& j, const image_state& s);

// --- commands ---
namespace image {
struct create {
  std::string name;
  std::string owner;
  std::string disk_format;  // may be left empty until the upload
  std::string container_format;
  std::string visibility = "shared";
  std::int64_t min_disk = 0;
  std::int64_t min_ram = 0;
  bool is_protected = false;
  std::vector<std::string> tags;
  std::map<std::string, std::string> properties;
};
struct update {
  std::optional<std::string> name;
  std::optional<std::string> visibility;
  std::optional<std::int64_t> min_disk;
  std::optional<std::int64_t> min_ram;
  std::optional<bool> is_protected;
  std::optional<std::vector<std::string>> tags;
  std::optional<std::string> disk_format;  // only while queued
  std::optional<std::string> container_format;
  std::map<std::string, std::string> properties_set;
  std::vector<std::string> properties_removed;
  std::optional<std::string> owner;  // an admin's (image.owner_changed)
};
struct start_upload {};
struct finish_upload {
  std::int64_t size = 0;
  std::string checksum;
  std::string os_hash_algo = "sha512";
  std::string os_hash_value;
  std::optional<std::int64_t> virtual_size;
};
struct fail_upload {
  std::string reason;
};
struct reset_upload {
  std::string reason;
};
struct deactivate {};
struct reactivate {};
struct remove {};
struct add_member {
  std::string member_id;
  std::int64_t at_us = 0;
};
struct update_member {
  std::string member_id;
  std::string status;
  std::int64_t at_us = 0;
};
struct remove_member {
  std::string member_id;
};
// PUT /v2/images/{id}/stage: the bytes are on their way, then staged whole
// (hashed while they came), or the staging is abandoned.
struct start_stage {};
struct finish_stage {
  std::int64_t size = 0;
  std::string checksum;
  std::string os_hash_algo = "sha512";
  std::string os_hash_value;
};
struct reset_stage {
  std::string reason;
};
// POST /v2/images/{id}/import. `stores` as the request named them (the
// body's list or the X-Image-Meta-Store header); empty: the default store.
struct start_import {
  std::string method;
  std::vector<std::string> stores;
  bool all_stores = false;
};
// The staged bytes are the image's now (the registry moved them).
struct finish_import {};
struct fail_import {
  std::string reason;
};
using command =
    std::variant<create, update, start_upload, finish_upload, fail_upload, reset_upload, deactivate,
                 reactivate, remove, add_member, update_member, remove_member, start_stage,
                 finish_stage, reset_stage, start_import, finish_import, fail_import>;
// Glance's image_member_quota.
constexpr std::size_t member_quota = 128;

// cumulo keeps every image's bytes in one store of the data dir: Glance's
// enabled_backends with a single file store, the default.
inline constexpr const char* store_id = "file";
// Glance's enabled_import_methods. web-download is not offered: cumulo
// fetches nothing from the network (it serves loopback only).
inline const std::vector<std::string>& import_methods() {
  static const std::vector<std::string> methods{"glance-direct", "copy-image"};
  return methods;
}
// The properties Glance keeps an import's progress in.
inline constexpr const char* importing_to_stores_key = "os_glance_importing_to_stores";
inline constexpr const char* failed_import_key = "os_glance_failed_import";

// What the image registry finds of an image's files at a restart.
struct restart_facts {
  std::optional<std::int64_t> staged_size;  // the staging file, when there
  std::optional<std::int64_t> data_size;    // the image's own file, when there
};
}  // namespace image

// The command that ends what a restart cut off of a staging or an import
// (an upload in progress is the conductor's: back to queued):
//   uploading, bytes still coming -> back to queued
//   uploading, staged, the staging file not whole -> back to queued
//   importing -> finished when its bytes are whole (still staged, or
//     already moved to the image's file), else failed back to queued.
// Nothing: nothing of an import was in flight.
std::optional<image::command> resolve_after_restart(const image_state& s,
                                                    const image::restart_facts& facts);

struct image_machine {
  static constexpr const char* kind = "image";
  using state = image_state;
  using event = image_event;
  using command = image::command;
  static decision<event> decide(const state& s, const command& c);
  static state apply(state s, const event& e);
};

}  // namespace cumulo
