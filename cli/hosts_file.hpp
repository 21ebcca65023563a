// `cumulo serve --hosts-file FILE`: the compute hosts and their capacities.
// Either simple lines, one host each ("name vcpus memory_mb disk_gb", '#'
// starts a comment), or YAML: a list of maps (or a map with a `hosts` list)
// with the keys name, vcpus, memory_mb, disk_gb.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "actors/cloud.hpp"

namespace cumulo::cli {

// Throws std::runtime_error saying which line or entry is wrong.
std::vector<compute_host_config> read_hosts_file(const std::filesystem::path& file);

// compute-1 .. compute-N, each with compute_host_config's default capacity.
std::vector<compute_host_config> numbered_hosts(int count);

}  // namespace cumulo::cli
