#include "api/responder.hpp"

namespace cumulo::api {

void respond(responder& r, int status, const nlohmann::json& body) {
  r.log().info("-> {}", status);
  r.send(status, body);
}

void respond_error(responder& r, int status, const std::string& message,
                   const std::string& neutron_type) {
  r.log().info("-> {} {}", status, message);
  r.send(status, error_body(r.svc(), status, message, neutron_type));
}

void respond_error(responder& r, const domain_error& e, const std::string& neutron_type) {
  respond_error(r, status_of(e), e.message, neutron_type);
}

}  // namespace cumulo::api
