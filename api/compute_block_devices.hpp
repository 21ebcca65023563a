// Nova's block_device_mapping_v2 on a server create, as far as cumulo
// boots from volumes: one entry with boot_index 0 and destination_type
// volume, from an image (a volume of volume_size GB made at the build) or
// from an existing volume. Pure (no actor, no I/O): the route parses, the
// compute door checks the image or the volume.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "engine/instance_state.hpp"

namespace cumulo::api {

// The boot volume the server's body asks for (not requested() when the body
// has no block_device_mapping_v2, or only entries cumulo leaves to the image
// boot: none), or Nova's 400 message. `server` is the body's "server",
// validated by schemas/api/compute_server_create.json; volume_type counts
// from 2.67 (`minor`).
struct boot_volume_parse {
  instance::boot_volume boot;
  std::optional<std::string> error;
};
boot_volume_parse parse_boot_volume(const nlohmann::json& server, int minor);

}  // namespace cumulo::api
