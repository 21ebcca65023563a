// Asking an actor from an HTTP handler without blocking the reactor thread:
// a short-lived event-based actor sends the request (with a timeout) and
// answers the HTTP request from the reply on a CAF thread. A timeout or a
// dead receiver becomes a 503 in the service's error format.
#pragma once

#include <caf/actor_system.hpp>
#include <caf/error.hpp>
#include <caf/event_based_actor.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "api/responder.hpp"

namespace cumulo::api {

// What the bridge answers when the request failed on the CAF side: a
// domain error from the actor in the service's format, a timeout or a dead
// receiver as 503, anything else as 500.
void respond_failure(responder& r, const caf::error& e);
// The domain error an actor answered with, or nothing when the failure was
// on the CAF side (timeout, dead receiver): respond_failure handles those.
std::optional<domain_error> domain_error_of(const caf::error& e);

class bridge {
 public:
  explicit bridge(caf::actor_system& sys,
                  std::chrono::milliseconds timeout = std::chrono::seconds(10))
      : sys_(sys), timeout_(timeout) {}

  std::chrono::milliseconds timeout() const { return timeout_; }

  // Sends xs... to target; on its reply of type Reply calls
  // on_reply(responder&, Reply&) (or on_reply(std::shared_ptr<responder>,
  // Reply&), to ask further) on a CAF thread, which answers through
  // respond()/respond_error(). An exception in on_reply, or a handler that
  // does not answer, ends in a 500 (the responder answers when released).
  template <class Reply, class Handle, class OnReply, class... Ts>
  void ask(std::shared_ptr<responder> r, const Handle& target, OnReply on_reply, Ts... xs) const {
    ask_or<Reply>(
        std::move(r), target, std::move(on_reply),
        [](responder& rr, const domain_error& e) { respond_error(rr, e); }, std::move(xs)...);
  }

  // As ask(), and a domain error the actor answers with goes to
  // on_error(responder&, const domain_error&), e.g. to name Neutron's type.
  template <class Reply, class Handle, class OnReply, class OnError, class... Ts>
  void ask_or(std::shared_ptr<responder> r, const Handle& target, OnReply on_reply,
              OnError on_error, Ts... xs) const {
    const auto timeout = timeout_;
    sys_.spawn([=](caf::event_based_actor* self) mutable {
      self->request(target, timeout, std::move(xs)...)
          .then(
              [r, on_reply](Reply& v) mutable {
                // A handler that asks again takes the responder's pointer.
                if constexpr (std::is_invocable_v<OnReply&, std::shared_ptr<responder>, Reply&>)
                  on_reply(r, v);
                else
                  on_reply(*r, v);
              },
              [r, on_error](caf::error& e) mutable {
                if (auto de = domain_error_of(e))
                  on_error(*r, *de);
                else
                  respond_failure(*r, e);
              });
    });
  }

  // As ask(), and any failure (the actor's error, a timeout, an actor that
  // is down) goes to on_failure(std::shared_ptr<responder>, const
  // caf::error&), for a request whose failure is not the answer (one host
  // among several that does not reply).
  template <class Reply, class Handle, class OnReply, class OnFailure, class... Ts>
  void ask_or_else(std::shared_ptr<responder> r, const Handle& target, OnReply on_reply,
                   OnFailure on_failure, Ts... xs) const {
    const auto timeout = timeout_;
    sys_.spawn([=](caf::event_based_actor* self) mutable {
      self->request(target, timeout, std::move(xs)...)
          .then([r, on_reply](Reply& v) mutable { on_reply(r, v); },
                [r, on_failure](caf::error& e) mutable { on_failure(r, e); });
    });
  }

 private:
  caf::actor_system& sys_;
  std::chrono::milliseconds timeout_;
};

}  // namespace cumulo::api
