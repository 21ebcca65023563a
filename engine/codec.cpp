#include "engine/codec.hpp"

#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <utility>

namespace cumulo {
namespace {

struct upcaster_table {
  std::mutex mu;
  std::map<std::pair<std::string, int>, upcaster> steps;
};

upcaster_table& table() {
  static upcaster_table t;
  return t;
}

}  // namespace

void register_upcaster(const std::string& type, int from_version, upcaster fn) {
  auto& t = table();
  std::lock_guard lock(t.mu);
  t.steps[{type, from_version}] = std::move(fn);
}

std::string upcast(const std::string& type, int version, int target, std::string payload) {
  auto& t = table();
  std::lock_guard lock(t.mu);
  for (int v = version; v < target; ++v) {
    auto it = t.steps.find({type, v});
    if (it == t.steps.end())
      throw decode_error("no upcaster for " + type + " from schema version " + std::to_string(v));
    payload = it->second(payload);
  }
  return payload;
}

msgpack::object_handle unpack_bounded(const std::string& bytes) {
  const std::size_t n = bytes.size();
  const msgpack::unpack_limit limit(n, n, n, n, n, 64);
  return msgpack::unpack(bytes.data(), n, nullptr, nullptr, limit);
}

std::string payload_to_json(const std::string& payload) {
  // nlohmann's reader recurses: the bounded unpack checks the shape first.
  try {
    unpack_bounded(payload);
  } catch (const std::exception&) {
    return "\"<undecodable payload>\"";
  }
  auto j = nlohmann::json::from_msgpack(payload.begin(), payload.end(), true, false);
  if (j.is_discarded()) return "\"<undecodable payload>\"";
  // replace: a log written before the door refused text that is not UTF-8
  // still replays (with U+FFFD), instead of failing on that event.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace cumulo
