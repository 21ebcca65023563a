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

}  // namespace
}  // namespace cumulo
