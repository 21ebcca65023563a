// Fuzzes api/http_framing, and api/glance_errors' reading of an Accept
// header: the bytes of one connection, as the upload handler
// (api/image_upload.cpp) reads them: a head up to its blank line,
// parse_request_head(_why), head_for_pistache, body_framing::of, then the
// body fed in pieces (de-chunked or counted), then the next request's head.
//
// Input: byte 0 is the piece size the bytes arrive in (1..256); the rest is
// the connection's bytes. Besides crashes (ASan/UBSan), the framing's own
// promises are checked: feed never claims more bytes than it was given, a
// Content-Length body is exactly its declared length.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "api/glance_errors.hpp"
#include "api/http_framing.hpp"

using namespace cumulo::api;

namespace {
void check(bool ok) {
  if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t piece = static_cast<std::size_t>(data[0]) + 1;
  std::string_view conn(reinterpret_cast<const char*>(data) + 1, size - 1);
  // The same bytes as an Accept header, and as the JSON error a page is made of.
  (void)prefers_json(conn);
  (void)glance_error_page(404, std::string(conn));

  // A bare chunked decoder too: the same bytes as a chunked body.
  {
    auto f = body_framing::chunked();
    std::size_t used = 0, out = 0;
    while (used < conn.size() && !f.done() && !f.failed()) {
      const std::size_t n = std::min(piece, conn.size() - used);
      const std::size_t took =
          f.feed(conn.data() + used, n, [&](const char*, std::size_t k) { out += k; });
      check(took <= n);
      if (took == 0) break;
      used += took;
    }
    check(out <= used);
  }

  for (int requests = 0; requests < 64 && !conn.empty(); ++requests) {
    const std::size_t end = head_end(conn);
    // The incremental search (the bytes before `from` searched already)
    // finds the same end.
    if (conn.size() > piece) {
      const std::size_t first = head_end(conn.substr(0, piece));
      if (first == std::string_view::npos) check(head_end(conn, piece) == end);
    }
    if (end == std::string_view::npos) {
      // What the handler forwards when the head never ends.
      (void)parse_request_head(conn);
      (void)head_for_pistache(conn, "/");
      return 0;
    }
    check(end <= conn.size());
    const std::string head(conn.substr(0, end));
    conn.remove_prefix(end);
    auto parsed = parse_request_head(head);
    const auto why = parse_request_head_why(head);
    check(why.head.has_value() == parsed.has_value());
    check(parsed.has_value() || why.why != nullptr);

    if (!parsed) continue;
    // What Pistache is fed still parses, and carries the query as sent
    // (never a copy the client slipped in).
    const std::string forwarded = head_for_pistache(head, parsed->target);
    const auto again = parse_request_head(forwarded);
    check(again.has_value());
    const auto mark = parsed->target.find('?');
    const std::string query = mark == std::string::npos ? "" : parsed->target.substr(mark + 1);
    if (again) check(again->header("x-cumulo-query") == query);
    (void)parsed->header("content-length");
    auto framing = body_framing::of(*parsed);
    if (!framing) continue;
    const auto declared = framing->declared_length();
    std::uint64_t body = 0;
    while (!conn.empty() && !framing->done() && !framing->failed()) {
      const std::size_t n = std::min(piece, conn.size());
      const std::size_t took =
          framing->feed(conn.data(), n, [&](const char* p, std::size_t k) {
            check(k <= n);
            if (k) (void)p[k - 1];  // the bytes handed out are readable
            body += k;
          });
      check(took <= n);
      if (took == 0) break;
      conn.remove_prefix(took);
    }
    if (declared && framing->done()) check(body == *declared);
    if (!framing->done()) return 0;  // the connection ended inside the body
  }
  return 0;
}
