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
std::string libvirt_network_xml(const network_state& n);

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
  // stopped and undefined. Throws std::runtime_error with libvirt's message.
  void sync(const network_state& n);
  // The live XML of the network, nothing when libvirt has none.
  std::optional<std::string> xml(const std::string& network_id) const;

 private:
  _virConnect* conn_ = nullptr;
  std::map<std::string, std::string> applied_;  // network id -> the XML libvirt has
};

}  // namespace cumulo
