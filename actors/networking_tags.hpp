// Neutron's tags (standard-attr-tag) at the networking door: one message
// for every taggable kind (networks, subnets, ports, routers, floating IPs,
// security groups), decided as the other requests of the API are:
//   (tags_atom, tag_request, meta, caller) -> std::vector<std::string>: the resource's tags
//       after the request (sorted). The caller must see the resource (its get rule:
//       NetworkNotFound, PortNotFound, ... otherwise) and be allowed <action>_<member>:tags
//       (403 PolicyNotAuthorized); the change is the resource actor's (400 past 50 tags,
//       404 TagNotFound for a removal of a tag it has not).
#pragma once

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>

#include <optional>
#include <string>

#include "engine/tagging.hpp"

namespace cumulo {

using tags_atom = caf::atom_constant<caf::atom("tags")>;

struct tag_request {
  // The kind, by Neutron's collection name: networks, subnets, ports, routers,
  // floatingips, security_groups.
  std::string collection;
  std::string id;
  // Which of the kind's rules decides: get, create (POST .../tags), update, delete.
  std::string action = "get";
  std::optional<tagging::change> change;  // nullopt: only read the tags
};

}  // namespace cumulo

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cumulo::tag_request)
