// What the door actors share (identity, networking, compute, the image
// registry: one per OpenStack service, in front of its resource actors):
// a command goes to a resource actor through the conductor, and its answer
// updates the door's index before anyone else sees it.
#pragma once

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <functional>
#include <string>

#include "actors/errors.hpp"
#include "actors/messages.hpp"

namespace cumulo {

// No timeout of its own: the conductor answers every request (a child that
// died bounces it; a journal that hangs fails the child's append after
// journal_timeout), and the HTTP side has the bridge's. CAF 0.17 keeps a
// request's timer until it is due, answered or not: a 60 s timer per
// request was 400,000 live timers under the soak's load (issue 22, item 7).
inline constexpr auto conductor_timeout = caf::infinite;

using on_error = std::function<void(const caf::error&)>;

// Reads every live resource of a kind from the conductor into the door's
// index (state.put) before the door answers anything (await); a door that
// cannot read its index stops, saying so (`who` names it in the log).
template <class State, class Self, class Atom>
void read_all(Self* self, Atom kind, const char* who) {
  self->request(self->state.conductor, conductor_timeout, list_atom::value, kind)
      .await(
          [self](std::vector<State>& all) {
            for (const auto& s : all) self->state.put(s);
          },
          [self, who](caf::error& e) {
            spdlog::error("{}: cannot read its resources: {}", who, from_caf_error(e).message);
            self->quit(e);
          });
}

// A failure answered through a response promise, as it came.
template <class P>
on_error fail_to(P promise) {
  return [promise](const caf::error& e) mutable { promise.deliver(e); };
}

// Self: a stateful actor whose state has `conductor` and `put(State)`.
template <class State, class Self, class Command>
void resource_command(Self* self, const std::string& id, Command command, event_metadata meta,
                      std::function<void(State&)> ok, on_error fail) {
  self->request(self->state.conductor, conductor_timeout, command_atom::value, id,
                std::move(command), std::move(meta))
      .then(
          [self, ok](State& s) {
            self->state.put(s);
            ok(s);
          },
          [fail](caf::error& e) { fail(e); });
}

}  // namespace cumulo
