// The network service (Neutron v2.0) at /networking: version discovery and
// extensions (network.cpp), networks (network_networks.cpp), subnets
// (network_subnets.cpp), ports (network_ports.cpp), security groups and
// their rules (network_security_groups.cpp), routers (network_routers.cpp),
// floating IPs (network_floatingips.cpp), quotas (network_quotas.cpp), IP
// availability (network_ip_availability.cpp), subnet pools
// (network_subnetpools.cpp), address scopes (network_address_scopes.cpp),
// RBAC policies (network_rbac.cpp), the tags of all of them
// (network_tags.cpp), agents and availability zones (network_agents.cpp).
// Handlers ask the networking actor (actors/networking.hpp) and answer
// from its reply.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "actors/identity.hpp"
#include "actors/networking.hpp"
#include "api/network_views.hpp"
#include "api/responder.hpp"
#include "api/server_context.hpp"

namespace Pistache::Rest {
class Router;
}

namespace cumulo::api {

void add_network_routes(Pistache::Rest::Router& router, server_context& ctx);
void add_networks_routes(Pistache::Rest::Router& router, server_context& ctx);
void add_subnet_routes(Pistache::Rest::Router& router, server_context& ctx);
void add_port_routes(Pistache::Rest::Router& router, server_context& ctx);
void add_security_group_routes(Pistache::Rest::Router& router, server_context& ctx);
void add_router_routes(Pistache::Rest::Router& router, server_context& ctx);
void add_floatingip_routes(Pistache::Rest::Router& router, server_context& ctx);
void add_quota_routes(Pistache::Rest::Router& router, server_context& ctx);
void add_ip_availability_routes(Pistache::Rest::Router& router, server_context& ctx);
void add_subnetpool_routes(Pistache::Rest::Router& router, server_context& ctx);
void add_address_scope_routes(Pistache::Rest::Router& router, server_context& ctx);
void add_rbac_routes(Pistache::Rest::Router& router, server_context& ctx);
void add_tag_routes(Pistache::Rest::Router& router, server_context& ctx);
void add_agent_routes(Pistache::Rest::Router& router, server_context& ctx);

// A body's fixed_ips (a port's, a router gateway's external_fixed_ips):
// each by subnet_id and/or ip_address; the schema made each an object.
std::vector<network::fixed_ip> fixed_ips_of(const nlohmann::json& list);

// The tags a create's body gives its resource (none without "tags"); the
// door checks them (engine/tagging.hpp).
std::vector<std::string> tags_of_create(const nlohmann::json& object);

// Handlers parse, ask the networking door one question with the caller
// (t.creds(): its token's credentials) and render: the door decides with
// Neutron's rules (engine/policy.cpp) what the caller sees and may do
// (actors/networking.hpp).

// Answers a list: 200 {key: [...]} with what `each(state, add)` adds of
// every state the door answered (one item or several: a network's
// subnets), each item kept when the list's filters match it.
template <class State, class Each>
auto answer_list(std::string key, list_query q, Each each) {
  return [key = std::move(key), q = std::move(q), each](responder& r, std::vector<State>& seen) {
    nlohmann::json items = nlohmann::json::array();
    auto add = [&](nlohmann::json j) {
      if (q.match(j)) items.push_back(std::move(j));
    };
    for (const auto& s : seen) each(s, add);
    respond(r, 200, {{key, std::move(items)}});
  };
}

// Neutron's bulk create ({"networks": [...]}, subnets, ports): each item
// made into a create by `parse` (nothing once a 4xx is answered), all asked
// of the door at once (all or nothing: actors/networking.hpp's bulk_atom),
// answered 201 {key: [each created item as `render` shows it]}.
using bulk_parse =
    std::function<std::optional<bulk_create>(responder&, const nlohmann::json&, const token_info&)>;
using bulk_render =
    std::function<nlohmann::json(const network_state&, const bulk_create&, bool admin)>;
void create_in_bulk(server_context& ctx, std::shared_ptr<responder> r, const token_info& t,
                    const nlohmann::json& items, const std::string& key, const bulk_parse& parse,
                    bulk_render render);

// The project a new resource belongs to: the body's project_id (or
// tenant_id), which only an admin may set to another project than the
// token's. Nothing once a 400 is answered (Neutron's words).
std::optional<std::string> project_for_create(responder& r, const nlohmann::json& object,
                                              const token_info& t);

}  // namespace cumulo::api
