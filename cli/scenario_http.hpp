// The scenario runner's HTTP client (libcurl): one request at a time per
// thread, each thread keeping its own connection alive.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <string>

namespace cumulo::cli {

struct http_reply {
  long status = 0;                             // 0: no answer (connection refused, timeout)
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string transport_error;  // curl's words when status is 0

  nlohmann::json json() const;  // the body parsed; null when it is not JSON
  // The error message of any OpenStack service's error body (Nova, Neutron,
  // Keystone, Glance), else the body itself.
  std::string error_message() const;
};

// Call once from the main thread before any other thread uses the client.
void http_init();

http_reply http_call(const std::string& method, const std::string& url, const std::string& body,
                     const std::map<std::string, std::string>& headers, long timeout_seconds = 60);

}  // namespace cumulo::cli
