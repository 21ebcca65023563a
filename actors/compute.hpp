// The compute actor: Nova's API side in the actor core (as the networking
// actor is Neutron's). Each flavor, keypair and project quota set is a
// resource actor under the conductor; this actor keeps the index the API
// lists from, serialises the rules that span resources (flavor names and
// ids unique, keypair names unique per user), and owns the compute quotas
// with the usage counted against them, in-flight launches included.
//
// Flavors:
//   (command_atom, flavor_id, flavor::command, meta)       -> flavor_state
//       create: 409 "Flavor with name N already exists." / "Flavor with ID I already exists."
//   (caf::get_atom, flavor_atom, flavor_id)                -> flavor_state (404 itemNotFound)
//   (list_atom, flavor_atom)                               -> std::vector<flavor_state>
//                                                             (live ones, by id as Nova)
// Keypairs (belong to a user; the quota key_pairs is the limit of project_id):
//   (command_atom, keypair_atom, project_id, keypair::command, meta) -> keypair_state
//       only keypair::create: 409 "Key pair 'N' already exists.", 403 "Quota exceeded, too
//       many key pairs."
//   (caf::delete_atom, keypair_atom, user_id, name, meta)  -> keypair_state (deleted; 404)
//   (caf::get_atom, keypair_atom, user_id, name)           -> keypair_state
//       (404 "Keypair N not found for user U")
//   (list_atom, keypair_atom, user_id)                     -> std::vector<keypair_state>
//       ("" lists every user's)
// Quotas (Nova's defaults unless an admin changed them):
//   (caf::get_atom, compute_quota_atom, project_id)        -> compute_quota_set
//   (compute_quota_atom, project_id, compute_quota::command, meta) -> compute_quota_set
//       update: 400 for an unknown key, a limit below -1, or (unless force) below the usage
//   (caf::get_atom, usage_atom, project_id)                -> compute_usage
//       committed instances plus reservations in flight
// Instance quota, for the launch of servers (reserve before the instance's
// first event; commit once it is recorded; release when the launch is given
// up, or when the instance is deleted):
//   (reserve_atom, project_id, compute_usage wanted)       -> std::string reservation id
//       403 forbidden "Quota exceeded for instances: Requested 1, but already used 10 of
//       10 instances" (cores, ram likewise; several: "cores,instances: ...")
//   (commit_atom, reservation_id, instance_id)             -> caf::ok_atom
//       the reservation becomes the instance's usage (404 for an unknown reservation)
//   (release_atom, reservation_id)                         -> caf::ok_atom (unknown: nothing)
//   (release_atom, instance_atom, instance_id)             -> caf::ok_atom: a deleted
//       instance's usage is freed (unknown: nothing)
// At start the usage is counted from the live instances in the log.
// Hypervisors and services, through the scheduler (its host streams):
//   (list_atom, hypervisor_atom)                           -> std::vector<host_state>
//   (command_atom, hostname, host::command, meta)          -> host_state (enable, disable)
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "actors/messages.hpp"
#include "engine/compute_quota_state.hpp"

namespace cumulo {

using usage_atom = caf::atom_constant<caf::atom("usage")>;
using reserve_atom = caf::atom_constant<caf::atom("reserve")>;
using commit_atom = caf::atom_constant<caf::atom("commit")>;
using hypervisor_atom = caf::atom_constant<caf::atom("hypervisor")>;

// Nova's default flavors, made as events at the first start of a data dir
// (actors/compute_bootstrap.hpp).
struct default_flavor {
  const char* id;
  const char* name;
  std::int64_t ram;
  int vcpus;
  std::int64_t disk;
};
inline constexpr default_flavor default_flavors[] = {
    {"1", "m1.tiny", 512, 1, 1},       {"2", "m1.small", 2048, 1, 20},
    {"3", "m1.medium", 4096, 2, 40},   {"4", "m1.large", 8192, 4, 80},
    {"5", "m1.xlarge", 16384, 8, 160},
};

caf::actor spawn_compute(caf::actor_system& sys, caf::actor conductor);

}  // namespace cumulo

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::compute_quota_set)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::compute_usage)
