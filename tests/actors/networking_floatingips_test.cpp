// The networking door and floating IPs (issue 19): the floating IPs of a
// set of ports in one question (what the compute API shows in servers'
// addresses), and the path an associated floating IP needs - its router's
// gateway and interface - kept while it is associated, as Neutron keeps it.
#include <gtest/gtest.h>

#include <caf/all.hpp>

#include "actors/networking.hpp"
#include "tests/actors/actor_test_support.hpp"
#include "tests/temp_dir.hpp"

namespace cumulo {
namespace {

class NetworkingFloatingIps : public ::testing::Test {
 protected:
  void SetUp() override {
    cloud_options o;
    o.data_dir = dir.path() / "data";
    c = std::make_unique<cloud>(o);
    ASSERT_NO_FATAL_FAILURE(topology());
  }

  caf::actor_system& sys() { return c->system(); }
  caf::actor door() { return c->networking(); }

  void network(const std::string& id, network::create n, const std::string& subnet,
               const std::string& cidr) {
    auto made = ask<network_state>(sys(), door(), command_atom::value, id,
                                   network::command{std::move(n)}, test_meta());
    ASSERT_TRUE(made.ok()) << made.error.message;
    network::add_subnet s;
    s.subnet_id = subnet;
    s.cidr = cidr;
    s.project_id = "p1";
    auto sub = ask<network_state>(sys(), door(), command_atom::value, id, network::command{s},
                                  test_meta());
    ASSERT_TRUE(sub.ok()) << sub.error.message;
  }
  void port(const std::string& id) {
    network::create_port p;
    p.port_id = id;
    p.project_id = "p1";
    p.device_owner = "network:test";  // no default security group needed
    auto made = ask<network_state>(sys(), door(), command_atom::value, std::string("net-a"),
                                   network::command{p}, test_meta());
    ASSERT_TRUE(made.ok()) << made.error.message;
  }
  reply_or_error<floatingip_state> floating_ip(const std::string& id, const std::string& port) {
    floatingip_request r;
    r.id = id;
    r.floating_network_id = "ext";
    r.port_id = port;
    r.project_id = "p1";
    return ask<floatingip_state>(sys(), door(), command_atom::value, r, test_meta());
  }
  std::vector<floatingip_state> of_ports(std::vector<std::string> ports) {
    auto r =
        ask<std::vector<floatingip_state>>(sys(), door(), list_atom::value, floatingip_atom::value,
                                           port_atom::value, std::move(ports));
    EXPECT_TRUE(r.ok()) << r.error.message;
    return r.ok() ? *r : std::vector<floatingip_state>{};
  }
  reply_or_error<router_state> remove_interface() {
    return ask<router_state>(sys(), door(), interface_atom::value, std::string("r1"),
                             std::string("sub-a"), std::string(), false, test_meta());
  }
  reply_or_error<router_state> gateway(const std::string& network_id) {
    gateway_request g;
    g.network_id = network_id;
    return ask<router_state>(sys(), door(), gateway_atom::value, std::string("r1"), g, test_meta());
  }

  // An external network with 172.24.4.0/24, p1's net-a with 10.0.0.0/24
  // and its ports, and router r1 between them.
  void topology() {
    network::create ext{"ext", "admin-p"};
    ext.external = true;
    ASSERT_NO_FATAL_FAILURE(network("ext", ext, "sub-ext", "172.24.4.0/24"));
    ASSERT_NO_FATAL_FAILURE(
        network("net-a", network::create{"private", "p1"}, "sub-a", "10.0.0.0/24"));
    for (const char* p : {"port-a", "port-b", "port-c"}) ASSERT_NO_FATAL_FAILURE(port(p));
    auto r = ask<router_state>(sys(), door(), command_atom::value, std::string("r1"),
                               router::command{router::create{"r1", "p1"}}, test_meta());
    ASSERT_TRUE(r.ok()) << r.error.message;
    auto g = gateway("ext");
    ASSERT_TRUE(g.ok()) << g.error.message;
    auto i = ask<router_state>(sys(), door(), interface_atom::value, std::string("r1"),
                               std::string("sub-a"), std::string(), true, test_meta());
    ASSERT_TRUE(i.ok()) << i.error.message;
  }

  temp_dir dir;
  std::unique_ptr<cloud> c;
};

TEST_F(NetworkingFloatingIps, TheFloatingIpsOfPortsComeInOneAnswer) {
  auto a = floating_ip("fip-a", "port-a");
  ASSERT_TRUE(a.ok()) << a.error.message;
  auto b = floating_ip("fip-b", "port-b");
  ASSERT_TRUE(b.ok()) << b.error.message;
  auto free = floating_ip("fip-free", "");
  ASSERT_TRUE(free.ok()) << free.error.message;

  // Only those associated with the ports asked, oldest first.
  auto both = of_ports({"port-b", "port-a", "port-c", "no-such-port"});
  ASSERT_EQ(both.size(), 2u);
  EXPECT_EQ(both[0].id, "fip-a");
  EXPECT_EQ(both[0].port_id, "port-a");
  EXPECT_EQ(both[0].floating_ip_address, a->floating_ip_address);
  EXPECT_EQ(both[1].id, "fip-b");
  EXPECT_EQ(both[1].port_id, "port-b");
  auto one = of_ports({"port-b"});
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].id, "fip-b");
  EXPECT_TRUE(of_ports({"port-c"}).empty());
  EXPECT_TRUE(of_ports({}).empty());

  // Disassociated: no longer the port's.
  auto off = ask<floatingip_state>(sys(), door(), associate_atom::value, std::string("fip-a"),
                                   std::string(), std::string(), test_meta());
  ASSERT_TRUE(off.ok()) << off.error.message;
  one = of_ports({"port-a", "port-b"});
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].id, "fip-b");
}

TEST_F(NetworkingFloatingIps, AnAssociatedFloatingIpKeepsItsRoutersGatewayAndInterface) {
  auto a = floating_ip("fip-a", "port-a");
  ASSERT_TRUE(a.ok()) << a.error.message;
  EXPECT_EQ(a->router_id, "r1");
  EXPECT_EQ(a->status(), "ACTIVE");

  auto kept = remove_interface();
  ASSERT_FALSE(kept.ok());
  EXPECT_EQ(kept.error.code, errc::conflict);
  EXPECT_EQ(kept.error.type, "RouterInterfaceInUseByFloatingIP");
  EXPECT_EQ(kept.error.message,
            "Router interface for subnet sub-a on router r1 cannot be deleted, as it is required "
            "by one or more floating IPs.");
  auto cleared = gateway("");
  ASSERT_FALSE(cleared.ok());
  EXPECT_EQ(cleared.error.code, errc::conflict);
  EXPECT_EQ(cleared.error.type, "RouterExternalGatewayInUseByFloatingIp");
  EXPECT_EQ(cleared.error.message,
            "Gateway cannot be updated for router r1, since a gateway to external network ext is "
            "required by one or more floating IPs.");
  // The same gateway asked again is no change of network.
  EXPECT_TRUE(gateway("ext").ok());

  // A floating IP that is not associated needs nothing.
  ASSERT_TRUE(ask<floatingip_state>(sys(), door(), associate_atom::value, std::string("fip-a"),
                                    std::string(), std::string(), test_meta())
                  .ok());
  ASSERT_TRUE(floating_ip("fip-free", "").ok());
  auto removed = remove_interface();
  ASSERT_TRUE(removed.ok()) << removed.error.message;
  EXPECT_TRUE(removed->interfaces.empty());
  auto gone = gateway("");
  ASSERT_TRUE(gone.ok()) << gone.error.message;
  EXPECT_FALSE(gone->gateway.has_value());
}

}  // namespace
}  // namespace cumulo
