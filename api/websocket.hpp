// The WebSocket protocol (RFC 6455) as bytes in, values out: the opening
// handshake, and the frames a client sends and the server sends back. Nova's
// remote consoles (serial, VNC through a proxy) need it, and Pistache does
// not speak it. Pure: no sockets, no threads, no clock; whoever owns the
// connection feeds the bytes it read and writes the bytes it is given.
//
// Everything a client sends is hostile until checked: the handshake is
// bounded and strict, frame lengths are checked before a byte is buffered,
// and a text message is UTF-8 or the connection fails.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cumulo::api {

// --- The opening handshake (RFC 6455 §4) ---

// The Sec-WebSocket-Accept value for a client's Sec-WebSocket-Key: base64 of
// the SHA-1 of the key (as sent) followed by the RFC's GUID (§4.2.2).
std::string websocket_accept(const std::string& client_key);

// What a valid opening request asks for.
struct websocket_upgrade {
  std::string path;                    // the request target before '?', as sent (not decoded)
  std::string query;                   // after '?', as sent; "" when none
  std::string key;                     // Sec-WebSocket-Key: base64 of 16 bytes
  std::vector<std::string> protocols;  // Sec-WebSocket-Protocol, in the client's order
  std::string origin;  // Origin as sent ("" when absent: not a browser); the caller checks it
  std::string host;    // Host as sent (never empty: a request without one is refused)
};

// The bounds of a request head: past them it is an attack, not a handshake.
inline constexpr std::size_t websocket_max_head_bytes = 8 * 1024;
inline constexpr std::size_t websocket_max_header_lines = 64;
inline constexpr std::size_t websocket_max_line_bytes = 4 * 1024;

// A refused opening request says why (a static string, for the log) and
// which HTTP status answers it: 426 Upgrade Required (with
// "Sec-WebSocket-Version: 13") for a version other than 13 (§4.4), 431 for a
// head past the bounds above, 400 otherwise.
struct websocket_upgrade_parse {
  std::optional<websocket_upgrade> upgrade;
  const char* why = nullptr;
  int status = 0;  // 0 when accepted
};

// `request`: the client's whole request head, through its blank line and
// nothing after it (a client sends no frame before the server's 101, §4.1).
// Requires: printable ASCII only (CRLF line ends), the bounds above, GET,
// HTTP/1.1, Host, no body, Upgrade: websocket, Connection: ... Upgrade ...,
// Sec-WebSocket-Version: 13, a Sec-WebSocket-Key of 16 bytes, and
// Sec-WebSocket-Protocol (when given) a list of tokens.
websocket_upgrade_parse parse_websocket_upgrade_why(std::string_view request);
std::optional<websocket_upgrade> parse_websocket_upgrade(std::string_view request);

// The server's 101 answer for a client's key, with Sec-WebSocket-Protocol
// when `protocol` is not "" (one of the client's protocols: a token, else
// std::invalid_argument).
std::string websocket_accept_response(const std::string& client_key,
                                      const std::string& protocol = "");

// --- Frames (RFC 6455 §5) ---

enum class websocket_opcode : std::uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xA,
};

// Status codes of a Close frame (§7.4.1) that cumulo sends or fails with.
inline constexpr std::uint16_t websocket_normal_closure = 1000;
inline constexpr std::uint16_t websocket_going_away = 1001;
inline constexpr std::uint16_t websocket_protocol_error = 1002;
inline constexpr std::uint16_t websocket_unsupported_data = 1003;
// Never on the wire: what a Close frame without a code is reported as.
inline constexpr std::uint16_t websocket_no_status_received = 1005;
inline constexpr std::uint16_t websocket_invalid_payload = 1007;
inline constexpr std::uint16_t websocket_policy_violation = 1008;
inline constexpr std::uint16_t websocket_message_too_big = 1009;
inline constexpr std::uint16_t websocket_internal_error = 1011;

// Whether a Close frame may carry `code`: 1000-1003, 1007-1011 and the
// private ranges 3000-4999 (§7.4). 1004-1006 and 1015 are reserved or never
// sent; the rest of 0-2999 is unassigned.
bool websocket_close_code_valid(std::uint16_t code);

// A whole message, or a control frame.
struct websocket_message {
  websocket_opcode opcode;       // text, binary, close, ping or pong
  std::string payload;           // close: the reason (UTF-8) without the code
  std::uint16_t close_code = 0;  // close: the code, or 1005 when the frame had none
};

// What one feed decoded: the messages completed by these bytes, in order;
// then, when the bytes broke the protocol, the code to fail the connection
// with (1002 protocol error, 1007 a text message or close reason that is not
// UTF-8, 1009 a message over the limit) and why (a static string, for the log).
struct websocket_feed {
  std::vector<websocket_message> messages;
  std::optional<std::uint16_t> error;
  const char* why = nullptr;
};

// Decodes what a client sends: masked frames, fragmented messages with
// control frames between the fragments, in pieces cut anywhere. Nothing is
// buffered beyond one message (at most max_message_size bytes) and one
// control frame (at most 125 bytes), and a frame's declared length is
// checked before its payload is buffered.
class websocket_decoder {
 public:
  static constexpr std::size_t default_max_message_size = std::size_t{1} << 20;

  explicit websocket_decoder(std::size_t max_message_size = default_max_message_size);

  // After an error, every feed answers that error again and decodes nothing.
  // After a Close frame, the bytes that follow are ignored: the client sends
  // nothing after its Close (§5.5.1) and the connection is closing.
  websocket_feed feed(std::string_view bytes);

  bool failed() const { return error_.has_value(); }
  bool closed() const { return closed_; }

 private:
  // 2 bytes, an extended length of 2 or 8, a masking key of 4.
  static constexpr std::size_t max_header_bytes = 14;

  std::size_t take_header(std::string_view bytes, websocket_feed& out);
  std::size_t take_payload(std::string_view bytes, websocket_feed& out);
  bool check_first_bytes();
  bool check_length();
  void start_payload(websocket_feed& out);
  void end_frame(websocket_feed& out);
  void end_control_frame(websocket_feed& out);
  void end_close_frame(websocket_feed& out);
  bool fail(std::uint16_t code, const char* why);  // false, for `return fail(...)`
  std::size_t length_end() const;                  // where the extended length ends in header_
  std::size_t header_size() const;
  bool control() const;

  std::size_t max_message_size_;
  // The frame being read.
  unsigned char header_[max_header_bytes] = {};
  std::size_t header_have_ = 0;
  bool in_payload_ = false;
  bool fin_ = false;
  websocket_opcode opcode_ = websocket_opcode::continuation;
  std::uint64_t length_ = 0;        // the payload's declared length
  std::uint64_t payload_have_ = 0;  // how much of it was read
  std::string control_;             // a control frame's payload
  // The data message being assembled from its fragments.
  bool in_message_ = false;
  websocket_opcode message_opcode_ = websocket_opcode::text;
  std::string message_;
  std::optional<std::uint16_t> error_;
  const char* why_ = nullptr;
  bool closed_ = false;
};

// --- What the server sends: frames are never masked (§5.1) ---

// One frame. Control frames (close, ping, pong) carry at most 125 bytes and
// are never fragmented: std::invalid_argument otherwise. A text message must
// be UTF-8 once whole (the client fails the connection otherwise); that is
// the caller's to ensure, since a fragment may end inside a character.
std::string websocket_frame(websocket_opcode opcode, std::string_view payload, bool fin = true);

// A Close frame with `code` (websocket_close_code_valid) and `reason`
// (UTF-8), else std::invalid_argument; the reason is cut at a character
// boundary to the 123 bytes that fit beside the code.
std::string websocket_close_frame(std::uint16_t code, std::string_view reason = "");

}  // namespace cumulo::api
