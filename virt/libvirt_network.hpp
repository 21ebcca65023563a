// A network as libvirt sees it: an isolated bridge whose DHCP server hands
// each port the address the API shows (a host entry per port: its MAC, its
// IPv4 address). The networking actor keeps libvirt's networks equal to
// the network states through a libvirt_networks on the hypervisor's
// connection (libvirt's test driver by default, so every test run
// exercises the mapping; real bridges with qemu:///system).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/network_state.hpp"

struct _virConnect;

namespace cumulo {

// "cumulo-<network id>": the libvirt network of a cumulo network.
std::string libvirt_network_name(const std::string& network_id);
// A Linux bridge name (at most 15 characters) from the id's random tail.
std::string libvirt_bridge_name(const std::string& network_id);

// The XML of the network: its uuid is the network's id; one <ip> per
// subnet that has a gateway (the bridge's address), with the DHCP range of
// its first allocation pool and a host entry per IPv4 port address when
// DHCP is enabled. No <forward>: isolated from every other network.
// Without `with_hosts`, the network less its DHCP host entries: two states
// with the same base differ only in ports, which libvirt takes live.
std::string libvirt_network_xml(const network_state& n, bool with_hosts = true);

// One DHCP host entry: the port's MAC and address, under the <ip> element
// number `ip_index` of the network's XML.
struct dhcp_host {
  int ip_index = 0;
  std::string mac;
  std::string ip;
  auto operator<=>(const dhcp_host&) const = default;
};
std::vector<dhcp_host> libvirt_dhcp_hosts(const network_state& n);

// A libvirt connection's networks. Not thread-safe: one actor owns it.
class libvirt_networks {
 public:
  // Throws std::runtime_error with libvirt's message when the URI can't be
  // opened.
  explicit libvirt_networks(const std::string& uri);
  ~libvirt_networks();
  libvirt_networks(const libvirt_networks&) = delete;
  libvirt_networks& operator=(const libvirt_networks&) = delete;

  // Makes libvirt's network equal to `n` (defines and starts it, or
  // redefines it when it differs); a network that no longer exists is
  // stopped and undefined. A change of ports only adds and removes DHCP
  // host entries on the running network (virNetworkUpdate): the bridge
  // stays up under running guests. Throws std::runtime_error with
  // libvirt's message.
  void sync(const network_state& n);
  // The live XML of the network, nothing when libvirt has none.
  std::optional<std::string> xml(const std::string& network_id) const;

 private:
  struct applied {
    std::string base;  // libvirt_network_xml without hosts
    std::vector<dhcp_host> hosts;
  };
  bool update_hosts(const network_state& n, applied& was, const std::vector<dhcp_host>& hosts);
  void release_lease(const network_state& n, const dhcp_host& h) const;

  _virConnect* conn_ = nullptr;
  bool test_ = false;
  std::map<std::string, applied> applied_;  // network id -> what libvirt has
};

}  // namespace cumulo
