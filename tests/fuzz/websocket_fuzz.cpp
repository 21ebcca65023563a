// Fuzzes api/websocket: a client's opening request and the frames it sends.
//
// Input: byte 0's low 3 bits + 1 is how many size bytes follow (1..8); its
// high 5 bits choose the decoder's message limit (2^(bits mod 21) bytes, 1 B
// to 1 MiB). Each size byte + 1 is the length of a piece the bytes arrive in
// (1..256), used in turn. The rest is the connection's bytes: the whole of
// them is an opening request for parse_websocket_upgrade; when they hold a
// head (up to its blank line), that head is one too, and the bytes after it
// are the client's frames; otherwise all of them are frames.
//
// Besides crashes (ASan/UBSan) and exceptions (nothing here may throw), the
// codec's own promises are checked: the frames fed in pieces decode exactly
// as fed at once; an error is 1002, 1007 or 1009 with a reason; no message
// passes the limit, a text message and a close reason are UTF-8, a control
// payload is at most 125 bytes; each message, encoded by the server's
// encoder and masked as a client would, decodes back to itself; an accepted
// request has a key that answers and protocols that can be echoed, and what
// the console proxy reads of it (api/console_request) keeps its promises.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "api/console_request.hpp"
#include "api/http_framing.hpp"
#include "api/websocket.hpp"
#include "engine/utf8.hpp"

using namespace cumulo::api;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

void upgrade(std::string_view request) {
  const auto parsed = parse_websocket_upgrade_why(request);
  check(parsed.upgrade.has_value() == (parsed.why == nullptr));
  if (!parsed.upgrade) {
    check(parsed.status == 400 || parsed.status == 426 || parsed.status == 431);
    check(!parse_websocket_upgrade(request));
    return;
  }
  check(parsed.status == 0);
  check(request.size() <= websocket_max_head_bytes);
  const auto& u = *parsed.upgrade;
  check(u.key.size() == 24);
  check(websocket_accept(u.key).size() == 28);
  for (const auto& p : u.protocols) check(!websocket_accept_response(u.key, p).empty());
  // What the console proxy reads next: a token is a UUID's characters only,
  // and an Origin is only ever allowed for the request's own host.
  const auto token = console_token_of(u.query);
  check(token.size() <= 64);
  for (unsigned char c : token) check(std::isxdigit(c) || c == '-');
  check(!u.host.empty());
  if (console_origin_allowed(u.origin, u.host) && !u.origin.empty())
    check(authority_host(u.origin.substr(u.origin.find("://") + 3)) == authority_host(u.host));
}

// A server frame as a client sends it: mask bit, a key, the payload XORed.
std::string masked(const std::string& frame) {
  static constexpr unsigned char key[4] = {0xa5, 0x01, 0x7e, 0xc3};
  const unsigned len7 = static_cast<unsigned char>(frame[1]) & 0x7F;
  const std::size_t header = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0);
  std::string out = frame.substr(0, header);
  out[1] = static_cast<char>(out[1] | 0x80);
  out.append(reinterpret_cast<const char*>(key), 4);
  for (std::size_t i = header; i < frame.size(); ++i)
    out += static_cast<char>(frame[i] ^ key[(i - header) % 4]);
  return out;
}

std::string encoded(const websocket_message& m) {
  if (m.opcode == websocket_opcode::close && m.close_code != websocket_no_status_received)
    return websocket_close_frame(m.close_code, m.payload);
  return websocket_frame(m.opcode, m.payload);
}

void check_message(const websocket_message& m, std::size_t limit) {
  switch (m.opcode) {
    case websocket_opcode::text:
      check(cumulo::valid_utf8(m.payload));
      [[fallthrough]];
    case websocket_opcode::binary:
      check(m.payload.size() <= limit);
      break;
    case websocket_opcode::close:
      check(m.close_code == websocket_no_status_received ||
            websocket_close_code_valid(m.close_code));
      check(m.close_code != websocket_no_status_received || m.payload.empty());
      check(cumulo::valid_utf8(m.payload) && m.payload.size() <= 123);
      break;
    case websocket_opcode::ping:
    case websocket_opcode::pong:
      check(m.payload.size() <= 125);
      break;
    default:
      check(false);  // a continuation is never handed out
  }
  // What the server's encoder makes of it reads back as the same message.
  websocket_decoder again(limit);
  const auto back = again.feed(masked(encoded(m)));
  check(!back.error && back.messages.size() == 1);
  check(back.messages[0].opcode == m.opcode && back.messages[0].payload == m.payload &&
        back.messages[0].close_code == m.close_code);
}

bool same(const websocket_message& a, const websocket_message& b) {
  return a.opcode == b.opcode && a.payload == b.payload && a.close_code == b.close_code;
}

void frames(std::string_view bytes, std::size_t limit, const std::vector<std::size_t>& pieces) {
  websocket_decoder whole(limit);
  const auto at_once = whole.feed(bytes);

  websocket_decoder piecewise(limit);
  std::vector<websocket_message> messages;
  websocket_feed last;
  for (std::size_t k = 0; !bytes.empty(); ++k) {
    const std::size_t n = std::min(pieces[k % pieces.size()], bytes.size());
    last = piecewise.feed(bytes.substr(0, n));
    bytes.remove_prefix(n);
    check(!last.error || last.why != nullptr);
    for (auto& m : last.messages) messages.push_back(std::move(m));
  }
  check(messages.size() == at_once.messages.size());
  for (std::size_t i = 0; i < messages.size(); ++i) check(same(messages[i], at_once.messages[i]));
  check(last.error == at_once.error && whole.failed() == piecewise.failed());
  check(whole.closed() == piecewise.closed());
  if (at_once.error) {
    const auto code = *at_once.error;
    check(code == websocket_protocol_error || code == websocket_invalid_payload ||
          code == websocket_message_too_big);
    check(at_once.why != nullptr && std::string_view(at_once.why) == last.why);
  }
  for (std::size_t i = 0; i < messages.size(); ++i) {
    check_message(messages[i], limit);
    // A Close is the last thing decoded.
    check(messages[i].opcode != websocket_opcode::close || i + 1 == messages.size());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t count = (data[0] & 0x07) + 1;
  const std::size_t limit = std::size_t{1} << ((data[0] >> 3) % 21);
  if (size < 1 + count) return 0;
  std::vector<std::size_t> pieces;
  for (std::size_t i = 0; i < count; ++i)
    pieces.push_back(static_cast<std::size_t>(data[1 + i]) + 1);
  std::string_view conn(reinterpret_cast<const char*>(data) + 1 + count, size - 1 - count);

  upgrade(conn);
  const std::size_t end = head_end(conn);
  if (end != std::string_view::npos) {
    upgrade(conn.substr(0, end));
    conn.remove_prefix(end);
  }
  frames(conn, limit, pieces);
  return 0;
}
