// A small blocking HTTP client for tests (libcurl): the status, the
// response headers (lower-cased names) and the body.
#pragma once

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <string>

namespace cumulo {

struct http_response {
  long status = 0;
  std::map<std::string, std::string> headers;
  std::string body;
};

inline http_response http_request(const std::string& method, const std::string& url,
                                  const std::string& body = "",
                                  const std::map<std::string, std::string>& headers = {}) {
  http_response r;
  CURL* curl = curl_easy_init();
  curl_slist* list = nullptr;
  for (const auto& [k, v] : headers) list = curl_slist_append(list, (k + ": " + v).c_str());
  // As the SDK and the dashboard ask (Glance answers HTML errors to curl's
  // default "*/*"); a test that wants what curl gets says so.
  bool accept = false;
  for (const auto& [k, v] : headers) accept = accept || k == "Accept" || k == "accept";
  if (!accept) list = curl_slist_append(list, "Accept: application/json");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  // A HEAD answer has headers only: without NOBODY curl would wait for the body.
  if (method == "HEAD") curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
  curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");  // loopback only, whatever the environment says
  if (!body.empty()) {
    // Binary bodies (image data) may hold NUL bytes: give the size.
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  }
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION,
                   +[](char* p, size_t s, size_t n, void* out) -> size_t {
                     static_cast<std::string*>(out)->append(p, s * n);
                     return s * n;
                   });
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &r.headers);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION,
                   +[](char* p, size_t s, size_t n, void* out) -> size_t {
                     std::string line(p, s * n);
                     auto colon = line.find(':');
                     if (colon != std::string::npos) {
                       std::string name = line.substr(0, colon);
                       std::transform(name.begin(), name.end(), name.begin(),
                                      [](unsigned char c) { return std::tolower(c); });
                       std::string value = line.substr(colon + 1);
                       value.erase(0, value.find_first_not_of(' '));
                       value.erase(value.find_last_not_of("\r\n ") + 1);
                       (*static_cast<std::map<std::string, std::string>*>(out))[name] = value;
                     }
                     return s * n;
                   });
  if (curl_easy_perform(curl) == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
  curl_slist_free_all(list);
  curl_easy_cleanup(curl);
  return r;
}

}  // namespace cumulo
