// `cumulo replay --follow`: a live cloud's log as it grows, like `tail -f`.
// The store is read-only: each poll is a fresh read transaction of the WAL
// database, so it sees what the journal committed since, and the writer is
// never blocked.
#include <atomic>
#include <chrono>
#include <csignal>
#include <ostream>
#include <thread>

#include "cli/replay_story.hpp"

namespace cumulo::cli {
namespace {

std::atomic<bool> interrupted{false};

extern "C" void on_signal(int) {
  interrupted = true;
}

constexpr auto poll_every = std::chrono::milliseconds(200);

}  // namespace

int follow(std::ostream& out, const event_store& store, std::int64_t from, int backlog,
           const std::string& stream, std::int64_t max_events, bool as_json) {
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::int64_t next = from;
  if (next <= 0) next = std::max<std::int64_t>(1, store.last_seq() - backlog + 1);
  std::int64_t shown = 0;
  while (!interrupted) {
    store.for_each(next, [&](const recorded_event& r) {
      next = r.seq + 1;
      if (!stream.empty() && r.stream != stream) return true;
      if (as_json)
        out << event_json(r).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
      else
        print_event(out, r);
      ++shown;
      return !(max_events > 0 && shown >= max_events);
    });
    out.flush();
    if (max_events > 0 && shown >= max_events) break;
    std::this_thread::sleep_for(poll_every);
  }
  return 0;
}

}  // namespace cumulo::cli
