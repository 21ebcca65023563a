// Identifiers as OpenStack prints them. Making new ones reads the clock and
// the kernel's randomness: store/ids.hpp.
#pragma once

#include <string>

namespace cumulo {

bool is_uuid(const std::string& text);

}  // namespace cumulo
