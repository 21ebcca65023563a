#include "api/bridge.hpp"

#include <caf/sec.hpp>

#include "actors/errors.hpp"

namespace cumulo::api {

std::optional<domain_error> domain_error_of(const caf::error& e) {
  if (e.category() != caf::atom("cumulo")) return std::nullopt;
  return from_caf_error(e);
}

void respond_failure(responder& r, const caf::error& e) {
  if (auto de = domain_error_of(e)) {
    respond_error(r, *de);
    return;
  }
  if (e == caf::sec::request_timeout || e == caf::sec::request_receiver_down) {
    r.log().warn("actor request failed: {}", caf::to_string(e));
    respond_error(r, 503, "The service did not answer in time; try again.");
    return;
  }
  r.log().error("actor request failed: {}", caf::to_string(e));
  respond_error(r, 500, "The service failed to answer the request.");
}

}  // namespace cumulo::api
