// Keystone's project hierarchy with the real `openstack` CLI: `project create
// --parent` (the parent found by name) makes a child that shows its parent,
// and the parent can't be deleted while the child is there.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/cli/openstack_cli.hpp"

namespace cumulo {
namespace {

class IdentityProjectsCli : public openstack_cli_test {};

TEST_F(IdentityProjectsCli, AChildProjectKeepsItsParentWhichIsDeletedLast) {
  const std::string root = create_project("root");
  ASSERT_FALSE(HasFailure());

  auto made = cli({"project", "create", "--parent", "root", "leaf", "-f", "json"});
  ASSERT_EQ(made.exit_code, 0) << report(made);
  auto leaf = json_out(made);
  EXPECT_EQ(leaf.value("parent_id", ""), root) << report(made);
  EXPECT_EQ(leaf.value("domain_id", ""), "default") << report(made);

  auto shown = cli({"project", "show", "leaf", "-f", "json"});
  ASSERT_EQ(shown.exit_code, 0) << report(shown);
  EXPECT_EQ(json_out(shown).value("parent_id", ""), root) << report(shown);

  auto refused = cli({"project", "delete", "root"});
  EXPECT_NE(refused.exit_code, 0) << report(refused);
  EXPECT_NE(refused.err.find("not a leaf in the hierarchy"), std::string::npos) << report(refused);

  auto gone = cli({"project", "delete", "leaf"});
  ASSERT_EQ(gone.exit_code, 0) << report(gone);
  auto last = cli({"project", "delete", "root"});
  EXPECT_EQ(last.exit_code, 0) << report(last);
}

}  // namespace
}  // namespace cumulo
