// The networking door's answers to the API: each request carries its
// caller, and this decides with Neutron's rules (engine/policy.cpp) what the
// caller sees and may do before the flow in networking.cpp runs. What the
// caller may not see is Neutron's 404 for it, as if it did not exist; what
// it sees but may not do is 403 PolicyNotAuthorized. Flows that take more
// than one step (a router with a gateway) ask the door itself, so each step
// is the same message the cloud's own callers send.
#include "actors/networking_internal.hpp"

#include <spdlog/spdlog.h>

namespace cumulo::networking_detail {

// A resource of a project: its tenant_id.
target owner_target(const std::string& project_id) {
  return target{project_id, "", {}};
}

// networks:shared and networks:router:external are what the RBAC policies
// give the caller's project (Neutron filters its queries so): a network
// shared with one project is shared to that project only.
target network_target(const network_state& n, const std::string& project_id, const caller& who) {
  return target{project_id,
                "",
                {{"network:tenant_id", n.project_id},
                 {"networks:shared", n.shared_with(who.project_id) ? "True" : "False"},
                 {"networks:router:external", n.external_to(who.project_id) ? "True" : "False"}}};
}

// The network's own target.
static target network_target(const network_state& n, const caller& who) {
  return network_target(n, n.project_id, who);
}

domain_error forbidden(const std::string& rule) {
  return make_neutron_error(errc::forbidden, "PolicyNotAuthorized",
                            "(rule:" + rule + ") is disallowed by policy");
}

namespace {

domain_error admin_required(const std::string& reason) {
  return make_neutron_error(errc::forbidden, "AdminRequired",
                            "User does not have admin privileges: " + reason + ".");
}

using verdict = std::optional<domain_error>;

// The door itself: a step of a flow is the message any caller would send.
caf::actor me(networking_actor* self) {
  return caf::actor_cast<caf::actor>(self);
}

// The rules, and who asks.
struct judge {
  const policy& rules;
  const caller& who;

  bool allows(const std::string& rule, const target& t) const {
    return rules.allowed(rule, who, t);
  }
  verdict require(const std::string& rule, const target& t) const {
    if (allows(rule, t)) return std::nullopt;
    return forbidden(rule);
  }
  bool admin() const { return allows("context_is_admin", {}); }
};

// --- networks, subnets, ports ---

const network_state* network_seen(const networking_state& st, const judge& j, const std::string& id,
                                  const char* rule) {
  auto it = st.networks.find(id);
  if (it == st.networks.end() || !j.allows(rule, network_target(it->second, j.who))) return nullptr;
  return &it->second;
}

const network_state* subnet_seen(const networking_state& st, const judge& j,
                                 const std::string& id) {
  auto it = st.network_of_subnet.find(id);
  return it == st.network_of_subnet.end() ? nullptr : network_seen(st, j, it->second, "get_subnet");
}

// The network holding port `id`, when get_port lets the caller see the port.
const network_state* port_seen(const networking_state& st, const judge& j, const std::string& id) {
  auto it = st.network_of_port.find(id);
  if (it == st.network_of_port.end()) return nullptr;
  const network_state& n = st.networks.at(it->second);
  const auto* p = n.find_port(id);
  return p && j.allows("get_port", network_target(n, p->project_id, j.who)) ? &n : nullptr;
}

domain_error network_not_found(const std::string& id) {
  return not_found("NetworkNotFound", "Network", id);
}
domain_error subnet_not_found(const std::string& id) {
  return not_found("SubnetNotFound", "Subnet", id);
}
domain_error port_not_found(const std::string& id) {
  return not_found("PortNotFound", "Port", id);
}

// shared and router:external set to true are an admin's (create_network:shared, ...).
verdict network_attributes(const judge& j, const char* action, const target& t,
                           std::optional<bool> shared, std::optional<bool> external) {
  const std::string prefix = std::string(action) + "_network:";
  if (shared.value_or(false))
    if (auto e = j.require(prefix + "shared", t)) return e;
  if (external.value_or(false))
    if (auto e = j.require(prefix + "router:external", t)) return e;
  return std::nullopt;
}

// A port create on network n: an address or a MAC address of one's own
// choosing is the network owner's (or an admin's).
verdict port_create(const judge& j, const network_state& n, const network::create_port& c) {
  const target t = network_target(n, c.project_id, j.who);
  if (c.fixed_ips)
    for (const auto& f : *c.fixed_ips)
      if (!f.ip_address.empty())
        if (auto e = j.require("create_port:fixed_ips:ip_address", t)) return e;
  if (!c.mac_address.empty())
    if (auto e = j.require("create_port:mac_address", t)) return e;
  if (!c.binding_host_id.empty())
    if (auto e = j.require("create_port:binding:host_id", t)) return e;
  if (c.port_security_enabled)
    if (auto e = j.require("create_port:port_security_enabled", t)) return e;
  if (!c.allowed_address_pairs.empty())
    if (auto e = j.require("create_port:allowed_address_pairs", t)) return e;
  return j.require("create_port", t);
}

// A command sent by network id: the network's create, update and remove, a
// subnet or a port made on it.
verdict on_network(const networking_state& st, const judge& j, const std::string& id,
                   const network::command& c) {
  if (const auto* create = std::get_if<network::create>(&c)) {
    const target t = owner_target(create->project_id);
    if (auto e = j.require("create_network", t)) return e;
    return network_attributes(j, "create", t, create->shared, create->external);
  }
  const network_state* n = network_seen(st, j, id, "get_network");
  if (!n) return network_not_found(id);
  if (const auto* u = std::get_if<network::update>(&c)) {
    if (auto e = j.require("update_network", network_target(*n, j.who))) return e;
    return network_attributes(j, "update", network_target(*n, j.who), u->shared, u->external);
  }
  if (std::holds_alternative<network::remove>(c))
    return j.require("delete_network", network_target(*n, j.who));
  if (const auto* s = std::get_if<network::add_subnet>(&c))
    return j.require("create_subnet", network_target(*n, s->project_id, j.who));
  if (const auto* p = std::get_if<network::create_port>(&c)) return port_create(j, *n, *p);
  // A subnet's or a port's own change comes by its id (subnet_atom, port_atom).
  return make_neutron_error(errc::bad_request, "BadRequest", "Not a command on a network.");
}

verdict on_subnet(const networking_state& st, const judge& j, const std::string& id,
                  const network::command& c) {
  const network_state* n = subnet_seen(st, j, id);
  if (!n) return subnet_not_found(id);
  if (std::holds_alternative<network::update_subnet>(c))
    return j.require("update_subnet", network_target(*n, j.who));
  if (std::holds_alternative<network::remove_subnet>(c))
    return j.require("delete_subnet", network_target(*n, j.who));
  return make_neutron_error(errc::bad_request, "BadRequest", "Not a command on a subnet.");
}

// Ports a router or a floating IP holds go with their owner, never by a
// DELETE of the port (Neutron's prevent_l3_port_deletion): an interface
// deleted that way would take a floating IP's path with it unseen.
verdict service_port_in_use(const networking_state& st, const network::port& p) {
  const bool router_port =
      p.device_owner == "network:router_interface" || p.device_owner == "network:router_gateway";
  const bool floating_port = p.device_owner == "network:floatingip";
  if (!router_port && !floating_port) return std::nullopt;
  const bool owner_exists =
      router_port ? st.routers.count(p.device_id) > 0 : st.floatingips.count(p.device_id) > 0;
  if (!owner_exists) return std::nullopt;
  return make_neutron_error(errc::conflict, "ServicePortInUse",
                            "Port " + p.id +
                                " cannot be deleted directly via the port API: has "
                                "device owner " +
                                p.device_owner + ".");
}

verdict on_port(const networking_state& st, const judge& j, const std::string& id,
                const network::command& c) {
  const network_state* n = port_seen(st, j, id);
  if (!n) return port_not_found(id);
  const target t = network_target(*n, n->find_port(id)->project_id, j.who);
  if (const auto* u = std::get_if<network::update_port>(&c)) {
    // Addresses of one's own choosing and the binding are the network
    // owner's and the admin's, as on create.
    if (u->fixed_ips)
      for (const auto& f : *u->fixed_ips)
        if (!f.ip_address.empty())
          if (auto e = j.require("update_port:fixed_ips:ip_address", t)) return e;
    if (u->binding_host_id)
      if (auto e = j.require("update_port:binding:host_id", t)) return e;
    if (u->port_security_enabled)
      if (auto e = j.require("update_port:port_security_enabled", t)) return e;
    if (u->allowed_address_pairs)
      if (auto e = j.require("update_port:allowed_address_pairs", t)) return e;
    return j.require("update_port", t);
  }
  if (std::holds_alternative<network::delete_port>(c)) {
    if (auto e = j.require("delete_port", t)) return e;
    return service_port_in_use(st, *n->find_port(id));
  }
  return make_neutron_error(errc::bad_request, "BadRequest", "Not a command on a port.");
}

// A network as the caller sees it: `shared` says whether it is shared with
// the caller's project (with it alone, or with every project), as Neutron
// answers each project.
network_state as_seen(network_state n, const caller& who) {
  n.shared = n.shared_with(who.project_id);
  return n;
}

std::vector<network_state> networks_seen(const networking_state& st, const judge& j,
                                         const char* rule) {
  std::vector<network_state> out;
  for (auto& n : in_creation_order(st.networks))
    if (j.allows(rule, network_target(n, j.who))) out.push_back(std::move(n));
  return out;
}

// Every network with a port the caller sees, holding only those ports.
std::vector<network_state> ports_seen(const networking_state& st, const judge& j) {
  std::vector<network_state> out;
  for (auto& n : in_creation_order(st.networks)) {
    for (auto it = n.ports.begin(); it != n.ports.end();)
      if (j.allows("get_port", network_target(n, it->second.project_id, j.who)))
        ++it;
      else
        it = n.ports.erase(it);
    if (!n.ports.empty()) out.push_back(std::move(n));
  }
  return out;
}

// --- security groups ---

const security_group_state* group_seen(const networking_state& st, const judge& j,
                                       const std::string& id, const char* rule) {
  auto it = st.security_groups.find(id);
  if (it == st.security_groups.end() || !it->second.exists() ||
      !j.allows(rule, owner_target(it->second.project_id)))
    return nullptr;
  return &it->second;
}

// The group holding rule `rule_id`, when the caller sees its rules.
const security_group_state* group_of_rule_seen(const networking_state& st, const judge& j,
                                               const std::string& rule_id) {
  for (const auto& [id, g] : st.security_groups)
    if (g.find_rule(rule_id))
      return j.allows("get_security_group_rule", owner_target(g.project_id)) ? &g : nullptr;
  return nullptr;
}

verdict on_group(const networking_state& st, const judge& j, const std::string& id,
                 security_group::command& c) {
  if (const auto* create = std::get_if<security_group::create>(&c))
    return j.require("create_security_group", owner_target(create->project_id));
  const security_group_state* g = group_seen(st, j, id, "get_security_group");
  if (!g) return security_group_not_found(id);
  const target t = owner_target(g->project_id);
  if (std::holds_alternative<security_group::update>(c))
    return j.require("update_security_group", t);
  if (auto* remove = std::get_if<security_group::remove>(&c)) {
    if (auto e = j.require("delete_security_group", t)) return e;
    // Neutron lets an admin remove a project's default group (so that
    // whoever cleans up after a project can); its owner gets a 409.
    remove->force = g->is_default && j.admin();
    return std::nullopt;
  }
  if (auto* rule = std::get_if<security_group::add_rule>(&c)) {
    if (auto e = j.require("create_security_group_rule", t)) return e;
    // A rule belongs to its group's project unless an admin said otherwise.
    if (rule->project_id.empty()) rule->project_id = g->project_id;
    if (!rule->remote_group_id.empty() && rule->remote_group_id != id &&
        !group_seen(st, j, rule->remote_group_id, "get_security_group"))
      return security_group_not_found(rule->remote_group_id);
    return std::nullopt;
  }
  // A rule's removal comes by the rule's id (sg_rule_atom).
  return make_neutron_error(errc::bad_request, "BadRequest", "Not a command on a group.");
}

std::vector<security_group_state> groups_seen(const networking_state& st, const judge& j,
                                              const char* rule) {
  std::vector<security_group_state> out;
  for (auto& g : in_creation_order(st.security_groups))
    if (g.exists() && j.allows(rule, owner_target(g.project_id))) out.push_back(std::move(g));
  return out;
}

// --- routers ---

const router_state* router_seen(const networking_state& st, const judge& j, const std::string& id) {
  auto it = st.routers.find(id);
  if (it == st.routers.end() || !j.allows("get_router", owner_target(it->second.project_id)))
    return nullptr;
  return &it->second;
}

// Which interface of s a request names: by port when given, else by subnet.
std::optional<router::interface> named_interface(const router_state& s,
                                                 const std::string& subnet_id,
                                                 const std::string& port_id) {
  const router::interface* i =
      !port_id.empty() ? s.find_interface_by_port(port_id) : s.find_interface_by_subnet(subnet_id);
  if (!i) return std::nullopt;
  return *i;
}

// What an interface request names must be the caller's to see: the port,
// or the subnet's network.
verdict on_interface_request(const networking_state& st, const judge& j, const router_state& r,
                             const std::string& subnet_id, const std::string& port_id, bool add) {
  const char* rule = add ? "add_router_interface" : "remove_router_interface";
  if (auto e = j.require(rule, owner_target(r.project_id))) return e;
  if (!add) return std::nullopt;
  if (!port_id.empty() && !port_seen(st, j, port_id)) return port_not_found(port_id);
  if (!subnet_id.empty() && !subnet_seen(st, j, subnet_id)) return subnet_not_found(subnet_id);
  return std::nullopt;
}

// enable_snat and external_fixed_ips of a gateway are an admin's to set
// (Neutron's default policy), whatever the value asked.
verdict gateway_mode_refused(const judge& j, const router_change& change, bool create,
                             const std::string& project_id) {
  if (!change.gateway) return std::nullopt;
  const std::string action = create ? "create_router" : "update_router";
  if (change.gateway->enable_snat)
    if (auto e = j.require(action + ":external_gateway_info:enable_snat", owner_target(project_id)))
      return e;
  if (change.gateway->external_fixed_ips)
    if (auto e = j.require(action + ":external_gateway_info:external_fixed_ips",
                           owner_target(project_id)))
      return e;
  return std::nullopt;
}

// Creates router `id`, then sets its gateway; a gateway refused removes
// the router again and answers the refusal, as Neutron does.
void create_router(networking_actor* self, const std::string& id, router_change change,
                   event_metadata meta, caf::typed_response_promise<router_state> promise) {
  const auto gateway = change.gateway.value_or(gateway_request{});
  self->request(me(self), caf::infinite, command_atom::value, id, std::move(change.command), meta)
      .then(
          [self, id, gateway, meta, promise](router_state& s) mutable {
            if (gateway.network_id.empty()) {
              promise.deliver(s);
              return;
            }
            self->request(me(self), caf::infinite, gateway_atom::value, id, gateway, meta)
                .then([promise](router_state& after) mutable { promise.deliver(after); },
                      [self, id, meta, promise](caf::error& refused) mutable {
                        self->request(me(self), caf::infinite, command_atom::value, id,
                                      router::command{router::remove{}}, meta)
                            .then([promise,
                                   refused](router_state&) mutable { promise.deliver(refused); },
                                  [promise, refused](caf::error&) mutable {
                                    promise.deliver(refused);
                                  });
                      });
          },
          [promise](caf::error& e) mutable { promise.deliver(e); });
}

// Replaces router r's extra routes when the change has routes (first, as
// Neutron's extraroute does), then updates it (when the change has a
// field), then sets, changes or clears its gateway when the change has
// external_gateway_info.
void update_router(networking_actor* self, const router_state& r, router_change change,
                   event_metadata meta, caf::typed_response_promise<router_state> promise) {
  const std::string id = r.id;
  const std::optional<gateway_request> gateway = change.gateway;
  auto then = [self, id, gateway, meta, promise](router_state& s) mutable {
    if (!gateway) {
      promise.deliver(s);
      return;
    }
    self->request(me(self), caf::infinite, gateway_atom::value, id, *gateway, meta)
        .then([promise](router_state& after) mutable { promise.deliver(after); },
              [promise](caf::error& e) mutable { promise.deliver(e); });
  };
  const auto& u = std::get<router::update>(change.command);
  const bool fields = u.name || u.admin_state_up || u.description;
  auto update = [self, id, command = std::move(change.command), fields, meta, promise,
                 then](router_state& s) mutable {
    if (!fields) {
      then(s);
      return;
    }
    self->request(me(self), caf::infinite, command_atom::value, id, command, meta)
        .then(then, [promise](caf::error& e) mutable { promise.deliver(e); });
  };
  if (!change.routes) {
    router_state current = r;
    update(current);
    return;
  }
  self->request(me(self), caf::infinite, routes_atom::value, id,
                router::command{router::set_routes{std::move(*change.routes), {}}}, meta)
      .then(update, [promise](caf::error& e) mutable { promise.deliver(e); });
}

// The rule a change of a router's routes is decided by: extraroute-atomic's
// own, or update_router's for a PUT of them.
std::optional<std::string> routes_rule(const router::command& c) {
  if (std::holds_alternative<router::add_routes>(c)) return "add_extraroutes";
  if (std::holds_alternative<router::remove_routes>(c)) return "remove_extraroutes";
  if (std::holds_alternative<router::set_routes>(c)) return "update_router";
  return std::nullopt;
}

// --- bulk creates ---

struct bulk_run {
  std::vector<bulk_create> items;
  std::vector<network_state> made;
  event_metadata meta;
  caller who;
};
using bulk_promise = caf::typed_response_promise<std::vector<network_state>>;

// What takes a created item away again.
network::command undo_of(const network::command& c) {
  if (const auto* s = std::get_if<network::add_subnet>(&c))
    return network::remove_subnet{s->subnet_id};
  if (const auto* p = std::get_if<network::create_port>(&c))
    return network::delete_port{p->port_id};
  return network::remove{};
}

// Removes the first `count` items made, last first, then answers `refused`.
// An undo that fails is logged: the refusal is still the answer.
void bulk_undo(networking_actor* self, std::shared_ptr<bulk_run> run, std::size_t count,
               caf::error refused, bulk_promise promise) {
  if (count == 0) {
    promise.deliver(refused);
    return;
  }
  const auto& item = run->items[count - 1];
  self->request(me(self), caf::infinite, command_atom::value, item.id, undo_of(item.command),
                run->meta)
      .then([self, run, count, refused, promise](
                network_state&) mutable { bulk_undo(self, run, count - 1, refused, promise); },
            [self, run, count, refused, promise](caf::error& e) mutable {
              spdlog::warn("networking: a bulk create could not undo item {}: {}", count - 1,
                           from_caf_error(e).message);
              bulk_undo(self, run, count - 1, refused, promise);
            });
}

// Creates item `next` as its own request would (the caller's rules
// included), then the next one.
void bulk_step(networking_actor* self, std::shared_ptr<bulk_run> run, bulk_promise promise) {
  const std::size_t next = run->made.size();
  if (next == run->items.size()) {
    promise.deliver(run->made);
    return;
  }
  const auto& item = run->items[next];
  self->request(me(self), caf::infinite, command_atom::value, item.id, item.command, run->meta,
                run->who)
      .then(
          [self, run, promise](network_state& s) mutable {
            run->made.push_back(s);
            bulk_step(self, run, promise);
          },
          [self, run, next, promise](caf::error& e) mutable {
            bulk_undo(self, run, next, e, promise);
          });
}

// --- floating IPs ---

const floatingip_state* floatingip_seen(const networking_state& st, const judge& j,
                                        const std::string& id) {
  auto it = st.floatingips.find(id);
  if (it == st.floatingips.end() ||
      !j.allows("get_floatingip", owner_target(it->second.project_id)))
    return nullptr;
  return &it->second;
}

template <class State>
std::vector<State> seen(const std::unordered_map<std::string, State>& index, const judge& j,
                        const char* rule) {
  std::vector<State> out;
  for (auto& s : in_creation_order(index))
    if (j.allows(rule, owner_target(s.project_id))) out.push_back(std::move(s));
  return out;
}

template <class T>
caf::result<T> refuse(const domain_error& e) {
  return to_caf_error(e);
}

}  // namespace

caf::message_handler gate(networking_actor* self, std::shared_ptr<const policy> rules) {
  // Each handler's judge: the door's rules and the request's caller.
  auto judge_of = [rules](const caller& who) { return judge{*rules, who}; };
  return {
      // --- networks, subnets, ports ---
      [self, judge_of](command_atom, const std::string& id, network::command& c, event_metadata& m,
                       const caller& who) -> caf::result<network_state> {
        const judge j = judge_of(who);
        if (auto e = on_network(self->state, j, id, c)) return refuse<network_state>(*e);
        if (auto e = subnet_pool_seen(self->state, j.rules, who, c))
          return refuse<network_state>(*e);
        return on_network_command(self, id, c, m);
      },
      [self](bulk_atom, std::vector<bulk_create>& items, event_metadata& m,
             const caller& who) -> caf::result<std::vector<network_state>> {
        auto promise = self->make_response_promise<std::vector<network_state>>();
        bulk_step(self, std::make_shared<bulk_run>(bulk_run{std::move(items), {}, m, who}),
                  promise);
        return promise;
      },
      [self, judge_of](command_atom, subnet_atom, const std::string& id, network::command& c,
                       event_metadata& m, const caller& who) -> caf::result<network_state> {
        if (auto e = on_subnet(self->state, judge_of(who), id, c)) return refuse<network_state>(*e);
        return on_network_command(self, self->state.network_of_subnet.at(id), c, m);
      },
      [self, judge_of](command_atom, port_atom, const std::string& id, network::command& c,
                       event_metadata& m, const caller& who) -> caf::result<network_state> {
        if (auto e = on_port(self->state, judge_of(who), id, c)) return refuse<network_state>(*e);
        return on_network_command(self, self->state.network_of_port.at(id), c, m);
      },
      [self, judge_of](caf::get_atom, network_atom, const std::string& id,
                       const caller& who) -> caf::result<network_state> {
        if (const auto* n = network_seen(self->state, judge_of(who), id, "get_network"))
          return as_seen(*n, who);
        return refuse<network_state>(network_not_found(id));
      },
      [self, judge_of](caf::get_atom, subnet_atom, const std::string& id,
                       const caller& who) -> caf::result<network_state> {
        if (const auto* n = subnet_seen(self->state, judge_of(who), id)) return *n;
        return refuse<network_state>(subnet_not_found(id));
      },
      [self, judge_of](caf::get_atom, port_atom, const std::string& id,
                       const caller& who) -> caf::result<network_state> {
        if (const auto* n = port_seen(self->state, judge_of(who), id)) return *n;
        return refuse<network_state>(port_not_found(id));
      },
      [self, judge_of](list_atom, network_atom, const caller& who) {
        auto out = networks_seen(self->state, judge_of(who), "get_network");
        for (auto& n : out) n = as_seen(std::move(n), who);
        return out;
      },
      [self, judge_of](list_atom, subnet_atom, const caller& who) {
        return networks_seen(self->state, judge_of(who), "get_subnet");
      },
      [self, judge_of](list_atom, port_atom, const caller& who) {
        return ports_seen(self->state, judge_of(who));
      },

      // --- security groups and their rules ---
      [self, judge_of](command_atom, const std::string& id, security_group::command& c,
                       event_metadata& m, const caller& who) -> caf::result<security_group_state> {
        if (auto e = on_group(self->state, judge_of(who), id, c))
          return refuse<security_group_state>(*e);
        return on_security_group(self, id, c, m);
      },
      [self, judge_of](command_atom, sg_rule_atom, const std::string& rule_id, event_metadata& m,
                       const caller& who) -> caf::result<security_group_state> {
        const judge j = judge_of(who);
        const auto* g = group_of_rule_seen(self->state, j, rule_id);
        if (!g) return refuse<security_group_state>(security_group_rule_not_found(rule_id));
        if (auto e = j.require("delete_security_group_rule", owner_target(g->project_id)))
          return refuse<security_group_state>(*e);
        security_group::command c{security_group::remove_rule{rule_id}};
        return on_security_group(self, g->id, c, m);
      },
      [self, judge_of](caf::get_atom, security_group_atom, const std::string& id,
                       const caller& who) -> caf::result<security_group_state> {
        if (const auto* g = group_seen(self->state, judge_of(who), id, "get_security_group"))
          return *g;
        return refuse<security_group_state>(security_group_not_found(id));
      },
      [self, judge_of](caf::get_atom, sg_rule_atom, const std::string& rule_id,
                       const caller& who) -> caf::result<security_group_state> {
        if (const auto* g = group_of_rule_seen(self->state, judge_of(who), rule_id)) return *g;
        return refuse<security_group_state>(security_group_rule_not_found(rule_id));
      },
      [self, judge_of](list_atom, security_group_atom, event_metadata& m,
                       const caller& who) -> caf::result<std::vector<security_group_state>> {
        if (who.project_id.empty())
          return groups_seen(self->state, judge_of(who), "get_security_group");
        auto promise = self->make_response_promise<std::vector<security_group_state>>();
        with_default_group(
            self, who.project_id, m,
            [self, judge_of, who, promise](outcome<security_group_state> g) mutable {
              if (!g) {
                promise.deliver(to_caf_error(g.error()));
                return;
              }
              promise.deliver(groups_seen(self->state, judge_of(who), "get_security_group"));
            });
        return promise;
      },
      [self, judge_of](list_atom, sg_rule_atom, const caller& who) {
        return groups_seen(self->state, judge_of(who), "get_security_group_rule");
      },

      // --- routers ---
      [self, judge_of](command_atom, const std::string& id, router_change& change,
                       event_metadata& m, const caller& who) -> caf::result<router_state> {
        const judge j = judge_of(who);
        // A gateway on a network the caller does not see is on no network.
        const auto gateway = change.gateway ? change.gateway->network_id : "";
        const bool gateway_unseen =
            !gateway.empty() && !network_seen(self->state, j, gateway, "get_network");
        // A promise made takes the answer over: made only once nothing is refused.
        if (const auto* create = std::get_if<router::create>(&change.command)) {
          if (auto e = j.require("create_router", owner_target(create->project_id)))
            return refuse<router_state>(*e);
          if (auto e = gateway_mode_refused(j, change, true, create->project_id))
            return refuse<router_state>(*e);
          if (gateway_unseen) return refuse<router_state>(network_not_found(gateway));
          auto promise = self->make_response_promise<router_state>();
          create_router(self, id, std::move(change), std::move(m), promise);
          return promise;
        }
        const router_state* r = router_seen(self->state, j, id);
        if (!r) return refuse<router_state>(router_not_found(id));
        const bool remove = std::holds_alternative<router::remove>(change.command);
        if (auto e =
                j.require(remove ? "delete_router" : "update_router", owner_target(r->project_id)))
          return refuse<router_state>(*e);
        if (remove) return on_router(self, id, change.command, m);
        if (!std::holds_alternative<router::update>(change.command))
          return refuse<router_state>(
              make_neutron_error(errc::bad_request, "BadRequest", "Not a change of a router."));
        if (auto e = gateway_mode_refused(j, change, false, r->project_id))
          return refuse<router_state>(*e);
        if (gateway_unseen) return refuse<router_state>(network_not_found(gateway));
        auto promise = self->make_response_promise<router_state>();
        update_router(self, *r, std::move(change), std::move(m), promise);
        return promise;
      },
      [self, judge_of](interface_atom, const std::string& router_id, const std::string& subnet_id,
                       const std::string& port_id, bool add, event_metadata& m,
                       const caller& who) -> caf::result<router_interface_change> {
        const judge j = judge_of(who);
        const router_state* r = router_seen(self->state, j, router_id);
        if (!r) return refuse<router_interface_change>(router_not_found(router_id));
        if (auto e = on_interface_request(self->state, j, *r, subnet_id, port_id, add))
          return refuse<router_interface_change>(*e);
        // What a removal names, as it was: the answer shows the interface gone.
        const auto before = named_interface(*r, subnet_id, port_id);
        auto promise = self->make_response_promise<router_interface_change>();
        self->request(me(self), caf::infinite, interface_atom::value, router_id, subnet_id, port_id,
                      add, m)
            .then(
                [promise, subnet_id, port_id, add, before](router_state& s) mutable {
                  auto i = add ? named_interface(s, subnet_id, port_id) : before;
                  promise.deliver(router_interface_change{
                      s, i.value_or(router::interface{port_id, subnet_id, ""})});
                },
                [promise](caf::error& e) mutable { promise.deliver(e); });
        return promise;
      },
      [self, judge_of](routes_atom, const std::string& router_id, router::command& c,
                       event_metadata& m, const caller& who) -> caf::result<router_state> {
        const judge j = judge_of(who);
        const router_state* r = router_seen(self->state, j, router_id);
        if (!r) return refuse<router_state>(router_not_found(router_id));
        const auto rule = routes_rule(c);
        if (!rule)
          return refuse<router_state>(
              make_neutron_error(errc::bad_request, "BadRequest", "Not a change of routes."));
        if (auto e = j.require(*rule, owner_target(r->project_id))) return refuse<router_state>(*e);
        auto promise = self->make_response_promise<router_state>();
        self->request(me(self), caf::infinite, routes_atom::value, router_id, std::move(c), m)
            .then([promise](router_state& s) mutable { promise.deliver(s); },
                  [promise](caf::error& e) mutable { promise.deliver(e); });
        return promise;
      },
      [self, judge_of](caf::get_atom, router_atom, const std::string& id,
                       const caller& who) -> caf::result<router_state> {
        if (const auto* r = router_seen(self->state, judge_of(who), id)) return *r;
        return refuse<router_state>(router_not_found(id));
      },
      [self, judge_of](list_atom, router_atom, const caller& who) {
        return seen(self->state.routers, judge_of(who), "get_router");
      },

      // --- floating IPs ---
      [self, judge_of](command_atom, floatingip_request& req, event_metadata& m,
                       const caller& who) -> caf::result<floatingip_state> {
        const judge j = judge_of(who);
        if (auto e = j.require("create_floatingip", owner_target(req.project_id)))
          return refuse<floatingip_state>(*e);
        if (!network_seen(self->state, j, req.floating_network_id, "get_network"))
          return refuse<floatingip_state>(network_not_found(req.floating_network_id));
        if (!req.port_id.empty() && !port_seen(self->state, j, req.port_id))
          return refuse<floatingip_state>(port_not_found(req.port_id));
        return on_floatingip_create(self, req, m);
      },
      [self, judge_of](associate_atom, const std::string& id, const std::string& port_id,
                       const std::string& fixed_ip, event_metadata& m,
                       const caller& who) -> caf::result<floatingip_state> {
        const judge j = judge_of(who);
        const auto* f = floatingip_seen(self->state, j, id);
        if (!f) return refuse<floatingip_state>(floatingip_not_found(id));
        if (auto e = j.require("update_floatingip", owner_target(f->project_id)))
          return refuse<floatingip_state>(*e);
        if (!port_id.empty() && !port_seen(self->state, j, port_id))
          return refuse<floatingip_state>(port_not_found(port_id));
        return on_associate(self, id, port_id, fixed_ip, m);
      },
      [self, judge_of](command_atom, const std::string& id, floatingip::command& c,
                       event_metadata& m, const caller& who) -> caf::result<floatingip_state> {
        const judge j = judge_of(who);
        const auto* f = floatingip_seen(self->state, j, id);
        if (!f) return refuse<floatingip_state>(floatingip_not_found(id));
        const bool remove = std::holds_alternative<floatingip::remove>(c);
        if (auto e = j.require(remove ? "delete_floatingip" : "update_floatingip",
                               owner_target(f->project_id)))
          return refuse<floatingip_state>(*e);
        return on_floatingip(self, id, c, m);
      },
      [self, judge_of](caf::get_atom, floatingip_atom, const std::string& id,
                       const caller& who) -> caf::result<floatingip_state> {
        if (const auto* f = floatingip_seen(self->state, judge_of(who), id)) return *f;
        return refuse<floatingip_state>(floatingip_not_found(id));
      },
      [self, judge_of](list_atom, floatingip_atom, const caller& who) {
        return seen(self->state.floatingips, judge_of(who), "get_floatingip");
      },

      // --- quotas: a project's own may be read by it; the rest is an admin's ---
      [self, judge_of](caf::get_atom, quota_atom, const std::string& project,
                       const caller& who) -> caf::result<quota_set> {
        if (!judge_of(who).allows("get_quota", owner_target(project)))
          return refuse<quota_set>(
              admin_required("Only admin is authorized to access quotas for another tenant"));
        return self->state.quotas_of(project);
      },
      [self, judge_of](caf::get_atom, quota_atom, details_atom, const std::string& project,
                       const caller& who) -> caf::result<quota_usage> {
        if (!judge_of(who).allows("get_quota", owner_target(project)))
          return refuse<quota_usage>(
              admin_required("Only admin is authorized to access quotas for another tenant"));
        const auto& st = self->state;
        quota_usage u{st.quotas_of(project), {}, {}};
        for (const auto& resource : quota_resources()) {
          u.used[resource] = st.in_use(resource, project);
          auto p = st.pending.find({resource, project});
          u.reserved[resource] = p == st.pending.end() ? 0 : p->second;
        }
        return u;
      },
      [self, judge_of](list_atom, quota_atom,
                       const caller& who) -> caf::result<std::vector<quota_state>> {
        if (!judge_of(who).allows("get_quota", owner_target("")))
          return refuse<std::vector<quota_state>>(
              admin_required("Only admin can view or configure quota"));
        std::vector<quota_state> out;
        // The projects an admin gave other limits than the defaults.
        for (auto& q : in_creation_order(self->state.quotas))
          if (q.exists() && !(q.limits == quota_set{})) out.push_back(std::move(q));
        return out;
      },
      [self, judge_of](quota_atom, const std::string& project, quota::command& c, event_metadata& m,
                       const caller& who) -> caf::result<quota_set> {
        const char* rule =
            std::holds_alternative<quota::reset>(c) ? "delete_quota" : "update_quota";
        if (!judge_of(who).allows(rule, owner_target(project)))
          return refuse<quota_set>(admin_required("Only admin can view or configure quota"));
        return on_quota(self, project, c, m);
      },
  };
}

}  // namespace cumulo::networking_detail
