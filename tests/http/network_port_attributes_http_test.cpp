// A port's allowed_address_pairs, port_security_enabled and extra_dhcp_opts
// over HTTP on a real `cumulo serve` (issue 18), as neutronclient,
// openstacksdk and tempest send them: validated with Neutron's 400s, port
// security inherited from the network and exclusive of groups and pairs,
// DHCP options merged by name on an update, each attribute a network
// owner's to set on a shared network, and all of it kept across a restart.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>
#include <string>

#include "tests/support/keystone_client.hpp"
#include "tests/support/neutron_error.hpp"

namespace cumulo {
namespace {

const std::string kNet = "/networking/v2.0";

class network_port_attributes_test : public identity_test {
 protected:
  http_response net(const std::string& method, const std::string& path, const std::string& token,
                    const nlohmann::json& body = nullptr) {
    return call(method, kNet + path, token, body);
  }
  // A network with 10.0.0.0/24 (extra: more of the network's body); its id.
  std::string network(const std::string& token, nlohmann::json extra = nlohmann::json::object()) {
    extra["name"] = "net";
    auto r = net("POST", "/networks", token, {{"network", extra}});
    EXPECT_EQ(r.status, 201) << r.body;
    const std::string id = json_of(r)["network"].value("id", "");
    auto s = net("POST", "/subnets", token,
                 {{"subnet", {{"network_id", id}, {"cidr", "10.0.0.0/24"}, {"ip_version", 4}}}});
    EXPECT_EQ(s.status, 201) << s.body;
    return id;
  }
  http_response post_port(const std::string& network_id, nlohmann::json extra,
                          const std::string& token) {
    extra["network_id"] = network_id;
    return net("POST", "/ports", token, {{"port", extra}});
  }
  nlohmann::json port(const std::string& network_id, nlohmann::json extra,
                      const std::string& token) {
    auto r = post_port(network_id, std::move(extra), token);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? json_of(r)["port"] : nlohmann::json::object();
  }
  http_response put_port(const std::string& id, const nlohmann::json& changes,
                         const std::string& token) {
    return net("PUT", "/ports/" + id, token, {{"port", changes}});
  }
  nlohmann::json show(const std::string& id, const std::string& token) {
    auto r = net("GET", "/ports/" + id, token);
    EXPECT_EQ(r.status, 200) << r.body;
    return json_of(r)["port"];
  }
};

class NetworkPortAttributes : public network_port_attributes_test {};

TEST_F(NetworkPortAttributes, AllowedAddressPairsTakeThePortsMacAndAreReplacedByAnUpdate) {
  const std::string n = network(admin_token);
  auto p = port(n,
                {{"allowed_address_pairs",
                  {{{"ip_address", "10.0.0.50"}},
                   {{"ip_address", "192.168.1.0/24"}, {"mac_address", "FA:16:3E:AA:BB:CC"}}}}},
                admin_token);
  ASSERT_TRUE(p.contains("id")) << p.dump();
  const std::string id = p["id"];
  const std::string mac = p["mac_address"];
  const auto expected = nlohmann::json::parse(
      R"([{"ip_address": "10.0.0.50", "mac_address": ")" + mac +
      R"("}, {"ip_address": "192.168.1.0/24", "mac_address": "fa:16:3e:aa:bb:cc"}])");
  EXPECT_EQ(p["allowed_address_pairs"], expected);
  EXPECT_EQ(show(id, admin_token)["allowed_address_pairs"], expected);
  EXPECT_EQ(p["port_security_enabled"], true);
  EXPECT_EQ(p["extra_dhcp_opts"], nlohmann::json::array());

  auto replaced =
      put_port(id, {{"allowed_address_pairs", {{{"ip_address", "10.0.0.60"}}}}}, admin_token);
  ASSERT_EQ(replaced.status, 200) << replaced.body;
  EXPECT_EQ(
      json_of(replaced)["port"]["allowed_address_pairs"],
      nlohmann::json::parse(R"([{"ip_address": "10.0.0.60", "mac_address": ")" + mac + R"("}])"));
  // Other changes keep them.
  ASSERT_EQ(put_port(id, {{"name", "renamed"}}, admin_token).status, 200);
  EXPECT_EQ(show(id, admin_token)["allowed_address_pairs"].size(), 1u);
  auto cleared = put_port(id, {{"allowed_address_pairs", nlohmann::json::array()}}, admin_token);
  ASSERT_EQ(cleared.status, 200) << cleared.body;
  EXPECT_EQ(json_of(cleared)["port"]["allowed_address_pairs"], nlohmann::json::array());
}

TEST_F(NetworkPortAttributes, BadAddressPairsAre400) {
  const std::string n = network(admin_token);
  auto with = [&](nlohmann::json pairs) {
    return post_port(n, {{"allowed_address_pairs", pairs}}, admin_token);
  };
  expect_neutron_error(with({{{"mac_address", "fa:16:3e:00:00:09"}}}), 400,
                       "AllowedAddressPairsMissingIP",
                       "AllowedAddressPair must contain ip_address");
  expect_neutron_error(with({{{"ip_address", "10.0.0.300"}}}), 400, "HTTPBadRequest",
                       "'10.0.0.300' is not a valid IP address");
  expect_neutron_error(with({{{"ip_address", "10.0.0.0/40"}}}), 400, "HTTPBadRequest",
                       "is not a valid IP subnet");
  expect_neutron_error(with({{{"ip_address", "10.0.0.5"}, {"mac_address", "zz"}}}), 400,
                       "HTTPBadRequest", "'zz' is not a valid MAC address");
  expect_neutron_error(with({{{"ip_address", "10.0.0.5"}, {"vlan", 3}}}), 400, "HTTPBadRequest",
                       "Unrecognized attribute(s) 'vlan'");
  expect_neutron_error(with({{{"ip_address", "10.0.0.5"}}, {{"ip_address", "10.0.0.5"}}}), 400,
                       "DuplicateAddressPairInRequest");
  nlohmann::json eleven = nlohmann::json::array();
  for (int i = 0; i < 11; ++i)
    eleven.push_back({{"ip_address", "10.0.1." + std::to_string(i + 1)}});
  expect_neutron_error(with(eleven), 400, "AllowedAddressPairExhausted");
  EXPECT_EQ(with("10.0.0.5").status, 400) << "not a list";
  // Nothing was made.
  auto ports = json_of(net("GET", "/ports?network_id=" + n, admin_token))["ports"];
  EXPECT_TRUE(ports.empty()) << ports.dump();
}

TEST_F(NetworkPortAttributes, APortTakesItsNetworksPortSecurity) {
  const auto alice = make_member("alice");
  const std::string open = network(alice.token, {{"port_security_enabled", false}});
  auto shown = net("GET", "/networks/" + open, alice.token);
  EXPECT_EQ(json_of(shown)["network"]["port_security_enabled"], false) << shown.body;
  auto p = port(open, nlohmann::json::object(), alice.token);
  EXPECT_EQ(p["port_security_enabled"], false) << p.dump();
  EXPECT_EQ(p["security_groups"], nlohmann::json::array()) << "no default group without it";
  // Its own choice wins, and then it gets the project's default group.
  auto secured = port(open, {{"port_security_enabled", true}}, alice.token);
  EXPECT_EQ(secured["port_security_enabled"], true);
  EXPECT_EQ(secured["security_groups"].size(), 1u) << secured.dump();

  // The network's value changes for the ports made after.
  auto on = net("PUT", "/networks/" + open, alice.token,
                {{"network", {{"port_security_enabled", true}}}});
  ASSERT_EQ(on.status, 200) << on.body;
  EXPECT_EQ(json_of(on)["network"]["port_security_enabled"], true);
  EXPECT_EQ(port(open, nlohmann::json::object(), alice.token)["port_security_enabled"], true);
  EXPECT_EQ(show(p["id"].get<std::string>(), alice.token)["port_security_enabled"], false);
}

TEST_F(NetworkPortAttributes, WithoutPortSecurityAPortHasNoGroupsNorPairs) {
  const auto alice = make_member("alice");
  const std::string n = network(alice.token);
  auto groups =
      json_of(net("GET", "/security-groups?name=default", alice.token))["security_groups"];
  ASSERT_EQ(groups.size(), 1u);
  const std::string default_group = groups[0]["id"];
  expect_neutron_error(
      post_port(n, {{"port_security_enabled", false}, {"security_groups", {default_group}}},
                alice.token),
      400, "PortSecurityAndIPRequiredForSecurityGroups");
  expect_neutron_error(post_port(n,
                                 {{"port_security_enabled", false},
                                  {"allowed_address_pairs", {{{"ip_address", "10.0.0.50"}}}}},
                                 alice.token),
                       409, "AddressPairAndPortSecurityRequired",
                       "Port Security must be enabled in order to have allowed address pairs on a "
                       "port.");

  // A port with its default group and a pair can't lose its port security
  // unless the same request takes both away.
  auto p = port(n, {{"allowed_address_pairs", {{{"ip_address", "10.0.0.50"}}}}}, alice.token);
  const std::string id = p["id"];
  EXPECT_EQ(p["security_groups"], nlohmann::json::array({default_group}));
  expect_neutron_error(put_port(id, {{"port_security_enabled", false}}, alice.token), 409,
                       "AddressPairAndPortSecurityRequired");
  expect_neutron_error(put_port(id,
                                {{"port_security_enabled", false},
                                 {"allowed_address_pairs", nlohmann::json::array()}},
                                alice.token),
                       409, "PortSecurityPortHasSecurityGroup");
  auto off = put_port(id,
                      {{"port_security_enabled", false},
                       {"allowed_address_pairs", nlohmann::json::array()},
                       {"security_groups", nlohmann::json::array()}},
                      alice.token);
  ASSERT_EQ(off.status, 200) << off.body;
  EXPECT_EQ(json_of(off)["port"]["port_security_enabled"], false);
  EXPECT_EQ(json_of(off)["port"]["security_groups"], nlohmann::json::array());
  // Nothing comes back while it is off; both come back with it.
  expect_neutron_error(put_port(id, {{"security_groups", {default_group}}}, alice.token), 400,
                       "PortSecurityAndIPRequiredForSecurityGroups");
  auto on = put_port(id, {{"port_security_enabled", true}, {"security_groups", {default_group}}},
                     alice.token);
  ASSERT_EQ(on.status, 200) << on.body;
  EXPECT_EQ(json_of(on)["port"]["security_groups"], nlohmann::json::array({default_group}));
}

TEST_F(NetworkPortAttributes, ExtraDhcpOptionsAreMergedByNameAndANullRemovesOne) {
  const std::string n = network(admin_token);
  auto p = port(n,
                {{"extra_dhcp_opts",
                  {{{"opt_name", "tftp-server"}, {"opt_value", "10.0.0.9"}},
                   {{"opt_name", "bootfile-name"}, {"opt_value", "pxelinux.0"}},
                   {{"opt_name", "tftp-server"}, {"opt_value", "2001:db8::9"}, {"ip_version", "6"}},
                   {{"opt_name", "dns-server"}, {"opt_value", nullptr}}}}},
                admin_token);
  ASSERT_TRUE(p.contains("id")) << p.dump();
  const std::string id = p["id"];
  EXPECT_EQ(p["extra_dhcp_opts"], nlohmann::json::parse(R"([
      {"opt_name": "tftp-server", "opt_value": "10.0.0.9", "ip_version": 4},
      {"opt_name": "bootfile-name", "opt_value": "pxelinux.0", "ip_version": 4},
      {"opt_name": "tftp-server", "opt_value": "2001:db8::9", "ip_version": 6}])"));

  auto merged =
      put_port(id,
               {{"extra_dhcp_opts",
                 {{{"opt_name", "bootfile-name"}, {"opt_value", "grub.efi"}},
                  {{"opt_name", "tftp-server"}, {"opt_value", nullptr}, {"ip_version", 6}},
                  {{"opt_name", "server-ip-address"}, {"opt_value", "10.0.0.10"}}}}},
               admin_token);
  ASSERT_EQ(merged.status, 200) << merged.body;
  const auto after = nlohmann::json::parse(R"([
      {"opt_name": "tftp-server", "opt_value": "10.0.0.9", "ip_version": 4},
      {"opt_name": "bootfile-name", "opt_value": "grub.efi", "ip_version": 4},
      {"opt_name": "server-ip-address", "opt_value": "10.0.0.10", "ip_version": 4}])");
  EXPECT_EQ(json_of(merged)["port"]["extra_dhcp_opts"], after);
  EXPECT_EQ(show(id, admin_token)["extra_dhcp_opts"], after);
  // An empty list changes nothing.
  ASSERT_EQ(put_port(id, {{"extra_dhcp_opts", nlohmann::json::array()}}, admin_token).status, 200);
  EXPECT_EQ(show(id, admin_token)["extra_dhcp_opts"], after);

  auto bad = [&](nlohmann::json option) {
    return put_port(id, {{"extra_dhcp_opts", {option}}}, admin_token);
  };
  expect_neutron_error(bad({{"opt_name", "tftp-server"}}), 400, "ExtraDhcpOptBadData",
                       "Validation of dictionary's keys failed");
  expect_neutron_error(bad({{"opt_name", ""}, {"opt_value", "x"}}), 400, "ExtraDhcpOptBadData");
  expect_neutron_error(bad({{"opt_name", "tftp-server"}, {"opt_value", ""}}), 400,
                       "ExtraDhcpOptBadData");
  expect_neutron_error(bad({{"opt_name", "tftp-server"}, {"opt_value", "x"}, {"ip_version", 5}}),
                       400, "ExtraDhcpOptBadData", "'5' is not in [4, 6]");
  EXPECT_EQ(show(id, admin_token)["extra_dhcp_opts"], after) << "a refused update changed it";
}

// On another project's shared network, port security and address pairs are
// the network owner's (Neutron's create_port:port_security_enabled,
// create_port:allowed_address_pairs); DHCP options are the port's own.
TEST_F(NetworkPortAttributes, OnASharedNetworkPortSecurityAndPairsAreTheOwners) {
  const auto alice = make_member("alice");
  const std::string n = network(admin_token, {{"shared", true}});
  expect_neutron_error(post_port(n, {{"port_security_enabled", false}}, alice.token), 403,
                       "PolicyNotAuthorized", "create_port:port_security_enabled");
  expect_neutron_error(
      post_port(n, {{"allowed_address_pairs", {{{"ip_address", "10.0.0.50"}}}}}, alice.token), 403,
      "PolicyNotAuthorized", "create_port:allowed_address_pairs");
  auto p = port(n, {{"extra_dhcp_opts", {{{"opt_name", "bootfile-name"}, {"opt_value", "x.efi"}}}}},
                alice.token);
  ASSERT_TRUE(p.contains("id")) << p.dump();
  expect_neutron_error(
      put_port(p["id"].get<std::string>(),
               {{"allowed_address_pairs", {{{"ip_address", "10.0.0.50"}}}}}, alice.token),
      403, "PolicyNotAuthorized", "update_port:allowed_address_pairs");
  // The network's owner may.
  auto owned = put_port(p["id"].get<std::string>(),
                        {{"allowed_address_pairs", {{{"ip_address", "10.0.0.50"}}}}}, admin_token);
  EXPECT_EQ(owned.status, 200) << owned.body;
}

TEST_F(NetworkPortAttributes, AttributesSurviveARestart) {
  const std::string n = network(admin_token, {{"port_security_enabled", false}});
  auto a = port(n,
                {{"port_security_enabled", true},
                 {"allowed_address_pairs", {{{"ip_address", "10.0.0.0/28"}}}},
                 {"extra_dhcp_opts", {{{"opt_name", "tftp-server"}, {"opt_value", "10.0.0.9"}}}}},
                admin_token);
  auto b = port(n, nlohmann::json::object(), admin_token);
  ASSERT_TRUE(a.contains("id") && b.contains("id"));
  const auto before_a = show(a["id"].get<std::string>(), admin_token);
  const auto before_b = show(b["id"].get<std::string>(), admin_token);
  ASSERT_NO_FATAL_FAILURE(restart());
  EXPECT_EQ(show(a["id"].get<std::string>(), admin_token), before_a);
  EXPECT_EQ(show(b["id"].get<std::string>(), admin_token), before_b);
  EXPECT_EQ(before_b["port_security_enabled"], false);
  auto network_after = json_of(net("GET", "/networks/" + n, admin_token))["network"];
  EXPECT_EQ(network_after["port_security_enabled"], false);
}

}  // namespace
}  // namespace cumulo
