// Driving a pure state machine the way its actor does, for the machines'
// unit tests: decide, then apply every event.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "engine/codec.hpp"
#include "engine/error.hpp"
#include "engine/fold.hpp"

namespace cumulo {

// Runs a command that must be accepted; records the events in `history`
// when given (to replay them through the codec afterwards).
template <class M>
typename M::state run_command_on(typename M::state s, const typename M::command& c,
                                 std::vector<typename M::event>* history = nullptr) {
  auto d = M::decide(s, c);
  EXPECT_TRUE(d.ok()) << (d.ok() ? "" : d.error().message);
  if (!d.ok()) return s;
  for (const auto& e : d.value()) {
    s = M::apply(std::move(s), e);
    ++s.version;
    if (history) history->push_back(e);
  }
  return s;
}

// The refusal a user (or the actor) would see.
template <class M>
domain_error refusal_of(const typename M::state& s, const typename M::command& c) {
  auto d = M::decide(s, c);
  EXPECT_FALSE(d.ok()) << "accepted a command that should be refused";
  return d.ok() ? domain_error{} : d.error();
}

template <class M>
void expect_refusal(const typename M::state& s, const typename M::command& c, errc code,
                    const std::string& message) {
  const domain_error e = refusal_of<M>(s, c);
  EXPECT_EQ(e.code, code) << e.message;
  EXPECT_EQ(e.message, message);
}

// The state a log of these events gives: each is encoded, recorded on the
// stream <kind>/<id> and folded back, as replay does. `types` collects the
// event types seen (to check that a test met every one).
template <class M>
typename M::state refold(const std::string& id, const std::vector<typename M::event>& history,
                         std::set<std::string>* types = nullptr) {
  typename M::state s;
  s.id = id;
  std::int64_t v = 0;
  for (const auto& e : history) {
    const new_event n = encode(e);
    if (types) types->insert(n.type);
    ++v;
    const recorded_event r{
        v,        std::string(M::kind) + "/" + id, v, n.type, n.schema_version, 100 + v, "req", "u",
        n.payload};
    s = fold<M>(std::move(s), r);
  }
  return s;
}

}  // namespace cumulo
