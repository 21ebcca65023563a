#include "virt/port_filters.hpp"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "engine/resource.hpp"
#include "virt/host_command.hpp"
#include "virt/libvirt_driver.hpp"
#include "virt/nwfilter.hpp"

namespace cumulo {
namespace {

std::string last_libvirt_error() {
  const char* m = virGetLastErrorMessage();
  std::string out = m ? m : "unknown libvirt error";
  virResetLastError();
  return out;
}

struct filter_ref {
  virNWFilterPtr p = nullptr;
  ~filter_ref() {
    if (p) virNWFilterFree(p);
  }
};

}  // namespace

port_filters::port_filters(const std::string& uri) {
  if (is_test_uri(uri)) return;  // the test driver has no nwfilter
  virSetErrorFunc(nullptr, [](void*, virErrorPtr) {});
  conn_ = virConnectOpen(uri.c_str());
  if (!conn_) throw std::runtime_error("libvirt: cannot open " + uri + ": " + last_libvirt_error());
  read_defined();
}

port_filters::~port_filters() {
  if (conn_) virConnectClose(conn_);
}

void port_filters::put(const network_state& n) {
  if (!conn_) return;
  put_latest(networks_, n);
  for (const auto& [id, p] : n.ports) seen_ports_.insert(id);
  dirty_ = true;
}

void port_filters::put(const security_group_state& g) {
  if (!conn_) return;
  put_latest(groups_, g);
  dirty_ = true;
}

namespace {

// Calls `each` with every port filter of the connection and its name;
// false (libvirt's error pending) when they can't be listed.
template <class Each>
bool for_each_port_filter(virConnectPtr conn, Each each) {
  virNWFilterPtr* all = nullptr;
  const int n = virConnectListAllNWFilters(conn, &all, 0);
  if (n < 0) return false;
  for (int i = 0; i < n; ++i) {
    const char* name = virNWFilterGetName(all[i]);
    if (name && is_port_nwfilter_name(name)) each(all[i], std::string(name));
    virNWFilterFree(all[i]);
  }
  std::free(all);
  return true;
}

}  // namespace

void port_filters::read_defined() {
  const bool listed =
      for_each_port_filter(conn_, [this](virNWFilterPtr f, const std::string& name) {
        if (char* xml = virNWFilterGetXMLDesc(f, 0)) {
          defined_[name] = defined{nwfilter_digest(xml), {}, false};
          std::free(xml);
        }
        found_at_start_.insert(name);
      });
  if (!listed)
    spdlog::warn("port filters: cannot list libvirt's filters: {}", last_libvirt_error());
  virResetLastError();
}

bool port_filters::live_names(std::set<std::string>& names) const {
  if (for_each_port_filter(
          conn_, [&names](virNWFilterPtr, const std::string& name) { names.insert(name); }))
    return true;
  spdlog::error("port filters: cannot list libvirt's filters: {}", last_libvirt_error());
  return false;
}

std::set<std::string> port_filters::referenced_by_domains() const {
  // Every domain of the connection counts, running or not, ours or
  // another cloud's: a filter a domain names is never a stray.
  std::set<std::string> used;
  virDomainPtr* all = nullptr;
  const int n = virConnectListAllDomains(conn_, &all, 0);
  if (n < 0) {
    spdlog::warn("port filters: cannot list domains: {}", last_libvirt_error());
    return used;
  }
  for (int i = 0; i < n; ++i) {
    if (char* xml = virDomainGetXMLDesc(all[i], VIR_DOMAIN_XML_INACTIVE)) {
      used.merge(port_nwfilters_referenced(xml));
      std::free(xml);
    }
    virDomainFree(all[i]);
  }
  std::free(all);
  virResetLastError();
  return used;
}

bool port_filters::define(const std::string& name, const std::string& xml) {
  filter_ref f{virNWFilterDefineXML(conn_, xml.c_str())};
  if (f.p) {
    warned_.erase(warned_.lower_bound(name + " "), warned_.lower_bound(name + "!"));
    return true;
  }
  // Said once per version of the filter: the next flushes try again.
  const std::string why = last_libvirt_error();
  if (warned_.insert(name + " " + nwfilter_digest(xml)).second)
    spdlog::error("port filters: cannot define {}: {}", name, why);
  return false;
}

bool port_filters::undefine(const std::string& name) {
  filter_ref f{virNWFilterLookupByName(conn_, name.c_str())};
  if (!f.p || virNWFilterUndefine(f.p) == 0) {
    virResetLastError();
    warned_.erase(name);
    return true;
  }
  // A running guest still uses it ("nwfilter is in use"): the next flush
  // tries again, once the guest has let it go.
  const std::string why = last_libvirt_error();
  if (warned_.insert(name).second) spdlog::warn("port filters: {} not removed yet: {}", name, why);
  return false;
}

void port_filters::forget_connections(const std::vector<std::string>& addresses) const {
  // Neutron deletes the conntrack entries a removed rule let in: without
  // that, a flow already established (a ping, an SSH session) outlives the
  // rule, since nwfilter's rules accept established traffic. Entries whose
  // destination is the guest go; the next packet is judged anew.
  static const std::string tool = find_program({"conntrack"});
  if (tool.empty()) return;
  for (const auto& a : addresses) {
    const bool v6 = a.find(':') != std::string::npos;
    run_program({tool, "-D", "-f", v6 ? "ipv6" : "ipv4", "-d", a});
  }
}

void port_filters::flush() {
  if (!conn_ || (!dirty_ && !pending_)) return;
  dirty_ = false;
  pending_ = false;
  std::set<std::string> live;
  if (!live_names(live)) {
    pending_ = true;
    return;
  }
  std::set<std::string> wanted;
  for (const auto& in : port_filter_inputs(networks_, groups_)) {
    const std::string name = port_nwfilter_name(in.port_id);
    wanted.insert(name);
    const std::string xml = port_nwfilter_xml(in);
    const std::string digest = nwfilter_digest(xml);
    auto it = defined_.find(name);
    const bool exists = live.count(name) > 0;
    if (exists && it != defined_.end() && it->second.digest == digest) continue;
    if (!define(name, xml)) {
      defined_.erase(name);
      pending_ = true;
      continue;
    }
    auto ingress = nwfilter_ingress_accepts(xml);
    // What the old filter let in and the new one doesn't: its connections go.
    if (exists && (it == defined_.end() || !it->second.known_ingress ||
                   !std::includes(ingress.begin(), ingress.end(), it->second.ingress.begin(),
                                  it->second.ingress.end())))
      forget_connections(in.fixed_ips);
    defined_[name] = defined{digest, std::move(ingress), true};
  }
  // This cloud's ports gone or no longer an instance's: their filters go.
  // Filters found at start that nothing wants and no domain names are
  // strays (a cloud stopped after a domain went and before its port's
  // filter did); another cloud's filters in use stay.
  std::vector<std::string> strays;
  for (const auto& name : std::set<std::string>(live)) {
    if (wanted.count(name)) continue;
    if (seen_ports_.count(port_of_nwfilter(name))) {
      if (undefine(name))
        live.erase(name);
      else
        pending_ = true;
    } else if (found_at_start_.count(name)) {
      strays.push_back(name);
    }
  }
  if (!strays.empty()) {
    const auto used = referenced_by_domains();
    for (const auto& name : strays)
      if (!used.count(name) && undefine(name)) live.erase(name);
  }
  found_at_start_.clear();
  // What is known of filters libvirt no longer has, and of ports gone whose
  // filters are gone, is dropped.
  for (auto it = defined_.begin(); it != defined_.end();)
    it = live.count(it->first) || wanted.count(it->first) ? std::next(it) : defined_.erase(it);
  std::set<std::string> ports_now;
  for (const auto& [id, n] : networks_)
    for (const auto& [port_id, p] : n.ports) ports_now.insert(port_id);
  for (auto it = seen_ports_.begin(); it != seen_ports_.end();)
    it = ports_now.count(*it) || live.count(port_nwfilter_name(*it)) ? std::next(it)
                                                                     : seen_ports_.erase(it);
}

}  // namespace cumulo
