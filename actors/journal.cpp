#include "actors/journal.hpp"

#include <unordered_set>

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <chrono>

#include "actors/errors.hpp"
#include "actors/messages.hpp"

namespace cumulo {
namespace {

struct pending_append {
  append_request request;
  caf::response_promise promise;
};

// How long a flush may wait for the rest of a batch to arrive.
constexpr auto linger = std::chrono::microseconds(200);

struct journal_state {
  std::unique_ptr<event_store> store;
  std::vector<pending_append> queue;
  bool flush_pending = false;   // a flush message is in the mailbox or on the timer
  bool lingering = false;       // ... on the timer, waiting for the rest of a batch
  std::uint64_t generation = 0;  // counts flushes: a flush message of an older one is stale
  std::size_t last_batch = 1;    // appends in the previous commit
  journal_stats stats;
  static inline const char* name = "journal";
};

using journal_actor = caf::stateful_actor<journal_state>;

// Group commit: every append that reached the mailbox before the flush
// message shares one transaction, and each caller hears back only after it.
void flush(journal_actor* self) {
  auto& st = self->state;
  ++st.generation;
  st.flush_pending = false;
  st.lingering = false;
  if (st.queue.empty()) return;
  std::vector<pending_append> batch;
  batch.swap(st.queue);
  st.last_batch = batch.size();
  std::vector<append_request> requests;
  requests.reserve(batch.size());
  for (auto& p : batch) requests.push_back(std::move(p.request));
  try {
    auto results = st.store->append(std::move(requests));
    ++st.stats.transactions;
    st.stats.largest_batch = std::max<std::uint64_t>(st.stats.largest_batch, batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (results[i].error) {
        batch[i].promise.deliver(to_caf_error(*results[i].error));
      } else {
        st.stats.events += results[i].events.size();
        batch[i].promise.deliver(std::move(results[i].events));
      }
    }
  } catch (const store_error& e) {
    // Nothing of the batch was written: every caller hears so.
    spdlog::error("journal: {}", e.what());
    for (auto& p : batch) p.promise.deliver(to_caf_error({errc::internal, e.what()}));
  }
}

caf::behavior journal(journal_actor* self, std::shared_ptr<std::unique_ptr<event_store>> store) {
  self->state.store = std::move(*store);
  // On shutdown, what was accepted is still written before the actor goes.
  self->set_exit_handler([self](caf::exit_msg& msg) {
    flush(self);
    self->quit(msg.reason);
  });
  return {
      [self](append_atom, append_request& request) -> caf::result<recorded_events> {
        auto& st = self->state;
        ++st.stats.appends;
        st.queue.push_back({std::move(request), self->make_response_promise()});
        if (!st.flush_pending) {
          // Sent to the end of the mailbox: every append already there
          // joins this batch.
          st.flush_pending = true;
          self->send(self, flush_atom::value, st.generation);
        } else if (st.lingering && st.queue.size() >= st.last_batch) {
          flush(self);  // the rest of the batch has come: no need to wait
        }
        return caf::delegated<recorded_events>();
      },
      [self](flush_atom, std::uint64_t generation) {
        auto& st = self->state;
        if (generation != st.generation) return;  // that batch went already
        // The callers answered by the last commit send their next append at
        // about the same time: wait briefly until as many are queued as went
        // out then. Flushing at once split 64 writers into two alternating
        // half batches (bench/RESULTS.md).
        if (!st.lingering && st.queue.size() < st.last_batch) {
          st.lingering = true;
          self->delayed_send(self, linger, flush_atom::value, generation);
          return;
        }
        flush(self);
      },
      [self](read_atom, const std::string& stream) -> caf::result<recorded_events> {
        flush(self);  // a reader sees every append accepted before its request
        try {
          return self->state.store->read_stream(stream);
        } catch (const store_error& e) {
          return to_caf_error({errc::internal, e.what()});
        }
      },
      // Every stream of a kind ("instance"), whole, each in version order:
      // what a read model that needs deleted resources too (usage) folds.
      [self](read_atom, list_atom, const std::string& kind) -> caf::result<recorded_events> {
        flush(self);
        try {
          recorded_events out;
          for (const auto& info : self->state.store->streams()) {
            if (stream_kind(info.stream) != kind) continue;
            auto events = self->state.store->read_stream(info.stream);
            out.insert(out.end(), std::make_move_iterator(events.begin()),
                       std::make_move_iterator(events.end()));
          }
          return out;
        } catch (const store_error& e) {
          return to_caf_error({errc::internal, e.what()});
        }
      },
      [self](fold_atom) -> caf::result<log_fold_ptr> {
        flush(self);
        try {
          // A stream that ends deleted is a deleted resource, whatever came
          // before: its events are not decoded (most of a churning cloud's
          // log; bench/RESULTS.md). `replay verify` still folds them all.
          auto fold = std::make_shared<log_fold>();
          const auto deleted = self->state.store->deleted_streams();
          std::unordered_set<std::string> skipped;
          for (const auto& d : deleted) skipped.insert(d.stream);
          self->state.store->for_each_except(skipped, [&](recorded_event& r) {
            fold->apply(r);
            return true;
          });
          for (const auto& d : deleted) fold->skip_deleted(d.stream, d.version, d.seq);
          return log_fold_ptr(std::move(fold));
        } catch (const std::exception& e) {
          return to_caf_error({errc::internal, std::string("the event log does not fold: ") +
                                                   e.what()});
        }
      },
      [self](stats_atom) { return self->state.stats; },
  };
}

}  // namespace

caf::actor spawn_journal(caf::actor_system& sys, std::unique_ptr<event_store> store) {
  // The store is moved through a shared_ptr: spawn arguments must be copyable.
  auto holder = std::make_shared<std::unique_ptr<event_store>>(std::move(store));
  return sys.spawn<caf::detached>(journal, holder);
}

}  // namespace cumulo
