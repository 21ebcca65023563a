#include "engine/ipam.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <charconv>

namespace cumulo::ipam {
namespace {

// The host part of a prefix: its low `bits` bits set.
u128 host_mask(int bits) {
  const std::uint64_t all = ~std::uint64_t{0};
  if (bits <= 0) return {};
  if (bits < 64) return {0, (std::uint64_t{1} << bits) - 1};
  if (bits == 64) return {0, all};
  if (bits < 128) return {(std::uint64_t{1} << (bits - 64)) - 1, all};
  return {all, all};
}

u128 operator&(u128 a, u128 b) {
  return {a.hi & b.hi, a.lo & b.lo};
}
u128 operator|(u128 a, u128 b) {
  return {a.hi | b.hi, a.lo | b.lo};
}
u128 operator~(u128 a) {
  return {~a.hi, ~a.lo};
}

std::string version_name(int version) {
  return version == 6 ? "IPv6" : "IPv4";
}

domain_error bad(std::string message) {
  return make_neutron_error(errc::bad_request, "InvalidInput", std::move(message));
}

std::optional<domain_error> parse_into(const std::string& field, const std::string& text,
                                       int version, address& out) {
  auto a = parse_address(text);
  if (!a)
    return bad("Invalid input for " + field + ". Reason: '" + text +
               "' is not a valid IP address.");
  if (a->version != version)
    return bad("Invalid input for " + field + ". Reason: '" + text + "' is not an " +
               version_name(version) + " address.");
  out = *a;
  return std::nullopt;
}

}  // namespace

std::optional<address> parse_address(const std::string& text) {
  const bool v6 = text.find(':') != std::string::npos;
  std::array<unsigned char, 16> b{};
  if (inet_pton(v6 ? AF_INET6 : AF_INET, text.c_str(), b.data()) != 1) return std::nullopt;
  address a;
  if (!v6) {
    a.value.lo = (std::uint64_t{b[0]} << 24) | (std::uint64_t{b[1]} << 16) |
                 (std::uint64_t{b[2]} << 8) | b[3];
    return a;
  }
  a.version = 6;
  for (int i = 0; i < 8; ++i) a.value.hi = (a.value.hi << 8) | b[i];
  for (int i = 8; i < 16; ++i) a.value.lo = (a.value.lo << 8) | b[i];
  return a;
}

std::string to_string(const address& a) {
  std::array<unsigned char, 16> b{};
  std::array<char, INET6_ADDRSTRLEN> text{};
  if (a.version == 4) {
    for (int i = 0; i < 4; ++i) b[i] = static_cast<unsigned char>(a.value.lo >> (24 - 8 * i));
    inet_ntop(AF_INET, b.data(), text.data(), text.size());
  } else {
    for (int i = 0; i < 8; ++i) {
      b[i] = static_cast<unsigned char>(a.value.hi >> (56 - 8 * i));
      b[8 + i] = static_cast<unsigned char>(a.value.lo >> (56 - 8 * i));
    }
    inet_ntop(AF_INET6, b.data(), text.data(), text.size());
  }
  return text.data();
}

address next(address a) {
  if (++a.value.lo == 0) ++a.value.hi;
  return a;
}

std::uint64_t size(const range& r) {
  if (r.last < r.first) return 0;
  const std::uint64_t hi =
      r.last.value.hi - r.first.value.hi - (r.last.value.lo < r.first.value.lo ? 1 : 0);
  const std::uint64_t lo = r.last.value.lo - r.first.value.lo;
  if (hi > 0 || lo == UINT64_MAX) return UINT64_MAX;
  return lo + 1;
}

address prev(address a) {
  if (a.value.lo-- == 0) --a.value.hi;
  return a;
}

int max_prefix(int version) {
  return version == 6 ? 128 : 32;
}

std::optional<cidr> parse_cidr(const std::string& text) {
  const auto slash = text.find('/');
  if (slash == std::string::npos) return std::nullopt;
  auto a = parse_address(text.substr(0, slash));
  if (!a) return std::nullopt;
  const std::string p = text.substr(slash + 1);
  int prefix = -1;
  auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), prefix);
  if (p.empty() || p.size() > 3 || ec != std::errc() || end != p.data() + p.size() || prefix < 0 ||
      prefix > max_prefix(a->version))
    return std::nullopt;
  return network_of(*a, prefix);
}

cidr network_of(const address& a, int prefix) {
  cidr c{a, prefix};
  c.network.value = a.value & ~host_mask(max_prefix(a.version) - prefix);
  return c;
}

std::string to_string(const cidr& c) {
  return to_string(c.network) + "/" + std::to_string(c.prefix);
}

address last(const cidr& c) {
  address a = c.network;
  a.value = a.value | host_mask(max_prefix(a.version) - c.prefix);
  return a;
}

bool contains(const cidr& c, const address& a) {
  return a.version == c.network.version && c.network <= a && a <= last(c);
}

bool overlaps(const cidr& a, const cidr& b) {
  return contains(a, b.network) || contains(b, a.network);
}

std::string to_string(const range& r) {
  return to_string(r.first) + "-" + to_string(r.last);
}

bool contains(const range& r, const address& a) {
  return r.first <= a && a <= r.last;
}

bool overlaps(const range& a, const range& b) {
  return a.first <= b.last && b.first <= a.last;
}

std::optional<range> host_range(const cidr& c) {
  const int host_bits = max_prefix(c.network.version) - c.prefix;
  // Checked before any arithmetic so that next/prev never wrap.
  if (host_bits == 0 || (c.network.version == 4 && host_bits == 1)) return std::nullopt;
  address hi = last(c);
  return range{next(c.network), c.network.version == 4 ? prev(hi) : hi};
}

std::optional<address> default_gateway(const cidr& c) {
  auto hosts = host_range(c);
  if (!hosts) return std::nullopt;
  return hosts->first;
}

std::vector<range> default_pools(const cidr& c, const std::optional<address>& gateway) {
  auto found = host_range(c);
  // Like Neutron: a /127 gets no pool either (first host >= last host).
  if (!found || found->first >= found->last) return {};
  const range hosts = *found;
  if (!gateway || !contains(hosts, *gateway)) return {hosts};
  std::vector<range> pools;
  if (*gateway != hosts.first) pools.push_back({hosts.first, prev(*gateway)});
  if (*gateway != hosts.last) pools.push_back({next(*gateway), hosts.last});
  return pools;
}

std::optional<address> lowest_free(const std::vector<range>& pools, const std::set<address>& used) {
  std::optional<address> best;
  for (const auto& p : pools) {
    // Walks past used addresses only, so this is bounded by the ports.
    for (address a = p.first;; a = next(a)) {
      if (!used.count(a)) {
        if (!best || a < *best) best = a;
        break;
      }
      if (a == p.last) break;
    }
  }
  return best;
}

std::optional<domain_error> check_gateway(const cidr& c, const address& gateway,
                                          const std::vector<range>& pools) {
  if (!contains(c, gateway))
    return bad("Invalid input for operation: Gateway IP " + to_string(gateway) +
               " is not on subnet " + to_string(c) + ".");
  // Neutron: in IPv4 the gateway can be neither the network nor the broadcast address.
  if (c.network.version == 4 && (gateway == c.network || gateway == last(c)))
    return bad("Invalid input for operation: Gateway is not valid on subnet.");
  for (const auto& p : pools)
    if (contains(p, gateway))
      return make_neutron_error(errc::conflict, "GatewayConflictWithAllocationPools",
                                "Gateway ip " + to_string(gateway) +
                                    " conflicts with allocation pool " + to_string(p) + ".");
  return std::nullopt;
}

outcome<subnet_plan> plan_subnet(int ip_version, const std::string& cidr_text,
                                 const std::optional<std::string>& gateway_ip,
                                 const std::vector<std::pair<std::string, std::string>>& pools) {
  if (ip_version != 4 && ip_version != 6)
    return bad("Invalid input for ip_version. Reason: '" + std::to_string(ip_version) +
               "' is not in [4, 6].");
  auto net = parse_cidr(cidr_text);
  if (!net)
    return bad("Invalid input for cidr. Reason: '" + cidr_text + "' is not a valid IP subnet.");
  if (net->network.version != ip_version)
    return bad("Invalid input for operation: cidr " + cidr_text + " is not an " +
               version_name(ip_version) + " subnet.");
  if (net->prefix == 0) return bad("0 is not allowed as CIDR prefix length.");
  // Host bits set (10.0.0.1/24): Neutron names the network it would take.
  if (auto given = parse_address(cidr_text.substr(0, cidr_text.find('/')));
      given && given->value != net->network.value)
    return bad("Invalid input for cidr. Reason: '" + cidr_text +
               "' isn't a recognized IP subnet cidr, '" + to_string(*net) + "' is recommended.");

  subnet_plan plan{*net, std::nullopt, {}};
  if (!gateway_ip) {
    plan.gateway = default_gateway(*net);
  } else if (!gateway_ip->empty()) {
    address gw;
    if (auto e = parse_into("gateway_ip", *gateway_ip, ip_version, gw)) return *e;
    plan.gateway = gw;
  }

  if (pools.empty()) {
    plan.pools = default_pools(*net, plan.gateway);
  } else {
    const auto bounds = host_range(*net);
    for (const auto& [start, end] : pools) {
      range r;
      if (auto e = parse_into("allocation_pools", start, ip_version, r.first)) return *e;
      if (auto e = parse_into("allocation_pools", end, ip_version, r.last)) return *e;
      if (r.last < r.first) return bad("The allocation pool " + to_string(r) + " is not valid.");
      if (!bounds || r.first < bounds->first || r.last > bounds->last)
        return bad("The allocation pool " + to_string(r) + " spans beyond the subnet cidr " +
                   to_string(*net) + ".");
      for (const auto& other : plan.pools)
        if (overlaps(other, r))
          return make_neutron_error(errc::conflict, "OverlappingAllocationPools",
                                    "Found overlapping allocation pools: " + to_string(other) +
                                        " " + to_string(r) + " for subnet " + to_string(*net) +
                                        ".");
      plan.pools.push_back(r);
    }
  }
  if (plan.gateway)
    if (auto e = check_gateway(*net, *plan.gateway, plan.pools)) return *e;
  return plan;
}

}  // namespace cumulo::ipam
