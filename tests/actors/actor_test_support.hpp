// Helpers for tests that talk to a running actor core: a blocking request
// with a timeout that returns the reply or the error.
#pragma once

#include <caf/all.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <variant>

#include "actors/cloud.hpp"
#include "actors/conductor.hpp"
#include "actors/errors.hpp"
#include "actors/messages.hpp"

namespace cumulo {

template <class Reply>
struct reply_or_error {
  std::optional<Reply> reply;
  domain_error error;
  bool ok() const { return reply.has_value(); }
  Reply& operator*() { return *reply; }
  Reply* operator->() { return &*reply; }
};

template <class Reply, class... Ts>
reply_or_error<Reply> ask(caf::actor_system& sys, const caf::actor& to, Ts&&... msg) {
  reply_or_error<Reply> out;
  caf::scoped_actor self{sys};
  self->request(to, std::chrono::seconds(30), std::forward<Ts>(msg)...)
      .receive([&](Reply& r) { out.reply = std::move(r); },
               [&](caf::error& e) { out.error = from_caf_error(e); });
  return out;
}

inline event_metadata test_meta() { return {"req-test", "user-test"}; }

}  // namespace cumulo
