// The block storage door's attachments (Cinder's attachment API): a volume
// reserved for a server, connected by the server's host (attaching, with
// where its bytes are), completed (in-use), and ended. The volume's machine
// (engine/volume_state) decides each step; the door checks whose volume it
// is and finds the bytes. Nova's os-volume_attachments flow
// (actors/instance.cpp) walks these steps for a server; a client of Cinder's
// API may walk them itself.
#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/block_storage_internal.hpp"
#include "store/wall_clock.hpp"

namespace cumulo::block_storage_detail {

namespace {

domain_error attachment_not_found(const std::string& id) {
  return {errc::not_found, "Attachment " + id + " could not be found."};
}

const volume_attachment* find_attachment(const volume_state& v, const std::string& id) {
  for (const auto& a : v.attachments)
    if (a.id == id) return &a;
  return nullptr;
}

}  // namespace

caf::result<volume_state> create_attachment(block_storage_actor* self, attachment_request& req) {
  auto it = self->state.volumes.find(req.volume_id);
  if (it == self->state.volumes.end() || !(req.is_admin || it->second.project_id == req.project_id))
    return to_caf_error(volume_not_found(req.volume_id));
  auto promise = self->make_response_promise<volume_state>();
  on_volume(
      self, req.volume_id, volume::reserve{req.attachment_id, req.server_id}, req.meta,
      [self, promise, req](volume_state& v) mutable {
        if (req.host_name.empty()) {
          promise.deliver(v);
          return;
        }
        // A connector came with it: the host connects at once (attaching).
        on_volume(
            self, req.volume_id, volume::start_attach{req.attachment_id, req.host_name, req.device},
            req.meta, [promise](volume_state& s) mutable { promise.deliver(s); },
            [self, promise, req](const caf::error& e) mutable {
              // Not left reserved for a connection that was refused.
              on_volume(
                  self, req.volume_id, volume::fail_attach{req.attachment_id, "refused"}, req.meta,
                  [](volume_state&) {}, log_failure("dropping attachment " + req.attachment_id));
              promise.deliver(e);
            });
      },
      fail_to(promise));
  return promise;
}

caf::result<volume_connection> connect_attachment(
    block_storage_actor* self, const std::string& volume_id, const std::string& attachment_id,
    const std::string& host, const std::string& device, const event_metadata& meta) {
  if (!self->state.volumes.count(volume_id)) return to_caf_error(volume_not_found(volume_id));
  auto promise = self->make_response_promise<volume_connection>();
  on_volume(
      self, volume_id, volume::start_attach{attachment_id, host, device}, meta,
      [self, promise, volume_id](volume_state& v) mutable {
        self->request(self->state.host, volume_facts_timeout, caf::get_atom::value,
                      volume_atom::value, volume_id, location_atom::value)
            .then(
                [promise, v](volume_location& l) mutable {
                  promise.deliver(volume_connection{v, l});
                },
                [promise](caf::error& e) mutable { promise.deliver(e); });
      },
      fail_to(promise));
  return promise;
}

caf::result<volume_state> complete_attachment(block_storage_actor* self,
                                              const std::string& volume_id,
                                              const std::string& attachment_id,
                                              const event_metadata& meta) {
  if (!self->state.volumes.count(volume_id)) return to_caf_error(volume_not_found(volume_id));
  auto promise = self->make_response_promise<volume_state>();
  on_volume(
      self, volume_id, volume::complete_attach{attachment_id, now_us()}, meta,
      [promise](volume_state& v) mutable { promise.deliver(v); }, fail_to(promise));
  return promise;
}

caf::result<volume_state> end_attachment(block_storage_actor* self, const std::string& volume_id,
                                         const std::string& attachment_id,
                                         const event_metadata& meta) {
  auto it = self->state.volumes.find(volume_id);
  if (it == self->state.volumes.end()) return to_caf_error(volume_not_found(volume_id));
  const auto* a = find_attachment(it->second, attachment_id);
  if (!a) return to_caf_error(attachment_not_found(attachment_id));
  auto promise = self->make_response_promise<volume_state>();
  auto deliver = [promise](volume_state& v) mutable { promise.deliver(v); };
  if (a->attach_status == "reserved" || a->attach_status == "attaching") {
    on_volume(self, volume_id, volume::fail_attach{attachment_id, "The attachment was deleted."},
              meta, deliver, fail_to(promise));
  } else if (a->attach_status == "detaching") {
    on_volume(self, volume_id, volume::finish_detach{attachment_id}, meta, deliver,
              fail_to(promise));
  } else {
    on_volume(
        self, volume_id, volume::begin_detach{attachment_id}, meta,
        [self, promise, deliver, volume_id, attachment_id, meta](volume_state&) mutable {
          on_volume(self, volume_id, volume::finish_detach{attachment_id}, meta, deliver,
                    fail_to(promise));
        },
        fail_to(promise));
  }
  return promise;
}

caf::result<volume_state> volume_of_attachment(block_storage_actor* self,
                                               const std::string& attachment_id) {
  for (const auto& [_, v] : self->state.volumes)
    if (find_attachment(v, attachment_id)) return v;
  return to_caf_error(attachment_not_found(attachment_id));
}

caf::result<volume_location> locate_volume(block_storage_actor* self,
                                           const std::string& volume_id) {
  if (!self->state.volumes.count(volume_id)) return to_caf_error(volume_not_found(volume_id));
  auto promise = self->make_response_promise<volume_location>();
  self->request(self->state.host, volume_facts_timeout, caf::get_atom::value, volume_atom::value,
                volume_id, location_atom::value)
      .then([promise](volume_location& l) mutable { promise.deliver(l); },
            [promise](caf::error& e) mutable { promise.deliver(e); });
  return promise;
}

}  // namespace cumulo::block_storage_detail
