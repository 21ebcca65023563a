// The block storage door's flows with Glance: a volume made from an image
// (Cinder's create with imageRef) and a volume uploaded to a new image
// (its os-volume_upload_image). Images are the image registry's: the door
// asks it for them and has it record each step of a new one, the way a
// server's snapshot makes an image (actors/instance.cpp): queued, saving
// while the bytes go into a .part file of the image folder, renamed once
// their checksums are known, then active. The bytes themselves are the
// volume host's to move.
#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <memory>
#include <set>

#include "actors/block_storage_internal.hpp"
#include "actors/image_registry.hpp"
#include "engine/image_listing.hpp"
#include "store/ids.hpp"
#include "virt/volume_backend.hpp"

namespace cumulo::block_storage_detail {
namespace {

domain_error invalid_input(const std::string& reason) {
  return {errc::bad_request, "Invalid input received: " + reason};
}

// What Cinder's API answers for an image it cannot find or the caller may
// not see, whether the reference was an id or a name.
domain_error invalid_image_ref() {
  return {errc::bad_request, "Invalid image identifier or unable to access requested image."};
}

std::int64_t gib_ceil(std::int64_t bytes) {
  return (bytes + volume_gib - 1) / volume_gib;
}

// Cinder's check_image_metadata, in its order and words: the image is
// active, its bytes and its min_disk fit the volume, and so does its
// virtual size when Glance knows it (when not, the volume host's look at
// the file refuses one that does not fit, and the volume is an error).
std::optional<domain_error> check_image_fits(const image_state& img, std::int64_t size) {
  if (img.status != "active") return invalid_input("Image " + img.id + " is not active.");
  const std::int64_t image_gb = gib_ceil(img.size.value_or(0));
  if (image_gb > size)
    return invalid_input("Size of specified image " + std::to_string(image_gb) +
                         "GB is larger than volume size " + std::to_string(size) + "GB.");
  if (size < img.min_disk)
    return invalid_input("Volume size " + std::to_string(size) +
                         "GB cannot be smaller than the image minDisk size " +
                         std::to_string(img.min_disk) + "GB.");
  if (img.virtual_size && gib_ceil(*img.virtual_size) > size)
    return domain_error{errc::bad_request, "Image " + img.id +
                                               " is unacceptable: Image virtual size is " +
                                               std::to_string(gib_ceil(*img.virtual_size)) +
                                               "GB and doesn't fit in a volume of size " +
                                               std::to_string(size) + "GB."};
  return std::nullopt;
}

// Cinder's volume_image_metadata of a volume made from `img`: every
// property of the image (kernel_id, ramdisk_id, os_command_line... what a
// boot from the volume needs), then the image's own attributes, as
// strings.
std::map<std::string, std::string> volume_image_metadata_of(const image_state& img) {
  std::map<std::string, std::string> m = img.properties;
  m["image_id"] = img.id;
  if (!img.name.empty()) m["image_name"] = img.name;
  if (!img.checksum.empty()) m["checksum"] = img.checksum;
  if (!img.container_format.empty()) m["container_format"] = img.container_format;
  if (!img.disk_format.empty()) m["disk_format"] = img.disk_format;
  m["min_disk"] = std::to_string(img.min_disk);
  m["min_ram"] = std::to_string(img.min_ram);
  if (img.size) m["size"] = std::to_string(*img.size);
  return m;
}

// Cinder's glance_core_properties (what a volume's image metadata says of
// the image it came from, not passed on to an image made of the volume)
// and Glance's reserved os_glance namespace.
bool passed_on(const std::string& key) {
  static const std::set<std::string> core{
      "checksum", "container_format", "disk_format", "image_name", "image_id",
      "min_disk", "min_ram",          "name",        "size"};
  return !core.count(key) && key.rfind("os_glance", 0) != 0;
}

// The create, once its image is known.
void create_with_image(block_storage_actor* self, volume_create_request req, const image_state& img,
                       caf::typed_response_promise<volume_state> promise) {
  auto& c = req.base;
  auto bad = check_volume_size(c.size);
  if (!bad) bad = check_image_fits(img, c.size);
  if (bad) {
    promise.deliver(to_caf_error(*bad));
    return;
  }
  c.image_id = img.id;
  c.volume_image_metadata = volume_image_metadata_of(img);
  begin_create(self, std::move(req), promise);
}

// Not an id the caller sees: a name, as Cinder looks next.
void create_with_image_named(block_storage_actor* self, volume_create_request req,
                             const std::string& name,
                             caf::typed_response_promise<volume_state> promise) {
  const image_viewer viewer{req.base.project_id, req.is_admin};
  self->request(self->state.images, registry_timeout, list_atom::value, image_atom::value)
      .then(
          [self, req, name, viewer, promise](std::vector<image_state>& all) mutable {
            const image_state* found = nullptr;
            for (const auto& img : all) {
              if (img.name != name || !image_visible(img, viewer)) continue;
              if (found) {
                promise.deliver(
                    to_caf_error({errc::conflict, "Multiple matches found for '" + req.image_ref +
                                                      "', use an ID to be more "
                                                      "specific."}));
                return;
              }
              found = &img;
            }
            if (!found) {
              promise.deliver(to_caf_error(invalid_image_ref()));
              return;
            }
            create_with_image(self, std::move(req), *found, promise);
          },
          [promise](caf::error& e) mutable { promise.deliver(e); });
}

// --- upload ---

struct upload_flow {
  volume_state volume;  // as it was when the upload began
  image_state image;
  event_metadata meta;
  std::filesystem::path part;  // the volume host writes here
  std::filesystem::path file;  // the image's file once whole
};
using upload_flow_ptr = std::shared_ptr<upload_flow>;

// An image that will not be whole: killed with the reason (Glance's own
// end of a failed upload, kept in its stream), then deleted as Cinder
// deletes it; `k` runs either way. A protected image is only killed.
void discard_image(block_storage_actor* self, const std::string& image_id,
                   const std::string& reason, const event_metadata& meta, std::function<void()> k) {
  auto remove = [self, image_id, meta, k] {
    self->request(self->state.images, registry_timeout, command_atom::value, image_id,
                  image::command{image::remove{}}, meta)
        .then([k](image_state&) { k(); },
              [image_id, k](caf::error& e) {
                spdlog::warn("block storage: image {} not deleted: {}", image_id,
                             from_caf_error(e).message);
                k();
              });
  };
  // One after the other: the delete is decided on the killed image.
  self->request(self->state.images, registry_timeout, command_atom::value, image_id,
                image::command{image::fail_upload{reason}}, meta)
      .then([remove](image_state&) { remove(); },
            [image_id, remove](caf::error& e) {
              spdlog::info("block storage: image {} not killed: {}", image_id,
                           from_caf_error(e).message);
              remove();
            });
}

// A failed upload: the image goes, then the volume is back to its status
// with the reason on its stream.
void upload_failed(block_storage_actor* self, upload_flow_ptr f, const std::string& reason) {
  spdlog::warn("[{}] block storage: upload of volume {} to image {} failed: {}", f->meta.request_id,
               f->volume.id, f->image.id, reason);
  std::error_code ec;
  std::filesystem::remove(f->part, ec);
  discard_image(self, f->image.id, reason, f->meta, [self, f, reason] {
    on_volume(
        self, f->volume.id, volume::fail_upload{reason}, f->meta, [](volume_state&) {},
        log_failure("recording the failed upload of " + f->volume.id));
  });
}

// The bytes are in the image's file: Glance records them (active, with
// the checksums of what it holds), then the volume is back.
void finish_upload(block_storage_actor* self, upload_flow_ptr f, const file_digest& sums) {
  std::error_code ec;
  std::filesystem::rename(f->part, f->file, ec);
  if (ec)
    return upload_failed(self, f, "The image's file could not be put in place: " + ec.message());
  // A volume is raw bytes of whole GiB: that is what the image holds,
  // whatever its format.
  image::finish_upload up{sums.size, sums.md5, "sha512", sums.sha512, f->volume.size * volume_gib};
  self->request(self->state.images, registry_timeout, command_atom::value, f->image.id,
                image::command{std::move(up)}, f->meta)
      .then(
          [self, f](image_state&) {
            on_volume(
                self, f->volume.id, volume::finish_upload{}, f->meta, [](volume_state&) {},
                log_failure("finishing the upload of " + f->volume.id));
          },
          // The image's delete takes its file along.
          [self, f](caf::error& e) { upload_failed(self, f, from_caf_error(e).message); });
}

// After the answer: saving, the volume host's copy, then finish_upload.
void copy_to_image(block_storage_actor* self, upload_flow_ptr f) {
  self->request(self->state.images, registry_timeout, command_atom::value, f->image.id,
                image::command{image::start_upload{}}, f->meta)
      .then(
          [self, f](image_state&) {
            volume_work w;
            w.what = volume_work::kind::upload_to_image;
            w.id = f->volume.id;
            w.image = f->part;
            w.image_format = f->image.disk_format;
            w.size_gb = f->volume.size;
            self->request(self->state.host, volume_work_timeout, upload_atom::value, std::move(w))
                .then([self, f](file_digest& sums) { finish_upload(self, f, sums); },
                      [self, f](caf::error& e) {
                        upload_failed(self, f, from_caf_error(e).message);
                      });
          },
          [self, f](caf::error& e) { upload_failed(self, f, from_caf_error(e).message); });
}

}  // namespace

void create_from_image(block_storage_actor* self, volume_create_request req,
                       caf::typed_response_promise<volume_state> promise) {
  // Nova's image URLs name the image by their last segment.
  std::string ref = req.image_ref;
  if (auto slash = ref.rfind('/'); slash != std::string::npos) ref = ref.substr(slash + 1);
  if (ref.empty()) {
    promise.deliver(to_caf_error(invalid_image_ref()));
    return;
  }
  credentials who;
  who.user_id = req.base.user_id;
  who.project_id = req.base.project_id;
  if (req.is_admin) who.roles.insert("admin");
  self->request(self->state.images, registry_timeout, caf::get_atom::value, image_atom::value, ref,
                who)
      .then(
          [self, req, promise](image_state& img) mutable {
            create_with_image(self, std::move(req), img, promise);
          },
          [self, req, ref, promise](caf::error& e) mutable {
            if (from_caf_error(e).code == errc::not_found)
              create_with_image_named(self, std::move(req), ref, promise);
            else
              promise.deliver(e);
          });
}

void image_work(const block_storage_state& st, const volume_state& v, volume_work& w) {
  w.what = volume_work::kind::create_from_image;
  w.image = image_file(st.image_dir, v.image_id);
  auto format = v.volume_image_metadata.find("disk_format");
  w.image_format = format == v.volume_image_metadata.end() ? "raw" : format->second;
}

caf::result<volume_upload_answer> upload_volume(block_storage_actor* self,
                                                volume_upload_request& req) {
  auto& st = self->state;
  auto it = st.volumes.find(req.volume_id);
  if (it == st.volumes.end() || !(req.is_admin || it->second.project_id == req.project_id))
    return to_caf_error(volume_not_found(req.volume_id));
  // Refused in the machine's words before any image is made.
  if (auto d = volume_machine::decide(it->second, volume::upload_to_image{"-"}); !d)
    return to_caf_error(d.error());
  auto f = std::make_shared<upload_flow>();
  f->volume = it->second;
  f->meta = req.meta;
  image::create c;
  c.name = req.image_name;
  c.owner = req.project_id;
  c.disk_format = req.disk_format;
  c.container_format = req.container_format;
  if (req.visibility) c.visibility = *req.visibility;
  c.is_protected = req.is_protected;
  // The image boots as the volume's own image did (Cinder's
  // _merge_volume_image_meta).
  for (const auto& [k, v] : f->volume.volume_image_metadata)
    if (passed_on(k)) c.properties[k] = v;
  const std::string image_id = new_random_uuid();
  f->part = st.image_dir / (image_id + ".volume.part");
  f->file = image_file(st.image_dir, image_id);
  std::optional<volume_type_state> type;
  if (const auto* t = st.type(f->volume.volume_type_id)) type = *t;
  auto promise = self->make_response_promise<volume_upload_answer>();
  self->request(st.images, registry_timeout, command_atom::value, image_id,
                image::command{std::move(c)}, f->meta)
      .then(
          [self, f, type, promise](image_state& img) mutable {
            f->image = img;
            on_volume(
                self, f->volume.id, volume::upload_to_image{img.id}, f->meta,
                [self, f, type, promise](volume_state& v) mutable {
                  promise.deliver(volume_upload_answer{v, f->image, type});
                  copy_to_image(self, f);
                },
                [self, f, promise](const caf::error& e) mutable {
                  // The volume changed in between: the image never began.
                  discard_image(self, f->image.id, from_caf_error(e).message, f->meta, [] {});
                  promise.deliver(e);
                });
          },
          // Cinder answers whatever Glance refused as a 400.
          [promise](caf::error& e) mutable {
            promise.deliver(to_caf_error({errc::bad_request, from_caf_error(e).message}));
          });
  return promise;
}

void resolve_upload(block_storage_actor* self, const volume_state& v, const event_metadata& meta) {
  const volume_state copy = v;
  auto resolve = [self, copy, meta](bool active) {
    volume::restart_facts facts;
    facts.upload_image_active = active;
    for (auto& c : resolve_after_restart(copy, facts)) {
      spdlog::warn("block storage: volume {} was uploading to image {} at restart; {}", copy.id,
                   copy.uploading_image_id, active ? "the image is whole" : "it is deleted");
      auto record = [self, id = copy.id, meta, c = std::move(c)]() mutable {
        on_volume(
            self, id, std::move(c), meta, [](volume_state&) {}, log_failure("resolving " + id));
      };
      // An admin's reset to `uploading` names no image: nothing to delete.
      if (active || copy.uploading_image_id.empty())
        record();
      else
        discard_image(self, copy.uploading_image_id, "The upload was interrupted by a restart.",
                      meta, record);
    }
  };
  if (copy.uploading_image_id.empty()) return resolve(false);
  // Awaited, as the start's other facts: no request is answered first.
  self->request(self->state.images, registry_timeout, caf::get_atom::value, image_atom::value,
                copy.uploading_image_id)
      .await([resolve](image_state& img) { resolve(img.status == "active"); },
             [resolve](caf::error&) { resolve(false); });
}

}  // namespace cumulo::block_storage_detail
