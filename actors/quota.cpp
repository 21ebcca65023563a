// The quota actor: one project's Neutron quotas (stream quota/<project id>);
// the networking actor is its door and the one that enforces them.
#include "actors/resource_actor.hpp"

namespace cumulo {

caf::behavior quota_actor(resource_actor<quota_machine>* self, caf::actor journal, std::string id,
                          std::optional<quota_state> initial) {
  return resource_behavior<quota_machine>(self, std::move(journal), std::move(id),
                                          std::move(initial));
}

}  // namespace cumulo
