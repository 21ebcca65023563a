// The floatingip actor: owns one floatingip's life (its stream floatingip/<id>); the
// networking actor is its door.
#include "actors/resource_actor.hpp"

namespace cumulo {

caf::behavior floatingip_actor(resource_actor<floatingip_machine>* self, caf::actor journal,
                               std::string id, std::optional<floatingip_state> initial) {
  return resource_behavior<floatingip_machine>(self, std::move(journal), std::move(id),
                                               std::move(initial));
}

}  // namespace cumulo
