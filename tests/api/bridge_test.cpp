// The actor bridge with a fake responder: replies, domain errors and an
// actor that never answers.
#include <gtest/gtest.h>

#include <caf/all.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "actors/errors.hpp"
#include "api/bridge.hpp"

namespace cumulo::api {
namespace {

using namespace std::chrono_literals;

class fake_responder : public responder {
 public:
  explicit fake_responder(service svc) : responder(svc, "req-test") {}
  void send_text(int status, std::string body, const header_list&) override {
    std::lock_guard lock(m_);
    if (status_) return;
    status_ = status;
    body_ = nlohmann::json::parse(body, nullptr, false);
    cv_.notify_all();
  }
  // The answer, waiting up to 5 s for it.
  std::pair<int, nlohmann::json> answer() {
    std::unique_lock lock(m_);
    cv_.wait_for(lock, 5s, [this] { return status_ != 0; });
    return {status_, body_};
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  int status_ = 0;
  nlohmann::json body_;
};

struct Bridge : ::testing::Test {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
};

TEST_F(Bridge, TheReplyIsAnsweredByTheCallback) {
  auto doubler = sys.spawn([] { return caf::behavior{[](int x) { return 2 * x; }}; });
  auto r = std::make_shared<fake_responder>(service::identity);
  bridge(sys).ask<int>(
      r, doubler,
      [](responder& rr, int& v) {
        respond(rr, 200, {{"value", v}});
      },
      21);
  auto [status, body] = r->answer();
  EXPECT_EQ(status, 200);
  EXPECT_EQ(body["value"], 42);
  caf::anon_send_exit(doubler, caf::exit_reason::kill);
}

TEST_F(Bridge, ADomainErrorIsAnsweredInTheServiceFormat) {
  auto refuser = sys.spawn([] {
    return caf::behavior{[](int) -> caf::result<int> {
      return to_caf_error(domain_error{errc::not_found, "Network x could not be found."});
    }};
  });
  auto r = std::make_shared<fake_responder>(service::network);
  bridge(sys).ask_or<int>(
      r, refuser, [](responder& rr, int&) { respond(rr, 200, {}); },
      [](responder& rr, const domain_error& e) { respond_error(rr, e, "NetworkNotFound"); }, 1);
  auto [status, body] = r->answer();
  EXPECT_EQ(status, 404);
  EXPECT_EQ(body["NeutronError"]["type"], "NetworkNotFound");
  EXPECT_EQ(body["NeutronError"]["message"], "Network x could not be found.");
  caf::anon_send_exit(refuser, caf::exit_reason::kill);
}

TEST_F(Bridge, AnActorThatNeverAnswersGives503AfterTheTimeout) {
  // Keeps every promise and delivers none.
  auto promises = std::make_shared<std::vector<caf::response_promise>>();
  auto silent = sys.spawn([promises](caf::event_based_actor* self) {
    return caf::behavior{[=](int) {
      promises->push_back(self->make_response_promise());
      return promises->back();
    }};
  });
  auto r = std::make_shared<fake_responder>(service::compute);
  const auto start = std::chrono::steady_clock::now();
  bridge(sys, 100ms)
      .ask<int>(
          r, silent, [](responder& rr, int&) { respond(rr, 200, {}); }, 1);
  auto [status, body] = r->answer();
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(status, 503);
  EXPECT_EQ(body["serviceUnavailable"]["message"],
            "The service did not answer in time; try again.");
  EXPECT_GE(waited, 100ms);
  EXPECT_LT(waited, 3s);
  caf::anon_send_exit(silent, caf::exit_reason::kill);
}

TEST_F(Bridge, ADeadActorGives503) {
  auto r = std::make_shared<fake_responder>(service::image);
  auto gone = sys.spawn([] { return caf::behavior{[](int x) { return x; }}; });
  caf::anon_send_exit(gone, caf::exit_reason::kill);
  std::this_thread::sleep_for(50ms);
  bridge(sys, 1s).ask<int>(
      r, gone, [](responder& rr, int&) { respond(rr, 200, {}); }, 1);
  auto [status, body] = r->answer();
  EXPECT_EQ(status, 503);
  EXPECT_EQ(body["title"], "Service Unavailable");
}

}  // namespace
}  // namespace cumulo::api
