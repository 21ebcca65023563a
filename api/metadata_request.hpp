// What the metadata service reads of a guest's request, and the answer it
// writes: pure (no socket), so it is tested and fuzzed on its own
// (tests/fuzz/metadata_fuzz.cpp). A guest is a hostile client: the head is
// bounded, parsed strictly (api/http_framing's parser) and only GET and
// HEAD are served.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace cumulo::api {

// The largest request head (request line and headers) taken: 431 beyond.
inline constexpr std::size_t metadata_max_head_bytes = 8192;

struct metadata_request {
  std::string path;     // percent-decoded, without the query
  bool head = false;    // HEAD: the answer without its body
  bool http10 = false;  // answered as HTTP/1.0
};

// A request, or the status to refuse it with (400 malformed, 405 a method
// other than GET and HEAD, 431 too large) and why (a static string).
struct metadata_parse {
  std::optional<metadata_request> request;
  int status = 0;
  const char* why = nullptr;
};

// `head`: the bytes up to and including the blank line. Strict: CRLF line
// ends, HTTP/1.0 or 1.1, an absolute path, no folded or malformed headers,
// Host required of HTTP/1.1 (RFC 9112 §3.2), no NUL or control character
// in the decoded path.
metadata_parse parse_metadata_request(std::string_view head);

// A whole answer as it goes on the wire: the status line, Content-Type,
// Content-Length, Connection: close (each connection carries one request),
// Allow on a 405, and the body unless head_only.
std::string metadata_http_response(int status, std::string_view content_type, std::string_view body,
                                   bool head_only = false, bool http10 = false);

// The plain-text answer of a refusal (its reason phrase and why).
std::string metadata_error_response(int status, std::string_view why, bool http10 = false);

}  // namespace cumulo::api
