// The instance actor: owns one instance's life (its stream instance/<id>).
#include "actors/resource_actor.hpp"

namespace cumulo {

caf::behavior instance_actor(resource_actor<instance_machine>* self, caf::actor journal, std::string id,
                         std::optional<instance_state> initial) {
  return resource_behavior<instance_machine>(self, std::move(journal), std::move(id),
                                         std::move(initial));
}

}  // namespace cumulo
