// Neutron's network IP availability, counted from a network's state.
#include "engine/ip_availability.hpp"

#include <gtest/gtest.h>

#include <limits>

#include "engine/ipam.hpp"

namespace cumulo {
namespace {

TEST(IpAvailability, PoolsAreTheTotalPortsTheUse) {
  network_state n;
  n.id = "n1";
  n.name = "private";
  n.project_id = "p1";
  n.version = 1;
  network::subnet v4;
  v4.id = "s4";
  v4.cidr = "10.0.0.0/24";
  v4.allocation_pools = {{"10.0.0.2", "10.0.0.254"}};
  network::subnet v6;
  v6.id = "s6";
  v6.ip_version = 6;
  v6.cidr = "2001:db8::/64";
  v6.allocation_pools = {{"2001:db8::2", "2001:db8::ffff:ffff:ffff:ffff"}};
  n.subnets = {v4, v6};
  network::port p;
  p.id = "p";
  p.fixed_ips = {{"s4", "10.0.0.2"}, {"s6", "2001:db8::2"}};
  n.ports["p"] = p;
  network::port q;
  q.id = "q";
  q.fixed_ips = {{"s4", "10.0.0.3"}};
  n.ports["q"] = q;

  const auto a = ip_availability_of(n);
  ASSERT_EQ(a.subnets.size(), 2u);
  EXPECT_EQ(a.subnets[0].total_ips, 253u);
  EXPECT_EQ(a.subnets[0].used_ips, 2u);
  EXPECT_EQ(a.subnets[1].total_ips, std::numeric_limits<std::uint64_t>::max() - 1)
      << "2^64 - 2 addresses from ::2 to the end of the /64";
  EXPECT_EQ(a.subnets[1].used_ips, 1u);
  EXPECT_EQ(a.used_ips, 3u);
  EXPECT_EQ(a.total_ips, std::numeric_limits<std::uint64_t>::max()) << "the sum saturates";
}

TEST(IpAvailability, RangeSizes) {
  auto range = [](const char* a, const char* b) {
    return ipam::range{*ipam::parse_address(a), *ipam::parse_address(b)};
  };
  EXPECT_EQ(ipam::size(range("10.0.0.1", "10.0.0.1")), 1u);
  EXPECT_EQ(ipam::size(range("10.0.0.0", "10.0.1.255")), 512u);
  EXPECT_EQ(ipam::size(range("10.0.0.9", "10.0.0.1")), 0u);
  EXPECT_EQ(ipam::size(range("2001:db8::", "2001:db8:0:1::")),
            std::numeric_limits<std::uint64_t>::max());
}

}  // namespace
}  // namespace cumulo
