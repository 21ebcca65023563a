#include "api/compute_bridge.hpp"

#include "api/routing.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

// The compute API's own negotiation (api/compute.cpp), for the servers
// routes too.
microversion_result negotiated(const Pistache::Rest::Request& req) {
  return parse_microversion(header_of(req, "OpenStack-API-Version"),
                            header_of(req, "X-OpenStack-Nova-API-Version"));
}

}  // namespace

int microversion_of(const Pistache::Rest::Request& req) {
  const auto v = negotiated(req);
  return v.status ? 0 : v.version.minor;
}

void respond_bad_microversion(responder& r, const Pistache::Rest::Request& req) {
  const auto v = negotiated(req);
  respond(r, v.status, error_body(service::compute, v.status, v.error),
          compute_version_headers(1));
}

header_list compute_version_headers(int minor) {
  const std::string v = "2." + std::to_string(minor);
  return {{"OpenStack-API-Version", "compute " + v},
          {"X-OpenStack-Nova-API-Version", v},
          {"Vary", "OpenStack-API-Version, X-OpenStack-Nova-API-Version"}};
}

std::shared_ptr<responder> with_version_headers(std::shared_ptr<responder> r, int minor) {
  for (auto& [name, value] : compute_version_headers(minor)) r->add_header(name, value);
  return r;
}

}  // namespace cumulo::api
