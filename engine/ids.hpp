// Identifiers as OpenStack prints them.
#pragma once

#include <string>

namespace cumulo {

// A random (version 4) UUID, lower-case with dashes.
std::string new_uuid();
// "req-<uuid>", the form of x-openstack-request-id.
std::string new_request_id();
bool is_uuid(const std::string& text);

}  // namespace cumulo
