#include "engine/error.hpp"

namespace cumulo {

const char* to_string(errc code) {
  switch (code) {
    case errc::bad_request: return "bad_request";
    case errc::unauthorized: return "unauthorized";
    case errc::forbidden: return "forbidden";
    case errc::not_found: return "not_found";
    case errc::conflict: return "conflict";
    case errc::over_quota: return "over_quota";
    case errc::no_valid_host: return "no_valid_host";
    case errc::unavailable: return "unavailable";
    case errc::internal: return "internal";
    case errc::too_large: return "too_large";
  }
  return "internal";
}

int http_status(errc code) {
  switch (code) {
    case errc::bad_request: return 400;
    case errc::unauthorized: return 401;
    case errc::forbidden: return 403;
    case errc::not_found: return 404;
    case errc::conflict:
    case errc::over_quota:
    case errc::no_valid_host: return 409;
    case errc::unavailable: return 503;
    case errc::internal: return 500;
    case errc::too_large: return 413;
  }
  return 500;
}

}  // namespace cumulo
