#include "actors/block_storage.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <set>
#include <stdexcept>
#include <unordered_map>

#include "actors/cloud.hpp"
#include "actors/door.hpp"
#include "actors/errors.hpp"
#include "actors/block_storage_internal.hpp"
#include "actors/volume_host.hpp"
#include "store/ids.hpp"
#include "store/wall_clock.hpp"

namespace cumulo {
namespace block_storage_detail {

domain_error volume_not_found(const std::string& id) {
  return {errc::not_found, "Volume " + id + " could not be found."};
}
domain_error snapshot_not_found(const std::string& id) {
  return {errc::not_found, "Snapshot " + id + " could not be found."};
}

void on_volume(block_storage_actor* self, const std::string& id, volume::command c,
               event_metadata meta, std::function<void(volume_state&)> ok, on_error fail) {
  resource_command<volume_state>(self, id, std::move(c), std::move(meta), std::move(ok),
                                 std::move(fail));
}
void on_snapshot(block_storage_actor* self, const std::string& id, volume_snapshot::command c,
                 event_metadata meta, std::function<void(volume_snapshot_state&)> ok,
                 on_error fail) {
  resource_command<volume_snapshot_state>(self, id, std::move(c), std::move(meta), std::move(ok),
                                          std::move(fail));
}

on_error log_failure(const std::string& what) {
  return [what](const caf::error& e) {
    spdlog::error("block storage: {}: {}", what, from_caf_error(e).message);
  };
}

void work(block_storage_actor* self, volume_work w, std::function<void()> ok,
          std::function<void(std::string)> failed) {
  self->request(self->state.host, volume_work_timeout, volume_atom::value, std::move(w))
      .then([ok](caf::ok_atom) { ok(); },
            [failed](caf::error& e) { failed(from_caf_error(e).message); });
}

// The bytes of a new volume, then available (or error with the reason).
void write_volume(block_storage_actor* self, const volume_state& v, event_metadata meta) {
  volume_work w;
  w.id = v.id;
  w.size_gb = v.size;
  if (!v.snapshot_id.empty()) {
    w.what = volume_work::kind::create_from_snapshot;
    w.source = v.snapshot_id;
  } else if (!v.source_volid.empty()) {
    w.what = volume_work::kind::clone;
    w.source = v.source_volid;
  } else if (!v.image_id.empty()) {
    image_work(self->state, v, w);
  }
  const std::string id = v.id;
  work(
      self, std::move(w),
      [self, id, meta] {
        on_volume(
            self, id, volume::finish_create{}, meta, [](volume_state&) {},
            log_failure("finishing the create of " + id));
      },
      [self, id, meta](std::string reason) {
        on_volume(
            self, id, volume::fail_create{std::move(reason)}, meta, [](volume_state&) {},
            log_failure("recording the failed create of " + id));
      });
}

void begin_create(block_storage_actor* self, volume_create_request req,
                  caf::typed_response_promise<volume_state> promise) {
  auto& st = self->state;
  auto& c = req.base;
  auto refuse = [&promise](const domain_error& e) mutable { promise.deliver(to_caf_error(e)); };
  const auto* type = st.type(req.volume_type.empty() ? default_volume_type : req.volume_type);
  if (!type)
    return refuse({errc::not_found, "Volume type " + req.volume_type + " could not be found."});
  c.volume_type = type->name;
  c.volume_type_id = type->id;
  c.multiattach = multiattach_type(*type);
  auto visible = [&](const std::string& project) {
    return req.is_admin || project == c.project_id;
  };
  if (!req.snapshot_id.empty()) {
    auto s = st.snapshots.find(req.snapshot_id);
    if (s == st.snapshots.end() || !visible(s->second.project_id))
      return refuse(snapshot_not_found(req.snapshot_id));
    if (s->second.status != "available")
      return refuse({errc::bad_request,
                     "Invalid snapshot: Originating snapshot status "
                     "must be one of 'available' values"});
    if (c.size == 0) c.size = s->second.size;
    if (c.size < s->second.size)
      return refuse({errc::bad_request, "Invalid input received: Volume size '" +
                                            std::to_string(c.size) +
                                            "'GB cannot be smaller than the snapshot size " +
                                            std::to_string(s->second.size) +
                                            "GB. They must be >= original snapshot size."});
    c.snapshot_id = req.snapshot_id;
  }
  if (!req.source_volid.empty()) {
    auto v = st.volumes.find(req.source_volid);
    if (v == st.volumes.end() || !visible(v->second.project_id))
      return refuse(volume_not_found(req.source_volid));
    if (v->second.status != "available" && v->second.status != "in-use")
      return refuse(
          {errc::bad_request, "Invalid volume: Volume " + req.source_volid +
                                  " status must be available or in-use, but current status is: " +
                                  v->second.status + "."});
    if (c.size == 0) c.size = v->second.size;
    if (c.size < v->second.size)
      return refuse({errc::bad_request, "Invalid input received: Volume size '" +
                                            std::to_string(c.size) +
                                            "'GB cannot be smaller than original volume size " +
                                            std::to_string(v->second.size) +
                                            "GB. They must be >= original volume size."});
    c.source_volid = req.source_volid;
  }
  if (auto bad = check_volume_size(c.size)) return refuse(*bad);
  if (auto over = check_volume_quota(st.quotas_of(c.project_id), st.usage_of(c.project_id), c.size,
                                     c.volume_type))
    return refuse(*over);
  const volume_usage held{{"volumes", 1},
                          {"gigabytes", c.size},
                          {"volumes_" + c.volume_type, 1},
                          {"gigabytes_" + c.volume_type, c.size}};
  const std::string project = c.project_id;
  st.hold(project, held, +1);
  const auto meta = req.meta;
  const std::string id = req.volume_id.empty() ? new_uuid() : req.volume_id;
  if (st.volumes.count(id)) {
    st.hold(project, held, -1);
    return refuse({errc::conflict, "Volume " + id + " already exists."});
  }
  on_volume(
      self, id, volume::command{std::move(c)}, meta,
      [self, promise, project, held, meta](volume_state& v) mutable {
        self->state.hold(project, held, -1);
        promise.deliver(v);
        write_volume(self, v, meta);
      },
      [self, promise, project, held](const caf::error& e) mutable {
        self->state.hold(project, held, -1);
        promise.deliver(e);
      });
}

std::optional<domain_error> check_volume_size(std::int64_t size) {
  if (size > 0) return std::nullopt;
  return domain_error{errc::bad_request, "Invalid input received: Volume size '" +
                                             std::to_string(size) +
                                             "' must be an integer and greater than 0."};
}

}  // namespace block_storage_detail

namespace {

using namespace block_storage_detail;

caf::result<volume_state> create_volume(block_storage_actor* self, volume_create_request& req) {
  // Cinder's check_exclusive_options: one source at most.
  if ((req.snapshot_id.empty() ? 0 : 1) + (req.source_volid.empty() ? 0 : 1) +
          (req.image_ref.empty() ? 0 : 1) >
      1)
    return to_caf_error({errc::bad_request,
                         "Invalid input received: May specify only one of backup, imageRef, "
                         "snapshot, source volume"});
  auto promise = self->make_response_promise<volume_state>();
  if (!req.image_ref.empty())
    create_from_image(self, std::move(req), promise);
  else
    begin_create(self, std::move(req), promise);
  return promise;
}

// extend: the quota, then extending, the bytes, then the new size.
caf::result<volume_state> extend_volume(block_storage_actor* self, const std::string& id,
                                        volume::extend x, event_metadata meta) {
  auto& st = self->state;
  auto v = st.volumes.find(id);
  if (v == st.volumes.end()) return to_caf_error(volume_not_found(id));
  if (x.new_size > v->second.size)
    if (auto over = check_extend_quota(st.quotas_of(v->second.project_id),
                                       st.usage_of(v->second.project_id), v->second.size,
                                       x.new_size, v->second.volume_type))
      return to_caf_error(*over);
  auto promise = self->make_response_promise<volume_state>();
  const std::int64_t size = x.new_size;
  on_volume(
      self, id, volume::command{x}, meta,
      [self, promise, id, size, meta](volume_state& s) mutable {
        promise.deliver(s);
        volume_work w;
        w.what = volume_work::kind::extend;
        w.id = id;
        w.size_gb = size;
        work(
            self, std::move(w),
            [self, id, meta] {
              on_volume(
                  self, id, volume::finish_extend{}, meta, [](volume_state&) {},
                  log_failure("finishing the extend of " + id));
            },
            [self, id, meta](std::string reason) {
              on_volume(
                  self, id, volume::fail_extend{std::move(reason)}, meta, [](volume_state&) {},
                  log_failure("recording the failed extend of " + id));
            });
      },
      fail_to(promise));
  return promise;
}

// The bytes of a volume being deleted go, then the delete is recorded
// (never the other way round: a recorded delete with its file still there
// is only space, reaped at the next start; a file gone under a live volume
// would be data lost).
void finish_volume_delete(block_storage_actor* self, const std::string& id, event_metadata meta) {
  volume_work w;
  w.what = volume_work::kind::remove;
  w.id = id;
  work(
      self, std::move(w),
      [self, id, meta] {
        on_volume(
            self, id, volume::finish_delete{}, meta, [](volume_state&) {},
            log_failure("recording the delete of " + id));
      },
      [self, id, meta](std::string reason) {
        on_volume(
            self, id, volume::fail_delete{std::move(reason)}, meta, [](volume_state&) {},
            log_failure("recording the failed delete of " + id));
      });
}

caf::result<volume_state> volume_command(block_storage_actor* self, const std::string& id,
                                         volume::command& c, event_metadata& meta) {
  if (!self->state.volumes.count(id)) return to_caf_error(volume_not_found(id));
  if (auto* x = std::get_if<volume::extend>(&c)) return extend_volume(self, id, *x, meta);
  const bool removing = std::holds_alternative<volume::remove>(c);
  auto promise = self->make_response_promise<volume_state>();
  on_volume(
      self, id, std::move(c), meta,
      [self, promise, id, meta, removing](volume_state& s) mutable {
        promise.deliver(s);
        if (removing && s.status == "deleting") finish_volume_delete(self, id, meta);
      },
      fail_to(promise));
  return promise;
}

// A snapshot: its volume lists it first (so the volume cannot be deleted
// under it), then its own stream begins, then the copy, then available.
caf::result<volume_snapshot_state> create_snapshot(block_storage_actor* self,
                                                   snapshot_create_request& req) {
  auto& st = self->state;
  auto& c = req.base;
  auto v = st.volumes.find(c.volume_id);
  if (v == st.volumes.end() || !(req.is_admin || v->second.project_id == c.project_id))
    return to_caf_error(volume_not_found(c.volume_id));
  c.size = v->second.size;
  if (auto over = check_snapshot_quota(st.quotas_of(c.project_id), st.usage_of(c.project_id),
                                       c.size, v->second.volume_type))
    return to_caf_error(*over);
  const volume_usage held{{"snapshots", 1},
                          {"gigabytes", c.size},
                          {"snapshots_" + v->second.volume_type, 1},
                          {"gigabytes_" + v->second.volume_type, c.size}};
  const std::string project = c.project_id;
  st.hold(project, held, +1);
  const std::string snapshot_id = new_uuid();
  const std::string volume_id = c.volume_id;
  auto promise = self->make_response_promise<volume_snapshot_state>();
  auto release = [self, project, held] { self->state.hold(project, held, -1); };
  const auto meta = req.meta;
  on_volume(
      self, volume_id, volume::add_snapshot{snapshot_id, req.force}, meta,
      [self, promise, release, snapshot_id, volume_id, meta,
       c = std::move(c)](volume_state&) mutable {
        on_snapshot(
            self, snapshot_id, volume_snapshot::command{std::move(c)}, meta,
            [self, promise, release, snapshot_id, volume_id,
             meta](volume_snapshot_state& s) mutable {
              release();
              promise.deliver(s);
              volume_work w;
              w.what = volume_work::kind::snapshot;
              w.id = snapshot_id;
              w.source = volume_id;
              work(
                  self, std::move(w),
                  [self, snapshot_id, meta] {
                    on_snapshot(
                        self, snapshot_id, volume_snapshot::finish_create{}, meta,
                        [](volume_snapshot_state&) {},
                        log_failure("finishing snapshot " + snapshot_id));
                  },
                  [self, snapshot_id, meta](std::string reason) {
                    on_snapshot(
                        self, snapshot_id, volume_snapshot::fail_create{std::move(reason)}, meta,
                        [](volume_snapshot_state&) {},
                        log_failure("recording the failed snapshot " + snapshot_id));
                  });
            },
            [self, promise, release, snapshot_id, volume_id, meta](const caf::error& e) mutable {
              release();
              promise.deliver(e);
              // The volume listed a snapshot that never began: it lets go.
              on_volume(
                  self, volume_id, volume::remove_snapshot{snapshot_id}, meta, [](volume_state&) {},
                  log_failure("unlisting snapshot " + snapshot_id));
            });
      },
      [promise, release](const caf::error& e) mutable {
        release();
        promise.deliver(e);
      });
  return promise;
}

// The copy goes, the delete is recorded, then the volume lets go of it.
void finish_snapshot_delete(block_storage_actor* self, const volume_snapshot_state& s,
                            event_metadata meta) {
  volume_work w;
  w.what = volume_work::kind::remove_snapshot;
  w.id = s.id;
  const std::string id = s.id;
  const std::string volume_id = s.volume_id;
  work(
      self, std::move(w),
      [self, id, volume_id, meta] {
        on_snapshot(
            self, id, volume_snapshot::finish_delete{}, meta,
            [self, id, volume_id, meta](volume_snapshot_state&) {
              on_volume(
                  self, volume_id, volume::remove_snapshot{id}, meta, [](volume_state&) {},
                  log_failure("unlisting snapshot " + id));
            },
            log_failure("recording the delete of snapshot " + id));
      },
      [self, id, meta](std::string reason) {
        on_snapshot(
            self, id, volume_snapshot::fail_delete{std::move(reason)}, meta,
            [](volume_snapshot_state&) {},
            log_failure("recording the failed delete of snapshot " + id));
      });
}

caf::result<volume_snapshot_state> snapshot_command(block_storage_actor* self,
                                                    const std::string& id,
                                                    volume_snapshot::command& c,
                                                    event_metadata& meta) {
  if (!self->state.snapshots.count(id)) return to_caf_error(snapshot_not_found(id));
  const bool removing = std::holds_alternative<volume_snapshot::remove>(c);
  auto promise = self->make_response_promise<volume_snapshot_state>();
  on_snapshot(
      self, id, std::move(c), meta,
      [self, promise, meta, removing](volume_snapshot_state& s) mutable {
        promise.deliver(s);
        if (removing && s.status == "deleting") finish_snapshot_delete(self, s, meta);
      },
      fail_to(promise));
  return promise;
}

// What the door sends itself once its index is read.
// The attachments of `v` that their servers record (Nova's block device
// mappings): the instances' streams say how far an attach or a detach cut
// off by a restart got. A server that is gone records none.
void with_server_records(block_storage_actor* self, const volume_state& v,
                         std::function<void(std::set<std::string>)> k) {
  auto servers = std::make_shared<std::vector<std::string>>();
  for (const auto& a : v.attachments)
    if (a.attach_status == "attaching" || a.attach_status == "detaching")
      servers->push_back(a.server_id);
  auto found = std::make_shared<std::set<std::string>>();
  auto next = std::make_shared<std::function<void(std::size_t)>>();
  *next = [self, servers, found, next, k](std::size_t i) {
    if (i == servers->size()) {
      k(*found);
      *next = nullptr;  // the cycle through the captures ends here
      return;
    }
    self->request(self->state.conductor, volume_facts_timeout, caf::get_atom::value,
                  instance_atom::value, (*servers)[i])
        .await(
            [found, next, i](instance_state& s) {
              if (s.exists())
                for (const auto& v : s.volumes) found->insert(v.attachment_id);
              (*next)(i + 1);
            },
            [next, i](caf::error&) { (*next)(i + 1); });
  };
  (*next)(0);
}

// The commands that end what a restart cut off, one after another.
void resolve_volume(block_storage_actor* self, const volume_state& v,
                    const volume::restart_facts& facts, const event_metadata& meta) {
  for (auto& c : resolve_after_restart(v, facts)) {
    const bool removing = std::holds_alternative<volume::remove>(c) ||
                          std::holds_alternative<volume::finish_delete>(c);
    if (removing) {
      spdlog::warn("block storage: volume {} was being deleted; finishing", v.id);
      finish_volume_delete(self, v.id, meta);
      break;
    }
    spdlog::warn("block storage: volume {} was in flight at restart; resolving it", v.id);
    on_volume(
        self, v.id, std::move(c), meta, [](volume_state&) {}, log_failure("resolving " + v.id));
  }
}

using start_atom = caf::atom_constant<caf::atom("start")>;

// At start, once the index is read: the host's leftovers, then what a
// restart cut off (the facts awaited: no request is
// answered before they are in).
void start(block_storage_actor* self) {
  auto& st = self->state;
  const event_metadata meta{"req-volume-start", "cumulo"};
  std::set<std::string> keep_volumes, keep_snapshots;
  for (const auto& [id, _] : st.volumes) keep_volumes.insert(id);
  for (const auto& [id, _] : st.snapshots) keep_snapshots.insert(id);
  self->request(st.host, volume_facts_timeout, reap_atom::value, keep_volumes, keep_snapshots)
      .await(
          [](std::vector<std::string>& removed) {
            for (const auto& r : removed) spdlog::warn("block storage: removed leftover {}", r);
          },
          [](caf::error& e) {
            spdlog::error("block storage: reaping: {}", from_caf_error(e).message);
          });
  // Snapshots listed by a volume that never began (a crash between).
  for (const auto& [id, v] : st.volumes)
    for (auto& c : unrecorded_snapshots(v, keep_snapshots))
      on_volume(
          self, id, std::move(c), meta, [](volume_state&) {}, log_failure("unlisting"));
  for (const auto& [id, v] : st.volumes) {
    // An upload's end is Glance's to tell (block_storage_images.cpp).
    if (v.status == "uploading") {
      resolve_upload(self, v, meta);
      continue;
    }
    // Only what was in flight is worth the host's look.
    volume::restart_facts all_done;
    all_done.backing_file_complete = all_done.backing_file_extended = true;
    for (const auto& a : v.attachments) all_done.on_servers.insert(a.id);
    if (resolve_after_restart(v, volume::restart_facts{}).empty() &&
        resolve_after_restart(v, all_done).empty())
      continue;
    const volume_state copy = v;
    self->request(st.host, volume_facts_timeout, caf::get_atom::value, volume_atom::value, id)
        .await(
            [self, copy, meta](volume_facts& f) {
              volume::restart_facts facts;
              facts.backing_file_complete = f.present;
              facts.backing_file_extended =
                  f.present && copy.extending_to > 0 && f.size_gb >= copy.extending_to;
              facts.now_us = now_us();
              with_server_records(self, copy, [self, copy, meta, facts](std::set<std::string> on) {
                auto all = facts;
                all.on_servers = std::move(on);
                resolve_volume(self, copy, all, meta);
              });
            },
            [vid = copy.id](caf::error& e) {
              spdlog::error("block storage: no facts of volume {}: {}", vid,
                            from_caf_error(e).message);
            });
  }
  for (const auto& [id, s] : st.snapshots) {
    if (!resolve_after_restart(s, volume_snapshot::restart_facts{false}) &&
        !resolve_after_restart(s, volume_snapshot::restart_facts{true}))
      continue;
    const volume_snapshot_state copy = s;
    self->request(st.host, volume_facts_timeout, caf::get_atom::value, volume_snapshot_atom::value,
                  id)
        .await(
            [self, copy, meta](bool whole) {
              auto c = resolve_after_restart(copy, volume_snapshot::restart_facts{whole});
              if (!c) return;
              if (std::holds_alternative<volume_snapshot::remove>(*c) ||
                  std::holds_alternative<volume_snapshot::finish_delete>(*c)) {
                finish_snapshot_delete(self, copy, meta);
                return;
              }
              spdlog::warn("block storage: snapshot {} was in flight at restart; resolving it",
                           copy.id);
              on_snapshot(
                  self, copy.id, std::move(*c), meta, [](volume_snapshot_state&) {},
                  log_failure("resolving snapshot " + copy.id));
            },
            [sid = copy.id](caf::error& e) {
              spdlog::error("block storage: no facts of snapshot {}: {}", sid,
                            from_caf_error(e).message);
            });
  }
}

}  // namespace

caf::actor spawn_block_storage(caf::actor_system& sys, caf::actor conductor, caf::actor volume_host,
                               caf::actor image_registry, std::filesystem::path image_dir) {
  return sys.spawn([conductor = std::move(conductor), volume_host = std::move(volume_host),
                    image_registry = std::move(image_registry), image_dir = std::move(image_dir)](
                       block_storage_detail::block_storage_actor* self) -> caf::behavior {
    self->state.conductor = conductor;
    self->state.host = volume_host;
    self->state.images = image_registry;
    self->state.image_dir = image_dir;
    read_all<volume_type_state>(self, volume_type_atom::value, "block storage");
    read_all<volume_quota_state>(self, volume_quota_atom::value, "block storage");
    read_all<volume_state>(self, volume_atom::value, "block storage");
    read_all<volume_snapshot_state>(self, volume_snapshot_atom::value, "block storage");
    // Handled after the awaited reads above: the index is whole by then.
    self->send(self, start_atom::value);
    return {
        [self](start_atom) {
          // Its own only: a start is not a thing to ask of it.
          auto sender = self->current_sender();
          if (sender && sender->address() == self->address()) start(self);
        },
        [self](list_atom, volume_type_atom) { return in_creation_order(self->state.types); },
        [self](caf::get_atom, volume_type_atom,
               const std::string& name_or_id) -> caf::result<volume_type_state> {
          const auto* t = self->state.type(name_or_id);
          if (!t)
            return to_caf_error(
                {errc::not_found, "Volume type " + name_or_id + " could not be found."});
          return *t;
        },
        [self](command_atom, volume_type_atom, volume_type::create& c,
               event_metadata& meta) -> caf::result<volume_type_state> {
          if (self->state.type(c.name))
            return to_caf_error({errc::conflict, "Volume Type " + c.name + " already exists."});
          auto promise = self->make_response_promise<volume_type_state>();
          resource_command<volume_type_state>(
              self, new_uuid(), volume_type::command{std::move(c)}, meta,
              [promise](volume_type_state& t) mutable { promise.deliver(t); }, fail_to(promise));
          return promise;
        },
        [self](caf::delete_atom, volume_type_atom, const std::string& id,
               event_metadata& meta) -> caf::result<volume_type_state> {
          const auto* t = self->state.type(id);
          if (!t)
            return to_caf_error({errc::not_found, "Volume type " + id + " could not be found."});
          for (const auto& [_, v] : self->state.volumes)
            if (v.volume_type_id == t->id)
              return to_caf_error({errc::bad_request, "Target volume type is still in use."});
          auto promise = self->make_response_promise<volume_type_state>();
          resource_command<volume_type_state>(
              self, t->id, volume_type::command{volume_type::remove{}}, meta,
              [promise](volume_type_state& s) mutable { promise.deliver(s); }, fail_to(promise));
          return promise;
        },
        [self](command_atom, volume_atom, volume_create_request& req) {
          return create_volume(self, req);
        },
        [self](caf::get_atom, volume_atom, const std::string& id) -> caf::result<volume_state> {
          auto it = self->state.volumes.find(id);
          if (it == self->state.volumes.end()) return to_caf_error(volume_not_found(id));
          return it->second;
        },
        [self](caf::get_atom, volume_atom, const std::string& id,
               settled_atom) -> caf::result<volume_state> {
          auto it = self->state.volumes.find(id);
          if (it == self->state.volumes.end()) return to_caf_error(volume_not_found(id));
          if (it->second.status != "creating") return it->second;
          auto promise = self->make_response_promise<volume_state>();
          self->state.settle_waiters[id].push_back(promise);
          return promise;
        },
        [self](list_atom, volume_atom) { return in_creation_order(self->state.volumes); },
        [self](command_atom, volume_atom, const std::string& id, volume::command& c,
               event_metadata& meta) { return volume_command(self, id, c, meta); },
        [self](upload_atom, volume_upload_request& req) { return upload_volume(self, req); },
        [self](command_atom, volume_snapshot_atom, snapshot_create_request& req) {
          return create_snapshot(self, req);
        },
        [self](caf::get_atom, volume_snapshot_atom,
               const std::string& id) -> caf::result<volume_snapshot_state> {
          auto it = self->state.snapshots.find(id);
          if (it == self->state.snapshots.end()) return to_caf_error(snapshot_not_found(id));
          return it->second;
        },
        [self](list_atom, volume_snapshot_atom) {
          return in_creation_order(self->state.snapshots);
        },
        [self](command_atom, volume_snapshot_atom, const std::string& id,
               volume_snapshot::command& c,
               event_metadata& meta) { return snapshot_command(self, id, c, meta); },
        [self](attachment_atom, caf::add_atom, attachment_request& req) {
          return create_attachment(self, req);
        },
        [self](attachment_atom, caf::put_atom, const std::string& volume_id,
               const std::string& attachment_id, const std::string& host, const std::string& device,
               event_metadata& meta) {
          return connect_attachment(self, volume_id, attachment_id, host, device, meta);
        },
        [self](attachment_atom, caf::ok_atom, const std::string& volume_id,
               const std::string& attachment_id, event_metadata& meta) {
          return complete_attachment(self, volume_id, attachment_id, meta);
        },
        [self](attachment_atom, caf::delete_atom, const std::string& volume_id,
               const std::string& attachment_id, event_metadata& meta) {
          return end_attachment(self, volume_id, attachment_id, meta);
        },
        [self](caf::get_atom, attachment_atom, const std::string& attachment_id) {
          return volume_of_attachment(self, attachment_id);
        },
        [self](caf::get_atom, volume_atom, const std::string& id, location_atom) {
          return locate_volume(self, id);
        },
        [self](command_atom, volume_type_atom, const std::string& id, volume_type::command& c,
               event_metadata& meta) -> caf::result<volume_type_state> {
          const auto* t = self->state.type(id);
          if (!t)
            return to_caf_error({errc::not_found, "Volume type " + id + " could not be found."});
          // A name is the type's alone (Cinder's 409).
          if (auto* u = std::get_if<volume_type::update>(&c); u && u->name) {
            const auto* other = self->state.type(*u->name);
            if (other && other->id != t->id)
              return to_caf_error({errc::conflict, "Volume Type " + *u->name + " already exists."});
          }
          auto promise = self->make_response_promise<volume_type_state>();
          resource_command<volume_type_state>(
              self, t->id, std::move(c), meta,
              [promise](volume_type_state& after) mutable { promise.deliver(after); },
              fail_to(promise));
          return promise;
        },
        [self](command_atom, volume_quota_atom, const std::string& project,
               volume_quota::command& c, event_metadata& meta) -> caf::result<volume_quota_state> {
          // The machine checks the limits against what is in use now, the
          // creates in flight included, and knows the types' keys.
          if (auto* u = std::get_if<volume_quota::update>(&c)) {
            u->in_use = self->state.usage_of(project);
            u->volume_types.clear();
            for (const auto& [_, t] : self->state.types) u->volume_types.push_back(t.name);
          }
          auto promise = self->make_response_promise<volume_quota_state>();
          resource_command<volume_quota_state>(
              self, project, std::move(c), meta,
              [promise](volume_quota_state& after) mutable { promise.deliver(after); },
              fail_to(promise));
          return promise;
        },
        [self](caf::get_atom, volume_quota_atom, const std::string& project) {
          auto it = self->state.quotas.find(project);
          if (it != self->state.quotas.end()) return it->second;
          volume_quota_state q;
          q.id = project;
          return q;
        },
        [self](caf::get_atom, volume_quota_atom, const std::string& project, usage_atom) {
          return self->state.usage_of(project);
        },
    };
  });
}

void bootstrap_volume_types(cloud& c) {
  constexpr std::chrono::seconds timeout{60};
  caf::scoped_actor self{c.system()};
  std::string failure;
  bool present = false;
  self->request(c.block_storage(), timeout, caf::get_atom::value, volume_type_atom::value,
                default_volume_type)
      .receive([&](volume_type_state&) { present = true; },
               [&](caf::error& e) {
                 if (from_caf_error(e).code != errc::not_found) failure = from_caf_error(e).message;
               });
  if (!failure.empty()) throw std::runtime_error("volume type bootstrap: " + failure);
  if (present) return;
  const event_metadata meta{"req-bootstrap-" + new_uuid(), "cumulo-bootstrap"};
  self->request(c.block_storage(), timeout, command_atom::value, volume_type_atom::value,
                volume_type::create{default_volume_type, "Default Volume Type", true, {}}, meta)
      .receive([](volume_type_state&) {},
               [&](caf::error& e) { failure = from_caf_error(e).message; });
  if (!failure.empty()) throw std::runtime_error("volume type bootstrap: " + failure);
}

}  // namespace cumulo
