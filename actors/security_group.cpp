// The security_group actor: owns one security_group's life (its stream security_group/<id>); the
// networking actor is its door.
#include "actors/resource_actor.hpp"

namespace cumulo {

caf::behavior security_group_actor(resource_actor<security_group_machine>* self, caf::actor journal,
                                   std::string id, std::optional<security_group_state> initial) {
  return resource_behavior<security_group_machine>(self, std::move(journal), std::move(id),
                                                   std::move(initial));
}

}  // namespace cumulo
