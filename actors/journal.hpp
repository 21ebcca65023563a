// The journal: the one actor that owns the event store's writer.
//   (append_atom, append_request)  -> recorded_events, once durable
//   (read_atom, stream)            -> recorded_events of that stream
//   (read_atom, list_atom, kind)   -> recorded_events of every stream of that kind
//   (fold_atom)                    -> log_fold_ptr of the whole log
//   (stats_atom)                   -> journal_stats
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <memory>

#include "store/event_store.hpp"

namespace cumulo {

// Takes the opened store (so that a bad database fails before any actor
// runs). The journal runs detached: an fsync must not hold a scheduler
// thread, and while it waits the next batch gathers in its mailbox.
caf::actor spawn_journal(caf::actor_system& sys, std::unique_ptr<event_store> store);

}  // namespace cumulo
