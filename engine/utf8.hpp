// UTF-8 as RFC 3629 has it: no overlong forms (%C0%AE is not '.'), no
// surrogates, nothing past U+10FFFF. Text that is not valid UTF-8 is refused
// at the door, so nothing stored, logged or rendered as JSON ever holds it.
#pragma once

#include <string_view>

namespace cumulo {

bool valid_utf8(std::string_view text);

}  // namespace cumulo
