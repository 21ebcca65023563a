#include "engine/ip_availability.hpp"

#include <limits>

#include "engine/ipam.hpp"

namespace cumulo {
namespace {

std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) {
  return a > std::numeric_limits<std::uint64_t>::max() - b
             ? std::numeric_limits<std::uint64_t>::max()
             : a + b;
}

}  // namespace

network_ip_availability ip_availability_of(const network_state& n) {
  network_ip_availability out{n.id, n.name, n.project_id, 0, 0, {}};
  for (const auto& sub : n.subnets) {
    subnet_ip_availability a{sub.id, sub.name, sub.cidr, sub.ip_version, 0, 0};
    for (const auto& pool : sub.allocation_pools) {
      auto first = ipam::parse_address(pool.start);
      auto last = ipam::parse_address(pool.end);
      if (first && last) a.total_ips = saturating_add(a.total_ips, ipam::size({*first, *last}));
    }
    for (const auto& [id, port] : n.ports)
      for (const auto& f : port.fixed_ips)
        if (f.subnet_id == sub.id) ++a.used_ips;
    out.total_ips = saturating_add(out.total_ips, a.total_ips);
    out.used_ips = saturating_add(out.used_ips, a.used_ips);
    out.subnets.push_back(std::move(a));
  }
  return out;
}

}  // namespace cumulo
