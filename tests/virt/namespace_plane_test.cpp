// The tenant plane made real on this host, without guests: the test plays
// the guests itself, each a network namespace of its own with a veth on
// its network's bridge and the port's MAC, which asks dnsmasq for its
// address with busybox's udhcpc. It needs root, `ip`, `nft`, dnsmasq and
// busybox (./scripts/install-deps --guests); it skips saying why without.
#include "virt/namespace_plane.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "tests/support/run_command.hpp"
#include "tests/support/tenant_topology.hpp"
#include "tests/temp_dir.hpp"

namespace cumulo {
namespace {

namespace fs = std::filesystem;

std::string hex(unsigned n, int digits) {
  static const char* h = "0123456789abcdef";
  std::string out;
  for (int i = digits - 1; i >= 0; --i) out += h[(n >> (4 * i)) & 15];
  return out;
}

command_result sh(const std::string& script) {
  return run_command({"/bin/sh", "-c", script});
}

class NamespacePlane : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto why = namespace_plane::cannot_run();
    if (!why.empty()) GTEST_SKIP() << why;
    if (!fs::exists("/bin/busybox")) GTEST_SKIP() << "busybox-static is missing";
    std::random_device rd;
    const unsigned r = rd();
    tag = hex(r, 4);
    opts.cloud_id = "7e57" + hex(r >> 16, 4);
    opts.run_dir = (dir.path() / "run").string();
    // A third octet of its own: two runs at once don't share an external CIDR.
    topo = testing::make_tenant_topology(tag, 100 + static_cast<int>(r % 150));
    opts.external_cidr = topo.external_cidr;
  }

  void TearDown() override {
    for (const auto& g : guests) sh("ip netns del " + g + " 2>/dev/null");
    // What a failed test left of the cloud goes with an empty plan.
    if (!opts.cloud_id.empty()) namespace_plane(opts).apply({});
  }

  plane::layout plan() const {
    return plan_tenant_plane(topo.networks, topo.routers, topo.floatingips, opts);
  }

  // A guest on `network_id` with the port's MAC; udhcpc's answer, as
  // "ip=... router=... staticroutes=... dns=... mtu=...".
  std::string guest(const std::string& network_id, const std::string& port_id) {
    const auto& port = topo.networks.at(network_id).ports.at(port_id);
    const std::string ns = "cptest-" + tag + "-g" + std::to_string(guests.size());
    const std::string host = "cpt" + tag + "g" + std::to_string(guests.size());
    guests.push_back(ns);
    const auto bridge = plane::bridge_name(network_id);
    const auto script = dir.path() / ("udhcpc-" + ns);
    const auto lease = dir.path() / ("lease-" + ns);
    std::ofstream(script) << "#!/bin/sh\n"
                          << "[ \"$1\" = bound ] || exit 0\n"
                          << "ip addr add $ip/$mask dev $interface\n"
                          << "ip route add default via ${router%% *} dev $interface\n"
                          // What a DHCP client does with option 121 (cloud-init's do).
                          << "set -- $staticroutes\n"
                          << "while [ $# -ge 2 ]; do\n"
                          << "  [ \"$1\" = 0.0.0.0/0 ] || ip route add $1 via $2 dev $interface\n"
                          << "  shift 2\n"
                          << "done\n"
                          << "echo \"ip=$ip router=$router staticroutes=$staticroutes "
                             "dns=$dns mtu=$mtu\" > "
                          << lease.string() << "\n";
    fs::permissions(script, fs::perms::owner_all);
    auto made =
        sh("set -e; ip netns add " + ns + "; ip -n " + ns + " link set lo up; ip link add " + host +
           " type veth peer name eth0 netns " + ns + "; ip link set " + host + " master " + bridge +
           " up; ip -n " + ns + " link set eth0 address " + port.mac_address + " up");
    EXPECT_EQ(made.exit_code, 0) << made.err;
    auto dhcp =
        run_command({"/sbin/ip",     "netns", "exec", ns,   "/bin/busybox", "udhcpc", "-i", "eth0",
                     "-n",           "-q",    "-f",   "-t", "10",           "-T",     "1",  "-O",
                     "staticroutes", "-O",    "mtu",  "-s", script.string()});
    EXPECT_EQ(dhcp.exit_code, 0) << dhcp.out << dhcp.err;
    std::ifstream in(lease);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  bool ping_from(const std::string& ns, const std::string& address) {
    auto r = run_command(
        {"/sbin/ip", "netns", "exec", ns, "/bin/busybox", "ping", "-c", "1", "-W", "2", address});
    return r.exit_code == 0;
  }
  bool ping_from_host(const std::string& address) {
    return run_command({"/bin/busybox", "ping", "-c", "1", "-W", "2", address}).exit_code == 0;
  }

  // Everything of this cloud on the host: namespaces, links, dnsmasq.
  std::string leftovers() const {
    auto r = sh("ls /run/netns 2>/dev/null | grep -- 'cumulo-" + opts.cloud_id +
                "-'; ip -o link show | grep -- 'cumulo " + opts.cloud_id +
                "'; pgrep -af -- '[-]-pid-file=" + opts.run_dir + "/'");
    return r.out;
  }

  temp_dir dir;
  plane_options opts;
  testing::tenant_topology topo;
  std::string tag;
  std::vector<std::string> guests;
};

TEST_F(NamespacePlane, GuestsGetTheirAddressesRouteThroughTheRouterAndLeaveNothingBehind) {
  namespace_plane p(opts);
  p.apply(plan());

  // DHCP: the port's address, the router, the metadata route and the
  // subnet's host route, its DNS server and MTU.
  const auto a = guest(topo.a, topo.a_guest);
  EXPECT_NE(a.find("ip=10.9.0.5 "), std::string::npos) << a;
  EXPECT_NE(a.find("router=10.9.0.1 "), std::string::npos) << a;
  EXPECT_NE(a.find("169.254.169.254/32 10.9.0.2"), std::string::npos) << a;
  EXPECT_NE(a.find("192.168.77.0/24 10.9.0.1"), std::string::npos) << a;
  EXPECT_NE(a.find("dns=192.0.2.53"), std::string::npos) << a;
  EXPECT_NE(a.find("mtu=1450"), std::string::npos) << a;

  // The other network has the same CIDR and its own DHCP server.
  const auto b = guest(topo.b, topo.b_guest);
  EXPECT_NE(b.find("ip=10.9.0.5 "), std::string::npos) << b;
  EXPECT_TRUE(ping_from(guests[1], "10.9.0.2"));

  // Ports added later reach the running dnsmasq (re-read on SIGHUP; a
  // hosts file with a port's own options restarts it): a lease given
  // before does not stop the next one.
  auto late = testing::topology_port(testing::topology_id(tag, 90), "fa:16:3e:00:0a:07",
                                     "compute:nova", topo.networks.at(topo.a).subnets[0].id,
                                     "10.9.0.7");
  topo.networks.at(topo.a).ports[late.id] = late;
  p.apply(plan());
  EXPECT_NE(guest(topo.a, late.id).find("ip=10.9.0.7 "), std::string::npos);
  late.id = testing::topology_id(tag, 91);
  late.mac_address = "fa:16:3e:00:0a:08";
  late.fixed_ips[0].ip_address = "10.9.0.8";
  late.extra_dhcp_opts = {{"domain-name", "example.test", 4}};
  topo.networks.at(topo.a).ports[late.id] = late;
  p.apply(plan());
  EXPECT_NE(guest(topo.a, late.id).find("ip=10.9.0.8 "), std::string::npos);
  // That port deleted and another made at its address (a server replaced):
  // the old lease does not keep the address from the new MAC.
  topo.networks.at(topo.a).ports.erase(late.id);
  p.apply(plan());
  late.id = testing::topology_id(tag, 92);
  late.mac_address = "fa:16:3e:00:0a:09";
  late.extra_dhcp_opts.clear();
  topo.networks.at(topo.a).ports[late.id] = late;
  p.apply(plan());
  EXPECT_NE(guest(topo.a, late.id).find("ip=10.9.0.8 "), std::string::npos);

  // The gateway address lives in the router; the metadata address in the
  // DHCP namespace.
  EXPECT_TRUE(ping_from(guests[0], "10.9.0.1"));
  EXPECT_TRUE(ping_from(guests[0], "169.254.169.254"));

  // The host reaches the guest at its floating IP; a guest without one
  // reaches the host through SNAT (the host has no route back to 10.9.0.0/24).
  EXPECT_TRUE(ping_from_host(topo.floating_ip));
  const auto other = guest(topo.a, topo.a_other);
  EXPECT_NE(other.find("ip=10.9.0.6 "), std::string::npos) << other;
  EXPECT_TRUE(ping_from(guests.back(), topo.host_address));
  EXPECT_FALSE(ping_from(guests[1], topo.host_address));  // B has no router

  // Disassociated: the floating IP answers nothing.
  auto t = topo;
  topo.floatingips.begin()->second.port_id.clear();
  p.apply(plan());
  EXPECT_FALSE(ping_from_host(t.floating_ip));
  topo = t;
  p.apply(plan());
  EXPECT_TRUE(ping_from_host(topo.floating_ip));

  // A restarted network host (a new plane on the same host) keeps what is
  // wanted: dnsmasq goes on with the same process.
  const auto pid_file = fs::path(opts.run_dir) / "dhcp" / topo.a / "pid";
  std::string pid_before, pid_after;
  std::ifstream(pid_file) >> pid_before;
  namespace_plane(opts).apply(plan());
  std::ifstream(pid_file) >> pid_after;
  EXPECT_FALSE(pid_before.empty());
  EXPECT_EQ(pid_before, pid_after);
  EXPECT_TRUE(ping_from_host(topo.floating_ip));

  for (const auto& g : guests) sh("ip netns del " + g);
  guests.clear();
  p.apply({});
  EXPECT_EQ(leftovers(), "");
}

TEST_F(NamespacePlane, StraysOfThisCloudGoAndAnotherCloudsStay) {
  namespace_plane(opts).apply(plan());
  // Another cloud on the same host, with its own id.
  auto theirs = opts;
  theirs.cloud_id = "0be7" + tag;
  theirs.run_dir = (dir.path() / "theirs").string();
  auto other_topo = testing::make_tenant_topology(hex(std::stoul(tag, nullptr, 16) ^ 0x5a5a, 4),
                                                  topo.external_cidr == "198.18.99.0/24" ? 98 : 99);
  theirs.external_cidr = other_topo.external_cidr;
  namespace_plane(theirs).apply(
      plan_tenant_plane(other_topo.networks, other_topo.routers, other_topo.floatingips, theirs));

  // This cloud restarts with its router deleted meanwhile: the router's
  // namespace goes, the rest stays.
  topo.routers.begin()->second.deleted = true;
  namespace_plane(opts).apply(plan());
  EXPECT_FALSE(fs::exists("/run/netns/" + plane::router_namespace(opts.cloud_id, topo.router)));
  EXPECT_TRUE(fs::exists("/run/netns/" + plane::dhcp_namespace(opts.cloud_id, topo.a)));
  EXPECT_TRUE(
      fs::exists("/run/netns/" + plane::router_namespace(theirs.cloud_id, other_topo.router)));

  namespace_plane(opts).apply({});
  EXPECT_EQ(leftovers(), "");
  EXPECT_TRUE(fs::exists("/run/netns/" + plane::dhcp_namespace(theirs.cloud_id, other_topo.a)));
  namespace_plane(theirs).apply({});
  EXPECT_FALSE(fs::exists("/run/netns/" + plane::dhcp_namespace(theirs.cloud_id, other_topo.a)));
}

}  // namespace
}  // namespace cumulo
