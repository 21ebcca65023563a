// What the block storage actors (Cinder's) send one another: the resource
// kinds' atoms and the CAF registrations of their states and commands, in a
// header of their own so that only the translation units that speak of
// volumes include it (the conductor, the volume actors, the door, the volume
// host), not every actor of the cloud.
#pragma once

#include <caf/all.hpp>

#include <optional>
#include <string>
#include <vector>

#include "actors/resource_actor.hpp"
#include "engine/volume_quota_state.hpp"
#include "engine/volume_snapshot_state.hpp"
#include "engine/volume_state.hpp"
#include "engine/volume_type_state.hpp"

namespace cumulo {

using volume_atom = caf::atom_constant<caf::atom("volume")>;
using volume_snapshot_atom = caf::atom_constant<caf::atom("vsnapshot")>;
using volume_type_atom = caf::atom_constant<caf::atom("vtype")>;
using volume_quota_atom = caf::atom_constant<caf::atom("vquota")>;
// A volume's bytes into an image (the door's os-volume_upload_image, and
// the volume host's copy for it).
using upload_atom = caf::atom_constant<caf::atom("upload")>;

// The resource actors of the four kinds (actors/volume.cpp): each the
// generic resource behaviour on its own stream.
caf::behavior volume_actor(resource_actor<volume_machine>* self, caf::actor journal, std::string id,
                           std::optional<volume_state> initial);
caf::behavior volume_snapshot_actor(resource_actor<volume_snapshot_machine>* self,
                                    caf::actor journal, std::string id,
                                    std::optional<volume_snapshot_state> initial);
caf::behavior volume_type_actor(resource_actor<volume_type_machine>* self, caf::actor journal,
                                std::string id, std::optional<volume_type_state> initial);
caf::behavior volume_quota_actor(resource_actor<volume_quota_machine>* self, caf::actor journal,
                                 std::string id, std::optional<volume_quota_state> initial);

}  // namespace cumulo

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::volume_state)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<cumulo::volume_state>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::volume::command)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::volume_snapshot_state)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<cumulo::volume_snapshot_state>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::volume_snapshot::command)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::volume_type_state)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<cumulo::volume_type_state>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::volume_type::command)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::volume_quota_state)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<cumulo::volume_quota_state>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::volume_quota::command)
