// A port's allowed_address_pairs, extra_dhcp_opts and port_security_enabled
// (issue 18), as the network's machine decides and folds them: Neutron's
// validation, its rules between port security, pairs and security groups,
// and options merged by name on an update.
#include <gtest/gtest.h>

#include "engine/fold.hpp"
#include "engine/network_state.hpp"
#include "engine/port_attributes.hpp"
#include "tests/engine/machine_test_support.hpp"

namespace cumulo {
namespace {

using M = network_machine;
using pairs = std::vector<network::address_pair>;
using options = std::vector<network::dhcp_option_request>;

std::vector<network_event> history;

network_state run(network_state s, const network::command& c) {
  return run_command_on<M>(std::move(s), c, &history);
}
domain_error refused(const network_state& s, const network::command& c) {
  return refusal_of<M>(s, c);
}

network_state with_subnet(bool port_security = true) {
  network_state s;
  s.id = "n1";
  network::create c{"private", "p1"};
  c.port_security_enabled = port_security;
  s = run(s, c);
  network::add_subnet sub;
  sub.subnet_id = "s1";
  sub.cidr = "10.0.0.0/24";
  sub.project_id = "p1";
  return run(s, sub);
}

network::create_port port(const std::string& id = "a") {
  network::create_port c;
  c.port_id = id;
  c.mac_address = "fa:16:3e:00:00:01";
  c.project_id = "p1";
  c.security_groups = {"sg1"};
  return c;
}

TEST(PortAttributes, AddressPairsTakeThePortsMacAndCanonicalText) {
  auto c = port();
  c.allowed_address_pairs = {{"10.0.0.50", ""},
                             {"10.1.0.0/24", "FA:16:3E:AA:BB:CC"},
                             {"2001:DB8::1", ""},
                             {"192.168.0.7/24", ""}};
  auto s = run(with_subnet(), c);
  const auto& p = *s.find_port("a");
  ASSERT_EQ(p.allowed_address_pairs.size(), 4u);
  EXPECT_EQ(p.allowed_address_pairs[0].ip_address, "10.0.0.50");
  EXPECT_EQ(p.allowed_address_pairs[0].mac_address, "fa:16:3e:00:00:01");
  EXPECT_EQ(p.allowed_address_pairs[1].ip_address, "10.1.0.0/24");
  EXPECT_EQ(p.allowed_address_pairs[1].mac_address, "fa:16:3e:aa:bb:cc");
  EXPECT_EQ(p.allowed_address_pairs[2].ip_address, "2001:db8::1");
  EXPECT_EQ(p.allowed_address_pairs[3].ip_address, "192.168.0.7/24")
      << "Neutron keeps a CIDR's host bits as given";
  EXPECT_TRUE(p.port_security_enabled);

  network::update_port u;
  u.port_id = "a";
  u.allowed_address_pairs = pairs{{"10.0.0.60", ""}};
  s = run(s, u);
  ASSERT_EQ(s.find_port("a")->allowed_address_pairs.size(), 1u) << "the list replaces the port's";
  EXPECT_EQ(s.find_port("a")->allowed_address_pairs[0].ip_address, "10.0.0.60");
  u.allowed_address_pairs = pairs{};
  s = run(s, u);
  EXPECT_TRUE(s.find_port("a")->allowed_address_pairs.empty());
}

TEST(PortAttributes, RefusesBadAddressPairs) {
  const auto s = with_subnet();
  auto with = [](pairs p) {
    auto c = port();
    c.allowed_address_pairs = std::move(p);
    return c;
  };
  auto e = refused(s, with({{"10.0.0.300", ""}}));
  EXPECT_EQ(e.code, errc::bad_request);
  EXPECT_EQ(e.message, "'10.0.0.300' is not a valid IP address");
  EXPECT_EQ(refused(s, with({{"10.0.0.0/33", ""}})).message,
            "'10.0.0.0/33' is not a valid IP subnet");
  EXPECT_EQ(refused(s, with({{"", ""}})).code, errc::bad_request);
  EXPECT_EQ(refused(s, with({{"10.0.0.5", "not-a-mac"}})).message,
            "'not-a-mac' is not a valid MAC address");
  // Twice the same address with the port's MAC, once named and once not.
  auto dup = refused(s, with({{"10.0.0.5", ""}, {"10.0.0.5", "fa:16:3e:00:00:01"}}));
  EXPECT_EQ(dup.code, errc::bad_request);
  EXPECT_EQ(dup.type, "DuplicateAddressPairInRequest");
  EXPECT_EQ(dup.message,
            "Request contains duplicate address pair: mac_address fa:16:3e:00:00:01 ip_address "
            "10.0.0.5.");
  pairs eleven;
  for (int i = 0; i < 11; ++i) eleven.push_back({"10.0.0." + std::to_string(10 + i), ""});
  auto many = refused(s, with(eleven));
  EXPECT_EQ(many.type, "AllowedAddressPairExhausted");
  EXPECT_EQ(many.message, "The number of allowed address pair exceeds the maximum 10.");
  eleven.pop_back();
  EXPECT_TRUE(M::decide(s, with(eleven)).ok());
}

TEST(PortAttributes, APortTakesItsNetworksPortSecurity) {
  auto s = with_subnet(false);
  EXPECT_FALSE(s.port_security_enabled);
  auto c = port();
  c.security_groups.clear();
  s = run(s, c);
  EXPECT_FALSE(s.find_port("a")->port_security_enabled);
  auto own = port("b");
  own.mac_address = "fa:16:3e:00:00:02";
  own.port_security_enabled = true;
  s = run(s, own);
  EXPECT_TRUE(s.find_port("b")->port_security_enabled) << "a port's own choice wins";

  network::update on;
  on.port_security_enabled = true;
  s = run(s, on);
  EXPECT_TRUE(s.port_security_enabled);
  EXPECT_FALSE(s.find_port("a")->port_security_enabled) << "existing ports keep theirs";
}

TEST(PortAttributes, WithoutPortSecurityNoPairsNorGroups) {
  const auto s = with_subnet();
  auto c = port();
  c.port_security_enabled = false;
  auto groups = refused(s, c);
  EXPECT_EQ(groups.code, errc::bad_request);
  EXPECT_EQ(groups.type, "PortSecurityAndIPRequiredForSecurityGroups");
  c.security_groups.clear();
  c.allowed_address_pairs = {{"10.0.0.50", ""}};
  auto pairs_refused = refused(s, c);
  EXPECT_EQ(pairs_refused.code, errc::conflict);
  EXPECT_EQ(pairs_refused.type, "AddressPairAndPortSecurityRequired");
  EXPECT_EQ(pairs_refused.message,
            "Port Security must be enabled in order to have allowed address pairs on a port.");
  c.allowed_address_pairs.clear();
  auto t = run(s, c);
  EXPECT_FALSE(t.find_port("a")->port_security_enabled);
  EXPECT_TRUE(t.find_port("a")->security_groups.empty());

  // Adding either to a port without port security.
  network::update_port u;
  u.port_id = "a";
  u.security_groups = std::vector<std::string>{"sg1"};
  EXPECT_EQ(refused(t, u).type, "PortSecurityAndIPRequiredForSecurityGroups");
  u.security_groups.reset();
  u.allowed_address_pairs = pairs{{"10.0.0.50", ""}};
  EXPECT_EQ(refused(t, u).type, "AddressPairAndPortSecurityRequired");
  // Turning it on with them in the same request.
  u.port_security_enabled = true;
  u.security_groups = std::vector<std::string>{"sg1"};
  t = run(t, u);
  EXPECT_TRUE(t.find_port("a")->port_security_enabled);
  EXPECT_EQ(t.find_port("a")->security_groups, std::vector<std::string>{"sg1"});
}

TEST(PortAttributes, DisablingPortSecurityNeedsThePortsGroupsAndPairsCleared) {
  auto c = port();
  c.allowed_address_pairs = {{"10.0.0.50", ""}};
  auto s = run(with_subnet(), c);
  network::update_port off;
  off.port_id = "a";
  off.port_security_enabled = false;
  EXPECT_EQ(refused(s, off).type, "AddressPairAndPortSecurityRequired") << "its pairs";
  off.allowed_address_pairs = pairs{};
  auto has_group = refused(s, off);
  EXPECT_EQ(has_group.code, errc::conflict);
  EXPECT_EQ(has_group.type, "PortSecurityPortHasSecurityGroup");
  off.security_groups = std::vector<std::string>{};
  s = run(s, off);
  const auto& p = *s.find_port("a");
  EXPECT_FALSE(p.port_security_enabled);
  EXPECT_TRUE(p.security_groups.empty());
  EXPECT_TRUE(p.allowed_address_pairs.empty());
  // Another change of the port leaves it so.
  network::update_port rename;
  rename.port_id = "a";
  rename.name = "eth0";
  s = run(s, rename);
  EXPECT_FALSE(s.find_port("a")->port_security_enabled);
}

TEST(PortAttributes, DhcpOptionsAreKeptAndMergedByName) {
  auto c = port();
  c.extra_dhcp_opts = {{"tftp-server", "10.0.0.9", 4},
                       {"bootfile-name", "pxelinux.0", 4},
                       {"dns-server", std::nullopt, 4},  // null: no option
                       {"tftp-server", "2001:db8::9", 6},
                       {"router", "", 4}};  // blank is allowed for router
  auto s = run(with_subnet(), c);
  auto names = [&](const network_state& st) {
    std::vector<std::string> out;
    for (const auto& o : st.find_port("a")->extra_dhcp_opts)
      out.push_back(o.opt_name + "/" + std::to_string(o.ip_version) + "=" + o.opt_value);
    return out;
  };
  EXPECT_EQ(names(s),
            (std::vector<std::string>{"tftp-server/4=10.0.0.9", "bootfile-name/4=pxelinux.0",
                                      "tftp-server/6=2001:db8::9", "router/4="}));
  network::update_port u;
  u.port_id = "a";
  u.extra_dhcp_opts = options{{"tftp-server", "10.0.0.10", 4},
                              {"bootfile-name", std::nullopt, 4},
                              {"server-ip-address", "10.0.0.11", 4}};
  s = run(s, u);
  EXPECT_EQ(names(s),
            (std::vector<std::string>{"tftp-server/4=10.0.0.10", "tftp-server/6=2001:db8::9",
                                      "router/4=", "server-ip-address/4=10.0.0.11"}));
  const auto revision = s.find_port("a")->revision;
  u.extra_dhcp_opts = options{};
  s = run(s, u);
  EXPECT_EQ(names(s).size(), 4u) << "an empty list changes nothing";
  EXPECT_EQ(s.find_port("a")->revision, revision + 1);
}

TEST(PortAttributes, RefusesBadDhcpOptions) {
  const auto s = with_subnet();
  auto with = [](options o) {
    auto c = port();
    c.extra_dhcp_opts = std::move(o);
    return c;
  };
  for (const auto& bad :
       {options{{"", "x", 4}}, options{{std::string(65, 'n'), "x", 4}},
        options{{"tftp-server", "", 4}}, options{{"tftp-server", std::string(256, 'v'), 4}},
        options{{"tftp-server", "x", 5}},
        options{{"tftp-server", "x", 4}, {"tftp-server", "y", 4}}}) {
    auto e = refused(s, with(bad));
    EXPECT_EQ(e.code, errc::bad_request) << e.message;
    EXPECT_EQ(e.type, "ExtraDhcpOptBadData") << e.message;
    EXPECT_EQ(e.message.rfind("Invalid data format for extra-dhcp-opt: ", 0), 0u) << e.message;
  }
  EXPECT_TRUE(M::decide(s, with({{"tftp-server", "x", 4}, {"tftp-server", "y", 6}})).ok());
}

TEST(PortAttributes, FoldBackFromTheLog) {
  history.clear();
  auto c = port();
  c.allowed_address_pairs = {{"10.0.0.50", ""}};
  c.extra_dhcp_opts = {{"tftp-server", "10.0.0.9", 4}};
  auto s = run(with_subnet(), c);
  network::update_port u;
  u.port_id = "a";
  u.extra_dhcp_opts = options{{"tftp-server", std::nullopt, 4}};
  u.allowed_address_pairs = pairs{};
  u.security_groups = std::vector<std::string>{};
  u.port_security_enabled = false;
  s = run(s, u);
  network::update n;
  n.port_security_enabled = false;
  s = run(s, n);
  const auto folded = refold<M>("n1", history);
  nlohmann::json a = s, b = folded;
  for (auto* j : {&a, &b}) j->erase("created_at"), j->erase("updated_at");
  EXPECT_EQ(a, b);
  EXPECT_FALSE(folded.port_security_enabled);
  EXPECT_FALSE(folded.find_port("a")->port_security_enabled);
  EXPECT_TRUE(folded.find_port("a")->extra_dhcp_opts.empty());
}

// An event from before these attributes: the port has port security, no
// pairs and no options.
TEST(PortAttributes, OldEventsMeanPortSecurityAndNothingElse) {
  network_created n{"old", "p1"};
  network_subnet_added sub;
  sub.subnet_id = "s1";
  sub.cidr = "10.0.0.0/24";
  // What an old payload holds: network.port_created without the later keys.
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_map(2);
  pk.pack(std::string("port_id"));
  pk.pack(std::string("a"));
  pk.pack(std::string("mac_address"));
  pk.pack(std::string("fa:16:3e:00:00:01"));
  const recorded_event old{3,
                           "network/n1",
                           3,
                           "network.port_created",
                           1,
                           103,
                           "req",
                           "u",
                           std::string(buf.data(), buf.size())};
  auto s = refold<M>("n1", {n, sub});
  s = fold<M>(std::move(s), old);
  ASSERT_NE(s.find_port("a"), nullptr);
  EXPECT_TRUE(s.find_port("a")->port_security_enabled);
  EXPECT_TRUE(s.find_port("a")->allowed_address_pairs.empty());
  EXPECT_TRUE(s.port_security_enabled);
}

}  // namespace
}  // namespace cumulo
