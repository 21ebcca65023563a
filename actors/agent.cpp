// The agent actor: owns one Neutron agent's stream (agent/<id>); the
// networking actor is its door (actors/networking_agents.cpp).
#include "actors/resource_actor.hpp"

namespace cumulo {

caf::behavior agent_actor(resource_actor<agent_machine>* self, caf::actor journal, std::string id,
                          std::optional<agent_state> initial) {
  return resource_behavior<agent_machine>(self, std::move(journal), std::move(id),
                                          std::move(initial));
}

}  // namespace cumulo
