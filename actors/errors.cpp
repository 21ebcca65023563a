#include "actors/errors.hpp"

#include <caf/atom.hpp>
#include <caf/message.hpp>
#include <caf/sec.hpp>

namespace cumulo {
namespace {
constexpr caf::atom_value category = caf::atom("cumulo");
}

caf::error to_caf_error(const domain_error& e) {
  // Code 0 means "no error" to CAF: shift ours by one.
  return caf::error(static_cast<std::uint8_t>(static_cast<int>(e.code) + 1), category,
                    caf::make_message(e.message, e.type));
}

domain_error from_caf_error(const caf::error& e) {
  if (e.category() == category) {
    std::string message, type;
    if (e.context().match_elements<std::string, std::string>()) {
      message = e.context().get_as<std::string>(0);
      type = e.context().get_as<std::string>(1);
    } else if (e.context().match_elements<std::string>()) {
      message = e.context().get_as<std::string>(0);
    }
    return domain_error{static_cast<errc>(e.code() - 1), message, type};
  }
  if (e == caf::sec::request_timeout)
    return domain_error{errc::unavailable, "The service did not answer in time; try again."};
  return domain_error{errc::internal, "internal error: " + caf::to_string(e)};
}

}  // namespace cumulo
