// The flavor actor: one flavor (stream flavor/<id>); the compute actor is its door (unique names).
#include "actors/resource_actor.hpp"

namespace cumulo {

caf::behavior flavor_actor(resource_actor<flavor_machine>* self, caf::actor journal, std::string id,
                           std::optional<flavor_state> initial) {
  return resource_behavior<flavor_machine>(self, std::move(journal), std::move(id),
                                           std::move(initial));
}

}  // namespace cumulo
