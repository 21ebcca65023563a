// `cumulo serve`'s compute hosts: --hosts, --hosts-file, --hypervisor.
#include <gtest/gtest.h>

#include <fstream>

#include "tests/support/run_command.hpp"
#include "tests/support/served_cloud.hpp"
#include "tests/temp_dir.hpp"

namespace cumulo {
namespace {

TEST(ServeComputeHosts, HostsGetANodeOfTheirOwnAndRegister) {
  temp_dir dir;
  served_cloud cloud(dir.path() / "data", dir.path(), {"--hosts", "3"});
  ASSERT_TRUE(cloud.serving()) << cloud.err();
  for (const char* name : {"compute-1", "compute-2", "compute-3"}) {
    EXPECT_TRUE(
        std::filesystem::exists(dir.path() / "data" / "hosts" / (std::string(name) + ".xml")));
    EXPECT_NE(cloud.out().find(std::string("compute host ") + name +
                               ": registered (8 vCPUs, 16384 MB, 200 GB, test"),
              std::string::npos)
        << cloud.out();
  }
  EXPECT_EQ(cloud.stop(SIGTERM), 0) << cloud.err();
}

TEST(ServeComputeHosts, AHostsFileGivesTheCapacities) {
  temp_dir dir;
  const auto file = dir.path() / "hosts.txt";
  std::ofstream(file) << "# name vcpus memory_mb disk_gb\nbig 16 65536 500\nsmall 2 2048 20\n";
  served_cloud cloud(dir.path() / "data", dir.path(), {"--hosts-file", file.string()});
  ASSERT_TRUE(cloud.serving()) << cloud.err();
  EXPECT_NE(cloud.out().find("compute host big: registered (16 vCPUs, 65536 MB, 500 GB"),
            std::string::npos)
      << cloud.out();
  EXPECT_NE(cloud.out().find("compute host small: registered (2 vCPUs, 2048 MB, 20 GB"),
            std::string::npos)
      << cloud.out();
  EXPECT_EQ(cloud.stop(SIGTERM), 0) << cloud.err();
}

TEST(ServeComputeHosts, BadFlagsAreRefusedWithAReason) {
  temp_dir dir;
  const auto data = (dir.path() / "data").string();
  auto xen = run_command({CUMULO_BINARY, "serve", "--data-dir", data, "--hypervisor", "xen:///"});
  EXPECT_EQ(xen.exit_code, 2);
  EXPECT_NE(xen.err.find("or QEMU (qemu:///system) only"), std::string::npos) << xen.err;
  const auto file = dir.path() / "bad.txt";
  std::ofstream(file) << "ok 1 512 10\nok 2 1024 10\n";
  auto twice =
      run_command({CUMULO_BINARY, "serve", "--data-dir", data, "--hosts-file", file.string()});
  EXPECT_EQ(twice.exit_code, 2);
  EXPECT_NE(twice.err.find("line 2: host ok is given twice"), std::string::npos) << twice.err;
  auto both = run_command({CUMULO_BINARY, "serve", "--data-dir", data, "--hosts", "2",
                           "--hypervisor", "test:///default"});
  EXPECT_NE(both.exit_code, 0);
}

}  // namespace
}  // namespace cumulo
