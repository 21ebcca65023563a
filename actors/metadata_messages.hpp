// The messages of Nova's metadata service (issue 19): a guest asks
// http://169.254.169.254/ from a network; the service (api/metadata_service.hpp)
// listens inside that network's DHCP namespace and asks the compute door
// which instance has that address there.
//
// To the compute door (actors/compute.hpp):
//   (metadata_atom, caf::get_atom, network_id, ip) -> instance_metadata of the
//       instance with a port on that network at that fixed IP, from the door's
//       own index of addresses (no instance is asked but that one); 404
//       not_found when none has it
//   (metadata_atom, caf::get_atom, instance_state)  -> instance_metadata of that
//       instance as it is (its config drive at a spawn)
//   (metadata_atom, caf::put_atom, instance_addresses) -> (no answer): an
//       instance actor says where it is now, after each change of its ports
//       (and once deleted)
// To the metadata service, from the network host (its DHCP namespaces):
//   (metadata_atom, caf::add_atom, network_id, netns_name) -> caf::ok_atom once
//       the service listens on 169.254.169.254:80 inside /run/netns/<netns_name>
//       for that network; an error (internal) with the reason when it cannot.
//       Idempotent: sent again for the same namespace it changes nothing; a
//       namespace deleted and made again under its name (another inode) is
//       listened in anew, and so is another name
//   (metadata_atom, caf::delete_atom, network_id) -> caf::ok_atom: it stops
//       listening there (its connections end)
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "actors/messages.hpp"
#include "engine/instance_metadata.hpp"

namespace cumulo {

// Where an instance is reachable from: its fixed IPs by network.
struct instance_addresses {
  std::string instance_id;
  std::int64_t version = 0;  // the instance's; an older report never replaces a newer one
  bool exists = true;        // false: deleted (nothing of it stays indexed)
  std::vector<std::pair<std::string, std::string>> addresses;  // (network_id, ip)
};

// The addresses of an instance state, as it reports them.
instance_addresses addresses_of(const instance_state& s);

}  // namespace cumulo

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::instance_metadata)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::instance_addresses)
