// The fold of a whole log: the state of every stream, of every kind. Used
// by the conductor at start (which resources are live) and by replay.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/agent_state.hpp"
#include "engine/event.hpp"
#include "engine/address_scope_state.hpp"
#include "engine/host_state.hpp"
#include "engine/compute_quota_state.hpp"
#include "engine/credential_state.hpp"
#include "engine/domain_state.hpp"
#include "engine/flavor_state.hpp"
#include "engine/group_state.hpp"
#include "engine/floatingip_state.hpp"
#include "engine/image_state.hpp"
#include "engine/instance_state.hpp"
#include "engine/keypair_state.hpp"
#include "engine/server_group_state.hpp"
#include "engine/network_state.hpp"
#include "engine/project_state.hpp"
#include "engine/quota_state.hpp"
#include "engine/region_state.hpp"
#include "engine/role_state.hpp"
#include "engine/router_state.hpp"
#include "engine/security_group_state.hpp"
#include "engine/service_state.hpp"
#include "engine/subnetpool_state.hpp"
#include "engine/user_state.hpp"
#include "engine/volume_quota_state.hpp"
#include "engine/volume_snapshot_state.hpp"
#include "engine/volume_state.hpp"
#include "engine/volume_type_state.hpp"

namespace cumulo {

using any_state =
    std::variant<project_state, network_state, image_state, instance_state, host_state, user_state,
                 role_state, domain_state, security_group_state, router_state, floatingip_state,
                 quota_state, flavor_state, keypair_state, compute_quota_state, region_state,
                 service_state, server_group_state, volume_state, volume_snapshot_state,
                 volume_type_state, volume_quota_state, credential_state, group_state,
                 subnetpool_state, address_scope_state, agent_state>;

// The stream kinds the log may hold, in the order they are listed.
const std::vector<std::string>& stream_kinds();

class log_fold {
 public:
  // Applies one event. Throws decode_error or invalid_event, and
  // invalid_event for a stream of an unknown kind. After a throw the state
  // of that event's stream is lost (it is moved through the machine, not
  // copied): callers stop at the first event that does not apply.
  void apply(const recorded_event& r);

  // A stream whose last event (version `last_version`, seq `last_seq`)
  // deletes it: its final state, a deleted resource, without decoding the
  // events before. For the start of a cloud only (the conductor respawns
  // live resources); replay and verify fold every event.
  void skip_deleted(const std::string& stream, std::int64_t last_version, std::int64_t last_seq);

  bool has(const std::string& stream) const { return states_.count(stream) != 0; }
  const any_state* find(const std::string& stream) const;
  template <class State>
  const State* get(const std::string& stream) const {
    const any_state* s = find(stream);
    return s ? std::get_if<State>(s) : nullptr;
  }
  // Exists and is not deleted.
  bool live(const std::string& stream) const;
  nlohmann::json state_json(const std::string& stream) const;
  // Streams in the order their first event appears in the log.
  const std::vector<std::string>& streams() const { return order_; }
  std::int64_t last_seq() const { return last_seq_; }
  std::int64_t events() const { return events_; }

 private:
  std::unordered_map<std::string, any_state> states_;
  std::vector<std::string> order_;
  std::int64_t last_seq_ = 0;
  std::int64_t events_ = 0;
};

}  // namespace cumulo
