// The conductor supervises every resource actor and the scheduler. At start
// it is given the fold of the log and respawns every live resource from it;
// a resource actor that dies abnormally is respawned from its stream.
//   (command_atom, id, X::command, meta)  -> X_state   (X: project, user, role, domain, network,
//                                                       image, instance, flavor, keypair,
//                                                       compute_quota)
//   (get_atom, X_atom, id)                -> X_state
//   (list_atom, X_atom)                   -> std::vector<X_state> of the live ones
//   (crash_atom, stream)                  -> ok_atom after the child was told to die
//   (restarts_atom)                       -> std::uint64_t restarts so far
//   (get_atom, scheduler_atom)            -> the scheduler actor
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "actors/messages.hpp"

namespace cumulo {

using scheduler_atom = caf::atom_constant<caf::atom("scheduler")>;

caf::actor spawn_conductor(caf::actor_system& sys, caf::actor journal, log_fold_ptr fold);

}  // namespace cumulo
