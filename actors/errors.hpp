// Domain errors travel between actors as caf::error of the "cumulo"
// category; the context carries the message a user will read.
#pragma once

#include <caf/error.hpp>

#include "engine/error.hpp"

namespace cumulo {

caf::error to_caf_error(const domain_error& e);
// Any caf::error as a domain error: ours come back as they went; a timeout
// is `unavailable`; anything else (an actor died) is `internal`.
domain_error from_caf_error(const caf::error& e);

}  // namespace cumulo
