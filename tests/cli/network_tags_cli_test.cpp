// The real `openstack` CLI against a real `cumulo serve` for Neutron's tags
// (network create/set/unset --tag, list --tags/--any-tags/--not-tags, port
// create --tag, which sends its tags in the POST), its agents (network
// agent list/show/set/delete) and its availability zones (availability
// zone list --network), parsed from `-f json`.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>
#include <string>
#include <vector>

#include "tests/cli/openstack_cli.hpp"

namespace cumulo {
namespace {

using NetworkTagsCli = openstack_cli_test;
using names = std::set<std::string>;

names set_of(const nlohmann::json& list) {
  names out;
  if (list.is_array())
    for (const auto& t : list) out.insert(t.get<std::string>());
  return out;
}

TEST_F(NetworkTagsCli, NetworkAndPortTagsAsTheCliSetsUnsetsAndFilters) {
  auto created = cli({"network", "create", "--tag", "red", "--tag", "blue", "net1", "-f", "json"});
  ASSERT_EQ(created.exit_code, 0) << report(created);
  EXPECT_EQ(set_of(json_out(created)["tags"]), (names{"blue", "red"})) << report(created);
  auto other = cli({"network", "create", "--tag", "red", "net2", "-f", "json"});
  ASSERT_EQ(other.exit_code, 0) << report(other);

  auto set = cli({"network", "set", "--tag", "green", "net1"});
  ASSERT_EQ(set.exit_code, 0) << report(set);
  auto unset = cli({"network", "unset", "--tag", "red", "net1"});
  ASSERT_EQ(unset.exit_code, 0) << report(unset);
  auto shown = cli({"network", "show", "net1", "-f", "json"});
  ASSERT_EQ(shown.exit_code, 0) << report(shown);
  EXPECT_EQ(set_of(json_out(shown)["tags"]), (names{"blue", "green"})) << report(shown);

  auto all_of = cli({"network", "list", "--tags", "blue,green", "-f", "json"});
  ASSERT_EQ(all_of.exit_code, 0) << report(all_of);
  EXPECT_EQ(column(json_out(all_of), "Name"), names{"net1"}) << report(all_of);
  auto any_of = cli({"network", "list", "--any-tags", "red,green", "-f", "json"});
  ASSERT_EQ(any_of.exit_code, 0) << report(any_of);
  EXPECT_EQ(column(json_out(any_of), "Name"), (names{"net1", "net2"})) << report(any_of);
  auto none_of = cli({"network", "list", "--not-any-tags", "green", "-f", "json"});
  ASSERT_EQ(none_of.exit_code, 0) << report(none_of);
  EXPECT_EQ(column(json_out(none_of), "Name"), names{"net2"}) << report(none_of);

  auto port = cli(
      {"port", "create", "--network", "net1", "--tag", "vm", "--tag", "db", "p1", "-f", "json"});
  ASSERT_EQ(port.exit_code, 0) << report(port);
  EXPECT_EQ(set_of(json_out(port)["tags"]), (names{"db", "vm"})) << report(port);
  auto ports = cli({"port", "list", "--tags", "vm", "-f", "json"});
  ASSERT_EQ(ports.exit_code, 0) << report(ports);
  EXPECT_EQ(column(json_out(ports), "Name"), names{"p1"}) << report(ports);

  auto cleared = cli({"network", "unset", "--all-tag", "net1"});
  ASSERT_EQ(cleared.exit_code, 0) << report(cleared);
  auto bare = cli({"network", "show", "net1", "-f", "json"});
  ASSERT_EQ(bare.exit_code, 0) << report(bare);
  EXPECT_EQ(json_out(bare)["tags"], nlohmann::json::array()) << report(bare);
  EXPECT_LE(invocations, 13);
}

TEST_F(NetworkTagsCli, NetworkAgentsAndZonesAsAnAdminSeesThem) {
  auto listed = cli({"network", "agent", "list", "-f", "json"});
  ASSERT_EQ(listed.exit_code, 0) << report(listed);
  const auto rows = json_out(listed);
  ASSERT_EQ(rows.size(), 3u) << report(listed);
  EXPECT_EQ(column(rows, "Agent Type"), (names{"DHCP agent", "L3 agent", "Metadata agent"}));
  EXPECT_EQ(column(rows, "Binary"),
            (names{"neutron-dhcp-agent", "neutron-l3-agent", "neutron-metadata-agent"}));
  std::string dhcp_id;
  for (const auto& row : rows) {
    EXPECT_EQ(row["Alive"], true) << report(listed);
    EXPECT_EQ(row["State"], true) << report(listed);
    if (row.value("Agent Type", "") == "DHCP agent") {
      dhcp_id = row.value("ID", "");
      EXPECT_EQ(row["Availability Zone"], "nova") << report(listed);
    }
  }
  ASSERT_FALSE(dhcp_id.empty());

  auto set = cli({"network", "agent", "set", "--description", "drained", "--disable", dhcp_id});
  ASSERT_EQ(set.exit_code, 0) << report(set);
  auto shown = cli({"network", "agent", "show", dhcp_id, "-f", "json"});
  ASSERT_EQ(shown.exit_code, 0) << report(shown);
  const auto agent = json_out(shown);
  EXPECT_EQ(agent["agent_type"], "DHCP agent") << report(shown);
  EXPECT_EQ(agent["description"], "drained") << report(shown);
  EXPECT_EQ(agent["admin_state_up"], false) << report(shown);
  EXPECT_EQ(agent["alive"], true) << report(shown);

  auto net = cli({"network", "create", "hosted", "-f", "json"});
  ASSERT_EQ(net.exit_code, 0) << report(net);
  auto sub = cli(
      {"subnet", "create", "--network", "hosted", "--subnet-range", "10.9.0.0/24", "hosted-sub"});
  ASSERT_EQ(sub.exit_code, 0) << report(sub);
  auto hosting = cli({"network", "agent", "list", "--network", "hosted", "-f", "json"});
  ASSERT_EQ(hosting.exit_code, 0) << report(hosting);
  EXPECT_EQ(column(json_out(hosting), "ID"), names{dhcp_id}) << report(hosting);

  // Its only DHCP agent down, the zone offers no network.
  auto zones = cli({"availability", "zone", "list", "--network", "-f", "json"});
  ASSERT_EQ(zones.exit_code, 0) << report(zones);
  const auto z = json_out(zones);
  ASSERT_EQ(z.size(), 2u) << report(zones);
  EXPECT_EQ(column(z, "Zone Name"), names{"nova"});
  EXPECT_EQ(column(z, "Zone Status"), (names{"available", "not available"})) << report(zones);

  auto deleted = cli({"network", "agent", "delete", dhcp_id});
  ASSERT_EQ(deleted.exit_code, 0) << report(deleted);
  auto gone = cli({"network", "agent", "show", dhcp_id});
  EXPECT_NE(gone.exit_code, 0) << report(gone);
  EXPECT_LE(invocations, 10);
}

}  // namespace
}  // namespace cumulo
