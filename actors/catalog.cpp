// The region and service actors: each owns one region's or one catalog
// service's life (its stream region/<id>, service/<id>; a service's
// endpoints live in its stream).
#include "actors/resource_actor.hpp"

namespace cumulo {

caf::behavior region_actor(resource_actor<region_machine>* self, caf::actor journal, std::string id,
                           std::optional<region_state> initial) {
  return resource_behavior<region_machine>(self, std::move(journal), std::move(id),
                                           std::move(initial));
}

caf::behavior service_actor(resource_actor<service_machine>* self, caf::actor journal,
                            std::string id, std::optional<service_state> initial) {
  return resource_behavior<service_machine>(self, std::move(journal), std::move(id),
                                            std::move(initial));
}

}  // namespace cumulo
