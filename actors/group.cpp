// The group actor: owns one Keystone group's life (its stream group/<id>):
// the group, its members and its role assignments on projects.
#include "actors/resource_actor.hpp"

namespace cumulo {

caf::behavior group_actor(resource_actor<group_machine>* self, caf::actor journal, std::string id,
                          std::optional<group_state> initial) {
  return resource_behavior<group_machine>(self, std::move(journal), std::move(id),
                                          std::move(initial));
}

}  // namespace cumulo
