// The scheduler owns the compute hosts' capacity (the host/<name> streams):
// it filters and weighs hosts for a request and records the claim as an
// event before it answers, so parallel launches never overcommit a host.
//   (command_atom, hostname, host::command, meta)  -> host_state
//   (select_atom, request_spec, meta)              -> std::string host, claimed; or
//       no_valid_host whose domain_error::type holds each host's reason
//       ("compute-1: <why>; compute-2: <why>")
//   (release_atom, hostname, instance_id, meta)    -> host_state
//   (get_atom)                                     -> std::vector<host_state>
//   (put_atom, server_group_atom, map group -> instance ids) -> (no answer): the members
//       of server groups that are placed already (at a start, from the live instances);
//       select learns the others from their request_spec's group
#pragma once

#include <caf/all.hpp>

#include <map>
#include <string>
#include <vector>

#include "actors/messages.hpp"

namespace cumulo {

// Server groups' placed members: instance ids by group id.
using group_membership = std::map<std::string, std::vector<std::string>>;

struct scheduler_state {
  std::map<std::string, host_state> hosts;
  // Server groups' members by group id, as instances of a group were
  // selected (and, at a start, read from the live instances).
  group_membership group_members;
  caf::actor journal;
  static inline const char* name = "scheduler";
};

caf::behavior scheduler(caf::stateful_actor<scheduler_state>* self, caf::actor journal,
                        std::vector<host_state> hosts);

}  // namespace cumulo

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::group_membership)
