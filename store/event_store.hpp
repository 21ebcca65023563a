// The durable, append-only event log: one SQLite database in WAL mode per
// data dir. Only one writer (the journal actor) may own a read-write store;
// readers (replay, tests) open their own read-only store.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_set>
#include <vector>

#include "engine/error.hpp"
#include "engine/event.hpp"

namespace cumulo {

// Opening or reading the database failed: the message names the file and
// the problem (missing, not a database, corrupted, not ours).
class store_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class durability {
  full,    // fsync at every commit: survives power loss
  normal,  // WAL without fsync at commit: survives a process crash only
};

struct store_options {
  durability sync = durability::full;
  bool read_only = false;
  // Source of event times; tests pin it. Defaults to the system clock.
  std::function<std::int64_t()> clock;
};

struct append_request {
  std::string stream;
  // any_version, no_stream (the stream must not exist yet), or the version
  // the caller last saw: anything else is a conflict, never an overwrite.
  std::int64_t expected_version = -1;
  std::vector<new_event> events;
  event_metadata meta;
};

struct append_result {
  std::optional<domain_error> error;  // set when the expected version did not match
  recorded_events events;
};

struct stream_info {
  std::string stream;
  std::int64_t events = 0;
  std::int64_t first_seq = 0;
  std::int64_t last_seq = 0;
  std::int64_t last_time_us = 0;
};

class event_store {
 public:
  static constexpr std::int64_t any_version = -1;
  static constexpr std::int64_t no_stream = 0;
  using visitor = std::function<bool(recorded_event&)>;  // return false to stop

  explicit event_store(const std::filesystem::path& file, store_options opts = {});
  ~event_store();
  event_store(const event_store&) = delete;
  event_store& operator=(const event_store&) = delete;

  // All requests of a batch share one transaction (one fsync): that is the
  // group commit. A request whose expected version does not match gets its
  // own error and writes nothing; the others still commit. Throws
  // store_error if the transaction itself fails (then nothing is written).
  std::vector<append_result> append(std::vector<append_request> batch);
  append_result append(append_request request);

  recorded_events read_stream(const std::string& stream, std::int64_t from_version = 1) const;
  // Events in sequence order with seq >= from_seq.
  void for_each(std::int64_t from_seq, const visitor& visit) const;
  // Events with seq <= max_seq, in sequence order.
  void for_each_until_seq(std::int64_t max_seq, const visitor& visit) const;
  // Events with time <= max_time_us. Times never go backwards in the log,
  // so this is always a prefix of it.
  void for_each_until_time(std::int64_t max_time_us, const visitor& visit) const;

  std::vector<stream_info> streams() const;
  // Streams whose last event is `<kind>.deleted`: a deleted resource
  // whatever came before (what a start need not fold).
  struct deleted_stream {
    std::string stream;
    std::int64_t version = 0;  // of its last event
    std::int64_t seq = 0;
  };
  std::vector<deleted_stream> deleted_streams() const;
  // Every event in sequence order but those of the `skipped` streams, which
  // are passed over before their row is read into an event.
  void for_each_except(const std::unordered_set<std::string>& skipped, const visitor& visit) const;
  std::int64_t stream_version(const std::string& stream) const;
  std::int64_t last_seq() const;
  std::int64_t event_count() const;
  // Commits made by this store object: with group commit, far fewer than events.
  std::uint64_t transactions() const;
  const std::filesystem::path& file() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace cumulo
