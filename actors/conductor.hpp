// The conductor supervises every resource actor and the scheduler. At start
// it is given the fold of the log and respawns every live resource from it;
// a resource actor that dies abnormally is respawned from its stream.
//   (command_atom, id, X::command, meta)  -> X_state   (X: project, user, role, domain, network,
//                                                       image, instance, flavor, keypair, agent,
//                                                       compute_quota, volume, volume_snapshot,
//                                                       volume_type, volume_quota: their
//                                                       atoms in actors/block_storage_messages.hpp)
//   (get_atom, X_atom, id)                -> X_state
//   (list_atom, X_atom)                   -> std::vector<X_state> of the live ones
//   (crash_atom, stream)                  -> ok_atom after the child was told to die
//   (restarts_atom)                       -> std::uint64_t restarts so far
//   (children_atom)                       -> std::uint64_t resource actors alive now (a
//       deleted resource's actor retires once it has answered; a later command folds its
//       stream again, so a reused id continues the stream)
//   (get_atom, scheduler_atom)            -> the scheduler actor
// Instances (Nova's conductor; the work runs in the instance's actor, see
// actors/instance.hpp):
//   (launch_atom, instance::request, meta) -> instance_state (its new id, BUILD/scheduling)
//       once instance.requested is durable; scheduling, ports, image and spawn go on
//       asynchronously and end in ACTIVE or ERROR with a fault. Refusals: 400 for a bad
//       name or flavor; unavailable before the compute hosts are up.
//   (action_atom, id, instance::command, meta) -> instance_state once the request event
//       (stop, start, reboot, pause, unpause, suspend, resume, rename, remove) is durable;
//       409 with Nova's text in a wrong state, 404 for an unknown id
//   (console_atom, id, int32 lines)        -> std::string, the console's last lines
//   (volume_plug_atom, id, instance::command, meta) -> instance_state: a volume plugged in
//       (attach_volume) or unplugged (detach_volume) and recorded (actors/instance.hpp)
//   (put_atom, compute_links_ptr)          -> ok_atom, once the instances in flight at the
//       start are resolved (the cloud sends it when the compute hosts are up)
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "actors/messages.hpp"

namespace cumulo {

using scheduler_atom = caf::atom_constant<caf::atom("scheduler")>;
using children_atom = caf::atom_constant<caf::atom("children")>;

caf::actor spawn_conductor(caf::actor_system& sys, caf::actor journal, log_fold_ptr fold);

}  // namespace cumulo
