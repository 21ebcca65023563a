// The networking door's answers to the API's requests about subnet pools
// and address scopes, which carry their caller: Neutron's rules
// (engine/policy.cpp: get_subnetpool, create_subnetpool:is_default,
// update_address_scope:shared, ...) decide what the caller sees (anything
// else is SubnetPoolNotFound or AddressScopeNotFound, 404) and may do (403
// PolicyNotAuthorized) before a flow of networking_pools.cpp runs. A pool
// or scope is its project's, and everyone's to see once shared.
#include "actors/networking_internal.hpp"

namespace cumulo::networking_detail {
namespace {

using verdict = std::optional<domain_error>;

// Neutron's 403 unless the rule allows the caller.
verdict require(const policy& rules, const caller& who, const std::string& rule, const target& t) {
  if (rules.allowed(rule, who, t)) return std::nullopt;
  return make_neutron_error(errc::forbidden, "PolicyNotAuthorized",
                            "(rule:" + rule + ") is disallowed by policy");
}

target owner(const std::string& project_id) {
  return target{project_id, "", {}};
}
target pool_target(const subnetpool_state& p) {
  return target{p.project_id, "", {{"subnetpools:shared", p.shared ? "True" : "False"}}};
}
target scope_target(const address_scope_state& s) {
  return target{s.project_id, "", {{"address_scopes:shared", s.shared ? "True" : "False"}}};
}

const subnetpool_state* pool_seen(const networking_state& st, const policy& rules,
                                  const caller& who, const std::string& id) {
  auto it = st.subnetpools.find(id);
  if (it == st.subnetpools.end() || st.going.count(id) ||
      !rules.allowed("get_subnetpool", who, pool_target(it->second)))
    return nullptr;
  return &it->second;
}

const address_scope_state* scope_seen(const networking_state& st, const policy& rules,
                                      const caller& who, const std::string& id) {
  auto it = st.address_scopes.find(id);
  if (it == st.address_scopes.end() || st.going.count(id) ||
      !rules.allowed("get_address_scope", who, scope_target(it->second)))
    return nullptr;
  return &it->second;
}

// A pool may join a scope the caller sees (Neutron's is_accessible: its
// own, a shared one, or any for an admin).
verdict scope_usable(const networking_state& st, const policy& rules, const caller& who,
                     const std::string& scope_id) {
  if (scope_id.empty() || scope_seen(st, rules, who, scope_id)) return std::nullopt;
  return address_scope_not_found(scope_id);
}

// Neutron's _check_subnetpool_update_allowed: a pool in a shared scope of
// another project is only the admin's to change.
verdict update_allowed(const networking_state& st, const policy& rules, const caller& who,
                       const subnetpool_state& p) {
  if (p.address_scope_id.empty() || rules.allowed("context_is_admin", who, {})) return std::nullopt;
  auto scope = st.address_scopes.find(p.address_scope_id);
  if (scope == st.address_scopes.end() || scope->second.project_id == who.project_id)
    return std::nullopt;
  return make_neutron_error(errc::bad_request, "IllegalSubnetPoolUpdate",
                            "Illegal subnetpool update : subnetpool " + p.id +
                                " cannot be updated when associated with shared address scope " +
                                p.address_scope_id + ".");
}

verdict on_pool_request(const networking_state& st, const policy& rules, const caller& who,
                        const std::string& id, const subnetpool::command& c) {
  if (const auto* create = std::get_if<subnetpool::create>(&c)) {
    const target t = owner(create->project_id);
    if (auto e = require(rules, who, "create_subnetpool", t)) return e;
    if (create->shared)
      if (auto e = require(rules, who, "create_subnetpool:shared", t)) return e;
    if (create->is_default)
      if (auto e = require(rules, who, "create_subnetpool:is_default", t)) return e;
    return scope_usable(st, rules, who, create->address_scope_id);
  }
  const subnetpool_state* p = pool_seen(st, rules, who, id);
  if (!p) return subnetpool_not_found(id);
  const target t = pool_target(*p);
  if (std::holds_alternative<subnetpool::remove>(c))
    return require(rules, who, "delete_subnetpool", t);
  if (std::holds_alternative<subnetpool::remove_prefixes>(c))
    return require(rules, who, "remove_prefixes", t);
  if (std::holds_alternative<subnetpool::add_prefixes>(c)) {
    if (auto e = require(rules, who, "add_prefixes", t)) return e;
    return update_allowed(st, rules, who, *p);
  }
  const auto& u = std::get<subnetpool::update>(c);
  if (auto e = require(rules, who, "update_subnetpool", t)) return e;
  if (u.is_default)
    if (auto e = require(rules, who, "update_subnetpool:is_default", t)) return e;
  if (auto e = update_allowed(st, rules, who, *p)) return e;
  return u.address_scope_id ? scope_usable(st, rules, who, *u.address_scope_id) : std::nullopt;
}

verdict on_scope_request(const networking_state& st, const policy& rules, const caller& who,
                         const std::string& id, const address_scope::command& c) {
  if (const auto* create = std::get_if<address_scope::create>(&c)) {
    const target t = owner(create->project_id);
    if (auto e = require(rules, who, "create_address_scope", t)) return e;
    if (create->shared) return require(rules, who, "create_address_scope:shared", t);
    return std::nullopt;
  }
  const address_scope_state* s = scope_seen(st, rules, who, id);
  if (!s) return address_scope_not_found(id);
  const target t = scope_target(*s);
  if (std::holds_alternative<address_scope::remove>(c))
    return require(rules, who, "delete_address_scope", t);
  const auto& u = std::get<address_scope::update>(c);
  if (auto e = require(rules, who, "update_address_scope", t)) return e;
  if (u.shared) return require(rules, who, "update_address_scope:shared", t);
  return std::nullopt;
}

}  // namespace

std::optional<domain_error> subnet_pool_seen(const networking_state& st, const policy& rules,
                                             const caller& who, network::command& c) {
  auto* s = std::get_if<network::add_subnet>(&c);
  if (!s) return std::nullopt;
  if (s->use_default_subnetpool && s->subnetpool_id.empty()) {
    auto id = default_subnetpool(st, *s, [&](const subnetpool_state& p) {
      return rules.allowed("get_subnetpool", who, pool_target(p));
    });
    if (!id) return id.error();
    s->subnetpool_id = id.value();
  }
  if (s->subnetpool_id.empty() || pool_seen(st, rules, who, s->subnetpool_id)) return std::nullopt;
  return subnetpool_not_found(s->subnetpool_id);
}

caf::message_handler pools_gate(networking_actor* self, std::shared_ptr<const policy> rules) {
  return {
      [self, rules](command_atom, const std::string& id, subnetpool::command& c, event_metadata& m,
                    const caller& who) -> caf::result<subnetpool_state> {
        if (auto e = on_pool_request(self->state, *rules, who, id, c)) return to_caf_error(*e);
        return on_subnetpool(self, id, c, m);
      },
      [self, rules](caf::get_atom, subnetpool_atom, const std::string& id,
                    const caller& who) -> caf::result<subnetpool_state> {
        if (const auto* p = pool_seen(self->state, *rules, who, id)) return *p;
        return to_caf_error(subnetpool_not_found(id));
      },
      [self, rules](list_atom, subnetpool_atom, const caller& who) {
        std::vector<subnetpool_state> out;
        for (auto& p : in_creation_order(self->state.subnetpools))
          if (pool_seen(self->state, *rules, who, p.id)) out.push_back(std::move(p));
        return out;
      },
      [self, rules](command_atom, const std::string& id, address_scope::command& c,
                    event_metadata& m, const caller& who) -> caf::result<address_scope_state> {
        if (auto e = on_scope_request(self->state, *rules, who, id, c)) return to_caf_error(*e);
        return on_address_scope(self, id, c, m);
      },
      [self, rules](caf::get_atom, address_scope_atom, const std::string& id,
                    const caller& who) -> caf::result<address_scope_state> {
        if (const auto* s = scope_seen(self->state, *rules, who, id)) return *s;
        return to_caf_error(address_scope_not_found(id));
      },
      [self, rules](list_atom, address_scope_atom, const caller& who) {
        std::vector<address_scope_state> out;
        for (auto& s : in_creation_order(self->state.address_scopes))
          if (scope_seen(self->state, *rules, who, s.id)) out.push_back(std::move(s));
        return out;
      },
  };
}

}  // namespace cumulo::networking_detail
