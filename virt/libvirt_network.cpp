#include "virt/libvirt_network.hpp"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <algorithm>
#include <iterator>
#include <regex>
#include <cctype>
#include <cstdlib>
#include <sstream>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "virt/host_command.hpp"
#include "engine/ids.hpp"
#include "engine/xml_text.hpp"
#include "engine/ipam.hpp"
#include "engine/tenant_plane.hpp"

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
  return plane::bridge_name(network_id);  // the same bridge either way
}

std::string libvirt_network_xml(const network_state& n, bool with_hosts) {
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
      if (with_hosts)
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

std::vector<dhcp_host> libvirt_dhcp_hosts(const network_state& n) {
  // The same walk as libvirt_network_xml: the index counts <ip> elements.
  std::vector<dhcp_host> out;
  int index = -1;
  for (const auto& s : n.subnets) {
    if (s.gateway_ip.empty() || !ipam::parse_cidr(s.cidr)) continue;
    ++index;
    if (!s.enable_dhcp || s.ip_version != 4) continue;
    for (const auto& [id, p] : n.ports)
      for (const auto& f : p.fixed_ips)
        if (f.subnet_id == s.id && f.ip_address != s.gateway_ip)
          out.push_back({index, p.mac_address, f.ip_address});
  }
  std::sort(out.begin(), out.end());
  return out;
}

libvirt_networks::libvirt_networks(const std::string& uri) : test_(uri.rfind("test://", 0) == 0) {
  // libvirt prints every error to stderr by default, expected ones (a
  // lookup of a network that isn't there) included: ours go into exceptions.
  virSetErrorFunc(nullptr, [](void*, virErrorPtr) {});
  conn_ = virConnectOpen(uri.c_str());
  if (!conn_) throw libvirt_error("cannot open " + uri);
}

libvirt_networks::~libvirt_networks() {
  if (conn_) virConnectClose(conn_);
}

bool libvirt_networks::update_hosts(const network_state& n, applied& was,
                                    const std::vector<dhcp_host>& hosts) {
  network_ref net{virNetworkLookupByName(conn_, libvirt_network_name(n.id).c_str())};
  if (!net.p || virNetworkIsActive(net.p) != 1) {
    virResetLastError();
    return false;
  }
  std::vector<dhcp_host> gone, added;
  std::set_difference(was.hosts.begin(), was.hosts.end(), hosts.begin(), hosts.end(),
                      std::back_inserter(gone));
  std::set_difference(hosts.begin(), hosts.end(), was.hosts.begin(), was.hosts.end(),
                      std::back_inserter(added));
  const unsigned flags = VIR_NETWORK_UPDATE_AFFECT_LIVE | VIR_NETWORK_UPDATE_AFFECT_CONFIG;
  auto update = [&](unsigned command, const dhcp_host& h) {
    const std::string xml = "<host mac='" + h.mac + "' ip='" + h.ip + "'/>";
    return virNetworkUpdate(net.p, command, VIR_NETWORK_SECTION_IP_DHCP_HOST, h.ip_index,
                            xml.c_str(), flags) == 0;
  };
  for (const auto& h : gone) {
    if (!update(VIR_NETWORK_UPDATE_COMMAND_DELETE, h)) return false;
    release_lease(n, h);
  }
  for (const auto& h : added)
    if (!update(VIR_NETWORK_UPDATE_COMMAND_ADD_LAST, h)) return false;
  was.hosts = hosts;
  return true;
}

void libvirt_networks::release_lease(const network_state& n, const dhcp_host& h) const {
  // dnsmasq keeps a deleted port's lease until it expires; a DHCPRELEASE on
  // its behalf (dnsmasq-utils' dhcp_release, as Neutron does) drops it, so
  // the address is free for the next port at once.
  if (test_) return;
  const std::string tool = find_program({"dhcp_release"});
  if (tool.empty()) return;
  run_program({tool, libvirt_bridge_name(n.id), h.ip, h.mac});
}

// A running network this connection has not defined (cumulo restarted
// under running guests) is taken as it is when it has the bridge and the
// gateways the state wants: redefining it would cut the guests off.
static std::optional<std::vector<dhcp_host>> adoptable_hosts(const network_state& n,
                                                             const std::string& live) {
  if (live.find("name='" + libvirt_bridge_name(n.id) + "'") == std::string::npos) return {};
  for (const auto& s : n.subnets)
    if (!s.gateway_ip.empty() && live.find("address='" + s.gateway_ip + "'") == std::string::npos)
      return {};
  std::vector<dhcp_host> hosts;
  static const std::regex host_re("<host mac='([^']+)' ip='([^']+)'");
  int index = -1;
  std::size_t pos = 0;
  for (std::size_t next; (next = live.find("<ip ", pos)) != std::string::npos; pos = next + 1) {
    ++index;
    const auto end = live.find("</ip>", next);
    const std::string block = live.substr(next, end == std::string::npos ? end : end - next);
    for (std::sregex_iterator it(block.begin(), block.end(), host_re), stop; it != stop; ++it)
      hosts.push_back({index, (*it)[1].str(), (*it)[2].str()});
  }
  std::sort(hosts.begin(), hosts.end());
  return hosts;
}

void libvirt_networks::sync(const network_state& n) {
  const std::string name = libvirt_network_name(n.id);
  const auto hosts = n.exists() ? libvirt_dhcp_hosts(n) : std::vector<dhcp_host>{};
  const std::string base = n.exists() ? libvirt_network_xml(n, false) : "";
  auto applied_it = applied_.find(n.id);
  if (applied_it == applied_.end() && n.exists()) {
    network_ref live{virNetworkLookupByName(conn_, name.c_str())};
    if (live.p && virNetworkIsActive(live.p) == 1) {
      if (char* desc = virNetworkGetXMLDesc(live.p, 0)) {
        auto adopted = adoptable_hosts(n, desc);
        free(desc);
        if (adopted) applied_it = applied_.emplace(n.id, applied{base, *adopted}).first;
      }
    }
    virResetLastError();
  }
  if (applied_it != applied_.end() && n.exists() && applied_it->second.base == base) {
    if (applied_it->second.hosts == hosts) return;
    if (update_hosts(n, applied_it->second, hosts)) return;
    spdlog::warn("libvirt network {}: live DHCP update refused ({}); redefining it", name,
                 virGetLastErrorMessage());
    virResetLastError();
  }
  // Defined whole: new, changed beyond its ports, or gone.
  network_ref existing{virNetworkLookupByName(conn_, name.c_str())};
  if (existing.p) {
    if (virNetworkIsActive(existing.p) == 1 && virNetworkDestroy(existing.p) < 0)
      throw libvirt_error("cannot stop " + name);
    if (virNetworkUndefine(existing.p) < 0) throw libvirt_error("cannot undefine " + name);
    if (applied_it != applied_.end())
      for (const auto& h : applied_it->second.hosts) release_lease(n, h);
  } else {
    virResetLastError();
  }
  applied_.erase(n.id);
  if (!n.exists()) return;
  const std::string wanted = libvirt_network_xml(n);
  network_ref defined{virNetworkDefineXML(conn_, wanted.c_str())};
  if (!defined.p) throw libvirt_error("cannot define " + name);
  if (virNetworkCreate(defined.p) < 0) throw libvirt_error("cannot start " + name);
  applied_[n.id] = applied{base, hosts};
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
