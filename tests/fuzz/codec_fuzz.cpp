// Fuzzes the event codec (engine/codec) and the fold of a log
// (engine/log_fold): msgpack payloads of every event type of every stream
// kind decoded (decode_payload: msgpack unpack, convert, upcast for old
// schema versions), applied to their state machines, the states shown as
// JSON (dumped as replay dumps them: invalid UTF-8 replaced), and every
// payload shown as JSON (payload_to_json, what replay prints).
//
// Input: records, each
//   byte  kind: low 4 bits and bit 7 (as the fifth) the stream kind
//         (codec_machines.hpp, modulo their number),
//         bits 4-5 which of 4 streams of that kind, bit 6: a version out of
//         order (1) instead of the next one
//   byte  the event type (index in the kind's event variant, modulo)
//   byte  the schema version (as is: 1 is today's for every type)
//   2 bytes little-endian payload length (cut to what is left), payload.
// log_fold::apply may throw decode_error or invalid_event (its contract);
// anything else escaping is a finding.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "codec_machines.hpp"
#include "engine/codec.hpp"
#include "engine/error.hpp"
#include "engine/log_fold.hpp"

using namespace cumulo;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& kinds = fuzz::kinds();
  log_fold fold;
  std::map<std::string, std::int64_t> versions;
  std::int64_t seq = 0;
  std::size_t at = 0;
  while (at + 5 <= size && seq < 256) {
    const std::uint8_t k = data[at];
    const auto& kt = kinds[((k & 0x0f) | ((k & 0x80) >> 3)) % kinds.size()];
    recorded_event r;
    r.seq = ++seq;
    r.stream = kt.kind + "/id" + std::to_string((k >> 4) & 3);
    r.type = kt.types[data[at + 1] % kt.types.size()];
    r.schema_version = data[at + 2];
    std::size_t len = data[at + 3] | (static_cast<std::size_t>(data[at + 4]) << 8);
    at += 5;
    if (len > size - at) len = size - at;
    r.payload.assign(reinterpret_cast<const char*>(data) + at, len);
    at += len;
    r.version = (k & 0x40) ? 1 : versions[r.stream] + 1;
    r.time_us = 1000 * seq;
    r.request_id = "req-" + std::to_string(seq);

    (void)payload_to_json(r.payload);
    try {
      fold.apply(r);
      versions[r.stream] = r.version;
    } catch (const decode_error&) {
      // The payload does not decode: what a corrupt log gives.
    } catch (const invalid_event&) {
      // Out of order, or a transition the machine refuses.
    }
  }
  for (const auto& stream : fold.streams()) {
    (void)fold.live(stream);
    // As replay prints states: strings from a log need not be UTF-8.
    (void)fold.state_json(stream).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  return 0;
}
