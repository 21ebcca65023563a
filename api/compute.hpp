// The compute service (Nova v2.1) at /compute: version discovery and
// microversions (compute.cpp), flavors (compute_flavors.cpp), keypairs
// (compute_keypairs.cpp), limits and quota sets (compute_limits.cpp),
// hypervisors, services and availability zones (compute_hypervisors.cpp);
// bodies in compute_views.cpp. Handlers ask the compute actor
// (actors/compute.hpp) and answer from its reply.
#pragma once

#include <functional>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "actors/identity.hpp"
#include "api/responder.hpp"
#include "api/routing.hpp"
#include "api/server_context.hpp"

namespace Pistache::Rest {
class Router;
class Request;
}  // namespace Pistache::Rest

namespace cumulo::api {

// A compute API microversion 2.<minor> (Nova has no 3.x).
struct microversion {
  int minor = 1;
  bool at_least(int m) const { return minor >= m; }
  std::string text() const { return "2." + std::to_string(minor); }
};

// The range cumulo serves. 2.88 is the highest any resource of the
// Debian openstacksdk (0.101) asks for (hypervisors; flavors ask 2.61,
// limits 2.57, keypairs 2.10, servers 2.73): every SDK call gets the
// version it prefers, and every route here answers in that version's shape.
inline constexpr microversion min_microversion{1};
inline constexpr microversion max_microversion{88};

// The version a request asks for: `OpenStack-API-Version: compute X.Y`
// first, then `X-OpenStack-Nova-API-Version: X.Y`; none is 2.1, "latest"
// the max. An error text (and status: 400 malformed, 406 out of range) in
// Nova's words otherwise.
struct microversion_result {
  microversion version;
  int status = 0;  // 0: ok
  std::string error;
};
microversion_result parse_microversion(const std::string& openstack_api_version,
                                       const std::string& nova_api_version);

using compute_handler =
    std::function<void(const Pistache::Rest::Request&, std::shared_ptr<responder>, microversion)>;

// add_route for a compute path (under /compute/v2.1): the handler gets the
// negotiated microversion; every answer, errors included, echoes it
// (OpenStack-API-Version, X-OpenStack-Nova-API-Version, Vary).
void add_compute_route(Pistache::Rest::Router& router, server_context& ctx, http_method method,
                       const std::string& path, compute_handler handler);

void add_compute_routes(Pistache::Rest::Router& router, server_context& ctx);
void add_flavor_routes(Pistache::Rest::Router& router, server_context& ctx);
void add_keypair_routes(Pistache::Rest::Router& router, server_context& ctx);
// /os-server-groups (compute_server_groups.cpp).
void add_server_group_routes(Pistache::Rest::Router& router, server_context& ctx);
void add_migration_routes(Pistache::Rest::Router& router, server_context& ctx);
void add_usage_routes(Pistache::Rest::Router& router, server_context& ctx);
void add_limits_routes(Pistache::Rest::Router& router, server_context& ctx);
void add_hypervisor_routes(Pistache::Rest::Router& router, server_context& ctx);

inline const std::string compute_root = "/compute/v2.1";

// A query parameter as a non-negative integer; nothing when absent, and a
// 400 answered ("Invalid limit ...") when it is not one.
struct query_int {
  bool ok = true;
  std::optional<std::int64_t> value;
};
query_int query_number(const Pistache::Rest::Request& req, responder& r, const std::string& name);

// The caller's project id ("" when unscoped).
std::string project_of(const token_info& t);

}  // namespace cumulo::api
