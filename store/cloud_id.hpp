// The cloud's own name on its host: 8 hex digits made at the first start
// of a data dir and kept in it (`cloud-id`). The tenant plane names its
// network namespaces and marks its links with it, so that a restarted
// cloud finds its own strays, and two clouds on one host (two data dirs)
// never remove each other's.
#pragma once

#include <filesystem>
#include <string>

namespace cumulo {

// Reads <data_dir>/cloud-id, making it first when it is missing. Throws
// std::runtime_error when it can be neither read nor written.
std::string cloud_id(const std::filesystem::path& data_dir);

}  // namespace cumulo
