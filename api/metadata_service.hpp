// Nova's metadata service behind Neutron's metadata proxy, in cumulo's
// process: an actor that the network host tells of each network's DHCP
// namespace ((metadata_atom, caf::add_atom, network_id, netns) and
// (metadata_atom, caf::delete_atom, network_id): actors/metadata_messages.hpp),
// listening on 169.254.169.254:80 inside each (api/metadata_server.hpp), and
// asking the compute door which instance has the peer's address on that
// network. Whoever starts it owns it (cumulo serve): the destructor stops
// the actor, which closes every socket.
#pragma once

#include <caf/actor.hpp>

#include <chrono>
#include <cstdint>
#include <string>

#include "api/metadata_server.hpp"

namespace caf {
class actor_system;
}

namespace cumulo::api {

struct metadata_service_options {
  std::string address = "169.254.169.254";
  std::uint16_t port = 80;
  // How long the compute door may take to say who asks (then 503).
  std::chrono::milliseconds lookup_timeout{5000};
  metadata_server_options server;
};

class metadata_service {
 public:
  metadata_service(caf::actor_system& sys, caf::actor compute, metadata_service_options opts = {});
  ~metadata_service();
  metadata_service(const metadata_service&) = delete;
  metadata_service& operator=(const metadata_service&) = delete;

  // The actor the network host sends its namespaces to. It also answers
  // (metadata_atom, list_atom) with the networks it serves.
  const caf::actor& actor() const { return actor_; }

 private:
  caf::actor actor_;
};

// The lookup of the service: (metadata_atom, caf::get_atom, network_id, ip)
// asked of the compute door by a short-lived actor; not_found is 404, no
// answer within `timeout` (or any other failure) 503.
metadata_lookup compute_door_lookup(caf::actor_system& sys, caf::actor compute,
                                    std::chrono::milliseconds timeout);

}  // namespace cumulo::api
