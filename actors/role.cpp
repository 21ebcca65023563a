// The role actor: owns one role's life (its stream role/<id>).
#include "actors/resource_actor.hpp"

namespace cumulo {

caf::behavior role_actor(resource_actor<role_machine>* self, caf::actor journal, std::string id,
                         std::optional<role_state> initial) {
  return resource_behavior<role_machine>(self, std::move(journal), std::move(id),
                                         std::move(initial));
}

}  // namespace cumulo
