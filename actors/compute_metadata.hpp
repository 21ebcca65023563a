// The compute door's half of Nova's metadata service (nova/api/metadata:
// get_metadata_by_address, InstanceMetadata): which instance has a fixed IP
// on a network, from the door's own index of addresses, and what its
// metadata says (its state, its key pair from the door's index, its
// networks and floating IPs from networking). Messages in
// actors/metadata_messages.hpp.
#pragma once

#include <caf/all.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "actors/metadata_messages.hpp"
#include "engine/keypair_state.hpp"

namespace cumulo {

// (network id, fixed IP) -> instance id, kept by what instances report.
class instance_address_index {
 public:
  // An instance's addresses now: they replace those it had, unless the
  // report is older than the one indexed; a deleted instance leaves.
  void put(const instance_addresses& a);
  // The instance with that fixed IP on that network, "" when none.
  std::string find(const std::string& network_id, const std::string& ip) const;
  std::size_t size() const { return by_address_.size(); }

 private:
  using address = std::pair<std::string, std::string>;
  struct entry {
    std::int64_t version = 0;
    std::vector<address> addresses;
  };
  std::map<address, std::string> by_address_;
  std::unordered_map<std::string, entry> of_instance_;
  void drop(const std::string& instance_id, const entry& e);
};

struct metadata_links {
  caf::actor conductor;
  caf::actor networking;
  // The door's key pair of that user by that name, when it knows one.
  std::function<std::optional<keypair_state>(const std::string& user_id, const std::string& name)>
      keypair;
};

// The metadata of the instance the index named for (network_id, ip): asked
// of the conductor (that one instance), checked to still hold the address
// (404 otherwise), then as metadata_of_instance.
caf::result<instance_metadata> metadata_of_address(caf::event_based_actor* self,
                                                   const metadata_links& links,
                                                   const std::string& instance_id,
                                                   const std::string& network_id,
                                                   const std::string& ip);

// An instance's metadata: its key pair, the networks of its ports and the
// floating IPs on them (a network that is gone meanwhile is left out).
caf::result<instance_metadata> metadata_of_instance(caf::event_based_actor* self,
                                                    const metadata_links& links, instance_state s);

}  // namespace cumulo
