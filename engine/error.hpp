// Typed errors of the domain: what a decide() refuses and why. The API
// layer maps each code to the HTTP status and error body of its service.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

namespace cumulo {

enum class errc {
  bad_request,    // 400: the input itself is wrong
  unauthorized,   // 401
  forbidden,      // 403
  not_found,      // 404
  conflict,       // 409: not allowed in the current state, or a duplicate
  over_quota,     // 409 in Neutron/Nova terms
  no_valid_host,  // scheduling found no host: the instance goes to ERROR
  unavailable,    // 503: an actor did not answer in time
  internal,       // 500: a bug; never the answer to bad input
  too_large,      // 413: more than a limit allows (Glance's property and tag quotas)
};

const char* to_string(errc code);
int http_status(errc code);

struct domain_error {
  errc code = errc::internal;
  std::string message;
  // Neutron's exception name for its error body ("NetworkNotFound",
  // "IpAddressGenerationFailure"); empty: the generic one of the status.
  std::string type = {};
};

inline domain_error make_domain_error(errc code, std::string message) {
  return domain_error{code, std::move(message)};
}

inline domain_error make_neutron_error(errc code, std::string type, std::string message) {
  return domain_error{code, std::move(message), std::move(type)};
}

// The value of a decide(), or the reason it was refused.
template <class T>
class outcome {
 public:
  outcome(T value) : v_(std::move(value)) {}     // NOLINT: implicit on purpose
  outcome(domain_error e) : v_(std::move(e)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  const domain_error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, domain_error> v_;
};

// An event that can't be applied to the state it meets: the log is not one
// this code could have written (or a bug). replay verify reports it.
class invalid_event : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace cumulo
