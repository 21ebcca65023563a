// msgpack encoding of event payloads. Each event type is a struct with
//   static constexpr const char* type_name;      e.g. "instance.scheduled"
//   static constexpr int schema_version;         bumped when its shape changes
//   MSGPACK_DEFINE_MAP(fields...)                keys by name: extra keys are
//                                                ignored, missing ones keep defaults
//                                                (no ';' after it: -Wpedantic)
//   or CUMULO_EMPTY_PAYLOAD for an event without fields,
// and each stream kind has a std::variant of its event types.
#pragma once

#include <msgpack.hpp>

#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>

#include "engine/event.hpp"

// MSGPACK_DEFINE_MAP() with no fields does not compile: an empty map by hand.
#define CUMULO_EMPTY_PAYLOAD                                   \
  template <typename Packer>                                   \
  void msgpack_pack(Packer& pk) const {                        \
    pk.pack_map(0);                                            \
  }                                                            \
  void msgpack_unpack(const msgpack::object& o) {              \
    if (o.type != msgpack::type::MAP) throw msgpack::type_error(); \
  }

namespace cumulo {

class decode_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

template <class Event>
new_event encode(const Event& e) {
  msgpack::sbuffer buf;
  msgpack::pack(buf, e);
  return new_event{Event::type_name, Event::schema_version, std::string(buf.data(), buf.size())};
}

template <class... Events>
new_event encode(const std::variant<Events...>& v) {
  return std::visit([](const auto& e) { return encode(e); }, v);
}

// An upcaster rewrites an old payload (as msgpack) into the shape of the next
// schema version. Old events are never rewritten in the log; they are lifted
// on every read. Keyed by event type and the version it upgrades from.
using upcaster = std::function<std::string(const std::string& payload)>;
void register_upcaster(const std::string& type, int from_version, upcaster fn);
// Lifts a payload from `version` to `target`; throws decode_error when a
// step is missing.
std::string upcast(const std::string& type, int version, int target, std::string payload);

// msgpack's unpack with limits a payload of `bytes` can honestly need: no
// array, map or string longer than the payload itself, nesting at most 64
// (a corrupted log must not ask for 64 GB, nor recurse without end). Throws
// what msgpack throws.
msgpack::object_handle unpack_bounded(const std::string& bytes);

template <class Event>
Event decode_payload(const std::string& type, int version, const std::string& payload) {
  if (version > Event::schema_version)
    throw decode_error(type + " has schema version " + std::to_string(version) +
                       ", newer than this build knows (" + std::to_string(Event::schema_version) +
                       ")");
  const std::string lifted = version < Event::schema_version
                                 ? upcast(type, version, Event::schema_version, payload)
                                 : std::string();
  const std::string& bytes = lifted.empty() ? payload : lifted;
  try {
    auto handle = unpack_bounded(bytes);
    Event e;
    handle.get().convert(e);
    return e;
  } catch (const std::exception& ex) {
    throw decode_error(type + " payload does not decode: " + ex.what());
  }
}

namespace detail {
template <class Variant, std::size_t I = 0>
Variant decode_alternative(const recorded_event& r) {
  if constexpr (I == std::variant_size_v<Variant>) {
    throw decode_error("unknown event type '" + r.type + "' in stream " + r.stream);
  } else {
    using Event = std::variant_alternative_t<I, Variant>;
    if (r.type == Event::type_name)
      return Variant{decode_payload<Event>(r.type, r.schema_version, r.payload)};
    return decode_alternative<Variant, I + 1>(r);
  }
}
}  // namespace detail

// Decodes a recorded event into the variant of its stream kind.
template <class Variant>
Variant decode(const recorded_event& r) {
  return detail::decode_alternative<Variant>(r);
}

// The payload as JSON text, for people (replay) rather than for the fold.
std::string payload_to_json(const std::string& payload);

}  // namespace cumulo
