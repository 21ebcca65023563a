// A floating IP (Neutron): an address of an external network, bound to a
// port's fixed address through a router. Its events, commands and the pure
// state machine. The caller made the floating port and chose the address.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "engine/codec.hpp"
#include <nlohmann/json.hpp>

#include "engine/resource.hpp"
#include "engine/tagging.hpp"

namespace cumulo {

// --- events (schema in schemas/events/floatingip.json) ---
struct floatingip_created {
  static constexpr const char* type_name = "floatingip.created";
  static constexpr int schema_version = 1;
  std::string floating_network_id;
  std::string floating_ip_address;  // canonical text
  std::string floating_port_id;
  std::string project_id;
  std::string description;
  MSGPACK_DEFINE_MAP(floating_network_id, floating_ip_address, floating_port_id, project_id,
                     description)
};

struct floatingip_associated {
  static constexpr const char* type_name = "floatingip.associated";
  static constexpr int schema_version = 1;
  std::string port_id;
  std::string fixed_ip_address;  // canonical text
  std::string router_id;
  MSGPACK_DEFINE_MAP(port_id, fixed_ip_address, router_id)
};

struct floatingip_disassociated {
  static constexpr const char* type_name = "floatingip.disassociated";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

struct floatingip_deleted {
  static constexpr const char* type_name = "floatingip.deleted";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

// The floating IP's tags after a change (standard-attr-tag), sorted.
struct floatingip_tags_set {
  static constexpr const char* type_name = "floatingip.tags_set";
  static constexpr int schema_version = 1;
  std::vector<std::string> tags;
  MSGPACK_DEFINE_MAP(tags)
};

using floatingip_event =
    std::variant<floatingip_created, floatingip_associated, floatingip_disassociated,
                 floatingip_deleted, floatingip_tags_set>;

// --- state ---
struct floatingip_state : resource_meta {
  std::string floating_network_id;
  std::string floating_ip_address;
  std::string floating_port_id;
  std::string project_id;
  std::string description;
  std::string port_id;  // "" = not associated
  std::string fixed_ip_address;
  std::string router_id;
  std::vector<std::string> tags;  // sorted

  bool associated() const { return !port_id.empty(); }
  // Neutron's status: "ACTIVE" when associated, "DOWN" otherwise.
  std::string status() const { return associated() ? "ACTIVE" : "DOWN"; }
};

// Neutron's floating IP fields (port_id, fixed_ip_address and router_id
// null when not associated) and the meta fields.
void to_json(nlohmann::json& j, const floatingip_state& s);

// --- commands ---
namespace floatingip {
struct create {
  std::string floating_network_id;
  std::string floating_ip_address;
  std::string floating_port_id;
  std::string project_id;
  std::string description;
  std::vector<std::string> tags;  // recorded after the create
};
// Associating to the port it is associated with already, at the same
// address, records nothing; to another port: 409 (disassociate first).
struct associate {
  std::string port_id;
  std::string fixed_ip_address;
  std::string router_id;
};
// Nothing to record when not associated.
struct disassociate {};
struct remove {};
struct set_tags {
  tagging::change change;
};
using command = std::variant<create, associate, disassociate, remove, set_tags>;
}  // namespace floatingip

struct floatingip_machine {
  static constexpr const char* kind = "floatingip";
  using state = floatingip_state;
  using event = floatingip_event;
  using command = floatingip::command;
  static decision<event> decide(const state& s, const command& c);
  static state apply(state s, const event& e);
};

}  // namespace cumulo
