#include "api/metadata_request.hpp"

#include "api/errors.hpp"
#include "api/http_framing.hpp"
#include "api/query.hpp"

namespace cumulo::api {
namespace {

const char* reason_of(int status) {
  return status == 200 ? "OK" : status_title(status);
}

metadata_parse refuse(int status, const char* why) {
  return {std::nullopt, status, why};
}

}  // namespace

metadata_parse parse_metadata_request(std::string_view head) {
  if (head.size() > metadata_max_head_bytes)
    return refuse(431, "The request head is larger than 8 KiB.");
  const auto parsed = parse_request_head_why(head);
  if (!parsed.head) return refuse(400, parsed.why ? parsed.why : "Malformed request.");
  const auto& h = *parsed.head;
  metadata_request r;
  r.http10 = h.version == "HTTP/1.0";
  if (!r.http10 && h.headers.find("host") == h.headers.end())
    return refuse(400, "An HTTP/1.1 request needs a Host header.");
  if (h.method == "HEAD")
    r.head = true;
  else if (h.method != "GET")
    return refuse(405, "Only GET and HEAD are served here.");
  // A fragment is no part of what a server is sent; one that is sent is
  // no part of the path either.
  const std::string_view raw = std::string_view(h.path).substr(0, h.path.find('#'));
  r.path = percent_decoded(raw, false);
  for (char c : r.path)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      return refuse(400, "The path holds a control character.");
  return {std::move(r), 0, nullptr};
}

std::string metadata_http_response(int status, std::string_view content_type, std::string_view body,
                                   bool head_only, bool http10) {
  std::string out = http10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  out += std::to_string(status);
  out += ' ';
  out += reason_of(status);
  out += "\r\nContent-Type: ";
  out += content_type;
  out += "\r\nContent-Length: " + std::to_string(body.size());
  if (status == 405) out += "\r\nAllow: GET, HEAD";
  out += "\r\nConnection: close\r\n\r\n";
  if (!head_only) out += body;
  return out;
}

std::string metadata_error_response(int status, std::string_view why, bool http10) {
  std::string body = std::to_string(status) + " " + reason_of(status) + "\n\n";
  body += why;
  body += '\n';
  return metadata_http_response(status, "text/plain", body, false, http10);
}

}  // namespace cumulo::api
