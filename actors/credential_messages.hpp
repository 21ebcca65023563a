// What the identity actor and the conductor say of credentials (Keystone's
// /v3/credentials and EC2 credentials): the atoms, the credential actor
// (actors/credential.cpp: the generic resource behaviour on credential/<id>)
// and the CAF registrations, in a header of their own so that only the
// translation units that speak of credentials include it.
#pragma once

#include <caf/all.hpp>

#include <optional>
#include <string>
#include <vector>

#include "actors/resource_actor.hpp"
#include "engine/credential_state.hpp"

namespace cumulo {

using credential_atom = caf::atom_constant<caf::atom("credential")>;
// The OS-EC2 requests under /v3/users/{id}/credentials/OS-EC2.
using ec2_credential_atom = caf::atom_constant<caf::atom("ec2cred")>;

caf::behavior credential_actor(resource_actor<credential_machine>* self, caf::actor journal,
                               std::string id, std::optional<credential_state> initial);

}  // namespace cumulo

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::credential_state)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<cumulo::credential_state>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::credential::command)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::credential_view)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<cumulo::credential_view>)
