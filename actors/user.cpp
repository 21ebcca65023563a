// The user actor: owns one user's life (its stream user/<id>). Passwords
// reach it already hashed: the slow hash is never computed inside an actor.
#include "actors/resource_actor.hpp"

namespace cumulo {

caf::behavior user_actor(resource_actor<user_machine>* self, caf::actor journal, std::string id,
                         std::optional<user_state> initial) {
  return resource_behavior<user_machine>(self, std::move(journal), std::move(id),
                                         std::move(initial));
}

}  // namespace cumulo
