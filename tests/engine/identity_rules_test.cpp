// Which of Keystone's rules decides each identity command, and on what.
#include <gtest/gtest.h>

#include "engine/identity_rules.hpp"

namespace cumulo {
namespace {

TEST(IdentityRules, EachCommandNamesKeystonesRuleAndItsTarget) {
  auto grant = rule_for("p1", project::command{project::grant_role{"u1", "r1"}});
  EXPECT_EQ(grant.name, "identity:create_grant");
  EXPECT_EQ(grant.on.project_id, "p1");
  EXPECT_EQ(grant.on.user_id, "u1");
  EXPECT_EQ(rule_for("p1", project::command{project::revoke_role{"u1", "r1"}}).name,
            "identity:revoke_grant");
  EXPECT_EQ(rule_for("p1", project::command{project::update{}}).on.project_id, "p1");
  EXPECT_EQ(rule_for("u1", user::command{user::change_password{}}).name, "identity:update_user")
      << "a password set without the original is an update";
  EXPECT_EQ(rule_for("u1", user::command{user::remove{}}).on.user_id, "u1");
  EXPECT_EQ(rule_for("r1", role::command{role::update{}}).name, "identity:update_role");
  EXPECT_EQ(rule_for("d1", domain::command{domain::remove{}}).name, "identity:delete_domain");
}

TEST(IdentityRules, GroupCommandsNameKeystonesGroupAndGrantRules) {
  EXPECT_EQ(rule_for("g1", group::command{group::create{"devs"}}).name, "identity:create_group");
  EXPECT_EQ(rule_for("g1", group::command{group::update{}}).name, "identity:update_group");
  EXPECT_EQ(rule_for("g1", group::command{group::remove{}}).name, "identity:delete_group");
  auto add = rule_for("g1", group::command{group::add_member{"u1"}});
  EXPECT_EQ(add.name, "identity:add_user_to_group");
  EXPECT_EQ(add.on.user_id, "u1");
  EXPECT_EQ(rule_for("g1", group::command{group::remove_member{"u1"}}).name,
            "identity:remove_user_from_group");
  auto grant = rule_for("g1", group::command{group::grant_role{"p1", "r1"}});
  EXPECT_EQ(grant.name, "identity:create_grant");
  EXPECT_EQ(grant.on.project_id, "p1");
  EXPECT_EQ(rule_for("g1", group::command{group::revoke_role{"p1", "r1"}}).name,
            "identity:revoke_grant");

  const policy rules(default_rules());
  const credentials member{"u1", "p1", {"member"}};
  const credentials admin{"a1", "p0", {"admin"}};
  for (const char* name : {"identity:create_group", "identity:list_groups", "identity:get_group",
                           "identity:list_users_in_group", "identity:check_user_in_group",
                           "identity:add_user_to_group"}) {
    EXPECT_TRUE(keystone_refusal(rules, {name, {"", "u1"}}, member)) << name;
    EXPECT_FALSE(keystone_refusal(rules, {name, {}}, admin)) << name;
  }
  EXPECT_FALSE(keystone_refusal(rules, {"identity:list_groups_for_user", {"", "u1"}}, member))
      << "a user lists its own groups";
  EXPECT_TRUE(keystone_refusal(rules, {"identity:list_groups_for_user", {"", "u2"}}, member));
}

TEST(IdentityRules, TheRefusalIsKeystonesForbidden) {
  const policy rules(default_rules());
  const credentials member{"u1", "p1", {"member"}};
  const credentials admin{"a1", "p0", {"admin"}};
  auto own = rule_for("u1", user::command{user::update{}});
  auto e = keystone_refusal(rules, own, member);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, errc::forbidden);
  EXPECT_EQ(e->message,
            "You are not authorized to perform the requested action: identity:update_user.");
  EXPECT_FALSE(keystone_refusal(rules, own, admin));
  EXPECT_FALSE(keystone_refusal(rules, {"identity:get_user", {"", "u1"}}, member));
}

}  // namespace
}  // namespace cumulo
