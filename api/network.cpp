#include "api/network.hpp"

#include "api/auth.hpp"
#include "api/identity_views.hpp"
#include "api/routing.hpp"

// Pistache last: its headers define generic macros (NAME, TRY, ...).
#include <pistache/router.h>

namespace cumulo::api {
namespace {

using Pistache::Rest::Request;

// The extensions cumulo implements, as `GET /v2.0/extensions` lists them
// (the SDK and tempest check aliases before using a feature).
struct extension {
  const char* alias;
  const char* name;
  const char* description;
};
constexpr extension extensions[] = {
    {"external-net", "Neutron external network",
     "Adds external network attribute to network resource."},
    {"network-mtu", "Network MTU", "Provides MTU attribute for a network resource."},
    {"standard-attr-description", "standard-attr-description",
     "Extension to add descriptions to standard attributes"},
    {"standard-attr-timestamp", "Resource timestamps",
     "Adds created_at and updated_at fields to all Neutron resources that have Neutron standard "
     "attributes."},
    {"standard-attr-revisions", "Resource revision numbers",
     "This extension will display the revision number of neutron resources."},
    {"project-id", "project_id field enabled",
     "Extension that indicates that project_id field is enabled."},
    {"port-security", "Port Security", "Provides port security"},
    {"binding", "Port Binding", "Expose port bindings of a virtual port to external application"},
    {"security-group", "security-group", "The security groups extension."},
    {"router", "Neutron L3 Router",
     "Router abstraction for basic L3 forwarding between L2 Neutron networks and access to "
     "external networks via a NAT gateway."},
    {"ext-gw-mode", "Neutron L3 Configurable external gateway mode",
     "Extension of the router abstraction for specifying whether SNAT should occur on the "
     "external gateway"},
    {"extraroute", "Neutron Extra Route", "Extra routes configuration for L3 router"},
    {"extraroute-atomic", "Atomically add/remove extra routes",
     "Edit extra routes of a router on server side by atomically adding/removing extra routes"},
    {"quotas", "Quota management support", "Expose functions for quotas management per tenant"},
    {"network-ip-availability", "Network IP Availability",
     "Provides IP availability data for each network and subnet."},
    {"subnet_allocation", "Subnet Allocation", "Enables allocation of subnets from a subnet pool"},
    {"address-scope", "Address scope", "Address scopes extension."},
    {"default-subnetpools", "Default Subnetpools",
     "Provides ability to mark and use a subnetpool "
     "as the default."},
    {"subnetpool-prefix-ops", "Subnet Pool Prefix Operations",
     "Provides support for adjusting the prefix list of subnet pools"},
    {"rbac-policies", "RBAC Policies",
     "Allows creation and modification of policies that control tenant access to resources."},
    {"allowed-address-pairs", "Allowed Address Pairs", "Provides allowed address pairs"},
    {"extra_dhcp_opt", "Neutron Extra DHCP options",
     "Extra options configuration for DHCP. For example PXE boot options to DHCP clients can be "
     "specified (e.g. tftp-server, server-ip-address, bootfile-name)"},
    {"quota_details", "Quota details management support",
     "Expose functions for quotas usage statistics per project"},
    {"standard-attr-tag", "Tag support for resources with standard attribute",
     "Enables to set tag on resources with standard attribute."},
    {"tag-creation", "Tag creation extension",
     "Allow to create multiple tags using POST; resources accept tags when created."},
    {"tag-ports-during-bulk-creation", "Tag Ports During Bulk Creation",
     "Allow to tag ports during bulk creation"},
    {"agent", "agent", "The agent management extension."},
    {"availability_zone", "Availability Zone", "The availability zone extension."},
    {"network_availability_zone", "Network Availability Zone",
     "Availability zone support for network."},
    {"router_availability_zone", "Router Availability Zone",
     "Availability zone support for router."},
};

nlohmann::json resources_json(const std::string& base) {
  nlohmann::json out = nlohmann::json::array();
  for (const char* c : {"networks", "subnets", "ports", "security-groups", "security-group-rules",
                        "routers", "floatingips", "subnetpools"}) {
    std::string name = c;
    name.pop_back();
    out.push_back({{"name", name},
                   {"collection", c},
                   {"links", {{{"rel", "self"}, {"href", base + "/networking/v2.0/" + c}}}}});
  }
  return out;
}

}  // namespace

std::optional<std::string> project_for_create(responder& r, const nlohmann::json& object,
                                              const token_info& t) {
  const std::string own = t.project ? t.project->id : "";
  std::string wanted = own;
  for (const char* key : {"project_id", "tenant_id"})
    if (object.contains(key) && object[key].is_string()) wanted = object[key].get<std::string>();
  if (wanted != own && !t.is_admin()) {
    respond_error(r, 400,
                  "Specifying 'project_id' or 'tenant_id' other than the authenticated project "
                  "in request requires admin privileges");
    return std::nullopt;
  }
  return wanted;
}

void create_in_bulk(server_context& ctx, std::shared_ptr<responder> r, const token_info& t,
                    const nlohmann::json& items, const std::string& key, const bulk_parse& parse,
                    bulk_render render) {
  std::vector<bulk_create> creates;
  for (const auto& item : items) {
    auto c = parse(*r, item, t);
    if (!c) return;
    creates.push_back(std::move(*c));
  }
  const bool admin = t.is_admin();
  // The renderer keeps its own copy: the message takes `creates` (the
  // order arguments are evaluated in is unspecified).
  auto rendered = std::make_shared<const std::vector<bulk_create>>(creates);
  ctx.bridge.ask<std::vector<network_state>>(
      r, ctx.networking,
      [key, rendered, admin, render](responder& rr, std::vector<network_state>& made) {
        const auto& creates = *rendered;
        nlohmann::json out = nlohmann::json::array();
        for (std::size_t i = 0; i < made.size() && i < creates.size(); ++i)
          out.push_back(render(made[i], creates[i], admin));
        respond(rr, 201, {{key, out}});
      },
      bulk_atom::value, std::move(creates), event_metadata{r->request_id(), t.user.id}, t.creds());
}

void add_network_routes(Pistache::Rest::Router& router, server_context& ctx) {
  // Discovery answers without a token, as Neutron's does.
  add_route(router, ctx, http_method::get, "/networking", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string base = base_url(req, ctx);
              respond(*r, 200,
                      {{"versions",
                        {{{"id", "v2.0"},
                          {"status", "CURRENT"},
                          {"links", {{{"rel", "self"}, {"href", base + "/networking/v2.0/"}}}}}}}});
            });
  add_route(router, ctx, http_method::get, "/networking/v2.0", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              respond(*r, 200, {{"resources", resources_json(base_url(req, ctx))}});
            });
  add_route(router, ctx, http_method::get, "/networking/v2.0/extensions", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              with_token(ctx, auth_token_of(req), r,
                         [](std::shared_ptr<responder> rr, token_info&) {
                           nlohmann::json items = nlohmann::json::array();
                           for (const auto& e : extensions)
                             items.push_back({{"alias", e.alias},
                                              {"name", e.name},
                                              {"description", e.description},
                                              {"updated", "2026-11-30T00:00:00-00:00"},
                                              {"links", nlohmann::json::array()}});
                           respond(*rr, 200, {{"extensions", items}});
                         });
            });
  add_route(router, ctx, http_method::get, "/networking/v2.0/extensions/:alias", service::network,
            [&ctx](const Request& req, std::shared_ptr<responder> r) {
              const std::string alias = param_of(req, ":alias");
              with_token(
                  ctx, auth_token_of(req), r, [alias](std::shared_ptr<responder> rr, token_info&) {
                    for (const auto& e : extensions)
                      if (alias == e.alias) {
                        respond(*rr, 200,
                                {{"extension",
                                  {{"alias", e.alias},
                                   {"name", e.name},
                                   {"description", e.description},
                                   {"updated", "2026-11-30T00:00:00-00:00"},
                                   {"links", nlohmann::json::array()}}}});
                        return;
                      }
                    respond_error(*rr, 404, "Extension with alias " + alias + " does not exist");
                  });
            });
  add_networks_routes(router, ctx);
  add_subnet_routes(router, ctx);
  add_port_routes(router, ctx);
  add_security_group_routes(router, ctx);
  add_router_routes(router, ctx);
  add_floatingip_routes(router, ctx);
  add_quota_routes(router, ctx);
  add_ip_availability_routes(router, ctx);
  add_subnetpool_routes(router, ctx);
  add_address_scope_routes(router, ctx);
  add_rbac_routes(router, ctx);
  add_tag_routes(router, ctx);
  add_agent_routes(router, ctx);
}

}  // namespace cumulo::api
