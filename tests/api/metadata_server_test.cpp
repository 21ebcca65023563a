// The metadata service's sockets (api/metadata_server, api/metadata_service)
// with a fake lookup and a fake compute door: a guest is told its own
// metadata by the network it asks from and its address; its requests are
// bounded (methods, size, time, connections). On loopback in cumulo's own
// namespace, and, where the test may make one (root), inside a network
// namespace of its own, as a DHCP namespace is served.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <caf/all.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "actors/errors.hpp"
#include "actors/metadata_messages.hpp"
#include "api/metadata_server.hpp"
#include "api/metadata_service.hpp"
#include "tests/support/run_command.hpp"
#include "virt/netns_socket.hpp"

namespace cumulo::api {
namespace {

using namespace std::chrono_literals;

std::uint16_t port_of(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

// A TCP connection to address:port from `fd` (a fresh socket; -1: one made
// here), or -1 when refused.
int connect_to(const std::string& address, std::uint16_t port, int fd = -1) {
  if (fd < 0) fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  ::inet_pton(AF_INET, address.c_str(), &to.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Everything the server sends until it closes (at most `wait`).
std::string read_all(int fd, std::chrono::milliseconds wait = 5s) {
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    char buf[4096];
    const auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

struct answer {
  int status = 0;
  std::string head;
  std::string body;
};

answer parse(const std::string& raw) {
  answer a;
  const auto end = raw.find("\r\n\r\n");
  if (raw.size() < 12 || end == std::string::npos) return a;
  a.status = std::stoi(raw.substr(9, 3));
  a.head = raw.substr(0, end);
  a.body = raw.substr(end + 4);
  return a;
}

// One request on a connection of its own (fd: a socket to connect from).
answer exchange(const std::string& address, std::uint16_t port, const std::string& request,
                int fd = -1) {
  const int c = connect_to(address, port, fd);
  if (c < 0) return {};
  ::send(c, request.data(), request.size(), MSG_NOSIGNAL);
  auto a = parse(read_all(c));
  ::close(c);
  return a;
}

std::string get(const std::string& path) {
  return "GET " + path + " HTTP/1.1\r\nHost: 169.254.169.254\r\n\r\n";
}

instance_metadata a_guest(const std::string& uuid) {
  instance_metadata md;
  md.uuid = uuid;
  md.name = "guest";
  md.hostname = "guest";
  md.project_id = "p1";
  md.user_data = "#!/bin/sh\n";
  return md;
}

// A lookup that knows one guest: 127.0.0.1 on net-a (or `peer` there).
struct fake_lookup {
  std::string peer = "127.0.0.1";
  std::mutex m;
  std::vector<std::pair<std::string, std::string>> asked;
  metadata_lookup fn() {
    return [this](const std::string& net, const std::string& ip,
                  std::function<void(metadata_lookup_result)> done) {
      {
        std::lock_guard lock(m);
        asked.emplace_back(net, ip);
      }
      if (net == "net-a" && ip == peer)
        done({200, a_guest("11111111-2222-7333-8444-555566667777")});
      else
        done({404, {}});
    };
  }
};

bool refused(const std::string& address, std::uint16_t port) {
  for (int i = 0; i < 100; ++i) {
    const int c = connect_to(address, port);
    if (c < 0) return true;
    ::close(c);
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

TEST(MetadataServer, AGuestIsToldItsOwnMetadataByNetworkAndAddress) {
  fake_lookup lookup;
  metadata_server_options o;
  o.head_timeout = 300ms;
  metadata_server server(lookup.fn(), o);
  const int a = listen_in_netns("", "127.0.0.1", 0);
  const int b = listen_in_netns("", "127.0.0.1", 0);
  const auto port_a = port_of(a), port_b = port_of(b);
  server.serve("net-a", a);
  server.serve("net-b", b);
  EXPECT_EQ(server.networks(), (std::vector<std::string>{"net-a", "net-b"}));

  auto r = exchange("127.0.0.1", port_a, get("/openstack/latest/meta_data.json"));
  ASSERT_EQ(r.status, 200) << r.head << r.body;
  EXPECT_NE(r.head.find("Content-Type: application/json"), std::string::npos) << r.head;
  EXPECT_NE(r.head.find("Connection: close"), std::string::npos) << r.head;
  const auto meta = nlohmann::json::parse(r.body);
  EXPECT_EQ(meta["uuid"], "11111111-2222-7333-8444-555566667777");
  EXPECT_TRUE(meta.contains("random_seed")) << "the service makes one per answer";
  r = exchange("127.0.0.1", port_a, "GET /latest/meta-data/instance-id HTTP/1.0\r\n\r\n");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.head.rfind("HTTP/1.0 200 OK", 0), 0u) << r.head;
  EXPECT_EQ(r.body, "i-66667777");
  r = exchange("127.0.0.1", port_a, get("/openstack/latest/user_data"));
  EXPECT_EQ(r.body, "#!/bin/sh\n");
  r = exchange("127.0.0.1", port_a, get("/openstack/latest/nothing"));
  EXPECT_EQ(r.status, 404);

  // The same address on another network is nobody.
  r = exchange("127.0.0.1", port_b, get("/openstack/latest/meta_data.json"));
  EXPECT_EQ(r.status, 404) << r.body;
  {
    std::lock_guard lock(lookup.m);
    EXPECT_EQ(lookup.asked.back(), (std::pair<std::string, std::string>{"net-b", "127.0.0.1"}));
  }

  // HEAD: the head only.
  r = exchange("127.0.0.1", port_a, "HEAD /openstack/latest/user_data HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.head.find("Content-Length: 10"), std::string::npos) << r.head;
  EXPECT_EQ(r.body, "");

  // Refusals, each before any lookup.
  std::size_t lookups;
  {
    std::lock_guard lock(lookup.m);
    lookups = lookup.asked.size();
  }
  r = exchange("127.0.0.1", port_a,
               "POST /openstack/latest/password HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\n"
               "secret");
  EXPECT_EQ(r.status, 405);
  EXPECT_NE(r.head.find("Allow: GET, HEAD"), std::string::npos) << r.head;
  EXPECT_EQ(r.body.find("secret"), std::string::npos);
  EXPECT_EQ(exchange("127.0.0.1", port_a, "GARBAGE\r\n\r\n").status, 400);
  EXPECT_EQ(exchange("127.0.0.1", port_a, "GET / HTTP/1.1\r\n\r\n").status, 400) << "no Host";
  EXPECT_EQ(exchange("127.0.0.1", port_a,
                     "GET / HTTP/1.1\r\nHost: x\r\nX-Long: " + std::string(9000, 'a'))
                .status,
            431);
  {
    std::lock_guard lock(lookup.m);
    EXPECT_EQ(lookup.asked.size(), lookups);
  }

  // A guest that sends half a head and waits: 408 once head_timeout passed.
  const auto t0 = std::chrono::steady_clock::now();
  r = exchange("127.0.0.1", port_a, "GET /openstack HTTP/1.1\r\nHost");
  EXPECT_EQ(r.status, 408);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 250ms);

  // Stopped: nobody listens there any more; the other network still answers.
  server.stop_serving("net-a");
  EXPECT_TRUE(refused("127.0.0.1", port_a));
  EXPECT_EQ(server.networks(), std::vector<std::string>{"net-b"});
  EXPECT_EQ(exchange("127.0.0.1", port_b, get("/")).status, 404);
}

TEST(MetadataServer, ConnectionsAreBounded) {
  fake_lookup lookup;
  metadata_server_options o;
  o.max_connections = 3;
  o.head_timeout = 3s;
  metadata_server server(lookup.fn(), o);
  const int l = listen_in_netns("", "127.0.0.1", 0);
  const auto port = port_of(l);
  server.serve("net-a", l);
  std::vector<int> idle;
  for (int i = 0; i < 3; ++i) idle.push_back(connect_to("127.0.0.1", port));
  for (int fd : idle) ASSERT_GE(fd, 0);
  std::this_thread::sleep_for(200ms);  // the server takes them
  auto r = exchange("127.0.0.1", port, get("/openstack"));
  EXPECT_EQ(r.status, 503) << r.head << r.body;
  // One idle connection goes: there is room again.
  ::close(idle.back());
  idle.pop_back();
  std::this_thread::sleep_for(200ms);
  r = exchange("127.0.0.1", port, get("/openstack"));
  EXPECT_EQ(r.status, 200) << r.head << r.body;
  for (int fd : idle) ::close(fd);
}

// --- inside a network namespace of the test's own (root only) ---

std::string ip_tool() {
  for (const char* p : {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"})
    if (std::filesystem::exists(p)) return p;
  return "";
}

// A socket of the namespace `ns` (made there by a thread of its own).
int socket_in(const std::string& ns) {
  int fd = -1;
  std::thread t([&] {
    const int target = ::open(("/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
    if (target < 0) return;
    if (::setns(target, CLONE_NEWNET) == 0) fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ::close(target);
  });
  t.join();
  return fd;
}

class MetadataInANamespace : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "network namespaces need root";
    ip = ip_tool();
    if (ip.empty()) GTEST_SKIP() << "no ip(8) here (iproute2)";
    ns = "cumulo-mdtest-" + std::to_string(::getpid());
    auto made = run_command({ip, "netns", "add", ns});
    if (made.exit_code != 0) GTEST_SKIP() << "cannot make a namespace here: " << made.err;
    made_ns = true;
    ASSERT_EQ(run_command({ip, "-n", ns, "link", "set", "lo", "up"}).exit_code, 0);
    // The address a DHCP namespace holds for the service.
    auto added = run_command({ip, "-n", ns, "addr", "add", "169.254.169.254/32", "dev", "lo"});
    ASSERT_EQ(added.exit_code, 0) << added.err;
  }
  void TearDown() override {
    if (made_ns) run_command({ip, "netns", "del", ns});
  }
  std::string ip, ns;
  bool made_ns = false;
};

TEST_F(MetadataInANamespace, TheSocketListensInsideAndTheCallerStaysOutside) {
  const auto home = netns_inode("");
  fake_lookup lookup;
  lookup.peer = "169.254.169.254";  // what a guest's source is here: the namespace's own address
  metadata_server server(lookup.fn());
  const int fd = listen_in_netns(ns, "169.254.169.254", 80);
  EXPECT_EQ(netns_inode(""), home) << "the caller's thread never left its namespace";
  EXPECT_NE(netns_inode(ns), home);
  EXPECT_NE(netns_inode(ns), 0u);
  server.serve("net-a", fd);
  auto r = exchange("169.254.169.254", 80, get("/openstack/latest/meta_data.json"), socket_in(ns));
  ASSERT_EQ(r.status, 200) << r.head << r.body;
  EXPECT_EQ(nlohmann::json::parse(r.body)["uuid"], "11111111-2222-7333-8444-555566667777");
  r = exchange("169.254.169.254", 80, get("/latest/meta-data/instance-id"), socket_in(ns));
  EXPECT_EQ(r.body, "i-66667777");
  // A name that is no namespace's, or a path: refused.
  EXPECT_THROW(listen_in_netns("cumulo-mdtest-none", "169.254.169.254", 80), std::system_error);
  EXPECT_THROW(listen_in_netns("../" + ns, "169.254.169.254", 80), std::invalid_argument);
  EXPECT_THROW(listen_in_netns(ns, "not-an-address", 80), std::invalid_argument);
}

// --- the actor front with a fake compute door ---

struct MetadataService : ::testing::Test {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  caf::actor door = sys.spawn([]() -> caf::behavior {
    return {
        [](metadata_atom, caf::get_atom, const std::string& network_id,
           const std::string& ip) -> caf::result<instance_metadata> {
          if (network_id == "net-a" && ip == "127.0.0.1")
            return a_guest("aaaaaaaa-2222-7333-8444-5555000000aa");
          return to_caf_error({errc::not_found, "nobody"});
        },
    };
  });
  void TearDown() override { caf::anon_send_exit(door, caf::exit_reason::kill); }

  template <class Reply, class... Ts>
  std::optional<Reply> ask(const caf::actor& to, Ts... xs) {
    std::optional<Reply> out;
    caf::scoped_actor self{sys};
    self->request(to, 10s, xs...)
        .receive([&](Reply& r) { out = std::move(r); }, [&](caf::error&) {});
    return out;
  }
};

// A port free now on 127.0.0.1 (the service is told a port, not given a socket).
std::uint16_t free_port() {
  const int fd = listen_in_netns("", "127.0.0.1", 0);
  const auto port = port_of(fd);
  ::close(fd);
  return port;
}

TEST_F(MetadataService, TheNetworkHostsNamespacesAreServedWithTheComputeDoorsAnswers) {
  metadata_service_options o;
  o.address = "127.0.0.1";
  o.port = free_port();
  metadata_service svc(sys, door, o);
  const auto& a = svc.actor();
  ASSERT_TRUE(ask<caf::ok_atom>(a, metadata_atom::value, caf::add_atom::value, std::string("net-a"),
                                std::string()));
  // The network host says it again at its next reconcile: nothing changes.
  ASSERT_TRUE(ask<caf::ok_atom>(a, metadata_atom::value, caf::add_atom::value, std::string("net-a"),
                                std::string()));
  EXPECT_EQ(ask<std::vector<std::string>>(a, metadata_atom::value, list_atom::value),
            std::vector<std::string>{"net-a"});
  auto r = exchange("127.0.0.1", o.port, get("/openstack/latest/meta_data.json"));
  ASSERT_EQ(r.status, 200) << r.head << r.body;
  EXPECT_EQ(nlohmann::json::parse(r.body)["uuid"], "aaaaaaaa-2222-7333-8444-5555000000aa");
  EXPECT_EQ(exchange("127.0.0.1", o.port, get("/latest/meta-data/instance-id")).body, "i-000000aa");

  // A namespace that is not there, or no plain name: refused, saying why.
  EXPECT_FALSE(ask<caf::ok_atom>(a, metadata_atom::value, caf::add_atom::value,
                                 std::string("net-b"), std::string("cumulo-no-such-namespace")));
  EXPECT_FALSE(ask<caf::ok_atom>(a, metadata_atom::value, caf::add_atom::value,
                                 std::string("net-b"), std::string("../etc")));

  ASSERT_TRUE(
      ask<caf::ok_atom>(a, metadata_atom::value, caf::delete_atom::value, std::string("net-a")));
  EXPECT_EQ(ask<std::vector<std::string>>(a, metadata_atom::value, list_atom::value),
            std::vector<std::string>{});
  EXPECT_TRUE(refused("127.0.0.1", o.port));
}

// Unknown to the door: 404; a door that does not answer in time: 503.
TEST_F(MetadataService, TheDoorsNotFoundIs404AndItsSilence503) {
  std::atomic<int> status{0};
  auto lookup = compute_door_lookup(sys, door, 2s);
  auto wait_for = [&](const std::string& net) {
    status = 0;
    lookup(net, "127.0.0.1", [&](metadata_lookup_result r) { status = r.status; });
    for (int i = 0; i < 500 && status == 0; ++i) std::this_thread::sleep_for(10ms);
    return status.load();
  };
  EXPECT_EQ(wait_for("net-a"), 200);
  EXPECT_EQ(wait_for("net-z"), 404);
  auto silent = sys.spawn([]() -> caf::behavior {
    return {[](metadata_atom, caf::get_atom, const std::string&, const std::string&) {}};
  });
  auto slow = compute_door_lookup(sys, silent, 100ms);
  status = 0;
  slow("net-a", "127.0.0.1", [&](metadata_lookup_result r) { status = r.status; });
  for (int i = 0; i < 500 && status == 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(status.load(), 503);
  caf::anon_send_exit(silent, caf::exit_reason::kill);
}

}  // namespace
}  // namespace cumulo::api
