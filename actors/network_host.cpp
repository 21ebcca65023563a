#include "actors/network_host.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <map>
#include <memory>

#include "store/host_name.hpp"
#include "store/wall_clock.hpp"
#include "virt/libvirt_network.hpp"

namespace cumulo {
namespace {

using flush_networks_atom = caf::atom_constant<caf::atom("flushnets")>;

// A burst of changes to one network (300 ports created at once) is applied
// as one: libvirt gets the latest state of each network at most every
// `coalesce`, since applying one redefines the whole network.
constexpr std::chrono::milliseconds coalesce{50};

struct network_host_state {
  std::unique_ptr<libvirt_networks> networks;  // null: libvirt could not be opened
  std::map<std::string, network_state> dirty;  // latest state not applied yet, by id
  bool flush_scheduled = false;
  std::int64_t started_at_us = now_us();
  std::string host = host_name();
  static inline const char* name = "network_host";

  // A graceful stop within `coalesce` of a change (a network deleted just
  // before) still gets the change to libvirt: else its bridge would outlive
  // the network.
  ~network_host_state() {
    if (networks) flush();
  }

  void apply(const network_state& n) {
    try {
      networks->sync(n);
    } catch (const std::exception& e) {
      spdlog::error("network host: network {}: {}", n.id, e.what());
    }
  }
  void flush() {
    for (const auto& [id, n] : dirty) apply(n);
    dirty.clear();
  }
};

caf::behavior network_host(caf::stateful_actor<network_host_state>* self, std::string uri) {
  try {
    self->state.networks = std::make_unique<libvirt_networks>(uri);
    spdlog::info("network host: networks map to libvirt networks on {}", uri);
  } catch (const std::exception& e) {
    spdlog::error("network host: {}; networks get no libvirt bridge", e.what());
  }
  return {
      [self](sync_atom, network_state& n) {
        auto& st = self->state;
        if (!st.networks) return;
        auto it = st.dirty.find(n.id);
        if (it == st.dirty.end() || it->second.version <= n.version) st.dirty[n.id] = std::move(n);
        if (!st.flush_scheduled) {
          st.flush_scheduled = true;
          self->delayed_send(self, coalesce, flush_networks_atom::value);
        }
      },
      [self](flush_networks_atom) {
        self->state.flush_scheduled = false;
        self->state.flush();
      },
      [self](caf::get_atom, libvirt_atom, const std::string& network_id) -> std::string {
        auto& st = self->state;
        if (!st.networks) return "";
        st.flush();  // what was sent before this question is in libvirt
        return st.networks->xml(network_id).value_or("");
      },
      [self](caf::get_atom, health_atom) {
        const auto& st = self->state;
        return network_host_health{st.host, st.networks != nullptr, st.started_at_us};
      },
  };
}

}  // namespace

caf::actor spawn_network_host(caf::actor_system& sys, const std::string& hypervisor_uri) {
  return sys.spawn<caf::detached>(network_host, hypervisor_uri);
}

}  // namespace cumulo
