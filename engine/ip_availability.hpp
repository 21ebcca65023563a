// Neutron's network IP availability: how many addresses each subnet's
// allocation pools hold and how many ports use. Pure: a network state in,
// the counts out.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/network_state.hpp"

namespace cumulo {

struct subnet_ip_availability {
  std::string subnet_id;
  std::string subnet_name;
  std::string cidr;
  int ip_version = 4;
  std::uint64_t total_ips = 0;  // the pools' addresses (at most 2^64 - 1)
  std::uint64_t used_ips = 0;   // addresses of ports on the subnet
};

struct network_ip_availability {
  std::string network_id;
  std::string network_name;
  std::string project_id;
  std::uint64_t total_ips = 0;  // sums, saturating at 2^64 - 1
  std::uint64_t used_ips = 0;
  std::vector<subnet_ip_availability> subnets;
};

network_ip_availability ip_availability_of(const network_state& n);

}  // namespace cumulo
