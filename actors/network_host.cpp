#include "actors/network_host.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <memory>

#include "engine/libvirt_network.hpp"

namespace cumulo {
namespace {

struct network_host_state {
  std::unique_ptr<libvirt_networks> networks;  // null: libvirt could not be opened
  static inline const char* name = "network_host";
};

caf::behavior network_host(caf::stateful_actor<network_host_state>* self, std::string uri) {
  try {
    self->state.networks = std::make_unique<libvirt_networks>(uri);
    spdlog::info("network host: networks map to libvirt networks on {}", uri);
  } catch (const std::exception& e) {
    spdlog::error("network host: {}; networks get no libvirt bridge", e.what());
  }
  return {
      [self](sync_atom, const network_state& n) {
        if (!self->state.networks) return;
        try {
          self->state.networks->sync(n);
        } catch (const std::exception& e) {
          spdlog::error("network host: network {}: {}", n.id, e.what());
        }
      },
      [self](caf::get_atom, libvirt_atom, const std::string& network_id) -> std::string {
        if (!self->state.networks) return "";
        return self->state.networks->xml(network_id).value_or("");
      },
  };
}

}  // namespace

caf::actor spawn_network_host(caf::actor_system& sys, const std::string& hypervisor_uri) {
  return sys.spawn<caf::detached>(network_host, hypervisor_uri);
}

}  // namespace cumulo
