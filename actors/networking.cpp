#include "actors/networking.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <unordered_map>
#include <unordered_set>

#include "actors/errors.hpp"
#include "engine/ids.hpp"

namespace cumulo {
namespace {

constexpr std::chrono::seconds conductor_timeout{60};

struct networking_state {
  caf::actor conductor;
  std::unordered_map<std::string, network_state> networks;
  std::unordered_map<std::string, std::string> network_of_subnet;
  std::unordered_map<std::string, std::string> network_of_port;
  // MACs of every port, and of creates in flight: unique across the cloud.
  std::unordered_set<std::string> macs;
  static inline const char* name = "networking";

  // Replaces what the index knew of a network by its new state.
  void put(const network_state& s) {
    auto it = networks.find(s.id);
    if (it != networks.end()) {
      if (it->second.version > s.version) return;  // a late, older answer
      for (const auto& sub : it->second.subnets) network_of_subnet.erase(sub.id);
      for (const auto& [id, port] : it->second.ports) {
        network_of_port.erase(id);
        macs.erase(port.mac_address);
      }
    }
    if (!s.exists()) {
      networks.erase(s.id);
      return;
    }
    for (const auto& sub : s.subnets) network_of_subnet[sub.id] = s.id;
    for (const auto& [id, port] : s.ports) {
      network_of_port[id] = s.id;
      macs.insert(port.mac_address);
    }
    networks[s.id] = s;
  }
};

using networking_actor = caf::stateful_actor<networking_state>;

domain_error not_found(const char* type, const char* what, const std::string& id) {
  return make_neutron_error(errc::not_found, type, std::string(what) + " " + id +
                                                       " could not be found.");
}

// A MAC for a new port: the one asked for (refused when another port has
// it), or a fresh one. Returned so the caller can release it.
outcome<std::string> choose_mac(networking_state& st, network::create_port& c) {
  if (!c.mac_address.empty()) {
    std::string mac = c.mac_address;
    for (auto& ch : mac) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (st.macs.count(mac))
      return make_neutron_error(errc::conflict, "MacAddressInUse",
                                "Unable to complete operation for network. The mac address " +
                                    mac + " is in use.");
    c.mac_address = mac;
  } else {
    do c.mac_address = new_mac_address();
    while (st.macs.count(c.mac_address));
  }
  st.macs.insert(c.mac_address);
  return c.mac_address;
}

caf::result<network_state> forward(networking_actor* self, const std::string& network_id,
                                   network::command& command, event_metadata& meta) {
  auto& st = self->state;
  std::string reserved_mac;
  if (auto* c = std::get_if<network::create_port>(&command)) {
    auto mac = choose_mac(st, *c);
    if (!mac) return to_caf_error(mac.error());
    reserved_mac = mac.value();
  }
  auto promise = self->make_response_promise<network_state>();
  self->request(st.conductor, conductor_timeout, command_atom::value, network_id,
                std::move(command), std::move(meta))
      .then(
          [self, promise](network_state& s) mutable {
            self->state.put(s);
            promise.deliver(std::move(s));
          },
          [self, promise, reserved_mac, network_id](caf::error& e) mutable {
            auto& st = self->state;
            // The MAC was never used unless the network already lists it.
            if (!reserved_mac.empty()) {
              auto it = st.networks.find(network_id);
              bool used = false;
              if (it != st.networks.end())
                for (const auto& [id, port] : it->second.ports) used |= port.mac_address == reserved_mac;
              if (!used) st.macs.erase(reserved_mac);
            }
            promise.deliver(e);
          });
  return promise;
}

caf::behavior networking(networking_actor* self, caf::actor conductor) {
  self->state.conductor = std::move(conductor);
  self->request(self->state.conductor, conductor_timeout, list_atom::value, network_atom::value)
      .await(
          [self](std::vector<network_state>& all) {
            for (const auto& s : all) self->state.put(s);
          },
          [self](caf::error& e) {
            spdlog::error("networking: cannot read the networks: {}", from_caf_error(e).message);
            self->quit(e);
          });
  return {
      [self](command_atom, const std::string& id, network::command& c, event_metadata& m) {
        return forward(self, id, c, m);
      },
      [self](command_atom, subnet_atom, const std::string& subnet_id, network::command& c,
             event_metadata& m) -> caf::result<network_state> {
        auto it = self->state.network_of_subnet.find(subnet_id);
        if (it == self->state.network_of_subnet.end())
          return to_caf_error(not_found("SubnetNotFound", "Subnet", subnet_id));
        return forward(self, it->second, c, m);
      },
      [self](command_atom, port_atom, const std::string& port_id, network::command& c,
             event_metadata& m) -> caf::result<network_state> {
        auto it = self->state.network_of_port.find(port_id);
        if (it == self->state.network_of_port.end())
          return to_caf_error(not_found("PortNotFound", "Port", port_id));
        return forward(self, it->second, c, m);
      },
      [self](caf::get_atom, network_atom, const std::string& id) -> caf::result<network_state> {
        auto it = self->state.networks.find(id);
        if (it == self->state.networks.end())
          return to_caf_error(not_found("NetworkNotFound", "Network", id));
        return it->second;
      },
      [self](caf::get_atom, subnet_atom, const std::string& id) -> caf::result<network_state> {
        auto it = self->state.network_of_subnet.find(id);
        if (it == self->state.network_of_subnet.end())
          return to_caf_error(not_found("SubnetNotFound", "Subnet", id));
        return self->state.networks.at(it->second);
      },
      [self](caf::get_atom, port_atom, const std::string& id) -> caf::result<network_state> {
        auto it = self->state.network_of_port.find(id);
        if (it == self->state.network_of_port.end())
          return to_caf_error(not_found("PortNotFound", "Port", id));
        return self->state.networks.at(it->second);
      },
      [self](list_atom, network_atom) {
        std::vector<network_state> out;
        out.reserve(self->state.networks.size());
        for (const auto& [_, s] : self->state.networks) out.push_back(s);
        std::sort(out.begin(), out.end(), [](const network_state& a, const network_state& b) {
          return a.created_at_us != b.created_at_us ? a.created_at_us < b.created_at_us
                                                    : a.id < b.id;
        });
        return out;
      },
  };
}

}  // namespace

caf::actor spawn_networking(caf::actor_system& sys, caf::actor conductor) {
  return sys.spawn(networking, std::move(conductor));
}

}  // namespace cumulo
