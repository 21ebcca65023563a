// A WebSocket client for tests, as a browser or Nova's console clients
// speak it (RFC 6455): the opening handshake over a plain TCP connection,
// masked frames out, the server's unmasked frames in.
#pragma once

#include <poll.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/raw_http.hpp"

namespace cumulo {

struct ws_message {
  std::uint8_t opcode = 0;  // 1 text, 2 binary, 8 close, 9 ping, 10 pong
  std::string payload;
};

class websocket_client {
 public:
  explicit websocket_client(int port) : port_(port), conn_(port) {}

  // Sends the opening request for `target` ("/?token=T") and reads the
  // answer's head (and body, when it is not a 101); the whole answer.
  std::string open(const std::string& target, const std::vector<std::string>& protocols = {},
                   const std::string& origin = "", const std::string& version = "13") {
    std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port_) +
                      "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                      "Sec-WebSocket-Version: " +
                      version + "\r\n";
    if (!protocols.empty()) {
      req += "Sec-WebSocket-Protocol: ";
      for (std::size_t i = 0; i < protocols.size(); ++i) req += (i ? ", " : "") + protocols[i];
      req += "\r\n";
    }
    if (!origin.empty()) req += "Origin: " + origin + "\r\n";
    conn_.send(req + "\r\n");
    return read_head();
  }

  // Bytes as they come, for what open() does not send.
  void send_raw(const std::string& bytes) { conn_.send(bytes); }

  // The answer to a request sent with send_raw: its head, and its body
  // when it has a Content-Length.
  std::string read_head() {
    while (buffer_.find("\r\n\r\n") == std::string::npos)
      if (!fill(std::chrono::seconds(10))) return buffer_;
    const auto end = buffer_.find("\r\n\r\n") + 4;
    std::string head = buffer_.substr(0, end);
    buffer_.erase(0, end);
    if (head.rfind("HTTP/1.1 101", 0) == 0) return head;
    const auto at = head.find("Content-Length: ");
    const std::size_t length = at == std::string::npos ? 0 : std::stoul(head.substr(at + 16));
    while (buffer_.size() < length)
      if (!fill(std::chrono::seconds(10))) break;
    head += buffer_.substr(0, length);
    buffer_.erase(0, std::min(length, buffer_.size()));
    return head;
  }

  // One masked frame (the client always masks).
  void send(std::uint8_t opcode, const std::string& payload) {
    std::string f;
    f.push_back(static_cast<char>(0x80 | opcode));
    const unsigned char mask[4] = {0x12, 0x34, 0x56, 0x78};
    if (payload.size() < 126) {
      f.push_back(static_cast<char>(0x80 | payload.size()));
    } else {
      f.push_back(static_cast<char>(0x80 | 126));
      f.push_back(static_cast<char>((payload.size() >> 8) & 0xff));
      f.push_back(static_cast<char>(payload.size() & 0xff));
    }
    f.append(reinterpret_cast<const char*>(mask), 4);
    for (std::size_t i = 0; i < payload.size(); ++i)
      f.push_back(static_cast<char>(payload[i] ^ static_cast<char>(mask[i % 4])));
    conn_.send(f);
  }

  // The next whole frame from the server within `wait`; nothing when none
  // came or the connection closed.
  std::optional<ws_message> read(std::chrono::milliseconds wait = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    for (;;) {
      if (auto m = take()) return m;
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || !fill(left)) return std::nullopt;
    }
  }

  // Reads binary and text messages until their bytes together contain
  // `text`; all of them (what came so far when it never did).
  std::string read_until(const std::string& text,
                         std::chrono::milliseconds wait = std::chrono::seconds(15)) {
    std::string all;
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (all.find(text) == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      auto m = read(left);
      if (!m) break;
      if (m->opcode == 1 || m->opcode == 2) all += m->payload;
      if (m->opcode == 8) break;
    }
    return all;
  }

 private:
  int port_;
  raw_connection conn_;
  std::string buffer_;

  bool fill(std::chrono::milliseconds wait) {
    pollfd p{conn_.fd(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(wait.count())) != 1) return false;
    char buf[65536];
    const auto n = ::recv(conn_.fd(), buf, sizeof buf, 0);
    if (n <= 0) return false;
    buffer_.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  std::optional<ws_message> take() {
    if (buffer_.size() < 2) return std::nullopt;
    const auto b0 = static_cast<unsigned char>(buffer_[0]);
    const auto b1 = static_cast<unsigned char>(buffer_[1]);
    std::size_t at = 2;
    std::uint64_t length = b1 & 0x7f;
    if (length == 126) {
      if (buffer_.size() < 4) return std::nullopt;
      length =
          (static_cast<unsigned char>(buffer_[2]) << 8) | static_cast<unsigned char>(buffer_[3]);
      at = 4;
    } else if (length == 127) {
      if (buffer_.size() < 10) return std::nullopt;
      length = 0;
      for (int i = 0; i < 8; ++i)
        length = (length << 8) | static_cast<unsigned char>(buffer_[2 + i]);
      at = 10;
    }
    if (buffer_.size() < at + length) return std::nullopt;
    ws_message m{static_cast<std::uint8_t>(b0 & 0x0f), buffer_.substr(at, length)};
    buffer_.erase(0, at + length);
    return m;
  }
};

}  // namespace cumulo
