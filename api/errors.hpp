// OpenStack error bodies: each service has its own shape, and the clients
// read the message out of it (OSC prints "<message> (HTTP <code>)").
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "engine/error.hpp"

namespace cumulo::api {

enum class service { identity, compute, image, network, volume };

// The body of an error answer in the format of `svc`:
//   identity: {"error": {"code", "title", "message"}}
//   compute:  {"<fault key>": {"code", "message"}}  (badRequest, itemNotFound, ...)
//   network:  {"NeutronError": {"type", "message", "detail": ""}}
//   image:    {"code", "title", "message"}
//   volume:   {"<fault key>": {"code", "message"}}  (Cinder's keys are Nova's, but a
//             status without one of its own is a computeFault, 429 included)
// neutron_type names the Neutron exception ("NetworkNotFound"); empty means
// the generic one of the status ("HTTPNotFound").
nlohmann::json error_body(service svc, int status, const std::string& message,
                          const std::string& neutron_type = "");
nlohmann::json error_body(service svc, const domain_error& e, const std::string& neutron_type = "");

int status_of(const domain_error& e);
// "Not Found" for 404; "Error" for a status without a standard title.
const char* status_title(int status);
// The service a path belongs to, by its prefix: /compute, /image,
// /networking, /volume; everything else (/v3, /) is identity.
service service_of_path(const std::string& path);

}  // namespace cumulo::api
