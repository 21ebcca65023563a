// The wall clock: microseconds since the Unix epoch, UTC. The one place
// that reads it; everything pure takes time as a value or a clock_fn.
#pragma once

#include <cstdint>

#include "engine/clock.hpp"

namespace cumulo {

std::int64_t now_us();

// now_us as a clock_fn, for what takes an injected clock.
inline clock_fn wall_clock() { return [] { return now_us(); }; }

}  // namespace cumulo
