// The networking actor keeps libvirt's networks equal to the networks: a
// port's MAC and address become a DHCP host entry of the network's bridge.
#include <gtest/gtest.h>

#include <caf/all.hpp>

#include <thread>

#include "actors/network_host.hpp"
#include "actors/networking.hpp"
#include "tests/actors/actor_test_support.hpp"
#include "tests/temp_dir.hpp"

namespace cumulo {
namespace {

// The network host applies syncs as they come: the test polls (bounded).
std::string libvirt_xml(cloud& c, const std::string& network_id) {
  auto xml = ask<std::string>(c.system(), c.network_host(), caf::get_atom::value,
                              libvirt_atom::value, network_id);
  return xml.ok() ? *xml : "";
}

TEST(Networking, APortBecomesADhcpHostOfItsLibvirtNetwork) {
  temp_dir dir;
  cloud_options o;
  o.data_dir = dir.path() / "data";
  cloud c(o);
  const std::string id = "net-a";
  ASSERT_TRUE(ask<network_state>(c.system(), c.networking(), command_atom::value, id,
                                 network::command{network::create{"private", "p1"}}, test_meta())
                  .ok());
  network::add_subnet s;
  s.subnet_id = "sub-a";
  s.cidr = "10.20.0.0/24";
  s.project_id = "p1";
  ASSERT_TRUE(ask<network_state>(c.system(), c.networking(), command_atom::value, id,
                                 network::command{s}, test_meta())
                  .ok());
  network::create_port p;
  p.port_id = "port-a";
  p.project_id = "p1";
  p.device_owner = "network:test";  // no default security group needed
  auto after = ask<network_state>(c.system(), c.networking(), command_atom::value, id,
                                  network::command{p}, test_meta());
  ASSERT_TRUE(after.ok()) << after.error.message;
  const auto* port = after->find_port("port-a");
  ASSERT_NE(port, nullptr);
  ASSERT_EQ(port->mac_address.rfind("fa:16:3e:", 0), 0u) << port->mac_address;
  std::string xml;
  for (int i = 0; i < 100 && xml.find(port->mac_address) == std::string::npos; ++i) {
    xml = libvirt_xml(c, id);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_NE(xml.find("<host mac='" + port->mac_address + "' ip='" +
                     port->fixed_ips.at(0).ip_address + "'/>"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("address='10.20.0.1'"), std::string::npos) << xml;
}

credentials member_of(const std::string& project) {
  return credentials{"user-" + project, project, {"member", "reader"}, false};
}

credentials admin_of(const std::string& project) {
  return credentials{"admin", project, {"admin", "member", "reader"}, false};
}

// The API's requests carry their caller, and the door decides with
// Neutron's rules: what a caller may not see is 404 as if it did not exist,
// what it sees but may not change is 403, and an admin may remove a
// project's default security group (its owner may not).
TEST(Networking, TheDoorDecidesWhatItsCallerSeesAndMayDo) {
  temp_dir dir;
  cloud_options o;
  o.data_dir = dir.path() / "data";
  cloud c(o);
  auto& sys = c.system();
  const auto door = c.networking();
  auto make = [&](const std::string& id, network::create n, const credentials& who) {
    return ask<network_state>(sys, door, command_atom::value, id, network::command{std::move(n)},
                              test_meta(), who);
  };
  network::create shared{"public", "p1", true};
  ASSERT_TRUE(make("net-shared", shared, admin_of("admin-project")).ok());
  ASSERT_TRUE(make("net-private", network::create{"private", "p1"}, member_of("p1")).ok());
  auto refused = make("net-x", shared, member_of("p1"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error.code, errc::forbidden);
  EXPECT_EQ(refused.error.message, "(rule:create_network:shared) is disallowed by policy");

  auto listed = ask<std::vector<network_state>>(sys, door, list_atom::value, network_atom::value,
                                                member_of("p2"));
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().id, "net-shared");
  EXPECT_EQ(ask<std::vector<network_state>>(sys, door, list_atom::value, network_atom::value,
                                            admin_of("p2"))
                ->size(),
            2u);

  auto hidden = ask<network_state>(sys, door, caf::get_atom::value, network_atom::value,
                                   "net-private", member_of("p2"));
  ASSERT_FALSE(hidden.ok());
  EXPECT_EQ(hidden.error.code, errc::not_found);
  EXPECT_EQ(hidden.error.type, "NetworkNotFound");

  network::update rename;
  rename.name = "mine";
  auto changed = ask<network_state>(sys, door, command_atom::value, "net-shared",
                                    network::command{rename}, test_meta(), member_of("p2"));
  ASSERT_FALSE(changed.ok());
  EXPECT_EQ(changed.error.message, "(rule:update_network) is disallowed by policy");

  // A port on a shared network is anyone's; an address of its choosing is not.
  network::add_subnet s;
  s.subnet_id = "sub-shared";
  s.cidr = "10.30.0.0/24";
  s.project_id = "p1";
  ASSERT_TRUE(ask<network_state>(sys, door, command_atom::value, "net-shared", network::command{s},
                                 test_meta(), admin_of("admin-project"))
                  .ok());
  network::create_port p;
  p.port_id = "port-p2";
  p.project_id = "p2";
  p.device_owner = "network:test";
  p.fixed_ips = std::vector<network::fixed_ip>{{"sub-shared", "10.30.0.50"}};
  auto chosen = ask<network_state>(sys, door, command_atom::value, "net-shared",
                                   network::command{p}, test_meta(), member_of("p2"));
  ASSERT_FALSE(chosen.ok());
  EXPECT_EQ(chosen.error.message,
            "(rule:create_port:fixed_ips:ip_address) is disallowed by policy");
  p.fixed_ips.reset();
  ASSERT_TRUE(ask<network_state>(sys, door, command_atom::value, "net-shared", network::command{p},
                                 test_meta(), member_of("p2"))
                  .ok());
  // p1 sees the shared network, not p2's port on it.
  auto ports = ask<std::vector<network_state>>(sys, door, list_atom::value, port_atom::value,
                                               member_of("p1"));
  ASSERT_TRUE(ports.ok());
  EXPECT_TRUE(ports->empty());
  auto other = ask<network_state>(sys, door, caf::get_atom::value, port_atom::value, "port-p2",
                                  member_of("p1"));
  EXPECT_EQ(other.error.type, "PortNotFound");

  // The default group: listing makes it; its owner may not remove it, an admin may.
  auto groups = ask<std::vector<security_group_state>>(
      sys, door, list_atom::value, security_group_atom::value, test_meta(), member_of("p1"));
  ASSERT_TRUE(groups.ok());
  ASSERT_EQ(groups->size(), 1u);
  const std::string group = groups->front().id;
  EXPECT_TRUE(groups->front().is_default);
  auto remove = [&](const credentials& who) {
    return ask<security_group_state>(sys, door, command_atom::value, group,
                                     security_group::command{security_group::remove{}}, test_meta(),
                                     who);
  };
  EXPECT_EQ(remove(member_of("p2")).error.type, "SecurityGroupNotFound");
  EXPECT_EQ(remove(member_of("p1")).error.code, errc::conflict);
  auto removed = remove(admin_of("admin-project"));
  ASSERT_TRUE(removed.ok()) << removed.error.message;
  EXPECT_TRUE(removed->deleted);
}

// Where the network host runs real DHCP servers (the tenant plane), the
// door gives each network a `network:dhcp` port with an address on each
// DHCP-enabled IPv4 subnet, as Neutron's DHCP agent asks for, and takes it
// out of the way of the subnet's and the network's deletes.
TEST(Networking, ADhcpPortFollowsTheSubnetsThatServeDhcp) {
  temp_dir dir;
  cloud_options o;
  o.data_dir = dir.path() / "data";
  cloud c(o);
  auto& sys = c.system();
  const auto door = spawn_networking(sys, c.conductor(), caf::actor{}, nullptr, true);
  auto command = [&](network::command cmd) {
    return ask<network_state>(sys, door, command_atom::value, std::string("net-d"), std::move(cmd),
                              test_meta());
  };
  auto dhcp_port = [](const network_state& n) -> const network::port* {
    for (const auto& [id, p] : n.ports)
      if (p.device_owner == "network:dhcp") return &p;
    return nullptr;
  };
  // The port is made after the subnet's answer: the test polls (bounded).
  auto settled = [&](auto done) {
    network_state n;
    for (int i = 0; i < 200; ++i) {
      auto got = ask<network_state>(sys, door, caf::get_atom::value, network_atom::value,
                                    std::string("net-d"));
      if (got.ok()) n = *got;
      if (done(n)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return n;
  };
  ASSERT_TRUE(command(network::create{"private", "p1"}).ok());
  auto subnet = [](const std::string& id, const std::string& cidr, bool dhcp) {
    network::add_subnet s;
    s.subnet_id = id;
    s.cidr = cidr;
    s.project_id = "p1";
    s.enable_dhcp = dhcp;
    return s;
  };
  ASSERT_TRUE(command(subnet("sub-1", "10.30.0.0/24", true)).ok());
  auto n = settled([&](const network_state& n) { return dhcp_port(n) != nullptr; });
  const auto* port = dhcp_port(n);
  ASSERT_NE(port, nullptr);
  EXPECT_EQ(port->project_id, "p1");
  EXPECT_TRUE(port->security_groups.empty());
  ASSERT_EQ(port->fixed_ips.size(), 1u);
  EXPECT_EQ(port->fixed_ips[0].ip_address, "10.30.0.2");  // the first after the gateway
  const auto port_id = port->id;

  // A subnet without DHCP is not served; one with DHCP adds an address.
  ASSERT_TRUE(command(subnet("sub-2", "10.31.0.0/24", false)).ok());
  ASSERT_TRUE(command(subnet("sub-3", "10.32.0.0/24", true)).ok());
  n = settled(
      [&](const network_state& n) { return dhcp_port(n) && dhcp_port(n)->fixed_ips.size() == 2; });
  ASSERT_NE(dhcp_port(n), nullptr);
  EXPECT_EQ(dhcp_port(n)->id, port_id);
  EXPECT_EQ(dhcp_port(n)->fixed_ips.size(), 2u);

  // A subnet's delete takes the port's address there first.
  auto removed = command(network::remove_subnet{"sub-3"});
  ASSERT_TRUE(removed.ok()) << removed.error.message;
  n = settled(
      [&](const network_state& n) { return dhcp_port(n) && dhcp_port(n)->fixed_ips.size() == 1; });
  ASSERT_NE(dhcp_port(n), nullptr);
  EXPECT_EQ(dhcp_port(n)->fixed_ips[0].subnet_id, "sub-1");

  // A guest's port keeps the network; with it gone, the network's delete
  // deletes the DHCP port and the network.
  network::create_port guest;
  guest.port_id = "guest";
  guest.project_id = "p1";
  guest.device_owner = "network:test";
  ASSERT_TRUE(command(guest).ok());
  auto in_use = command(network::remove{});
  EXPECT_FALSE(in_use.ok());
  n = settled([&](const network_state& n) { return dhcp_port(n) != nullptr; });
  EXPECT_NE(dhcp_port(n), nullptr) << "the DHCP port stays with a network still in use";
  ASSERT_TRUE(command(network::delete_port{"guest"}).ok());
  auto gone = command(network::remove{});
  EXPECT_TRUE(gone.ok()) << gone.error.message;
  auto after = ask<network_state>(sys, door, caf::get_atom::value, network_atom::value,
                                  std::string("net-d"));
  EXPECT_FALSE(after.ok());
  caf::anon_send_exit(door, caf::exit_reason::user_shutdown);
}

}  // namespace
}  // namespace cumulo
