// The credential actor: owns one credential's life (its stream
// credential/<id>); the identity actor decides who may change it and seals
// its blob before a command reaches it.
#include "actors/credential_messages.hpp"

namespace cumulo {

caf::behavior credential_actor(resource_actor<credential_machine>* self, caf::actor journal,
                               std::string id, std::optional<credential_state> initial) {
  return resource_behavior<credential_machine>(self, std::move(journal), std::move(id),
                                               std::move(initial));
}

}  // namespace cumulo
