#include "api/connection_guard.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

namespace cumulo::api {
namespace {

using namespace std::chrono_literals;

struct socket_pair {
  int server = -1, client = -1;
  socket_pair() {
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    server = fds[0];
    client = fds[1];
  }
  ~socket_pair() {
    ::close(server);
    ::close(client);
  }
  // The server side was shut down: the client reads end of file.
  bool closed_by_server() const {
    char c;
    return ::recv(client, &c, 1, MSG_DONTWAIT) == 0;
  }
};

connection_guard::limits test_limits() {
  connection_guard::limits l;
  l.per_client = 2;
  l.request_timeout = 30s;
  l.idle_timeout = 120s;
  l.sweep_every = 0ms;  // no thread: the test sweeps with its own time
  return l;
}

// Issue 22, item 5: slow and idle connections were never closed.
TEST(ConnectionGuard, StalledRequestsAndIdleConnectionsAreClosed) {
  connection_guard g(test_limits());
  const auto t0 = connection_guard::clock::time_point{} + 1000s;
  socket_pair slow, idle, busy;
  ASSERT_TRUE(g.opened(&slow, slow.server, "10.0.0.1", t0));
  ASSERT_TRUE(g.opened(&idle, idle.server, "10.0.0.2", t0));
  ASSERT_TRUE(g.opened(&busy, busy.server, "10.0.0.3", t0));
  g.active(&slow, true, t0);   // half a request head, then nothing
  g.active(&idle, false, t0);  // a request answered, then nothing
  EXPECT_EQ(g.sweep(t0 + 29s), 0u);
  EXPECT_EQ(g.sweep(t0 + 31s), 1u) << "the stalled head";
  EXPECT_TRUE(slow.closed_by_server());
  EXPECT_FALSE(idle.closed_by_server());
  g.active(&busy, false, t0 + 100s);
  EXPECT_EQ(g.sweep(t0 + 121s), 1u) << "the idle one";
  EXPECT_TRUE(idle.closed_by_server());
  EXPECT_FALSE(busy.closed_by_server()) << "it spoke at t0 + 100 s";
  EXPECT_EQ(g.sweep(t0 + 121s), 0u) << "each is shut once";
  g.closed(&slow);
  g.closed(&idle);
  EXPECT_EQ(g.open_connections(), 1u);
}

TEST(ConnectionGuard, OneClientHoldsAtMostItsLimit) {
  connection_guard g(test_limits());
  const auto now = connection_guard::clock::now();
  int a, b, c, d;
  EXPECT_TRUE(g.opened(&a, -1, "10.0.0.1", now));
  EXPECT_TRUE(g.opened(&b, -1, "10.0.0.1", now));
  EXPECT_FALSE(g.opened(&c, -1, "10.0.0.1", now)) << "over the limit";
  EXPECT_TRUE(g.opened(&d, -1, "10.0.0.2", now)) << "another client";
  g.closed(&c);  // refused connections close too: nothing to forget
  g.closed(&a);
  EXPECT_TRUE(g.opened(&c, -1, "10.0.0.1", now)) << "room again";
}

TEST(ConnectionGuard, TheSweeperThreadStopsWithTheGuard) {
  auto l = test_limits();
  l.sweep_every = 5ms;
  l.request_timeout = 1ms;
  socket_pair p;
  {
    connection_guard g(l);
    ASSERT_TRUE(g.opened(&p, p.server, "10.0.0.1", connection_guard::clock::now()));
    g.active(&p, true, connection_guard::clock::now());
    for (int i = 0; i < 400 && !p.closed_by_server(); ++i) std::this_thread::sleep_for(5ms);
  }
  EXPECT_TRUE(p.closed_by_server()) << "the sweeper closed it within 2 s";
}

}  // namespace
}  // namespace cumulo::api
