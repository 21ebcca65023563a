#include "engine/security_group_state.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "engine/fold.hpp"
#include "engine/log_fold.hpp"
#include "tests/engine/machine_test_support.hpp"

namespace cumulo {
namespace {

using M = security_group_machine;

security_group_state run(security_group_state s, const security_group::command& c,
                         std::vector<security_group_event>* history = nullptr) {
  return run_command_on<M>(std::move(s), c, history);
}

security_group_state fresh() {
  security_group_state s;
  s.id = "sg1";
  return s;
}

security_group_state web() {
  return run(fresh(), security_group::create{"web", "web servers", "p1", false, {}});
}

security_group::add_rule tcp_in(std::string id, int min, int max) {
  security_group::add_rule r;
  r.rule_id = std::move(id);
  r.direction = "ingress";
  r.ethertype = "IPv4";
  r.protocol = "tcp";
  r.port_range_min = min;
  r.port_range_max = max;
  r.project_id = "p1";
  return r;
}

void expect_neutron_refusal(const security_group_state& s, const security_group::command& c,
                            errc code, const std::string& type, const std::string& message = "") {
  const domain_error e = refusal_of<M>(s, c);
  EXPECT_EQ(e.code, code) << e.message;
  EXPECT_EQ(e.type, type) << e.message;
  if (!message.empty()) {
    EXPECT_EQ(e.message, message);
  }
}

TEST(SecurityGroupState, CreateUpdateDelete) {
  auto s = web();
  EXPECT_TRUE(s.exists());
  EXPECT_EQ(s.name, "web");
  EXPECT_EQ(s.description, "web servers");
  EXPECT_EQ(s.project_id, "p1");
  EXPECT_FALSE(s.is_default);
  EXPECT_TRUE(s.rules.empty()) << "no rule ids given: no rules";
  s = run(s, security_group::update{"www", std::nullopt});
  EXPECT_EQ(s.name, "www");
  EXPECT_EQ(s.description, "web servers");
  s = run(s, security_group::update{std::nullopt, "the web tier"});
  EXPECT_EQ(s.name, "www");
  EXPECT_EQ(s.description, "the web tier");
  s = run(s, security_group::remove{});
  EXPECT_TRUE(s.deleted);
  EXPECT_FALSE(s.exists());
}

TEST(SecurityGroupState, ADefaultGroupGetsNeutronsFourRules) {
  auto s =
      run(fresh(), security_group::create{
                       "default", "Default security group", "p1", true, {"r1", "r2", "r3", "r4"}});
  EXPECT_TRUE(s.is_default);
  ASSERT_EQ(s.rules.size(), 4u);
  EXPECT_EQ(s.version, 5) << "created and four rule_added";
  const std::string dirs[] = {"egress", "egress", "ingress", "ingress"};
  const std::string types[] = {"IPv4", "IPv6", "IPv4", "IPv6"};
  const std::string remote[] = {"", "", "sg1", "sg1"};
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(s.rules[i].id, "r" + std::to_string(i + 1));
    EXPECT_EQ(s.rules[i].direction, dirs[i]) << i;
    EXPECT_EQ(s.rules[i].ethertype, types[i]) << i;
    EXPECT_EQ(s.rules[i].remote_group_id, remote[i]) << i;
    EXPECT_EQ(s.rules[i].protocol, "") << i;
    EXPECT_FALSE(s.rules[i].port_range_min) << i;
    EXPECT_EQ(s.rules[i].remote_ip_prefix, "") << i;
    EXPECT_EQ(s.rules[i].project_id, "p1") << i;
  }
  const auto j = nlohmann::json(s);
  EXPECT_EQ(j["security_group_rules"].size(), 4u);
  EXPECT_EQ(j["security_group_rules"][2]["remote_group_id"], "sg1");
  EXPECT_EQ(j["security_group_rules"][2]["security_group_id"], "sg1");
  EXPECT_TRUE(j["security_group_rules"][0]["protocol"].is_null());
  EXPECT_TRUE(j["security_group_rules"][0]["remote_ip_prefix"].is_null());
  EXPECT_TRUE(j["security_group_rules"][0]["port_range_min"].is_null());
  EXPECT_EQ(j["is_default"], true);
}

TEST(SecurityGroupState, AnyOtherGroupGetsTheTwoEgressRulesWhenIdsAreGiven) {
  auto s = run(fresh(), security_group::create{"web", "", "p1", false, {"e4", "e6"}});
  ASSERT_EQ(s.rules.size(), 2u);
  EXPECT_EQ(s.rules[0].direction, "egress");
  EXPECT_EQ(s.rules[0].ethertype, "IPv4");
  EXPECT_EQ(s.rules[1].ethertype, "IPv6");
  EXPECT_EQ(s.rules[1].id, "e6");
}

TEST(SecurityGroupState, RefusesADefaultGroupWithoutFourRuleIds) {
  expect_neutron_refusal(fresh(),
                         security_group::create{"default", "", "p1", true, {"r1", "r2", "r3"}},
                         errc::bad_request, "InvalidInput");
}

TEST(SecurityGroupState, AddsAndRemovesRulesInOrder) {
  auto s = web();
  s = run(s, tcp_in("r1", 22, 22));
  auto udp = tcp_in("r2", 53, 53);
  udp.protocol = "UDP";
  s = run(s, udp);
  security_group::add_rule icmp;
  icmp.rule_id = "r3";
  icmp.direction = "ingress";
  icmp.ethertype = "ipv4";
  icmp.protocol = "icmp";
  icmp.port_range_min = 8;
  icmp.port_range_max = 0;
  icmp.remote_ip_prefix = "10.1.2.3/8";
  s = run(s, icmp);
  ASSERT_EQ(s.rules.size(), 3u);
  EXPECT_EQ(s.rules[0].id, "r1");
  EXPECT_EQ(s.rules[0].port_range_min, 22);
  EXPECT_EQ(s.rules[1].protocol, "udp") << "lower-cased";
  EXPECT_EQ(s.rules[2].ethertype, "IPv4") << "canonical ethertype";
  EXPECT_EQ(s.rules[2].remote_ip_prefix, "10.0.0.0/8") << "normalised to the network";
  EXPECT_EQ(s.rules[2].port_range_max, 0) << "ICMP code 0";
  s = run(s, security_group::remove_rule{"r2"});
  ASSERT_EQ(s.rules.size(), 2u);
  EXPECT_EQ(s.rules[0].id, "r1");
  EXPECT_EQ(s.rules[1].id, "r3");
  EXPECT_EQ(s.find_rule("r2"), nullptr);
  ASSERT_NE(s.find_rule("r3"), nullptr);
}

TEST(SecurityGroupState, CanonicalisesProtocolsAndPrefixes) {
  auto s = web();
  security_group::add_rule r;
  r.rule_id = "n";
  r.direction = "egress";
  r.protocol = "047";
  s = run(s, r);
  EXPECT_EQ(s.rules.back().protocol, "47");
  r.rule_id = "a";
  r.protocol = "any";
  r.ethertype = "IPv6";
  r.remote_ip_prefix = "2001:DB8::1/32";
  s = run(s, r);
  EXPECT_EQ(s.rules.back().protocol, "");
  EXPECT_EQ(s.rules.back().remote_ip_prefix, "2001:db8::/32");
  r.rule_id = "h";
  r.remote_ip_prefix = "";
  r.protocol = "icmp";
  s = run(s, r);
  EXPECT_EQ(s.rules.back().protocol, "ipv6-icmp") << "icmp in IPv6 is ipv6-icmp, as in Neutron";
  r.rule_id = "b";
  r.protocol = "tcp";
  r.ethertype = "IPv4";
  r.remote_ip_prefix = "192.0.2.7";
  s = run(s, r);
  EXPECT_EQ(s.rules.back().remote_ip_prefix, "192.0.2.7/32") << "a bare address is a host";
}

TEST(SecurityGroupState, RefusesInvalidRules) {
  const auto s = web();
  auto r = tcp_in("r1", 80, 80);
  r.direction = "sideways";
  expect_neutron_refusal(s, r, errc::bad_request, "InvalidInput",
                         "Invalid input for direction. Reason: 'sideways' is not in "
                         "['ingress', 'egress'].");
  r = tcp_in("r1", 80, 80);
  r.ethertype = "IPv5";
  expect_neutron_refusal(s, r, errc::bad_request, "InvalidInput");

  for (const char* bad : {"tcpp", "256", "-1", "1234"}) {
    r = tcp_in("r1", 80, 80);
    r.protocol = bad;
    r.port_range_min.reset();
    r.port_range_max.reset();
    expect_neutron_refusal(s, r, errc::bad_request, "SecurityGroupRuleInvalidProtocol");
  }
  r.protocol = "tcpp";
  EXPECT_NE(refusal_of<M>(s, r).message.find("Security group rule protocol tcpp not supported."),
            std::string::npos);

  expect_neutron_refusal(s, tcp_in("r1", 90, 80), errc::bad_request,
                         "SecurityGroupInvalidPortRange",
                         "For TCP/UDP protocols, port_range_min must be <= port_range_max");
  r = tcp_in("r1", 80, 80);
  r.port_range_max.reset();
  expect_neutron_refusal(s, r, errc::bad_request, "SecurityGroupInvalidPortRange");
  expect_neutron_refusal(s, tcp_in("r1", 0, 80), errc::bad_request, "SecurityGroupInvalidPortValue",
                         "Invalid value for port 0.");
  expect_neutron_refusal(s, tcp_in("r1", 80, 65536), errc::bad_request,
                         "SecurityGroupInvalidPortValue", "Invalid value for port 65536.");
  EXPECT_TRUE(M::decide(s, tcp_in("r1", 1, 65535)).ok()) << "the whole range is fine";

  r = tcp_in("r1", 80, 80);
  r.protocol = "";
  expect_neutron_refusal(s, r, errc::bad_request, "SecurityGroupProtocolRequiredWithPorts");
  r.protocol = "gre";
  expect_neutron_refusal(s, r, errc::bad_request, "SecurityGroupInvalidProtocolForPort");
  r.protocol = "icmp";
  r.port_range_min = 256;
  r.port_range_max = 0;
  expect_neutron_refusal(s, r, errc::bad_request, "SecurityGroupInvalidIcmpValue",
                         "Invalid value for ICMP type (port_range_min) 256. It must be 0 to 255.");
  r.port_range_min.reset();
  expect_neutron_refusal(s, r, errc::bad_request, "SecurityGroupMissingIcmpType");
  r.protocol = "ipv6-icmp";
  r.port_range_max.reset();
  expect_neutron_refusal(s, r, errc::bad_request, "SecurityGroupEthertypeConflictWithProtocol");

  r = tcp_in("r1", 80, 80);
  r.remote_ip_prefix = "10.0.0.0/33";
  expect_neutron_refusal(s, r, errc::bad_request, "InvalidCIDR",
                         "Invalid CIDR 10.0.0.0/33 given as IP prefix.");
  r.remote_ip_prefix = "bogus";
  expect_neutron_refusal(s, r, errc::bad_request, "InvalidCIDR");
  r.remote_ip_prefix = "2001:db8::/64";
  expect_neutron_refusal(s, r, errc::bad_request, "SecurityGroupRuleParameterConflict",
                         "Conflicting value ethertype IPv4 for CIDR 2001:db8::/64");
  r.remote_ip_prefix = "10.0.0.0/8";
  r.remote_group_id = "sg2";
  expect_neutron_refusal(s, r, errc::bad_request, "SecurityGroupRemoteGroupAndRemoteIpPrefix",
                         "Only remote_ip_prefix or remote_group_id may be provided.");
}

TEST(SecurityGroupState, RefusesADuplicateRule) {
  auto s = run(web(), tcp_in("r1", 22, 22));
  expect_neutron_refusal(s, tcp_in("r2", 22, 22), errc::conflict, "SecurityGroupRuleExists",
                         "Security group rule already exists. Rule id is r1.");
  auto same = tcp_in("r2", 22, 22);
  same.protocol = "6";
  same.description = "ssh";
  expect_neutron_refusal(s, same, errc::conflict, "SecurityGroupRuleExists");
  EXPECT_TRUE(M::decide(s, tcp_in("r2", 22, 23)).ok()) << "other ports: another rule";
  auto egress = tcp_in("r2", 22, 22);
  egress.direction = "egress";
  EXPECT_TRUE(M::decide(s, egress).ok()) << "another direction: another rule";
  EXPECT_EQ(refusal_of<M>(s, tcp_in("r1", 80, 80)).code, errc::conflict) << "rule id reused";
}

TEST(SecurityGroupState, RefusesRemovingARuleItDoesNotHave) {
  expect_neutron_refusal(web(), security_group::remove_rule{"nope"}, errc::not_found,
                         "SecurityGroupRuleNotFound", "Security group rule nope does not exist");
}

TEST(SecurityGroupState, RefusesCommandsOnAGroupThatDoesNotExist) {
  const auto none = fresh();
  expect_neutron_refusal(none, security_group::remove{}, errc::not_found, "SecurityGroupNotFound",
                         "Security group sg1 does not exist");
  expect_neutron_refusal(none, security_group::update{"x", std::nullopt}, errc::not_found,
                         "SecurityGroupNotFound");
  expect_neutron_refusal(none, tcp_in("r1", 22, 22), errc::not_found, "SecurityGroupNotFound");
  expect_neutron_refusal(none, security_group::remove_rule{"r1"}, errc::not_found,
                         "SecurityGroupNotFound");
  auto s = run(web(), security_group::remove{});
  expect_neutron_refusal(s, security_group::remove{}, errc::not_found, "SecurityGroupNotFound");
  EXPECT_EQ(refusal_of<M>(web(), security_group::create{"web", "", "p1", false, {}}).code,
            errc::conflict)
      << "created twice";
}

TEST(SecurityGroupState, TheDefaultGroupIsRemovedOnlyByForce) {
  auto s =
      run(fresh(), security_group::create{
                       "default", "Default security group", "p1", true, {"r1", "r2", "r3", "r4"}});
  expect_neutron_refusal(s, security_group::remove{}, errc::conflict,
                         "SecurityGroupCannotRemoveDefault",
                         "Insufficient rights for removing default security group.");
  expect_neutron_refusal(s, security_group::update{"other", std::nullopt}, errc::conflict,
                         "SecurityGroupCannotUpdateDefault");
  s = run(s, security_group::update{std::nullopt, "still the default"});
  EXPECT_EQ(s.description, "still the default");
  s = run(s, security_group::remove{true});
  EXPECT_TRUE(s.deleted);
}

TEST(SecurityGroupState, OnlyTheDefaultGroupIsNamedDefault) {
  expect_neutron_refusal(fresh(), security_group::create{"Default", "", "p1", false, {}},
                         errc::conflict, "SecurityGroupDefaultAlreadyExists",
                         "Default security group already exists.");
  expect_neutron_refusal(web(), security_group::update{"default", std::nullopt}, errc::conflict,
                         "SecurityGroupDefaultAlreadyExists");
  expect_neutron_refusal(fresh(),
                         security_group::create{std::string(256, 'a'), "", "p1", false, {}},
                         errc::bad_request, "InvalidInput");
}

TEST(SecurityGroupState, ApplyRejectsEventsThatCannotHappen) {
  EXPECT_THROW(M::apply(fresh(), security_group_deleted{}), invalid_event);
  EXPECT_THROW(M::apply(fresh(), security_group_updated{}), invalid_event);
  EXPECT_THROW(M::apply(fresh(), security_group_rule_added{}), invalid_event);
  auto s = run(web(), tcp_in("r1", 22, 22));
  EXPECT_THROW(M::apply(s, security_group_created{}), invalid_event);
  security_group_rule_added again;
  again.rule_id = "r1";
  EXPECT_THROW(M::apply(s, again), invalid_event);
  EXPECT_THROW(M::apply(s, security_group_rule_removed{"r9"}), invalid_event);
}

TEST(SecurityGroupState, EventsRoundTripThroughTheCodecAndTheLogFold) {
  std::vector<security_group_event> history;
  auto s =
      run(fresh(), security_group::create{"default", "d", "p1", true, {"r1", "r2", "r3", "r4"}},
          &history);
  s = run(s, tcp_in("r5", 22, 22), &history);
  auto icmp = tcp_in("r6", 8, 0);
  icmp.protocol = "icmp";
  s = run(s, icmp, &history);
  s = run(s, security_group::remove_rule{"r1"}, &history);
  log_fold f;
  std::int64_t seq = 0;
  for (const auto& e : history) {
    new_event n = encode(e);
    ++seq;
    f.apply(recorded_event{seq, "security_group/sg1", seq, n.type, n.schema_version, seq, "req",
                           "admin", n.payload});
  }
  const security_group_state* folded = f.get<security_group_state>("security_group/sg1");
  ASSERT_NE(folded, nullptr);
  EXPECT_TRUE(f.live("security_group/sg1"));
  nlohmann::json expected(s);
  nlohmann::json got(*folded);
  for (const char* meta : {"created_at", "updated_at"}) {
    expected.erase(meta);
    got.erase(meta);
  }
  EXPECT_EQ(got, expected);
  ASSERT_EQ(folded->rules.size(), 5u);
  EXPECT_EQ(folded->rules[4].port_range_max, 0) << "an optional 0 survives the codec";
  EXPECT_FALSE(folded->rules[0].port_range_min) << "an unset optional survives the codec";
  const auto& kinds = stream_kinds();
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "security_group"), kinds.end());
}

}  // namespace
}  // namespace cumulo
