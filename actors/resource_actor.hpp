// One actor per resource (project, user, role, network, image, instance): it owns its
// state, decides on commands with the pure machine, appends the events
// through the journal and answers once they are durable. It is rebuilt from
// its own stream when spawned without a state (a restart after a crash).
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
    // await: no command is looked at before the stream is folded.
    self->request(st.journal, journal_timeout, read_atom::value, make_stream(Machine::kind, id))
        .await(
            [self](recorded_events& events) {
              for (const auto& r : events)
                self->state.s = fold<Machine>(std::move(self->state.s), r);
            },
            [self](caf::error& e) { self->quit(e); });
  }
  return {
      [self](caf::get_atom) -> state_t { return self->state.s; },
      [self](command_atom, typename Machine::command& command,
             event_metadata& meta) -> caf::result<state_t> {
        auto decided = Machine::decide(self->state.s, command);
        if (!decided) return to_caf_error(decided.error());
        if (decided.value().empty()) return self->state.s;
        append_request request{make_stream(Machine::kind, self->state.s.id),
                               self->state.s.version,
                               {},
                               std::move(meta)};
        for (const auto& e : decided.value()) request.events.push_back(encode(e));
        auto promise = self->template make_response_promise<state_t>();
        // await again: the next command decides on the state this one leaves.
        self->request(self->state.journal, journal_timeout, append_atom::value, std::move(request))
            .await(
                [self, promise,
                 events = std::move(decided.value())](recorded_events& records) mutable {
                  self->state.s =
                      apply_appended<Machine>(std::move(self->state.s), events, records);
                  promise.deliver(self->state.s);
                },
                [promise](caf::error& e) mutable { promise.deliver(e); });
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
caf::behavior security_group_actor(resource_actor<security_group_machine>* self, caf::actor journal,
                                   std::string id, std::optional<security_group_state> initial);
caf::behavior router_actor(resource_actor<router_machine>* self, caf::actor journal, std::string id,
                           std::optional<router_state> initial);
caf::behavior floatingip_actor(resource_actor<floatingip_machine>* self, caf::actor journal,
                               std::string id, std::optional<floatingip_state> initial);
caf::behavior quota_actor(resource_actor<quota_machine>* self, caf::actor journal, std::string id,
                          std::optional<quota_state> initial);
caf::behavior flavor_actor(resource_actor<flavor_machine>* self, caf::actor journal, std::string id,
                           std::optional<flavor_state> initial);
caf::behavior keypair_actor(resource_actor<keypair_machine>* self, caf::actor journal,
                            std::string id, std::optional<keypair_state> initial);
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
