// The project actor: owns one project's life (its stream project/<id>).
#include "actors/resource_actor.hpp"

namespace cumulo {

caf::behavior project_actor(resource_actor<project_machine>* self, caf::actor journal, std::string id,
                         std::optional<project_state> initial) {
  return resource_behavior<project_machine>(self, std::move(journal), std::move(id),
                                         std::move(initial));
}

}  // namespace cumulo
