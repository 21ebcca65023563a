// IP address management, pure: IPv4 and IPv6 addresses, CIDRs, allocation
// pools and the choice of a free address, with Neutron's rules and messages.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "engine/error.hpp"

namespace cumulo::ipam {

// 128 bits as two halves: __int128 is not ISO C++ (-Wpedantic).
struct u128 {
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;
  auto operator<=>(const u128&) const = default;
};

// An IPv4 address lives in the low 32 bits. Ordering by version first keeps
// the two families apart in sets.
struct address {
  int version = 4;
  u128 value;
  auto operator<=>(const address&) const = default;
};

std::optional<address> parse_address(const std::string& text);
// The canonical text (inet_ntop): lower case, IPv6 compressed.
std::string to_string(const address& a);
address next(address a);
address prev(address a);

struct cidr {
  address network;  // host bits cleared
  int prefix = 0;
};

int max_prefix(int version);
// "10.0.0.5/24" -> 10.0.0.0/24 (accepted and normalised, as Neutron does).
// nullopt for anything that is not address/prefix.
std::optional<cidr> parse_cidr(const std::string& text);
// The network of `prefix` bits that holds `a` (its host bits cleared).
cidr network_of(const address& a, int prefix);
std::string to_string(const cidr& c);
address last(const cidr& c);  // the broadcast address in IPv4
bool contains(const cidr& c, const address& a);
bool overlaps(const cidr& a, const cidr& b);

struct range {
  address first;
  address last;
};

std::string to_string(const range& r);  // "10.0.0.2-10.0.0.254", as Neutron prints a pool
bool contains(const range& r, const address& a);
// How many addresses the range holds, at most 2^64 - 1 (an IPv6 pool of
// a /64 or wider says "more than anyone allocates").
std::uint64_t size(const range& r);
bool overlaps(const range& a, const range& b);

// The addresses a host may hold: the CIDR minus its network address and,
// in IPv4, its broadcast address. nullopt for IPv4 /31 and /32 and IPv6 /128.
std::optional<range> host_range(const cidr& c);
// The first host address, when there is one.
std::optional<address> default_gateway(const cidr& c);
// The host range minus the gateway (Neutron's generate_pools).
std::vector<range> default_pools(const cidr& c, const std::optional<address>& gateway);
// The lowest address of the pools (in their order) not in `used`.
std::optional<address> lowest_free(const std::vector<range>& pools, const std::set<address>& used);

// The addressing of a subnet, checked and normalised.
struct subnet_plan {
  cidr net;
  std::optional<address> gateway;
  std::vector<range> pools;
};

// gateway_ip: nullopt = the default (first host), "" = no gateway.
// pools: (start, end) texts; empty = the default pools.
outcome<subnet_plan> plan_subnet(int ip_version, const std::string& cidr_text,
                                 const std::optional<std::string>& gateway_ip,
                                 const std::vector<std::pair<std::string, std::string>>& pools);

// Checks a gateway for an existing subnet (update): on the subnet and not
// in a pool.
std::optional<domain_error> check_gateway(const cidr& c, const address& gateway,
                                          const std::vector<range>& pools);

}  // namespace cumulo::ipam
