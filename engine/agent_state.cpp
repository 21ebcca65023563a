#include "engine/agent_state.hpp"

#include <utility>

namespace cumulo {
namespace {

domain_error not_found(const agent_state& s) {
  return make_neutron_error(errc::not_found, "AgentNotFound",
                            "Agent " + s.id + " could not be found.");
}

struct decider {
  const agent_state& s;

  decision<agent_event> operator()(const agent::register_agent& c) const {
    if (s.version > 0)
      return make_domain_error(errc::conflict, "Agent " + s.id + " already exists.");
    if (c.agent_type.empty() || c.binary.empty() || c.host.empty())
      return make_neutron_error(errc::bad_request, "InvalidInput",
                                "Invalid input for operation: an agent needs a type, a binary "
                                "and a host.");
    return std::vector<agent_event>{
        agent_registered{c.agent_type, c.binary, c.host, c.topic, c.availability_zone}};
  }

  decision<agent_event> operator()(const agent::update& c) const {
    if (!s.exists()) return not_found(s);
    // Neutron's limit on descriptions (255, as the other resources' here).
    if (c.description && c.description->size() > 255)
      return make_neutron_error(errc::bad_request, "InvalidInput",
                                "Invalid input for description. Reason: '" + *c.description +
                                    "' exceeds maximum length of 255.");
    agent_updated e;
    if (c.admin_state_up && *c.admin_state_up != s.admin_state_up)
      e.admin_state_up = c.admin_state_up;
    if (c.description && *c.description != s.description) e.description = c.description;
    if (!e.admin_state_up && !e.description) return std::vector<agent_event>{};
    return std::vector<agent_event>{std::move(e)};
  }

  decision<agent_event> operator()(const agent::remove&) const {
    if (!s.exists()) return not_found(s);
    return std::vector<agent_event>{agent_deleted{}};
  }
};

struct applier {
  agent_state& s;

  void require(const char* type) const {
    if (!s.exists()) throw invalid_event(std::string(type) + " on an agent that does not exist");
  }

  void operator()(const agent_registered& e) {
    if (s.version > 0) throw invalid_event("agent.registered on an agent that exists");
    s.agent_type = e.agent_type;
    s.binary = e.binary;
    s.host = e.host;
    s.topic = e.topic;
    s.availability_zone = e.availability_zone;
  }
  void operator()(const agent_updated& e) {
    require("agent.updated");
    if (e.admin_state_up) s.admin_state_up = *e.admin_state_up;
    if (e.description) s.description = *e.description;
  }
  void operator()(const agent_deleted&) {
    require("agent.deleted");
    s.deleted = true;
  }
};

}  // namespace

decision<agent_event> agent_machine::decide(const state& s, const command& c) {
  return std::visit(decider{s}, c);
}

agent_state agent_machine::apply(state s, const event& e) {
  std::visit(applier{s}, e);
  return s;
}

void to_json(nlohmann::json& j, const agent_state& s) {
  j = nlohmann::json::object();
  meta_to_json(j, s);
  j["agent_type"] = s.agent_type;
  j["binary"] = s.binary;
  j["host"] = s.host;
  j["topic"] = s.topic;
  j["availability_zone"] = s.availability_zone;
  j["admin_state_up"] = s.admin_state_up;
  j["description"] = s.description;
}

}  // namespace cumulo
