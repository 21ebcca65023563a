#include "actors/networking.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "actors/networking_internal.hpp"
#include "engine/ipam.hpp"
#include "engine/network_rbac.hpp"
#include "store/ids.hpp"

namespace cumulo::networking_detail {

domain_error not_found(const char* type, const char* what, const std::string& id) {
  return make_neutron_error(errc::not_found, type,
                            std::string(what) + " " + id + " could not be found.");
}
domain_error security_group_not_found(const std::string& id) {
  return make_neutron_error(errc::not_found, "SecurityGroupNotFound",
                            "Security group " + id + " does not exist");
}
domain_error security_group_rule_not_found(const std::string& id) {
  return make_neutron_error(errc::not_found, "SecurityGroupRuleNotFound",
                            "Security group rule " + id + " does not exist");
}
domain_error bad_request(std::string message) {
  return make_neutron_error(errc::bad_request, "BadRequest", std::move(message));
}

// A MAC for a new port: the one asked for (refused when another port has
// it), or a fresh one.
outcome<std::string> choose_mac(networking_state& st, network::create_port& c) {
  if (!c.mac_address.empty()) {
    std::string mac = c.mac_address;
    for (auto& ch : mac) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (st.macs.count(mac))
      return make_neutron_error(
          errc::conflict, "MacAddressInUse",
          "Unable to complete operation for network. The mac address " + mac + " is in use.");
    c.mac_address = mac;
  } else {
    do c.mac_address = new_mac_address();
    while (st.macs.count(c.mac_address));
  }
  st.macs.insert(c.mac_address);
  return c.mac_address;
}

// The ids of the "*" RBAC policies that shared or router:external would
// make (the machine uses them only then).
void give_policy_ids(std::string& shared, std::string& external) {
  if (shared.empty()) shared = new_uuid();
  if (external.empty()) external = new_uuid();
}

// Sends a command to a network actor (through the conductor); its answer
// updates the index before `ok` sees it.
void network_command(networking_actor* self, const std::string& network_id,
                     network::command command, event_metadata meta,
                     std::function<void(network_state&)> ok, on_error fail) {
  auto& st = self->state;
  std::string reserved_mac;
  std::pair<std::string, std::string> counted;  // (resource, project) while in flight
  if (auto* c = std::get_if<network::create_port>(&command)) {
    if (auto e = st.over_quota("port", c->project_id)) return fail(to_caf_error(*e));
    auto mac = choose_mac(st, *c);
    if (!mac) return fail(to_caf_error(mac.error()));
    reserved_mac = mac.value();
    counted = {"port", c->project_id};
  }
  if (auto* c = std::get_if<network::create>(&command)) {
    if (auto e = st.over_quota("network", c->project_id)) return fail(to_caf_error(*e));
    counted = {"network", c->project_id};
    give_policy_ids(c->shared_policy_id, c->external_policy_id);
  }
  if (auto* u = std::get_if<network::update>(&command))
    give_policy_ids(u->shared_policy_id, u->external_policy_id);
  std::string claimed;  // a subnet's prefix from a pool, while in flight
  if (auto* c = std::get_if<network::add_subnet>(&command)) {
    if (auto e = st.over_quota("subnet", c->project_id)) return fail(to_caf_error(*e));
    if (auto e = claim_prefix(st, network_id, *c)) return fail(to_caf_error(*e));
    claimed = c->subnet_id;
    counted = {"subnet", c->project_id};
  }
  if (!counted.second.empty()) ++st.pending[counted];
  auto uncount = [self, counted, claimed] {
    auto& st = self->state;
    if (!claimed.empty()) release_prefix(st, claimed);
    if (counted.second.empty()) return;
    if (--st.pending[counted] <= 0) st.pending.erase(counted);
  };
  self->request(st.conductor, conductor_timeout, command_atom::value, network_id,
                std::move(command), std::move(meta))
      .then(
          [self, ok, uncount](network_state& s) {
            uncount();
            self->state.put(s);
            self->state.address_scopes_into(s);
            const auto id = s.id;
            ok(s);
            keep_dhcp_port(self, id);
          },
          [self, fail, reserved_mac, network_id, uncount](caf::error& e) {
            uncount();
            auto& st = self->state;
            // The MAC was never used unless the network already lists it.
            if (!reserved_mac.empty()) {
              bool used = false;
              if (auto it = st.networks.find(network_id); it != st.networks.end())
                for (const auto& [id, port] : it->second.ports)
                  used |= port.mac_address == reserved_mac;
              if (!used) st.macs.erase(reserved_mac);
            }
            fail(e);
          });
}

// Deletes a port the networking actor made (a router's, a floating IP's),
// then calls `then`: the answer goes out once the port is gone, as in
// Neutron. A failure is logged, never answered: the resource it belonged
// to is already changed.
void delete_port_then(networking_actor* self, const std::string& port_id,
                      const event_metadata& meta, std::function<void()> then) {
  auto it = self->state.network_of_port.find(port_id);
  if (port_id.empty() || it == self->state.network_of_port.end()) return then();
  network_command(
      self, it->second, network::delete_port{port_id}, meta, [then](network_state&) { then(); },
      [port_id, then](const caf::error& e) {
        spdlog::warn("networking: port {} could not be deleted: {}", port_id,
                     from_caf_error(e).message);
        then();
      });
}

// --- security groups ---

// Calls `then` with the project's default group, made (once, whatever the
// number of callers waiting) when the project has none.
void with_default_group(networking_actor* self, const std::string& project_id,
                        const event_metadata& meta,
                        std::function<void(outcome<security_group_state>)> then) {
  auto& st = self->state;
  for (const auto& [_, g] : st.security_groups)
    if (g.project_id == project_id && g.is_default) return then(g);
  auto& waiters = st.default_waiters[project_id];
  waiters.push_back(std::move(then));
  if (waiters.size() > 1) return;
  security_group::create c{"default",
                           "Default security group",
                           project_id,
                           true,
                           {new_uuid(), new_uuid(), new_uuid(), new_uuid()}};
  auto finish = [self, project_id](outcome<security_group_state> result) {
    auto waiting = std::move(self->state.default_waiters[project_id]);
    self->state.default_waiters.erase(project_id);
    for (auto& w : waiting) w(result);
  };
  resource_command<security_group_state>(
      self, new_uuid(), security_group::command{std::move(c)}, meta,
      [finish](security_group_state& g) { finish(g); },
      [finish](const caf::error& e) { finish(from_caf_error(e)); });
}

caf::result<security_group_state> on_security_group(networking_actor* self, const std::string& id,
                                                    security_group::command& c,
                                                    event_metadata& meta) {
  auto& st = self->state;
  if (auto* create = std::get_if<security_group::create>(&c))
    if (auto e = st.over_quota("security_group", create->project_id)) return to_caf_error(*e);
  if (auto* rule = std::get_if<security_group::add_rule>(&c)) {
    if (auto e = st.over_quota("security_group_rule", rule->project_id)) return to_caf_error(*e);
    if (!rule->remote_group_id.empty() && !st.security_groups.count(rule->remote_group_id))
      return to_caf_error(security_group_not_found(rule->remote_group_id));
  }
  auto promise = self->make_response_promise<security_group_state>();
  resource_command<security_group_state>(self, id, std::move(c), std::move(meta),
                                         deliver_to(promise), fail_to(promise));
  return promise;
}

// --- ports: the default group, and groups that exist ---

// A port's groups exist and are its project's own: another project's group
// is as unknown to it as one that does not exist (Neutron's 404).
std::optional<domain_error> check_port_groups(const networking_state& st,
                                              const std::string& project_id,
                                              const std::vector<std::string>& groups) {
  for (const auto& g : groups) {
    auto it = st.security_groups.find(g);
    if (it == st.security_groups.end() || it->second.deleted ||
        (!project_id.empty() && it->second.project_id != project_id))
      return security_group_not_found(g);
  }
  return std::nullopt;
}

// A group named twice is one group of the port, as in Neutron.
void without_repeats(std::vector<std::string>& ids) {
  std::vector<std::string> out;
  for (auto& id : ids)
    if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(std::move(id));
  ids = std::move(out);
}

void create_port(networking_actor* self, const std::string& network_id, network::create_port c,
                 event_metadata meta, std::function<void(network_state&)> ok, on_error fail) {
  auto& st = self->state;
  without_repeats(c.security_groups);
  if (auto e = check_port_groups(st, c.project_id, c.security_groups))
    return fail(to_caf_error(*e));
  // An instance's port (no network:* owner) without groups gets the
  // project's default group, as in Neutron, unless the client asked for
  // none (security_groups: []) or the port has no port security.
  const bool cloud_port = c.device_owner.rfind("network:", 0) == 0;
  auto net = st.networks.find(network_id);
  const bool port_security = c.port_security_enabled.value_or(net == st.networks.end() ||
                                                              net->second.port_security_enabled);
  if (!c.security_groups.empty() || !c.default_security_group || cloud_port ||
      c.project_id.empty() || !port_security)
    return network_command(self, network_id, std::move(c), std::move(meta), std::move(ok),
                           std::move(fail));
  with_default_group(
      self, c.project_id, meta,
      [self, network_id, c, meta, ok, fail](outcome<security_group_state> g) mutable {
        if (!g) return fail(to_caf_error(g.error()));
        c.security_groups = {g.value().id};
        network_command(self, network_id, std::move(c), std::move(meta), ok, fail);
      });
}

// The floating IPs of an external network whose only ports are theirs:
// Neutron deletes them with the network. A network with any other port
// gives nothing here, and its delete is NetworkInUse with nothing changed.
std::vector<std::string> floatingips_going_with(const networking_state& st,
                                                const std::string& network_id) {
  auto n = st.networks.find(network_id);
  if (n == st.networks.end() || !n->second.external) return {};
  for (const auto& [id, p] : n->second.ports)
    if (p.device_owner != "network:floatingip") return {};
  std::vector<std::string> out;
  for (const auto& [id, f] : st.floatingips)
    if (f.floating_network_id == network_id) out.push_back(id);
  return out;
}

// Deletes floating IPs one after the other (each with its port), then
// calls `then`; the first failure goes to `fail`.
void remove_floatingips_then(networking_actor* self, std::vector<std::string> ids,
                             event_metadata meta, std::function<void()> then, on_error fail) {
  if (ids.empty()) return then();
  const std::string id = ids.back();
  ids.pop_back();
  auto it = self->state.floatingips.find(id);
  const std::string port_id =
      it == self->state.floatingips.end() ? "" : it->second.floating_port_id;
  resource_command<floatingip_state>(
      self, id, floatingip::command{floatingip::remove{}}, meta,
      [self, ids, meta, then, fail, port_id](floatingip_state&) mutable {
        delete_port_then(self, port_id, meta, [self, ids, meta, then, fail]() mutable {
          remove_floatingips_then(self, std::move(ids), meta, then, fail);
        });
      },
      fail);
}

// The floating IPs associated with a port that is gone are disassociated,
// as Neutron does, one after the other, then `then` runs (the port delete
// is answered once they are: a read right after it sees them free). A
// failure is logged: the port is already deleted.
void disassociate_then(networking_actor* self, std::vector<std::string> ids,
                       const event_metadata& meta, std::function<void()> then) {
  if (ids.empty()) return then();
  const std::string id = ids.back();
  ids.pop_back();
  auto next = [self, ids, meta, then]() mutable {
    disassociate_then(self, std::move(ids), meta, then);
  };
  resource_command<floatingip_state>(
      self, id, floatingip::command{floatingip::disassociate{}}, meta,
      [next](floatingip_state&) mutable { next(); },
      [id, next](const caf::error& e) mutable {
        spdlog::warn("networking: floating IP {} stays associated with a deleted port: {}", id,
                     from_caf_error(e).message);
        next();
      });
}

std::vector<std::string> floatingips_of_port(const networking_state& st,
                                             const std::string& port_id) {
  std::vector<std::string> out;
  for (const auto& [id, f] : st.floatingips)
    if (f.port_id == port_id) out.push_back(id);
  return out;
}

// The routers with a gateway on the network.
std::vector<const router_state*> routers_on(const networking_state& st,
                                            const std::string& network_id) {
  std::vector<const router_state*> out;
  for (const auto& [id, r] : st.routers)
    if (r.gateway && r.gateway->network_id == network_id) out.push_back(&r);
  return out;
}

// What the network's routers need of an external network that the
// network's machine does not know: an access_as_external policy that a
// router's project uses for its gateway stays (Neutron's RbacPolicyInUse),
// and a network with gateways stays external (ExternalNetworkInUse).
std::optional<domain_error> external_in_use(const networking_state& st,
                                            const std::string& network_id,
                                            const network::command& c) {
  auto n = st.networks.find(network_id);
  if (n == st.networks.end()) return std::nullopt;
  if (const auto* u = std::get_if<network::update>(&c)) {
    if (u->external && !*u->external && n->second.external && !routers_on(st, network_id).empty())
      return make_neutron_error(errc::conflict, "ExternalNetworkInUse",
                                "External network " + network_id +
                                    " cannot be updated to be made non-external, since it has "
                                    "existing gateway ports.");
    return std::nullopt;
  }
  std::string policy_id, new_target;  // "" new target: the policy goes
  if (const auto* d = std::get_if<network::delete_rbac_policy>(&c)) policy_id = d->policy_id;
  if (const auto* u = std::get_if<network::update_rbac_policy>(&c)) {
    policy_id = u->policy_id;
    new_target = u->target_project;
  }
  const auto* p = n->second.find_rbac_policy(policy_id);
  if (!p || p->action != network_rbac::access_as_external || new_target == p->target_project ||
      new_target == network_rbac::every_project)
    return std::nullopt;
  for (const auto* r : routers_on(st, network_id)) {
    if (r->project_id == n->second.project_id) continue;
    if (p->target_project != network_rbac::every_project && p->target_project != r->project_id)
      continue;
    const auto& all = n->second.rbac_policies;
    const bool covered = std::any_of(all.begin(), all.end(), [&](const network::rbac_policy& o) {
      return o.id != p->id && o.action == network_rbac::access_as_external &&
             (o.target_project == network_rbac::every_project || o.target_project == r->project_id);
    });
    if (!covered)
      return network_rbac::policy_in_use(network_id,
                                         "There are routers attached to this network that depend "
                                         "on this policy for access.");
  }
  return std::nullopt;
}

// One command of a network, as the door runs it: `ok` or `fail` is
// called once.
void network_flow(networking_actor* self, const std::string& network_id, network::command command,
                  event_metadata meta, std::function<void(network_state&)> ok, on_error fail) {
  if (auto e = external_in_use(self->state, network_id, command)) return fail(to_caf_error(*e));
  if (const auto* d = std::get_if<network::delete_port>(&command)) {
    const std::string port_id = d->port_id;
    network_command(
        self, network_id, std::move(command), meta,
        [self, port_id, meta, ok](network_state& n) mutable {
          disassociate_then(self, floatingips_of_port(self->state, port_id), meta,
                            [ok, n]() mutable { ok(n); });
        },
        fail);
    return;
  }
  if (std::holds_alternative<network::remove>(command)) {
    auto fips = floatingips_going_with(self->state, network_id);
    if (!fips.empty()) {
      remove_floatingips_then(
          self, std::move(fips), meta,
          [self, network_id, meta, ok, fail]() mutable {
            network_command(self, network_id, network::remove{}, meta, ok, fail);
          },
          fail);
      return;
    }
  }
  if (auto* c = std::get_if<network::create_port>(&command))
    return create_port(self, network_id, std::move(*c), std::move(meta), std::move(ok),
                       std::move(fail));
  if (auto* u = std::get_if<network::update_port>(&command); u && u->security_groups) {
    without_repeats(*u->security_groups);
    const auto* p = self->state.port(u->port_id);
    if (auto e = check_port_groups(self->state, p ? p->project_id : "", *u->security_groups))
      return fail(to_caf_error(*e));
  }
  network_command(self, network_id, std::move(command), std::move(meta), std::move(ok),
                  std::move(fail));
}

caf::result<network_state> on_network_command(networking_actor* self, const std::string& network_id,
                                              network::command& command, event_metadata& meta) {
  auto promise = self->make_response_promise<network_state>();
  std::function<void(network_state&)> ok = deliver_to(promise);
  on_error fail = fail_to(promise);
  // A DHCP port (the tenant plane's) goes first, as Neutron deletes it
  // with its subnet or network; the subnet's or network's own rules then
  // decide as if it never was. It is held back until the flow is done.
  std::string subnet_id;
  if (const auto* r = std::get_if<network::remove_subnet>(&command)) subnet_id = r->subnet_id;
  if (self->state.dhcp_ports && !self->state.dhcp_port_changing.count(network_id) &&
      (!subnet_id.empty() || std::holds_alternative<network::remove>(command))) {
    auto settle_ok = [self, network_id, ok](network_state& n) {
      ok(n);
      dhcp_port_settled(self, network_id);
    };
    auto settle_fail = [self, network_id, fail](const caf::error& e) {
      fail(e);
      dhcp_port_settled(self, network_id);
    };
    without_dhcp_port_then(
        self, network_id, subnet_id,
        [self, network_id, command, meta, settle_ok, settle_fail]() {
          network_flow(self, network_id, command, meta, settle_ok, settle_fail);
        },
        fail);
    return promise;
  }
  network_flow(self, network_id, std::move(command), std::move(meta), std::move(ok),
               std::move(fail));
  return promise;
}

// --- routers ---

domain_error router_not_found(const std::string& id) {
  return make_neutron_error(errc::not_found, "RouterNotFound",
                            "Router " + id + " could not be found");
}

std::vector<network::fixed_ip> fixed_ips_of(const network_state& n, const std::string& port_id) {
  const auto* p = n.find_port(port_id);
  return p ? p->fixed_ips : std::vector<network::fixed_ip>{};
}

// Whether a port's addresses are what a request asks: as many, and each
// asked one (by subnet, address or both) among them.
bool addresses_as_asked(const std::vector<network::fixed_ip>& have,
                        const std::vector<network::fixed_ip>& asked) {
  if (have.size() != asked.size()) return false;
  return std::all_of(asked.begin(), asked.end(), [&](const network::fixed_ip& a) {
    return std::any_of(have.begin(), have.end(), [&](const network::fixed_ip& h) {
      return (a.subnet_id.empty() || a.subnet_id == h.subnet_id) &&
             (a.ip_address.empty() || a.ip_address == h.ip_address);
    });
  });
}

// Records the gateway `g` on the router, then deletes the port it replaces
// (none when the same); a refusal deletes the new port instead (none when
// it is the one the router had).
void record_gateway(networking_actor* self, const std::string& router_id, router::set_gateway g,
                    const std::string& old_port, const event_metadata& meta,
                    caf::typed_response_promise<router_state> promise) {
  const std::string new_port = g.port_id;
  const std::string replaced = old_port == new_port ? "" : old_port;
  const std::string made = old_port == new_port ? "" : new_port;
  resource_command<router_state>(
      self, router_id, router::command{std::move(g)}, meta,
      [self, promise, replaced, meta](router_state& s) mutable {
        delete_port_then(self, replaced, meta, [promise, s]() mutable { promise.deliver(s); });
      },
      [self, promise, made, meta](const caf::error& e) mutable {
        delete_port_then(self, made, meta, [promise, e]() mutable { promise.deliver(e); });
      });
}

// The same gateway network asked again (Neutron's ext-gw-mode): the port's
// addresses move when others are asked, and enable_snat is what the
// request says (true when it says nothing, as Neutron resets it).
void change_gateway(networking_actor* self, const router_state& r, const gateway_request& asked,
                    const event_metadata& meta, caf::typed_response_promise<router_state> promise) {
  const router::gateway& now = *r.gateway;
  const bool snat = asked.enable_snat.value_or(true);
  const bool move = asked.external_fixed_ips &&
                    !addresses_as_asked(now.external_fixed_ips, *asked.external_fixed_ips);
  if (!move && snat == now.enable_snat) {
    promise.deliver(r);
    return;
  }
  const std::string router_id = r.id, port_id = now.port_id, network_id = now.network_id;
  if (!move) {
    router::set_gateway g{network_id, port_id, now.external_fixed_ips, snat};
    record_gateway(self, router_id, std::move(g), port_id, meta, promise);
    return;
  }
  network::update_port u;
  u.port_id = port_id;
  u.fixed_ips = *asked.external_fixed_ips;
  network_command(
      self, network_id, std::move(u), meta,
      [self, router_id, network_id, port_id, snat, meta, promise](network_state& n) mutable {
        router::set_gateway g{network_id, port_id, fixed_ips_of(n, port_id), snat};
        record_gateway(self, router_id, std::move(g), port_id, meta, promise);
      },
      fail_to(promise));
}

// The floating IPs associated through the router (its gateway and one of
// its interfaces carry their traffic).
std::vector<const floatingip_state*> floatingips_through(const networking_state& st,
                                                         const std::string& router_id) {
  std::vector<const floatingip_state*> out;
  for (const auto& [_, f] : st.floatingips)
    if (f.associated() && f.router_id == router_id) out.push_back(&f);
  return out;
}

// A gateway its floating IPs need stays where it is (Neutron's
// RouterExternalGatewayInUseByFloatingIp): cleared or moved to another
// network, their path would be gone while they still say ACTIVE.
std::optional<domain_error> gateway_in_use(const networking_state& st, const router_state& r,
                                           const std::string& network_id) {
  if (!r.gateway || r.gateway->network_id == network_id) return std::nullopt;
  if (floatingips_through(st, r.id).empty()) return std::nullopt;
  return make_neutron_error(errc::conflict, "RouterExternalGatewayInUseByFloatingIp",
                            "Gateway cannot be updated for router " + r.id +
                                ", since a gateway to external network " + r.gateway->network_id +
                                " is required by one or more floating IPs.");
}

caf::result<router_state> on_gateway(networking_actor* self, const std::string& router_id,
                                     const gateway_request& asked, event_metadata& meta) {
  auto& st = self->state;
  auto it = st.routers.find(router_id);
  if (it == st.routers.end()) return to_caf_error(router_not_found(router_id));
  const router_state& r = it->second;
  const std::string& network_id = asked.network_id;
  if (auto e = gateway_in_use(st, r, network_id)) return to_caf_error(*e);
  const std::string old_port = r.gateway ? r.gateway->port_id : "";
  auto promise = self->make_response_promise<router_state>();
  if (network_id.empty()) {
    if (!r.gateway) {
      promise.deliver(r);
      return promise;
    }
    resource_command<router_state>(
        self, router_id, router::command{router::clear_gateway{}}, meta,
        [self, promise, old_port, meta](router_state& s) mutable {
          delete_port_then(self, old_port, meta, [promise, s]() mutable { promise.deliver(s); });
        },
        fail_to(promise));
    return promise;
  }
  // A network that does not exist is Neutron's 404; one that is not
  // external its 400.
  auto net = st.networks.find(network_id);
  if (net == st.networks.end()) {
    promise.deliver(to_caf_error(not_found("NetworkNotFound", "Network", network_id)));
    return promise;
  }
  if (!net->second.external) {
    promise.deliver(to_caf_error(bad_request("Bad router request: Network " + network_id +
                                             " is not a valid external network.")));
    return promise;
  }
  if (r.gateway && r.gateway->network_id == network_id) {
    change_gateway(self, r, asked, meta, promise);
    return promise;
  }
  // A new gateway port: the network's engine picks or checks its
  // addresses (InvalidIpForSubnet, IpAddressAlreadyAllocated).
  network::create_port port;
  port.port_id = new_uuid();
  port.device_id = router_id;
  port.device_owner = "network:router_gateway";
  port.fixed_ips = asked.external_fixed_ips;
  const std::string port_id = port.port_id;
  const bool snat = asked.enable_snat.value_or(true);
  create_port(
      self, network_id, std::move(port), meta,
      [self, promise, router_id, network_id, port_id, old_port, snat,
       meta](network_state& n) mutable {
        router::set_gateway g{network_id, port_id, fixed_ips_of(n, port_id), snat};
        record_gateway(self, router_id, std::move(g), old_port, meta, promise);
      },
      fail_to(promise));
  return promise;
}

const network::subnet* subnet_by_id(const networking_state& st, const std::string& subnet_id) {
  auto it = st.network_of_subnet.find(subnet_id);
  return it == st.network_of_subnet.end() ? nullptr
                                          : st.networks.at(it->second).find_subnet(subnet_id);
}

// A router routes between its subnets: one whose CIDR overlaps a subnet it
// already has an interface on would make its routes ambiguous (Neutron's
// 400 BadRequest).
std::optional<domain_error> overlapping_interface(const networking_state& st, const router_state& r,
                                                  const std::string& subnet_id) {
  const network::subnet* added = subnet_by_id(st, subnet_id);
  if (!added) return std::nullopt;
  const auto cidr = ipam::parse_cidr(added->cidr);
  for (const auto& i : r.interfaces) {
    const network::subnet* other = subnet_by_id(st, i.subnet_id);
    if (!other || other->id == subnet_id) continue;
    const auto theirs = ipam::parse_cidr(other->cidr);
    if (cidr && theirs && ipam::overlaps(*cidr, *theirs))
      return bad_request("Bad router request: Cidr " + added->cidr + " of subnet " + subnet_id +
                         " overlaps with cidr " + other->cidr + " of subnet " + other->id + ".");
  }
  return std::nullopt;
}

caf::result<router_state> add_interface(networking_actor* self, const router_state& r,
                                        const std::string& subnet_id, const std::string& port_id,
                                        event_metadata& meta) {
  auto& st = self->state;
  const std::string router_id = r.id;
  // Every refusal is returned before a promise is made: once one exists, a
  // returned error would answer nothing.
  if (!port_id.empty()) {
    const auto* p = st.port(port_id);
    if (!p) return to_caf_error(not_found("PortNotFound", "Port", port_id));
    if (!p->device_id.empty())
      return to_caf_error(make_neutron_error(errc::conflict, "PortInUse",
                                             "Unable to complete operation on port " + port_id +
                                                 " for network " + st.network_of_port.at(port_id) +
                                                 ". Port already has an attached device " +
                                                 p->device_id + "."));
    if (p->fixed_ips.empty())
      return to_caf_error(
          bad_request("Bad router request: Router port must have at least one "
                      "fixed IP."));
    const std::string network_id = st.network_of_port.at(port_id);
    const std::string port_subnet = p->fixed_ips.front().subnet_id;
    if (auto e = overlapping_interface(st, r, port_subnet)) return to_caf_error(*e);
    auto promise = self->make_response_promise<router_state>();
    network::update_port u;
    u.port_id = port_id;
    u.device_id = router_id;
    u.device_owner = "network:router_interface";
    network_command(
        self, network_id, std::move(u), meta,
        [self, promise, router_id, port_id, port_subnet, network_id, meta](network_state&) mutable {
          resource_command<router_state>(
              self, router_id,
              router::command{router::add_interface{port_id, port_subnet, network_id}}, meta,
              deliver_to(promise), fail_to(promise));
        },
        fail_to(promise));
    return promise;
  }
  auto net_it = st.network_of_subnet.find(subnet_id);
  if (net_it == st.network_of_subnet.end())
    return to_caf_error(not_found("SubnetNotFound", "Subnet", subnet_id));
  const std::string network_id = net_it->second;
  const auto* sub = st.networks.at(network_id).find_subnet(subnet_id);
  if (sub->gateway_ip.empty())
    return to_caf_error(
        bad_request("Bad router request: Subnet for router interface must have a "
                    "gateway IP."));
  if (r.has_port_on_subnet(subnet_id))
    return to_caf_error(
        bad_request("Bad router request: Router already has a port on subnet " + subnet_id + "."));
  if (auto e = overlapping_interface(st, r, subnet_id)) return to_caf_error(*e);
  auto promise = self->make_response_promise<router_state>();
  network::create_port port;
  port.port_id = new_uuid();
  port.device_id = router_id;
  port.device_owner = "network:router_interface";
  port.fixed_ips = std::vector<network::fixed_ip>{{subnet_id, sub->gateway_ip}};
  port.project_id = r.project_id;
  const std::string new_port = port.port_id;
  create_port(
      self, network_id, std::move(port), meta,
      [self, promise, router_id, new_port, subnet_id, network_id, meta](network_state&) mutable {
        resource_command<router_state>(
            self, router_id,
            router::command{router::add_interface{new_port, subnet_id, network_id}}, meta,
            deliver_to(promise), [self, promise, new_port, meta](const caf::error& e) mutable {
              delete_port_then(self, new_port, meta,
                               [promise, e]() mutable { promise.deliver(e); });
            });
      },
      fail_to(promise));
  return promise;
}

namespace {

// The router's addresses as its ports (the interfaces' and the gateway's)
// have them, each with its subnet's CIDR: what the router checks an extra
// route's nexthop against, and which interface a route needs.
std::vector<router::link> links_of(const networking_state& st, const router_state& r) {
  std::vector<std::string> ports;
  for (const auto& i : r.interfaces) ports.push_back(i.port_id);
  if (r.gateway) ports.push_back(r.gateway->port_id);
  std::vector<router::link> links;
  for (const auto& port_id : ports) {
    const auto* p = st.port(port_id);
    if (!p) continue;
    for (const auto& ip : p->fixed_ips)
      if (const auto* sub = subnet_by_id(st, ip.subnet_id))
        links.push_back(router::link{port_id, ip.subnet_id, sub->cidr, ip.ip_address});
  }
  return links;
}

}  // namespace

// An interface its floating IPs need stays (Neutron's
// RouterInterfaceInUseByFloatingIP): a floating IP associated through the
// router with an address of the interface's subnet.
std::optional<domain_error> interface_in_use(const networking_state& st, const router_state& r,
                                             const router::interface& i) {
  const network::subnet* sub = subnet_by_id(st, i.subnet_id);
  const auto cidr = sub ? ipam::parse_cidr(sub->cidr) : std::nullopt;
  if (!cidr) return std::nullopt;
  for (const auto* f : floatingips_through(st, r.id)) {
    const auto a = ipam::parse_address(f->fixed_ip_address);
    if (a && ipam::contains(*cidr, *a))
      return make_neutron_error(errc::conflict, "RouterInterfaceInUseByFloatingIP",
                                "Router interface for subnet " + i.subnet_id + " on router " +
                                    r.id +
                                    " cannot be deleted, as it is required by one or more "
                                    "floating IPs.");
  }
  return std::nullopt;
}

caf::result<router_state> on_interface(networking_actor* self, const std::string& router_id,
                                       const std::string& subnet_id, const std::string& port_id,
                                       bool add, event_metadata& meta) {
  auto& st = self->state;
  auto it = st.routers.find(router_id);
  if (it == st.routers.end()) return to_caf_error(router_not_found(router_id));
  if (subnet_id.empty() == port_id.empty() && add)
    return to_caf_error(
        bad_request("Bad router request: Either subnet_id or port_id must be "
                    "specified."));
  if (add) return add_interface(self, it->second, subnet_id, port_id, meta);
  const router::interface* i = !port_id.empty() ? it->second.find_interface_by_port(port_id)
                                                : it->second.find_interface_by_subnet(subnet_id);
  if (i)
    if (auto e = interface_in_use(st, it->second, *i)) return to_caf_error(*e);
  const std::string doomed = i ? i->port_id : "";
  router::remove_interface removal{port_id, subnet_id, links_of(st, it->second)};
  auto promise = self->make_response_promise<router_state>();
  resource_command<router_state>(
      self, router_id, router::command{std::move(removal)}, meta,
      [self, promise, doomed, meta](router_state& s) mutable {
        delete_port_then(self, doomed, meta, [promise, s]() mutable { promise.deliver(s); });
      },
      fail_to(promise));
  return promise;
}

namespace {

// A change of a router's extra routes (extraroute, extraroute-atomic): the
// router decides it, with its addresses as the door knows its ports. The
// router actor checks the whole list against its own interfaces, so a
// route and the removal of the interface it needs never both pass.
caf::result<router_state> on_routes(networking_actor* self, const std::string& router_id,
                                    router::command& c, event_metadata& meta) {
  auto& st = self->state;
  auto it = st.routers.find(router_id);
  if (it == st.routers.end()) return to_caf_error(router_not_found(router_id));
  auto links = links_of(st, it->second);
  if (auto* set = std::get_if<router::set_routes>(&c))
    set->links = std::move(links);
  else if (auto* add = std::get_if<router::add_routes>(&c))
    add->links = std::move(links);
  else if (auto* remove = std::get_if<router::remove_routes>(&c))
    remove->links = std::move(links);
  else
    return to_caf_error(bad_request("Bad router request: not a change of its routes."));
  auto promise = self->make_response_promise<router_state>();
  resource_command<router_state>(self, router_id, std::move(c), meta, deliver_to(promise),
                                 fail_to(promise));
  return promise;
}

}  // namespace

caf::result<router_state> on_router(networking_actor* self, const std::string& id,
                                    router::command& c, event_metadata& meta) {
  auto& st = self->state;
  if (auto* create = std::get_if<router::create>(&c))
    if (auto e = st.over_quota("router", create->project_id)) return to_caf_error(*e);
  std::string gateway_port;
  if (std::holds_alternative<router::remove>(c))
    if (auto it = st.routers.find(id); it != st.routers.end() && it->second.gateway)
      gateway_port = it->second.gateway->port_id;
  auto promise = self->make_response_promise<router_state>();
  resource_command<router_state>(
      self, id, std::move(c), meta,
      [self, promise, gateway_port, meta](router_state& s) mutable {
        delete_port_then(self, gateway_port, meta, [promise, s]() mutable { promise.deliver(s); });
      },
      fail_to(promise));
  return promise;
}

// --- floating IPs ---

domain_error floatingip_not_found(const std::string& id) {
  return make_neutron_error(errc::not_found, "FloatingIPNotFound",
                            "Floating IP " + id + " could not be found");
}

std::string first_ipv4(const std::vector<network::fixed_ip>& ips) {
  for (const auto& f : ips)
    if (auto a = ipam::parse_address(f.ip_address); a && a->version == 4) return f.ip_address;
  return "";
}

// The router that reaches the port's subnet from the floating IP's
// network: its gateway is on that network and it has an interface there.
outcome<floatingip::associate> association(const networking_state& st, const floatingip_state& f,
                                           const std::string& port_id,
                                           const std::string& fixed_ip) {
  const auto* p = st.port(port_id);
  if (!p) return not_found("PortNotFound", "Port", port_id);
  const network::fixed_ip* chosen = nullptr;
  for (const auto& ip : p->fixed_ips)
    if ((fixed_ip.empty() && first_ipv4({ip}) == ip.ip_address && !ip.ip_address.empty()) ||
        ip.ip_address == fixed_ip) {
      chosen = &ip;
      break;
    }
  if (!chosen)
    return bad_request("Bad floatingip request: Port " + port_id +
                       (fixed_ip.empty() ? std::string(" has no IPv4 address.")
                                         : " does not have fixed ip " + fixed_ip + "."));
  for (const auto& [id, r] : st.routers)
    if (r.gateway && r.gateway->network_id == f.floating_network_id &&
        r.find_interface_by_subnet(chosen->subnet_id))
      return floatingip::associate{port_id, chosen->ip_address, id};
  return make_neutron_error(errc::not_found, "ExternalGatewayForFloatingIPNotFound",
                            "External network " + f.floating_network_id +
                                " is not reachable from subnet " + chosen->subnet_id +
                                ".  Therefore, cannot associate Port " + port_id +
                                " with a Floating IP.");
}

caf::result<floatingip_state> on_associate(networking_actor* self, const std::string& fip_id,
                                           const std::string& port_id, const std::string& fixed_ip,
                                           event_metadata& meta) {
  auto& st = self->state;
  auto it = st.floatingips.find(fip_id);
  if (it == st.floatingips.end()) return to_caf_error(floatingip_not_found(fip_id));
  floatingip::command c{floatingip::disassociate{}};
  if (!port_id.empty()) {
    auto a = association(st, it->second, port_id, fixed_ip);
    if (!a) return to_caf_error(a.error());
    c = a.value();
  }
  auto promise = self->make_response_promise<floatingip_state>();
  resource_command<floatingip_state>(self, fip_id, std::move(c), meta, deliver_to(promise),
                                     fail_to(promise));
  return promise;
}

caf::result<floatingip_state> on_floatingip_create(networking_actor* self, floatingip_request& req,
                                                   event_metadata& meta) {
  auto& st = self->state;
  auto net = st.networks.find(req.floating_network_id);
  if (net == st.networks.end())
    return to_caf_error(not_found("NetworkNotFound", "Network", req.floating_network_id));
  if (!net->second.external)
    return to_caf_error(bad_request("Bad floatingip request: Network " + req.floating_network_id +
                                    " is not a valid external network."));
  if (auto e = st.over_quota("floatingip", req.project_id)) return to_caf_error(*e);
  network::create_port port;
  port.port_id = new_uuid();
  port.device_id = req.id;
  port.device_owner = "network:floatingip";
  if (!req.floating_ip_address.empty()) {
    port.fixed_ips = std::vector<network::fixed_ip>{{"", req.floating_ip_address}};
  } else {
    // One IPv4 address: a floating IP is IPv4.
    for (const auto& s : net->second.subnets)
      if (s.ip_version == 4) {
        port.fixed_ips = std::vector<network::fixed_ip>{{s.id, ""}};
        break;
      }
    if (!port.fixed_ips)
      return to_caf_error(bad_request("Bad floatingip request: Network " + req.floating_network_id +
                                      " has no IPv4 subnet."));
  }
  const std::string port_id = port.port_id;
  auto promise = self->make_response_promise<floatingip_state>();
  create_port(
      self, req.floating_network_id, std::move(port), meta,
      [self, promise, req, port_id, meta](network_state& n) mutable {
        floatingip::create c{req.floating_network_id,
                             first_ipv4(fixed_ips_of(n, port_id)),
                             port_id,
                             req.project_id,
                             req.description,
                             req.tags};
        resource_command<floatingip_state>(
            self, req.id, floatingip::command{std::move(c)}, meta,
            [self, promise, req, meta](floatingip_state& f) mutable {
              if (req.port_id.empty()) {
                promise.deliver(f);
                return;
              }
              auto a = association(self->state, f, req.port_id, req.fixed_ip_address);
              if (!a) {
                promise.deliver(to_caf_error(a.error()));
                return;
              }
              resource_command<floatingip_state>(self, req.id, floatingip::command{a.value()}, meta,
                                                 deliver_to(promise), fail_to(promise));
            },
            [self, promise, port_id, meta](const caf::error& e) mutable {
              delete_port_then(self, port_id, meta, [promise, e]() mutable { promise.deliver(e); });
            });
      },
      fail_to(promise));
  return promise;
}

caf::result<floatingip_state> on_floatingip(networking_actor* self, const std::string& id,
                                            floatingip::command& c, event_metadata& meta) {
  auto& st = self->state;
  std::string port_id;
  if (std::holds_alternative<floatingip::remove>(c))
    if (auto it = st.floatingips.find(id); it != st.floatingips.end())
      port_id = it->second.floating_port_id;
  auto promise = self->make_response_promise<floatingip_state>();
  resource_command<floatingip_state>(
      self, id, std::move(c), meta,
      [self, promise, port_id, meta](floatingip_state& f) mutable {
        delete_port_then(self, port_id, meta, [promise, f]() mutable { promise.deliver(f); });
      },
      fail_to(promise));
  return promise;
}

caf::result<quota_set> on_quota(networking_actor* self, const std::string& project,
                                quota::command& c, event_metadata& meta) {
  auto promise = self->make_response_promise<quota_set>();
  resource_command<quota_state>(
      self, project, std::move(c), meta,
      [promise](quota_state& q) mutable { promise.deliver(q.limits); }, fail_to(promise));
  return promise;
}

template <class State>
caf::result<State> found(const std::unordered_map<std::string, State>& map, const std::string& id,
                         domain_error missing) {
  auto it = map.find(id);
  if (it == map.end()) return to_caf_error(missing);
  return it->second;
}

template <class State, class Atom>
void read_all(networking_actor* self, Atom kind) {
  self->request(self->state.conductor, conductor_timeout, list_atom::value, kind)
      .await(
          [self](std::vector<State>& all) {
            for (const auto& s : all) self->state.put(s);
            // Networks made before the cloud ran the tenant plane get their
            // DHCP ports now.
            if constexpr (std::is_same_v<State, network_state>)
              for (const auto& s : all) keep_dhcp_port(self, s.id);
          },
          [self](caf::error& e) {
            spdlog::error("networking: cannot read the network resources: {}",
                          from_caf_error(e).message);
            self->quit(e);
          });
}

caf::behavior networking(networking_actor* self, caf::actor conductor, caf::actor network_host,
                         std::shared_ptr<const policy> rules, bool dhcp_ports) {
  self->state.dhcp_ports = dhcp_ports;
  self->state.conductor = std::move(conductor);
  self->state.network_host = std::move(network_host);
  // Pools before networks: a network's address scopes are its pools'.
  read_all<subnetpool_state>(self, subnetpool_atom::value);
  read_all<address_scope_state>(self, address_scope_atom::value);
  read_all<network_state>(self, network_atom::value);
  read_all<security_group_state>(self, security_group_atom::value);
  read_all<router_state>(self, router_atom::value);
  read_all<floatingip_state>(self, floatingip_atom::value);
  read_all<quota_state>(self, quota_kind_atom::value);
  read_all<agent_state>(self, agent_atom::value);
  return gate(self, rules)
      .or_else(pools_gate(self, rules))
      .or_else(rbac_gate(self, rules))
      .or_else(tags_gate(self, rules))
      .or_else(agents_gate(self, rules))
      .or_else(caf::behavior{
          [self](command_atom, const std::string& id, network::command& c, event_metadata& m) {
            return on_network_command(self, id, c, m);
          },
          [self](command_atom, subnet_atom, const std::string& subnet_id, network::command& c,
                 event_metadata& m) -> caf::result<network_state> {
            auto it = self->state.network_of_subnet.find(subnet_id);
            if (it == self->state.network_of_subnet.end())
              return to_caf_error(not_found("SubnetNotFound", "Subnet", subnet_id));
            return on_network_command(self, it->second, c, m);
          },
          [self](command_atom, port_atom, const std::string& port_id, network::command& c,
                 event_metadata& m) -> caf::result<network_state> {
            auto it = self->state.network_of_port.find(port_id);
            if (it == self->state.network_of_port.end())
              return to_caf_error(not_found("PortNotFound", "Port", port_id));
            return on_network_command(self, it->second, c, m);
          },
          [self](caf::get_atom, network_atom, const std::string& id) {
            return found(self->state.networks, id, not_found("NetworkNotFound", "Network", id));
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
          [self](list_atom, network_atom) { return in_creation_order(self->state.networks); },
          // What a project may use (its own, shared and external networks), as
          // a create of servers asks; an admin may use every one. `shared` is
          // whether the network is shared with the project (Neutron's view).
          [self](list_atom, network_atom, const std::string& project_id, bool is_admin) {
            std::vector<network_state> out;
            for (auto& n : in_creation_order(self->state.networks)) {
              n.shared = n.shared_with(project_id);
              if (is_admin || n.project_id == project_id || n.shared || n.external_to(project_id))
                out.push_back(std::move(n));
            }
            return out;
          },

          [self](command_atom, const std::string& id, security_group::command& c,
                 event_metadata& m) { return on_security_group(self, id, c, m); },
          [self](command_atom, sg_rule_atom, const std::string& rule_id,
                 event_metadata& m) -> caf::result<security_group_state> {
            for (const auto& [id, g] : self->state.security_groups)
              if (g.find_rule(rule_id)) {
                security_group::command c{security_group::remove_rule{rule_id}};
                return on_security_group(self, id, c, m);
              }
            return to_caf_error(security_group_rule_not_found(rule_id));
          },
          [self](default_atom, const std::string& project_id,
                 event_metadata& m) -> caf::result<security_group_state> {
            auto promise = self->make_response_promise<security_group_state>();
            with_default_group(self, project_id, m,
                               [promise](outcome<security_group_state> g) mutable {
                                 if (g)
                                   promise.deliver(g.value());
                                 else
                                   promise.deliver(to_caf_error(g.error()));
                               });
            return promise;
          },
          [self](caf::get_atom, security_group_atom, const std::string& id) {
            return found(self->state.security_groups, id, security_group_not_found(id));
          },
          [self](caf::get_atom, sg_rule_atom,
                 const std::string& rule_id) -> caf::result<security_group_state> {
            for (const auto& [_, g] : self->state.security_groups)
              if (g.find_rule(rule_id)) return g;
            return to_caf_error(security_group_rule_not_found(rule_id));
          },
          [self](list_atom, security_group_atom) {
            return in_creation_order(self->state.security_groups);
          },

          [self](command_atom, const std::string& id, router::command& c, event_metadata& m) {
            return on_router(self, id, c, m);
          },
          [self](gateway_atom, const std::string& router_id, const gateway_request& asked,
                 event_metadata& m) { return on_gateway(self, router_id, asked, m); },
          [self](interface_atom, const std::string& router_id, const std::string& subnet_id,
                 const std::string& port_id, bool add, event_metadata& m) {
            return on_interface(self, router_id, subnet_id, port_id, add, m);
          },
          [self](routes_atom, const std::string& router_id, router::command& c, event_metadata& m) {
            return on_routes(self, router_id, c, m);
          },
          [self](caf::get_atom, router_atom, const std::string& id) {
            return found(self->state.routers, id, router_not_found(id));
          },
          [self](list_atom, router_atom) { return in_creation_order(self->state.routers); },

          [self](command_atom, floatingip_request& req, event_metadata& m) {
            return on_floatingip_create(self, req, m);
          },
          [self](associate_atom, const std::string& fip_id, const std::string& port_id,
                 const std::string& fixed_ip,
                 event_metadata& m) { return on_associate(self, fip_id, port_id, fixed_ip, m); },
          [self](command_atom, const std::string& id, floatingip::command& c, event_metadata& m) {
            return on_floatingip(self, id, c, m);
          },
          [self](caf::get_atom, floatingip_atom, const std::string& id) {
            return found(self->state.floatingips, id, floatingip_not_found(id));
          },
          [self](list_atom, floatingip_atom) { return in_creation_order(self->state.floatingips); },
          // The floating IPs associated with any of these ports, oldest first:
          // what a server's addresses show (one question for a page of servers).
          [self](list_atom, floatingip_atom, port_atom, const std::vector<std::string>& port_ids) {
            const std::unordered_set<std::string> wanted(port_ids.begin(), port_ids.end());
            std::vector<floatingip_state> out;
            for (const auto& [_, f] : self->state.floatingips)
              if (f.associated() && wanted.count(f.port_id)) out.push_back(f);
            std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
              return a.created_at_us != b.created_at_us ? a.created_at_us < b.created_at_us
                                                        : a.id < b.id;
            });
            return out;
          },

          [self](caf::get_atom, quota_atom, const std::string& project) {
            return self->state.quotas_of(project);
          },
          [self](quota_atom, const std::string& project, quota::command& c, event_metadata& m) {
            return on_quota(self, project, c, m);
          },
      });
}

}  // namespace cumulo::networking_detail

namespace cumulo {

caf::actor spawn_networking(caf::actor_system& sys, caf::actor conductor, caf::actor network_host,
                            std::shared_ptr<const policy> rules, bool dhcp_ports) {
  if (!rules) rules = std::make_shared<const policy>(default_rules());
  return sys.spawn(networking_detail::networking, std::move(conductor), std::move(network_host),
                   std::move(rules), dhcp_ports);
}

}  // namespace cumulo
