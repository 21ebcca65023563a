// Text put into the XML libvirt is given (network and domain definitions):
// names and paths come from users, so they are escaped, never pasted.
#pragma once

#include <string>
#include <string_view>

namespace cumulo {

std::string xml_escaped(std::string_view in);

}  // namespace cumulo
