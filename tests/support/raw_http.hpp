// A plain TCP client for what libcurl won't send: a body cut off mid-way,
// hand-made chunks, two requests on one connection.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>

namespace cumulo {

class raw_connection {
 public:
  explicit raw_connection(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
      throw std::runtime_error("cannot connect to port " + std::to_string(port));
    timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~raw_connection() { close(); }
  raw_connection(const raw_connection&) = delete;
  raw_connection& operator=(const raw_connection&) = delete;

  void send(const std::string& bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n <= 0) throw std::runtime_error("send failed");
      done += static_cast<std::size_t>(n);
    }
  }

  // One response: status line, headers and a Content-Length body; "" when
  // the connection closed or timed out first. 1xx answers are skipped.
  std::string read_response() {
    for (;;) {
      std::size_t end;
      while ((end = buffer_.find("\r\n\r\n")) == std::string::npos)
        if (!fill()) return "";
      std::string head = buffer_.substr(0, end + 4);
      std::size_t length = 0;
      auto at = lower(head).find("content-length:");
      if (at != std::string::npos) length = std::stoul(head.substr(at + 15));
      while (buffer_.size() < end + 4 + length)
        if (!fill()) return "";
      std::string out = buffer_.substr(0, end + 4 + length);
      buffer_.erase(0, out.size());
      if (out.rfind("HTTP/1.1 1", 0) == 0) continue;
      return out;
    }
  }

  int fd() const { return fd_; }

  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  static std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }
  bool fill() {
    char buf[65536];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return false;
    buffer_.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  std::string buffer_;
};

// "HTTP/1.1 204 No Content..." -> 204.
inline int status_of_response(const std::string& response) {
  return response.size() > 12 ? std::stoi(response.substr(9, 3)) : 0;
}

}  // namespace cumulo
