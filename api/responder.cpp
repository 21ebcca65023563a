#include "api/responder.hpp"

namespace cumulo::api {

std::int64_t responder::elapsed_us() const {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                               start_)
      .count();
}

void responder::send_file(const std::string& path, const header_list& headers) {
  (void)path;
  (void)headers;
  send(500, error_body(svc(), 500, "This answer cannot carry a file."), {});
}

void responder::send_typed(int status, std::string body, const std::string& content_type,
                           const header_list& headers) {
  (void)status;
  (void)body;
  (void)content_type;
  (void)headers;
  send(500, error_body(svc(), 500, "This answer cannot carry a typed body."), {});
}

void respond(responder& r, int status, const nlohmann::json& body, const header_list& headers) {
  r.log().info("{} -> {} ({:.1f} ms)", r.request_line(), status, r.elapsed_us() / 1000.0);
  r.send(status, body, headers);
}

void respond_text(responder& r, int status, std::string json_text, const header_list& headers) {
  r.log().info("{} -> {} ({:.1f} ms)", r.request_line(), status, r.elapsed_us() / 1000.0);
  r.send_text(status, std::move(json_text), headers);
}

void respond_error(responder& r, int status, const std::string& message,
                   const std::string& neutron_type) {
  r.log().info("{} -> {} {} ({:.1f} ms)", r.request_line(), status, message,
               r.elapsed_us() / 1000.0);
  header_list headers;
  // Keystone tells a client without a valid token where to get one.
  if (status == 401 && r.svc() == service::identity)
    headers.emplace_back("WWW-Authenticate", "Keystone uri=\"/v3\"");
  r.send(status, error_body(r.svc(), status, message, neutron_type), headers);
}

void respond_error(responder& r, const domain_error& e, const std::string& neutron_type) {
  respond_error(r, status_of(e), e.message, neutron_type.empty() ? e.type : neutron_type);
}

}  // namespace cumulo::api
