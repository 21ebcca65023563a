// What the servers routes take from the rest of the compute API: the
// microversion (accepted up to the compute API's maximum; api/compute.cpp's
// negotiation) and its headers. The flavor, image, networks, key pair and
// quota of a launch are the compute door's (actors/compute.hpp).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "actors/identity.hpp"
#include "api/responder.hpp"
#include "api/compute.hpp"
#include "api/server_context.hpp"
#include "engine/instance_state.hpp"

namespace Pistache::Rest {
class Request;
}

namespace cumulo::api {

// The microversions the servers routes honour: 2.1 up to 2.73 (locked_reason),
// the last one whose server body we serve entirely (2.74+ would promise
// host/hypervisor_hostname on create, 2.75 a changed PUT/rebuild body, 2.96
// pinned_availability_zone, which we do not have). Measured: the CLI's
// server commands (novaclient) send only "X-OpenStack-Nova-API-Version: 2.1";
// openstacksdk 0.101 asks servers for min(advertised max, 2.73), its Server
// resource's maximum, and sends no version when /compute/v2.1 is missing.
// Since the merge with the compute API, every version its discovery
// advertises (up to 2.88) is accepted; from 2.74 on the server body is
// 2.73's (the versions between add nothing to a server's body that cumulo
// has: host/hypervisor_hostname on create, rebuild, unshelve, topology).
constexpr int min_compute_minor = 1;
constexpr int max_compute_minor = max_microversion.minor;

// The requested microversion as the minor number of 2.x: from
// OpenStack-API-Version ("compute 2.X") or X-OpenStack-Nova-API-Version
// ("2.X"); 1 when neither is sent; "latest" is max_compute_minor. 0 when
// the value is malformed or out of range (answer it with
// respond_bad_microversion).
int microversion_of(const Pistache::Rest::Request& req);
// 400 for a malformed version, 406 for one outside [2.1, 2.max], in Nova's
// words; with the version headers of 2.1.
void respond_bad_microversion(responder& r, const Pistache::Rest::Request& req);
// The echo of the negotiated version on every answer.
header_list compute_version_headers(int minor);
// A responder that adds compute_version_headers(minor) to whatever is
// answered through it (errors included), for the handlers of a route.
std::shared_ptr<responder> with_version_headers(std::shared_ptr<responder> r, int minor);

}  // namespace cumulo::api
