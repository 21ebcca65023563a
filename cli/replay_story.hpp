// What `cumulo replay` shows beyond one stream's own events: an instance's
// whole story across the actors that touched it (replay_story.cpp), what
// changed in the cloud between two points of the log (replay_diff.cpp),
// and a live cloud's log as it grows (replay_follow.cpp). Reading only.
#pragma once

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <string>

#include "cli/replay_print.hpp"
#include "store/event_store.hpp"

namespace cumulo::cli {

// An instance's story: its own events with those of other streams that
// name it or its ports (host claims, ports), the scheduler's decision with
// each host's reason (host states folded to just before the decision, the
// scheduler's filters run again), the image at the launch, the ports, the
// host, each status change and the faults. `db` is the database file the
// store reads (searched for the instance's ids in event payloads).
void print_instance_story(std::ostream& out, const event_store& store,
                          const std::filesystem::path& db, const std::string& stream);
json instance_story_json(const event_store& store, const std::filesystem::path& db,
                         const std::string& stream);

// What changed between the states after seq `from` and after seq `to`:
// resources created, deleted, and changed (the fields, old and new).
// Throws std::runtime_error when an event does not fold.
json diff_json(const event_store& store, std::int64_t from, std::int64_t to);
void print_diff(std::ostream& out, const json& diff);

// Prints the events of a live log as they are committed (polling), from
// seq `from` (0: the last `backlog` ones first), only those of `stream`
// when not empty; stops after `max_events` (0: never) or on SIGINT/SIGTERM.
int follow(std::ostream& out, const event_store& store, std::int64_t from, int backlog,
           const std::string& stream, std::int64_t max_events, bool as_json);

}  // namespace cumulo::cli
