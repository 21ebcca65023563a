// The networking door's answers to the API about RBAC policies
// (/v2.0/rbac-policies, object_type network). A policy lives in its
// network's stream, so the network's actor decides it with the network's
// ports (a project's ports keep the policy that shares the network with
// it); this decides first, with Neutron's rules, who sees a policy (its
// owner, an admin: get_rbac_policy), who may share a network (its owner or
// an admin) and with whom ("*" is an admin's: create_rbac_policy:target_tenant).
#include "actors/networking_internal.hpp"
#include "engine/network_rbac.hpp"

namespace cumulo::networking_detail {
namespace {

// A policy as the rules see it: its owner, and the target it has (or is
// given, on an update).
target rbac_target(const std::string& owner, const std::string& target_project) {
  return target{owner, "", {{"rbac_policy:target_tenant", target_project}}};
}

domain_error network_not_found(const std::string& id) {
  return not_found("NetworkNotFound", "Network", id);
}

using verdict = std::optional<domain_error>;

struct rbac_judge {
  const networking_state& st;
  const policy& rules;
  const caller& who;

  verdict require(const std::string& rule, const target& t) const {
    if (rules.allowed(rule, who, t)) return std::nullopt;
    return forbidden(rule);
  }
  bool admin() const { return rules.allowed("context_is_admin", who, {}); }

  // The network of policy `id` when the caller sees the policy.
  const network_state* network_of_policy(const std::string& id) const {
    auto it = st.network_of_rbac.find(id);
    if (it == st.network_of_rbac.end()) return nullptr;
    const network_state& n = st.networks.at(it->second);
    const auto* p = n.find_rbac_policy(id);
    return p && rules.allowed("get_rbac_policy", who, rbac_target(p->project_id, p->target_project))
               ? &n
               : nullptr;
  }

  // A create on network `network_id`: the rules on the policy first (403),
  // then the network (404 when the caller does not see it, 400 when the
  // caller neither owns it nor is an admin, in Neutron's words).
  verdict create(const std::string& network_id, const network::create_rbac_policy& c) const {
    const target t = rbac_target(c.project_id, c.target_project);
    if (auto e = require("create_rbac_policy", t)) return e;
    if (auto e = require("create_rbac_policy:target_tenant", t)) return e;
    auto it = st.networks.find(network_id);
    if (it == st.networks.end() ||
        !rules.allowed("get_network", who, network_target(it->second, it->second.project_id, who)))
      return network_not_found(network_id);
    if (!admin() && it->second.project_id != who.project_id)
      return make_neutron_error(errc::bad_request, "InvalidInput",
                                "Invalid input for operation: Only admins can manipulate "
                                "policies on networks they do not own.");
    return std::nullopt;
  }

  // An update or delete of policy `id`, which the caller sees.
  verdict change(const network::rbac_policy& p, const network::command& c) const {
    if (const auto* u = std::get_if<network::update_rbac_policy>(&c)) {
      if (auto e = require("update_rbac_policy", rbac_target(p.project_id, p.target_project)))
        return e;
      return require("update_rbac_policy:target_tenant",
                     rbac_target(p.project_id, u->target_project));
    }
    if (std::holds_alternative<network::delete_rbac_policy>(c))
      return require("delete_rbac_policy", rbac_target(p.project_id, p.target_project));
    return make_neutron_error(errc::bad_request, "BadRequest", "Not a change of an RBAC policy.");
  }
};

// The network with only the policies the caller sees.
network_state with_policies_seen(network_state n, const rbac_judge& j) {
  std::erase_if(n.rbac_policies, [&](const network::rbac_policy& p) {
    return !j.rules.allowed("get_rbac_policy", j.who, rbac_target(p.project_id, p.target_project));
  });
  return n;
}

}  // namespace

caf::message_handler rbac_gate(networking_actor* self, std::shared_ptr<const policy> rules) {
  auto judge_of = [self, rules](const caller& who) { return rbac_judge{self->state, *rules, who}; };
  return {
      // id: the network's for a create, the policy's for an update or a delete.
      [self, judge_of](command_atom, rbac_atom, const std::string& id, network::command& c,
                       event_metadata& m, const caller& who) -> caf::result<network_state> {
        const rbac_judge j = judge_of(who);
        if (const auto* create = std::get_if<network::create_rbac_policy>(&c)) {
          if (auto e = j.create(id, *create)) return to_caf_error(*e);
          return on_network_command(self, id, c, m);
        }
        const network_state* n = j.network_of_policy(id);
        if (!n) return to_caf_error(network_rbac::policy_not_found(id));
        if (auto e = j.change(*n->find_rbac_policy(id), c)) return to_caf_error(*e);
        const std::string network_id = n->id;
        return on_network_command(self, network_id, c, m);
      },
      [self, judge_of](caf::get_atom, rbac_atom, const std::string& id,
                       const caller& who) -> caf::result<network_state> {
        const rbac_judge j = judge_of(who);
        if (const auto* n = j.network_of_policy(id)) return with_policies_seen(*n, j);
        return to_caf_error(network_rbac::policy_not_found(id));
      },
      [self, judge_of](list_atom, rbac_atom, const caller& who) {
        const rbac_judge j = judge_of(who);
        std::vector<network_state> out;
        for (auto& n : in_creation_order(self->state.networks)) {
          auto seen = with_policies_seen(std::move(n), j);
          if (!seen.rbac_policies.empty()) out.push_back(std::move(seen));
        }
        return out;
      },
  };
}

}  // namespace cumulo::networking_detail
