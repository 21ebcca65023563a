// Time as the log keeps it: microseconds since the Unix epoch, UTC, and the
// ISO 8601 forms OpenStack's APIs print. The engine never reads a clock:
// time comes in as a value, or as a clock_fn that the caller injects (the
// wall clock is store/wall_clock.hpp's; tests pass their own).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace cumulo {

using clock_fn = std::function<std::int64_t()>;
// 2026-11-25T10:00:00Z
std::string format_iso8601(std::int64_t time_us);
// 2026-11-25T10:00:00.123456Z
std::string format_iso8601_us(std::int64_t time_us);
// Accepts YYYY-MM-DDTHH:MM:SS with an optional fraction and an optional Z or
// +00:00; nullopt for anything else.
std::optional<std::int64_t> parse_iso8601(const std::string& text);

}  // namespace cumulo
