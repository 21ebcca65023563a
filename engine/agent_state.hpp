// A Neutron agent (stream agent/<uuid>): one role of a network host (its
// DHCP, L3 or metadata agent), registered when a host first has it, and
// what an admin changed of it (admin_state_up, description). Whether it is
// alive is the host's health, asked when it is listed, never recorded: a
// heartbeat is no change of the cloud.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "engine/codec.hpp"
#include <nlohmann/json.hpp>

#include "engine/resource.hpp"

namespace cumulo {

// --- events (schema in schemas/events/agent.json) ---
struct agent_registered {
  static constexpr const char* type_name = "agent.registered";
  static constexpr int schema_version = 1;
  std::string agent_type;         // "DHCP agent", "L3 agent", "Metadata agent"
  std::string binary;             // "neutron-dhcp-agent", ...
  std::string host;               // the network host's name
  std::string topic;              // "dhcp_agent", "l3_agent", "N/A"
  std::string availability_zone;  // "": none (the metadata agent's)
  MSGPACK_DEFINE_MAP(agent_type, binary, host, topic, availability_zone)
};

struct agent_updated {
  static constexpr const char* type_name = "agent.updated";
  static constexpr int schema_version = 1;
  std::optional<bool> admin_state_up;
  std::optional<std::string> description;
  MSGPACK_DEFINE_MAP(admin_state_up, description)
};

struct agent_deleted {
  static constexpr const char* type_name = "agent.deleted";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

using agent_event = std::variant<agent_registered, agent_updated, agent_deleted>;

// --- state ---
struct agent_state : resource_meta {
  std::string agent_type;
  std::string binary;
  std::string host;
  std::string topic;
  std::string availability_zone;
  bool admin_state_up = true;
  std::string description;  // "": none (Neutron's null)
};

void to_json(nlohmann::json& j, const agent_state& s);

// --- commands ---
namespace agent {
struct register_agent {
  std::string agent_type;
  std::string binary;
  std::string host;
  std::string topic;
  std::string availability_zone;
};
// Only what changes is recorded; a change of nothing records nothing.
struct update {
  std::optional<bool> admin_state_up;
  std::optional<std::string> description;
};
struct remove {};
using command = std::variant<register_agent, update, remove>;
}  // namespace agent

struct agent_machine {
  static constexpr const char* kind = "agent";
  using state = agent_state;
  using event = agent_event;
  using command = agent::command;
  static decision<event> decide(const state& s, const command& c);
  static state apply(state s, const event& e);
};

}  // namespace cumulo
