// The block storage resource actors: one volume (stream volume/<uuid>),
// volume snapshot (volume_snapshot/<uuid>), volume type (volume_type/<uuid>)
// or project's volume quota (volume_quota/<project>) each. They decide and
// record; the bytes are the volume host's (actors/volume_host.hpp), asked
// by the door (actors/block_storage.hpp) between the events.
#include "actors/block_storage_messages.hpp"

namespace cumulo {

caf::behavior volume_actor(resource_actor<volume_machine>* self, caf::actor journal, std::string id,
                           std::optional<volume_state> initial) {
  return resource_behavior<volume_machine>(self, std::move(journal), std::move(id),
                                           std::move(initial));
}

caf::behavior volume_snapshot_actor(resource_actor<volume_snapshot_machine>* self,
                                    caf::actor journal, std::string id,
                                    std::optional<volume_snapshot_state> initial) {
  return resource_behavior<volume_snapshot_machine>(self, std::move(journal), std::move(id),
                                                    std::move(initial));
}

caf::behavior volume_type_actor(resource_actor<volume_type_machine>* self, caf::actor journal,
                                std::string id, std::optional<volume_type_state> initial) {
  return resource_behavior<volume_type_machine>(self, std::move(journal), std::move(id),
                                                std::move(initial));
}

caf::behavior volume_quota_actor(resource_actor<volume_quota_machine>* self, caf::actor journal,
                                 std::string id, std::optional<volume_quota_state> initial) {
  return resource_behavior<volume_quota_machine>(self, std::move(journal), std::move(id),
                                                 std::move(initial));
}

}  // namespace cumulo
