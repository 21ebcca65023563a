// One actor per resource (project, user, role, network, image, instance): it owns its
// state, decides on commands with the pure machine, appends the events
// through the journal and answers once they are durable. It is rebuilt from
// its own stream when spawned without a state (a restart after a crash).
// Once its resource is deleted it stops after answering (retire_if_deleted):
// the conductor forgets it, and anything asked later of that stream is
// answered from the log, so a churning cloud keeps no actor, and no record,
// per deleted resource.
//   (get_atom)                              -> Machine::state
//   (command_atom, Machine::command, meta)  -> Machine::state after the command
//   (crash_atom)                            -> dies abnormally (fault drills, tests)
#pragma once

#include <caf/all.hpp>

#include <chrono>
#include <optional>
#include <string>

#include "actors/errors.hpp"
#include "actors/messages.hpp"
#include "engine/fold.hpp"

namespace cumulo {

// How long a resource waits for the journal before it gives up.
inline constexpr std::chrono::seconds journal_timeout{30};

template <class Machine>
struct resource_state {
  typename Machine::state s;
  caf::actor journal;
  static inline const char* name = Machine::kind;
};

template <class Machine>
using resource_actor = caf::stateful_actor<resource_state<Machine>>;

// A deleted resource's actor quits normally once it has answered the
// message at hand; requests still in its mailbox bounce, and the conductor
// folds the stream again for them (actors/conductor.cpp).
template <class Self>
void retire_if_deleted(Self* self) {
  const auto& s = self->state.s;
  if (s.version > 0 && s.deleted) self->quit();
}

// Folds the resource's stream into its state (await: no command is looked
// at before), then calls k.
template <class Machine, class K>
void fold_stream(resource_actor<Machine>* self, K k) {
  self->request(self->state.journal, journal_timeout, read_atom::value,
                make_stream(Machine::kind, self->state.s.id))
      .await(
          [self, k](recorded_events& events) mutable {
            typename Machine::state s;
            s.id = self->state.s.id;
            for (const auto& r : events) s = fold<Machine>(std::move(s), r);
            self->state.s = std::move(s);
            k();
          },
          [self](caf::error& e) { self->quit(e); });
}

// Decides a command, appends its events and answers once they are durable.
// An actor the conductor spawned with an empty state (it keeps no record of
// deleted resources) may find its stream already has events, when a create
// reuses a deleted resource's id: the journal refuses the append at version
// 0, the stream is folded, and the command is decided again on what it holds.
template <class Machine>
void run_command(resource_actor<Machine>* self, typename Machine::command command,
                 event_metadata meta, caf::response_promise promise, bool may_refold) {
  auto decided = Machine::decide(self->state.s, command);
  if (!decided || decided.value().empty()) {
    if (decided)
      promise.deliver(self->state.s);
    else
      promise.deliver(to_caf_error(decided.error()));
    retire_if_deleted(self);
    return;
  }
  const bool from_empty = self->state.s.version == 0;
  append_request request{
      make_stream(Machine::kind, self->state.s.id), self->state.s.version, {}, meta};
  for (const auto& e : decided.value()) request.events.push_back(encode(e));
  // await again: the next command decides on the state this one leaves.
  self->request(self->state.journal, journal_timeout, append_atom::value, std::move(request))
      .await(
          [self, promise, events = std::move(decided.value())](recorded_events& records) mutable {
            self->state.s = apply_appended<Machine>(std::move(self->state.s), events, records);
            promise.deliver(self->state.s);
            retire_if_deleted(self);
          },
          [self, promise, command, meta, from_empty, may_refold](caf::error& e) mutable {
            if (!(from_empty && may_refold && from_caf_error(e).code == errc::conflict)) {
              promise.deliver(e);
              return;
            }
            fold_stream(self, [self, promise, command, meta]() mutable {
              run_command(self, std::move(command), std::move(meta), std::move(promise), false);
            });
          });
}

template <class Machine>
caf::behavior resource_behavior(resource_actor<Machine>* self, caf::actor journal, std::string id,
                                std::optional<typename Machine::state> initial) {
  using state_t = typename Machine::state;
  auto& st = self->state;
  st.journal = std::move(journal);
  if (initial) {
    st.s = std::move(*initial);
  } else {
    st.s.id = id;
    fold_stream(self, [] {});
  }
  return {
      [self](caf::get_atom) -> caf::result<state_t> {
        auto promise = self->template make_response_promise<state_t>();
        promise.deliver(self->state.s);
        retire_if_deleted(self);
        return promise;
      },
      [self](command_atom, typename Machine::command& command,
             event_metadata& meta) -> caf::result<state_t> {
        auto promise = self->template make_response_promise<state_t>();
        run_command(self, std::move(command), std::move(meta), promise, true);
        return promise;
      },
      [self](crash_atom) {
        self->quit(caf::make_error(caf::sec::runtime_error, std::string("injected crash")));
      },
  };
}

// The behaviours of the resource kinds, one translation unit each.
caf::behavior project_actor(resource_actor<project_machine>* self, caf::actor journal,
                            std::string id, std::optional<project_state> initial);
caf::behavior user_actor(resource_actor<user_machine>* self, caf::actor journal, std::string id,
                         std::optional<user_state> initial);
caf::behavior role_actor(resource_actor<role_machine>* self, caf::actor journal, std::string id,
                         std::optional<role_state> initial);
caf::behavior domain_actor(resource_actor<domain_machine>* self, caf::actor journal, std::string id,
                           std::optional<domain_state> initial);
caf::behavior region_actor(resource_actor<region_machine>* self, caf::actor journal, std::string id,
                           std::optional<region_state> initial);
caf::behavior service_actor(resource_actor<service_machine>* self, caf::actor journal,
                            std::string id, std::optional<service_state> initial);
caf::behavior group_actor(resource_actor<group_machine>* self, caf::actor journal, std::string id,
                          std::optional<group_state> initial);
caf::behavior security_group_actor(resource_actor<security_group_machine>* self, caf::actor journal,
                                   std::string id, std::optional<security_group_state> initial);
caf::behavior router_actor(resource_actor<router_machine>* self, caf::actor journal, std::string id,
                           std::optional<router_state> initial);
caf::behavior floatingip_actor(resource_actor<floatingip_machine>* self, caf::actor journal,
                               std::string id, std::optional<floatingip_state> initial);
caf::behavior quota_actor(resource_actor<quota_machine>* self, caf::actor journal, std::string id,
                          std::optional<quota_state> initial);
caf::behavior agent_actor(resource_actor<agent_machine>* self, caf::actor journal, std::string id,
                          std::optional<agent_state> initial);
caf::behavior flavor_actor(resource_actor<flavor_machine>* self, caf::actor journal, std::string id,
                           std::optional<flavor_state> initial);
caf::behavior keypair_actor(resource_actor<keypair_machine>* self, caf::actor journal,
                            std::string id, std::optional<keypair_state> initial);
caf::behavior server_group_actor(resource_actor<server_group_machine>* self, caf::actor journal,
                                 std::string id, std::optional<server_group_state> initial);
caf::behavior compute_quota_actor(resource_actor<compute_quota_machine>* self, caf::actor journal,
                                  std::string id, std::optional<compute_quota_state> initial);
caf::behavior network_actor(resource_actor<network_machine>* self, caf::actor journal,
                            std::string id, std::optional<network_state> initial);
caf::behavior image_actor(resource_actor<image_machine>* self, caf::actor journal, std::string id,
                          std::optional<image_state> initial);
// The instance actor has more state than the others: it runs the launch
// and the actions (actors/instance.hpp).
struct instance_actor_state;
caf::behavior instance_actor(caf::stateful_actor<instance_actor_state>* self, caf::actor journal,
                             std::string id, std::optional<instance_state> initial);

}  // namespace cumulo
