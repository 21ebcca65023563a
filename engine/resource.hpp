// What every resource state has, whatever its kind: the fold fills these
// from the event envelope, so apply() only deals with payloads.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/error.hpp"

namespace cumulo {

struct resource_meta {
  std::string id;            // the stream id without its kind
  std::int64_t version = 0;  // events applied so far; 0: the resource does not exist
  std::int64_t created_at_us = 0;
  std::int64_t updated_at_us = 0;
  bool deleted = false;

  bool exists() const { return version > 0 && !deleted; }
};

// The meta fields in the JSON views of every state (replay, API).
void meta_to_json(nlohmann::json& j, const resource_meta& m);

template <class Event>
using decision = outcome<std::vector<Event>>;

// An index of resource states by id (the identity directory, the
// networking actor's): keeps the newest state an actor answered with; a
// late, older answer never replaces a newer one; a state that no longer
// exists leaves the index.
template <class State>
void put_latest(std::unordered_map<std::string, State>& index, const State& s) {
  auto it = index.find(s.id);
  if (it != index.end() && it->second.version > s.version) return;
  if (s.exists())
    index[s.id] = s;
  else
    index.erase(s.id);
}

// The states of an index in creation order: ids are time-ordered, so this
// is the order a user expects of a list.
template <class State>
std::vector<State> in_creation_order(const std::unordered_map<std::string, State>& index) {
  std::vector<State> out;
  out.reserve(index.size());
  for (const auto& [_, s] : index) out.push_back(s);
  std::sort(out.begin(), out.end(), [](const State& a, const State& b) {
    return a.created_at_us != b.created_at_us ? a.created_at_us < b.created_at_us : a.id < b.id;
  });
  return out;
}

}  // namespace cumulo
