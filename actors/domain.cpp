// The domain actor: owns one domain's life (its stream domain/<id>). The
// built-in Default domain has no actor.
#include "actors/resource_actor.hpp"

namespace cumulo {

caf::behavior domain_actor(resource_actor<domain_machine>* self, caf::actor journal, std::string id,
                           std::optional<domain_state> initial) {
  return resource_behavior<domain_machine>(self, std::move(journal), std::move(id),
                                           std::move(initial));
}

}  // namespace cumulo
