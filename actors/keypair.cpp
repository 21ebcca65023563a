// The keypair actor: one keypair (stream keypair/<uuid>); the compute actor is its door (names
// unique per user, key_pairs quota).
#include "actors/resource_actor.hpp"

namespace cumulo {

caf::behavior keypair_actor(resource_actor<keypair_machine>* self, caf::actor journal,
                            std::string id, std::optional<keypair_state> initial) {
  return resource_behavior<keypair_machine>(self, std::move(journal), std::move(id),
                                            std::move(initial));
}

// The server group actor: one server group (stream server_group/<uuid>); the
// compute actor is its door (quotas, membership at a server's create).
caf::behavior server_group_actor(resource_actor<server_group_machine>* self, caf::actor journal,
                                 std::string id, std::optional<server_group_state> initial) {
  return resource_behavior<server_group_machine>(self, std::move(journal), std::move(id),
                                                 std::move(initial));
}

}  // namespace cumulo
