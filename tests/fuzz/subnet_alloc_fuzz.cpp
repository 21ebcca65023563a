// Fuzzes what reads a subnet pool's prefixes as a client sends them and
// the subnets a pool gives (engine/subnet_alloc.cpp): parse_prefixes
// (ipam::parse_cidr underneath), compact, difference, covers, intersects
// and allocate, checking what they promise:
//  - compacted prefixes are sorted, disjoint, cover exactly the parsed ones
//    and compact to themselves;
//  - what a difference leaves is in the first set and out of the second;
//  - a subnet allocate gives has the length asked, lies in the pool and
//    touches no subnet the pool gave before.
//
// Input: byte 0 the prefix length asked (255: the pool's default), bytes
// 1-2 the pool's min and max prefix lengths (modulo the family's bits + 1),
// byte 3 the pool's quota (0: none); then text lines: the pool's prefixes,
// an empty line, the subnets it gave, an empty line, a subnet asked for
// (nothing: any of the length asked).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "engine/ipam.hpp"
#include "engine/subnet_alloc.hpp"

using namespace cumulo;

namespace {

void require(bool ok) {
  if (!ok) std::abort();
}

std::vector<std::vector<std::string>> sections_of(const std::string& text) {
  std::vector<std::vector<std::string>> out(1);
  std::size_t at = 0;
  while (at <= text.size() && out.size() <= 3) {
    const std::size_t end = std::min(text.find('\n', at), text.size());
    const std::string line = text.substr(at, end - at);
    if (line.empty())
      out.emplace_back();
    else
      out.back().push_back(line);
    at = end + 1;
  }
  out.resize(3);
  return out;
}

bool sorted_and_disjoint(const std::vector<ipam::cidr>& prefixes) {
  for (std::size_t i = 1; i < prefixes.size(); ++i)
    if (!(ipam::last(prefixes[i - 1]) < prefixes[i].network)) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 4 || size > 4096) return 0;
  const auto sections = sections_of(std::string(reinterpret_cast<const char*>(data) + 4, size - 4));

  auto pool_prefixes = subnet_alloc::parse_prefixes(sections[0]);
  if (!pool_prefixes) return 0;
  const auto& prefixes = pool_prefixes.value();
  require(!prefixes.empty() && sorted_and_disjoint(prefixes));
  require(subnet_alloc::to_strings(subnet_alloc::compact(prefixes)) ==
          subnet_alloc::to_strings(prefixes));
  std::vector<ipam::cidr> parsed;
  for (const auto& text : sections[0]) parsed.push_back(*ipam::parse_cidr(text));
  require(subnet_alloc::covers(prefixes, parsed) && subnet_alloc::covers(parsed, prefixes));

  const int version = prefixes.front().network.version;
  const int bits = ipam::max_prefix(version);
  std::vector<subnet_alloc::allocation> taken;
  std::vector<ipam::cidr> taken_cidrs;
  for (const auto& text : sections[1])
    if (auto c = ipam::parse_cidr(text); c && c->network.version == version) {
      taken.push_back({*c, taken.size() % 2 ? "p1" : "p2"});
      taken_cidrs.push_back(*c);
    }
  const auto free = subnet_alloc::difference(prefixes, taken_cidrs);
  require(sorted_and_disjoint(free));
  require(subnet_alloc::covers(prefixes, free) && !subnet_alloc::intersects(free, taken_cidrs));

  subnet_alloc::pool pool;
  pool.ip_version = version;
  pool.prefixes = prefixes;
  pool.min_prefixlen = data[1] % (bits + 1);
  pool.max_prefixlen = data[2] % (bits + 1);
  pool.default_prefixlen = pool.min_prefixlen;
  if (data[3]) pool.default_quota = data[3];
  subnet_alloc::subnet_request request;
  if (data[0] != 255) request.prefixlen = data[0] % (bits + 2);
  request.project_id = "p1";
  if (!sections[2].empty()) request.cidr = ipam::parse_cidr(sections[2].front());
  auto given = subnet_alloc::allocate(pool, taken, request);
  if (!given) return 0;
  const ipam::cidr& c = given.value();
  const int asked =
      request.cidr ? request.cidr->prefix : request.prefixlen.value_or(pool.default_prefixlen);
  require(c.prefix == asked && c.prefix >= pool.min_prefixlen && c.prefix <= pool.max_prefixlen);
  require(ipam::network_of(c.network, c.prefix).network == c.network);
  require(subnet_alloc::covers(prefixes, {c}) && !subnet_alloc::intersects({c}, taken_cidrs));
  return 0;
}
