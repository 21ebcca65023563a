// The network host: the hypervisor side of networks, Neutron's agents of
// this machine (DHCP, L3, metadata). It is sent every networking state
// after each durable change and keeps the machine equal to them:
// - on libvirt's test driver (and wherever the real plane can't run), as
//   libvirt networks on its own connection (detached: libvirt calls block);
// - with real guests (qemu:///system, as root), as the tenant plane of
//   engine/tenant_plane.hpp made real by virt/namespace_plane.hpp: a bridge
//   per network, a DHCP namespace with dnsmasq per network, a namespace per
//   router with its NAT.
// When neither can be had it says so once and ignores what it is sent:
// networks still work through the API, without bridges.
//   (sync_atom, network_state | router_state | floatingip_state) -> (no answer)
//   (get_atom, libvirt_atom, network_id)   -> std::string: the live XML, "" when none
//   (get_atom, health_atom)                -> network_host_health: what Neutron's agents of
//       this host (DHCP, L3, metadata) report; answered behind the changes sent before
//   (flush_atom)                           -> bool: the changes sent before are applied
//   (put_atom, metadata_atom, actor)       -> (no answer): the metadata service, told
//       (metadata_atom, add_atom | delete_atom, ...) of each network's DHCP namespace
//       as it comes and goes (actors/metadata_messages.hpp)
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <cstdint>
#include <string>

#include "actors/messages.hpp"
#include "engine/tenant_plane.hpp"

namespace cumulo {

using sync_atom = caf::atom_constant<caf::atom("sync")>;
using libvirt_atom = caf::atom_constant<caf::atom("libvirt")>;
using health_atom = caf::atom_constant<caf::atom("health")>;

struct network_host_health {
  std::string host;      // the machine's name
  bool libvirt = false;  // its libvirt connection is open: networks get bridges
  std::int64_t started_at_us = 0;
};

// `plane`: the tenant plane's options (cloud id, run dir, external
// network); it runs when the URI is not a test:// one and the host can
// have it (namespace_plane::cannot_run).
caf::actor spawn_network_host(caf::actor_system& sys, const std::string& hypervisor_uri,
                              const plane_options& plane = {});

// Whether a network host on this URI runs the tenant plane (and so the
// networking door gives each network a DHCP port).
bool runs_tenant_plane(const std::string& hypervisor_uri);

}  // namespace cumulo

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::network_host_health)
