// Networks as libvirt networks, on libvirt's test driver (in process).
#include "virt/libvirt_network.hpp"

#include <gtest/gtest.h>

#include "store/ids.hpp"

namespace cumulo {
namespace {

network_state a_network() {
  network_state n;
  n.id = new_uuid();
  n.version = 4;
  n.name = "private";
  network::subnet s;
  s.id = "s4";
  s.ip_version = 4;
  s.cidr = "10.0.0.0/24";
  s.gateway_ip = "10.0.0.1";
  s.allocation_pools = {{"10.0.0.2", "10.0.0.254"}};
  n.subnets.push_back(s);
  network::subnet nogw = s;
  nogw.id = "s-nogw";
  nogw.cidr = "10.1.0.0/24";
  nogw.gateway_ip = "";
  n.subnets.push_back(nogw);
  network::port p;
  p.id = "p1";
  p.mac_address = "fa:16:3e:00:00:07";
  p.fixed_ips = {{"s4", "10.0.0.7"}};
  n.ports[p.id] = p;
  return n;
}

TEST(LibvirtNetwork, TheXmlIsAnIsolatedBridgeWithAHostEntryPerPort) {
  auto n = a_network();
  const auto xml = libvirt_network_xml(n);
  EXPECT_NE(xml.find("<name>cumulo-" + n.id + "</name>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<uuid>" + n.id + "</uuid>"), std::string::npos) << xml;
  EXPECT_EQ(xml.find("<forward"), std::string::npos) << "isolated: no forward mode";
  EXPECT_NE(xml.find("<ip address='10.0.0.1' prefix='24'>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<range start='10.0.0.2' end='10.0.0.254'/>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<host mac='fa:16:3e:00:00:07' ip='10.0.0.7'/>"), std::string::npos) << xml;
  EXPECT_EQ(xml.find("10.1.0"), std::string::npos) << "a subnet without gateway has no bridge IP";
  EXPECT_LE(libvirt_bridge_name(n.id).size(), 15u) << "Linux limits interface names";
  EXPECT_NE(libvirt_bridge_name(n.id), libvirt_bridge_name(new_uuid()));
}

TEST(LibvirtNetwork, SyncDefinesUpdatesAndRemovesTheNetworkOnTheTestDriver) {
  libvirt_networks lv("test:///default");
  auto n = a_network();
  EXPECT_FALSE(lv.xml(n.id));
  lv.sync(n);
  auto live = lv.xml(n.id);
  ASSERT_TRUE(live);
  EXPECT_NE(live->find("fa:16:3e:00:00:07"), std::string::npos) << *live;
  network::port p2;
  p2.id = "p2";
  p2.mac_address = "fa:16:3e:00:00:08";
  p2.fixed_ips = {{"s4", "10.0.0.8"}};
  n.ports[p2.id] = p2;
  ++n.version;
  lv.sync(n);
  live = lv.xml(n.id);
  ASSERT_TRUE(live);
  EXPECT_NE(live->find("ip='10.0.0.8'"), std::string::npos) << *live;
  n.deleted = true;
  lv.sync(n);
  EXPECT_FALSE(lv.xml(n.id));
}

TEST(LibvirtNetwork, AnUnknownUriIsAClearError) {
  try {
    libvirt_networks lv("nosuchdriver:///x");
    FAIL() << "opened a URI that does not exist";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("libvirt"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace cumulo
