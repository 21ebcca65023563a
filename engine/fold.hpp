// Folding a stream: decode each recorded event and apply it in order. The
// envelope (version, times) is handled here once for every kind.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "engine/codec.hpp"
#include "engine/error.hpp"
#include "engine/event.hpp"

namespace cumulo {

// Applies one recorded event to the state of its stream. Throws
// decode_error (payload) or invalid_event (order, or a transition the
// machine refuses).
template <class Machine>
typename Machine::state fold(typename Machine::state s, const recorded_event& r) {
  if (r.version != s.version + 1)
    throw invalid_event("version " + std::to_string(r.version) + " follows version " +
                        std::to_string(s.version) + " in " + r.stream);
  auto event = decode<typename Machine::event>(r);
  s = Machine::apply(std::move(s), event);
  s.version = r.version;
  if (r.version == 1) s.created_at_us = r.time_us;
  s.updated_at_us = r.time_us;
  return s;
}

template <class Machine>
typename Machine::state fold_stream(const std::string& id, const recorded_events& events) {
  typename Machine::state s;
  s.id = id;
  for (const auto& r : events) s = fold<Machine>(std::move(s), r);
  return s;
}

}  // namespace cumulo

namespace cumulo {

// Applies events that were just decided and appended, with the envelope
// the journal gave them: the same result as folding them from the log,
// without decoding the payloads again.
template <class Machine>
typename Machine::state apply_appended(typename Machine::state s,
                                       const std::vector<typename Machine::event>& events,
                                       const recorded_events& records) {
  for (std::size_t i = 0; i < events.size() && i < records.size(); ++i) {
    s = Machine::apply(std::move(s), events[i]);
    s.version = records[i].version;
    if (records[i].version == 1) s.created_at_us = records[i].time_us;
    s.updated_at_us = records[i].time_us;
  }
  return s;
}

}  // namespace cumulo
