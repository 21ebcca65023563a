#include "api/websocket.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "api/http_framing.hpp"
#include "engine/utf8.hpp"

namespace cumulo::api {
namespace {

// §1.3: what the key is hashed with, so that only a WebSocket server answers.
constexpr std::string_view handshake_guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

// A control frame's payload fits the 7-bit length (§5.5).
constexpr std::size_t max_control_payload = 125;
// A Close frame's reason is what is left beside its 2-byte code.
constexpr std::size_t max_close_reason = max_control_payload - 2;

websocket_upgrade_parse refuse(int status, const char* why) {
  return {std::nullopt, why, status};
}

char lower_ascii(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return lower_ascii(x) == lower_ascii(y);
         });
}

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// The elements of a comma-separated header list (RFC 9110 §5.6.1), trimmed;
// empty elements are skipped, as a recipient must accept them.
std::vector<std::string_view> list_elements(std::string_view value) {
  std::vector<std::string_view> out;
  while (true) {
    const auto comma = value.find(',');
    const auto element = trim_spaces(value.substr(0, comma));
    if (!element.empty()) out.push_back(element);
    if (comma == std::string_view::npos) return out;
    value.remove_prefix(comma + 1);
  }
}

bool list_has(std::string_view value, std::string_view token) {
  const auto elements = list_elements(value);
  return std::any_of(elements.begin(), elements.end(), [&](auto e) { return iequals(e, token); });
}

// RFC 9110 §5.6.2's tchar: what a subprotocol name is made of (§4.1).
bool is_token_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c != '\0' && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr);
}

bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_token_char);
}

bool is_base64_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '+' ||
         c == '/';
}

// Base64 of 16 bytes (§4.1), in its one canonical spelling: 21 characters of
// 6 bits, one that carries the last 2 bits (its low 4 bits zero: A, Q, g or
// w), and "==".
bool valid_key(std::string_view key) {
  return key.size() == 24 && std::all_of(key.begin(), key.begin() + 21, is_base64_char) &&
         std::string_view("AQgw").find(key[21]) != std::string_view::npos && key.substr(22) == "==";
}

// The bytes of the head before any meaning is read from them: its size, its
// lines, printable ASCII only (a control byte or a bare CR or LF is how one
// parser's request hides in another's), and nothing after its blank line.
websocket_upgrade_parse check_head_bytes(std::string_view request) {
  if (request.size() > websocket_max_head_bytes)
    return refuse(431, "The request head is over 8 KiB.");
  if (!request.ends_with("\r\n\r\n"))
    return refuse(400, "The request head does not end with a blank line.");
  std::size_t header_lines = 0;
  for (std::size_t pos = 0;;) {
    const auto eol = request.find("\r\n", pos);  // found: the head ends with one
    const auto line = request.substr(pos, eol - pos);
    if (line.empty()) {
      if (eol + 2 != request.size())
        return refuse(400, "Bytes follow the request head's blank line.");
      return {};
    }
    if (line.size() > websocket_max_line_bytes)
      return refuse(431, "A line of the request head is over 4 KiB.");
    if (pos > 0 && ++header_lines > websocket_max_header_lines)
      return refuse(431, "The request head has more than 64 header lines.");
    if (!std::all_of(line.begin(), line.end(), [](char c) { return c >= 0x20 && c <= 0x7e; }))
      return refuse(400, "The request head holds a byte that is not printable ASCII.");
    pos = eol + 2;
  }
}

// The subprotocols a client offers, or nothing when one is not a token.
std::optional<std::vector<std::string>> protocols_of(std::string_view value) {
  std::vector<std::string> out;
  for (auto element : list_elements(value)) {
    if (!is_token(element)) return std::nullopt;
    out.emplace_back(element);
  }
  return out;
}

// What the head's fields say, once the bytes and HTTP's syntax are known good.
websocket_upgrade_parse read_upgrade(const request_head& h) {
  if (h.method != "GET") return refuse(400, "A WebSocket opening request is a GET.");
  if (h.version != "HTTP/1.1") return refuse(400, "A WebSocket opening request is HTTP/1.1.");
  // §3: a WebSocket URI has no fragment.
  if (h.target.find('#') != std::string::npos)
    return refuse(400, "The request target holds a fragment.");
  if (h.header("host").empty()) return refuse(400, "The request has no Host header.");
  // Bytes after the head are frames: a body would be read as frames by us
  // and as a body by anything between the client and us.
  const std::string length = h.header("content-length");
  if (!h.header("transfer-encoding").empty() || (!length.empty() && length != "0"))
    return refuse(400, "A WebSocket opening request has no body.");
  if (!list_has(h.header("upgrade"), "websocket"))
    return refuse(400, "The Upgrade header does not ask for websocket.");
  if (!list_has(h.header("connection"), "upgrade"))
    return refuse(400, "The Connection header does not say Upgrade.");
  if (h.header("sec-websocket-version") != "13")
    return refuse(426, "Only WebSocket version 13 is spoken here.");
  // A repeated key arrives joined with ", ": no longer 16 bytes, refused.
  const std::string key = h.header("sec-websocket-key");
  if (!valid_key(key)) return refuse(400, "The Sec-WebSocket-Key is not base64 of 16 bytes.");
  auto protocols = protocols_of(h.header("sec-websocket-protocol"));
  if (!protocols) return refuse(400, "A Sec-WebSocket-Protocol is not a token.");
  websocket_upgrade u;
  const auto mark = h.target.find('?');
  u.path = h.target.substr(0, mark);
  u.query = mark == std::string::npos ? std::string() : h.target.substr(mark + 1);
  u.key = key;
  u.protocols = std::move(*protocols);
  u.origin = h.header("origin");
  u.host = h.header("host");
  return {std::move(u), nullptr, 0};
}

bool is_control(websocket_opcode op) {
  return (static_cast<std::uint8_t>(op) & 0x8) != 0;
}

bool known_opcode(std::uint8_t op) {
  return op <= 0x2 || (op >= 0x8 && op <= 0xA);
}

// Network byte order (§5.2), `n` bytes.
std::uint64_t read_big_endian(const unsigned char* p, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}

void append_big_endian(std::string& out, std::uint64_t v, std::size_t n) {
  for (std::size_t i = n; i-- > 0;) out += static_cast<char>((v >> (8 * i)) & 0xFF);
}

}  // namespace

std::string websocket_accept(const std::string& client_key) {
  const std::string input = client_key + std::string(handshake_guid);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(input.data(), input.size(), digest, &size, EVP_sha1(), nullptr) != 1)
    throw std::runtime_error("SHA-1 failed");
  // 20 bytes make 28 base64 characters, and EVP_EncodeBlock's NUL.
  unsigned char text[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
  const int length = EVP_EncodeBlock(text, digest, static_cast<int>(size));
  return std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(length));
}

websocket_upgrade_parse parse_websocket_upgrade_why(std::string_view request) {
  auto bytes = check_head_bytes(request);
  if (bytes.why) return bytes;
  auto head = parse_request_head_why(request);
  if (!head.head) return refuse(400, head.why);
  return read_upgrade(*head.head);
}

std::optional<websocket_upgrade> parse_websocket_upgrade(std::string_view request) {
  return parse_websocket_upgrade_why(request).upgrade;
}

std::string websocket_accept_response(const std::string& client_key, const std::string& protocol) {
  // The protocol goes into a header line: a CR or LF in it would add lines.
  if (!protocol.empty() && !is_token(protocol))
    throw std::invalid_argument("a WebSocket subprotocol is a token");
  std::string out =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: " +
      websocket_accept(client_key) + "\r\n";
  if (!protocol.empty()) out += "Sec-WebSocket-Protocol: " + protocol + "\r\n";
  return out + "\r\n";
}

bool websocket_close_code_valid(std::uint16_t code) {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) ||
         (code >= 3000 && code <= 4999);
}

websocket_decoder::websocket_decoder(std::size_t max_message_size)
    : max_message_size_(max_message_size) {}

websocket_feed websocket_decoder::feed(std::string_view bytes) {
  websocket_feed out;
  // Each step takes at least one byte: a frame of no payload ends as soon as
  // its header does, so a payload being read always has bytes left to read.
  while (!bytes.empty() && !error_ && !closed_)
    bytes.remove_prefix(in_payload_ ? take_payload(bytes, out) : take_header(bytes, out));
  if (error_) {
    out.error = error_;
    out.why = why_;
  }
  return out;
}

bool websocket_decoder::control() const {
  return is_control(opcode_);
}

std::size_t websocket_decoder::length_end() const {
  const unsigned len7 = header_[1] & 0x7F;
  return 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0);
}

std::size_t websocket_decoder::header_size() const {
  // Until the second byte is in, the header is known to be at least 2 bytes;
  // every frame that gets past it is masked (4 bytes of key).
  return header_have_ < 2 ? 2 : length_end() + 4;
}

// The header byte by byte (at most 14), each part checked as soon as it is
// in: a frame is refused before the bytes that would follow it arrive.
std::size_t websocket_decoder::take_header(std::string_view bytes, websocket_feed& out) {
  std::size_t used = 0;
  while (used < bytes.size() && header_have_ < header_size()) {
    header_[header_have_++] = static_cast<unsigned char>(bytes[used++]);
    if (header_have_ == 2 && !check_first_bytes()) return used;
    if (header_have_ >= 2 && header_have_ == length_end() && !check_length()) return used;
  }
  if (header_have_ >= 2 && header_have_ == header_size()) start_payload(out);
  return used;
}

bool websocket_decoder::check_first_bytes() {
  const unsigned char b0 = header_[0];
  const unsigned char b1 = header_[1];
  fin_ = (b0 & 0x80) != 0;
  // RSV1-3 mean something only under an extension, and none is negotiated.
  if ((b0 & 0x70) != 0) return fail(websocket_protocol_error, "A reserved bit of a frame is set.");
  if (!known_opcode(b0 & 0x0F))
    return fail(websocket_protocol_error, "A frame's opcode is reserved.");
  opcode_ = static_cast<websocket_opcode>(b0 & 0x0F);
  // §5.1: a client masks every frame, so that a script cannot make the bytes
  // an intermediary sees.
  if ((b1 & 0x80) == 0) return fail(websocket_protocol_error, "A client's frame is not masked.");
  if (control() && !fin_) return fail(websocket_protocol_error, "A control frame is fragmented.");
  if (opcode_ == websocket_opcode::continuation && !in_message_)
    return fail(websocket_protocol_error, "A continuation frame continues no message.");
  if (!control() && opcode_ != websocket_opcode::continuation && in_message_)
    return fail(websocket_protocol_error, "A message starts before the previous one ended.");
  return true;
}

// The declared length is checked before anything is buffered: a frame that
// claims 2^62 bytes is refused after its 10 header bytes.
bool websocket_decoder::check_length() {
  const unsigned len7 = header_[1] & 0x7F;
  length_ = len7 < 126 ? len7 : read_big_endian(header_ + 2, length_end() - 2);
  if (len7 == 127 && (length_ >> 63) != 0)
    return fail(websocket_protocol_error, "A frame's 64-bit length has its top bit set.");
  if (control() && length_ > max_control_payload)
    return fail(websocket_protocol_error, "A control frame carries more than 125 bytes.");
  // message_ holds the fragments before this one; the subtraction cannot wrap.
  if (!control() && length_ > max_message_size_ - message_.size())
    return fail(websocket_message_too_big, "A message is larger than the limit.");
  return true;
}

void websocket_decoder::start_payload(websocket_feed& out) {
  in_payload_ = true;
  payload_have_ = 0;
  control_.clear();
  if (!control() && opcode_ != websocket_opcode::continuation) {
    in_message_ = true;
    message_opcode_ = opcode_;
    message_.clear();
  }
  if (length_ == 0) end_frame(out);
}

// The payload grows as its bytes arrive (never reserved from the declared
// length: a client that declares 1 MiB and sends 1 byte holds 1 byte).
std::size_t websocket_decoder::take_payload(std::string_view bytes, websocket_feed& out) {
  const std::size_t n =
      static_cast<std::size_t>(std::min<std::uint64_t>(bytes.size(), length_ - payload_have_));
  std::string& into = control() ? control_ : message_;
  const unsigned char* mask = header_ + header_size() - 4;
  const std::size_t start = into.size();
  into.append(bytes.data(), n);
  // §5.3: byte i of the payload is XORed with byte i mod 4 of the key.
  for (std::size_t i = 0; i < n; ++i)
    into[start + i] = static_cast<char>(into[start + i] ^ mask[(payload_have_ + i) % 4]);
  payload_have_ += n;
  if (payload_have_ == length_) end_frame(out);
  return n;
}

void websocket_decoder::end_frame(websocket_feed& out) {
  in_payload_ = false;
  header_have_ = 0;
  if (control()) return end_control_frame(out);
  if (!fin_) return;
  // The whole message, not each fragment: a character may span two of them.
  if (message_opcode_ == websocket_opcode::text && !valid_utf8(message_)) {
    fail(websocket_invalid_payload, "A text message is not UTF-8.");
    return;
  }
  out.messages.push_back({message_opcode_, std::move(message_), 0});
  message_.clear();
  in_message_ = false;
}

void websocket_decoder::end_control_frame(websocket_feed& out) {
  if (opcode_ == websocket_opcode::close) return end_close_frame(out);
  out.messages.push_back({opcode_, std::move(control_), 0});
  control_.clear();
}

// §5.5.1: no payload, or a 2-byte code and a UTF-8 reason.
void websocket_decoder::end_close_frame(websocket_feed& out) {
  if (control_.size() == 1) {
    fail(websocket_protocol_error, "A Close frame's payload is a single byte.");
    return;
  }
  std::uint16_t code = websocket_no_status_received;
  std::string reason;
  if (control_.size() >= 2) {
    code = static_cast<std::uint16_t>(
        read_big_endian(reinterpret_cast<const unsigned char*>(control_.data()), 2));
    if (!websocket_close_code_valid(code)) {
      fail(websocket_protocol_error, "A Close frame's code is not one a peer may send.");
      return;
    }
    reason = control_.substr(2);
  }
  if (!valid_utf8(reason)) {
    fail(websocket_invalid_payload, "A Close frame's reason is not UTF-8.");
    return;
  }
  out.messages.push_back({websocket_opcode::close, std::move(reason), code});
  closed_ = true;
  // Nothing more will be decoded: a message cut short by the Close goes now.
  message_ = std::string();
  control_ = std::string();
}

bool websocket_decoder::fail(std::uint16_t code, const char* why) {
  error_ = code;
  why_ = why;
  // Nothing more will be decoded: the buffers' memory goes now.
  message_ = std::string();
  control_ = std::string();
  return false;
}

std::string websocket_frame(websocket_opcode opcode, std::string_view payload, bool fin) {
  const auto op = static_cast<std::uint8_t>(opcode);
  if (!known_opcode(op)) throw std::invalid_argument("not a WebSocket opcode");
  if (is_control(opcode) && (payload.size() > max_control_payload || !fin))
    throw std::invalid_argument("a WebSocket control frame is whole and at most 125 bytes");
  std::string out;
  out.reserve(payload.size() + 10);
  out += static_cast<char>((fin ? 0x80 : 0x00) | op);
  // The shortest of the three length forms (§5.2), and no mask bit.
  if (payload.size() < 126) {
    out += static_cast<char>(payload.size());
  } else if (payload.size() <= 0xFFFF) {
    out += static_cast<char>(126);
    append_big_endian(out, payload.size(), 2);
  } else {
    out += static_cast<char>(127);
    append_big_endian(out, payload.size(), 8);
  }
  out.append(payload);
  return out;
}

std::string websocket_close_frame(std::uint16_t code, std::string_view reason) {
  if (!websocket_close_code_valid(code)) throw std::invalid_argument("not a WebSocket close code");
  if (!valid_utf8(reason)) throw std::invalid_argument("a WebSocket close reason is UTF-8");
  // Cut before the character that would straddle the end: a continuation
  // byte (10xxxxxx) there means its character started before the cut.
  std::size_t cut = std::min(reason.size(), max_close_reason);
  while (cut < reason.size() && cut > 0 && (static_cast<unsigned char>(reason[cut]) & 0xC0) == 0x80)
    --cut;
  std::string payload;
  append_big_endian(payload, code, 2);
  payload.append(reason.substr(0, cut));
  return websocket_frame(websocket_opcode::close, payload);
}

}  // namespace cumulo::api
