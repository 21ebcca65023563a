// The unit of the log. A stream is one resource ("instance/<uuid>"); its
// version counts its events from 1, and the global sequence orders them all.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cumulo {

// Who caused an event: carried from the API request into the log so that
// replay can say which request and which user did what.
struct event_metadata {
  std::string request_id;
  std::string user_id;
  // Not recorded: whether the caller's token is an admin's, for the rules
  // that depend on it once the request reached its resource (Nova's lock).
  bool caller_is_admin = false;
};

// An event about to be appended: its payload is already msgpack.
struct new_event {
  std::string type;
  int schema_version = 1;
  std::string payload;  // msgpack bytes (binary, stored as a BLOB)
};

struct recorded_event {
  std::int64_t seq = 0;
  std::string stream;
  std::int64_t version = 0;
  std::string type;
  int schema_version = 1;
  std::int64_t time_us = 0;  // microseconds since the Unix epoch, UTC
  std::string request_id;
  std::string user_id;
  std::string payload;
};

using recorded_events = std::vector<recorded_event>;

// "instance/3f2..." -> "instance"; "" when the stream has no kind.
std::string stream_kind(const std::string& stream);
// "instance/3f2..." -> "3f2..."
std::string stream_id(const std::string& stream);
std::string make_stream(const std::string& kind, const std::string& id);

}  // namespace cumulo
