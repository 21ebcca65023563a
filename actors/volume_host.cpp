#include "actors/volume_host.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/errors.hpp"

namespace cumulo {
namespace {

struct volume_host_state {
  std::shared_ptr<volume_backend> backend;
  static inline const char* name = "volume_host";
};

using volume_host_actor = caf::stateful_actor<volume_host_state>;

void run(volume_backend& b, const volume_work& w) {
  using k = volume_work::kind;
  switch (w.what) {
    case k::create:
      b.create(w.id, w.size_gb);
      return;
    case k::create_from_image:
      b.create_from_image(w.id, w.image, w.image_format, w.size_gb);
      return;
    case k::clone:
      b.clone(w.id, w.source, w.size_gb);
      return;
    case k::create_from_snapshot:
      b.create_from_snapshot(w.id, w.source, w.size_gb);
      return;
    case k::extend:
      b.extend(w.id, w.size_gb);
      return;
    case k::remove:
      b.remove(w.id);
      return;
    case k::snapshot:
      b.snapshot(w.id, w.source);
      return;
    case k::remove_snapshot:
      b.remove_snapshot(w.id);
      return;
    case k::upload_to_image:
      b.upload_to_image(w.id, w.image, w.image_format);
      return;
  }
}

}  // namespace

caf::actor spawn_volume_host(caf::actor_system& sys, std::shared_ptr<volume_backend> backend) {
  return sys.spawn<caf::detached>([backend = std::move(backend)](
                                      volume_host_actor* self) -> caf::behavior {
    self->state.backend = backend;
    return {
        [self](volume_atom, const volume_work& w) -> caf::result<caf::ok_atom> {
          try {
            run(*self->state.backend, w);
            return caf::ok_atom::value;
          } catch (const std::exception& e) {
            // The message is the volume's error reason: the backend's own
            // words (virt/volume_backend.hpp), never a path of the host's.
            spdlog::warn("volume host: {} of {}: {}", static_cast<int>(w.what), w.id, e.what());
            return to_caf_error({errc::internal, e.what()});
          }
        },
        [self](upload_atom, const volume_work& w) -> caf::result<file_digest> {
          try {
            run(*self->state.backend, w);
            // Read back here, on this thread: a volume's worth of bytes.
            if (auto sums = digest_file(w.image)) return *sums;
            throw volume_backend_error("The image's copy of the volume could not be read back.");
          } catch (const std::exception& e) {
            std::error_code ec;
            std::filesystem::remove(w.image, ec);
            spdlog::warn("volume host: upload of {}: {}", w.id, e.what());
            return to_caf_error({errc::internal, e.what()});
          }
        },
        [self](caf::get_atom, volume_atom, const std::string& id) {
          volume_facts f;
          try {
            f.present = self->state.backend->locate(id).has_value();
            f.size_gb = self->state.backend->size_gb(id);
          } catch (const std::exception& e) {
            spdlog::warn("volume host: facts of {}: {}", id, e.what());
          }
          return f;
        },
        [self](caf::get_atom, volume_atom, const std::string& id,
               location_atom) -> caf::result<volume_location> {
          try {
            if (auto l = self->state.backend->locate(id)) return *l;
          } catch (const std::exception& e) {
            spdlog::warn("volume host: location of {}: {}", id, e.what());
          }
          return to_caf_error({errc::not_found, "Volume " + id + " has no bytes on its backend."});
        },
        [self](caf::get_atom, volume_snapshot_atom, const std::string& id) {
          try {
            return self->state.backend->snapshot_exists(id);
          } catch (const std::exception&) {
            return false;
          }
        },
        [self](
            reap_atom, const std::set<std::string>& keep_volumes,
            const std::set<std::string>& keep_snapshots) -> caf::result<std::vector<std::string>> {
          try {
            return self->state.backend->reap(keep_volumes, keep_snapshots);
          } catch (const std::exception& e) {
            return to_caf_error({errc::internal, e.what()});
          }
        },
        [self](caf::get_atom, capacity_atom) {
          volume_capacity c;
          try {
            const auto [total, free] = self->state.backend->capacity_gb();
            c.total_gb = total;
            c.free_gb = free;
          } catch (const std::exception& e) {
            spdlog::warn("volume host: capacity: {}", e.what());
          }
          return c;
        },
    };
  });
}

}  // namespace cumulo
