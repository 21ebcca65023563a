// Identifiers as OpenStack prints them. Making new ones reads the clock and
// the kernel's randomness: store/ids.hpp.
#pragma once

#include <string>

namespace cumulo {

bool is_uuid(const std::string& text);

// A name-based (version 5, SHA-1) UUID: the same name gives the same id on
// every fold, for what an old log implies but never named (the sharing
// policy of a network shared before RBAC policies were recorded).
std::string name_based_uuid(const std::string& name);

}  // namespace cumulo
