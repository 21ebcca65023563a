// Neutron's RBAC policies on a network (issue 18): the network's machine
// decides them with its ports (a project's ports keep its sharing policy),
// shared and router:external follow the "*" policies, and a log folds back
// to the same policies, ids included (those an old log only implies too).
#include <gtest/gtest.h>

#include "engine/fold.hpp"
#include "engine/ids.hpp"
#include "engine/network_rbac.hpp"
#include "engine/network_state.hpp"
#include "tests/engine/machine_test_support.hpp"

namespace cumulo {
namespace {

using M = network_machine;

std::vector<network_event> history;

network_state run(network_state s, const network::command& c) {
  return run_command_on<M>(std::move(s), c, &history);
}
domain_error refused(const network_state& s, const network::command& c) {
  return refusal_of<M>(s, c);
}

// Network n1 of project "owner", with a subnet.
network_state owned() {
  network_state s;
  s.id = "n1";
  s = run(s, network::create{"private", "owner"});
  network::add_subnet sub;
  sub.subnet_id = "s1";
  sub.cidr = "10.0.0.0/24";
  sub.project_id = "owner";
  return run(s, sub);
}

network::create_port port_of(const std::string& id, const std::string& project, int n) {
  network::create_port c;
  c.port_id = id;
  c.mac_address = "fa:16:3e:00:00:0" + std::to_string(n);
  c.project_id = project;
  return c;
}

network::create_rbac_policy share(const std::string& id, const std::string& target,
                                  const char* action = "access_as_shared") {
  return network::create_rbac_policy{id, action, target, "owner"};
}

TEST(NetworkRbac, APolicySharesTheNetworkWithItsTargetOnly) {
  auto s = run(owned(), share("r1", "alice"));
  ASSERT_NE(s.find_rbac_policy("r1"), nullptr);
  EXPECT_EQ(s.find_rbac_policy("r1")->target_project, "alice");
  EXPECT_EQ(s.find_rbac_policy("r1")->project_id, "owner");
  EXPECT_TRUE(s.shared_with("alice"));
  EXPECT_FALSE(s.shared_with("bob"));
  EXPECT_FALSE(s.shared_with(""));
  EXPECT_FALSE(s.shared) << "shared with one project is not shared with every one";
  EXPECT_FALSE(s.external);
  EXPECT_FALSE(s.external_to("alice")) << "sharing is not external access";

  s = run(s, share("all", "*"));
  EXPECT_TRUE(s.shared);
  EXPECT_TRUE(s.shared_with("bob"));
  s = run(s, network::delete_rbac_policy{"all"});
  EXPECT_FALSE(s.shared);
  EXPECT_TRUE(s.shared_with("alice"));
}

TEST(NetworkRbac, ExternalAccessMakesTheNetworkExternalUntilTheLastPolicyGoes) {
  auto s = run(owned(), share("x1", "alice", "access_as_external"));
  EXPECT_TRUE(s.external) << "Neutron turns the network into an external one";
  EXPECT_TRUE(s.external_to("alice"));
  EXPECT_FALSE(s.external_to("bob"));
  EXPECT_FALSE(s.shared_with("alice"));
  s = run(s, share("x2", "bob", "access_as_external"));
  s = run(s, network::delete_rbac_policy{"x1"});
  EXPECT_TRUE(s.external) << "bob's policy remains";
  s = run(s, network::delete_rbac_policy{"x2"});
  EXPECT_FALSE(s.external);

  network::update external;
  external.external = true;
  external.external_policy_id = "xall";
  s = run(s, external);
  EXPECT_TRUE(s.external_to("anyone"));
  ASSERT_NE(s.find_rbac_policy("xall"), nullptr);
  EXPECT_EQ(s.find_rbac_policy("xall")->target_project, "*");
  s = run(s, share("x3", "alice", "access_as_external"));
  external.external = false;
  s = run(s, external);
  EXPECT_FALSE(s.external);
  EXPECT_TRUE(s.rbac_policies.empty()) << "router:external false takes every external policy";
}

TEST(NetworkRbac, SharedOnTheNetworkIsTheEveryProjectPolicy) {
  network_state s;
  s.id = "n1";
  network::create c{"pub", "owner", true};
  c.shared_policy_id = "star";
  s = run(s, c);
  EXPECT_TRUE(s.shared);
  ASSERT_EQ(s.rbac_policies.size(), 1u);
  EXPECT_EQ(s.rbac_policies[0].id, "star");
  EXPECT_EQ(s.rbac_policies[0].action, "access_as_shared");
  EXPECT_EQ(s.rbac_policies[0].target_project, "*");
  EXPECT_EQ(s.rbac_policies[0].project_id, "owner");

  // shared true again changes nothing: there is one "*" policy.
  network::update again;
  again.shared = true;
  again.shared_policy_id = "other";
  s = run(s, again);
  EXPECT_EQ(s.rbac_policies.size(), 1u);

  network::update off;
  off.shared = false;
  s = run(s, off);
  EXPECT_FALSE(s.shared);
  EXPECT_TRUE(s.rbac_policies.empty());
  // And the "*" policy made by the RBAC API is `shared` as well.
  s = run(s, share("r", "*"));
  EXPECT_TRUE(s.shared);
}

TEST(NetworkRbac, RefusesWhatNeutronRefuses) {
  auto s = run(owned(), share("r1", "alice"));
  expect_refusal<M>(s, share("r2", "alice"), errc::conflict,
                    "An RBAC policy already exists with those values.");
  EXPECT_EQ(refused(s, share("r2", "alice")).type, "DuplicateRbacPolicy");
  EXPECT_TRUE(M::decide(s, share("r2", "alice", "access_as_external")).ok())
      << "the same target with another action is another policy";
  auto bad_action = refused(s, share("r3", "bob", "access_as_admin"));
  EXPECT_EQ(bad_action.code, errc::bad_request);
  EXPECT_EQ(bad_action.type, "InvalidActionForType");
  EXPECT_EQ(bad_action.message,
            "Invalid action 'access_as_admin' for object type 'network'. Valid actions: "
            "('access_as_external', 'access_as_shared')");
  EXPECT_EQ(refused(s, share("r3", "")).code, errc::bad_request);
  EXPECT_EQ(refused(s, share("r3", std::string(256, 'p'))).code, errc::bad_request);
  EXPECT_EQ(refused(s, share("", "bob")).code, errc::bad_request);
  EXPECT_EQ(refused(s, share("r1", "bob")).code, errc::conflict) << "an id taken";

  auto missing = refused(s, network::delete_rbac_policy{"nope"});
  EXPECT_EQ(missing.code, errc::not_found);
  EXPECT_EQ(missing.type, "RbacPolicyNotFound");
  EXPECT_EQ(missing.message, "RBAC policy of type network with ID nope not found");
  EXPECT_EQ(refused(s, network::update_rbac_policy{"nope", "bob"}).code, errc::not_found);
  EXPECT_EQ(refused(s, network::update_rbac_policy{"r1", ""}).code, errc::bad_request);

  network_state none;
  none.id = "n1";
  EXPECT_EQ(refused(none, share("r1", "alice")).code, errc::not_found);
}

// tempest's test_port_presence_prevents_network_rbac_policy_deletion.
TEST(NetworkRbac, APoliciesTargetWithPortsKeepsIt) {
  auto s = run(owned(), share("r1", "alice"));
  s = run(s, port_of("pa", "alice", 1));
  auto in_use = refused(s, network::delete_rbac_policy{"r1"});
  EXPECT_EQ(in_use.code, errc::conflict);
  EXPECT_EQ(in_use.type, "RbacPolicyInUse");
  EXPECT_EQ(in_use.message,
            "RBAC policy on object n1 cannot be removed because other objects depend on it.\n"
            "Details: Unable to reconfigure sharing settings for network n1. Multiple tenants "
            "are using it.");
  EXPECT_EQ(refused(s, network::update_rbac_policy{"r1", "bob"}).code, errc::conflict)
      << "moving the policy away from alice takes her access too";

  // A "*" policy keeps alice's port covered: hers may go, then not the "*" one.
  s = run(s, share("all", "*"));
  s = run(s, network::delete_rbac_policy{"r1"});
  EXPECT_EQ(refused(s, network::delete_rbac_policy{"all"}).type, "RbacPolicyInUse");
  EXPECT_EQ(refused(s, network::update_rbac_policy{"all", "bob"}).type, "RbacPolicyInUse");
  network::update unshare;
  unshare.shared = false;
  auto invalid = refused(s, unshare);
  EXPECT_EQ(invalid.code, errc::conflict);
  EXPECT_EQ(invalid.type, "InvalidSharedSetting");

  // The owner's ports and the cloud's own depend on no policy.
  auto owners = port_of("po", "owner", 2);
  s = run(s, owners);
  auto gateway = port_of("pg", "", 3);
  gateway.device_owner = "network:router_gateway";
  s = run(s, gateway);
  s = run(s, network::delete_port{"pa"});
  s = run(s, network::update_rbac_policy{"all", "bob"});
  EXPECT_EQ(s.find_rbac_policy("all")->target_project, "bob");
  s = run(s, network::delete_rbac_policy{"all"});
  EXPECT_TRUE(s.rbac_policies.empty());
}

TEST(NetworkRbac, AnUpdateToEveryProjectOrToItselfTakesNoAccess) {
  auto s = run(owned(), share("r1", "alice"));
  s = run(s, port_of("pa", "alice", 1));
  const auto version = s.version;
  s = run(s, network::update_rbac_policy{"r1", "alice"});
  EXPECT_EQ(s.version, version) << "no change, no event";
  s = run(s, network::update_rbac_policy{"r1", "*"});
  EXPECT_TRUE(s.shared);
  // Another policy to alice makes the "*" one free to go.
  s = run(s, share("r2", "alice"));
  s = run(s, network::delete_rbac_policy{"r1"});
  EXPECT_FALSE(s.shared);
  // Sharing with the network's own project gives nothing, and takes nothing.
  s = run(s, share("self", "owner"));
  s = run(s, network::delete_rbac_policy{"self"});
}

// Neutron's test_rbac_bumps_network_revision: every policy change is a
// change of the network.
TEST(NetworkRbac, EveryPolicyChangeIsAnEventOfTheNetwork) {
  auto s = owned();
  const auto before = s.version;
  s = run(s, share("r1", "alice"));
  EXPECT_EQ(s.version, before + 1);
  s = run(s, network::update_rbac_policy{"r1", "bob"});
  s = run(s, network::delete_rbac_policy{"r1"});
  EXPECT_EQ(s.version, before + 3);
}

// A log written before RBAC policies were recorded: network.created and
// network.updated with shared/external and no policy ids. The fold gives
// their "*" policies ids of its own, the same on every fold.
TEST(NetworkRbac, AnOldLogImpliesItsPoliciesWithStableIds) {
  network_created old{"legacy", "owner", true, true};
  network_updated unshare;
  unshare.shared = false;
  std::vector<network_event> log{old};
  auto a = refold<M>("n9", log);
  auto b = refold<M>("n9", log);
  ASSERT_EQ(a.rbac_policies.size(), 2u);
  EXPECT_TRUE(a.shared);
  EXPECT_TRUE(a.external);
  EXPECT_EQ(a.rbac_policies[0].id, b.rbac_policies[0].id);
  EXPECT_EQ(a.rbac_policies[0].id, network_rbac::implied_policy_id("n9", "access_as_shared"));
  EXPECT_NE(a.rbac_policies[0].id, a.rbac_policies[1].id);
  EXPECT_TRUE(is_uuid(a.rbac_policies[0].id)) << a.rbac_policies[0].id;
  EXPECT_NE(network_rbac::implied_policy_id("n8", "access_as_shared"), a.rbac_policies[0].id);
  log.push_back(unshare);
  auto c = refold<M>("n9", log);
  EXPECT_FALSE(c.shared);
  EXPECT_TRUE(c.external);
  ASSERT_EQ(c.rbac_policies.size(), 1u);
  EXPECT_EQ(c.rbac_policies[0].action, "access_as_external");
}

TEST(NetworkRbac, NameBasedUuidsAreRfc4122Version5) {
  // Python's uuid.uuid5(uuid.NAMESPACE_URL, "http://python.org/").
  EXPECT_EQ(name_based_uuid("http://python.org/"), "4c565f0d-3f5a-5890-b41b-20cf47701c5e");
}

TEST(NetworkRbac, PoliciesFoldBackFromTheLog) {
  history.clear();
  auto s = run(owned(), share("r1", "alice"));
  s = run(s, share("x1", "bob", "access_as_external"));
  s = run(s, network::update_rbac_policy{"r1", "carol"});
  s = run(s, network::delete_rbac_policy{"x1"});
  const auto folded = refold<M>("n1", history);
  nlohmann::json a = s, b = folded;
  for (auto* j : {&a, &b}) j->erase("created_at"), j->erase("updated_at");
  EXPECT_EQ(a, b);
  ASSERT_EQ(folded.rbac_policies.size(), 1u);
  EXPECT_EQ(folded.rbac_policies[0].target_project, "carol");
  EXPECT_FALSE(folded.external);
}

}  // namespace
}  // namespace cumulo
