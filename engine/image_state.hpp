// An image (Glance v2): its events, commands and the pure state machine.
// Status: queued -> saving -> active <-> deactivated; queued/saving -> killed
// when an upload fails; saving -> queued when an upload is reset; any -> deleted.
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

using image_event = std::variant<image_created, image_updated, image_upload_started, image_uploaded,
                                 image_upload_failed, image_upload_reset, image_deactivated,
                                 image_reactivated, image_owner_changed, image_member_added,
                                 image_member_updated, image_member_removed, image_deleted>;

// --- state ---
struct image_member {
  std::string status = "pending";  // pending | accepted | rejected
  std::int64_t created_at_us = 0;
  std::int64_t updated_at_us = 0;
};

struct image_state : resource_meta {
  std::string name;
  std::string owner;
  // queued | saving | active | killed | deactivated | deleted ("" before creation)
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
using command =
    std::variant<create, update, start_upload, finish_upload, fail_upload, reset_upload, deactivate,
                 reactivate, remove, add_member, update_member, remove_member>;
// Glance's image_member_quota.
constexpr std::size_t member_quota = 128;
}  // namespace image

struct image_machine {
  static constexpr const char* kind = "image";
  using state = image_state;
  using event = image_event;
  using command = image::command;
  static decision<event> decide(const state& s, const command& c);
  static state apply(state s, const event& e);
};

}  // namespace cumulo
