// The tenant networks' data plane made real on this Linux host with the
// kernel's own tools, as Neutron's agents do: `ip` (bridges, veth pairs,
// network namespaces, addresses, routes), `nft` (a router's NAT) and one
// dnsmasq per network's DHCP namespace. The network host actor owns one and
// hands it the plan (engine/tenant_plane.hpp) after every change; it
// changes only what differs from what it applied last, and on its first
// apply (a start, after a crash too) it takes the host as it finds it:
// what of this cloud is there and wanted is kept (running guests stay on
// their bridges, dnsmasq keeps its leases), what is not is removed, and
// nothing of another cloud (another cloud id) is touched.
#pragma once

#include <map>
#include <string>

#include "engine/tenant_plane.hpp"

namespace cumulo {

class namespace_plane {
 public:
  // options.cloud_id names this cloud's namespaces and links;
  // options.run_dir holds dnsmasq's files and the routers' rulesets.
  explicit namespace_plane(plane_options options);
  namespace_plane(const namespace_plane&) = delete;
  namespace_plane& operator=(const namespace_plane&) = delete;

  // Makes the host equal to `want`. A step that fails is logged and tried
  // again at the next apply; the others go on.
  void apply(const plane::layout& want);

  // Whether this host can have the plane: root, `ip`, `nft` and dnsmasq.
  // "" when it can, else why not.
  static std::string cannot_run();

 private:
  void apply_bridge(const plane::bridge& b);
  void apply_leg(const std::string& ns, const plane::leg& l);
  void apply_dhcp(const plane::dhcp_server& d);
  void apply_router(const plane::router& r);
  void ensure_namespace(const std::string& ns);
  void remove_namespace(const std::string& ns);
  void keep_only_legs(const std::string& ns, const std::vector<plane::leg>& legs);
  void apply_host_nat(const std::string& nat);
  void sweep(const plane::layout& want);

  plane_options options_;
  bool first_ = true;
  std::map<std::string, plane::bridge> bridges_;    // by name, as applied
  std::map<std::string, plane::dhcp_server> dhcp_;  // by namespace
  std::map<std::string, plane::router> routers_;    // by namespace
  std::string host_nat_;                            // as applied
};

}  // namespace cumulo
