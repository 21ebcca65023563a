// The answer to one HTTP request, as the handlers and the actor bridge see
// it. The server's implementation wraps Pistache's ResponseWriter and adds
// the request id headers; tests fake it.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

#include "api/errors.hpp"
#include "api/request_log.hpp"

namespace cumulo::api {

// Extra response headers (name, value), e.g. X-Subject-Token.
using header_list = std::vector<std::pair<std::string, std::string>>;

// A body that is no body: 204, and answers to HEAD.
inline const nlohmann::json no_body = nlohmann::json::value_t::discarded;

class responder {
 public:
  responder(service svc, std::string request_id) : svc_(svc), log_(std::move(request_id)) {}
  virtual ~responder() = default;
  responder(const responder&) = delete;
  responder& operator=(const responder&) = delete;

  service svc() const { return svc_; }
  const std::string& request_id() const { return log_.id(); }
  const request_log& log() const { return log_; }

  // Writes the status, headers and JSON body (no_body: none) with the
  // request id headers. Only the first call writes; safe from any thread.
  // Use respond() instead.
  virtual void send(int status, const nlohmann::json& body, const header_list& headers) = 0;

 private:
  service svc_;
  request_log log_;
};

// Answers and logs the status under the request id.
void respond(responder& r, int status, const nlohmann::json& body,
             const header_list& headers = {});
// Answers with an error body in the responder's service format.
void respond_error(responder& r, int status, const std::string& message,
                   const std::string& neutron_type = "");
void respond_error(responder& r, const domain_error& e, const std::string& neutron_type = "");

}  // namespace cumulo::api
