#include "api/glance_errors.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <optional>

#include "engine/xml_text.hpp"

namespace cumulo::api {
namespace {

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool same_text(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// A media range's q (RFC 9110 12.4.2: 0 to 1, three decimals); 1 when it
// has none, 0 when it is malformed.
double q_of(std::string_view params) {
  while (!params.empty()) {
    const auto semi = params.find(';');
    auto p = trimmed(params.substr(0, semi));
    params = semi == std::string_view::npos ? std::string_view{} : params.substr(semi + 1);
    if (p.size() < 2 || std::tolower(static_cast<unsigned char>(p[0])) != 'q' || p[1] != '=')
      continue;
    p.remove_prefix(2);
    if (p.empty() || p.size() > 5 || (p[0] != '0' && p[0] != '1')) return 0;
    double q = p[0] - '0', scale = 0.1;
    if (p.size() > 1) {
      if (p[1] != '.') return 0;
      for (char c : p.substr(2)) {
        if (!std::isdigit(static_cast<unsigned char>(c))) return 0;
        q += (c - '0') * scale;
        scale /= 10;
      }
    }
    return std::min(q, 1.0);
  }
  return 1;
}

}  // namespace

bool prefers_json(std::string_view accept) {
  std::optional<double> json, html, any;
  for (int ranges = 0; !accept.empty() && ranges < 64; ++ranges) {
    const auto comma = accept.find(',');
    const auto range = accept.substr(0, comma);
    accept = comma == std::string_view::npos ? std::string_view{} : accept.substr(comma + 1);
    const auto semi = range.find(';');
    const auto type = trimmed(range.substr(0, semi));
    const double q = semi == std::string_view::npos ? 1 : q_of(range.substr(semi + 1));
    auto keep = [q](std::optional<double>& slot) { slot = std::max(slot.value_or(0), q); };
    if (same_text(type, "application/json") || same_text(type, "application/*")) keep(json);
    if (same_text(type, "text/html") || same_text(type, "text/*")) keep(html);
    if (type == "*/*") keep(any);
  }
  // A named type's q overrides the wildcard's (the more specific range).
  const double qj = json.value_or(any.value_or(0));
  const double qh = html.value_or(any.value_or(json ? 0 : 1));
  return qj > qh || (qj == qh && qj > 0 && json && !html);
}

std::string glance_error_page(int status, const std::string& json_error) {
  const auto j = nlohmann::json::parse(json_error, nullptr, false);
  std::string title, message;
  if (j.is_object()) {
    if (j.contains("title") && j["title"].is_string()) title = j["title"].get<std::string>();
    if (j.contains("message") && j["message"].is_string())
      message = j["message"].get<std::string>();
  }
  const std::string head = xml_escaped(std::to_string(status) + (title.empty() ? "" : " " + title));
  return "<html>\n <head>\n  <title>" + head + "</title>\n </head>\n <body>\n  <h1>" + head +
         "</h1>\n  " + xml_escaped(message) + "<br /><br />\n\n\n\n </body>\n</html>";
}

}  // namespace cumulo::api
