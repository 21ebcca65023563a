// Subnet pools' prefixes and the subnets they give (engine/subnet_alloc):
// prefixes merged as Neutron merges them, the first free prefix in
// Neutron's order, exhaustion and a taken subnet refused with Neutron's
// error, prefix bounds and the per-project quota.
#include "engine/subnet_alloc.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cumulo {
namespace {

using subnet_alloc::allocation;
using subnet_alloc::subnet_request;

ipam::cidr net(const std::string& text) {
  auto c = ipam::parse_cidr(text);
  EXPECT_TRUE(c) << text;
  return c.value_or(ipam::cidr{});
}

std::vector<ipam::cidr> nets(const std::vector<std::string>& texts) {
  std::vector<ipam::cidr> out;
  for (const auto& t : texts) out.push_back(net(t));
  return out;
}

std::vector<std::string> texts(const std::vector<ipam::cidr>& prefixes) {
  return subnet_alloc::to_strings(prefixes);
}

std::vector<std::string> parsed(const std::vector<std::string>& prefixes) {
  auto p = subnet_alloc::parse_prefixes(prefixes);
  EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().message);
  return p.ok() ? texts(p.value()) : std::vector<std::string>{};
}

domain_error refusal(const std::vector<std::string>& prefixes) {
  auto p = subnet_alloc::parse_prefixes(prefixes);
  EXPECT_FALSE(p.ok()) << "accepted";
  return p.ok() ? domain_error{} : p.error();
}

// A pool of 10.10.0.0/16 giving /24s by default, as the CLI test makes it.
subnet_alloc::pool pool16() {
  return {4, nets({"10.10.0.0/16"}), 8, 32, 24, std::nullopt};
}

std::string given(const subnet_alloc::pool& p, const std::vector<allocation>& taken,
                  const subnet_request& r) {
  auto c = subnet_alloc::allocate(p, taken, r);
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message);
  return c.ok() ? ipam::to_string(c.value()) : "";
}

domain_error refused(const subnet_alloc::pool& p, const std::vector<allocation>& taken,
                     const subnet_request& r) {
  auto c = subnet_alloc::allocate(p, taken, r);
  EXPECT_FALSE(c.ok()) << "gave " << (c.ok() ? ipam::to_string(c.value()) : "");
  return c.ok() ? domain_error{} : c.error();
}

subnet_request any(std::optional<int> prefixlen = std::nullopt, const std::string& project = "p1") {
  return {std::nullopt, prefixlen, project};
}

TEST(SubnetAlloc, MergesOverlappingAndAdjacentPrefixesIntoTheFewestCidrs) {
  EXPECT_EQ(parsed({"10.0.0.0/25", "10.0.0.128/25"}), std::vector<std::string>{"10.0.0.0/24"});
  EXPECT_EQ(parsed({"10.0.1.0/24", "10.0.0.0/24", "10.0.0.0/26"}),
            std::vector<std::string>{"10.0.0.0/23"});
  // Adjacent but not one aligned block: two CIDRs, in address order.
  EXPECT_EQ(parsed({"10.0.2.0/24", "10.0.1.0/24"}),
            (std::vector<std::string>{"10.0.1.0/24", "10.0.2.0/24"}));
  EXPECT_EQ(parsed({"10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"}),
            (std::vector<std::string>{"10.0.0.0/23", "10.0.2.0/24"}));
  EXPECT_EQ(parsed({"2001:db8:0:2::/64", "2001:db8::/63", "2001:DB8:0:3::/64"}),
            std::vector<std::string>{"2001:db8::/62"});
  // The whole space, and its last address (no wrap past the end).
  EXPECT_EQ(parsed({"0.0.0.0/1", "128.0.0.0/1"}), std::vector<std::string>{"0.0.0.0/0"});
  EXPECT_EQ(parsed({"255.255.255.255/32", "255.255.255.254/32"}),
            std::vector<std::string>{"255.255.255.254/31"});
  EXPECT_EQ(parsed({"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", "::/0"}),
            std::vector<std::string>{"::/0"});
}

TEST(SubnetAlloc, RefusesPrefixListsAsNeutronDoes) {
  auto e = refusal({});
  EXPECT_EQ(e.type, "EmptySubnetPoolPrefixList");
  EXPECT_EQ(e.message, "Empty subnet pool prefix list.");
  e = refusal({"10.0.0.0/24", "fd00::/64"});
  EXPECT_EQ(e.type, "PrefixVersionMismatch");
  EXPECT_EQ(e.message, "Cannot mix IPv4 and IPv6 prefixes in a subnet pool.");
  e = refusal({"10.0.0.5/24"});
  EXPECT_EQ(e.code, errc::bad_request);
  EXPECT_EQ(e.type, "InvalidInput");
  EXPECT_EQ(e.message,
            "Invalid input for prefixes. Reason: '10.0.0.5/24' isn't a recognized IP subnet cidr, "
            "'10.0.0.0/24' is recommended.");
  e = refusal({"10.0.0.0/24", "10.0.0.0/24"});
  EXPECT_EQ(e.message,
            "Invalid input for prefixes. Reason: Duplicate items in the list: "
            "'10.0.0.0/24'.");
  for (const char* bad : {"10.0.0.0", "10.0.0.0/33", "not-a-cidr", " 10.0.0.0/24", "10.0.0.0/-1",
                          "10.0.0.0/2a", "fd00::/129"})
    EXPECT_EQ(refusal({bad}).message, std::string("Invalid input for prefixes. Reason: '") + bad +
                                          "' is not a valid IP subnet.");
}

TEST(SubnetAlloc, DifferenceIntersectionAndCover) {
  const auto pool = nets({"10.10.0.0/16"});
  EXPECT_EQ(texts(subnet_alloc::difference(pool, nets({"10.10.5.0/24"}))),
            (std::vector<std::string>{"10.10.0.0/22", "10.10.4.0/24", "10.10.6.0/23",
                                      "10.10.8.0/21", "10.10.16.0/20", "10.10.32.0/19",
                                      "10.10.64.0/18", "10.10.128.0/17"}));
  EXPECT_TRUE(subnet_alloc::difference(pool, nets({"10.0.0.0/8"})).empty());
  EXPECT_EQ(texts(subnet_alloc::difference(pool, nets({"192.168.0.0/24"}))),
            std::vector<std::string>{"10.10.0.0/16"});
  EXPECT_TRUE(subnet_alloc::intersects(pool, nets({"10.10.200.0/24"})));
  EXPECT_TRUE(subnet_alloc::intersects(pool, nets({"10.0.0.0/8"})));
  EXPECT_FALSE(subnet_alloc::intersects(pool, nets({"10.11.0.0/16", "fd00::/8"})));
  EXPECT_TRUE(subnet_alloc::covers(pool, nets({"10.10.0.0/17", "10.10.128.0/17"})));
  EXPECT_TRUE(subnet_alloc::covers(nets({"10.10.0.0/17", "10.10.128.0/17"}), pool));
  EXPECT_FALSE(subnet_alloc::covers(pool, nets({"10.10.0.0/15"})));
}

TEST(SubnetAlloc, GivesTheFirstFreePrefixOfTheLengthAsked) {
  const auto p = pool16();
  EXPECT_EQ(given(p, {}, any()), "10.10.0.0/24") << "the default prefix length";
  std::vector<allocation> taken{{net("10.10.0.0/24"), "p1"}};
  EXPECT_EQ(given(p, taken, any(26)), "10.10.1.0/26");
  taken.push_back({net("10.10.1.0/26"), "p1"});
  EXPECT_EQ(given(p, taken, any(26)), "10.10.1.64/26");
  EXPECT_EQ(given(p, taken, any(24)), "10.10.2.0/24");
  // Deterministic: the same pool and subnets give the same answer.
  EXPECT_EQ(given(p, taken, any(24)), given(p, taken, any(24)));
  // A subnet deleted frees its prefix: the next ask takes it again.
  EXPECT_EQ(given(p, {{net("10.10.1.0/26"), "p1"}}, any(24)), "10.10.0.0/24");
}

TEST(SubnetAlloc, PrefersTheSmallestFreeBlockThatHoldsTheSubnet) {
  // Free: 10.10.0.0/23 (lowest) and 10.10.3.0/24 (smaller): Neutron keeps
  // the larger block whole.
  const subnet_alloc::pool p{4, nets({"10.10.0.0/22"}), 8, 32, 24, std::nullopt};
  EXPECT_EQ(given(p, {{net("10.10.2.0/24"), "p1"}}, any(24)), "10.10.3.0/24");
  EXPECT_EQ(given(p, {{net("10.10.2.0/24"), "p1"}}, any(23)), "10.10.0.0/23");
}

TEST(SubnetAlloc, ExhaustionIsNeutronsSubnetAllocationError) {
  const subnet_alloc::pool p{4, nets({"10.10.0.0/24"}), 8, 32, 25, std::nullopt};
  std::vector<allocation> taken{{net("10.10.0.0/25"), "p1"}};
  EXPECT_EQ(given(p, taken, any()), "10.10.0.128/25");
  taken.push_back({net("10.10.0.128/25"), "p2"});
  auto e = refused(p, taken, any());
  EXPECT_EQ(e.code, errc::conflict);
  EXPECT_EQ(e.type, "SubnetAllocationError");
  EXPECT_EQ(e.message,
            "Failed to allocate subnet: Insufficient prefix space to allocate subnet "
            "size /25.");
  // Room for /26s is not room for a /23.
  e = refused(p, {{net("10.10.0.0/26"), "p1"}}, any(23));
  EXPECT_EQ(e.message,
            "Failed to allocate subnet: Insufficient prefix space to allocate subnet "
            "size /23.");
}

TEST(SubnetAlloc, GivesASpecificSubnetOnlyWhenAllOfItIsFree) {
  const auto p = pool16();
  const std::vector<allocation> taken{{net("10.10.1.0/24"), "p1"}};
  EXPECT_EQ(given(p, taken, {net("10.10.2.0/24"), std::nullopt, "p1"}), "10.10.2.0/24");
  EXPECT_EQ(given(p, taken, {net("10.10.0.0/24"), std::nullopt, "p1"}), "10.10.0.0/24");
  for (const char* asked : {"10.10.1.0/24", "10.10.1.128/25", "10.10.0.0/23", "10.11.0.0/24"}) {
    auto e = refused(p, taken, {net(asked), std::nullopt, "p1"});
    EXPECT_EQ(e.code, errc::conflict) << asked;
    EXPECT_EQ(e.type, "SubnetAllocationError") << asked;
    EXPECT_EQ(e.message,
              "Failed to allocate subnet: Cannot allocate requested subnet from the "
              "available set of prefixes.")
        << asked;
  }
}

TEST(SubnetAlloc, PrefixLengthsOutsideThePoolsBoundsAre400) {
  const subnet_alloc::pool p{4, nets({"10.10.0.0/16"}), 20, 28, 24, std::nullopt};
  auto e = refused(p, {}, any(29));
  EXPECT_EQ(e.code, errc::bad_request);
  EXPECT_EQ(e.type, "MaxPrefixSubnetAllocationError");
  EXPECT_EQ(e.message,
            "Unable to allocate subnet with prefix length 29, maximum allowed prefix is 28.");
  e = refused(p, {}, any(19));
  EXPECT_EQ(e.type, "MinPrefixSubnetAllocationError");
  EXPECT_EQ(e.message,
            "Unable to allocate subnet with prefix length 19, minimum allowed prefix is 20.");
  EXPECT_EQ(refused(p, {}, {net("10.10.0.0/30"), std::nullopt, "p1"}).type,
            "MaxPrefixSubnetAllocationError")
      << "a cidr's length is bounded too";
  EXPECT_EQ(given(p, {}, any(20)), "10.10.0.0/20");
  EXPECT_EQ(given(p, {}, any(28)), "10.10.0.0/28");
}

TEST(SubnetAlloc, TheQuotaCountsTheProjectsAddressesInThePool) {
  // 512 addresses per project: two /24s, or a /24 and two /25s.
  subnet_alloc::pool p = pool16();
  p.default_quota = 512;
  std::vector<allocation> taken{{net("10.10.0.0/24"), "p1"}, {net("10.10.1.0/24"), "p2"}};
  EXPECT_EQ(given(p, taken, any(24, "p1")), "10.10.2.0/24");
  taken.push_back({net("10.10.2.0/25"), "p1"});
  auto e = refused(p, taken, any(24, "p1"));
  EXPECT_EQ(e.code, errc::over_quota);
  EXPECT_EQ(e.type, "SubnetPoolQuotaExceeded");
  EXPECT_EQ(e.message, "Per-tenant subnet pool prefix quota exceeded.");
  EXPECT_EQ(given(p, taken, any(25, "p1")), "10.10.2.128/25") << "exactly the quota";
  EXPECT_EQ(given(p, taken, any(24, "p3")), "10.10.3.0/24") << "another project's own count";
  // 0 is no quota (Neutron tests `if quota:`).
  p.default_quota = 0;
  EXPECT_EQ(given(p, taken, any(17, "p1")), "10.10.128.0/17");
}

TEST(SubnetAlloc, IPv6QuotasCountSlash64s) {
  subnet_alloc::pool p{6, nets({"fd00::/48"}), 48, 128, 64, 2};
  std::vector<allocation> taken{{net("fd00::/64"), "p1"}};
  EXPECT_EQ(given(p, taken, any(64)), "fd00:0:0:1::/64");
  taken.push_back({net("fd00:0:0:1::/64"), "p1"});
  EXPECT_EQ(refused(p, taken, any(64)).type, "SubnetPoolQuotaExceeded");
  // A /63 is two /64s; a /120 much less than one, but still more than none left.
  EXPECT_EQ(refused(p, {{net("fd00::/64"), "p1"}}, any(63)).type, "SubnetPoolQuotaExceeded");
  EXPECT_EQ(refused(p, taken, any(120)).type, "SubnetPoolQuotaExceeded");
  EXPECT_EQ(given(p, {{net("fd00::/64"), "p1"}}, any(120)), "fd00:0:0:1::/120");
}

}  // namespace
}  // namespace cumulo
