// What every resource state has, whatever its kind: the fold fills these
// from the event envelope, so apply() only deals with payloads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/error.hpp"

namespace cumulo {

struct resource_meta {
  std::string id;              // the stream id without its kind
  std::int64_t version = 0;    // events applied so far; 0: the resource does not exist
  std::int64_t created_at_us = 0;
  std::int64_t updated_at_us = 0;
  bool deleted = false;

  bool exists() const { return version > 0 && !deleted; }
};

// The meta fields in the JSON views of every state (replay, API).
void meta_to_json(nlohmann::json& j, const resource_meta& m);

template <class Event>
using decision = outcome<std::vector<Event>>;

}  // namespace cumulo
