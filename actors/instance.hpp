// The instance actor owns one instance's life (stream instance/<id>) and
// runs Nova's conductor and compute-manager side of it: the launch (host,
// ports, image, spawn), the user's actions on the domain and the delete.
// Every step is an event of its own stream; the user's request is answered
// once its event is durable, the work goes on asynchronously, one operation
// at a time (a delete that arrives during a build waits for the build's
// current step, which then stops).
//
//   (caf::get_atom)                          -> instance_state
//   (command_atom, instance::command, meta)  -> instance_state: the state machine only, no
//                                               driver work (progress reports, tests, replay)
//   (caf::put_atom, compute_links_ptr)       -> (no answer) where the scheduler, networking,
//                                               compute hosts and images are; the conductor
//                                               sends it right after spawning the actor
//   (launch_atom, instance::request, meta)   -> instance_state once instance.requested is
//                                               durable; the launch then goes on
//   (action_atom, instance::command, meta)   -> instance_state once the request event
//                                               (stop_requested, delete_requested, ...) is
//                                               durable; the driver call and the completion
//                                               event follow. Only user commands (stop, start,
//                                               reboot, pause, unpause, suspend, resume,
//                                               rename, remove).
//                                               A snapshot (the compute door made its image)
//                                               copies the disk on the host, then uploads the
//                                               copy through the image registry.
//   (volume_plug_atom, instance::command, meta) -> instance_state: attach_volume (the
//                                               compute door reserved and connected the
//                                               volume: the host plugs it in, then it is
//                                               recorded) or detach_volume (unplugged, then
//                                               recorded); Nova's compute manager's half of
//                                               os-volume_attachments
//   (resolve_atom, meta)                     -> instance_state once an operation interrupted by
//                                               a restart is resolved (see the conductor)
//   (console_atom, int32 lines)              -> std::string: the console's last lines
//   (crash_atom)                             -> dies abnormally
#pragma once

#include <caf/all.hpp>

#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "actors/compute_host.hpp"
#include "actors/messages.hpp"

namespace cumulo {

using launch_atom = caf::atom_constant<caf::atom("launch")>;
using action_atom = caf::atom_constant<caf::atom("action")>;
using resolve_atom = caf::atom_constant<caf::atom("resolve")>;
using volume_plug_atom = caf::atom_constant<caf::atom("vplug")>;

// The actors an instance works with. Set once at start by the cloud.
struct compute_links {
  caf::actor conductor;  // images
  caf::actor scheduler;
  caf::actor networking;
  caf::actor image_registry;              // a snapshot's image (Glance's door)
  caf::actor block_storage;               // the volumes a delete lets go of (Cinder's door)
  // Nova's door: told where the instance is after each change of its ports
  // (the metadata service's index), asked for its config drive's metadata.
  caf::actor compute;
  // Real guests get a config drive: a spawn asks the door for its data.
  bool config_drives = false;
  std::shared_ptr<host_directory> hosts;  // compute hosts by name
  std::filesystem::path images_dir;       // an image's file: images_dir/<image id>
  // How long a spawn may take before the build gives the host up and is
  // rescheduled (a hung hypervisor), and how many hosts a build tries
  // (Nova's [scheduler] max_attempts).
  std::chrono::seconds spawn_timeout{300};
  int max_attempts = 3;
};
using compute_links_ptr = std::shared_ptr<const compute_links>;

// os-interface as the compute door resolved it: attach the caller's port
// (port_id) or one made on network_id (at fixed_ip when given); detach
// port_id.
struct interface_change {
  bool attach = true;
  std::string port_id;
  std::string network_id;
  std::string fixed_ip;
};

struct instance_actor_state {
  instance_state s;
  caf::actor journal;
  compute_links_ptr links;
  std::vector<std::string> failed_hosts;     // hosts this build failed on (reschedules)
  std::string last_failure;                  // why it failed there last
  std::string admin_pass;                    // for the build's config drive only (never recorded)
  bool busy = false;                         // an operation is running
  std::deque<std::function<void()>> queued;  // operations waiting for it
  static inline const char* name = "instance";
};

using instance_actor_type = caf::stateful_actor<instance_actor_state>;

}  // namespace cumulo

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::compute_links_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::instance::request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::interface_change)
