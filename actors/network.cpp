// The network actor: owns one network's life (its stream network/<id>).
#include "actors/resource_actor.hpp"

namespace cumulo {

caf::behavior network_actor(resource_actor<network_machine>* self, caf::actor journal, std::string id,
                         std::optional<network_state> initial) {
  return resource_behavior<network_machine>(self, std::move(journal), std::move(id),
                                         std::move(initial));
}

}  // namespace cumulo
