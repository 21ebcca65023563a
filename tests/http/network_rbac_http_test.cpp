// Neutron's RBAC policies over HTTP on a real `cumulo serve` (issue 18):
// /v2.0/rbac-policies for networks as neutronclient, openstacksdk and
// tempest's RBACSharedNetworksTest use them. A network shared with one
// project is seen, listed and used (ports) by that project only; a
// policy its target depends on stays (409 RbacPolicyInUse); shared and
// router:external are the "*" policies; only an admin shares with every
// project; and all of it survives a restart.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>
#include <string>

#include "tests/support/keystone_client.hpp"
#include "tests/support/neutron_error.hpp"

namespace cumulo {
namespace {

const std::string kNet = "/networking/v2.0";

std::set<std::string> ids_of(const nlohmann::json& items) {
  std::set<std::string> ids;
  if (items.is_array())
    for (const auto& i : items) ids.insert(i.value("id", ""));
  return ids;
}

class network_rbac_test : public identity_test {
 protected:
  http_response net(const std::string& method, const std::string& path, const std::string& token,
                    const nlohmann::json& body = nullptr) {
    return call(method, kNet + path, token, body);
  }
  // POSTs {key: body} to path; the created object ({} and a failure otherwise).
  nlohmann::json create(const std::string& path, const std::string& key, const nlohmann::json& body,
                        const std::string& token) {
    auto r = net("POST", path, token, {{key, body}});
    EXPECT_EQ(r.status, 201) << "POST " << path << " " << body.dump() << ": " << r.body;
    auto j = json_of(r);
    return r.status == 201 && j.contains(key) ? j[key] : nlohmann::json::object();
  }
  nlohmann::json list(const std::string& path, const std::string& key, const std::string& token) {
    auto r = net("GET", path, token);
    EXPECT_EQ(r.status, 200) << path << ": " << r.body;
    auto items = json_of(r)[key];
    return items.is_array() ? items : nlohmann::json::array();
  }
  // A network of `token`'s project with a subnet; its id.
  std::string network_with_subnet(const std::string& name, const std::string& token,
                                  const std::string& cidr = "10.0.0.0/24") {
    const std::string id = create("/networks", "network", {{"name", name}}, token).value("id", "");
    subnet_id =
        create("/subnets", "subnet", {{"network_id", id}, {"cidr", cidr}, {"ip_version", 4}}, token)
            .value("id", "");
    return id;
  }
  http_response post_policy(const std::string& network_id, const std::string& target,
                            const std::string& token,
                            const std::string& action = "access_as_shared") {
    return net("POST", "/rbac-policies", token,
               {{"rbac_policy",
                 {{"object_type", "network"},
                  {"object_id", network_id},
                  {"action", action},
                  {"target_tenant", target}}}});
  }
  nlohmann::json share(const std::string& network_id, const std::string& target,
                       const std::string& token, const std::string& action = "access_as_shared") {
    auto r = post_policy(network_id, target, token, action);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? json_of(r)["rbac_policy"] : nlohmann::json::object();
  }
  int show_network(const std::string& id, const std::string& token) {
    return net("GET", "/networks/" + id, token).status;
  }
  std::string admin_project() { return json_of(admin)["token"]["project"].value("id", ""); }

  std::string subnet_id;
};

class NetworkRbac : public network_rbac_test {};

TEST_F(NetworkRbac, TheExtensionsAreListed) {
  auto r = net("GET", "/extensions", admin_token);
  ASSERT_EQ(r.status, 200) << r.body;
  std::set<std::string> aliases;
  auto listed_json = json_of(r);  // kept: the loop reads into it
  for (const auto& e : listed_json["extensions"]) aliases.insert(e.value("alias", ""));
  for (const char* alias :
       {"rbac-policies", "allowed-address-pairs", "port-security", "extra_dhcp_opt"})
    EXPECT_TRUE(aliases.count(alias)) << alias << ": " << r.body;
  EXPECT_EQ(net("GET", "/extensions/rbac-policies", admin_token).status, 200);
}

// tempest: test_network_only_visible_to_policy_target,
// test_subnet_on_network_only_visible_to_policy_target,
// test_port_presence_prevents_network_rbac_policy_deletion.
TEST_F(NetworkRbac, ANetworkSharedWithOneProjectIsItsToSeeAndUse) {
  const auto alice = make_member("alice");
  const auto bob = make_member("bob");
  const std::string net_id = network_with_subnet("private", admin_token);
  ASSERT_FALSE(net_id.empty());
  EXPECT_EQ(show_network(net_id, alice.token), 404);

  auto policy = share(net_id, alice.project_id, admin_token);
  ASSERT_TRUE(policy.contains("id")) << policy.dump();
  EXPECT_EQ(policy["object_type"], "network");
  EXPECT_EQ(policy["object_id"], net_id);
  EXPECT_EQ(policy["action"], "access_as_shared");
  EXPECT_EQ(policy["target_tenant"], alice.project_id);
  EXPECT_EQ(policy["project_id"], admin_project());
  EXPECT_EQ(policy["tenant_id"], admin_project());
  const std::string policy_id = policy["id"];

  // Alice sees it (shared, to her), and its subnet; bob does not.
  auto seen = net("GET", "/networks/" + net_id, alice.token);
  ASSERT_EQ(seen.status, 200) << seen.body;
  EXPECT_EQ(json_of(seen)["network"]["shared"], true) << "shared with her project";
  EXPECT_EQ(ids_of(list("/networks", "networks", alice.token)), std::set<std::string>{net_id});
  EXPECT_EQ(ids_of(list("/networks?shared=true", "networks", alice.token)),
            std::set<std::string>{net_id});
  EXPECT_EQ(ids_of(list("/subnets", "subnets", alice.token)), std::set<std::string>{subnet_id});
  EXPECT_EQ(show_network(net_id, bob.token), 404);
  EXPECT_TRUE(list("/networks", "networks", bob.token).empty());
  EXPECT_TRUE(list("/subnets", "subnets", bob.token).empty());
  // To its owner it is shared with no one but alice: not `shared`.
  EXPECT_EQ(json_of(net("GET", "/networks/" + net_id, admin_token))["network"]["shared"], false);

  // Alice makes a port on it; bob can't.
  auto port = create("/ports", "port", {{"network_id", net_id}}, alice.token);
  ASSERT_TRUE(port.contains("id")) << port.dump();
  EXPECT_EQ(port["project_id"], alice.project_id);
  EXPECT_EQ(port["fixed_ips"][0]["subnet_id"], subnet_id);
  expect_neutron_error(net("POST", "/ports", bob.token, {{"port", {{"network_id", net_id}}}}), 404,
                       "NetworkNotFound");
  // Nor may she change the network, as on any network shared with her.
  expect_neutron_error(
      net("PUT", "/networks/" + net_id, alice.token, {{"network", {{"name", "x"}}}}), 403,
      "PolicyNotAuthorized");

  // Her port keeps the policy.
  expect_neutron_error(net("DELETE", "/rbac-policies/" + policy_id, admin_token), 409,
                       "RbacPolicyInUse", "cannot be removed because other objects depend on it");
  expect_neutron_error(net("PUT", "/rbac-policies/" + policy_id, admin_token,
                           {{"rbac_policy", {{"target_tenant", bob.project_id}}}}),
                       409, "RbacPolicyInUse");
  // A "*" policy covers her port: hers may go, then not the "*" one.
  auto everyone = share(net_id, "*", admin_token);
  ASSERT_TRUE(everyone.contains("id"));
  EXPECT_EQ(json_of(net("GET", "/networks/" + net_id, admin_token))["network"]["shared"], true);
  EXPECT_EQ(net("DELETE", "/rbac-policies/" + policy_id, admin_token).status, 204);
  expect_neutron_error(
      net("DELETE", "/rbac-policies/" + everyone["id"].get<std::string>(), admin_token), 409,
      "RbacPolicyInUse");
  ASSERT_EQ(net("DELETE", "/ports/" + port["id"].get<std::string>(), alice.token).status, 204);
  EXPECT_EQ(
      net("DELETE", "/rbac-policies/" + everyone["id"].get<std::string>(), admin_token).status,
      204);
  EXPECT_EQ(show_network(net_id, alice.token), 404) << "no policy left for her";
  EXPECT_EQ(json_of(net("GET", "/networks/" + net_id, admin_token))["network"]["shared"], false);
  expect_neutron_error(net("GET", "/rbac-policies/" + policy_id, admin_token), 404,
                       "RbacPolicyNotFound");
}

// tempest: test_regular_client_shares_to_another_regular_client,
// test_regular_client_blocked_from_sharing_with_wildcard,
// test_regular_client_blocked_from_sharing_anothers_network,
// test_duplicate_policy_error, test_policy_target_update.
TEST_F(NetworkRbac, AMemberSharesItsOwnNetworkWithAProjectNotWithEveryOne) {
  const auto alice = make_member("alice");
  const auto bob = make_member("bob");
  const auto carol = make_member("carol");
  const std::string mine = network_with_subnet("alices", alice.token);
  EXPECT_EQ(show_network(mine, bob.token), 404);
  auto policy = share(mine, bob.project_id, alice.token);
  ASSERT_TRUE(policy.contains("id")) << policy.dump();
  EXPECT_EQ(policy["project_id"], alice.project_id);
  const std::string policy_id = policy["id"];
  EXPECT_EQ(show_network(mine, bob.token), 200);
  // The policy is alice's: bob does not see the one that shares the network with him.
  EXPECT_EQ(ids_of(list("/rbac-policies", "rbac_policies", alice.token)),
            std::set<std::string>{policy_id});
  EXPECT_TRUE(list("/rbac-policies", "rbac_policies", bob.token).empty());
  expect_neutron_error(net("GET", "/rbac-policies/" + policy_id, bob.token), 404,
                       "RbacPolicyNotFound");
  expect_neutron_error(net("DELETE", "/rbac-policies/" + policy_id, bob.token), 404,
                       "RbacPolicyNotFound");

  // Every project at once is an admin's, on create and on update.
  expect_neutron_error(post_policy(mine, "*", alice.token), 403, "PolicyNotAuthorized",
                       "create_rbac_policy:target_tenant");
  expect_neutron_error(net("PUT", "/rbac-policies/" + policy_id, alice.token,
                           {{"rbac_policy", {{"target_tenant", "*"}}}}),
                       403, "PolicyNotAuthorized");
  // A network bob sees but does not own is not his to share.
  expect_neutron_error(post_policy(mine, carol.project_id, bob.token), 400, "InvalidInput",
                       "Only admins can manipulate policies on networks they do not own");
  // Twice the same is 409.
  expect_neutron_error(post_policy(mine, bob.project_id, alice.token), 409, "DuplicateRbacPolicy");

  // The target moves: bob loses the network, carol gets it; the rest stays.
  auto moved = net("PUT", "/rbac-policies/" + policy_id, alice.token,
                   {{"rbac_policy", {{"target_tenant", carol.project_id}}}});
  ASSERT_EQ(moved.status, 200) << moved.body;
  auto after = json_of(moved)["rbac_policy"];
  EXPECT_EQ(after["target_tenant"], carol.project_id);
  policy.erase("target_tenant");
  after.erase("target_tenant");
  EXPECT_EQ(after, policy);
  EXPECT_EQ(show_network(mine, bob.token), 404);
  EXPECT_EQ(show_network(mine, carol.token), 200);
  // Only the target changes.
  expect_neutron_error(net("PUT", "/rbac-policies/" + policy_id, alice.token,
                           {{"rbac_policy", {{"action", "access_as_external"}}}}),
                       400, "HTTPBadRequest", "Cannot update read-only attribute action");
  EXPECT_EQ(net("DELETE", "/rbac-policies/" + policy_id, alice.token).status, 204);
  EXPECT_EQ(show_network(mine, carol.token), 404);
}

TEST_F(NetworkRbac, BadRequestsAreRefusedInNeutronsWords) {
  const std::string id = network_with_subnet("n", admin_token);
  auto body = [&](nlohmann::json changes) {
    nlohmann::json p{{"object_type", "network"},
                     {"object_id", id},
                     {"action", "access_as_shared"},
                     {"target_tenant", "*"}};
    for (auto it = changes.begin(); it != changes.end(); ++it) {
      if (it.value().is_null())
        p.erase(it.key());
      else
        p[it.key()] = it.value();
    }
    return net("POST", "/rbac-policies", admin_token, {{"rbac_policy", p}});
  };
  expect_neutron_error(body({{"object_type", "qos_policy"}}), 400, "InvalidInput",
                       "'qos_policy' is not a valid RBAC object type");
  expect_neutron_error(body({{"action", "access_as_admin"}}), 400, "InvalidActionForType",
                       "Invalid action 'access_as_admin' for object type 'network'");
  expect_neutron_error(body({{"object_id", "not-a-uuid"}}), 400, "HTTPBadRequest",
                       "is not a valid UUID");
  expect_neutron_error(body({{"target_tenant", nullptr}}), 400, "HTTPBadRequest",
                       "Required attribute 'target_tenant' not specified");
  expect_neutron_error(body({{"object_id", "01234567-89ab-cdef-0123-456789abcdef"}}), 404,
                       "NetworkNotFound");
  EXPECT_EQ(net("POST", "/rbac-policies", admin_token, {{"rbac_policy", {{"action", "x"}}}}).status,
            400)
      << "object_type and object_id are required";
  // Keystone v3's name of the target, and the type in any case.
  auto r =
      body({{"target_tenant", nullptr}, {"target_project", "p-1"}, {"object_type", " Network"}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(json_of(r)["rbac_policy"]["target_tenant"], "p-1");
  expect_neutron_error(net("GET", "/rbac-policies/nope", admin_token), 404, "RbacPolicyNotFound");
}

// The network's own shared attribute is the "*" policy, both ways.
TEST_F(NetworkRbac, SharedIsThePolicyForEveryProject) {
  const auto alice = make_member("alice");
  auto pub = create("/networks", "network", {{"name", "pub"}, {"shared", true}}, admin_token);
  const std::string id = pub.value("id", "");
  ASSERT_FALSE(id.empty());
  auto policies = list("/rbac-policies?object_id=" + id, "rbac_policies", admin_token);
  ASSERT_EQ(policies.size(), 1u) << policies.dump();
  EXPECT_EQ(policies[0]["target_tenant"], "*");
  EXPECT_EQ(policies[0]["action"], "access_as_shared");
  EXPECT_EQ(policies[0]["project_id"], admin_project());

  // A port of another project keeps the network shared (InvalidSharedSetting).
  create("/subnets", "subnet", {{"network_id", id}, {"cidr", "10.9.0.0/24"}, {"ip_version", 4}},
         admin_token);
  auto port = create("/ports", "port", {{"network_id", id}}, alice.token);
  expect_neutron_error(
      net("PUT", "/networks/" + id, admin_token, {{"network", {{"shared", false}}}}), 409,
      "InvalidSharedSetting");
  ASSERT_EQ(net("DELETE", "/ports/" + port.value("id", ""), alice.token).status, 204);
  auto unshared = net("PUT", "/networks/" + id, admin_token, {{"network", {{"shared", false}}}});
  ASSERT_EQ(unshared.status, 200) << unshared.body;
  EXPECT_EQ(json_of(unshared)["network"]["shared"], false);
  EXPECT_TRUE(list("/rbac-policies?object_id=" + id, "rbac_policies", admin_token).empty());
  EXPECT_EQ(show_network(id, alice.token), 404);

  // And a "*" policy made by the RBAC API shares it as `shared: true` does.
  share(id, "*", admin_token);
  EXPECT_EQ(json_of(net("GET", "/networks/" + id, alice.token))["network"]["shared"], true);
  EXPECT_EQ(ids_of(list("/networks?shared=true", "networks", admin_token)),
            std::set<std::string>{id});
}

// tempest: test_rbac_bumps_network_revision.
TEST_F(NetworkRbac, EveryPolicyChangeBumpsTheNetworksRevision) {
  const auto alice = make_member("alice");
  const std::string id = network_with_subnet("n", admin_token);
  auto revision = [&] {
    return json_of(net("GET", "/networks/" + id, admin_token))["network"].value("revision_number",
                                                                                -1);
  };
  const int before = revision();
  auto policy = share(id, alice.project_id, admin_token);
  EXPECT_GT(revision(), before);
  const int after_create = revision();
  ASSERT_EQ(net("DELETE", "/rbac-policies/" + policy.value("id", ""), admin_token).status, 204);
  EXPECT_GT(revision(), after_create);
}

TEST_F(NetworkRbac, ListsFilterOnAnyField) {
  const auto alice = make_member("alice");
  const auto bob = make_member("bob");
  const std::string a = network_with_subnet("a", admin_token);
  const std::string b = network_with_subnet("b", admin_token, "10.1.0.0/24");
  const std::string pa = share(a, alice.project_id, admin_token).value("id", "");
  const std::string pb = share(b, bob.project_id, admin_token).value("id", "");
  const std::string px =
      share(b, alice.project_id, admin_token, "access_as_external").value("id", "");
  auto ids = [&](const std::string& query) {
    return ids_of(list("/rbac-policies" + query, "rbac_policies", admin_token));
  };
  EXPECT_EQ(ids(""), (std::set<std::string>{pa, pb, px}));
  EXPECT_EQ(ids("?object_id=" + b), (std::set<std::string>{pb, px}));
  EXPECT_EQ(ids("?action=access_as_external"), std::set<std::string>{px});
  EXPECT_EQ(ids("?target_tenant=" + alice.project_id), (std::set<std::string>{pa, px}));
  EXPECT_EQ(ids("?object_type=network&action=access_as_shared&object_id=" + a),
            std::set<std::string>{pa});
  auto one =
      list("/rbac-policies?fields=id&fields=action&object_id=" + a, "rbac_policies", admin_token);
  ASSERT_EQ(one.size(), 1u) << one.dump();
  EXPECT_EQ(one[0].size(), 2u) << one.dump();
}

// access_as_external: the network becomes router:external, its target sees
// it and puts a router's gateway on it; a router's gateway keeps the policy.
TEST_F(NetworkRbac, ExternalAccessForOneProject) {
  const auto alice = make_member("alice");
  const auto bob = make_member("bob");
  const std::string ext = network_with_subnet("ext", admin_token, "172.24.4.0/24");
  auto policy = share(ext, alice.project_id, admin_token, "access_as_external");
  ASSERT_TRUE(policy.contains("id"));
  const std::string policy_id = policy["id"];
  EXPECT_EQ(json_of(net("GET", "/networks/" + ext, admin_token))["network"]["router:external"],
            true);
  auto seen = net("GET", "/networks/" + ext, alice.token);
  ASSERT_EQ(seen.status, 200) << seen.body;
  EXPECT_EQ(json_of(seen)["network"]["router:external"], true);
  EXPECT_EQ(json_of(seen)["network"]["shared"], false);
  EXPECT_EQ(ids_of(list("/networks?router:external=true", "networks", alice.token)),
            std::set<std::string>{ext});
  EXPECT_EQ(show_network(ext, bob.token), 404);

  auto router =
      create("/routers", "router",
             {{"name", "r"}, {"external_gateway_info", {{"network_id", ext}}}}, alice.token);
  ASSERT_TRUE(router.contains("id")) << router.dump();
  EXPECT_EQ(router["external_gateway_info"]["network_id"], ext);
  expect_neutron_error(
      net("POST", "/routers", bob.token,
          {{"router", {{"name", "r"}, {"external_gateway_info", {{"network_id", ext}}}}}}),
      404, "NetworkNotFound");
  expect_neutron_error(
      net("POST", "/floatingips", bob.token, {{"floatingip", {{"floating_network_id", ext}}}}), 404,
      "NetworkNotFound");

  // Alice's gateway depends on the policy, and keeps the network external.
  expect_neutron_error(net("DELETE", "/rbac-policies/" + policy_id, admin_token), 409,
                       "RbacPolicyInUse");
  expect_neutron_error(
      net("PUT", "/networks/" + ext, admin_token, {{"network", {{"router:external", false}}}}), 409,
      "ExternalNetworkInUse");
  auto cleared = net("PUT", "/routers/" + router["id"].get<std::string>(), alice.token,
                     {{"router", {{"external_gateway_info", nullptr}}}});
  ASSERT_EQ(cleared.status, 200) << cleared.body;
  EXPECT_EQ(net("DELETE", "/rbac-policies/" + policy_id, admin_token).status, 204);
  EXPECT_EQ(json_of(net("GET", "/networks/" + ext, admin_token))["network"]["router:external"],
            false)
      << "the last external policy gone, the network is internal again";
  EXPECT_EQ(show_network(ext, alice.token), 404);

  // router:external true is the "*" external policy, false takes them all.
  auto external =
      net("PUT", "/networks/" + ext, admin_token, {{"network", {{"router:external", true}}}});
  ASSERT_EQ(external.status, 200) << external.body;
  auto policies = list("/rbac-policies?object_id=" + ext, "rbac_policies", admin_token);
  ASSERT_EQ(policies.size(), 1u) << policies.dump();
  EXPECT_EQ(policies[0]["action"], "access_as_external");
  EXPECT_EQ(policies[0]["target_tenant"], "*");
  EXPECT_EQ(show_network(ext, bob.token), 200);
  ASSERT_EQ(net("PUT", "/networks/" + ext, admin_token, {{"network", {{"router:external", false}}}})
                .status,
            200);
  EXPECT_TRUE(list("/rbac-policies?object_id=" + ext, "rbac_policies", admin_token).empty());
}

TEST_F(NetworkRbac, PoliciesSurviveARestart) {
  const auto alice = make_member("alice");
  const std::string id = network_with_subnet("kept", admin_token);
  const auto policy = share(id, alice.project_id, admin_token);
  auto pub = create("/networks", "network", {{"name", "pub"}, {"shared", true}}, admin_token);
  const auto before = list("/rbac-policies", "rbac_policies", admin_token);
  ASSERT_EQ(before.size(), 2u) << before.dump();
  const auto port = create("/ports", "port", {{"network_id", id}}, alice.token);

  ASSERT_NO_FATAL_FAILURE(restart());
  EXPECT_EQ(list("/rbac-policies", "rbac_policies", admin_token), before);
  auto shown = net("GET", "/rbac-policies/" + policy.value("id", ""), admin_token);
  ASSERT_EQ(shown.status, 200) << shown.body;
  EXPECT_EQ(json_of(shown)["rbac_policy"], policy);
  EXPECT_EQ(show_network(id, alice.token), 200);
  EXPECT_EQ(
      json_of(net("GET", "/networks/" + pub.value("id", ""), alice.token))["network"]["shared"],
      true);
  // And the port still keeps the policy.
  expect_neutron_error(net("DELETE", "/rbac-policies/" + policy.value("id", ""), admin_token), 409,
                       "RbacPolicyInUse");
  ASSERT_EQ(net("DELETE", "/ports/" + port.value("id", ""), alice.token).status, 204);
  EXPECT_EQ(net("DELETE", "/rbac-policies/" + policy.value("id", ""), admin_token).status, 204);
}

TEST_F(NetworkRbac, DeletingTheNetworkTakesItsPolicies) {
  const auto alice = make_member("alice");
  const std::string id = network_with_subnet("gone", admin_token);
  const auto policy = share(id, alice.project_id, admin_token);
  ASSERT_EQ(net("DELETE", "/networks/" + id, admin_token).status, 204);
  expect_neutron_error(net("GET", "/rbac-policies/" + policy.value("id", ""), admin_token), 404,
                       "RbacPolicyNotFound");
  EXPECT_TRUE(list("/rbac-policies", "rbac_policies", admin_token).empty());
}

}  // namespace
}  // namespace cumulo
