#include "actors/image_registry.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <unordered_map>

#include "actors/door.hpp"
#include "actors/errors.hpp"
#include "actors/messages.hpp"
#include "engine/image_listing.hpp"

namespace cumulo {
namespace {

struct registry_state {
  caf::actor conductor;
  std::filesystem::path image_dir;
  clock_fn clock;
  std::unordered_map<std::string, image_state> images;
  static inline const char* name = "image_registry";
};

using registry_actor = caf::stateful_actor<registry_state>;

domain_error image_not_found(const std::string& id) {
  return make_domain_error(errc::not_found, "No image found with ID " + id);
}

// Whether a file of the image folder belongs to an image: its own bytes
// while it has data (or is importing: they may be moved already), its
// staged bytes while it waits for its import or runs it. A .part file is
// an upload that a crash cut off.
bool owned(const registry_state& st, const std::filesystem::path& file) {
  const std::string ext = file.extension().string();
  if (ext == ".part") return false;
  const bool staged = ext == ".staged";
  auto it = st.images.find(staged ? file.stem().string() : file.filename().string());
  if (it == st.images.end()) return false;
  const image_state& s = it->second;
  if (staged) return s.status == "importing" || (s.status == "uploading" && s.staged);
  return s.status == "active" || s.status == "deactivated" || s.status == "importing";
}

// Files no image owns: uploads a crash cut off, the bytes of an image that
// never became active (killed between the rename and its event), staged
// bytes nothing waits for.
void remove_orphan_files(const registry_state& st) {
  std::error_code ec;
  std::filesystem::create_directories(st.image_dir, ec);
  for (const auto& entry : std::filesystem::directory_iterator(st.image_dir, ec)) {
    if (owned(st, entry.path())) continue;
    std::error_code rm;
    std::filesystem::remove(entry.path(), rm);
    spdlog::info(
        "image registry: removed {} ({})", entry.path().string(),
        entry.path().extension() == ".part" ? "an interrupted upload" : "no image owns it");
  }
}

void remove_files(const registry_state& st, const std::string& id, bool data, bool staged) {
  std::error_code ec;
  if (data) std::filesystem::remove(image_file(st.image_dir, id), ec);
  if (staged) std::filesystem::remove(staged_file(st.image_dir, id), ec);
}

std::optional<std::int64_t> size_of(const std::filesystem::path& file) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec) return std::nullopt;
  return static_cast<std::int64_t>(size);
}

// glance-direct's work once the image is importing: the staged bytes,
// whole, become the image's file (a rename in the same folder: they are
// never copied), then the import is recorded finished; bytes that are not
// whole or cannot move fail it, and the image goes back to queued.
image::command move_staged_bytes(const registry_state& st, const image_state& s) {
  const auto from = staged_file(st.image_dir, s.id);
  if (!s.staged || size_of(from) != s.staged->size)
    return image::fail_import{"the staged data is not whole"};
  std::error_code ec;
  std::filesystem::rename(from, image_file(st.image_dir, s.id), ec);
  if (ec) return image::fail_import{"the staged data could not be moved: " + ec.message()};
  return image::finish_import{};
}

// The end of an import, recorded. A failed one leaves no bytes behind; one
// that cannot be recorded stays importing, and the next start ends it from
// the files.
void conclude_import(registry_actor* self, const std::string& id, image::command end,
                     const event_metadata& meta) {
  const bool failed = std::holds_alternative<image::fail_import>(end);
  self->request(self->state.conductor, conductor_timeout, command_atom::value, id, std::move(end),
                meta)
      .then(
          [self, id, failed](image_state& s) {
            put_latest(self->state.images, s);
            if (failed) remove_files(self->state, id, true, true);
            spdlog::info("image registry: import of {} {}", id, failed ? "failed" : "finished");
          },
          [id](caf::error& e) {
            spdlog::error("image registry: the end of the import of {} was not recorded: {}", id,
                          from_caf_error(e).message);
          });
}

void on_command(registry_actor* self, const std::string& id, image::command& command,
                event_metadata& meta, caf::response_promise promise) {
  const bool removing = std::holds_alternative<image::remove>(command);
  // Staged bytes nothing will import any more.
  const bool unstaging = std::holds_alternative<image::reset_stage>(command) ||
                         std::holds_alternative<image::fail_import>(command);
  const bool importing = std::holds_alternative<image::start_import>(command);
  const event_metadata after = meta;
  self->request(self->state.conductor, conductor_timeout, command_atom::value, id,
                std::move(command), std::move(meta))
      .then(
          [self, promise, removing, unstaging, importing, after](image_state& s) mutable {
            put_latest(self->state.images, s);
            if (removing || unstaging) remove_files(self->state, s.id, removing, true);
            promise.deliver(s);
            // The caller has its 202: the import goes on here.
            if (importing && s.status == "importing")
              conclude_import(self, s.id, move_staged_bytes(self->state, s), after);
          },
          [promise](caf::error& e) mutable { promise.deliver(e); });
}

image_viewer viewer_of(const credentials& who) {
  return image_viewer{who.project_id, who.roles.count("admin") > 0};
}

domain_error forbidden(const std::string& message) {
  return make_domain_error(errc::forbidden, message);
}

// What the caller may do to an image it sees; nullopt: go on. Its own
// membership is the member's to decide, the list of members the owner's.
std::optional<domain_error> judge(const image_state& s, const image::command& c,
                                  const image_viewer& v) {
  if (std::holds_alternative<image::add_member>(c)) {
    if (!image_owned(s, v))
      return forbidden("You are not permitted to create image members for the image.");
  } else if (std::holds_alternative<image::remove_member>(c)) {
    if (!image_owned(s, v))
      return forbidden("You are not permitted to delete image members for the image.");
  } else if (const auto* update = std::get_if<image::update_member>(&c)) {
    if (!v.is_admin && update->member_id != v.project_id)
      return forbidden("You are not permitted to modify 'status' on this image member.");
  } else if (!image_owned(s, v)) {
    return forbidden("You are not permitted to modify this image.");
  }
  return std::nullopt;
}

// The times a membership command carries: the registry's clock.
void stamp(image::command& c, const clock_fn& clock) {
  if (auto* add = std::get_if<image::add_member>(&c)) add->at_us = clock();
  if (auto* update = std::get_if<image::update_member>(&c)) update->at_us = clock();
}

// What a restart cut off of a staging or an import, ended from the files
// found (engine's resolve_after_restart). Awaited: nothing is answered
// before the images are in a defined state.
void resolve_imports(registry_actor* self, const std::vector<image_state>& all) {
  const event_metadata meta{"req-restart", "cumulo"};
  for (const auto& s : all) {
    const image::restart_facts facts{size_of(staged_file(self->state.image_dir, s.id)),
                                     size_of(image_file(self->state.image_dir, s.id))};
    auto command = resolve_after_restart(s, facts);
    if (!command) continue;
    spdlog::warn("image registry: image {} was {} at restart; resolving it", s.id, s.status);
    // The bytes still staged move now (already moved: nothing to do).
    if (std::holds_alternative<image::finish_import>(*command) &&
        !(s.staged && facts.data_size == s.staged->size))
      command = move_staged_bytes(self->state, s);
    const bool failed = !std::holds_alternative<image::finish_import>(*command);
    self->request(self->state.conductor, conductor_timeout, command_atom::value, s.id,
                  std::move(*command), meta)
        .await(
            [self, failed](image_state& after) {
              put_latest(self->state.images, after);
              if (failed) remove_files(self->state, after.id, true, true);
            },
            [id = s.id](caf::error& e) {
              spdlog::error("image registry: could not resolve image {}: {}", id,
                            from_caf_error(e).message);
            });
  }
}

caf::behavior image_registry(registry_actor* self, caf::actor conductor,
                             std::filesystem::path image_dir, clock_fn clock) {
  self->state.conductor = std::move(conductor);
  self->state.image_dir = std::move(image_dir);
  self->state.clock = std::move(clock);
  self->request(self->state.conductor, conductor_timeout, list_atom::value, image_atom::value)
      .await(
          [self](std::vector<image_state>& all) {
            for (const auto& s : all) put_latest(self->state.images, s);
            resolve_imports(self, all);
            remove_orphan_files(self->state);
          },
          [self](caf::error& e) {
            spdlog::error("image registry: cannot read the images: {}", from_caf_error(e).message);
            self->quit(e);
          });
  return {
      [self](command_atom, const std::string& id, image::command& c, event_metadata& m) {
        auto promise = self->make_response_promise<image_state>();
        on_command(self, id, c, m, promise);
        return promise;
      },
      [self](caf::get_atom, image_atom, const std::string& id) -> caf::result<image_state> {
        auto it = self->state.images.find(id);
        if (it == self->state.images.end()) return to_caf_error(image_not_found(id));
        return it->second;
      },
      [self](list_atom, image_atom) { return in_creation_order(self->state.images); },
      [self](caf::get_atom, image_atom, const std::string& id,
             const credentials& who) -> caf::result<image_state> {
        const auto viewer = viewer_of(who);
        auto it = self->state.images.find(id);
        if (it == self->state.images.end() || !image_visible(it->second, viewer))
          return to_caf_error(image_not_found(id));
        return image_for_viewer(it->second, viewer);
      },
      [self](command_atom, const std::string& id, image::command& c, event_metadata& m,
             const credentials& who) -> caf::result<image_state> {
        const auto viewer = viewer_of(who);
        auto it = self->state.images.find(id);
        if (it == self->state.images.end() || !image_visible(it->second, viewer))
          return to_caf_error(image_not_found(id));
        if (auto refused = judge(it->second, c, viewer)) return to_caf_error(*refused);
        stamp(c, self->state.clock);
        auto promise = self->make_response_promise<image_state>();
        on_command(self, id, c, m, promise);
        return promise;
      },
  };
}

}  // namespace

caf::actor spawn_image_registry(caf::actor_system& sys, caf::actor conductor,
                                std::filesystem::path image_dir, clock_fn clock) {
  return sys.spawn(image_registry, std::move(conductor), std::move(image_dir), std::move(clock));
}

std::filesystem::path image_file(const std::filesystem::path& image_dir, const std::string& id) {
  return image_dir / id;
}

std::filesystem::path staged_file(const std::filesystem::path& image_dir, const std::string& id) {
  return image_dir / (id + ".staged");
}

}  // namespace cumulo
