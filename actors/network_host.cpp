#include "actors/network_host.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <map>
#include <memory>

#include "store/host_name.hpp"
#include "store/wall_clock.hpp"
#include "virt/libvirt_network.hpp"
#include "virt/namespace_plane.hpp"
#include "virt/port_filters.hpp"

namespace cumulo {
namespace {

using flush_networks_atom = caf::atom_constant<caf::atom("flushnets")>;

// A burst of changes (300 ports created at once) is applied as one: the
// host gets the latest states at most every `coalesce`.
constexpr std::chrono::milliseconds coalesce{50};

template <class State>
void keep_latest(std::map<std::string, State>& map, State&& s) {
  auto it = map.find(s.id);
  if (it == map.end() || it->second.version <= s.version) map[s.id] = std::move(s);
}

struct network_host_state {
  // One of the two (or neither: libvirt could not be opened).
  std::unique_ptr<libvirt_networks> networks;
  std::unique_ptr<namespace_plane> plane;
  // Security groups as the guests' nwfilters (Neutron's L2 agent firewall);
  // null: libvirt could not be opened (does nothing on the test driver).
  std::unique_ptr<port_filters> filters;
  plane_options plane_opts;
  // libvirt networks: the latest state of each not applied yet.
  std::map<std::string, network_state> dirty;
  // The tenant plane: everything, since a router spans networks.
  std::map<std::string, network_state> all_networks;
  std::map<std::string, router_state> routers;
  std::map<std::string, floatingip_state> floatingips;
  bool changed = false;
  // The metadata service, told of each DHCP namespace (network id -> its
  // namespace as told).
  caf::actor metadata;
  std::map<std::string, std::string> metadata_told;
  bool flush_scheduled = false;
  std::int64_t started_at_us = now_us();
  std::string host = host_name();
  static inline const char* name = "network_host";

  // A graceful stop within `coalesce` of a change (a network deleted just
  // before) still gets the change to the host: else its bridge would
  // outlive the network.
  ~network_host_state() { flush(); }

  // The metadata service listens in the DHCP namespaces there are.
  void tell_metadata(const plane::layout& layout) {
    if (!metadata) return;
    std::map<std::string, std::string> now;
    for (const auto& d : layout.dhcp) now[d.network_id] = d.ns;
    for (const auto& [id, ns] : metadata_told)
      if (!now.count(id))
        caf::anon_send(metadata, metadata_atom::value, caf::delete_atom::value, id);
    for (const auto& [id, ns] : now) {
      auto was = metadata_told.find(id);
      if (was == metadata_told.end() || was->second != ns)
        caf::anon_send(metadata, metadata_atom::value, caf::add_atom::value, id, ns);
    }
    metadata_told = std::move(now);
  }

  void flush() {
    if (networks) {
      for (const auto& [id, n] : dirty) {
        try {
          networks->sync(n);
        } catch (const std::exception& e) {
          spdlog::error("network host: network {}: {}", n.id, e.what());
        }
      }
    }
    dirty.clear();
    if (plane && changed) {
      changed = false;
      try {
        const auto layout = plan_tenant_plane(all_networks, routers, floatingips, plane_opts);
        plane->apply(layout);
        tell_metadata(layout);
      } catch (const std::exception& e) {
        spdlog::error("network host: tenant plane: {}", e.what());
      }
    }
    if (filters) {
      try {
        filters->flush();
      } catch (const std::exception& e) {
        spdlog::error("network host: security group filters: {}", e.what());
      }
    }
    // What is gone is gone from the plan too: no need to remember it.
    std::erase_if(all_networks, [](const auto& kv) { return !kv.second.exists(); });
    std::erase_if(routers, [](const auto& kv) { return !kv.second.exists(); });
    std::erase_if(floatingips, [](const auto& kv) { return !kv.second.exists(); });
  }
};

using network_host_actor = caf::stateful_actor<network_host_state>;

void schedule_flush(network_host_actor* self) {
  auto& st = self->state;
  st.changed = true;
  if (st.flush_scheduled) return;
  st.flush_scheduled = true;
  self->delayed_send(self, coalesce, flush_networks_atom::value);
}

caf::behavior network_host(network_host_actor* self, std::string uri, plane_options opts) {
  auto& st = self->state;
  st.plane_opts = std::move(opts);
  if (runs_tenant_plane(uri)) {
    st.plane = std::make_unique<namespace_plane>(st.plane_opts);
    spdlog::info("network host: tenant networks are bridges and network namespaces (cloud {})",
                 st.plane_opts.cloud_id);
    // Strays of an earlier life go at once, even if no state ever comes.
    schedule_flush(self);
  } else {
    try {
      st.networks = std::make_unique<libvirt_networks>(uri);
      spdlog::info("network host: networks map to libvirt networks on {}", uri);
    } catch (const std::exception& e) {
      spdlog::error("network host: {}; networks get no libvirt bridge", e.what());
    }
  }
  try {
    st.filters = std::make_unique<port_filters>(uri);
  } catch (const std::exception& e) {
    spdlog::error("network host: {}; ports get no security group filters", e.what());
  }
  return {
      [self](sync_atom, network_state& n) {
        auto& st = self->state;
        if (st.filters) {
          st.filters->put(n);
          schedule_flush(self);
        }
        if (st.networks) keep_latest(st.dirty, network_state(n));
        if (st.plane) keep_latest(st.all_networks, std::move(n));
        if (st.networks || st.plane) schedule_flush(self);
      },
      [self](sync_atom, security_group_state& g) {
        if (!self->state.filters) return;
        self->state.filters->put(g);
        schedule_flush(self);
      },
      [self](sync_atom, router_state& r) {
        if (!self->state.plane) return;
        keep_latest(self->state.routers, std::move(r));
        schedule_flush(self);
      },
      [self](sync_atom, floatingip_state& f) {
        if (!self->state.plane) return;
        keep_latest(self->state.floatingips, std::move(f));
        schedule_flush(self);
      },
      [self](flush_networks_atom) {
        auto& st = self->state;
        st.flush_scheduled = false;
        st.flush();
        // A filter still in use by a guest (or a failed define): again soon.
        if (st.filters && st.filters->pending() && !st.flush_scheduled) {
          st.flush_scheduled = true;
          self->delayed_send(self, std::chrono::seconds(1), flush_networks_atom::value);
        }
      },
      [self](caf::put_atom, metadata_atom, caf::actor& service) {
        auto& st = self->state;
        st.metadata = std::move(service);
        st.metadata_told.clear();  // it is told of every namespace at the next apply
        if (st.plane) schedule_flush(self);
      },
      [self](flush_atom) {
        self->state.flush();
        return true;
      },
      [self](caf::get_atom, libvirt_atom, const std::string& network_id) -> std::string {
        auto& st = self->state;
        if (!st.networks) return "";
        st.flush();  // what was sent before this question is in libvirt
        return st.networks->xml(network_id).value_or("");
      },
      [self](caf::get_atom, health_atom) {
        const auto& st = self->state;
        return network_host_health{st.host, st.networks != nullptr || st.plane != nullptr,
                                   st.started_at_us};
      },
  };
}

}  // namespace

bool runs_tenant_plane(const std::string& hypervisor_uri) {
  if (hypervisor_uri.rfind("test://", 0) == 0) return false;
  const auto why = namespace_plane::cannot_run();
  if (!why.empty()) {
    spdlog::warn("network host: no tenant plane: {}", why);
    return false;
  }
  return true;
}

caf::actor spawn_network_host(caf::actor_system& sys, const std::string& hypervisor_uri,
                              const plane_options& plane) {
  return sys.spawn<caf::detached>(network_host, hypervisor_uri, plane);
}

}  // namespace cumulo
