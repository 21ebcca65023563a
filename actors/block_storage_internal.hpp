// The block storage door's insides (actors/block_storage.hpp), shared by
// the files its flows live in: block_storage.cpp (types, volumes,
// snapshots, quotas, the start), block_storage_attachments.cpp and
// block_storage_images.cpp. Nothing outside the door includes it.
#pragma once

#include <caf/all.hpp>

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>

#include "actors/block_storage.hpp"
#include "actors/door.hpp"
#include "actors/volume_host.hpp"

namespace cumulo::block_storage_detail {

// How long the volume host may take over one copy before the door gives up
// waiting (the copy goes on; a restart resolves what it left).
constexpr auto volume_work_timeout = std::chrono::minutes(6 * 60);
constexpr auto volume_facts_timeout = std::chrono::minutes(1);
// An answer of the image registry (Glance's door; it only reads its index
// or appends one event).
constexpr auto registry_timeout = std::chrono::minutes(1);

struct block_storage_state {
  caf::actor conductor;
  caf::actor host;
  caf::actor images;                // the image registry
  std::filesystem::path image_dir;  // its files: <image_dir>/<image id>
  std::unordered_map<std::string, volume_state> volumes;
  std::unordered_map<std::string, volume_snapshot_state> snapshots;
  std::unordered_map<std::string, volume_type_state> types;
  std::unordered_map<std::string, volume_quota_state> quotas;  // by project id
  // Creates answered by the machine but not yet in the index: they count
  // against the quota already, so two parallel creates cannot both pass.
  std::unordered_map<std::string, volume_usage> pending;
  static inline const char* name = "block_storage";

  // Who waits for a volume's create to be over (settled_atom).
  std::unordered_map<std::string, std::vector<caf::typed_response_promise<volume_state>>>
      settle_waiters;

  void put(const volume_state& s) {
    put_latest(volumes, s);
    if (s.status == "creating") return;
    auto w = settle_waiters.find(s.id);
    if (w == settle_waiters.end()) return;
    for (auto& p : w->second) p.deliver(s);
    settle_waiters.erase(w);
  }
  void put(const volume_snapshot_state& s) { put_latest(snapshots, s); }
  void put(const volume_type_state& s) { put_latest(types, s); }
  void put(const volume_quota_state& s) { put_latest(quotas, s); }

  const volume_type_state* type(const std::string& name_or_id) const {
    auto it = types.find(name_or_id);
    if (it != types.end()) return &it->second;
    for (const auto& [_, t] : types)
      if (t.name == name_or_id) return &t;
    return nullptr;
  }
  volume_quota_set quotas_of(const std::string& project) const {
    auto it = quotas.find(project);
    return it == quotas.end() ? volume_quota_set{} : it->second.limits;
  }
  // Cinder's usage: volumes and gigabytes (of volumes and snapshots), and
  // the per-type ones, of the live resources and the creates in flight.
  volume_usage usage_of(const std::string& project) const {
    volume_usage u;
    for (const auto& [_, v] : volumes) {
      if (v.project_id != project) continue;
      ++u["volumes"];
      u["gigabytes"] += v.size;
      ++u["volumes_" + v.volume_type];
      u["gigabytes_" + v.volume_type] += v.size;
    }
    for (const auto& [_, s] : snapshots) {
      if (s.project_id != project) continue;
      ++u["snapshots"];
      u["gigabytes"] += s.size;
      auto v = volumes.find(s.volume_id);
      const std::string type = v == volumes.end() ? default_volume_type : v->second.volume_type;
      ++u["snapshots_" + type];
      u["gigabytes_" + type] += s.size;
    }
    if (auto p = pending.find(project); p != pending.end())
      for (const auto& [k, n] : p->second) u[k] += n;
    return u;
  }
  void hold(const std::string& project, const volume_usage& u, int sign) {
    auto& p = pending[project];
    for (const auto& [k, n] : u) p[k] += sign * n;
    bool empty = true;
    for (const auto& [_, n] : p) empty = empty && n == 0;
    if (empty) pending.erase(project);
  }
};

using block_storage_actor = caf::stateful_actor<block_storage_state>;

domain_error volume_not_found(const std::string& id);
domain_error snapshot_not_found(const std::string& id);

// A command of the volume's (snapshot's) actor through the conductor; the
// index learns the answer first.
void on_volume(block_storage_actor* self, const std::string& id, volume::command c,
               event_metadata meta, std::function<void(volume_state&)> ok, on_error fail);
void on_snapshot(block_storage_actor* self, const std::string& id, volume_snapshot::command c,
                 event_metadata meta, std::function<void(volume_snapshot_state&)> ok,
                 on_error fail);

// What a failed step leaves in the log: the error is written down, or the
// log says why it could not be.
on_error log_failure(const std::string& what);

// Asks the volume host for `w`; then ok() or failed(reason).
void work(block_storage_actor* self, volume_work w, std::function<void()> ok,
          std::function<void(std::string)> failed);

// Attachments (block_storage_attachments.cpp): the messages of the door's
// header, one function each.
caf::result<volume_state> create_attachment(block_storage_actor* self, attachment_request& req);
caf::result<volume_connection> connect_attachment(
    block_storage_actor* self, const std::string& volume_id, const std::string& attachment_id,
    const std::string& host, const std::string& device, const event_metadata& meta);
caf::result<volume_state> complete_attachment(block_storage_actor* self,
                                              const std::string& volume_id,
                                              const std::string& attachment_id,
                                              const event_metadata& meta);
caf::result<volume_state> end_attachment(block_storage_actor* self, const std::string& volume_id,
                                         const std::string& attachment_id,
                                         const event_metadata& meta);
caf::result<volume_state> volume_of_attachment(block_storage_actor* self,
                                               const std::string& attachment_id);
caf::result<volume_location> locate_volume(block_storage_actor* self, const std::string& volume_id);

// --- creates (block_storage.cpp) ---

// A create whose sources are resolved: the type, a snapshot or volume of the
// project, the size, the quota; then the volume's stream begins, `promise`
// is answered `creating`, and the bytes are written (write_volume).
void begin_create(block_storage_actor* self, volume_create_request req,
                  caf::typed_response_promise<volume_state> promise);
// Cinder's refusal of a size that is no size (0 or less).
std::optional<domain_error> check_volume_size(std::int64_t size);

// --- images (block_storage_images.cpp) ---

// A create with an image_ref: the image found as the caller sees it and
// checked against the size (Cinder's check_image_metadata), its id and
// volume_image_metadata put in the create; then begin_create.
void create_from_image(block_storage_actor* self, volume_create_request req,
                       caf::typed_response_promise<volume_state> promise);
// The volume host's work for a volume made from an image: the image's file
// converted from the disk_format it had at the create.
void image_work(const block_storage_state& st, const volume_state& v, volume_work& w);
// os-volume_upload_image.
caf::result<volume_upload_answer> upload_volume(block_storage_actor* self,
                                                volume_upload_request& req);
// At start, a volume found uploading: finished when its image is active,
// else failed and the image deleted.
void resolve_upload(block_storage_actor* self, const volume_state& v, const event_metadata& meta);

}  // namespace cumulo::block_storage_detail
