// The compute door's half of Nova's os-volume_attachments (nova/compute/
// api.py attach_volume and detach_volume): the flow that crosses compute
// and block storage, run by the compute door (actors/compute.hpp).
//
// Attach: the server (the caller's, 404) takes volumes in its state (409);
// the volume (the caller's, 404) is reserved for it and connected for its
// host (Cinder's attachment create and update: a volume that cannot take
// one is Nova's 400 "Invalid volume: ..."), the server's actor has the host
// plug it in and records it (instance.volume_attached), then Cinder
// completes it (in-use). A step that fails ends the attachment: the volume
// is available again.
// Detach: the server must have it (404) and not boot from it (400); Cinder
// marks it detaching, the server's actor unplugs it and records that, then
// Cinder ends the attachment (available). An unplug that fails (a guest
// that holds on) puts the volume back in-use.
#pragma once

#include <caf/all.hpp>

#include <string>

#include "actors/messages.hpp"
#include "engine/instance_state.hpp"

namespace cumulo {

// os-volume_attachments as the route parsed it.
struct volume_attach_request {
  std::string instance_id;
  std::string volume_id;
  std::string tag;                     // 2.49
  bool delete_on_termination = false;  // 2.79
  std::string project_id;              // the caller's
  bool is_admin = false;
  event_metadata meta;
};

struct compute_volume_links {
  caf::actor conductor;
  caf::actor block_storage;
};

caf::result<instance::volume_attachment> attach_volume_to_server(caf::event_based_actor* self,
                                                                 const compute_volume_links& links,
                                                                 volume_attach_request req);

// The server's state after the detach.
caf::result<instance_state> detach_volume_from_server(caf::event_based_actor* self,
                                                      const compute_volume_links& links,
                                                      volume_attach_request req);

}  // namespace cumulo

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::volume_attach_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::instance::volume_attachment)
