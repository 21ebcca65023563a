#include "engine/libvirt_network.hpp"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <sstream>
#include <stdexcept>

#include "engine/ids.hpp"
#include "engine/xml_text.hpp"
#include "engine/ipam.hpp"

namespace cumulo {
namespace {

std::runtime_error libvirt_error(const std::string& what) {
  const char* m = virGetLastErrorMessage();
  return std::runtime_error("libvirt: " + what + ": " + (m ? m : "unknown error"));
}

struct network_ref {
  virNetworkPtr p = nullptr;
  ~network_ref() {
    if (p) virNetworkFree(p);
  }
};

}  // namespace

std::string libvirt_network_name(const std::string& network_id) {
  return "cumulo-" + network_id;
}

std::string libvirt_bridge_name(const std::string& network_id) {
  std::string hex;
  for (char c : network_id)
    if (std::isxdigit(static_cast<unsigned char>(c))) hex += c;
  // The tail of a v7 UUID is random; its head is the creation time.
  return "cbr" + hex.substr(hex.size() > 12 ? hex.size() - 12 : 0);
}

std::string libvirt_network_xml(const network_state& n) {
  std::ostringstream x;
  x << "<network>\n  <name>" << xml_escaped(libvirt_network_name(n.id)) << "</name>\n";
  if (is_uuid(n.id)) x << "  <uuid>" << n.id << "</uuid>\n";
  x << "  <bridge name='" << libvirt_bridge_name(n.id) << "' stp='on' delay='0'/>\n";
  x << "  <mtu size='" << n.mtu << "'/>\n";
  for (const auto& s : n.subnets) {
    if (s.gateway_ip.empty()) continue;  // the bridge needs an address on the subnet
    const auto net = ipam::parse_cidr(s.cidr);
    if (!net) continue;
    if (s.ip_version == 4)
      x << "  <ip address='" << s.gateway_ip << "' prefix='" << net->prefix << "'>\n";
    else
      x << "  <ip family='ipv6' address='" << s.gateway_ip << "' prefix='" << net->prefix << "'>\n";
    if (s.enable_dhcp && s.ip_version == 4) {
      x << "    <dhcp>\n";
      if (!s.allocation_pools.empty())
        x << "      <range start='" << s.allocation_pools.front().start << "' end='"
          << s.allocation_pools.front().end << "'/>\n";
      for (const auto& [id, p] : n.ports)
        for (const auto& f : p.fixed_ips)
          if (f.subnet_id == s.id && f.ip_address != s.gateway_ip)
            x << "      <host mac='" << p.mac_address << "' ip='" << f.ip_address << "'/>\n";
      x << "    </dhcp>\n";
    }
    x << "  </ip>\n";
  }
  x << "</network>\n";
  return x.str();
}

libvirt_networks::libvirt_networks(const std::string& uri) {
  // libvirt prints every error to stderr by default, expected ones (a
  // lookup of a network that isn't there) included: ours go into exceptions.
  virSetErrorFunc(nullptr, [](void*, virErrorPtr) {});
  conn_ = virConnectOpen(uri.c_str());
  if (!conn_) throw libvirt_error("cannot open " + uri);
}

libvirt_networks::~libvirt_networks() {
  if (conn_) virConnectClose(conn_);
}

void libvirt_networks::sync(const network_state& n) {
  const std::string name = libvirt_network_name(n.id);
  const std::string wanted = n.exists() ? libvirt_network_xml(n) : "";
  auto applied_it = applied_.find(n.id);
  if (applied_it != applied_.end() && applied_it->second == wanted) return;
  // Redefined whole: simple and right for the test driver; a real bridge
  // briefly goes down (live DHCP host updates come with real guests).
  network_ref existing{virNetworkLookupByName(conn_, name.c_str())};
  if (existing.p) {
    if (virNetworkIsActive(existing.p) == 1 && virNetworkDestroy(existing.p) < 0)
      throw libvirt_error("cannot stop " + name);
    if (virNetworkUndefine(existing.p) < 0) throw libvirt_error("cannot undefine " + name);
  } else {
    virResetLastError();
  }
  applied_.erase(n.id);
  if (!n.exists()) return;
  network_ref defined{virNetworkDefineXML(conn_, wanted.c_str())};
  if (!defined.p) throw libvirt_error("cannot define " + name);
  if (virNetworkCreate(defined.p) < 0) throw libvirt_error("cannot start " + name);
  applied_[n.id] = wanted;
}

std::optional<std::string> libvirt_networks::xml(const std::string& network_id) const {
  network_ref n{virNetworkLookupByName(conn_, libvirt_network_name(network_id).c_str())};
  if (!n.p) {
    virResetLastError();
    return std::nullopt;
  }
  char* desc = virNetworkGetXMLDesc(n.p, 0);
  if (!desc) return std::nullopt;
  std::string out(desc);
  free(desc);
  return out;
}

}  // namespace cumulo
