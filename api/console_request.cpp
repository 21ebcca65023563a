#include "api/console_request.hpp"

#include <cctype>

namespace cumulo::api {

std::string console_token_of(const std::string& query) {
  std::size_t at = 0;
  while (at <= query.size()) {
    auto end = query.find('&', at);
    if (end == std::string::npos) end = query.size();
    if (query.compare(at, 6, "token=") == 0) {
      const auto token = query.substr(at + 6, end - at - 6);
      if (token.empty() || token.size() > 64) return "";
      for (unsigned char c : token)
        if (!(std::isxdigit(c) || c == '-')) return "";
      return token;
    }
    at = end + 1;
  }
  return "";
}

std::string authority_host(const std::string& authority) {
  std::string host;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    host = close == std::string::npos ? authority : authority.substr(1, close - 1);
  } else {
    host = authority.substr(0, authority.find(':'));
  }
  for (auto& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return host;
}

bool console_origin_allowed(const std::string& origin, const std::string& host) {
  if (origin.empty()) return true;
  const auto scheme_end = origin.find("://");
  if (scheme_end == std::string::npos) return false;
  const auto scheme = origin.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") return false;
  const auto origin_host = authority_host(origin.substr(scheme_end + 3));
  return !origin_host.empty() && origin_host == authority_host(host);
}

}  // namespace cumulo::api
