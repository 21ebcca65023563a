// The image actor: owns one image's life (its stream image/<id>).
#include "actors/resource_actor.hpp"

namespace cumulo {

caf::behavior image_actor(resource_actor<image_machine>* self, caf::actor journal, std::string id,
                         std::optional<image_state> initial) {
  return resource_behavior<image_machine>(self, std::move(journal), std::move(id),
                                         std::move(initial));
}

}  // namespace cumulo
