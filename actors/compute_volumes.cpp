#include "actors/compute_volumes.hpp"

#include <spdlog/spdlog.h>

#include <memory>

#include "actors/block_storage.hpp"
#include "actors/conductor.hpp"
#include "actors/door.hpp"
#include "actors/errors.hpp"
#include "actors/instance.hpp"
#include "store/ids.hpp"

namespace cumulo {
namespace {

// Cinder's answers as Nova passes them on: what the volume cannot do is
// Nova's InvalidVolume (400); a missing volume stays a 404.
caf::error invalid_volume(const caf::error& e) {
  if (e.category() != caf::atom("cumulo")) return e;
  auto d = from_caf_error(e);
  if (d.code == errc::bad_request || d.code == errc::conflict)
    return to_caf_error({errc::bad_request, "Invalid volume: " + d.message});
  return e;
}

// The caller's server (404 otherwise) when it takes `c` now: its lock and
// its state, which Nova's API checks before it asks Cinder (409); then k.
void with_server_taking(caf::event_based_actor* self, const compute_volume_links& links,
                        const volume_attach_request& req, instance::command c,
                        std::function<void(instance_state&)> k, on_error fail) {
  if (!links.block_storage)
    return fail(to_caf_error({errc::unavailable, "Block storage is not available."}));
  auto not_found = [req] {
    return to_caf_error({errc::not_found, "Instance " + req.instance_id + " could not be found."});
  };
  self->request(links.conductor, conductor_timeout, caf::get_atom::value, instance_atom::value,
                req.instance_id)
      .then(
          [req, c, k, fail, not_found](instance_state& s) {
            if (!s.exists() || !(req.is_admin || s.project_id == req.project_id))
              return fail(not_found());
            if (auto locked = instance::check_lock(s, c, req.meta.caller_is_admin))
              return fail(to_caf_error(*locked));
            if (auto d = instance_machine::decide(s, c); !d) return fail(to_caf_error(d.error()));
            k(s);
          },
          [fail, not_found](caf::error& e) {
            if (e.category() == caf::atom("cumulo") && from_caf_error(e).code == errc::not_found)
              return fail(not_found());
            fail(e);
          });
}

// A step after the reservation failed: the attachment ends (the volume is
// available again), then the caller hears why.
void undo_attachment(caf::event_based_actor* self, const compute_volume_links& links,
                     const std::string& volume_id, const std::string& attachment_id,
                     const event_metadata& meta, caf::error why, on_error fail) {
  self->request(links.block_storage, conductor_timeout, attachment_atom::value,
                caf::delete_atom::value, volume_id, attachment_id, meta)
      .then([fail, why](volume_state&) { fail(why); },
            [fail, why, volume_id](caf::error& e) {
              spdlog::error("compute: cannot end the attachment of volume {}: {}", volume_id,
                            from_caf_error(e).message);
              fail(why);
            });
}

}  // namespace

caf::result<instance::volume_attachment> attach_volume_to_server(caf::event_based_actor* self,
                                                                 const compute_volume_links& links,
                                                                 volume_attach_request req) {
  auto promise = self->make_response_promise<instance::volume_attachment>();
  on_error fail = [promise](const caf::error& e) mutable { promise.deliver(e); };
  // A stand-in attachment: the checks look at the server, not at it.
  instance::volume_attachment probe{req.volume_id, "-", "-", "", false, -1, "-"};
  with_server_taking(
      self, links, req, instance::attach_volume{probe},
      [self, links, req, promise, fail](instance_state& s) mutable {
        const std::string device = instance::next_volume_device(s);
        if (device.empty())
          return fail(
              to_caf_error({errc::bad_request, "No free disk device names for prefix 'vd'"}));
        attachment_request a;
        a.attachment_id = new_uuid();
        a.volume_id = req.volume_id;
        a.server_id = s.id;
        a.project_id = req.project_id;
        a.is_admin = req.is_admin;
        a.meta = req.meta;
        const std::string host = s.host;
        self->request(links.block_storage, conductor_timeout, attachment_atom::value,
                      caf::add_atom::value, a)
            .then(
                [self, links, req, a, host, device, promise, fail](volume_state& v) mutable {
                  const bool read_only = v.readonly;
                  self->request(links.block_storage, conductor_timeout, attachment_atom::value,
                                caf::put_atom::value, req.volume_id, a.attachment_id, host, device,
                                req.meta)
                      .then(
                          [self, links, req, a, device, read_only, promise,
                           fail](volume_connection& conn) mutable {
                            instance::volume_attachment att;
                            att.volume_id = req.volume_id;
                            att.attachment_id = a.attachment_id;
                            att.device = device;
                            att.tag = req.tag;
                            att.delete_on_termination = req.delete_on_termination;
                            att.path = conn.location.path;
                            att.block_device = conn.location.block_device;
                            att.read_only = read_only;
                            auto undo = [self, links, req, a, fail](const caf::error& e) {
                              undo_attachment(self, links, req.volume_id, a.attachment_id, req.meta,
                                              e, fail);
                            };
                            self->request(links.conductor, conductor_timeout,
                                          volume_plug_atom::value, req.instance_id,
                                          instance::command{instance::attach_volume{att}}, req.meta)
                                .then(
                                    [self, links, req, att, promise](instance_state&) mutable {
                                      // Recorded on the server: Cinder calls it in-use.
                                      self->request(links.block_storage, conductor_timeout,
                                                    attachment_atom::value, caf::ok_atom::value,
                                                    req.volume_id, att.attachment_id, req.meta)
                                          .then(
                                              [promise, att](volume_state&) mutable {
                                                promise.deliver(att);
                                              },
                                              [promise](caf::error& e) mutable {
                                                promise.deliver(e);
                                              });
                                    },
                                    [undo](caf::error& e) { undo(e); });
                          },
                          [self, links, req, a, fail](caf::error& e) {
                            undo_attachment(self, links, req.volume_id, a.attachment_id, req.meta,
                                            invalid_volume(e), fail);
                          });
                },
                [fail](caf::error& e) { fail(invalid_volume(e)); });
      },
      fail);
  return promise;
}

caf::result<instance_state> detach_volume_from_server(caf::event_based_actor* self,
                                                      const compute_volume_links& links,
                                                      volume_attach_request req) {
  auto promise = self->make_response_promise<instance_state>();
  on_error fail = [promise](const caf::error& e) mutable { promise.deliver(e); };
  const instance::command c = instance::detach_volume{req.volume_id};
  with_server_taking(
      self, links, req, c,
      [self, links, req, c, promise, fail](instance_state& s) mutable {
        const std::string attachment_id = instance::find_volume(s, req.volume_id)->attachment_id;
        // Cinder first (detaching), so nothing else takes the volume while
        // the guest lets go of it.
        volume::command begin = volume::begin_detach{attachment_id};
        self->request(links.block_storage, conductor_timeout, command_atom::value,
                      volume_atom::value, req.volume_id, begin, req.meta)
            .then(
                [self, links, req, c, attachment_id, promise, fail](volume_state&) mutable {
                  self->request(links.conductor, conductor_timeout, volume_plug_atom::value,
                                req.instance_id, c, req.meta)
                      .then(
                          [self, links, req, attachment_id,
                           promise](instance_state& after) mutable {
                            self->request(links.block_storage, conductor_timeout,
                                          attachment_atom::value, caf::delete_atom::value,
                                          req.volume_id, attachment_id, req.meta)
                                .then([promise,
                                       after](volume_state&) mutable { promise.deliver(after); },
                                      [promise, after, req](caf::error& e) mutable {
                                        // The server let go: Cinder's restart ends it.
                                        spdlog::error(
                                            "compute: volume {} detached but not ended: {}",
                                            req.volume_id, from_caf_error(e).message);
                                        promise.deliver(after);
                                      });
                          },
                          [self, links, req, attachment_id, fail](caf::error& e) {
                            volume::command roll =
                                volume::roll_detaching{attachment_id, from_caf_error(e).message};
                            self->request(links.block_storage, conductor_timeout,
                                          command_atom::value, volume_atom::value, req.volume_id,
                                          roll, req.meta)
                                .then([fail, e](volume_state&) { fail(e); },
                                      [fail, e](caf::error&) { fail(e); });
                          });
                },
                [self, links, req, c, promise, fail](caf::error& e) mutable {
                  // A volume Cinder no longer has (deleted under an admin's
                  // reset): the server still lets go of it.
                  if (!(e.category() == caf::atom("cumulo") &&
                        from_caf_error(e).code == errc::not_found))
                    return fail(invalid_volume(e));
                  self->request(links.conductor, conductor_timeout, volume_plug_atom::value,
                                req.instance_id, c, req.meta)
                      .then([promise](instance_state& after) mutable { promise.deliver(after); },
                            [fail](caf::error& e2) { fail(e2); });
                });
      },
      fail);
  return promise;
}

}  // namespace cumulo
