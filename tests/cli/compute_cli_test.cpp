// The real `openstack` CLI (python3-openstackclient 6.0: flavors and
// keypairs through openstacksdk, hypervisors, limits and quotas through
// novaclient) against a real `cumulo serve` with two compute hosts, in a
// clean environment (env -i), parsed from `-f json`.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "tests/cli/openstack_cli.hpp"

namespace cumulo {
namespace {

// Two compute hosts, compute-1 and compute-2, on test nodes.
class ComputeCli : public openstack_cli_test {
 protected:
  std::vector<std::string> extra_args() const override { return {"--hosts", "2"}; }
};

TEST_F(ComputeCli, FlavorLifecycle) {
  auto list = cli({"flavor", "list", "-f", "json"});
  ASSERT_EQ(list.exit_code, 0) << report(list);
  EXPECT_EQ(column(json_out(list), "Name"),
            (std::set<std::string>{"m1.tiny", "m1.small", "m1.medium", "m1.large", "m1.xlarge"}));

  auto created = cli({"flavor", "create", "--ram", "256", "--disk", "1", "--vcpus", "1",
                      "--description", "tiny test", "f.cli", "-f", "json"});
  ASSERT_EQ(created.exit_code, 0) << report(created);
  auto f = json_out(created);
  EXPECT_EQ(f.value("name", ""), "f.cli") << report(created);
  EXPECT_EQ(f.value("ram", 0), 256) << report(created);
  EXPECT_EQ(f.value("description", ""), "tiny test") << report(created);
  const std::string id = f.value("id", "");

  auto shown = cli({"flavor", "show", "f.cli", "-f", "json"});
  ASSERT_EQ(shown.exit_code, 0) << report(shown);
  EXPECT_EQ(json_out(shown).value("id", ""), id);
  auto tiny = cli({"flavor", "show", "m1.tiny", "-f", "json"});
  ASSERT_EQ(tiny.exit_code, 0) << report(tiny);
  EXPECT_EQ(json_out(tiny).value("vcpus", 0), 1);

  auto dup = cli({"flavor", "create", "--ram", "256", "--disk", "1", "--vcpus", "1", "f.cli"});
  EXPECT_NE(dup.exit_code, 0) << report(dup);
  EXPECT_NE(dup.err.find("Flavor with name f.cli already exists."), std::string::npos)
      << report(dup);

  auto deleted = cli({"flavor", "delete", "f.cli"});
  ASSERT_EQ(deleted.exit_code, 0) << report(deleted);
  auto after = cli({"flavor", "list", "-f", "json"});
  EXPECT_EQ(column(json_out(after), "Name").count("f.cli"), 0u) << report(after);
}

TEST_F(ComputeCli, KeypairLifecycle) {
  // No public key: Nova makes one and the CLI prints the private key, once.
  auto made = cli({"keypair", "create", "k1"});
  ASSERT_EQ(made.exit_code, 0) << report(made);
  EXPECT_NE(made.out.find("BEGIN OPENSSH PRIVATE KEY"), std::string::npos) << report(made);

  auto pub_path = dir.path() / "k2.pub";
  {
    std::ofstream(pub_path)
        << "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFXMiatOrtirOZkWl9eB38z6fdt8Nb3nSCNIfhz6jtv0 "
           "test@host\n";
  }
  auto imported = cli({"keypair", "create", "--public-key", pub_path.string(), "k2", "-f", "json"});
  ASSERT_EQ(imported.exit_code, 0) << report(imported);
  EXPECT_EQ(json_out(imported).value("fingerprint", ""),
            "4c:e5:d3:45:61:93:cc:d9:8c:aa:ac:bc:bd:5e:81:4f")
      << report(imported);

  auto list = cli({"keypair", "list", "-f", "json"});
  ASSERT_EQ(list.exit_code, 0) << report(list);
  EXPECT_EQ(column(json_out(list), "Name"), (std::set<std::string>{"k1", "k2"}));
  auto shown = cli({"keypair", "show", "k2", "-f", "json"});
  ASSERT_EQ(shown.exit_code, 0) << report(shown);
  EXPECT_EQ(json_out(shown).value("name", ""), "k2");
  auto pub = cli({"keypair", "show", "--public-key", "k1"});
  ASSERT_EQ(pub.exit_code, 0) << report(pub);
  EXPECT_EQ(pub.out.rfind("ssh-ed25519 ", 0), 0u) << report(pub);

  auto deleted = cli({"keypair", "delete", "k1"});
  ASSERT_EQ(deleted.exit_code, 0) << report(deleted);
  auto gone = cli({"keypair", "show", "k1"});
  EXPECT_NE(gone.exit_code, 0) << report(gone);
}

TEST_F(ComputeCli, HypervisorsLimitsAndQuotas) {
  auto list = cli({"hypervisor", "list", "-f", "json"});
  ASSERT_EQ(list.exit_code, 0) << report(list);
  auto rows = json_out(list);
  EXPECT_EQ(column(rows, "Hypervisor Hostname"), (std::set<std::string>{"compute-1", "compute-2"}))
      << report(list);
  auto shown = cli({"hypervisor", "show", "compute-2", "-f", "json"});
  ASSERT_EQ(shown.exit_code, 0) << report(shown);
  auto h = json_out(shown);
  EXPECT_EQ(h.value("hypervisor_hostname", ""), "compute-2") << report(shown);
  EXPECT_EQ(h.value("host_ip", ""), "127.0.0.1") << report(shown);
  auto stats = cli({"hypervisor", "stats", "show", "-f", "json"});
  ASSERT_EQ(stats.exit_code, 0) << report(stats);
  EXPECT_EQ(json_out(stats).value("count", 0), 2) << report(stats);
  EXPECT_EQ(json_out(stats).value("vcpus", 0), 16) << report(stats);

  auto limits = cli({"limits", "show", "--absolute", "-f", "json"});
  ASSERT_EQ(limits.exit_code, 0) << report(limits);
  bool found = false;
  for (const auto& row : json_out(limits))
    if (row.value("Name", "") == "maxTotalInstances") {
      found = true;
      EXPECT_EQ(row.value("Value", 0), 10) << report(limits);
    }
  EXPECT_TRUE(found) << report(limits);

  auto quota = cli({"quota", "show", "-f", "json"});
  ASSERT_EQ(quota.exit_code, 0) << report(quota);
  auto q = json_out(quota);
  EXPECT_EQ(q.value("instances", 0), 10) << report(quota);
  EXPECT_EQ(q.value("cores", 0), 20) << report(quota);
  EXPECT_EQ(q.value("ram", 0), 51200) << report(quota);

  // A member may not list hypervisors, in Nova's words.
  auto m = make_member("mallory");
  auto refused = openstack({m.user_name, m.password, m.project_name}, {"hypervisor", "list"});
  EXPECT_NE(refused.exit_code, 0) << report(refused);
  EXPECT_NE(refused.err.find("Policy doesn't allow os_compute_api:os-hypervisors:list-detail to "
                             "be performed. (HTTP 403)"),
            std::string::npos)
      << report(refused);
}

}  // namespace
}  // namespace cumulo
