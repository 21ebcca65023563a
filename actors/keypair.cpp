// The keypair actor: one keypair (stream keypair/<uuid>); the compute actor is its door (names
// unique per user, key_pairs quota).
#include "actors/resource_actor.hpp"

namespace cumulo {

caf::behavior keypair_actor(resource_actor<keypair_machine>* self, caf::actor journal,
                            std::string id, std::optional<keypair_state> initial) {
  return resource_behavior<keypair_machine>(self, std::move(journal), std::move(id),
                                            std::move(initial));
}

}  // namespace cumulo
