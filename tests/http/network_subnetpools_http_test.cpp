// Neutron's subnet pools and address scopes over HTTP on a real `cumulo
// serve`: their routes, rules and errors as neutronclient, openstacksdk and
// tempest use them; subnets allocated from a pool by prefix length (the
// first free prefix, a given cidr, exhaustion, bounds, quotas, the default
// pool); the prefix operations; address scopes keeping their pools apart
// and networks showing their scope; parallel allocations; a restart.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/keystone_client.hpp"

namespace cumulo {
namespace {

const std::string kNet = "/networking/v2.0";

// Asserts Neutron's error body: {"NeutronError": {"type", "message", "detail"}}.
void expect_neutron_error(const http_response& r, int status, const std::string& type,
                          const std::string& message_part = "") {
  EXPECT_EQ(r.status, status) << r.body;
  auto body = json_of(r);
  ASSERT_TRUE(body.is_object() && body.contains("NeutronError")) << r.body;
  const auto& e = body["NeutronError"];
  EXPECT_EQ(e["type"], type) << r.body;
  ASSERT_TRUE(e["message"].is_string()) << r.body;
  EXPECT_NE(e["message"].get<std::string>().find(message_part), std::string::npos) << r.body;
  EXPECT_TRUE(e.contains("detail")) << r.body;
}

std::set<std::string> ids_of(const nlohmann::json& items) {
  std::set<std::string> ids;
  if (items.is_array())
    for (const auto& i : items) ids.insert(i.value("id", ""));
  return ids;
}

nlohmann::json strings(std::vector<std::string> v) {
  return nlohmann::json(std::move(v));
}

class subnetpool_test : public identity_test {
 protected:
  http_response net(const std::string& method, const std::string& path, const std::string& token,
                    const nlohmann::json& body = nullptr) {
    return call(method, kNet + path, token, body);
  }

  // POSTs {key: body} to path and answers the created object ({} and a
  // failure otherwise).
  nlohmann::json create(const std::string& path, const std::string& key, const nlohmann::json& body,
                        const std::string& token) {
    auto r = net("POST", path, token, {{key, body}});
    EXPECT_EQ(r.status, 201) << "POST " << path << " " << body.dump() << ": " << r.body;
    auto j = json_of(r);
    return r.status == 201 && j.contains(key) ? j[key] : nlohmann::json::object();
  }

  std::string scope(const std::string& name, const std::string& token, int ip_version = 4) {
    return create("/address-scopes", "address_scope", {{"name", name}, {"ip_version", ip_version}},
                  token)
        .value("id", "");
  }
  // A pool of `prefixes` with these settings.
  nlohmann::json pool(const std::string& name, std::vector<std::string> prefixes,
                      const std::string& token, nlohmann::json extra = nlohmann::json::object()) {
    extra["name"] = name;
    extra["prefixes"] = std::move(prefixes);
    return create("/subnetpools", "subnetpool", extra, token);
  }
  http_response post_pool(const nlohmann::json& body, const std::string& token) {
    return net("POST", "/subnetpools", token, {{"subnetpool", body}});
  }
  http_response put_pool(const std::string& id, const nlohmann::json& body,
                         const std::string& token) {
    return net("PUT", "/subnetpools/" + id, token, {{"subnetpool", body}});
  }
  std::string network(const std::string& name, const std::string& token) {
    return create("/networks", "network", {{"name", name}}, token).value("id", "");
  }
  // POST /subnets on network_id with these fields.
  http_response post_subnet(const std::string& network_id, nlohmann::json fields,
                            const std::string& token) {
    fields["network_id"] = network_id;
    return net("POST", "/subnets", token, {{"subnet", fields}});
  }
  // A subnet of `pool_id` (prefixlen 0: the pool's default), as created.
  nlohmann::json subnet_of(const std::string& network_id, const std::string& pool_id,
                           const std::string& token, int prefixlen = 0) {
    nlohmann::json fields{{"subnetpool_id", pool_id}};
    if (prefixlen) fields["prefixlen"] = prefixlen;
    auto r = post_subnet(network_id, fields, token);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? json_of(r)["subnet"] : nlohmann::json::object();
  }
  nlohmann::json get(const std::string& path, const std::string& key, const std::string& token) {
    auto r = net("GET", path, token);
    EXPECT_EQ(r.status, 200) << path << ": " << r.body;
    return r.status == 200 ? json_of(r)[key] : nlohmann::json::object();
  }
};

class NetworkAddressScopes : public subnetpool_test {};
class NetworkSubnetpools : public subnetpool_test {};
class NetworkSubnetsFromPools : public subnetpool_test {};

// --- address scopes --------------------------------------------------------------

TEST_F(NetworkAddressScopes, CreateListShowUpdateDeleteWithNeutronsRules) {
  auto m = make_member("asm");
  auto other = make_member("aso");
  auto r = net("POST", "/address-scopes", m.token,
               {{"address_scope", {{"name", "s1"}, {"ip_version", 4}}}});
  ASSERT_EQ(r.status, 201) << r.body;
  const auto s1 = json_of(r)["address_scope"];
  const std::string s1_id = s1.value("id", "");
  ASSERT_FALSE(s1_id.empty());
  EXPECT_EQ(s1["name"], "s1");
  EXPECT_EQ(s1["ip_version"], 4);
  EXPECT_EQ(s1["shared"], false);
  EXPECT_EQ(s1["project_id"], m.project_id);
  EXPECT_EQ(s1["tenant_id"], m.project_id);

  // Sharing is an admin's.
  expect_neutron_error(
      net("POST", "/address-scopes", m.token,
          {{"address_scope", {{"name", "s2"}, {"ip_version", 4}, {"shared", true}}}}),
      403, "PolicyNotAuthorized", "create_address_scope:shared");
  EXPECT_EQ(net("POST", "/address-scopes", m.token,
                {{"address_scope", {{"name", "s3"}, {"ip_version", 5}}}})
                .status,
            400);
  auto pub = create("/address-scopes", "address_scope",
                    {{"name", "pub6"}, {"ip_version", 6}, {"shared", true}}, admin_token);
  const std::string pub_id = pub.value("id", "");

  // A member sees its own and the shared ones; filters on any field.
  EXPECT_EQ(ids_of(get("/address-scopes", "address_scopes", m.token)),
            (std::set<std::string>{s1_id, pub_id}));
  EXPECT_EQ(ids_of(get("/address-scopes", "address_scopes", other.token)),
            std::set<std::string>{pub_id});
  EXPECT_EQ(ids_of(get("/address-scopes?ip_version=6", "address_scopes", m.token)),
            std::set<std::string>{pub_id});
  EXPECT_EQ(ids_of(get("/address-scopes?name=s1", "address_scopes", admin_token)),
            std::set<std::string>{s1_id});
  EXPECT_EQ(get("/address-scopes/" + pub_id, "address_scope", other.token)["shared"], true);
  expect_neutron_error(net("GET", "/address-scopes/" + s1_id, other.token), 404,
                       "AddressScopeNotFound", s1_id);
  expect_neutron_error(
      net("PUT", "/address-scopes/" + s1_id, other.token, {{"address_scope", {{"name", "mine"}}}}),
      404, "AddressScopeNotFound");
  expect_neutron_error(net("DELETE", "/address-scopes/" + s1_id, other.token), 404,
                       "AddressScopeNotFound");

  r = net("PUT", "/address-scopes/" + s1_id, m.token, {{"address_scope", {{"name", "renamed"}}}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json_of(r)["address_scope"]["name"], "renamed");
  expect_neutron_error(
      net("PUT", "/address-scopes/" + s1_id, m.token, {{"address_scope", {{"shared", true}}}}), 403,
      "PolicyNotAuthorized", "update_address_scope:shared");
  expect_neutron_error(net("PUT", "/address-scopes/" + pub_id, admin_token,
                           {{"address_scope", {{"shared", false}}}}),
                       400, "AddressScopeUpdateError", "Shared address scope can't be unshared");
  expect_neutron_error(
      net("PUT", "/address-scopes/" + pub_id, other.token, {{"address_scope", {{"name", "x"}}}}),
      403, "PolicyNotAuthorized", "update_address_scope");

  // A scope with a pool in it stays.
  const std::string pool_id =
      pool("p", {"10.10.0.0/16"}, m.token, {{"address_scope_id", s1_id}}).value("id", "");
  expect_neutron_error(net("DELETE", "/address-scopes/" + s1_id, m.token), 409, "AddressScopeInUse",
                       "one or more subnet pools in use");
  ASSERT_EQ(net("DELETE", "/subnetpools/" + pool_id, m.token).status, 204);
  EXPECT_EQ(net("DELETE", "/address-scopes/" + s1_id, m.token).status, 204);
  expect_neutron_error(net("GET", "/address-scopes/" + s1_id, m.token), 404,
                       "AddressScopeNotFound");
}

// --- subnet pools ----------------------------------------------------------------

TEST_F(NetworkSubnetpools, CreateMergesPrefixesWithNeutronsDefaultsAndRefusesBadOnes) {
  auto m = make_member("spm");
  auto p = pool("p1", {"10.10.0.0/24", "10.10.1.0/24", "10.10.2.0/23"}, m.token);
  const std::string id = p.value("id", "");
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(p["name"], "p1");
  EXPECT_EQ(p["prefixes"], strings({"10.10.0.0/22"}));
  EXPECT_EQ(p["ip_version"], 4);
  EXPECT_EQ(p["min_prefixlen"], 8);
  EXPECT_EQ(p["max_prefixlen"], 32);
  EXPECT_EQ(p["default_prefixlen"], 8);
  EXPECT_TRUE(p["default_quota"].is_null());
  EXPECT_TRUE(p["address_scope_id"].is_null());
  EXPECT_EQ(p["is_default"], false);
  EXPECT_EQ(p["shared"], false);
  EXPECT_EQ(p["project_id"], m.project_id);
  EXPECT_EQ(p["tenant_id"], m.project_id);
  EXPECT_EQ(p["description"], "");
  EXPECT_EQ(p["tags"], nlohmann::json::array());
  EXPECT_EQ(p["revision_number"], 1);
  EXPECT_TRUE(p["created_at"].is_string());

  auto v6 = pool("p6", {"2001:db8::/48"}, m.token,
                 {{"default_prefixlen", 64}, {"default_quota", 4}, {"description", "six"}});
  EXPECT_EQ(v6["ip_version"], 6);
  EXPECT_EQ(v6["min_prefixlen"], 64);
  EXPECT_EQ(v6["max_prefixlen"], 128);
  EXPECT_EQ(v6["default_prefixlen"], 64);
  EXPECT_EQ(v6["default_quota"], 4);
  EXPECT_EQ(v6["description"], "six");

  expect_neutron_error(post_pool({{"name", "x"}, {"prefixes", nlohmann::json::array()}}, m.token),
                       400, "EmptySubnetPoolPrefixList");
  expect_neutron_error(post_pool({{"prefixes", {"10.0.0.0/8", "fd00::/8"}}}, m.token), 400,
                       "PrefixVersionMismatch");
  expect_neutron_error(post_pool({{"prefixes", {"10.0.0.5/24"}}}, m.token), 400, "InvalidInput",
                       "'10.0.0.0/24' is recommended");
  expect_neutron_error(post_pool({{"prefixes", {"10.0.0.0/33"}}}, m.token), 400, "InvalidInput");
  expect_neutron_error(
      post_pool({{"prefixes", {"10.0.0.0/16"}}, {"min_prefixlen", 28}, {"max_prefixlen", 24}},
                m.token),
      400, "IllegalSubnetPoolPrefixBounds",
      "Illegal prefix bounds: min_prefixlen=28, max_prefixlen=24.");
  expect_neutron_error(post_pool({{"prefixes", {"10.0.0.0/16"}}, {"max_prefixlen", 33}}, m.token),
                       400, "IllegalSubnetPoolPrefixBounds", "ip_version_max=32");
  EXPECT_EQ(post_pool({{"name", "no-prefixes"}}, m.token).status, 400);

  EXPECT_EQ(ids_of(get("/subnetpools", "subnetpools", m.token)),
            (std::set<std::string>{id, v6.value("id", "")}));
  EXPECT_EQ(ids_of(get("/subnetpools?name=p1", "subnetpools", m.token)), std::set<std::string>{id});
  EXPECT_EQ(ids_of(get("/subnetpools?ip_version=6", "subnetpools", m.token)),
            std::set<std::string>{v6.value("id", "")});
  EXPECT_EQ(get("/subnetpools/" + id, "subnetpool", m.token), p);
  expect_neutron_error(net("GET", "/subnetpools/no-such-pool", m.token), 404, "SubnetPoolNotFound",
                       "no-such-pool");
}

TEST_F(NetworkSubnetpools, UpdatesOnlyGrowPrefixesAndKeepNeutronsBounds) {
  auto m = make_member("spu");
  const std::string id =
      pool("p", {"10.20.0.0/16"}, m.token, {{"default_prefixlen", 24}}).value("id", "");
  expect_neutron_error(put_pool(id, {{"prefixes", {"10.21.0.0/16"}}}, m.token), 400,
                       "IllegalSubnetPoolPrefixUpdate",
                       "Existing prefixes must be a subset of the new prefixes");
  auto r = put_pool(id, {{"prefixes", {"10.21.0.0/16", "10.20.0.0/16"}}}, m.token);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json_of(r)["subnetpool"]["prefixes"], strings({"10.20.0.0/15"}));
  EXPECT_EQ(json_of(r)["subnetpool"]["revision_number"], 2);
  expect_neutron_error(put_pool(id, {{"min_prefixlen", 25}}, m.token), 400,
                       "IllegalSubnetPoolPrefixBounds", "default_prefixlen=24, min_prefixlen=25");
  r = put_pool(id,
               {{"name", "p2"},
                {"min_prefixlen", 16},
                {"max_prefixlen", 28},
                {"default_prefixlen", 26},
                {"default_quota", 1024},
                {"description", "d"}},
               m.token);
  ASSERT_EQ(r.status, 200) << r.body;
  const auto p = json_of(r)["subnetpool"];
  EXPECT_EQ(p["name"], "p2");
  EXPECT_EQ(p["min_prefixlen"], 16);
  EXPECT_EQ(p["max_prefixlen"], 28);
  EXPECT_EQ(p["default_prefixlen"], 26);
  EXPECT_EQ(p["default_quota"], 1024);
  EXPECT_EQ(p["description"], "d");
  EXPECT_EQ(p["prefixes"], strings({"10.20.0.0/15"}));
  EXPECT_EQ(get("/subnetpools/" + id, "subnetpool", m.token), p);
  // shared is read-only; a default pool is an admin's.
  expect_neutron_error(put_pool(id, {{"shared", true}}, m.token), 400, "HTTPBadRequest",
                       "Cannot update read-only attribute shared");
  expect_neutron_error(put_pool(id, {{"is_default", true}}, m.token), 403, "PolicyNotAuthorized",
                       "update_subnetpool:is_default");
  EXPECT_EQ(get("/subnetpools/" + id, "subnetpool", m.token)["is_default"], false);
}

TEST_F(NetworkSubnetpools, APoolIsItsProjectsUnlessShared) {
  auto m = make_member("spo");
  auto other = make_member("spx");
  const std::string mine = pool("mine", {"10.30.0.0/16"}, m.token).value("id", "");
  expect_neutron_error(net("GET", "/subnetpools/" + mine, other.token), 404, "SubnetPoolNotFound");
  expect_neutron_error(put_pool(mine, {{"name", "x"}}, other.token), 404, "SubnetPoolNotFound");
  expect_neutron_error(net("DELETE", "/subnetpools/" + mine, other.token), 404,
                       "SubnetPoolNotFound");
  EXPECT_EQ(ids_of(get("/subnetpools", "subnetpools", other.token)), std::set<std::string>{});
  // Another project's pool gives it no subnet either.
  const std::string their_net = network("theirs", other.token);
  expect_neutron_error(post_subnet(their_net, {{"subnetpool_id", mine}}, other.token), 404,
                       "SubnetPoolNotFound", mine);

  expect_neutron_error(post_pool({{"prefixes", {"10.31.0.0/16"}}, {"shared", true}}, m.token), 403,
                       "PolicyNotAuthorized", "create_subnetpool:shared");
  expect_neutron_error(post_pool({{"prefixes", {"10.31.0.0/16"}}, {"is_default", true}}, m.token),
                       403, "PolicyNotAuthorized", "create_subnetpool:is_default");
  expect_neutron_error(
      post_pool({{"prefixes", {"10.31.0.0/16"}}, {"project_id", other.project_id}}, m.token), 400,
      "HTTPBadRequest");

  // A shared pool: every project sees it and takes subnets from it; it
  // stays its owner's to change.
  const std::string shared =
      pool("public", {"10.200.0.0/16"}, admin_token, {{"shared", true}, {"default_prefixlen", 24}})
          .value("id", "");
  EXPECT_EQ(ids_of(get("/subnetpools", "subnetpools", other.token)), std::set<std::string>{shared});
  auto s = subnet_of(their_net, shared, other.token);
  EXPECT_EQ(s["cidr"], "10.200.0.0/24");
  EXPECT_EQ(s["project_id"], other.project_id);
  expect_neutron_error(put_pool(shared, {{"name", "x"}}, other.token), 403, "PolicyNotAuthorized",
                       "update_subnetpool");
  expect_neutron_error(net("DELETE", "/subnetpools/" + shared, other.token), 403,
                       "PolicyNotAuthorized", "delete_subnetpool");
  // The admin sees every pool.
  EXPECT_EQ(ids_of(get("/subnetpools", "subnetpools", admin_token)),
            (std::set<std::string>{mine, shared}));
}

TEST_F(NetworkSubnetpools, OneDefaultPoolPerFamilyAndSubnetsFromIt) {
  auto m = make_member("spd");
  const std::string d4 = pool("default4", {"10.100.0.0/16"}, admin_token,
                              {{"is_default", true}, {"shared", true}, {"default_prefixlen", 26}})
                             .value("id", "");
  ASSERT_FALSE(d4.empty());
  EXPECT_EQ(get("/subnetpools/" + d4, "subnetpool", m.token)["is_default"], true);
  expect_neutron_error(
      post_pool({{"prefixes", {"10.101.0.0/16"}}, {"is_default", true}}, admin_token), 400,
      "InvalidInput", "Only one default may exist per IP family");
  pool("default6", {"fd00:100::/40"}, admin_token, {{"is_default", true}, {"shared", true}});
  const std::string other4 = pool("other4", {"10.102.0.0/16"}, admin_token).value("id", "");
  expect_neutron_error(put_pool(other4, {{"is_default", true}}, admin_token), 400, "InvalidInput");

  const std::string n1 = network("n1", m.token);
  auto r = post_subnet(n1, {{"use_default_subnetpool", true}, {"ip_version", 4}}, m.token);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(json_of(r)["subnet"]["cidr"], "10.100.0.0/26");
  EXPECT_EQ(json_of(r)["subnet"]["subnetpool_id"], d4);
  r = post_subnet(n1, {{"use_default_subnetpool", true}, {"ip_version", 6}}, m.token);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(json_of(r)["subnet"]["cidr"], "fd00:100::/64");
  EXPECT_EQ(json_of(r)["subnet"]["ip_version"], 6);
  EXPECT_EQ(json_of(r)["subnet"]["gateway_ip"], "fd00:100::1");

  const std::string n2 = network("n2", m.token);
  expect_neutron_error(post_subnet(n2, {{"use_default_subnetpool", true}}, m.token), 400,
                       "BadRequest", "ip_version must be specified in the absence of cidr");
  expect_neutron_error(
      post_subnet(n2, {{"use_default_subnetpool", true}, {"subnetpool_id", d4}, {"ip_version", 4}},
                  m.token),
      400, "BadRequest", "cannot both be specified");
  // No default any more: Neutron's 400.
  ASSERT_EQ(put_pool(d4, {{"is_default", false}}, admin_token).status, 200);
  expect_neutron_error(
      post_subnet(n2, {{"use_default_subnetpool", true}, {"ip_version", 4}}, m.token), 400,
      "BadRequest", "No default subnetpool found for IPv4");
  // Now other4 may be the default.
  EXPECT_EQ(put_pool(other4, {{"is_default", true}}, admin_token).status, 200);
}

// --- subnets from a pool ----------------------------------------------------------

TEST_F(NetworkSubnetsFromPools, TakeTheFirstFreePrefixAndGiveItBackWhenDeleted) {
  auto m = make_member("sfp");
  const std::string pid =
      pool("p1", {"10.10.0.0/16"}, m.token, {{"default_prefixlen", 24}}).value("id", "");
  const std::string n1 = network("n1", m.token);
  auto r = post_subnet(n1, {{"subnetpool_id", pid}, {"prefixlen", 26}, {"name", "s"}}, m.token);
  ASSERT_EQ(r.status, 201) << r.body;
  const auto s1 = json_of(r)["subnet"];
  EXPECT_EQ(s1["cidr"], "10.10.0.0/26");
  EXPECT_EQ(s1["ip_version"], 4) << "the pool's";
  EXPECT_EQ(s1["subnetpool_id"], pid);
  EXPECT_EQ(s1["gateway_ip"], "10.10.0.1");
  EXPECT_EQ(s1["allocation_pools"],
            nlohmann::json::parse(R"([{"start": "10.10.0.2", "end": "10.10.0.62"}])"));
  EXPECT_EQ(s1["name"], "s");
  EXPECT_EQ(get("/subnets/" + s1.value("id", ""), "subnet", m.token)["subnetpool_id"], pid);
  // A port on it takes its first address.
  auto port = create("/ports", "port", {{"network_id", n1}}, m.token);
  EXPECT_EQ(port["fixed_ips"][0]["ip_address"], "10.10.0.2");

  const std::string n2 = network("n2", m.token);
  EXPECT_EQ(subnet_of(n2, pid, m.token)["cidr"], "10.10.1.0/24") << "the pool's default length";
  const std::string n3 = network("n3", m.token);
  EXPECT_EQ(subnet_of(n3, pid, m.token, 26)["cidr"], "10.10.0.64/26");
  EXPECT_EQ(get("/subnets?subnetpool_id=" + pid, "subnets", m.token).size(), 3u);

  // One pool per family on a network, and no plain subnet beside it.
  expect_neutron_error(post_subnet(n1, {{"cidr", "192.168.5.0/24"}, {"ip_version", 4}}, m.token),
                       400, "NetworkSubnetPoolAffinityError");
  const std::string p2 = pool("p2", {"10.11.0.0/16"}, m.token).value("id", "");
  expect_neutron_error(post_subnet(n1, {{"subnetpool_id", p2}}, m.token), 400,
                       "NetworkSubnetPoolAffinityError");
  EXPECT_EQ(post_subnet(n1, {{"cidr", "fd00:1::/64"}, {"ip_version", 6}}, m.token).status, 201)
      << "another family";

  // A pool with subnets stays; a subnet deleted gives its prefix back.
  expect_neutron_error(net("DELETE", "/subnetpools/" + pid, m.token), 400, "SubnetPoolDeleteError",
                       "Subnet pool has existing allocations");
  ASSERT_EQ(net("DELETE", "/ports/" + port.value("id", ""), m.token).status, 204);
  ASSERT_EQ(net("DELETE", "/subnets/" + s1.value("id", ""), m.token).status, 204);
  const std::string n4 = network("n4", m.token);
  EXPECT_EQ(subnet_of(n4, pid, m.token, 26)["cidr"], "10.10.0.0/26");
  // A network deleted gives its subnets' prefixes back too.
  ASSERT_EQ(net("DELETE", "/networks/" + n2, m.token).status, 204);
  const std::string n5 = network("n5", m.token);
  EXPECT_EQ(subnet_of(n5, pid, m.token, 24)["cidr"], "10.10.1.0/24");
}

TEST_F(NetworkSubnetsFromPools, ASpecificCidrExhaustionAndBoundsAreRefusedAsNeutronDoes) {
  auto m = make_member("sfx");
  const std::string pid =
      pool("small", {"10.30.0.0/24"}, m.token,
           {{"default_prefixlen", 25}, {"min_prefixlen", 24}, {"max_prefixlen", 28}})
          .value("id", "");
  const std::string n1 = network("n1", m.token);
  auto r = post_subnet(n1, {{"subnetpool_id", pid}, {"cidr", "10.30.0.128/25"}}, m.token);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(json_of(r)["subnet"]["cidr"], "10.30.0.128/25");
  EXPECT_EQ(json_of(r)["subnet"]["subnetpool_id"], pid);

  const std::string n2 = network("n2", m.token);
  for (const char* taken : {"10.30.0.128/26", "10.40.0.0/25", "10.30.0.0/24"})
    expect_neutron_error(post_subnet(n2, {{"subnetpool_id", pid}, {"cidr", taken}}, m.token), 409,
                         "SubnetAllocationError",
                         "Cannot allocate requested subnet from the available set of prefixes");
  expect_neutron_error(post_subnet(n2, {{"subnetpool_id", pid}, {"prefixlen", 29}}, m.token), 400,
                       "MaxPrefixSubnetAllocationError",
                       "Unable to allocate subnet with prefix length 29, maximum allowed prefix "
                       "is 28.");
  expect_neutron_error(post_subnet(n2, {{"subnetpool_id", pid}, {"prefixlen", 23}}, m.token), 400,
                       "MinPrefixSubnetAllocationError", "minimum allowed prefix is 24");
  expect_neutron_error(
      post_subnet(n2, {{"subnetpool_id", pid}, {"prefixlen", 26}, {"cidr", "10.30.0.0/26"}},
                  m.token),
      400, "BadRequest", "cidr and prefixlen must not be supplied together");
  expect_neutron_error(post_subnet(n2, {{"ip_version", 4}}, m.token), 400, "BadRequest",
                       "a subnetpool must be specified in the absence of a cidr");
  expect_neutron_error(post_subnet(n2, {{"subnetpool_id", pid}, {"ip_version", 6}}, m.token), 400,
                       "BadRequest", "Cannot allocate IPv6 subnet from IPv4 subnet pool");
  expect_neutron_error(
      post_subnet(n2,
                  {{"subnetpool_id", pid},
                   {"allocation_pools", {{{"start", "10.30.0.10"}, {"end", "10.30.0.20"}}}}},
                  m.token),
      400, "BadRequest", "allocation_pools allowed only for specific subnet requests");

  EXPECT_EQ(subnet_of(n2, pid, m.token)["cidr"], "10.30.0.0/25");
  const std::string n3 = network("n3", m.token);
  expect_neutron_error(post_subnet(n3, {{"subnetpool_id", pid}}, m.token), 409,
                       "SubnetAllocationError",
                       "Failed to allocate subnet: Insufficient prefix space to allocate subnet "
                       "size /25.");
  // Nothing of the refusals was recorded.
  EXPECT_EQ(get("/subnets?subnetpool_id=" + pid, "subnets", m.token).size(), 2u);
  EXPECT_EQ(get("/networks/" + n3, "network", m.token)["subnets"], nlohmann::json::array());
}

TEST_F(NetworkSubnetsFromPools, TheQuotaCountsEachProjectsAddresses) {
  auto a = make_member("sqa");
  auto b = make_member("sqb");
  // 512 addresses a project.
  const std::string pid =
      pool("quota", {"10.60.0.0/16"}, admin_token,
           {{"shared", true}, {"default_prefixlen", 24}, {"default_quota", 512}})
          .value("id", "");
  std::vector<std::string> nets;
  for (int i = 0; i < 4; ++i) nets.push_back(network("qa" + std::to_string(i), a.token));
  EXPECT_EQ(subnet_of(nets[0], pid, a.token)["cidr"], "10.60.0.0/24");
  EXPECT_EQ(subnet_of(nets[1], pid, a.token)["cidr"], "10.60.1.0/24");
  expect_neutron_error(post_subnet(nets[2], {{"subnetpool_id", pid}}, a.token), 409,
                       "SubnetPoolQuotaExceeded", "Per-tenant subnet pool prefix quota exceeded");
  expect_neutron_error(post_subnet(nets[2], {{"subnetpool_id", pid}, {"prefixlen", 30}}, a.token),
                       409, "SubnetPoolQuotaExceeded");
  // Another project counts its own.
  EXPECT_EQ(subnet_of(network("qb", b.token), pid, b.token)["cidr"], "10.60.2.0/24");
}

TEST_F(NetworkSubnetsFromPools, PoolsOfAnAddressScopeDoNotOverlapAndNetworksShowTheirScope) {
  auto m = make_member("sas");
  auto other = make_member("sao");
  const std::string s4 = scope("s4", m.token);
  const std::string s6 = scope("s6", m.token, 6);
  const std::string a =
      pool("a", {"10.70.0.0/16"}, m.token, {{"address_scope_id", s4}, {"default_prefixlen", 24}})
          .value("id", "");
  EXPECT_EQ(get("/subnetpools/" + a, "subnetpool", m.token)["address_scope_id"], s4);
  expect_neutron_error(
      post_pool({{"prefixes", {"10.70.128.0/17"}}, {"address_scope_id", s4}}, m.token), 409,
      "AddressScopePrefixConflict",
      "subnetpools within an address scope must have unique prefixes");
  expect_neutron_error(
      post_pool({{"prefixes", {"10.71.0.0/16"}}, {"address_scope_id", s6}}, m.token), 400,
      "IllegalSubnetPoolIpVersionAssociationToAddressScope");
  expect_neutron_error(post_pool({{"prefixes", {"10.71.0.0/16"}},
                                  {"address_scope_id", scope("theirs", other.token)}},
                                 m.token),
                       404, "AddressScopeNotFound");
  const std::string b =
      pool("b", {"10.71.0.0/16"}, m.token, {{"address_scope_id", s4}, {"default_prefixlen", 24}})
          .value("id", "");
  expect_neutron_error(put_pool(b, {{"prefixes", {"10.71.0.0/16", "10.70.0.0/24"}}}, m.token), 409,
                       "AddressScopePrefixConflict");
  const std::string c =
      pool("c", {"10.70.0.0/16"}, m.token, {{"default_prefixlen", 24}}).value("id", "");
  expect_neutron_error(put_pool(c, {{"address_scope_id", s4}}, m.token), 409,
                       "AddressScopePrefixConflict");

  // A network shows the scope of its subnets' pools.
  const std::string n1 = network("n1", m.token);
  EXPECT_TRUE(get("/networks/" + n1, "network", m.token)["ipv4_address_scope"].is_null());
  subnet_of(n1, a, m.token);
  auto shown = get("/networks/" + n1, "network", m.token);
  EXPECT_EQ(shown["ipv4_address_scope"], s4);
  EXPECT_TRUE(shown["ipv6_address_scope"].is_null());
  bool listed = false;
  for (const auto& n : get("/networks", "networks", m.token))
    if (n.value("id", "") == n1) listed = n["ipv4_address_scope"] == s4;
  EXPECT_TRUE(listed);

  // Pools of one scope may share a network; a pool of none may not join them.
  const std::string n2 = network("n2", m.token);
  EXPECT_EQ(subnet_of(n2, a, m.token)["cidr"], "10.70.1.0/24");
  EXPECT_EQ(subnet_of(n2, b, m.token)["cidr"], "10.71.0.0/24");
  expect_neutron_error(post_subnet(n2, {{"subnetpool_id", c}}, m.token), 400,
                       "NetworkAddressScopeAffinityError");
  // Moving b to another scope would split n2's subnets between two.
  const std::string s4b = scope("s4b", m.token);
  expect_neutron_error(put_pool(b, {{"address_scope_id", s4b}}, m.token), 400,
                       "NetworkAddressScopeAffinityError");
  expect_neutron_error(net("DELETE", "/address-scopes/" + s4, m.token), 409, "AddressScopeInUse");

  // Out of its scope (openstack subnet pool set --no-address-scope): n1 has none.
  auto r = put_pool(a, {{"address_scope_id", nullptr}}, m.token);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(json_of(r)["subnetpool"]["address_scope_id"].is_null());
  EXPECT_TRUE(get("/networks/" + n1, "network", m.token)["ipv4_address_scope"].is_null());
}

TEST_F(NetworkSubnetpools, AddAndRemovePrefixes) {
  auto m = make_member("spp");
  auto other = make_member("spq");
  const std::string pid =
      pool("p", {"10.80.0.0/24"}, m.token, {{"default_prefixlen", 26}}).value("id", "");
  auto r = net("PUT", "/subnetpools/" + pid + "/add_prefixes", m.token,
               {{"prefixes", {"10.80.1.0/24", "192.168.0.0/24"}}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json_of(r), nlohmann::json({{"prefixes", {"10.80.0.0/23", "192.168.0.0/24"}}}));
  r = net("PUT", "/subnetpools/" + pid + "/add_prefixes", m.token,
          {{"prefixes", nlohmann::json::array()}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json_of(r)["prefixes"], strings({"10.80.0.0/23", "192.168.0.0/24"}));

  const std::string n1 = network("n1", m.token);
  auto s = post_subnet(n1, {{"subnetpool_id", pid}, {"cidr", "10.80.1.0/26"}}, m.token);
  ASSERT_EQ(s.status, 201) << s.body;
  expect_neutron_error(net("PUT", "/subnetpools/" + pid + "/remove_prefixes", m.token,
                           {{"prefixes", {"10.80.1.0/24"}}}),
                       400, "IllegalSubnetPoolPrefixUpdate",
                       "One or more the prefixes to be removed is in use by a subnet");
  r = net("PUT", "/subnetpools/" + pid + "/remove_prefixes", m.token,
          {{"prefixes", {"192.168.0.0/24", "10.80.0.0/25"}}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json_of(r)["prefixes"], strings({"10.80.0.128/25", "10.80.1.0/24"}));
  const auto p = get("/subnetpools/" + pid, "subnetpool", m.token);
  EXPECT_EQ(p["prefixes"], strings({"10.80.0.128/25", "10.80.1.0/24"}));
  EXPECT_EQ(p["revision_number"], 3) << "created, added to, removed from";
  expect_neutron_error(net("PUT", "/subnetpools/" + pid + "/add_prefixes", other.token,
                           {{"prefixes", {"10.99.0.0/24"}}}),
                       404, "SubnetPoolNotFound");
  expect_neutron_error(
      net("PUT", "/subnetpools/" + pid + "/add_prefixes", m.token, {{"prefixes", {"fd00::/64"}}}),
      400, "PrefixVersionMismatch");
  EXPECT_EQ(
      net("PUT", "/subnetpools/" + pid + "/add_prefixes", m.token, nlohmann::json::object()).status,
      400);
}

TEST_F(NetworkSubnetsFromPools, ParallelSubnetsFromOnePoolGetDistinctPrefixes) {
  const std::string pid =
      pool("busy", {"10.90.0.0/20"}, admin_token, {{"default_prefixlen", 24}}).value("id", "");
  constexpr int kSubnets = 12;
  std::vector<std::string> nets;
  for (int i = 0; i < kSubnets; ++i)
    nets.push_back(network("busy" + std::to_string(i), admin_token));
  std::mutex mu;
  std::vector<std::string> cidrs;
  std::vector<std::string> failures;
  std::vector<std::thread> threads;
  const std::string url = cloud->url(kNet + "/subnets");
  const auto headers = auth_headers(admin_token);
  for (int i = 0; i < kSubnets; ++i)
    threads.emplace_back([&, i] {
      const std::string body =
          nlohmann::json{{"subnet", {{"network_id", nets[i]}, {"subnetpool_id", pid}}}}.dump();
      auto r = http_request("POST", url, body, headers);
      auto j = nlohmann::json::parse(r.body, nullptr, false);
      std::lock_guard<std::mutex> lock(mu);
      if (r.status == 201 && j.is_object() && j.contains("subnet"))
        cidrs.push_back(j["subnet"].value("cidr", ""));
      else
        failures.push_back(std::to_string(r.status) + " " + r.body);
    });
  for (auto& t : threads) t.join();
  EXPECT_TRUE(failures.empty()) << failures.front();
  const std::set<std::string> distinct(cidrs.begin(), cidrs.end());
  EXPECT_EQ(distinct.size(), static_cast<std::size_t>(kSubnets));
  for (const auto& c : distinct) EXPECT_EQ(c.rfind("10.90.", 0), 0u) << c;
  // The four /24s left, then none.
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(subnet_of(network("late" + std::to_string(i), admin_token), pid, admin_token)
                  .value("cidr", "")
                  .rfind("10.90.", 0),
              0u);
  expect_neutron_error(
      post_subnet(network("none-left", admin_token), {{"subnetpool_id", pid}}, admin_token), 409,
      "SubnetAllocationError");
}

TEST_F(NetworkSubnetsFromPools, PoolsScopesAndAllocationsSurviveARestart) {
  auto m = make_member("spr");
  const std::string sid = scope("kept", m.token);
  const std::string pid =
      pool("kept", {"10.95.0.0/16"}, m.token,
           {{"address_scope_id", sid}, {"default_prefixlen", 24}, {"default_quota", 1024}})
          .value("id", "");
  const std::string n1 = network("n1", m.token);
  EXPECT_EQ(subnet_of(n1, pid, m.token)["cidr"], "10.95.0.0/24");
  const auto pool_before = get("/subnetpools/" + pid, "subnetpool", m.token);
  const auto scope_before = get("/address-scopes/" + sid, "address_scope", m.token);
  const auto network_before = get("/networks/" + n1, "network", m.token);

  ASSERT_NO_FATAL_FAILURE(restart());

  EXPECT_EQ(get("/subnetpools/" + pid, "subnetpool", m.token), pool_before);
  EXPECT_EQ(get("/address-scopes/" + sid, "address_scope", m.token), scope_before);
  const auto network_after = get("/networks/" + n1, "network", m.token);
  EXPECT_EQ(network_after, network_before);
  EXPECT_EQ(network_after["ipv4_address_scope"], sid);
  // The prefix given before stays given; the quota counts it.
  const std::string n2 = network("n2", m.token);
  EXPECT_EQ(subnet_of(n2, pid, m.token)["cidr"], "10.95.1.0/24");
  // 512 addresses used of 1024: a /22 (1024 more) is over.
  expect_neutron_error(
      post_subnet(network("n3", m.token), {{"subnetpool_id", pid}, {"prefixlen", 22}}, m.token),
      409, "SubnetPoolQuotaExceeded");
  expect_neutron_error(net("DELETE", "/subnetpools/" + pid, m.token), 400, "SubnetPoolDeleteError");
}

TEST_F(NetworkSubnetpools, ExtensionsAreListed) {
  auto r = net("GET", "/extensions", admin_token);
  ASSERT_EQ(r.status, 200) << r.body;
  std::set<std::string> aliases;
  auto listed_json = json_of(r);  // kept: the loop reads into it
  for (const auto& e : listed_json["extensions"]) aliases.insert(e.value("alias", ""));
  for (const char* alias :
       {"subnet_allocation", "address-scope", "default-subnetpools", "subnetpool-prefix-ops"}) {
    EXPECT_TRUE(aliases.count(alias)) << alias;
    EXPECT_EQ(net("GET", std::string("/extensions/") + alias, admin_token).status, 200) << alias;
  }
}

}  // namespace
}  // namespace cumulo
