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

// Files no image owns: uploads a crash cut off, and the bytes of an image
// that never became active (killed between the rename and its event).
void remove_orphan_files(const registry_state& st) {
  std::error_code ec;
  std::filesystem::create_directories(st.image_dir, ec);
  for (const auto& entry : std::filesystem::directory_iterator(st.image_dir, ec)) {
    const auto name = entry.path().filename().string();
    const bool partial = entry.path().extension() == ".part";
    auto it = st.images.find(name);
    const bool owned = !partial && it != st.images.end() &&
                       (it->second.status == "active" || it->second.status == "deactivated");
    if (owned) continue;
    std::error_code rm;
    std::filesystem::remove(entry.path(), rm);
    spdlog::info("image registry: removed {} ({})", entry.path().string(),
                 partial ? "an interrupted upload" : "no active image owns it");
  }
}

void on_command(registry_actor* self, const std::string& id, image::command& command,
                event_metadata& meta, caf::response_promise promise) {
  const bool removing = std::holds_alternative<image::remove>(command);
  self->request(self->state.conductor, conductor_timeout, command_atom::value, id,
                std::move(command), std::move(meta))
      .then(
          [self, promise, removing](image_state& s) mutable {
            put_latest(self->state.images, s);
            if (removing) {
              std::error_code ec;
              std::filesystem::remove(image_file(self->state.image_dir, s.id), ec);
            }
            promise.deliver(s);
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

caf::behavior image_registry(registry_actor* self, caf::actor conductor,
                             std::filesystem::path image_dir, clock_fn clock) {
  self->state.conductor = std::move(conductor);
  self->state.image_dir = std::move(image_dir);
  self->state.clock = std::move(clock);
  self->request(self->state.conductor, conductor_timeout, list_atom::value, image_atom::value)
      .await(
          [self](std::vector<image_state>& all) {
            for (const auto& s : all) put_latest(self->state.images, s);
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

}  // namespace cumulo
