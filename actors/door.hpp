// What the door actors share (identity, networking, compute, the image
// registry: one per OpenStack service, in front of its resource actors):
// a command goes to a resource actor through the conductor, and its answer
// updates the door's index before anyone else sees it.
#pragma once

#include <caf/all.hpp>

#include <chrono>
#include <functional>
#include <string>

#include "actors/messages.hpp"

namespace cumulo {

// Long: a command waits for its journal append, which waits for fsync.
inline constexpr std::chrono::seconds conductor_timeout{60};

using on_error = std::function<void(const caf::error&)>;

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
