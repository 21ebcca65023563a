#include "cli/replay_print.hpp"

#include <algorithm>
#include <iomanip>
#include <ostream>
#include <sstream>

#include "engine/clock.hpp"
#include "engine/codec.hpp"

namespace cumulo::cli {
namespace {

std::string or_dash(const std::string& s) {
  return s.empty() ? "-" : s;
}

// payload_to_json gives a quoted placeholder string for bytes that are not
// msgpack: keep it, so the event is still shown.
json payload_of(const recorded_event& r) {
  return json::parse(payload_to_json(r.payload), nullptr, false);
}

}  // namespace

std::string count(std::int64_t n, const std::string& noun) {
  return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

void print_streams(std::ostream& out, const std::vector<stream_info>& streams) {
  std::size_t width = 6;  // "STREAM"
  std::int64_t total = 0, last_seq = 0;
  for (const auto& s : streams) {
    width = std::max(width, s.stream.size());
    total += s.events;
    last_seq = std::max(last_seq, s.last_seq);
  }
  out << std::left << std::setw(static_cast<int>(width)) << "STREAM" << std::right << "  "
      << std::setw(8) << "EVENTS"
      << "  " << std::setw(10) << "FIRST SEQ"
      << "  " << std::setw(10) << "LAST SEQ"
      << "  LAST TIME\n";
  for (const auto& s : streams) {
    out << std::left << std::setw(static_cast<int>(width)) << s.stream << std::right << "  "
        << std::setw(8) << s.events << "  " << std::setw(10) << s.first_seq << "  " << std::setw(10)
        << s.last_seq << "  " << format_iso8601_us(s.last_time_us) << "\n";
  }
  out << "total: " << count(total, "event") << " in "
      << count(static_cast<std::int64_t>(streams.size()), "stream") << ", last seq " << last_seq
      << "\n";
}

json streams_json(const std::vector<stream_info>& streams) {
  json list = json::array();
  std::int64_t total = 0, last_seq = 0;
  for (const auto& s : streams) {
    list.push_back(json{{"stream", s.stream},
                        {"events", s.events},
                        {"first_seq", s.first_seq},
                        {"last_seq", s.last_seq},
                        {"last_time", format_iso8601_us(s.last_time_us)}});
    total += s.events;
    last_seq = std::max(last_seq, s.last_seq);
  }
  return json{{"streams", std::move(list)}, {"events", total}, {"last_seq", last_seq}};
}

void print_event(std::ostream& out, const recorded_event& r) {
  out << "seq " << r.seq << "  " << format_iso8601_us(r.time_us) << "  " << r.type << " (schema "
      << r.schema_version << ")  " << r.stream << " version " << r.version << "\n    request "
      << or_dash(r.request_id) << "  user " << or_dash(r.user_id) << "\n    "
      << payload_of(r).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

json event_json(const recorded_event& r) {
  return json{{"seq", r.seq},
              {"stream", r.stream},
              {"version", r.version},
              {"type", r.type},
              {"schema_version", r.schema_version},
              {"time", format_iso8601_us(r.time_us)},
              {"request_id", r.request_id},
              {"user_id", r.user_id},
              {"payload", payload_of(r)}};
}

void print_state(std::ostream& out, const nlohmann::json& state, int indent) {
  std::istringstream lines(state.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
  const std::string pad(static_cast<std::size_t>(indent), ' ');
  for (std::string line; std::getline(lines, line);) out << pad << line << "\n";
}

std::string describe(const fold_failure& f) {
  return "event seq " + std::to_string(f.seq) + " (stream " + f.stream + ", version " +
         std::to_string(f.version) + ", type " + f.type + "): " + f.why;
}

json failure_json(const fold_failure& f) {
  return json{{"seq", f.seq},
              {"stream", f.stream},
              {"version", f.version},
              {"type", f.type},
              {"reason", f.why}};
}

}  // namespace cumulo::cli
