// The config drive's files (virt/config_drive): Nova's metadata of every
// version, the same as the metadata service answers (public_keys and
// network_data.json included), and the ISO when a tool to make it is here.
#include "virt/config_drive.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/temp_dir.hpp"
#include "virt/host_command.hpp"

namespace cumulo {
namespace {

using nlohmann::json;

instance_metadata a_guest() {
  instance_metadata md;
  md.uuid = "0192f0a4-5b6c-7d8e-9f01-23456789abcd";
  md.name = "vm1";
  md.hostname = "vm1";
  md.project_id = "p1";
  md.meta = {{"role", "db"}};
  md.key_name = "alice";
  md.public_key = "ssh-ed25519 AAAA alice@host";
  md.user_data = "#!/bin/sh\necho hi\n";
  md.admin_pass = "pass-1";
  md.random_seed = "c2VlZA==";
  metadata::fixed_address a;
  a.ip_address = "10.0.0.5";
  a.cidr = "10.0.0.0/24";
  a.gateway_ip = "10.0.0.1";
  md.ports.push_back({"port-1", "fa:16:3e:00:00:01", "net-1", 1500, {a}});
  return md;
}

TEST(ConfigDrive, ItHoldsNovasFilesOfEveryVersion) {
  const auto md = a_guest();
  const auto files = config_drive_files(md);
  auto has = [&](const std::string& path) { return files.count(path) == 1; };

  ASSERT_TRUE(has("openstack/latest/meta_data.json"));
  const auto latest = json::parse(files.at("openstack/latest/meta_data.json"));
  EXPECT_EQ(latest["uuid"], md.uuid);
  EXPECT_EQ(latest["hostname"], "vm1");
  EXPECT_EQ(latest["public_keys"], json({{"alice", "ssh-ed25519 AAAA alice@host"}}));
  EXPECT_EQ(latest["keys"][0]["name"], "alice");
  EXPECT_EQ(latest["meta"], json({{"role", "db"}}));
  EXPECT_EQ(latest["admin_pass"], "pass-1");
  EXPECT_EQ(latest["random_seed"], "c2VlZA==");
  EXPECT_EQ(files.at("openstack/latest/user_data"), "#!/bin/sh\necho hi\n");
  const auto net = json::parse(files.at("openstack/latest/network_data.json"));
  EXPECT_EQ(net["links"][0]["ethernet_mac_address"], "fa:16:3e:00:00:01");
  EXPECT_EQ(net["networks"][0]["ip_address"], "10.0.0.5");
  EXPECT_EQ(files.at("openstack/latest/network_data.json"), network_data_json(md))
      << "the metadata service's own answer";
  EXPECT_EQ(files.at("openstack/latest/meta_data.json"), meta_data_json(md, "latest"));

  // Each version has what it had in Nova.
  EXPECT_TRUE(has("openstack/2012-08-10/meta_data.json"));
  EXPECT_TRUE(has("openstack/2012-08-10/user_data"));
  EXPECT_FALSE(has("openstack/2012-08-10/vendor_data.json"));
  EXPECT_FALSE(json::parse(files.at("openstack/2012-08-10/meta_data.json")).contains("project_id"));
  EXPECT_TRUE(has("openstack/2013-10-17/vendor_data.json"));
  EXPECT_FALSE(has("openstack/2013-10-17/network_data.json"));
  EXPECT_TRUE(has("openstack/2015-10-15/network_data.json"));
  EXPECT_FALSE(has("openstack/2016-06-30/vendor_data2.json"));
  EXPECT_TRUE(has("openstack/2016-10-06/vendor_data2.json"));
  EXPECT_TRUE(has("openstack/latest/vendor_data2.json"));
  EXPECT_FALSE(has("openstack/latest/password")) << "Nova's drive has no password file";

  // EC2's, for its last version and latest only (Nova's skip list).
  ASSERT_TRUE(has("ec2/latest/meta-data.json"));
  EXPECT_TRUE(has("ec2/2009-04-04/meta-data.json"));
  EXPECT_FALSE(has("ec2/2008-09-01/meta-data.json"));
  EXPECT_EQ(files.at("ec2/latest/user-data"), "#!/bin/sh\necho hi\n");
  EXPECT_EQ(json::parse(files.at("ec2/latest/meta-data.json"))["instance-id"],
            ec2_id("i", md.uuid));

  // Without user data there is no user_data file.
  auto none = md;
  none.user_data.reset();
  const auto bare = config_drive_files(none);
  EXPECT_EQ(bare.count("openstack/latest/user_data"), 0u);
  EXPECT_EQ(bare.count("ec2/latest/user-data"), 0u);
}

TEST(ConfigDrive, TheRandomSeedIs512RandomBytes) {
  const auto a = random_seed(), b = random_seed();
  EXPECT_EQ(a.size(), 684u) << "512 bytes in padded base64";
  EXPECT_NE(a, b);
  ASSERT_TRUE(decode_base64(a));
  EXPECT_EQ(decode_base64(a)->size(), 512u);
}

TEST(ConfigDrive, TheIsoIsWrittenWhenATool) {
  if (find_program({"genisoimage", "xorriso", "mkisofs"}).empty())
    GTEST_SKIP() << "no genisoimage or xorriso here (./scripts/install-deps --guests)";
  temp_dir dir;
  const auto iso = dir.path() / "config.iso";
  write_config_drive(iso, a_guest());
  ASSERT_TRUE(std::filesystem::exists(iso));
  EXPECT_GT(std::filesystem::file_size(iso), 0u);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "config-drive")) << "the staging folder went";
}

}  // namespace
}  // namespace cumulo
