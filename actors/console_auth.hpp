// Remote consoles (Nova's console auth): the door that hands out console
// tokens and tells the console proxy where a token leads. A token is a
// random (version 4) UUID, given once to the client in the console's URL;
// this actor keeps only its SHA-256, for `ttl` (Nova's token_ttl, 600 s),
// in memory: a restart ends every console token, as a client would expect
// of a console session anyway.
//
//   (console_atom, remote_console_request) -> console_grant: the host of
//       the server says where its console is (400 "Unavailable console type
//       T." when it has none of that protocol, 409 "Instance X is not ready"
//       when it is not running; 409 too when the server has no host)
//   (console_atom, caf::get_atom, token)   -> console_authorization: where the
//       token leads now (the host is asked again: a VNC port changes when the
//       guest restarts); 404 "Token not found" for an unknown or expired one
//
// At most max_tokens live at once: a new one pushes out the oldest.
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <chrono>
#include <memory>
#include <string>

#include "actors/compute_host.hpp"

namespace cumulo {

struct remote_console_request {
  std::string instance_id;
  std::string host;      // the server's compute host ("" when it has none)
  std::string protocol;  // "vnc" | "serial"
  std::string type;      // Nova's console type: "novnc" | "serial"
};

struct console_grant {
  std::string token;
};

struct console_authorization {
  std::string instance_id;
  std::string host;  // the compute host's name
  std::string type;  // "novnc" | "serial"
  console_connection where;
};

struct console_auth_options {
  std::chrono::seconds ttl{600};
  std::size_t max_tokens = 10000;
};

caf::actor spawn_console_auth(caf::actor_system& sys, std::shared_ptr<const host_directory> hosts,
                              console_auth_options opts = {});

}  // namespace cumulo

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::remote_console_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::console_grant)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::console_authorization)
