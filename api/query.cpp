#include "api/query.hpp"

#include <cctype>

namespace cumulo::api {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  return std::tolower(static_cast<unsigned char>(c)) - 'a' + 10;
}

}  // namespace

std::string percent_decoded(std::string_view in, bool plus_is_space) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+' && plus_is_space) {
      out += ' ';
    } else if (in[i] == '%' && i + 2 < in.size() &&
               std::isxdigit(static_cast<unsigned char>(in[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(in[i + 2]))) {
      out += static_cast<char>(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2]));
      i += 2;
    } else {
      out += in[i];
    }
  }
  return out;
}

query_pairs parse_query(std::string_view raw) {
  query_pairs out;
  while (!raw.empty() && out.size() < max_query_pairs) {
    const auto amp = raw.find('&');
    const std::string_view piece = raw.substr(0, amp);
    raw.remove_prefix(amp == std::string_view::npos ? raw.size() : amp + 1);
    if (piece.empty()) continue;
    const auto eq = piece.find('=');
    out.emplace_back(
        percent_decoded(piece.substr(0, eq)),
        eq == std::string_view::npos ? std::string() : percent_decoded(piece.substr(eq + 1)));
  }
  return out;
}

std::set<std::string> query_values(const query_pairs& q, const std::string& key) {
  std::set<std::string> out;
  for (const auto& [k, v] : q) {
    if (k != key) continue;
    std::string_view rest = v;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      if (comma != 0) out.emplace(rest.substr(0, comma));
      rest.remove_prefix(comma == std::string_view::npos ? rest.size() : comma + 1);
    }
  }
  return out;
}

}  // namespace cumulo::api
