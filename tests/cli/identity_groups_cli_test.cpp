// Keystone's groups with the real `openstack` CLI (keystoneclient
// underneath): a group made, a user added and checked, the user's groups,
// a role granted to the group on a project, the user's effective
// assignments, and the user's token on that project, which works while
// the user is a member and is refused once it is not.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/cli/openstack_cli.hpp"

namespace cumulo {
namespace {

class IdentityGroupsCli : public openstack_cli_test {};

TEST_F(IdentityGroupsCli, AUserHoldsARoleThroughAGroupUntilItLeaves) {
  const std::string demo = create_project("demo");
  const std::string alice = create_user("alice", "alice-pw");
  const std::string member = role_id("member");
  ASSERT_FALSE(HasFailure());
  const cli_user as_alice{"alice", "alice-pw", "demo"};

  auto made = cli({"group", "create", "--description", "the developers", "devs", "-f", "json"});
  ASSERT_EQ(made.exit_code, 0) << report(made);
  auto group = json_out(made);
  EXPECT_EQ(group.value("name", ""), "devs") << report(made);
  EXPECT_EQ(group.value("domain_id", ""), "default") << report(made);
  EXPECT_EQ(group.value("description", ""), "the developers") << report(made);
  const std::string devs = group.value("id", "");
  ASSERT_FALSE(devs.empty()) << report(made);

  auto added = cli({"group", "add", "user", "devs", "alice"});
  ASSERT_EQ(added.exit_code, 0) << report(added);
  auto contains = cli({"group", "contains", "user", "devs", "alice"});
  ASSERT_EQ(contains.exit_code, 0) << report(contains);
  EXPECT_NE(contains.out.find("alice in group devs"), std::string::npos) << report(contains);

  auto listed = cli({"group", "list", "--user", "alice", "-f", "json"});
  ASSERT_EQ(listed.exit_code, 0) << report(listed);
  auto rows = json_out(listed);
  ASSERT_TRUE(rows.is_array()) << report(listed);
  ASSERT_EQ(rows.size(), 1u) << report(listed);
  EXPECT_EQ(rows[0].value("Name", ""), "devs") << report(listed);
  EXPECT_EQ(rows[0].value("ID", ""), devs) << report(listed);

  // No role yet: alice has no way into demo.
  auto refused_before = openstack(as_alice, {"token", "issue", "-f", "json"});
  EXPECT_NE(refused_before.exit_code, 0) << report(refused_before);

  auto granted = cli({"role", "add", "--group", "devs", "--project", "demo", "member"});
  ASSERT_EQ(granted.exit_code, 0) << report(granted);

  auto effective =
      cli({"role", "assignment", "list", "--effective", "--user", "alice", "-f", "json"});
  ASSERT_EQ(effective.exit_code, 0) << report(effective);
  auto assignments = json_out(effective);
  ASSERT_TRUE(assignments.is_array()) << report(effective);
  ASSERT_EQ(assignments.size(), 1u) << report(effective);
  EXPECT_EQ(assignments[0].value("Role", ""), member) << report(effective);
  EXPECT_EQ(assignments[0].value("User", ""), alice) << report(effective);
  EXPECT_EQ(assignments[0].value("Project", ""), demo) << report(effective);
  EXPECT_EQ(assignments[0].value("Group", ""), "") << report(effective);

  auto by_group = cli({"role", "assignment", "list", "--group", "devs", "--names", "-f", "json"});
  ASSERT_EQ(by_group.exit_code, 0) << report(by_group);
  auto group_rows = json_out(by_group);
  ASSERT_EQ(group_rows.size(), 1u) << report(by_group);
  EXPECT_EQ(group_rows[0].value("Group", ""), "devs@Default") << report(by_group);
  EXPECT_EQ(group_rows[0].value("Project", ""), "demo@Default") << report(by_group);
  EXPECT_EQ(group_rows[0].value("Role", ""), "member") << report(by_group);

  auto token = openstack(as_alice, {"token", "issue", "-f", "json"});
  ASSERT_EQ(token.exit_code, 0) << report(token);
  auto t = json_out(token);
  EXPECT_EQ(t.value("project_id", ""), demo) << report(token);
  EXPECT_EQ(t.value("user_id", ""), alice) << report(token);

  auto removed = cli({"group", "remove", "user", "devs", "alice"});
  ASSERT_EQ(removed.exit_code, 0) << report(removed);
  auto not_contained = cli({"group", "contains", "user", "devs", "alice"});
  EXPECT_NE(not_contained.err.find("alice not in group devs"), std::string::npos)
      << report(not_contained);

  auto refused = openstack(as_alice, {"token", "issue", "-f", "json"});
  EXPECT_NE(refused.exit_code, 0) << report(refused);
  EXPECT_NE(refused.err.find("401"), std::string::npos) << report(refused);
}

TEST_F(IdentityGroupsCli, AGroupIsShownRenamedAndDeleted) {
  auto made = cli({"group", "create", "ops", "-f", "value", "-c", "id"});
  ASSERT_EQ(made.exit_code, 0) << report(made);

  auto renamed = cli({"group", "set", "--name", "operators", "--description", "on call", "ops"});
  ASSERT_EQ(renamed.exit_code, 0) << report(renamed);
  auto shown = cli({"group", "show", "operators", "-f", "json"});
  ASSERT_EQ(shown.exit_code, 0) << report(shown);
  EXPECT_EQ(json_out(shown).value("description", ""), "on call") << report(shown);

  auto twin = cli({"group", "create", "operators"});
  EXPECT_NE(twin.exit_code, 0) << report(twin);
  EXPECT_NE(twin.err.find("409"), std::string::npos) << report(twin);

  auto deleted = cli({"group", "delete", "operators"});
  ASSERT_EQ(deleted.exit_code, 0) << report(deleted);
  auto listed = cli({"group", "list", "-f", "json"});
  ASSERT_EQ(listed.exit_code, 0) << report(listed);
  EXPECT_TRUE(column(json_out(listed), "Name").empty()) << report(listed);
}

}  // namespace
}  // namespace cumulo
