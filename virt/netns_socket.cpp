#include "virt/netns_socket.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <exception>
#include <stdexcept>
#include <system_error>
#include <thread>

namespace cumulo {
namespace {

std::system_error os_error(const std::string& what) {
  return std::system_error(errno, std::generic_category(), what);
}

// A name `ip netns` would make: no path in it.
bool plain_name(const std::string& name) {
  if (name.empty() || name.size() > 255 || name == "." || name == "..") return false;
  for (char c : name)
    if (c == '/' || c == '\0') return false;
  return true;
}

int make_listener(const sockaddr_in& at, int backlog) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw os_error("socket");
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  ::setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof one);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&at), sizeof at) != 0) {
    auto e = os_error("bind");
    ::close(fd);
    throw e;
  }
  if (::listen(fd, backlog) != 0) {
    auto e = os_error("listen");
    ::close(fd);
    throw e;
  }
  return fd;
}

}  // namespace

int listen_in_netns(const std::string& netns, const std::string& address, std::uint16_t port,
                    int backlog) {
  sockaddr_in at{};
  at.sin_family = AF_INET;
  at.sin_port = htons(port);
  if (::inet_pton(AF_INET, address.c_str(), &at.sin_addr) != 1)
    throw std::invalid_argument("not an IPv4 address: " + address);
  if (netns.empty()) return make_listener(at, backlog);
  if (!plain_name(netns)) throw std::invalid_argument("not a network namespace's name: " + netns);

  const std::string path = "/run/netns/" + netns;
  const int target = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (target < 0) throw os_error("open " + path);
  // setns changes the calling thread only: a thread of our own enters the
  // namespace, so no thread of the caller (a CAF worker) ever leaves its own.
  int fd = -1;
  std::exception_ptr failure;
  std::thread worker([&] {
    const int original = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    try {
      if (original < 0) throw os_error("open /proc/thread-self/ns/net");
      if (::setns(target, CLONE_NEWNET) != 0) throw os_error("setns " + path);
      try {
        fd = make_listener(at, backlog);
      } catch (...) {
        failure = std::current_exception();
      }
      // Back home; were that refused, the thread ends here all the same,
      // and nothing of it stays inside.
      (void)::setns(original, CLONE_NEWNET);
    } catch (...) {
      failure = std::current_exception();
    }
    if (original >= 0) ::close(original);
  });
  worker.join();
  ::close(target);
  if (failure) {
    if (fd >= 0) ::close(fd);
    std::rethrow_exception(failure);
  }
  return fd;
}

std::uint64_t netns_inode(const std::string& netns) {
  if (!netns.empty() && !plain_name(netns)) return 0;
  const std::string path = netns.empty() ? "/proc/thread-self/ns/net" : "/run/netns/" + netns;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return static_cast<std::uint64_t>(st.st_ino);
}

}  // namespace cumulo
