// What Neutron's subnet pools and address scopes send through the actors:
// the kinds' atoms, their resource actors (actors/subnetpool.cpp) and the
// CAF registrations of their states and commands, in a header of their own
// so that only the files that speak of them include it (the conductor, the
// networking door, the API's routes).
#pragma once

#include <caf/all.hpp>

#include <optional>
#include <string>
#include <vector>

#include "actors/resource_actor.hpp"
#include "engine/address_scope_state.hpp"
#include "engine/subnetpool_state.hpp"

namespace cumulo {

using subnetpool_atom = caf::atom_constant<caf::atom("subnetpool")>;
using address_scope_atom = caf::atom_constant<caf::atom("addrscope")>;

caf::behavior subnetpool_actor(resource_actor<subnetpool_machine>* self, caf::actor journal,
                               std::string id, std::optional<subnetpool_state> initial);
caf::behavior address_scope_actor(resource_actor<address_scope_machine>* self, caf::actor journal,
                                  std::string id, std::optional<address_scope_state> initial);

}  // namespace cumulo

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::subnetpool_state)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<cumulo::subnetpool_state>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::subnetpool::command)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::address_scope_state)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<cumulo::address_scope_state>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::address_scope::command)
