// The message interface of the actor layer: atoms, and the C++ types that
// travel in messages. cumulo runs in one process, so message types are
// local-only (never serialized): CAF_ALLOW_UNSAFE_MESSAGE_TYPE instead of an
// inspect() per type. Keep this header light: it is included everywhere.
#pragma once

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/event_store.hpp"
#include "engine/log_fold.hpp"
#include "engine/policy.hpp"
#include "engine/scheduling.hpp"

namespace cumulo {

// journal
using append_atom = caf::atom_constant<caf::atom("append")>;
using flush_atom = caf::atom_constant<caf::atom("flush")>;
using read_atom = caf::atom_constant<caf::atom("read")>;
using fold_atom = caf::atom_constant<caf::atom("fold")>;
using stats_atom = caf::atom_constant<caf::atom("stats")>;
// resources and their supervisor (get_atom comes with CAF)
using command_atom = caf::atom_constant<caf::atom("command")>;
using crash_atom = caf::atom_constant<caf::atom("crash")>;
using list_atom = caf::atom_constant<caf::atom("list")>;
using restarts_atom = caf::atom_constant<caf::atom("restarts")>;
using ready_atom = caf::atom_constant<caf::atom("ready")>;
// the resource kinds, to say which kind a get or a list is about
using project_atom = caf::atom_constant<caf::atom("project")>;
using user_atom = caf::atom_constant<caf::atom("user")>;
using role_atom = caf::atom_constant<caf::atom("role")>;
using domain_atom = caf::atom_constant<caf::atom("domain")>;
using region_atom = caf::atom_constant<caf::atom("region")>;
using service_atom = caf::atom_constant<caf::atom("service")>;
using endpoint_atom = caf::atom_constant<caf::atom("endpoint")>;
using group_atom = caf::atom_constant<caf::atom("group")>;
using security_group_atom = caf::atom_constant<caf::atom("secgroup")>;
using router_atom = caf::atom_constant<caf::atom("router")>;
using floatingip_atom = caf::atom_constant<caf::atom("floatingip")>;
using quota_kind_atom = caf::atom_constant<caf::atom("quotas")>;
using agent_atom = caf::atom_constant<caf::atom("agent")>;
using network_atom = caf::atom_constant<caf::atom("network")>;
using image_atom = caf::atom_constant<caf::atom("image")>;
using instance_atom = caf::atom_constant<caf::atom("instance")>;
using interface_atom = caf::atom_constant<caf::atom("interface")>;
using flavor_atom = caf::atom_constant<caf::atom("flavor")>;
using keypair_atom = caf::atom_constant<caf::atom("keypair")>;
using server_group_atom = caf::atom_constant<caf::atom("srvgroup")>;
using compute_quota_atom = caf::atom_constant<caf::atom("cquota")>;
// Nova's metadata service (actors/metadata_messages.hpp): the compute
// door's lookups, and the networks the network host tells the service of
using metadata_atom = caf::atom_constant<caf::atom("metadata")>;
// scheduler
using register_atom = caf::atom_constant<caf::atom("register")>;
using select_atom = caf::atom_constant<caf::atom("select")>;
using release_atom = caf::atom_constant<caf::atom("release")>;

struct journal_stats {
  std::uint64_t transactions = 0;
  std::uint64_t events = 0;
  std::uint64_t appends = 0;
  std::uint64_t largest_batch = 0;
};

// The fold of the whole log, handed from the journal to the conductor at
// start. Shared, not copied: it can hold a million streams.
using log_fold_ptr = std::shared_ptr<const log_fold>;

}  // namespace cumulo

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::append_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::recorded_events)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::event_metadata)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::journal_stats)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::log_fold_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::project_state)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::user_state)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::role_state)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::domain_state)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::security_group_state)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::router_state)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::floatingip_state)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::quota_state)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<cumulo::quota_state>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::quota::command)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::agent_state)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<cumulo::agent_state>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::agent::command)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::flavor_state)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<cumulo::flavor_state>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::flavor::command)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::keypair_state)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<cumulo::keypair_state>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::keypair::command)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::server_group_state)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<cumulo::server_group_state>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::server_group::command)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::compute_quota_state)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<cumulo::compute_quota_state>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::compute_quota::command)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<cumulo::security_group_state>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<cumulo::router_state>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<cumulo::floatingip_state>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::security_group::command)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::router::command)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::floatingip::command)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::network_state)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::image_state)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::instance_state)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::host_state)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<cumulo::project_state>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<cumulo::user_state>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<cumulo::role_state>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<cumulo::domain_state>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<cumulo::network_state>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<cumulo::image_state>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<cumulo::instance_state>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<cumulo::host_state>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::project::command)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::user::command)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::role::command)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::domain::command)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::region_state)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<cumulo::region_state>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::region::command)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::service_state)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<cumulo::service_state>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::service::command)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::group_state)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<cumulo::group_state>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::group::command)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::network::command)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::image::command)
// the caller of a request a door decides (from its token)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::credentials)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::instance::command)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::host::command)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::request_spec)
