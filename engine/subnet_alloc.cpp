#include "engine/subnet_alloc.hpp"

#include <algorithm>
#include <set>

namespace cumulo::subnet_alloc {
namespace {

using ipam::address;
using ipam::cidr;
using ipam::range;
using ipam::u128;

domain_error invalid(const char* field, const std::string& reason) {
  return make_neutron_error(
      errc::bad_request, "InvalidInput",
      std::string("Invalid input for ") + field + ". Reason: " + reason + ".");
}

domain_error allocation_error(const std::string& reason) {
  return make_neutron_error(errc::conflict, "SubnetAllocationError",
                            "Failed to allocate subnet: " + reason + ".");
}

// Sorted, with overlapping and adjacent ranges joined.
std::vector<range> ranges_of(const std::vector<cidr>& prefixes) {
  std::vector<range> sorted;
  for (const auto& c : prefixes) sorted.push_back({c.network, ipam::last(c)});
  std::sort(sorted.begin(), sorted.end(),
            [](const range& a, const range& b) { return a.first < b.first; });
  std::vector<range> out;
  for (const auto& r : sorted) {
    // next() of the family's last address is no address of it: never adjacent.
    const bool joins =
        !out.empty() && (r.first <= out.back().last ||
                         (out.back().last < r.first && ipam::next(out.back().last) == r.first));
    if (!joins) {
      out.push_back(r);
    } else if (out.back().last < r.last) {
      out.back().last = r.last;
    }
  }
  return out;
}

// The fewest CIDRs covering a range: from its start, each time the largest
// aligned block that stays inside it.
void add_cidrs(const range& r, std::vector<cidr>& out) {
  const int bits = ipam::max_prefix(r.first.version);
  address at = r.first;
  for (;;) {
    cidr block = ipam::network_of(at, bits);
    for (int p = 0; p < bits; ++p) {
      const cidr c = ipam::network_of(at, p);
      if (c.network == at && ipam::last(c) <= r.last) {
        block = c;
        break;
      }
    }
    out.push_back(block);
    const address end = ipam::last(block);
    if (end == r.last) return;  // also where next() would wrap
    at = ipam::next(end);
  }
}

std::vector<cidr> cidrs_of(const std::vector<range>& ranges) {
  std::vector<cidr> out;
  for (const auto& r : ranges) add_cidrs(r, out);
  return out;
}

// a minus b, both sorted and joined.
std::vector<range> minus(const std::vector<range>& a, const std::vector<range>& b) {
  std::vector<range> out;
  for (const auto& ra : a) {
    address start = ra.first;
    bool consumed = false;
    for (const auto& rb : b) {
      if (rb.last < start) continue;
      if (ra.last < rb.first) break;
      if (start < rb.first) out.push_back({start, ipam::prev(rb.first)});
      if (ra.last <= rb.last) {
        consumed = true;
        break;
      }
      start = ipam::next(rb.last);
    }
    if (!consumed) out.push_back({start, ra.last});
  }
  return out;
}

// 128-bit sums for the quota, held at the largest value instead of wrapping.
u128 saturating_add(u128 a, u128 b) {
  u128 sum{a.hi + b.hi, a.lo + b.lo};
  const bool carry = sum.lo < a.lo;
  const bool overflow = sum.hi < a.hi || (carry && sum.hi == ~std::uint64_t{0});
  if (overflow) return {~std::uint64_t{0}, ~std::uint64_t{0}};
  if (carry) ++sum.hi;
  return sum;
}

// 2^n, n in [0, 128]: 2^128 is held at the largest value.
u128 power_of_two(int n) {
  if (n >= 128) return {~std::uint64_t{0}, ~std::uint64_t{0}};
  if (n >= 64) return {std::uint64_t{1} << (n - 64), 0};
  return {0, std::uint64_t{1} << n};
}

// Neutron counts IPv4 in /32s and IPv6 in /64s; both here in units of the
// family's smallest subnet: addresses, and /128s (a /64 is 2^64 of them).
u128 size_of(const cidr& c) {
  return power_of_two(ipam::max_prefix(c.network.version) - c.prefix);
}
u128 quota_size(int ip_version, std::int64_t quota) {
  const auto q = static_cast<std::uint64_t>(quota);
  return ip_version == 6 ? u128{q, 0} : u128{0, q};
}

std::optional<domain_error> check_quota(const pool& p, const std::vector<allocation>& taken,
                                        const std::string& project, int prefixlen) {
  if (!p.default_quota || *p.default_quota <= 0) return std::nullopt;
  u128 used = size_of(cidr{address{p.ip_version, {}}, prefixlen});
  for (const auto& a : taken)
    if (a.project_id == project) used = saturating_add(used, size_of(a.cidr));
  if (quota_size(p.ip_version, *p.default_quota) < used)
    return make_neutron_error(errc::over_quota, "SubnetPoolQuotaExceeded",
                              "Per-tenant subnet pool prefix quota exceeded.");
  return std::nullopt;
}

}  // namespace

std::vector<cidr> compact(std::vector<cidr> prefixes) {
  return cidrs_of(ranges_of(prefixes));
}

std::vector<cidr> difference(const std::vector<cidr>& from, const std::vector<cidr>& minus_these) {
  return cidrs_of(minus(ranges_of(from), ranges_of(minus_these)));
}

bool intersects(const std::vector<cidr>& a, const std::vector<cidr>& b) {
  for (const auto& x : a)
    for (const auto& y : b)
      if (ipam::overlaps(x, y)) return true;
  return false;
}

bool covers(const std::vector<cidr>& outer, const std::vector<cidr>& inner) {
  return minus(ranges_of(inner), ranges_of(outer)).empty();
}

std::vector<std::string> to_strings(const std::vector<cidr>& prefixes) {
  std::vector<std::string> out;
  for (const auto& c : prefixes) out.push_back(ipam::to_string(c));
  return out;
}

outcome<std::vector<cidr>> parse_prefixes(const std::vector<std::string>& texts,
                                          const char* field) {
  if (texts.empty())
    return make_neutron_error(errc::bad_request, "EmptySubnetPoolPrefixList",
                              "Empty subnet pool prefix list.");
  std::vector<cidr> out;
  std::set<std::string> seen;
  for (const auto& text : texts) {
    if (!seen.insert(text).second)
      return invalid(field, "Duplicate items in the list: '" + text + "'");
    auto c = ipam::parse_cidr(text);
    if (!c) return invalid(field, "'" + text + "' is not a valid IP subnet");
    // Host bits set: Neutron names the network it would take.
    if (auto given = ipam::parse_address(text.substr(0, text.find('/')));
        given && given->value != c->network.value)
      return invalid(field, "'" + text + "' isn't a recognized IP subnet cidr, '" +
                                ipam::to_string(*c) + "' is recommended");
    if (!out.empty() && out.front().network.version != c->network.version)
      return make_neutron_error(errc::bad_request, "PrefixVersionMismatch",
                                "Cannot mix IPv4 and IPv6 prefixes in a subnet pool.");
    out.push_back(*c);
  }
  return compact(std::move(out));
}

std::vector<cidr> read_prefixes(const std::vector<std::string>& canonical) {
  std::vector<cidr> out;
  for (const auto& text : canonical)
    if (auto c = ipam::parse_cidr(text)) out.push_back(*c);
  return out;
}

outcome<cidr> allocate(const pool& p, const std::vector<allocation>& taken,
                       const subnet_request& request) {
  const int prefixlen =
      request.cidr ? request.cidr->prefix : request.prefixlen.value_or(p.default_prefixlen);
  if (prefixlen > p.max_prefixlen)
    return make_neutron_error(errc::bad_request, "MaxPrefixSubnetAllocationError",
                              "Unable to allocate subnet with prefix length " +
                                  std::to_string(prefixlen) + ", maximum allowed prefix is " +
                                  std::to_string(p.max_prefixlen) + ".");
  if (prefixlen < p.min_prefixlen)
    return make_neutron_error(errc::bad_request, "MinPrefixSubnetAllocationError",
                              "Unable to allocate subnet with prefix length " +
                                  std::to_string(prefixlen) + ", minimum allowed prefix is " +
                                  std::to_string(p.min_prefixlen) + ".");
  if (auto e = check_quota(p, taken, request.project_id, prefixlen)) return *e;
  std::vector<cidr> used;
  for (const auto& a : taken) used.push_back(a.cidr);
  std::vector<cidr> free = difference(p.prefixes, used);
  if (request.cidr) {
    if (covers(free, {*request.cidr})) return *request.cidr;
    return allocation_error("Cannot allocate requested subnet from the available set of prefixes");
  }
  // Smallest blocks first; stable: lowest address first among one size.
  std::stable_sort(free.begin(), free.end(),
                   [](const cidr& a, const cidr& b) { return a.prefix > b.prefix; });
  for (const auto& block : free)
    if (block.prefix <= prefixlen) return cidr{block.network, prefixlen};
  return allocation_error("Insufficient prefix space to allocate subnet size /" +
                          std::to_string(prefixlen));
}

}  // namespace cumulo::subnet_alloc
