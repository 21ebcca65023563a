// Subnet pools' prefixes and the subnets they give, pure (Neutron's
// subnet_alloc): sets of CIDRs kept as the fewest CIDRs that cover them,
// and the choice of a subnet of a pool that no other subnet of the pool
// holds, with Neutron's rules and messages. Client text goes through
// ipam::parse_cidr.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "engine/ipam.hpp"

namespace cumulo::subnet_alloc {

// The addresses of all the CIDRs (one family) as the fewest CIDRs, in
// address order: overlapping and adjacent prefixes merge, as a pool's do.
std::vector<ipam::cidr> compact(std::vector<ipam::cidr> prefixes);
// What `from` covers and `minus` does not, as compact() gives it.
std::vector<ipam::cidr> difference(const std::vector<ipam::cidr>& from,
                                   const std::vector<ipam::cidr>& minus);
bool intersects(const std::vector<ipam::cidr>& a, const std::vector<ipam::cidr>& b);
// Whether every address of `inner` is in `outer`.
bool covers(const std::vector<ipam::cidr>& outer, const std::vector<ipam::cidr>& inner);
std::vector<std::string> to_strings(const std::vector<ipam::cidr>& prefixes);

// A pool's prefixes as a client gives them ("prefixes", or the field
// named): each a network in CIDR notation (host bits clear), no text twice,
// one family; compacted. An empty list is EmptySubnetPoolPrefixList.
outcome<std::vector<ipam::cidr>> parse_prefixes(const std::vector<std::string>& texts,
                                                const char* field = "prefixes");
// The same, for text this code wrote (a pool's state): never fails.
std::vector<ipam::cidr> read_prefixes(const std::vector<std::string>& canonical);

// What the allocation needs of a pool.
struct pool {
  int ip_version = 4;
  std::vector<ipam::cidr> prefixes;
  int min_prefixlen = 8;
  int max_prefixlen = 32;
  int default_prefixlen = 8;
  // Per project, in /32s (IPv4) or /64s (IPv6); nullopt or 0: no quota
  // (Neutron's test is `if quota:`).
  std::optional<std::int64_t> default_quota;
};

// A subnet the pool already gave (or is giving), and whose it is.
struct allocation {
  ipam::cidr cidr;
  std::string project_id;
};

// cidr: that subnet; otherwise one of `prefixlen` bits (the pool's
// default_prefixlen when nullopt) wherever the pool has room.
struct subnet_request {
  std::optional<ipam::cidr> cidr;
  std::optional<int> prefixlen;
  std::string project_id;
};

// The subnet a request gets. Any subnet: the first of its length in the
// smallest free block that holds it, lowest address first among blocks of
// one size (Neutron's order, which keeps large blocks whole). Refusals:
// prefix length out of the pool's bounds (400 Min/MaxPrefixSubnetAllocationError),
// the project's quota (409 SubnetPoolQuotaExceeded), no room or the asked
// subnet not free (409 SubnetAllocationError: Neutron answers 500, cumulo
// never answers bad input with a 5xx).
outcome<ipam::cidr> allocate(const pool& p, const std::vector<allocation>& taken,
                             const subnet_request& request);

}  // namespace cumulo::subnet_alloc
