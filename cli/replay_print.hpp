// How `cumulo replay` shows the log: text for people, JSON for scripts.
// Printing only; reading and folding the log is replay.cpp's.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/event.hpp"
#include "store/event_store.hpp"

namespace cumulo::cli {

// Ordered: keys stay in the order they are written (seq, stream, ...),
// which is the order a reader expects.
using json = nlohmann::ordered_json;

// The first event that did not fold, and why.
struct fold_failure {
  std::int64_t seq = 0;
  std::string stream;
  std::int64_t version = 0;
  std::string type;
  std::string why;
};

// "1 event", "2 events"
std::string count(std::int64_t n, const std::string& noun);

// The streams table and a total line.
void print_streams(std::ostream& out, const std::vector<stream_info>& streams);
json streams_json(const std::vector<stream_info>& streams);

// One event: a line with its envelope, a line with who caused it, a line
// with its payload as compact JSON.
void print_event(std::ostream& out, const recorded_event& r);
json event_json(const recorded_event& r);

// A state as pretty JSON, every line indented.
void print_state(std::ostream& out, const nlohmann::json& state, int indent);

// "event seq 17 (stream project/x, version 2, type project.updated): why"
std::string describe(const fold_failure& f);
json failure_json(const fold_failure& f);

}  // namespace cumulo::cli
