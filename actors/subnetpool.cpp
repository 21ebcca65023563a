// The resource actors of Neutron's subnet pools (stream subnetpool/<uuid>)
// and address scopes (address_scope/<uuid>); the networking actor is their
// door (actors/networking_pools.cpp).
#include "actors/subnetpool_messages.hpp"

namespace cumulo {

caf::behavior subnetpool_actor(resource_actor<subnetpool_machine>* self, caf::actor journal,
                               std::string id, std::optional<subnetpool_state> initial) {
  return resource_behavior<subnetpool_machine>(self, std::move(journal), std::move(id),
                                               std::move(initial));
}

caf::behavior address_scope_actor(resource_actor<address_scope_machine>* self, caf::actor journal,
                                  std::string id, std::optional<address_scope_state> initial) {
  return resource_behavior<address_scope_machine>(self, std::move(journal), std::move(id),
                                                  std::move(initial));
}

}  // namespace cumulo
