// Security groups live (Neutron's L2 agent firewall, on libvirt's
// nwfilter): the filter of every instance port of this machine kept equal
// to the cloud's networks and security groups. The network host owns one,
// is sent every network and every security group after each durable
// change, and flushes after a burst of them: a rule added or removed, a
// group added to or removed from a port, a member joining or leaving a
// remote group, port security or address pairs changed reach running
// guests then (defining a filter of an existing name replaces it, and
// libvirt reapplies it to the guests using it, live). The filters are
// this object's alone while the cloud runs: a driver that spawns a guest
// waits for its port's filter (libvirt_driver). Not thread-safe.
#pragma once

#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/network_state.hpp"
#include "engine/security_group_state.hpp"

struct _virConnect;

namespace cumulo {

class port_filters {
 public:
  // Opens its own connection to `uri` and reads the port filters libvirt
  // has (so that a restart redefines only what changed meanwhile). On a
  // test:// URI (libvirt's test driver has no nwfilter) it does nothing at
  // all. Throws std::runtime_error with libvirt's message when the URI
  // can't be opened.
  explicit port_filters(const std::string& uri);
  ~port_filters();
  port_filters(const port_filters&) = delete;
  port_filters& operator=(const port_filters&) = delete;

  // The latest state of a network (its ports) or of a security group (its
  // rules); one that no longer exists is forgotten. Nothing reaches
  // libvirt before flush().
  void put(const network_state& n);
  void put(const security_group_state& g);

  // Defines the filter of every instance port (device_owner compute:*, a
  // device_id) whose XML changed since it was last defined, and undefines
  // the filters of this cloud's ports that are gone or no longer an
  // instance's. An undefine libvirt refuses (a guest still uses the
  // filter) is tried again at the next flush (see pending()). The first
  // flush also removes the port filters found at start that nothing wants
  // and no domain references (left by a cloud that stopped in between).
  // Errors are logged, never thrown: the next flush tries again.
  void flush();

  // True when a flush left work undone (an undefine refused, a define or
  // libvirt's listing failed): flush again a little later.
  bool pending() const { return pending_; }

 private:
  struct defined {
    std::string digest;             // nwfilter_digest of what libvirt holds
    std::set<std::string> ingress;  // its nwfilter_ingress_accepts (when made here)
    bool known_ingress = false;     // false: read at start
  };
  void read_defined();
  bool live_names(std::set<std::string>& names) const;
  std::set<std::string> referenced_by_domains() const;
  bool define(const std::string& name, const std::string& xml);
  bool undefine(const std::string& name);
  void forget_connections(const std::vector<std::string>& addresses) const;

  _virConnect* conn_ = nullptr;
  std::unordered_map<std::string, network_state> networks_;
  std::unordered_map<std::string, security_group_state> groups_;
  std::map<std::string, defined> defined_;  // filter name -> what we know libvirt holds
  // Ports of this cloud seen in a network (their filters are ours to remove).
  std::set<std::string> seen_ports_;
  // Port filters libvirt had at start: the first flush reaps those nothing wants.
  std::set<std::string> found_at_start_;
  std::set<std::string> warned_;  // failures already logged (said once)
  bool dirty_ = false;
  bool pending_ = false;
};

}  // namespace cumulo
