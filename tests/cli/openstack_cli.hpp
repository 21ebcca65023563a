// Running the real `openstack` CLI (python3-openstackclient, through
// openstacksdk) against the test's cloud as a user types it: a clean
// environment (env -i) with only the OS_* variables of that user, and a
// HOME of the test's own. Identity setup goes over HTTP (identity_test), to
// keep the number of slow CLI processes small.
#pragma once

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "tests/support/keystone_client.hpp"
#include "tests/support/run_command.hpp"

namespace cumulo {

struct cli_user {
  std::string user, password, project;
};

// Base: identity_test or a fixture derived from it (the servers tests'
// seeds images before the cloud starts).
template <class Base>
class openstack_cli : public Base {
 protected:
  void SetUp() override {
    home = this->dir.path() / "home";
    std::filesystem::create_directories(home);
    Base::SetUp();
  }

  command_result openstack(const cli_user& who, const std::vector<std::string>& args) {
    return client(who, "openstack", args);
  }
  // Another client of the same environment (`glance`, python3-glanceclient).
  command_result client(const cli_user& who, const std::string& program,
                        const std::vector<std::string>& args) {
    std::vector<std::string> argv{"/usr/bin/env", "-i", "PATH=/usr/bin:/bin",
                                  "HOME=" + home.string(), "no_proxy=127.0.0.1",
                                  "NO_PROXY=127.0.0.1"};
    for (const std::string& v :
         {"OS_USERNAME=" + who.user, "OS_PASSWORD=" + who.password,
          "OS_AUTH_URL=" + this->cloud->url("/v3"), "OS_PROJECT_NAME=" + who.project,
          std::string("OS_USER_DOMAIN_NAME=Default"), std::string("OS_PROJECT_DOMAIN_NAME=Default"),
          std::string("OS_IDENTITY_API_VERSION=3"), std::string("OS_REGION_NAME=RegionOne")})
      argv.push_back(v);
    argv.push_back(program);
    argv.insert(argv.end(), args.begin(), args.end());
    last_command = "[as " + who.user + "] " + program;
    for (const auto& a : args) last_command += " " + a;
    ++invocations;
    return run_command(argv);
  }
  // As the admin.
  command_result cli(const std::vector<std::string>& args) {
    return openstack({"admin", kAdminPassword, "admin"}, args);
  }

  std::string report(const command_result& r) const {
    return last_command + "\nexit " + std::to_string(r.exit_code) + "\nstdout: " + r.out +
           "\nstderr: " + r.err;
  }
  nlohmann::json json_out(const command_result& r) {
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << "not JSON\n" << report(r);
    return j.is_discarded() ? nlohmann::json::object() : j;
  }
  static std::set<std::string> column(const nlohmann::json& rows, const std::string& key) {
    std::set<std::string> out;
    if (rows.is_array())
      for (const auto& row : rows) out.insert(row.value(key, ""));
    return out;
  }

  std::filesystem::path home;
  std::string last_command;
  int invocations = 0;
};

using openstack_cli_test = openstack_cli<identity_test>;

}  // namespace cumulo
