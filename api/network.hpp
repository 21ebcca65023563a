// The network service (Neutron v2.0) at /networking: version discovery and
// extensions (network.cpp), networks (network_networks.cpp), subnets
// (network_subnets.cpp), ports (network_ports.cpp), security groups and
// their rules (network_security_groups.cpp), routers (network_routers.cpp),
// floating IPs (network_floatingips.cpp), quotas (network_quotas.cpp). Handlers ask the
// networking actor (actors/networking.hpp) and answer from its reply.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "actors/identity.hpp"
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

// Neutron's rules (engine/policy.cpp: get_network, update_port:fixed_ips,
// ...) decide who sees and changes what, through the policy engine as
// Nova's and Keystone's do. These build the targets they read.
// A resource of a project: its tenant_id.
target owner_target(const std::string& project_id);
// A network, or a subnet or port of it (project_id: the resource's owner):
// tenant_id, network:tenant_id, networks:shared, networks:router:external.
target network_target(const network_state& n, const std::string& project_id);
target network_target(const network_state& n);
// Whether `rule` allows the caller on `tg` (nothing answered).
bool allows(const server_context& ctx, const token_info& t, const std::string& rule,
            const target& tg);
// get_network: an admin sees every network; anyone else its project's, and
// shared or external ones.
bool network_visible(const server_context& ctx, const network_state& n, const token_info& t);
// A resource of project_id that `rule` (get_port, get_router, ...) lets the caller see.
bool visible(const server_context& ctx, const std::string& rule, const std::string& project_id,
             const token_info& t);

// The project a new resource belongs to: the body's project_id (or
// tenant_id), which only an admin may set to another project than the
// token's. Nothing once a 400 is answered (Neutron's words).
std::optional<std::string> project_for_create(responder& r, const nlohmann::json& object,
                                              const token_info& t);

// 404 in Neutron's words for what the caller may not see.
void respond_network_not_found(responder& r, const std::string& id);

}  // namespace cumulo::api
