// The router actor: owns one router's life (its stream router/<id>); the
// networking actor is its door.
#include "actors/resource_actor.hpp"

namespace cumulo {

caf::behavior router_actor(resource_actor<router_machine>* self, caf::actor journal, std::string id,
                           std::optional<router_state> initial) {
  return resource_behavior<router_machine>(self, std::move(journal), std::move(id),
                                           std::move(initial));
}

}  // namespace cumulo
