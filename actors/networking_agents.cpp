// Neutron's agents and availability zones at the networking door
// (actors/networking_agents.hpp). The network host plays Neutron's DHCP,
// L3 and metadata agents: each role is an agent stream, registered when
// the host reports with that role missing (as an agent's first report
// registers it in Neutron). The host reports when its agents or zones are
// asked about (a cloud nobody asks records no agent): an agent is alive
// while its host answers and has its libvirt connection; the answer's
// time is the heartbeat.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <tuple>

#include "actors/networking_internal.hpp"
#include "store/ids.hpp"
#include "store/wall_clock.hpp"

namespace cumulo::networking_detail {
namespace {

// How long a host has to say how it is before its agents count as dead.
constexpr std::chrono::seconds health_timeout{5};

// The network host's roles, as Neutron's agents of those binaries.
struct role {
  const char* agent_type;
  const char* binary;
  const char* topic;
  const char* zone;  // "": none (Neutron's metadata agent has no zone)
};
constexpr role roles[] = {
    {"DHCP agent", "neutron-dhcp-agent", "dhcp_agent", "nova"},
    {"L3 agent", "neutron-l3-agent", "l3_agent", "nova"},
    {"Metadata agent", "neutron-metadata-agent", "N/A", ""},
};

constexpr const char* dhcp_agent = "DHCP agent";
constexpr const char* l3_agent = "L3 agent";

domain_error agent_not_found(const std::string& id) {
  return make_neutron_error(errc::not_found, "AgentNotFound",
                            "Agent " + id + " could not be found.");
}

bool has_agent(const networking_state& st, const std::string& binary, const std::string& host) {
  for (const auto& [_, a] : st.agents)
    if (a.exists() && a.binary == binary && a.host == host) return true;
  return false;
}

// Calls the waiters once the roles are registered (or failed to be).
void agents_registered(networking_actor* self) {
  auto& st = self->state;
  st.registering_agents = false;
  auto waiting = std::move(st.agent_waiters);
  st.agent_waiters.clear();
  for (auto& w : waiting) w();
}

// Registers the roles host h has no agent for, then calls `done`. One
// registration at a time: callers meanwhile wait for it.
void register_roles(networking_actor* self, const network_host_health& h,
                    std::function<void()> done) {
  auto& st = self->state;
  st.agent_waiters.push_back(std::move(done));
  if (st.registering_agents) return;
  std::vector<agent::register_agent> missing;
  for (const auto& r : roles)
    if (!has_agent(st, r.binary, h.host))
      missing.push_back({r.agent_type, r.binary, h.host, r.topic, r.zone});
  if (missing.empty()) return agents_registered(self);
  st.registering_agents = true;
  auto left = std::make_shared<std::size_t>(missing.size());
  auto one_done = [self, left] {
    if (--*left == 0) agents_registered(self);
  };
  for (auto& m : missing) {
    const std::string binary = m.binary;
    resource_command<agent_state>(
        self, new_uuid(), agent::command{std::move(m)},
        event_metadata{"req-agent-report", "cumulo"}, [one_done](agent_state&) { one_done(); },
        [one_done, binary](const caf::error& e) {
          spdlog::error("networking: agent {} not registered: {}", binary,
                        from_caf_error(e).message);
          one_done();
        });
  }
}

// Asks the network host how it is, registers its missing roles, then calls
// k with its answer (nothing: no host, or no answer in time).
void with_host(networking_actor* self, std::function<void(std::optional<network_host_health>)> k) {
  auto& st = self->state;
  if (!st.network_host) return k(std::nullopt);
  self->request(st.network_host, health_timeout, caf::get_atom::value, health_atom::value)
      .then(
          [self, k](network_host_health& h) {
            self->state.hosts_heard[h.host] = h;
            self->state.heartbeats_us[h.host] = now_us();
            register_roles(self, h, [k, h] { k(h); });
          },
          [k](caf::error& e) {
            spdlog::warn("networking: the network host did not say how it is: {}",
                         from_caf_error(e).message);
            k(std::nullopt);
          });
}

// What an agent serves now, from the door's index: a DHCP agent every
// network with a DHCP subnet, an L3 agent every router.
std::map<std::string, std::int64_t> load_of(const networking_state& st, const agent_state& a) {
  std::map<std::string, std::int64_t> load;
  if (a.agent_type == dhcp_agent) {
    std::int64_t networks = 0, subnets = 0, ports = 0;
    for (const auto& [_, n] : st.networks) {
      std::int64_t dhcp = 0;
      for (const auto& s : n.subnets) dhcp += s.enable_dhcp;
      if (dhcp == 0) continue;
      ++networks;
      subnets += dhcp;
      ports += static_cast<std::int64_t>(n.ports.size());
    }
    load = {{"networks", networks}, {"subnets", subnets}, {"ports", ports}};
  } else if (a.agent_type == l3_agent) {
    std::int64_t routers = 0, interfaces = 0, gateways = 0, floating = 0;
    for (const auto& [_, r] : st.routers) {
      ++routers;
      interfaces += static_cast<std::int64_t>(r.interfaces.size());
      gateways += r.gateway.has_value();
    }
    for (const auto& [_, f] : st.floatingips) floating += f.associated();
    load = {{"routers", routers},
            {"interfaces", interfaces},
            {"floating_ips", floating},
            {"ex_gw_ports", gateways}};
  }
  return load;
}

agent_view view_of(const networking_state& st, const agent_state& a,
                   const std::optional<network_host_health>& now) {
  agent_view v{a, false, 0, 0, load_of(st, a)};
  v.alive = now && now->host == a.host && now->libvirt;
  if (auto it = st.heartbeats_us.find(a.host); it != st.heartbeats_us.end())
    v.heartbeat_at_us = it->second;
  if (auto it = st.hosts_heard.find(a.host); it != st.hosts_heard.end())
    v.started_at_us = it->second.started_at_us;
  return v;
}

std::vector<agent_view> views_of(const networking_state& st, const std::string& agent_type,
                                 const std::optional<network_host_health>& now) {
  std::vector<agent_view> out;
  for (const auto& a : in_creation_order(st.agents))
    if (agent_type.empty() || a.agent_type == agent_type) out.push_back(view_of(st, a, now));
  return out;
}

// A zone per resource its agents serve, available while one of them is up
// (Neutron's availability zones come from its agents so).
std::vector<availability_zone_view> zones_of(const networking_state& st) {
  std::vector<availability_zone_view> out;
  for (const auto& a : in_creation_order(st.agents)) {
    if (a.availability_zone.empty()) continue;
    const char* resource = a.agent_type == dhcp_agent ? "network"
                           : a.agent_type == l3_agent ? "router"
                                                      : nullptr;
    if (!resource) continue;
    auto it = std::find_if(out.begin(), out.end(), [&](const availability_zone_view& z) {
      return z.name == a.availability_zone && z.resource == resource;
    });
    if (it == out.end()) {
      out.push_back(availability_zone_view{a.availability_zone, resource, false});
      it = std::prev(out.end());
    }
    it->available = it->available || a.admin_state_up;
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.name, a.resource) < std::tie(b.name, b.resource);
  });
  return out;
}

}  // namespace

caf::message_handler agents_gate(networking_actor* self, std::shared_ptr<const policy> rules) {
  auto allowed = [rules](const std::string& rule, const caller& who) {
    return rules->allowed(rule, who, target{});
  };
  // Answers with the agents of one type hosting a resource the caller may
  // ask about (an admin's rule), once the host said how it is; a resource
  // they do not serve has none.
  auto hosting = [self, allowed](const char* rule, const char* agent_type, const caller& who,
                                 std::optional<domain_error> missing,
                                 bool served) -> caf::result<std::vector<agent_view>> {
    if (!allowed(rule, who)) return to_caf_error(forbidden(rule));
    if (missing) return to_caf_error(*missing);
    if (!served) return std::vector<agent_view>{};
    auto promise = self->make_response_promise<std::vector<agent_view>>();
    const std::string type = agent_type;
    with_host(self, [self, promise, type](std::optional<network_host_health> now) mutable {
      promise.deliver(views_of(self->state, type, now));
    });
    return promise;
  };
  return {
      // Anyone else than an admin sees no agent (Neutron filters them out).
      [self, allowed](list_atom, agent_atom,
                      const caller& who) -> caf::result<std::vector<agent_view>> {
        if (!allowed("get_agent", who)) return std::vector<agent_view>{};
        auto promise = self->make_response_promise<std::vector<agent_view>>();
        with_host(self, [self, promise](std::optional<network_host_health> now) mutable {
          promise.deliver(views_of(self->state, "", now));
        });
        return promise;
      },
      [self, allowed](caf::get_atom, agent_atom, const std::string& id,
                      const caller& who) -> caf::result<agent_view> {
        if (!allowed("get_agent", who) || !self->state.agents.count(id))
          return to_caf_error(agent_not_found(id));
        auto promise = self->make_response_promise<agent_view>();
        with_host(self, [self, promise, id](std::optional<network_host_health> now) mutable {
          auto it = self->state.agents.find(id);
          if (it == self->state.agents.end())
            promise.deliver(to_caf_error(agent_not_found(id)));
          else
            promise.deliver(view_of(self->state, it->second, now));
        });
        return promise;
      },
      // An update, or a delete: Neutron deletes any agent, and one whose
      // host still reports is registered again (a new id) at its next report.
      [self, allowed](command_atom, const std::string& id, agent::command& c, event_metadata& m,
                      const caller& who) -> caf::result<agent_view> {
        if (!allowed("get_agent", who) || !self->state.agents.count(id))
          return to_caf_error(agent_not_found(id));
        const char* rule =
            std::holds_alternative<agent::remove>(c) ? "delete_agent" : "update_agent";
        if (!allowed(rule, who)) return to_caf_error(forbidden(rule));
        if (std::holds_alternative<agent::register_agent>(c))
          return to_caf_error(make_neutron_error(errc::bad_request, "BadRequest",
                                                 "Agents are registered by their hosts."));
        auto promise = self->make_response_promise<agent_view>();
        resource_command<agent_state>(
            self, id, std::move(c), std::move(m),
            [self, promise](agent_state& a) mutable {
              if (a.deleted) {
                promise.deliver(agent_view{a, false, 0, 0, {}});
                return;
              }
              const agent_state after = a;
              with_host(self,
                        [self, promise, after](std::optional<network_host_health> now) mutable {
                          promise.deliver(view_of(self->state, after, now));
                        });
            },
            fail_to(promise));
        return promise;
      },
      // A network is a DHCP agent's while it has a subnet with DHCP.
      [self, hosting](list_atom, agent_atom, network_atom, const std::string& network_id,
                      const caller& who) {
        auto it = self->state.networks.find(network_id);
        if (it == self->state.networks.end())
          return hosting("get_dhcp-agents", dhcp_agent, who,
                         not_found("NetworkNotFound", "Network", network_id), false);
        const auto& subnets = it->second.subnets;
        const bool dhcp = std::any_of(subnets.begin(), subnets.end(),
                                      [](const network::subnet& s) { return s.enable_dhcp; });
        return hosting("get_dhcp-agents", dhcp_agent, who, std::nullopt, dhcp);
      },
      [self, hosting](list_atom, agent_atom, router_atom, const std::string& router_id,
                      const caller& who) {
        const bool exists = self->state.routers.count(router_id) > 0;
        return hosting("get_l3-agents", l3_agent, who,
                       exists ? std::nullopt : std::optional(router_not_found(router_id)), true);
      },
      [self, allowed](list_atom, zone_atom,
                      const caller& who) -> caf::result<std::vector<availability_zone_view>> {
        if (!allowed("get_availability_zone", who))
          return to_caf_error(forbidden("get_availability_zone"));
        auto promise = self->make_response_promise<std::vector<availability_zone_view>>();
        with_host(self, [self, promise](std::optional<network_host_health>) mutable {
          promise.deliver(zones_of(self->state));
        });
        return promise;
      },
  };
}

}  // namespace cumulo::networking_detail
