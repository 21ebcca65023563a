// Nova's server groups over HTTP on a real `cumulo serve` with three
// compute hosts: create by microversion (policies / policy and rules),
// quotas, an anti-affinity group that spreads its members over the hosts
// and refuses a fourth (NoValidHost in the server's fault), affinity that
// keeps them together, membership shown in the group and the server (2.71),
// a delete that leaves the group, and the placements kept across a restart.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <thread>

#include "tests/support/compute_servers_support.hpp"

namespace cumulo {
namespace {

using nlohmann::json;

class ServerGroups : public servers_test {
 protected:
  std::vector<std::string> extra_args() const override {
    const auto file = dir.path() / "hosts.txt";
    std::ofstream(file) << "node-1 4 4096 40\nnode-2 4 4096 40\nnode-3 4 4096 40\n";
    return {"--hosts-file", file.string()};
  }

  std::string create_group(const std::string& token, const json& group,
                           const std::string& version) {
    auto r = compute("POST", "/os-server-groups", token, {{"server_group", group}}, version);
    EXPECT_EQ(r.status, 200) << r.body;
    return json_of(r)["server_group"].value("id", "");
  }

  http_response boot_in(const std::string& token, const std::string& name,
                        const std::string& network, const std::string& group) {
    auto b = boot_body(name, network);
    b["os:scheduler_hints"] = {{"group", group}};
    return compute("POST", "/servers", token, b);
  }

  std::string host_of(const std::string& id) {
    return settle(admin_token, id).value("OS-EXT-SRV-ATTR:host", "");
  }
};

TEST_F(ServerGroups, CreateShowListDeleteByMicroversion) {
  auto m = make_member("groups");
  auto old = compute("POST", "/os-server-groups", m.token,
                     {{"server_group", {{"name", "g"}, {"policies", {"anti-affinity"}}}}});
  ASSERT_EQ(old.status, 200) << old.body;
  auto g = json_of(old)["server_group"];
  EXPECT_EQ(g["policies"], json({"anti-affinity"}));
  EXPECT_EQ(g["members"], json::array());
  EXPECT_EQ(g["metadata"], json::object());
  EXPECT_FALSE(g.contains("project_id")) << "2.13";
  const std::string id = g.value("id", "");

  auto v64 = compute(
      "POST", "/os-server-groups", m.token,
      {{"server_group",
        {{"name", "g2"}, {"policy", "anti-affinity"}, {"rules", {{"max_server_per_host", 2}}}}}},
      "2.64");
  ASSERT_EQ(v64.status, 200) << v64.body;
  auto g2 = json_of(v64)["server_group"];
  EXPECT_EQ(g2["policy"], "anti-affinity");
  EXPECT_EQ(g2["rules"], json({{"max_server_per_host", 2}}));
  EXPECT_EQ(g2["project_id"], m.project_id);

  // Nova's 400s.
  EXPECT_EQ(compute("POST", "/os-server-groups", m.token,
                    {{"server_group", {{"name", "x"}, {"policies", {"soft-affinity"}}}}}, "2.14")
                .status,
            400)
      << "the soft policies are 2.15's";
  EXPECT_EQ(compute("POST", "/os-server-groups", m.token,
                    {{"server_group", {{"name", "x"}, {"policy", "affinity"}}}})
                .status,
            400)
      << "policy is 2.64's";
  EXPECT_EQ(
      compute("POST", "/os-server-groups", m.token,
              {{"server_group",
                {{"name", "x"}, {"policy", "affinity"}, {"rules", {{"max_server_per_host", 2}}}}}},
              "2.64")
          .status,
      400);
  EXPECT_EQ(compute("POST", "/os-server-groups", m.token,
                    {{"server_group", {{"name", "x"}, {"policies", {"spread"}}}}})
                .status,
            400);

  auto list = json_of(compute("GET", "/os-server-groups", m.token))["server_groups"];
  EXPECT_EQ(list.size(), 2u) << list.dump();
  EXPECT_EQ(json_of(compute("GET", "/os-server-groups?limit=1&offset=1", m.token))["server_groups"]
                .size(),
            1u);
  auto other = make_member("groups-other");
  EXPECT_EQ(json_of(compute("GET", "/os-server-groups", other.token))["server_groups"].size(), 0u);
  EXPECT_EQ(compute("GET", "/os-server-groups/" + id, other.token).status, 404);
  EXPECT_EQ(compute("GET", "/os-server-groups?all_projects=True", other.token).status, 403);
  EXPECT_GE(
      json_of(compute("GET", "/os-server-groups?all_projects=True", admin_token))["server_groups"]
          .size(),
      2u);
  EXPECT_EQ(compute("GET", "/os-server-groups/" + id, m.token).status, 200);
  EXPECT_EQ(compute("DELETE", "/os-server-groups/" + id, other.token).status, 404);
  EXPECT_EQ(compute("DELETE", "/os-server-groups/" + id, m.token).status, 204);
  EXPECT_EQ(compute("GET", "/os-server-groups/" + id, m.token).status, 404);

  // The server_groups quota (10 by default; 2 here).
  ASSERT_EQ(compute("PUT", "/os-quota-sets/" + m.project_id, admin_token,
                    {{"quota_set", {{"server_groups", 2}}}})
                .status,
            200);
  create_group(m.token, {{"name", "g3"}, {"policies", {"affinity"}}}, "2.1");
  auto over = compute("POST", "/os-server-groups", m.token,
                      {{"server_group", {{"name", "g4"}, {"policies", {"affinity"}}}}});
  EXPECT_EQ(over.status, 403) << over.body;
}

TEST_F(ServerGroups, AntiAffinitySpreadsAndRefusesWhenNoHostIsLeft) {
  auto m = make_member("spread");
  const auto net = make_network(m.token, "private");
  const auto group =
      create_group(m.token, {{"name", "spread"}, {"policies", {"anti-affinity"}}}, "2.1");
  std::set<std::string> hosts;
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    auto r = boot_in(m.token, "web-" + std::to_string(i), net, group);
    ASSERT_EQ(r.status, 202) << r.body;
    ids.push_back(json_of(r)["server"].value("id", ""));
  }
  for (const auto& id : ids) hosts.insert(host_of(id));
  EXPECT_EQ(hosts.size(), 3u) << "one member per host";
  auto g = json_of(compute("GET", "/os-server-groups/" + group, m.token))["server_group"];
  EXPECT_EQ(g["members"].size(), 3u) << g.dump();
  EXPECT_EQ(json_of(compute("GET", "/servers/" + ids[0], m.token, nullptr,
                            "2.71"))["server"]["server_groups"],
            json({group}));

  // A fourth member finds no host: ERROR with NoValidHost and each host's reason.
  auto fourth = boot_in(m.token, "web-3", net, group);
  ASSERT_EQ(fourth.status, 202) << fourth.body;
  const std::string fourth_id = json_of(fourth)["server"].value("id", "");
  auto failed = settle(admin_token, fourth_id);
  EXPECT_EQ(failed.value("status", ""), "ERROR") << failed.dump();
  EXPECT_NE(failed["fault"].dump().find("No valid host"), std::string::npos) << failed.dump();
  EXPECT_NE(failed["fault"].dump().find("anti-affinity"), std::string::npos) << failed.dump();

  // A deleted member frees its host and leaves the group; the next one
  // takes that host.
  ASSERT_EQ(compute("DELETE", "/servers/" + fourth_id, m.token).status, 204);
  const std::string freed = host_of(ids[1]);
  ASSERT_EQ(compute("DELETE", "/servers/" + ids[1], m.token).status, 204);
  for (int i = 0; i < 100 && compute("GET", "/servers/" + ids[1], m.token).status != 404; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  g = json_of(compute("GET", "/os-server-groups/" + group, m.token))["server_group"];
  EXPECT_EQ(g["members"].size(), 2u) << g.dump();

  // After a restart the scheduler still knows where the members are.
  restart();
  auto again = boot_in(m.token, "web-4", net, group);
  ASSERT_EQ(again.status, 202) << again.body;
  EXPECT_EQ(host_of(json_of(again)["server"].value("id", "")), freed);

  // An unknown group is Nova's 400; the member quota is 403.
  EXPECT_EQ(boot_in(m.token, "x", net, "no-such-group").status, 400);
  ASSERT_EQ(compute("PUT", "/os-quota-sets/" + m.project_id, admin_token,
                    {{"quota_set", {{"server_group_members", 3}}}})
                .status,
            200);
  auto over = boot_in(m.token, "web-5", net, group);
  EXPECT_EQ(over.status, 403) << over.body;
}

TEST_F(ServerGroups, AffinityKeepsMembersTogether) {
  auto m = make_member("together");
  const auto net = make_network(m.token, "private");
  const auto group = create_group(m.token, {{"name", "together"}, {"policy", "affinity"}}, "2.64");
  std::set<std::string> hosts;
  for (int i = 0; i < 3; ++i) {
    auto r = boot_in(m.token, "db-" + std::to_string(i), net, group);
    ASSERT_EQ(r.status, 202) << r.body;
    hosts.insert(host_of(json_of(r)["server"].value("id", "")));
  }
  EXPECT_EQ(hosts.size(), 1u);
}

}  // namespace
}  // namespace cumulo
