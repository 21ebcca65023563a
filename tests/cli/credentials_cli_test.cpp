// The real `openstack` CLI (python3-openstackclient, keystoneclient
// underneath) against a real `cumulo serve`: a member's EC2 credentials
// (`ec2 credentials create/list/show/delete`) and credentials of any type
// (`credential create/list/show/set/delete`), which are the same records,
// as a user types them, parsed from `-f json`. The member is made over HTTP
// to keep the number of (slow) CLI processes small.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>
#include <string>
#include <vector>

#include "engine/credential_state.hpp"
#include "tests/cli/openstack_cli.hpp"

namespace cumulo {
namespace {

using CredentialsCli = openstack_cli_test;

TEST_F(CredentialsCli, AMembersEc2CredentialsAndCredentials) {
  auto m = make_member("alice");
  const cli_user alice{m.user_name, m.password, m.project_name};

  // ec2 credentials: made for the token's user and project.
  auto made = openstack(alice, {"ec2", "credentials", "create", "-f", "json"});
  ASSERT_EQ(made.exit_code, 0) << report(made);
  auto ec2 = json_out(made);
  const std::string access = ec2.value("access", "");
  const std::string secret = ec2.value("secret", "");
  EXPECT_EQ(access.size(), 32u) << report(made);
  EXPECT_EQ(secret.size(), 32u) << report(made);
  EXPECT_EQ(ec2.value("project_id", ""), m.project_id) << report(made);
  EXPECT_EQ(ec2.value("user_id", ""), m.user_id) << report(made);

  auto listed = openstack(alice, {"ec2", "credentials", "list", "-f", "json"});
  ASSERT_EQ(listed.exit_code, 0) << report(listed);
  EXPECT_EQ(column(json_out(listed), "Access"), std::set<std::string>{access}) << report(listed);
  EXPECT_EQ(column(json_out(listed), "Project ID"), std::set<std::string>{m.project_id});
  auto shown = openstack(alice, {"ec2", "credentials", "show", access, "-f", "json"});
  ASSERT_EQ(shown.exit_code, 0) << report(shown);
  EXPECT_EQ(json_out(shown).value("secret", ""), secret) << report(shown);

  // The same record among the credentials, with the others made there.
  auto cert = openstack(alice, {"credential", "create", m.user_id, "my certificate", "-f", "json"});
  ASSERT_EQ(cert.exit_code, 0) << report(cert);
  const std::string cert_id = json_out(cert).value("id", "");
  EXPECT_EQ(json_out(cert).value("type", ""), "cert") << "OSC's default type\n" << report(cert);
  EXPECT_EQ(json_out(cert).value("blob", ""), "my certificate") << report(cert);
  auto own = openstack(
      alice, {"credential", "create", "--type", "ec2", "--project", m.project_id, m.user_id,
              R"({"access": "cli-access", "secret": "cli-secret"})", "-f", "json"});
  ASSERT_EQ(own.exit_code, 0) << report(own);
  EXPECT_EQ(json_out(own).value("id", ""), ec2_credential_id("cli-access")) << report(own);
  auto again = openstack(alice, {"credential", "create", "--type", "ec2", "--project", m.project_id,
                                 m.user_id, R"({"access": "cli-access", "secret": "other"})"});
  EXPECT_NE(again.exit_code, 0) << "an access key is stored once\n" << report(again);
  EXPECT_NE(again.err.find("409"), std::string::npos) << report(again);

  auto all = openstack(alice, {"credential", "list", "-f", "json"});
  ASSERT_EQ(all.exit_code, 0) << report(all);
  EXPECT_EQ(
      column(json_out(all), "ID"),
      (std::set<std::string>{ec2_credential_id(access), ec2_credential_id("cli-access"), cert_id}))
      << report(all);
  auto ec2s = openstack(alice, {"credential", "list", "--type", "ec2", "-f", "json"});
  ASSERT_EQ(ec2s.exit_code, 0) << report(ec2s);
  EXPECT_EQ(json_out(ec2s).size(), 2u) << report(ec2s);
  auto both = openstack(alice, {"ec2", "credentials", "list", "-f", "json"});
  ASSERT_EQ(both.exit_code, 0) << report(both);
  EXPECT_EQ(column(json_out(both), "Access"), (std::set<std::string>{access, "cli-access"}))
      << report(both);

  auto set = openstack(alice, {"credential", "set", "--user", m.user_id, "--type", "cert", "--data",
                               "renewed certificate", cert_id});
  ASSERT_EQ(set.exit_code, 0) << report(set);
  auto cert_shown = openstack(alice, {"credential", "show", cert_id, "-f", "json"});
  ASSERT_EQ(cert_shown.exit_code, 0) << report(cert_shown);
  EXPECT_EQ(json_out(cert_shown).value("blob", ""), "renewed certificate") << report(cert_shown);

  // Another member sees none of them.
  auto b = make_member("bob");
  const cli_user bob{b.user_name, b.password, b.project_name};
  auto foreign = openstack(bob, {"credential", "show", cert_id});
  EXPECT_NE(foreign.exit_code, 0) << report(foreign);
  auto bobs = openstack(bob, {"credential", "list", "-f", "json"});
  ASSERT_EQ(bobs.exit_code, 0) << report(bobs);
  EXPECT_TRUE(json_out(bobs).empty()) << report(bobs);

  auto gone = openstack(alice, {"ec2", "credentials", "delete", access});
  ASSERT_EQ(gone.exit_code, 0) << report(gone);
  auto gone_too = openstack(alice, {"credential", "delete", cert_id});
  ASSERT_EQ(gone_too.exit_code, 0) << report(gone_too);
  auto left = openstack(alice, {"credential", "list", "-f", "json"});
  ASSERT_EQ(left.exit_code, 0) << report(left);
  EXPECT_EQ(column(json_out(left), "ID"), std::set<std::string>{ec2_credential_id("cli-access")})
      << report(left);
  auto no_more = openstack(alice, {"ec2", "credentials", "show", access});
  EXPECT_NE(no_more.exit_code, 0) << report(no_more);
}

}  // namespace
}  // namespace cumulo
