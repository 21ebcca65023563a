// The WebSocket codec (RFC 6455) without a socket: the opening handshake and
// each way it is refused, client frames fed whole, byte by byte and in
// fragments, each protocol error with its close code, the size limit before
// any buffering, UTF-8, close codes, and the server's frames read back.
#include "api/websocket.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace cumulo::api {
namespace {

// --- helpers: what a client sends ---

constexpr std::array<unsigned char, 4> key_bytes = {0x37, 0xfa, 0x21, 0x3d};

// A server's (unmasked) frame as a client sends it: the mask bit set, the
// key after the length, the payload XORed with it (§5.3).
std::string masked(const std::string& frame, std::array<unsigned char, 4> key = key_bytes) {
  const unsigned len7 = static_cast<unsigned char>(frame[1]) & 0x7F;
  const std::size_t header = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0);
  std::string out = frame.substr(0, header);
  out[1] = static_cast<char>(out[1] | 0x80);
  out.append(reinterpret_cast<const char*>(key.data()), 4);
  for (std::size_t i = header; i < frame.size(); ++i)
    out += static_cast<char>(frame[i] ^ key[(i - header) % 4]);
  return out;
}

// A client frame from its first byte (FIN, RSV, opcode) and payload.
std::string client_frame(unsigned char first, const std::string& payload) {
  std::string frame = websocket_frame(websocket_opcode::binary, payload);
  frame[0] = static_cast<char>(first);
  return masked(frame);
}

std::string bytes(std::initializer_list<unsigned char> b) {
  return std::string(b.begin(), b.end());
}

// Feeds `in` `piece` bytes at a time; the messages of every feed in order,
// and the error of the last one.
websocket_feed feed_in_pieces(websocket_decoder& d, const std::string& in, std::size_t piece) {
  websocket_feed all;
  for (std::size_t i = 0; i < in.size(); i += piece) {
    auto f = d.feed(std::string_view(in).substr(i, piece));
    for (auto& m : f.messages) all.messages.push_back(std::move(m));
    all.error = f.error;
    all.why = f.why;
  }
  return all;
}

std::uint16_t error_of(const std::string& in,
                       std::size_t max = websocket_decoder::default_max_message_size) {
  websocket_decoder d(max);
  auto f = d.feed(in);
  EXPECT_TRUE(f.error.has_value()) << "no error";
  EXPECT_TRUE(!f.error || f.why != nullptr);
  return f.error.value_or(0);
}

// --- the opening handshake ---

const std::string good_head =
    "GET /compute/console?token=abc HTTP/1.1\r\n"
    "Host: cloud.example:5000\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Origin: http://cloud.example:5000\r\n"
    "Sec-WebSocket-Protocol: binary, base64\r\n"
    "Sec-WebSocket-Version: 13\r\n"
    "\r\n";

// `head` with its line starting with `name` replaced by `line` ("" drops it).
std::string replaced(std::string head, const std::string& name, const std::string& line) {
  const auto at = head.starts_with(name) ? 0 : head.find("\r\n" + name) + 2;
  const auto end = head.find("\r\n", at) + 2;
  return head.replace(at, end - at, line.empty() ? "" : line + "\r\n");
}

std::string head_with(const std::string& name, const std::string& line) {
  return replaced(good_head, name, line);
}

// RFC 6455 §1.3's example (as `printf %s KEY258EAFA5-... | openssl sha1
// -binary | base64` computes it too).
TEST(WebSocket, AcceptOfTheRfcsExampleKey) {
  EXPECT_EQ(websocket_accept("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(WebSocket, TheSwitchingProtocolsResponse) {
  EXPECT_EQ(websocket_accept_response("dGhlIHNhbXBsZSBub25jZQ=="),
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n");
  EXPECT_EQ(websocket_accept_response("dGhlIHNhbXBsZSBub25jZQ==", "binary"),
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
            "Sec-WebSocket-Protocol: binary\r\n\r\n");
  EXPECT_THROW(websocket_accept_response("dGhlIHNhbXBsZSBub25jZQ==", "a\r\nSet-Cookie: x"),
               std::invalid_argument);
}

TEST(WebSocket, ParsesAGoodOpeningRequest) {
  const auto r = parse_websocket_upgrade_why(good_head);
  ASSERT_TRUE(r.upgrade) << r.why;
  EXPECT_EQ(r.why, nullptr);
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.upgrade->path, "/compute/console");
  EXPECT_EQ(r.upgrade->query, "token=abc");
  EXPECT_EQ(r.upgrade->key, "dGhlIHNhbXBsZSBub25jZQ==");
  EXPECT_EQ(r.upgrade->protocols, (std::vector<std::string>{"binary", "base64"}));
  EXPECT_EQ(r.upgrade->origin, "http://cloud.example:5000");
  EXPECT_TRUE(parse_websocket_upgrade(good_head));
}

TEST(WebSocket, HeaderNamesAndTokensAreCaseInsensitive) {
  auto r =
      parse_websocket_upgrade_why(replaced(head_with("Upgrade", "UPGRADE: WebSocket"), "Connection",
                                           "connection: keep-alive, upgrade"));  // Firefox's
  EXPECT_TRUE(r.upgrade) << r.why;
  // Without the optional headers: no protocols, no origin, no query.
  std::string bare = replaced(head_with("Origin", ""), "Sec-WebSocket-Protocol", "");
  bare = replaced(bare, "GET", "GET /compute/console HTTP/1.1");
  r = parse_websocket_upgrade_why(bare);
  ASSERT_TRUE(r.upgrade) << r.why;
  EXPECT_TRUE(r.upgrade->protocols.empty());
  EXPECT_EQ(r.upgrade->origin, "");
  EXPECT_EQ(r.upgrade->path, "/compute/console");
  EXPECT_EQ(r.upgrade->query, "");
  // Repeated Sec-WebSocket-Protocol lines make one list; empty elements are skipped.
  r = parse_websocket_upgrade_why(head_with(
      "Sec-WebSocket-Protocol", "Sec-WebSocket-Protocol: a,,b\r\nSec-WebSocket-Protocol: c"));
  ASSERT_TRUE(r.upgrade) << r.why;
  EXPECT_EQ(r.upgrade->protocols, (std::vector<std::string>{"a", "b", "c"}));
}

struct refusal {
  std::string name;
  std::string head;
  int status;
  std::string why;
};

TEST(WebSocket, RefusesEachBadOpeningRequest) {
  const std::string key = "Sec-WebSocket-Key: ";
  const std::vector<refusal> cases = {
      {"not GET", "POST" + good_head.substr(3), 400, "A WebSocket opening request is a GET."},
      {"HTTP/1.0", head_with("GET", "GET /compute/console HTTP/1.0"), 400,
       "A WebSocket opening request is HTTP/1.1."},
      {"no Host", head_with("Host", ""), 400, "The request has no Host header."},
      {"a body", head_with("Host", "Host: h\r\nContent-Length: 5"), 400,
       "A WebSocket opening request has no body."},
      {"a chunked body", head_with("Host", "Host: h\r\nTransfer-Encoding: chunked"), 400,
       "A WebSocket opening request has no body."},
      {"no Upgrade", head_with("Upgrade", ""), 400,
       "The Upgrade header does not ask for websocket."},
      {"Upgrade: h2c", head_with("Upgrade", "Upgrade: h2c"), 400,
       "The Upgrade header does not ask for websocket."},
      {"no Connection", head_with("Connection", ""), 400,
       "The Connection header does not say Upgrade."},
      {"Connection without Upgrade", head_with("Connection", "Connection: keep-alive"), 400,
       "The Connection header does not say Upgrade."},
      {"Connection: Upgrade as a substring", head_with("Connection", "Connection: Upgrades"), 400,
       "The Connection header does not say Upgrade."},
      {"version 8", head_with("Sec-WebSocket-Version", "Sec-WebSocket-Version: 8"), 426,
       "Only WebSocket version 13 is spoken here."},
      {"no version", head_with("Sec-WebSocket-Version", ""), 426,
       "Only WebSocket version 13 is spoken here."},
      {"no key", head_with(key, ""), 400, "The Sec-WebSocket-Key is not base64 of 16 bytes."},
      {"a short key", head_with(key, key + "dGhlIHNhbXBsZQ=="), 400,
       "The Sec-WebSocket-Key is not base64 of 16 bytes."},
      {"a key of 17 bytes", head_with(key, key + "dGhlIHNhbXBsZSBub25jZXM="), 400,
       "The Sec-WebSocket-Key is not base64 of 16 bytes."},
      {"a key that is not base64", head_with(key, key + "dGhlIHNhbXBsZSBub25jZ*=="), 400,
       "The Sec-WebSocket-Key is not base64 of 16 bytes."},
      {"a key in a non-canonical spelling", head_with(key, key + "dGhlIHNhbXBsZSBub25jZR=="), 400,
       "The Sec-WebSocket-Key is not base64 of 16 bytes."},
      {"two keys",
       head_with(key, key + "dGhlIHNhbXBsZSBub25jZQ==\r\n" + key + "AAAAAAAAAAAAAAAAAAAAAA=="), 400,
       "The Sec-WebSocket-Key is not base64 of 16 bytes."},
      {"a protocol that is not a token",
       head_with("Sec-WebSocket-Protocol", "Sec-WebSocket-Protocol: a b"), 400,
       "A Sec-WebSocket-Protocol is not a token."},
      {"a fragment", head_with("GET", "GET /console#x HTTP/1.1"), 400,
       "The request target holds a fragment."},
      {"a tab", head_with("Origin", "Origin:\thttp://a"), 400,
       "The request head holds a byte that is not printable ASCII."},
      {"a byte past ASCII", head_with("Origin", "Origin: http://\xc3\xa9.example"), 400,
       "The request head holds a byte that is not printable ASCII."},
      {"a NUL", head_with("Origin", std::string("Origin: a\0b", 11)), 400,
       "The request head holds a byte that is not printable ASCII."},
      {"a bare LF", head_with("Origin", "Origin: a\nX-Y: b"), 400,
       "The request head holds a byte that is not printable ASCII."},
      {"a bare CR", head_with("Origin", "Origin: a\rX-Y: b"), 400,
       "The request head holds a byte that is not printable ASCII."},
      {"no blank line", good_head.substr(0, good_head.size() - 2), 400,
       "The request head does not end with a blank line."},
      {"bytes after the blank line", good_head + "\x81", 400,
       "The request head does not end with a blank line."},
      {"a second request after the blank line", good_head + "GET / HTTP/1.1\r\nHost: h\r\n\r\n",
       400, "Bytes follow the request head's blank line."},
      {"a blank line before the end", head_with("Host", "Host: h\r\n"), 400,
       "Bytes follow the request head's blank line."},
      {"nothing", "", 400, "The request head does not end with a blank line."},
      {"a blank line only", "\r\n\r\n", 400, "Bytes follow the request head's blank line."},
      {"a folded line", head_with("Origin", "Origin: a\r\n b"), 400,
       "Folded header lines are not accepted."},
      {"a head over 8 KiB", head_with("Origin", "Origin: " + std::string(8 * 1024, 'a')), 431,
       "The request head is over 8 KiB."},
      {"a line over 4 KiB", head_with("Origin", "Origin: " + std::string(4 * 1024, 'a')), 431,
       "A line of the request head is over 4 KiB."},
  };
  for (const auto& c : cases) {
    const auto r = parse_websocket_upgrade_why(c.head);
    EXPECT_FALSE(r.upgrade) << c.name;
    EXPECT_EQ(r.status, c.status) << c.name;
    EXPECT_EQ(r.why ? std::string(r.why) : "", c.why) << c.name;
    EXPECT_FALSE(parse_websocket_upgrade(c.head)) << c.name;
  }
}

TEST(WebSocket, TheHeadsBoundsAreInclusive) {
  // 64 header lines (7 are good_head's own) pass; 65 do not.
  std::string extra;
  for (int i = 0; i < 57; ++i) extra += "X-Pad-" + std::to_string(i) + ": v\r\n";
  std::string head = good_head;
  head.insert(head.size() - 2, extra);
  EXPECT_TRUE(parse_websocket_upgrade(head)) << parse_websocket_upgrade_why(head).why;
  head.insert(head.size() - 2, "X-One-More: v\r\n");
  EXPECT_EQ(parse_websocket_upgrade_why(head).status, 431);
  // A line of exactly 4 KiB passes.
  const std::string origin = "Origin: ";
  head = head_with("Origin", origin + std::string(4 * 1024 - origin.size(), 'a'));
  EXPECT_TRUE(parse_websocket_upgrade(head)) << parse_websocket_upgrade_why(head).why;
}

// --- frames a client sends ---

// RFC 6455 §5.7's examples.
const std::string masked_hello =
    bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58});

TEST(WebSocket, DecodesAMaskedTextFrame) {
  websocket_decoder d;
  auto f = d.feed(masked_hello);
  EXPECT_FALSE(f.error);
  ASSERT_EQ(f.messages.size(), 1u);
  EXPECT_EQ(f.messages[0].opcode, websocket_opcode::text);
  EXPECT_EQ(f.messages[0].payload, "Hello");
  EXPECT_FALSE(d.failed());
  EXPECT_FALSE(d.closed());
}

TEST(WebSocket, DecodesBytesArrivingOneAtATime) {
  const std::string stream = masked_hello + client_frame(0x82, std::string(300, 'x')) +
                             client_frame(0x89, "") + client_frame(0x81, "") +
                             client_frame(0x82, std::string(70000, 'y'));
  for (std::size_t piece : {1u, 2u, 3u, 7u, 13u, 4096u}) {
    websocket_decoder d;
    const auto all = feed_in_pieces(d, stream, piece);
    EXPECT_FALSE(all.error) << piece;
    ASSERT_EQ(all.messages.size(), 5u) << piece;
    EXPECT_EQ(all.messages[0].payload, "Hello");
    EXPECT_EQ(all.messages[1].opcode, websocket_opcode::binary);
    EXPECT_EQ(all.messages[1].payload, std::string(300, 'x'));
    EXPECT_EQ(all.messages[2].opcode, websocket_opcode::ping);
    EXPECT_EQ(all.messages[2].payload, "");
    EXPECT_EQ(all.messages[3].opcode, websocket_opcode::text);
    EXPECT_EQ(all.messages[3].payload, "");
    EXPECT_EQ(all.messages[4].payload, std::string(70000, 'y'));
  }
}

TEST(WebSocket, AssemblesFragmentsWithControlFramesBetweenThem) {
  // §5.7: "Hel" then "lo"; a ping and a pong arrive between the fragments.
  const std::string stream = client_frame(0x01, "Hel") + client_frame(0x89, "are you there") +
                             client_frame(0x00, "") + client_frame(0x8A, "yes") +
                             client_frame(0x80, "lo");
  for (std::size_t piece : {std::size_t{1}, std::size_t{5}, stream.size()}) {
    websocket_decoder d;
    const auto all = feed_in_pieces(d, stream, piece);
    EXPECT_FALSE(all.error);
    ASSERT_EQ(all.messages.size(), 3u);
    EXPECT_EQ(all.messages[0].opcode, websocket_opcode::ping);
    EXPECT_EQ(all.messages[0].payload, "are you there");
    EXPECT_EQ(all.messages[1].opcode, websocket_opcode::pong);
    EXPECT_EQ(all.messages[1].payload, "yes");
    EXPECT_EQ(all.messages[2].opcode, websocket_opcode::text);
    EXPECT_EQ(all.messages[2].payload, "Hello");
  }
  // A fragmented binary message, then a new message.
  websocket_decoder d;
  auto f = d.feed(client_frame(0x02, "ab") + client_frame(0x00, "cd") + client_frame(0x80, "ef") +
                  client_frame(0x81, "next"));
  ASSERT_EQ(f.messages.size(), 2u);
  EXPECT_EQ(f.messages[0].opcode, websocket_opcode::binary);
  EXPECT_EQ(f.messages[0].payload, "abcdef");
  EXPECT_EQ(f.messages[1].payload, "next");
}

TEST(WebSocket, EachProtocolErrorIs1002) {
  const struct {
    const char* name;
    std::string frame;
  } cases[] = {
      {"RSV1", client_frame(0xC1, "a")},
      {"RSV2", client_frame(0xA1, "a")},
      {"RSV3", client_frame(0x91, "a")},
      {"opcode 3", client_frame(0x83, "a")},
      {"opcode 7", client_frame(0x87, "a")},
      {"opcode 0xB", client_frame(0x8B, "a")},
      {"opcode 0xF", client_frame(0x8F, "a")},
      {"unmasked", bytes({0x81, 0x01, 'a'})},
      {"a fragmented ping", client_frame(0x09, "a")},
      {"a fragmented close", client_frame(0x08, "")},
      {"a ping of 126 bytes", client_frame(0x89, std::string(126, 'p'))},
      {"a pong of 126 bytes", client_frame(0x8A, std::string(126, 'p'))},
      {"a close of 126 bytes", client_frame(0x88, bytes({0x03, 0xe8}) + std::string(124, 'r'))},
      {"a ping declaring 126 bytes in 64 bits",
       masked(bytes({0x89, 127, 0, 0, 0, 0, 0, 0, 0, 126}))},
      {"a continuation of nothing", client_frame(0x80, "a")},
      {"a first fragment of nothing", client_frame(0x00, "a")},
      {"a text inside a fragmented message", client_frame(0x01, "a") + client_frame(0x81, "b")},
      {"a binary inside a fragmented message", client_frame(0x02, "a") + client_frame(0x02, "b")},
      {"a 64-bit length with its top bit", bytes({0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 1})},
      {"a close of one byte", client_frame(0x88, "\x03")},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(error_of(c.frame), websocket_protocol_error) << c.name;
    // The same bytes one at a time fail the same way.
    websocket_decoder d;
    EXPECT_EQ(feed_in_pieces(d, c.frame, 1).error, websocket_protocol_error) << c.name;
  }
}

TEST(WebSocket, AnErrorIsFinalAndTheMessagesBeforeItAreKept) {
  websocket_decoder d;
  auto f = d.feed(masked_hello + bytes({0x81, 0x01, 'a'}) + masked_hello);
  ASSERT_EQ(f.messages.size(), 1u);
  EXPECT_EQ(f.messages[0].payload, "Hello");
  EXPECT_EQ(f.error, websocket_protocol_error);
  EXPECT_STREQ(f.why, "A client's frame is not masked.");
  EXPECT_TRUE(d.failed());
  f = d.feed(masked_hello);
  EXPECT_TRUE(f.messages.empty());
  EXPECT_EQ(f.error, websocket_protocol_error);
}

TEST(WebSocket, AnUnmaskedFrameIsRefusedAtItsSecondByte) {
  websocket_decoder d;
  EXPECT_FALSE(d.feed("\x82").error);
  EXPECT_EQ(d.feed("\x7f").error, websocket_protocol_error);
}

TEST(WebSocket, TheSizeLimitIsCheckedBeforeAnythingIsBuffered) {
  // 2^62 bytes declared: refused after the 10 header bytes, before the
  // masking key (a buffer of that size could not even be asked for).
  websocket_decoder d;
  const std::string header = bytes({0x82, 0xFF, 0x40, 0, 0, 0, 0, 0, 0, 0});
  for (std::size_t i = 0; i + 1 < header.size(); ++i)
    EXPECT_FALSE(d.feed(header.substr(i, 1)).error);
  const auto f = d.feed(header.substr(header.size() - 1));
  EXPECT_EQ(f.error, websocket_message_too_big);
  EXPECT_STREQ(f.why, "A message is larger than the limit.");

  // The limit itself passes; one byte more does not.
  EXPECT_EQ(websocket_decoder(100).feed(client_frame(0x82, std::string(100, 'a'))).messages.size(),
            1u);
  EXPECT_EQ(error_of(client_frame(0x82, std::string(101, 'a')), 100), websocket_message_too_big);
  // The default is 1 MiB, 16-bit and 64-bit lengths alike.
  EXPECT_EQ(error_of(masked(bytes({0x82, 127, 0, 0, 0, 0, 0, 0x10, 0, 1}))),
            websocket_message_too_big);
  EXPECT_EQ(error_of(bytes({0x82, 0xFE, 0xFF, 0xFF}), 1000), websocket_message_too_big);
  // The fragments of one message count together; control frames between
  // them do not.
  websocket_decoder fragments(10);
  auto g = fragments.feed(client_frame(0x02, std::string(6, 'a')) +
                          client_frame(0x89, std::string(100, 'p')) +
                          client_frame(0x00, std::string(4, 'b')));
  EXPECT_FALSE(g.error);
  EXPECT_EQ(fragments.feed(client_frame(0x80, "c")).error, websocket_message_too_big);
  websocket_decoder exact(10);
  EXPECT_EQ(
      exact.feed(client_frame(0x02, std::string(6, 'a')) + client_frame(0x80, std::string(4, 'b')))
          .messages.at(0)
          .payload.size(),
      10u);
}

TEST(WebSocket, NonMinimalLengthsAreAllowed) {
  // "Hi" with a 16-bit and with a 64-bit length: §5.2 says the minimal form
  // MUST be used, but does not ask the receiver to fail on the others.
  websocket_decoder d;
  // A control frame too: what counts is its payload's length (at most 125).
  auto f = d.feed(masked(bytes({0x81, 126, 0, 2, 'H', 'i'})) +
                  masked(bytes({0x81, 127, 0, 0, 0, 0, 0, 0, 0, 2, 'H', 'i'})) +
                  masked(bytes({0x89, 127, 0, 0, 0, 0, 0, 0, 0, 1, 'p'})));
  EXPECT_FALSE(f.error);
  ASSERT_EQ(f.messages.size(), 3u);
  EXPECT_EQ(f.messages[0].payload, "Hi");
  EXPECT_EQ(f.messages[1].payload, "Hi");
  EXPECT_EQ(f.messages[2].opcode, websocket_opcode::ping);
  EXPECT_EQ(f.messages[2].payload, "p");
}

TEST(WebSocket, TextMessagesAreUtf8) {
  EXPECT_EQ(error_of(client_frame(0x81, "caf\xc3")), websocket_invalid_payload);
  EXPECT_EQ(error_of(client_frame(0x81, "\xc0\xae")), websocket_invalid_payload);  // overlong '.'
  EXPECT_EQ(error_of(client_frame(0x81, "\xed\xa0\x80")),
            websocket_invalid_payload);  // a surrogate
  EXPECT_EQ(error_of(client_frame(0x81, "\xf4\x90\x80\x80")),
            websocket_invalid_payload);  // > U+10FFFF
  // A fragmented message is checked whole: its last fragment may end it badly.
  EXPECT_EQ(error_of(client_frame(0x01, "ok") + client_frame(0x80, "\xe2\x82")),
            websocket_invalid_payload);
  // A binary message is any bytes.
  websocket_decoder binary;
  EXPECT_FALSE(binary.feed(client_frame(0x82, "\xff\xfe")).error);

  // U+20AC (E2 82 AC) and U+1F600 (F0 9F 98 80) split across fragments are one character.
  websocket_decoder d;
  auto f = d.feed(client_frame(0x01, "\xe2") + client_frame(0x00, "\x82") +
                  client_frame(0x00, "\xac\xf0\x9f") + client_frame(0x80, "\x98\x80"));
  EXPECT_FALSE(f.error) << f.why;
  ASSERT_EQ(f.messages.size(), 1u);
  EXPECT_EQ(f.messages[0].payload, "\xe2\x82\xac\xf0\x9f\x98\x80");
}

TEST(WebSocket, CloseFrames) {
  {
    websocket_decoder d;
    auto f = d.feed(client_frame(0x88, ""));
    ASSERT_EQ(f.messages.size(), 1u);
    EXPECT_EQ(f.messages[0].opcode, websocket_opcode::close);
    EXPECT_EQ(f.messages[0].close_code, websocket_no_status_received);
    EXPECT_EQ(f.messages[0].payload, "");
    EXPECT_TRUE(d.closed());
  }
  {
    // What follows a Close is ignored, even a broken frame.
    websocket_decoder d;
    auto f = d.feed(client_frame(0x88, bytes({0x03, 0xe8}) + "bye \xc3\xa9") + masked_hello +
                    bytes({0x81, 0x01, 'a'}));
    ASSERT_EQ(f.messages.size(), 1u);
    EXPECT_EQ(f.messages[0].close_code, websocket_normal_closure);
    EXPECT_EQ(f.messages[0].payload, "bye \xc3\xa9");
    EXPECT_FALSE(f.error);
    EXPECT_TRUE(d.feed(masked_hello).messages.empty());
  }
  for (std::uint16_t code :
       {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999}) {
    websocket_decoder d;
    auto f = d.feed(client_frame(0x88, bytes({static_cast<unsigned char>(code >> 8),
                                              static_cast<unsigned char>(code & 0xFF)})));
    EXPECT_FALSE(f.error) << code;
    ASSERT_EQ(f.messages.size(), 1u) << code;
    EXPECT_EQ(f.messages[0].close_code, code);
    EXPECT_TRUE(websocket_close_code_valid(code));
  }
  for (std::uint16_t code :
       {0, 999, 1004, 1005, 1006, 1012, 1013, 1014, 1015, 1016, 1100, 2000, 2999, 5000, 65535}) {
    EXPECT_EQ(error_of(client_frame(0x88, bytes({static_cast<unsigned char>(code >> 8),
                                                 static_cast<unsigned char>(code & 0xFF)}))),
              websocket_protocol_error)
        << code;
    EXPECT_FALSE(websocket_close_code_valid(code));
  }
  EXPECT_EQ(error_of(client_frame(0x88, bytes({0x03, 0xe8, 0xc3}))), websocket_invalid_payload);
}

// --- frames the server sends ---

TEST(WebSocket, TheEncodersThreeLengthFormsReadBack) {
  EXPECT_EQ(websocket_frame(websocket_opcode::text, "Hello"),
            bytes({0x81, 0x05, 'H', 'e', 'l', 'l', 'o'}));
  EXPECT_EQ(websocket_frame(websocket_opcode::text, "Hel", false),
            bytes({0x01, 0x03, 'H', 'e', 'l'}));
  EXPECT_EQ(websocket_frame(websocket_opcode::binary, std::string(126, 'a')).substr(0, 4),
            bytes({0x82, 126, 0x00, 126}));
  EXPECT_EQ(websocket_frame(websocket_opcode::binary, std::string(65535, 'a')).substr(0, 4),
            bytes({0x82, 126, 0xFF, 0xFF}));
  EXPECT_EQ(websocket_frame(websocket_opcode::binary, std::string(65536, 'a')).substr(0, 10),
            bytes({0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0}));
  for (std::size_t size : {0u, 1u, 125u, 126u, 127u, 65535u, 65536u, 300000u}) {
    std::string payload(size, '\0');
    for (std::size_t i = 0; i < size; ++i) payload[i] = static_cast<char>(i * 7 + 3);
    const std::string frame = websocket_frame(websocket_opcode::binary, payload);
    EXPECT_EQ(frame.size(), payload.size() + (size < 126 ? 2 : size <= 65535 ? 4 : 10));
    EXPECT_EQ(static_cast<unsigned char>(frame[1]) & 0x80, 0) << "a server never masks";
    websocket_decoder d;
    auto f = feed_in_pieces(d, masked(frame, {0x01, 0x80, 0xfe, 0x7f}), size > 1000 ? 4093 : 1);
    EXPECT_FALSE(f.error) << size;
    ASSERT_EQ(f.messages.size(), 1u) << size;
    EXPECT_EQ(f.messages[0].payload, payload) << size;
  }
  // Control frames, and a fragmented text read back.
  websocket_decoder d;
  auto f = d.feed(masked(websocket_frame(websocket_opcode::text, "a\xe2", false)) +
                  masked(websocket_frame(websocket_opcode::ping, "p")) +
                  masked(websocket_frame(websocket_opcode::continuation, "\x82\xac")) +
                  masked(websocket_frame(websocket_opcode::pong, std::string(125, 'q'))));
  ASSERT_EQ(f.messages.size(), 3u) << (f.why ? f.why : "");
  EXPECT_EQ(f.messages[0].opcode, websocket_opcode::ping);
  EXPECT_EQ(f.messages[1].payload, "a\xe2\x82\xac");
  EXPECT_EQ(f.messages[2].payload, std::string(125, 'q'));
}

TEST(WebSocket, TheEncoderRefusesWhatNoPeerWouldRead) {
  EXPECT_THROW(websocket_frame(websocket_opcode::ping, std::string(126, 'p')),
               std::invalid_argument);
  EXPECT_THROW(websocket_frame(websocket_opcode::pong, "p", false), std::invalid_argument);
  EXPECT_THROW(websocket_frame(static_cast<websocket_opcode>(3), "x"), std::invalid_argument);
  EXPECT_THROW(websocket_close_frame(1005), std::invalid_argument);
  EXPECT_THROW(websocket_close_frame(1000, "\xff"), std::invalid_argument);
}

TEST(WebSocket, CloseFramesOfTheServer) {
  EXPECT_EQ(websocket_close_frame(1000), bytes({0x88, 0x02, 0x03, 0xe8}));
  EXPECT_EQ(websocket_close_frame(1011, "oops"),
            bytes({0x88, 0x06, 0x03, 0xf3, 'o', 'o', 'p', 's'}));
  // A long reason is cut to 123 bytes, before a character that would not fit.
  const std::string e_acute = "\xc3\xa9";
  std::string reason = std::string(122, 'a') + e_acute;  // 124 bytes: the é straddles byte 123
  std::string frame = websocket_close_frame(4000, reason);
  EXPECT_EQ(frame.size(), 2u + 2u + 122u);
  websocket_decoder d;
  auto f = d.feed(masked(frame));
  ASSERT_EQ(f.messages.size(), 1u) << (f.why ? f.why : "");
  EXPECT_EQ(f.messages[0].close_code, 4000);
  EXPECT_EQ(f.messages[0].payload, std::string(122, 'a'));
  frame = websocket_close_frame(1000, std::string(200, 'b'));
  EXPECT_EQ(frame.size(), 2u + 125u);
}

}  // namespace
}  // namespace cumulo::api
