// The compute_quota actor: one project's Nova quotas (stream compute_quota/<project id>); the
// compute actor is its door and the one that enforces them.
#include "actors/resource_actor.hpp"

namespace cumulo {

caf::behavior compute_quota_actor(resource_actor<compute_quota_machine>* self, caf::actor journal,
                                  std::string id, std::optional<compute_quota_state> initial) {
  return resource_behavior<compute_quota_machine>(self, std::move(journal), std::move(id),
                                                  std::move(initial));
}

}  // namespace cumulo
