// Just enough HTTP/1.1 framing to stream a request body past a server that
// would buffer it: where a request head ends, what it says, and where its
// body (Content-Length or chunked) ends. Free of Pistache, so it is tested
// on its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace cumulo::api {

struct request_head {
  std::string method;
  std::string target;  // as sent: path and query
  std::string path;    // without the query
  std::string version;  // "HTTP/1.1"
  std::map<std::string, std::string> headers;  // names in lower case

  std::string header(const std::string& lower_name) const;
};

// The head in `text` (up to and including the blank line), or nothing when
// it is not a request line and headers. Strict, as RFC 9112 asks of a server
// that sits behind or beside other parsers: CRLF line ends, one space
// between the request line's parts, token header names with no space before
// the colon, no folded lines, no control characters, and no second
// Content-Length, Transfer-Encoding or Host.
std::optional<request_head> parse_request_head(std::string_view text);

// The same, with the reason a head was refused (a static string).
struct head_parse {
  std::optional<request_head> head;
  const char* why = nullptr;
};
head_parse parse_request_head_why(std::string_view text);

// The largest Content-Length taken: 2^62 (no body here comes near; larger
// numbers are how parsers are made to overflow).
constexpr std::uint64_t max_content_length = std::uint64_t{1} << 62;

// The name of the header that carries a request's raw query to the routes
// (api/query.hpp).
inline constexpr const char* raw_query_header_name = "X-Cumulo-Query";

// The head as Pistache gets it: without header lines of empty value
// (they say nothing, and Pistache refuses some: the SDK sends "Accept: "
// on PATCH, which Pistache answers with its own 415), without any
// X-Cumulo-Query the client sent, and with X-Cumulo-Query:
// <the target's query as sent> when `target` has one. A target under Nova's
// legacy /compute/v2 becomes /compute/v2.1's, without the microversion
// headers (v2 is v2.1 at 2.1).
std::string head_for_pistache(std::string_view head, std::string_view target);

// The end of a request head in `buffer` (one past "\r\n\r\n", or past a
// bare "\n\n", which the parser then refuses), or npos. `from`: how many
// bytes of buffer were searched already.
std::size_t head_end(std::string_view buffer, std::size_t from = 0);

// A request body as it arrives in pieces: de-chunks it and says where it
// ends. Content-Length and chunked (RFC 9112 §7.1: sizes in hex,
// extensions ignored, trailers skipped).
class body_framing {
 public:
  // Content-Length: n; none of the two: an empty body.
  static body_framing of_length(std::uint64_t length);
  static body_framing chunked();
  // The framing a head asks for, or nothing when it is malformed
  // (a Content-Length that is no number, or both).
  static std::optional<body_framing> of(const request_head& head);

  using sink = std::function<void(const char*, std::size_t)>;
  // Passes the body bytes in data to `out`; returns how many bytes of data
  // belonged to this body (the rest is the next request's).
  std::size_t feed(const char* data, std::size_t size, const sink& out);
  bool done() const { return state_ == state::done; }
  bool failed() const { return state_ == state::failed; }
  bool is_chunked() const { return chunked_; }
  std::optional<std::uint64_t> declared_length() const;

 private:
  enum class state { length, size_line, data, data_end, trailer, done, failed };
  bool chunked_ = false;
  state state_ = state::length;
  std::uint64_t left_ = 0;  // bytes of the body or of the current chunk
  std::string line_;        // a chunk-size or trailer line being read
};

}  // namespace cumulo::api
