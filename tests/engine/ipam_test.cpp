#include "engine/ipam.hpp"

#include <gtest/gtest.h>

namespace cumulo::ipam {
namespace {

address addr(const std::string& text) {
  auto a = parse_address(text);
  EXPECT_TRUE(a) << text;
  return a.value_or(address{});
}

cidr net(const std::string& text) {
  auto c = parse_cidr(text);
  EXPECT_TRUE(c) << text;
  return c.value_or(cidr{});
}

std::vector<std::string> texts(const std::vector<range>& pools) {
  std::vector<std::string> out;
  for (const auto& p : pools) out.push_back(to_string(p));
  return out;
}

using strings = std::vector<std::string>;

TEST(Ipam, ParsesAndPrintsAddressesCanonically) {
  EXPECT_EQ(to_string(addr("10.0.0.1")), "10.0.0.1");
  EXPECT_EQ(addr("10.0.0.1").version, 4);
  EXPECT_EQ(to_string(addr("FE80:0:0::0001")), "fe80::1");
  EXPECT_EQ(addr("::1").version, 6);
  EXPECT_LT(addr("10.0.0.1"), addr("10.0.0.2"));
  EXPECT_LT(addr("255.255.255.255"), addr("::")) << "IPv4 sorts before IPv6";
  for (const char* bad : {"", "abc", "300.1.1.1", "10.0.0", "10.0.0.1 ", "1::2::3", "10.0.0.1/24"})
    EXPECT_FALSE(parse_address(bad)) << bad;
}

TEST(Ipam, CountsAcrossThe64BitHalvesOfAnIPv6Address) {
  EXPECT_EQ(to_string(next(addr("::ffff:ffff:ffff:ffff"))), "0:0:0:1::");
  EXPECT_EQ(to_string(prev(addr("0:0:0:1::"))), "::ffff:ffff:ffff:ffff");
  EXPECT_EQ(to_string(next(addr("10.0.0.255"))), "10.0.1.0");
}

TEST(Ipam, ParsesAndNormalisesCidrs) {
  EXPECT_EQ(to_string(net("10.0.0.0/24")), "10.0.0.0/24");
  EXPECT_EQ(to_string(net("10.0.0.77/24")), "10.0.0.0/24") << "host bits are cleared";
  EXPECT_EQ(to_string(net("2001:DB8::1/64")), "2001:db8::/64");
  EXPECT_EQ(to_string(net("2001:db8:0:0:8000::/65")), "2001:db8:0:0:8000::/65");
  EXPECT_EQ(to_string(last(net("10.0.0.0/24"))), "10.0.0.255");
  EXPECT_EQ(to_string(last(net("2001:db8::/64"))), "2001:db8::ffff:ffff:ffff:ffff");
  EXPECT_EQ(to_string(last(net("2001:db8::/32"))), "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
  EXPECT_EQ(to_string(net("0.0.0.0/0")), "0.0.0.0/0");
  for (const char* bad :
       {"10.0.0.0/33", "300.1.1.1/24", "fe80::/129", "abc", "10.0.0.0", "10.0.0.0/", "10.0.0.0/-1",
        "10.0.0.0/+8", "10.0.0.0/ 24", "10.0.0.0/24/1", "10.0.0.0/0024", "/24"})
    EXPECT_FALSE(parse_cidr(bad)) << bad;
}

TEST(Ipam, ContainsAndOverlaps) {
  EXPECT_TRUE(contains(net("10.0.0.0/24"), addr("10.0.0.255")));
  EXPECT_FALSE(contains(net("10.0.0.0/24"), addr("10.0.1.0")));
  EXPECT_FALSE(contains(net("0.0.0.0/0"), addr("::1"))) << "families never mix";
  EXPECT_TRUE(overlaps(net("10.0.0.0/16"), net("10.0.5.0/24")));
  EXPECT_TRUE(overlaps(net("10.0.5.0/24"), net("10.0.0.0/16")));
  EXPECT_FALSE(overlaps(net("10.0.0.0/24"), net("10.0.1.0/24")));
  EXPECT_FALSE(overlaps(net("10.0.0.0/8"), net("::/0")));
  EXPECT_TRUE(overlaps(net("2001:db8::/32"), net("2001:db8:1::/48")));
}

TEST(Ipam, DefaultGatewayAndPoolsFollowNeutron) {
  EXPECT_EQ(to_string(*default_gateway(net("10.0.0.0/24"))), "10.0.0.1");
  EXPECT_EQ(texts(default_pools(net("10.0.0.0/24"), addr("10.0.0.1"))),
            strings{"10.0.0.2-10.0.0.254"});
  EXPECT_EQ(texts(default_pools(net("10.0.0.0/24"), std::nullopt)), strings{"10.0.0.1-10.0.0.254"});
  EXPECT_EQ(texts(default_pools(net("10.0.0.0/24"), addr("10.0.0.100"))),
            (strings{"10.0.0.1-10.0.0.99", "10.0.0.101-10.0.0.254"}));
  EXPECT_EQ(texts(default_pools(net("10.0.0.0/24"), addr("10.0.0.254"))),
            strings{"10.0.0.1-10.0.0.253"});
  EXPECT_EQ(texts(default_pools(net("10.0.0.0/30"), addr("10.0.0.1"))),
            strings{"10.0.0.2-10.0.0.2"});
  EXPECT_TRUE(default_pools(net("10.0.0.0/31"), std::nullopt).empty());
  EXPECT_FALSE(default_gateway(net("10.0.0.0/31")));
  EXPECT_FALSE(default_gateway(net("10.0.0.7/32")));
  EXPECT_FALSE(default_gateway(net("::/128")));
  EXPECT_EQ(texts(default_pools(net("2001:db8::/64"), addr("2001:db8::1"))),
            strings{"2001:db8::2-2001:db8::ffff:ffff:ffff:ffff"})
      << "IPv6 has no broadcast address";
}

TEST(Ipam, LowestFreeSkipsUsedAddresses) {
  std::vector<range> pools{{addr("10.0.0.10"), addr("10.0.0.11")},
                           {addr("10.0.0.2"), addr("10.0.0.3")}};
  std::set<address> used;
  EXPECT_EQ(to_string(*lowest_free(pools, used)), "10.0.0.2") << "lowest over all pools";
  used = {addr("10.0.0.2"), addr("10.0.0.3"), addr("10.0.0.10")};
  EXPECT_EQ(to_string(*lowest_free(pools, used)), "10.0.0.11");
  used.insert(addr("10.0.0.11"));
  EXPECT_FALSE(lowest_free(pools, used));
  EXPECT_FALSE(lowest_free({}, {}));
}

TEST(Ipam, PlansASubnetWithDefaults) {
  EXPECT_EQ(plan_subnet(4, "192.168.1.9/24", std::nullopt, {}).error().message,
            "Invalid input for cidr. Reason: '192.168.1.9/24' isn't a recognized IP subnet cidr, "
            "'192.168.1.0/24' is recommended.")
      << "host bits set";
  EXPECT_FALSE(plan_subnet(6, "2001:db8::1/64", std::nullopt, {}).ok()) << "host bits set";
  auto p = plan_subnet(4, "192.168.1.0/24", std::nullopt, {});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(to_string(p.value().net), "192.168.1.0/24");
  EXPECT_EQ(to_string(*p.value().gateway), "192.168.1.1");
  EXPECT_EQ(texts(p.value().pools), strings{"192.168.1.2-192.168.1.254"});

  p = plan_subnet(4, "192.168.1.0/24", "", {});
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p.value().gateway) << "\"\" means no gateway";
  EXPECT_EQ(texts(p.value().pools), strings{"192.168.1.1-192.168.1.254"});

  p = plan_subnet(6, "2001:db8::/64", std::nullopt, {});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(to_string(*p.value().gateway), "2001:db8::1");
}

TEST(Ipam, PlansExplicitGatewayAndPools) {
  auto p = plan_subnet(4, "10.0.0.0/24", "10.0.0.254",
                       {{"10.0.0.100", "10.0.0.199"}, {"10.0.0.10", "10.0.0.19"}});
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(to_string(*p.value().gateway), "10.0.0.254");
  EXPECT_EQ(texts(p.value().pools), (strings{"10.0.0.100-10.0.0.199", "10.0.0.10-10.0.0.19"}));
}

TEST(Ipam, RefusesBadSubnets) {
  auto code = [](int v, const std::string& c, std::optional<std::string> gw,
                 std::vector<std::pair<std::string, std::string>> pools = {}) {
    auto p = plan_subnet(v, c, gw, pools);
    return p.ok() ? errc::internal : p.error().code;
  };
  for (const char* bad : {"10.0.0.0/33", "300.1.1.1/24", "abc", "10.0.0.0"})
    EXPECT_EQ(code(4, bad, std::nullopt), errc::bad_request) << bad;
  EXPECT_EQ(code(6, "fe80::/129", std::nullopt), errc::bad_request);
  EXPECT_EQ(plan_subnet(4, "10.0.0.0/33", std::nullopt, {}).error().message,
            "Invalid input for cidr. Reason: '10.0.0.0/33' is not a valid IP subnet.");
  EXPECT_EQ(code(5, "10.0.0.0/24", std::nullopt), errc::bad_request) << "ip_version";
  EXPECT_EQ(code(6, "10.0.0.0/24", std::nullopt), errc::bad_request) << "version mismatch";
  EXPECT_EQ(code(4, "0.0.0.0/0", std::nullopt), errc::bad_request) << "prefix 0";
  // Gateways.
  EXPECT_EQ(code(4, "10.0.0.0/24", "10.0.1.1"), errc::bad_request) << "outside the CIDR";
  EXPECT_EQ(code(4, "10.0.0.0/24", "10.0.0.0"), errc::bad_request) << "network address";
  EXPECT_EQ(code(4, "10.0.0.0/24", "10.0.0.255"), errc::bad_request) << "broadcast";
  EXPECT_EQ(code(4, "10.0.0.0/24", "fe80::1"), errc::bad_request);
  EXPECT_EQ(code(4, "10.0.0.0/24", "gateway"), errc::bad_request);
  EXPECT_EQ(code(6, "2001:db8::/64", "2001:db9::1"), errc::bad_request);
  // Pools.
  EXPECT_EQ(code(4, "10.0.0.0/24", std::nullopt, {{"10.0.0.20", "10.0.0.10"}}), errc::bad_request)
      << "reversed";
  EXPECT_EQ(code(4, "10.0.0.0/24", std::nullopt, {{"10.0.0.200", "10.0.1.10"}}), errc::bad_request)
      << "beyond the CIDR";
  EXPECT_EQ(code(4, "10.0.0.0/24", std::nullopt, {{"10.0.0.2", "10.0.0.255"}}), errc::bad_request)
      << "includes the broadcast address";
  EXPECT_EQ(code(4, "10.0.0.0/24", std::nullopt, {{"10.0.0.0", "10.0.0.9"}}), errc::bad_request)
      << "includes the network address";
  EXPECT_EQ(code(4, "10.0.0.0/24", std::nullopt, {{"x", "10.0.0.9"}}), errc::bad_request);
  EXPECT_EQ(
      code(4, "10.0.0.0/24", std::nullopt, {{"10.0.0.2", "10.0.0.50"}, {"10.0.0.50", "10.0.0.60"}}),
      errc::conflict)
      << "overlapping pools";
  EXPECT_EQ(code(4, "10.0.0.0/24", std::nullopt, {{"10.0.0.1", "10.0.0.50"}}), errc::conflict)
      << "the default gateway lies in the pool";
  auto p = plan_subnet(4, "10.0.0.0/24", "10.0.0.5", {{"10.0.0.2", "10.0.0.50"}});
  EXPECT_EQ(p.error().message,
            "Gateway ip 10.0.0.5 conflicts with allocation pool 10.0.0.2-10.0.0.50.");
  EXPECT_TRUE(plan_subnet(4, "10.0.0.0/24", "", {{"10.0.0.1", "10.0.0.50"}}).ok());
}

TEST(Ipam, ChecksAGatewayOfAnExistingSubnet) {
  std::vector<range> pools{{addr("10.0.0.2"), addr("10.0.0.100")}};
  EXPECT_FALSE(check_gateway(net("10.0.0.0/24"), addr("10.0.0.200"), pools));
  EXPECT_EQ(check_gateway(net("10.0.0.0/24"), addr("10.0.0.50"), pools)->code, errc::conflict);
  EXPECT_EQ(check_gateway(net("10.0.0.0/24"), addr("10.0.9.1"), pools)->code, errc::bad_request);
}

}  // namespace
}  // namespace cumulo::ipam
