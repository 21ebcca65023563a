// New identifiers: they read the wall clock and randomness, so they live
// beside the store rather than in the pure engine (engine/ids.hpp checks them).
#pragma once

#include <string>

#include "engine/ids.hpp"

namespace cumulo {

// A time-ordered (version 7) UUID, lower-case with dashes: the time in
// milliseconds first, then 74 random bits. Ids made one after another sort
// next to each other, so new streams land on the same pages of the log's
// (stream, version) index instead of all over it: about 3x the append rate
// of random ids (bench/RESULTS.md). Clients treat ids as opaque.
std::string new_uuid();

// A random (version 4) UUID, for where an id must not reveal when it was made.
std::string new_random_uuid();

// "req-<uuid>", the form of x-openstack-request-id.
std::string new_request_id();

// A random MAC address with OpenStack's prefix: "fa:16:3e:xx:xx:xx".
std::string new_mac_address();

}  // namespace cumulo
