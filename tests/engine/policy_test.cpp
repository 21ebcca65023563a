#include "engine/policy.hpp"

#include <gtest/gtest.h>

namespace cumulo {
namespace {

credentials admin() {
  return credentials{"u-admin", "p-admin", {"admin", "member", "reader"}};
}
credentials member(const std::string& project = "p1") {
  return credentials{"u1", project, {"member", "reader"}};
}

policy rules(std::map<std::string, std::string> r) {
  return policy(std::move(r));
}

TEST(PolicyTest, Basics) {
  auto p = rules({{"always", "@"},
                  {"never", "!"},
                  {"empty", ""},
                  {"admin", "role:admin"},
                  {"either", "role:admin or role:member"},
                  {"both", "role:admin and role:member"},
                  {"owner", "user_id:%(user_id)s"},
                  {"in_project", "project_id:%(project_id)s"},
                  {"literal", "user_id:u1"}});
  const target t{"p1", "u1"};
  EXPECT_TRUE(p.allowed("always", member(), t));
  EXPECT_FALSE(p.allowed("never", admin(), t));
  EXPECT_TRUE(p.allowed("empty", member(), t));
  EXPECT_TRUE(p.allowed("admin", admin(), t));
  EXPECT_FALSE(p.allowed("admin", member(), t));
  EXPECT_TRUE(p.allowed("either", member(), t));
  EXPECT_FALSE(p.allowed("either", credentials{"u1", "p1", {"reader"}}, t));
  EXPECT_TRUE(p.allowed("both", admin(), t));
  EXPECT_FALSE(p.allowed("both", member(), t));
  EXPECT_TRUE(p.allowed("owner", member(), t));
  EXPECT_FALSE(p.allowed("owner", admin(), t));
  EXPECT_TRUE(p.allowed("in_project", member("p1"), t));
  EXPECT_FALSE(p.allowed("in_project", member("p2"), t));
  EXPECT_TRUE(p.allowed("literal", member(), target{}));
  EXPECT_FALSE(p.allowed("literal", admin(), target{}));
}

TEST(PolicyTest, UnknownRulesAreDenied) {
  auto p = rules({{"a", "rule:missing or !"}});
  EXPECT_FALSE(p.allowed("nope", admin(), target{}));
  EXPECT_FALSE(p.allowed("a", admin(), target{}));
  EXPECT_FALSE(p.has_rule("nope"));
  EXPECT_TRUE(p.has_rule("a"));
}

TEST(PolicyTest, RolesCompareWithoutCase) {
  auto p = rules({{"r", "role:Admin"}});
  EXPECT_TRUE(p.allowed("r", credentials{"u", "p", {"ADMIN"}}, target{}));
}

TEST(PolicyTest, EmptyValuesNeverMatch) {
  auto p = rules({{"in_project", "project_id:%(project_id)s"}, {"owner", "user_id:%(user_id)s"}});
  const credentials unscoped{"u1", "", {"member"}};
  EXPECT_FALSE(p.allowed("in_project", unscoped, target{"", "u1"}));
  EXPECT_FALSE(p.allowed("owner", credentials{}, target{}));
}

TEST(PolicyTest, UnknownAttributesAndFieldsDeny) {
  auto p = rules({{"a", "domain_id:%(domain_id)s"}, {"b", "user_id:%(nope)s"}});
  EXPECT_FALSE(p.allowed("a", admin(), target{"p", "u"}));
  EXPECT_FALSE(p.allowed("b", admin(), target{"p", "u-admin"}));
}

TEST(PolicyTest, SystemScope) {
  auto p = rules({{"sys", "role:admin and system_scope:all"}});
  credentials c = admin();
  EXPECT_FALSE(p.allowed("sys", c, target{}));
  c.system_scope = true;
  EXPECT_TRUE(p.allowed("sys", c, target{}));
}

TEST(PolicyTest, PrecedenceNotAndOrParentheses) {
  auto p = rules({
      {"prec", "role:x or role:admin and role:y"},  // x or (admin and y)
      {"paren", "(role:x or role:admin) and role:y"},
      {"not", "not role:admin"},
      {"notnot", "not not role:admin"},
      {"nested", "((role:admin)) and (not (role:x or role:y))"},
      {"upper", "role:admin AND NOT role:x"},
  });
  const credentials a{"u", "p", {"admin"}};
  const credentials x{"u", "p", {"x"}};
  EXPECT_FALSE(p.allowed("prec", a, target{}));
  EXPECT_TRUE(p.allowed("prec", x, target{}));
  EXPECT_FALSE(p.allowed("paren", x, target{}));
  EXPECT_TRUE(p.allowed("paren", credentials{"u", "p", {"x", "y"}}, target{}));
  EXPECT_FALSE(p.allowed("not", a, target{}));
  EXPECT_TRUE(p.allowed("not", x, target{}));
  EXPECT_TRUE(p.allowed("notnot", a, target{}));
  EXPECT_TRUE(p.allowed("nested", a, target{}));
  EXPECT_FALSE(p.allowed("nested", credentials{"u", "p", {"admin", "y"}}, target{}));
  EXPECT_TRUE(p.allowed("upper", a, target{}));
}

TEST(PolicyTest, ParenthesesAroundSubstitutions) {
  auto p = rules({{"r", "(role:admin or project_id:%(project_id)s)"},
                  {"s", "role:admin or (project_id:%(project_id)s and user_id:%(user_id)s)"}});
  EXPECT_TRUE(p.allowed("r", member("p1"), target{"p1", ""}));
  EXPECT_FALSE(p.allowed("r", member("p1"), target{"p2", ""}));
  EXPECT_TRUE(p.allowed("s", member("p1"), target{"p1", "u1"}));
  EXPECT_FALSE(p.allowed("s", member("p1"), target{"p1", "u2"}));
}

TEST(PolicyTest, BadRulesThrowAtConstructionNamingTheRule) {
  for (const char* bad :
       {"role:admin or", "role:admin and and role:x", "(role:admin", "role:admin)", "admin",
        "role:", ":admin", "not", "project_id:%(project_id", "or role:admin", "()"}) {
    try {
      rules({{"ok", "@"}, {"broken", bad}});
      ADD_FAILURE() << "accepted \"" << bad << "\"";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("broken"), std::string::npos) << e.what();
    }
  }
}

TEST(PolicyTest, RuleCyclesThrowAtConstruction) {
  EXPECT_THROW(rules({{"a", "rule:a"}}), std::invalid_argument);
  EXPECT_THROW(rules({{"a", "role:x or rule:b"}, {"b", "rule:c"}, {"c", "rule:a"}}),
               std::invalid_argument);
  EXPECT_NO_THROW(rules({{"a", "rule:b or rule:c"}, {"b", "rule:c"}, {"c", "@"}}))
      << "a diamond is no cycle";
}

TEST(PolicyTest, DefaultRulesParseAndAnswerLikeOpenStack) {
  const policy p(default_rules());
  const target own{"p1", "u1"};
  const target other{"p2", "u2"};
  for (const char* name : {"identity:create_project",
                           "identity:update_project",
                           "identity:delete_project",
                           "identity:list_projects",
                           "identity:create_user",
                           "identity:update_user",
                           "identity:delete_user",
                           "identity:list_users",
                           "identity:create_grant",
                           "identity:revoke_grant",
                           "identity:list_role_assignments",
                           "identity:create_role",
                           "identity:delete_role",
                           "os_compute_api:os-hypervisors:list",
                           "os_compute_api:os-hypervisors:list-detail",
                           "os_compute_api:os-hypervisors:show",
                           "os_compute_api:os-hypervisors:statistics",
                           "os_compute_api:os-hypervisors:uptime",
                           "os_compute_api:os-hypervisors:search",
                           "os_compute_api:os-hypervisors:servers",
                           "os_compute_api:os-flavor-manage:create",
                           "os_compute_api:os-flavor-manage:delete"}) {
    EXPECT_TRUE(p.allowed(name, admin(), other)) << name;
    EXPECT_FALSE(p.allowed(name, member(), own)) << name;
  }
  for (const char* name :
       {"identity:get_project", "os_compute_api:servers:index", "os_compute_api:servers:show",
        "os_compute_api:servers:create", "os_compute_api:servers:delete"}) {
    EXPECT_TRUE(p.allowed(name, admin(), other)) << name;
    EXPECT_TRUE(p.allowed(name, member("p1"), own)) << name;
    EXPECT_FALSE(p.allowed(name, member("p1"), other)) << name;
    EXPECT_FALSE(p.allowed(name, credentials{"u1", "", {"member"}}, own)) << name << " unscoped";
  }
  EXPECT_TRUE(p.allowed("identity:list_user_projects", member(), own));
  EXPECT_FALSE(p.allowed("identity:list_user_projects", member(), other));
  EXPECT_TRUE(p.allowed("identity:list_user_projects", admin(), other));
  EXPECT_EQ(default_rules().at("admin_required"), "role:admin");
}

TEST(PolicyTest, FieldChecksAndTenantId) {
  const policy p({{"shared", "field:networks:shared=True"},
                  {"ext", "field:networks:router:external=True"},
                  {"own", "tenant_id:%(tenant_id)s"},
                  {"net_owner", "tenant_id:%(network:tenant_id)s"}});
  target t{"p2", "", {{"networks:shared", "True"}, {"network:tenant_id", "p1"}}};
  EXPECT_TRUE(p.allowed("shared", member("p9"), t));
  EXPECT_FALSE(p.allowed("ext", member("p9"), t)) << "an absent field never matches";
  t.fields["networks:router:external"] = "False";
  EXPECT_FALSE(p.allowed("ext", member("p9"), t));
  EXPECT_TRUE(p.allowed("own", member("p2"), t)) << "tenant_id is the project, both sides";
  EXPECT_FALSE(p.allowed("own", member("p1"), t));
  EXPECT_TRUE(p.allowed("net_owner", member("p1"), t));
  using rules = std::map<std::string, std::string>;
  EXPECT_THROW(policy(rules{{"bad", "field:shared"}}), std::invalid_argument);
  EXPECT_THROW(policy(rules{{"bad", "field:=True"}}), std::invalid_argument);
}

// Neutron's rules by their own names (issue 15: Neutron's routes ask the
// policy engine, not hand-written checks).
TEST(PolicyTest, NeutronDefaults) {
  const policy p(default_rules());
  const target own{"p1", ""};
  const target others{"p2", ""};
  target shared{"p2", "", {{"networks:shared", "True"}}};
  target external{"p2", "", {{"networks:router:external", "True"}}};
  EXPECT_TRUE(p.allowed("get_network", member("p1"), own));
  EXPECT_FALSE(p.allowed("get_network", member("p1"), others));
  EXPECT_TRUE(p.allowed("get_network", member("p1"), shared));
  EXPECT_TRUE(p.allowed("get_network", member("p1"), external));
  // ... but not an external network's subnets (OpenStack's
  // test_external_network_visibility).
  EXPECT_FALSE(p.allowed("get_subnet", member("p1"), external));
  EXPECT_TRUE(p.allowed("get_subnet", member("p1"), shared));
  EXPECT_TRUE(p.allowed("get_network", admin(), others));
  EXPECT_FALSE(p.allowed("update_network", member("p1"), shared));
  EXPECT_TRUE(p.allowed("update_network", member("p1"), own));
  for (const char* name :
       {"create_network:shared", "update_network:router:external",
        "create_router:external_gateway_info:enable_snat",
        "update_router:external_gateway_info:enable_snat",
        "create_router:external_gateway_info:external_fixed_ips",
        "update_router:external_gateway_info:external_fixed_ips", "update_quota"}) {
    EXPECT_FALSE(p.allowed(name, member("p1"), own)) << name;
    EXPECT_TRUE(p.allowed(name, admin(), others)) << name;
  }
  // A subnet is the network owner's to make, even in a shared network.
  target on_shared{"p1", "", {{"network:tenant_id", "p2"}, {"networks:shared", "True"}}};
  EXPECT_FALSE(p.allowed("create_subnet", member("p1"), on_shared));
  EXPECT_TRUE(p.allowed("create_subnet", member("p2"), on_shared));
  EXPECT_FALSE(p.allowed("create_port:fixed_ips:ip_address", member("p1"), on_shared));
  EXPECT_TRUE(p.allowed("create_port:fixed_ips:ip_address", admin(), on_shared));
  EXPECT_TRUE(p.allowed("create_port:mac_address", member("p2"), on_shared));
  for (const char* name :
       {"get_port", "delete_port", "get_router", "add_router_interface", "add_extraroutes",
        "remove_extraroutes", "get_floatingip", "delete_security_group", "get_quota"}) {
    EXPECT_TRUE(p.allowed(name, member("p1"), own)) << name;
    EXPECT_FALSE(p.allowed(name, member("p1"), others)) << name;
  }
  for (const char* name :
       {"create_network", "create_router", "create_floatingip", "create_security_group"})
    EXPECT_TRUE(p.allowed(name, member("p1"), own)) << name;
  EXPECT_TRUE(p.allowed("update_floatingip", member("p1"), own));
  EXPECT_FALSE(p.allowed("update_floatingip", member("p1"), others));
}

// Neutron's subnet pools and address scopes: their project's, everyone's
// to see once shared; sharing and default pools an admin's.
TEST(PolicyTest, NeutronSubnetPoolsAndAddressScopes) {
  const policy p(default_rules());
  const target own{"p1", ""};
  const target others{"p2", "", {{"subnetpools:shared", "False"}}};
  const target shared_pool{"p2", "", {{"subnetpools:shared", "True"}}};
  const target shared_scope{"p2", "", {{"address_scopes:shared", "True"}}};
  EXPECT_TRUE(p.allowed("get_subnetpool", member("p1"), own));
  EXPECT_FALSE(p.allowed("get_subnetpool", member("p1"), others));
  EXPECT_TRUE(p.allowed("get_subnetpool", member("p1"), shared_pool));
  EXPECT_FALSE(p.allowed("get_subnetpool", member("p1"), shared_scope))
      << "another resource's flag";
  EXPECT_TRUE(p.allowed("get_address_scope", member("p1"), shared_scope));
  EXPECT_TRUE(p.allowed("get_subnetpool", admin(), others));
  for (const char* name : {"update_subnetpool", "delete_subnetpool", "add_prefixes",
                           "remove_prefixes", "update_address_scope", "delete_address_scope"}) {
    EXPECT_TRUE(p.allowed(name, member("p1"), own)) << name;
    EXPECT_FALSE(p.allowed(name, member("p1"), shared_pool)) << name;
  }
  for (const char* name :
       {"create_subnetpool:shared", "create_subnetpool:is_default", "update_subnetpool:is_default",
        "create_address_scope:shared", "update_address_scope:shared"}) {
    EXPECT_FALSE(p.allowed(name, member("p1"), own)) << name;
    EXPECT_TRUE(p.allowed(name, admin(), others)) << name;
  }
  EXPECT_TRUE(p.allowed("create_subnetpool", member("p1"), own));
  EXPECT_TRUE(p.allowed("create_address_scope", member("p1"), own));
}

// Tags (standard-attr-tag): seen with their resource, changed by its owner
// (a subnet's by its network's; a port's by either); agents are an admin's.
TEST(PolicyTest, NeutronTagAndAgentDefaults) {
  const policy p(default_rules());
  const target own{"p1", ""};
  const target others{"p2", ""};
  target shared{"p2", "", {{"networks:shared", "True"}, {"network:tenant_id", "p2"}}};
  EXPECT_TRUE(p.allowed("get_network:tags", member("p1"), shared));
  EXPECT_FALSE(p.allowed("update_network:tags", member("p1"), shared));
  EXPECT_TRUE(p.allowed("get_network:tags", member("p1"), own));
  for (const char* member_kind : {"network", "router", "floatingip", "security_group"})
    for (const char* action : {"create_", "update_", "delete_"}) {
      const std::string rule = std::string(action) + member_kind + ":tags";
      EXPECT_TRUE(p.allowed(rule, member("p1"), own)) << rule;
      EXPECT_FALSE(p.allowed(rule, member("p1"), others)) << rule;
      EXPECT_TRUE(p.allowed(rule, admin(), others)) << rule;
    }
  // A member's port on another project's shared network: the port's owner
  // and the network's owner may tag it; the subnet there is the network owner's.
  target my_port{"p1", "", {{"network:tenant_id", "p2"}, {"networks:shared", "True"}}};
  EXPECT_TRUE(p.allowed("update_port:tags", member("p1"), my_port));
  EXPECT_TRUE(p.allowed("update_port:tags", member("p2"), my_port));
  EXPECT_FALSE(p.allowed("update_port:tags", member("p3"), my_port));
  EXPECT_FALSE(p.allowed("update_subnet:tags", member("p1"), my_port));
  EXPECT_TRUE(p.allowed("update_subnet:tags", member("p2"), my_port));
  for (const char* name :
       {"get_agent", "update_agent", "delete_agent", "get_dhcp-agents", "get_l3-agents"}) {
    EXPECT_FALSE(p.allowed(name, member("p1"), own)) << name;
    EXPECT_TRUE(p.allowed(name, admin(), own)) << name;
  }
  EXPECT_TRUE(p.allowed("get_availability_zone", member("p1"), own));
}

// Cinder's rules by their own names: a project's volumes are its own,
// types are read by anyone and made by an admin.
TEST(PolicyTest, CinderDefaults) {
  const policy p(default_rules());
  const target own{"p1", "u1"};
  const target others{"p2", "u2"};
  for (const char* name :
       {"volume:create", "volume:get", "volume:delete", "volume:extend", "volume:create_snapshot",
        "volume:delete_snapshot", "volume_extension:quotas:show", "limits_extension:used_limits"}) {
    EXPECT_TRUE(p.allowed(name, member("p1"), own)) << name;
    EXPECT_FALSE(p.allowed(name, member("p1"), others)) << name;
    EXPECT_TRUE(p.allowed(name, admin(), others)) << name;
  }
  for (const char* name :
       {"volume_extension:type_create", "volume_extension:type_delete",
        "volume_extension:volume_admin_actions:reset_status", "volume_extension:services:index",
        "volume_extension:volume_host_attribute"}) {
    EXPECT_FALSE(p.allowed(name, member("p1"), own)) << name;
    EXPECT_TRUE(p.allowed(name, admin(), own)) << name;
  }
  EXPECT_TRUE(p.allowed("volume_extension:type_get_all", member("p1"), own));
}

TEST(PolicyTest, ForbiddenMessages) {
  EXPECT_EQ(keystone_forbidden_message("identity:create_project"),
            "You are not authorized to perform the requested action: identity:create_project.");
  EXPECT_EQ(nova_forbidden_message("os_compute_api:os-hypervisors:list"),
            "Policy doesn't allow os_compute_api:os-hypervisors:list to be performed.");
}

}  // namespace
}  // namespace cumulo
