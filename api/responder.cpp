#include "api/responder.hpp"

namespace cumulo::api {

void respond(responder& r, int status, const nlohmann::json& body, const header_list& headers) {
  r.log().info("-> {}", status);
  r.send(status, body, headers);
}

void respond_error(responder& r, int status, const std::string& message,
                   const std::string& neutron_type) {
  r.log().info("-> {} {}", status, message);
  header_list headers;
  // Keystone tells a client without a valid token where to get one.
  if (status == 401 && r.svc() == service::identity)
    headers.emplace_back("WWW-Authenticate", "Keystone uri=\"/v3\"");
  r.send(status, error_body(r.svc(), status, message, neutron_type), headers);
}

void respond_error(responder& r, const domain_error& e, const std::string& neutron_type) {
  respond_error(r, status_of(e), e.message, neutron_type);
}

}  // namespace cumulo::api
