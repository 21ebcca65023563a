// The answer to one HTTP request, as the handlers and the actor bridge see
// it. The server's implementation wraps Pistache's ResponseWriter and adds
// the request id headers; tests fake it.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
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

  // Writes the status, headers and body (JSON text; "": no body) with the
  // request id headers. Only the first call writes; safe from any thread.
  // Use respond() instead.
  virtual void send_text(int status, std::string json_text, const header_list& headers) = 0;
  // Answers 200 with a file's bytes (application/octet-stream), streamed
  // from disk, never read into memory. Only the first call writes.
  virtual void send_file(const std::string& path, const header_list& headers);
  // Answers with a body of any media type ("text/css; charset=utf-8"): the
  // dashboard's files. Only the first call writes.
  virtual void send_typed(int status, std::string body, const std::string& content_type,
                          const header_list& headers);
  void send(int status, const nlohmann::json& body, const header_list& headers) {
    // replace: text that is not UTF-8 (a log written before the door
    // refused it) renders with U+FFFD instead of failing every answer.
    send_text(status,
              body.is_discarded()
                  ? std::string()
                  : body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
              headers);
  }

  // A header every answer to this request carries, errors included (the
  // compute microversion's). Set before the request is handed to an actor.
  void add_header(std::string name, std::string value) {
    extra_.emplace_back(std::move(name), std::move(value));
  }
  const header_list& extra_headers() const { return extra_; }

  // "GET /v3/projects", for the one log line of the answer.
  void set_request_line(std::string line) { request_line_ = std::move(line); }
  const std::string& request_line() const { return request_line_; }
  // Microseconds since the responder was made.
  std::int64_t elapsed_us() const;

 private:
  service svc_;
  request_log log_;
  std::string request_line_;
  header_list extra_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// Answers and logs the status under the request id (one line per
// request: method, path, status, time taken).
void respond(responder& r, int status, const nlohmann::json& body, const header_list& headers = {});
// The same with a body already serialized (JSON text; "" for none).
void respond_text(responder& r, int status, std::string json_text, const header_list& headers = {});
// Answers with an error body in the responder's service format.
void respond_error(responder& r, int status, const std::string& message,
                   const std::string& neutron_type = "");
void respond_error(responder& r, const domain_error& e, const std::string& neutron_type = "");

}  // namespace cumulo::api
