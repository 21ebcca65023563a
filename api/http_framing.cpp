#include "api/http_framing.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

namespace cumulo::api {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// A chunk-size line is at most this long: more is an attack, not a size.
constexpr std::size_t max_line = 4096;

// RFC 9110 §5.6.2's tchar.
bool is_token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

}  // namespace

std::string request_head::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

std::size_t head_end(std::string_view buffer, std::size_t from) {
  // Only the new bytes (and the 3 before them) are searched: a head that
  // arrives a byte at a time costs linear time, not quadratic.
  from = from > 3 ? from - 3 : 0;
  // A head ended by bare LFs ends too (and is then refused), rather than
  // waiting for a CRLF that never comes: whichever end comes first.
  const auto crlf = buffer.find("\r\n\r\n", from);
  const auto lf = buffer.find("\n\n", from);
  if (crlf != std::string_view::npos && (lf == std::string_view::npos || crlf + 2 <= lf))
    return crlf + 4;
  return lf == std::string_view::npos ? std::string_view::npos : lf + 2;
}

std::string head_for_pistache(std::string_view head, std::string_view target) {
  const auto mark = target.find('?');
  const std::string_view query =
      mark == std::string_view::npos ? std::string_view() : target.substr(mark + 1);
  const std::string ours = lower(raw_query_header_name);
  std::string out;
  out.reserve(head.size() + query.size() + 32);
  bool first = true;
  bool legacy = false;  // Nova's /compute/v2: served as v2.1 at 2.1
  while (!head.empty()) {
    auto eol = head.find("\r\n");
    std::string_view line = head.substr(0, eol == std::string_view::npos ? head.size() : eol + 2);
    head.remove_prefix(line.size());
    std::string_view content = line;
    if (content.size() >= 2 && content.substr(content.size() - 2) == "\r\n")
      content.remove_suffix(2);
    if (content.empty()) {  // the blank line: the head ends here
      if (!query.empty())
        out.append(raw_query_header_name).append(": ").append(query).append("\r\n");
      out += line;
      out.append(head);
      return out;
    }
    if (first) {
      // Nova's legacy /compute/v2 (which discovery advertises) is v2.1
      // without microversions: its paths become v2.1's, its version
      // headers are dropped so that 2.1 is what answers.
      static constexpr std::string_view v2 = "/compute/v2";
      const auto space = line.find(' ');
      if (space != std::string_view::npos && line.substr(space + 1, v2.size()) == v2) {
        const auto next = line.size() > space + 1 + v2.size() ? line[space + 1 + v2.size()] : ' ';
        if (next == '/' || next == ' ' || next == '?') {
          legacy = true;
          out.append(line.substr(0, space + 1 + v2.size())).append(".1");
          out.append(line.substr(space + 1 + v2.size()));
          first = false;
          continue;
        }
      }
    }
    auto colon = content.find(':');
    const bool header = !first && colon != std::string_view::npos;
    const std::string name = header ? lower(trim(content.substr(0, colon))) : std::string();
    const bool dropped =
        header &&
        (trim(content.substr(colon + 1)).empty() || name == ours ||
         (legacy && (name == "openstack-api-version" || name == "x-openstack-nova-api-version")));
    if (!dropped) out += line;
    first = false;
  }
  return out;
}

std::optional<request_head> parse_request_head(std::string_view text) {
  return parse_request_head_why(text).head;
}

head_parse parse_request_head_why(std::string_view text) {
  auto refuse = [](const char* why) { return head_parse{std::nullopt, why}; };
  request_head h;
  // CRLF only: a bare LF is how one server's request hides in another's.
  for (std::size_t i = 0; i < text.size(); ++i)
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r'))
      return refuse("Line ends must be CRLF.");
  auto eol = text.find("\r\n");
  if (eol == std::string_view::npos) return refuse("The request line is missing.");
  // method SP request-target SP HTTP-version, exactly (RFC 9112 §3).
  std::string_view line = text.substr(0, eol);
  auto sp1 = line.find(' ');
  auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp1 == std::string_view::npos || sp2 == std::string_view::npos ||
      line.find(' ', sp2 + 1) != std::string_view::npos)
    return refuse("The request line must be: method, target and HTTP version.");
  h.method = std::string(line.substr(0, sp1));
  h.target = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
  h.version = std::string(line.substr(sp2 + 1));
  if (h.method.empty() || !std::all_of(h.method.begin(), h.method.end(), is_token_char))
    return refuse("The request's method is not a token.");
  if (h.version != "HTTP/1.1" && h.version != "HTTP/1.0")
    return refuse("Only HTTP/1.0 and HTTP/1.1 are spoken here.");
  if (h.target.empty() || h.target[0] != '/')
    return refuse("The request target must be an absolute path.");
  for (char c : h.target)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
      return refuse("The request target holds a control character.");
  h.path = h.target.substr(0, h.target.find('?'));
  text.remove_prefix(eol + 2);
  while (!text.empty()) {
    eol = text.find("\r\n");
    if (eol == std::string_view::npos || eol == 0) break;
    std::string_view header = text.substr(0, eol);
    text.remove_prefix(eol + 2);
    if (header[0] == ' ' || header[0] == '\t')
      return refuse("Folded header lines are not accepted.");
    auto colon = header.find(':');
    if (colon == std::string_view::npos) return refuse("A header line has no colon.");
    const std::string_view name = header.substr(0, colon);
    // No space before the colon (RFC 9112 §5.1): two parsers would read two names.
    if (name.empty() || !std::all_of(name.begin(), name.end(), is_token_char))
      return refuse("A header name is not a token.");
    const std::string key = lower(name);
    std::string value(trim(header.substr(colon + 1)));
    for (char c : value)
      if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f)
        return refuse("A header value holds a control character.");
    auto [it, fresh] = h.headers.emplace(key, value);
    if (!fresh) {
      // Two framings of one request: which one a proxy reads is anyone's guess.
      if (key == "content-length" || key == "transfer-encoding" || key == "host")
        return refuse("The request repeats a Content-Length, Transfer-Encoding or Host header.");
      it->second += ", " + value;  // a list header, as RFC 9110 §5.3 combines them
    }
  }
  return {h, nullptr};
}

body_framing body_framing::of_length(std::uint64_t length) {
  body_framing f;
  f.left_ = length;
  f.state_ = length == 0 ? state::done : state::length;
  return f;
}

body_framing body_framing::chunked() {
  body_framing f;
  f.chunked_ = true;
  f.state_ = state::size_line;
  return f;
}

std::optional<body_framing> body_framing::of(const request_head& head) {
  const std::string te = lower(head.header("transfer-encoding"));
  const std::string cl = head.header("content-length");
  if (!te.empty()) {
    if (!cl.empty() || te != "chunked") return std::nullopt;
    return chunked();
  }
  if (cl.empty()) return of_length(0);
  // Digits only ("-1", "+5" and "0x10" are not lengths), and no more than
  // a body could ever be here.
  if (cl.size() > 19 || !std::all_of(cl.begin(), cl.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(cl.data(), cl.data() + cl.size(), n);
  if (ec != std::errc() || end != cl.data() + cl.size() || n > max_content_length) return std::nullopt;
  return of_length(n);
}

std::optional<std::uint64_t> body_framing::declared_length() const {
  if (chunked_) return std::nullopt;
  return left_;
}

std::size_t body_framing::feed(const char* data, std::size_t size, const sink& out) {
  std::size_t used = 0;
  while (used < size && state_ != state::done && state_ != state::failed) {
    const char* p = data + used;
    const std::size_t n = size - used;
    switch (state_) {
      case state::length:
      case state::data: {
        const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(left_, n));
        out(p, take);
        used += take;
        left_ -= take;
        if (left_ == 0) state_ = state_ == state::length ? state::done : state::data_end;
        break;
      }
      case state::size_line:
      case state::data_end:
      case state::trailer: {
        const char* nl = static_cast<const char*>(std::memchr(p, '\n', n));
        const std::size_t take = nl ? static_cast<std::size_t>(nl - p) + 1 : n;
        line_.append(p, take);
        used += take;
        if (line_.size() > max_line) {
          state_ = state::failed;
          break;
        }
        if (!nl) break;
        std::string_view line = trim(std::string_view(line_).substr(0, line_.size() - 1));
        if (state_ == state::data_end) {
          // The CRLF after a chunk's data.
          state_ = line.empty() ? state::size_line : state::failed;
        } else if (state_ == state::trailer) {
          if (line.empty()) state_ = state::done;  // else: a trailer field, skipped
        } else {
          line = line.substr(0, line.find(';'));
          std::uint64_t chunk = 0;
          auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), chunk, 16);
          if (line.empty() || ec != std::errc() || end != line.data() + line.size()) {
            state_ = state::failed;
          } else {
            left_ = chunk;
            state_ = chunk == 0 ? state::trailer : state::data;
          }
        }
        line_.clear();
        break;
      }
      case state::done:
      case state::failed:
        break;
    }
  }
  return used;
}

}  // namespace cumulo::api
