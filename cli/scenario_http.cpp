#include "cli/scenario_http.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>

namespace cumulo::cli {
namespace {

std::size_t on_body(char* p, std::size_t s, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(p, s * n);
  return s * n;
}

std::size_t on_header(char* p, std::size_t s, std::size_t n, void* out) {
  std::string line(p, s * n);
  const auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    value.erase(value.find_last_not_of("\r\n ") + 1);
    (*static_cast<std::map<std::string, std::string>*>(out))[name] = value;
  }
  return s * n;
}

// One handle per thread: curl keeps its connection between requests.
CURL* handle() {
  struct holder {
    CURL* h = curl_easy_init();
    ~holder() { curl_easy_cleanup(h); }
  };
  thread_local holder h;
  return h.h;
}

// The first "message" string of an error body, depth first.
std::string find_message(const nlohmann::json& j) {
  if (j.is_object()) {
    if (auto it = j.find("message"); it != j.end() && it->is_string()) return *it;
    for (const auto& [k, v] : j.items()) {
      auto m = find_message(v);
      if (!m.empty()) return m;
    }
  }
  return "";
}

}  // namespace

nlohmann::json http_reply::json() const {
  auto j = nlohmann::json::parse(body, nullptr, false);
  return j.is_discarded() ? nlohmann::json() : j;
}

std::string http_reply::error_message() const {
  if (status == 0) return transport_error;
  auto m = find_message(json());
  return m.empty() ? body.substr(0, 300) : m;
}

void http_init() {
  curl_global_init(CURL_GLOBAL_DEFAULT);
}

http_reply http_call(const std::string& method, const std::string& url, const std::string& body,
                     const std::map<std::string, std::string>& headers, long timeout_seconds) {
  http_reply r;
  CURL* curl = handle();
  curl_easy_reset(curl);
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> list(nullptr, curl_slist_free_all);
  curl_slist* raw = curl_slist_append(nullptr, "Connection: keep-alive");
  raw = curl_slist_append(raw, "Expect:");  // no 100-continue round trip for uploads
  // As openstacksdk: JSON answers, errors included (Glance's are HTML otherwise).
  raw = curl_slist_append(raw, "Accept: application/json");
  for (const auto& [k, v] : headers) raw = curl_slist_append(raw, (k + ": " + v).c_str());
  list.reset(raw);
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (method == "HEAD") curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list.get());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, timeout_seconds);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM for timeouts
  curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
  if (!body.empty() || method == "POST" || method == "PUT") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  }
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &r.headers);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  const CURLcode rc = curl_easy_perform(curl);
  if (rc == CURLE_OK)
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
  else
    r.transport_error = curl_easy_strerror(rc);
  return r;
}

}  // namespace cumulo::cli
