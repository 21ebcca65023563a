// A subnet pool's machine (engine/subnetpool_state): Neutron's defaults and
// bounds of prefix lengths, prefixes merged and only grown by an update,
// the prefix operations, and its events through the codec and the fold.
#include "engine/subnetpool_state.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "engine/log_fold.hpp"
#include "tests/engine/machine_test_support.hpp"

namespace cumulo {
namespace {

using M = subnetpool_machine;
using strings = std::vector<std::string>;

subnetpool_state run(subnetpool_state s, const subnetpool::command& c,
                     std::vector<subnetpool_event>* history = nullptr) {
  return run_command_on<M>(std::move(s), c, history);
}

subnetpool_state fresh() {
  subnetpool_state s;
  s.id = "sp1";
  return s;
}

subnetpool::create create_of(strings prefixes) {
  subnetpool::create c;
  c.name = "p1";
  c.project_id = "proj";
  c.prefixes = std::move(prefixes);
  return c;
}

subnetpool_state created() {
  auto c = create_of({"10.10.0.0/16"});
  c.default_prefixlen = 24;
  return run(fresh(), c);
}

TEST(SubnetpoolState, CreateTakesNeutronsDefaultsAndMergesPrefixes) {
  auto s = run(fresh(), create_of({"10.0.1.0/24", "10.0.0.0/24", "192.168.0.0/16"}));
  EXPECT_TRUE(s.exists());
  EXPECT_EQ(s.ip_version, 4);
  EXPECT_EQ(s.prefixes, (strings{"10.0.0.0/23", "192.168.0.0/16"}));
  EXPECT_EQ(s.min_prefixlen, 8);
  EXPECT_EQ(s.max_prefixlen, 32);
  EXPECT_EQ(s.default_prefixlen, 8) << "the minimum";
  EXPECT_FALSE(s.default_quota);
  EXPECT_EQ(s.address_scope_id, "");
  EXPECT_FALSE(s.is_default);
  EXPECT_FALSE(s.shared);
  const auto j = nlohmann::json(s);
  EXPECT_TRUE(j["default_quota"].is_null());
  EXPECT_TRUE(j["address_scope_id"].is_null());
  EXPECT_EQ(j["prefixes"], nlohmann::json({"10.0.0.0/23", "192.168.0.0/16"}));

  auto v6 = run(fresh(), create_of({"2001:db8::/48"}));
  EXPECT_EQ(v6.ip_version, 6);
  EXPECT_EQ(v6.min_prefixlen, 64);
  EXPECT_EQ(v6.max_prefixlen, 128);
  EXPECT_EQ(v6.default_prefixlen, 64);

  auto c = create_of({"10.10.0.0/16"});
  c.min_prefixlen = 20;
  c.default_quota = 1024;
  c.address_scope_id = "as1";
  c.is_default = true;
  c.shared = true;
  c.description = "d";
  s = run(fresh(), c);
  EXPECT_EQ(s.default_prefixlen, 20) << "the minimum given";
  EXPECT_EQ(s.default_quota, 1024);
  EXPECT_EQ(s.address_scope_id, "as1");
  EXPECT_TRUE(s.is_default);
  EXPECT_TRUE(s.shared);
  EXPECT_EQ(s.description, "d");
}

TEST(SubnetpoolState, RefusesBoundsAndPrefixesAsNeutronDoes) {
  auto bounded = [](std::optional<int> min, std::optional<int> max, std::optional<int> def) {
    auto c = create_of({"10.10.0.0/16"});
    c.min_prefixlen = min;
    c.max_prefixlen = max;
    c.default_prefixlen = def;
    return subnetpool::command{c};
  };
  expect_refusal<M>(fresh(), bounded(28, 24, std::nullopt), errc::bad_request,
                    "Illegal prefix bounds: min_prefixlen=28, max_prefixlen=24.");
  expect_refusal<M>(fresh(), bounded(std::nullopt, 33, std::nullopt), errc::bad_request,
                    "Illegal prefix bounds: max_prefixlen=33, ip_version_max=32.");
  expect_refusal<M>(fresh(), bounded(16, 28, 12), errc::bad_request,
                    "Illegal prefix bounds: default_prefixlen=12, min_prefixlen=16.");
  expect_refusal<M>(fresh(), bounded(16, 28, 29), errc::bad_request,
                    "Illegal prefix bounds: default_prefixlen=29, max_prefixlen=28.");
  expect_refusal<M>(fresh(), bounded(-1, std::nullopt, std::nullopt), errc::bad_request,
                    "Invalid input for min_prefixlen. Reason: '-1' should be non-negative.");
  EXPECT_EQ(refusal_of<M>(fresh(), bounded(28, 24, std::nullopt)).type,
            "IllegalSubnetPoolPrefixBounds");
  auto quota = create_of({"10.10.0.0/16"});
  quota.default_quota = -5;
  expect_refusal<M>(fresh(), quota, errc::bad_request,
                    "Invalid input for default_quota. Reason: '-5' should be non-negative.");
  EXPECT_EQ(refusal_of<M>(fresh(), create_of({})).type, "EmptySubnetPoolPrefixList");
  EXPECT_EQ(refusal_of<M>(fresh(), create_of({"10.0.0.0/8", "fd00::/8"})).type,
            "PrefixVersionMismatch");
  auto named = create_of({"10.10.0.0/16"});
  named.name = std::string(256, 'n');
  EXPECT_EQ(refusal_of<M>(fresh(), named).code, errc::bad_request);
  EXPECT_EQ(refusal_of<M>(created(), create_of({"10.10.0.0/16"})).code, errc::conflict);
}

TEST(SubnetpoolState, AnUpdateOnlyGrowsThePrefixes) {
  auto s = created();
  subnetpool::update u;
  u.prefixes = strings{"10.10.0.0/16", "10.11.0.0/16"};
  s = run(s, u);
  EXPECT_EQ(s.prefixes, strings{"10.10.0.0/15"});

  u.prefixes = strings{"10.10.0.0/16"};
  auto e = refusal_of<M>(s, u);
  EXPECT_EQ(e.code, errc::bad_request);
  EXPECT_EQ(e.type, "IllegalSubnetPoolPrefixUpdate");
  EXPECT_EQ(e.message,
            "Illegal update to prefixes: Existing prefixes must be a subset of the new prefixes.");
  u.prefixes = strings{"10.0.0.0/8"};
  s = run(s, u);
  EXPECT_EQ(s.prefixes, strings{"10.0.0.0/8"}) << "a larger prefix covering the old ones";

  subnetpool::update bounds;
  bounds.min_prefixlen = 25;
  EXPECT_EQ(refusal_of<M>(s, bounds).message,
            "Illegal prefix bounds: default_prefixlen=24, min_prefixlen=25.")
      << "the default stays 24";
  bounds.default_prefixlen = 26;
  bounds.max_prefixlen = 30;
  bounds.name = "renamed";
  bounds.default_quota = 4096;
  bounds.address_scope_id = "as1";
  bounds.is_default = true;
  s = run(s, bounds);
  EXPECT_EQ(s.min_prefixlen, 25);
  EXPECT_EQ(s.default_prefixlen, 26);
  EXPECT_EQ(s.max_prefixlen, 30);
  EXPECT_EQ(s.name, "renamed");
  EXPECT_EQ(s.default_quota, 4096);
  EXPECT_EQ(s.address_scope_id, "as1");
  EXPECT_TRUE(s.is_default);
  subnetpool::update unscoped;
  unscoped.address_scope_id = "";
  s = run(s, unscoped);
  EXPECT_EQ(s.address_scope_id, "") << "out of its scope";
  EXPECT_EQ(s.name, "renamed");
  EXPECT_EQ(refusal_of<M>(fresh(), u).type, "SubnetPoolNotFound");
}

TEST(SubnetpoolState, AddAndRemovePrefixes) {
  auto s = created();
  s = run(s, subnetpool::add_prefixes{{"10.11.0.0/16", "192.168.0.0/24"}});
  EXPECT_EQ(s.prefixes, (strings{"10.10.0.0/15", "192.168.0.0/24"}));
  EXPECT_EQ(refusal_of<M>(s, subnetpool::add_prefixes{{"fd00::/64"}}).type,
            "PrefixVersionMismatch");
  EXPECT_TRUE(M::decide(s, subnetpool::add_prefixes{}).value().empty()) << "nothing asked";

  // What a subnet uses stays; what it does not goes, the rest split into CIDRs.
  auto e = refusal_of<M>(s, subnetpool::remove_prefixes{{"10.10.0.0/16"}, {"10.10.5.0/24"}});
  EXPECT_EQ(e.type, "IllegalSubnetPoolPrefixUpdate");
  EXPECT_EQ(e.message,
            "Illegal update to prefixes: One or more the prefixes to be removed is in "
            "use by a subnet.");
  s = run(s, subnetpool::remove_prefixes{{"10.11.0.0/16", "10.10.128.0/17"}, {"10.10.5.0/24"}});
  EXPECT_EQ(s.prefixes, (strings{"10.10.0.0/17", "192.168.0.0/24"}));
  EXPECT_TRUE(M::decide(s, subnetpool::remove_prefixes{{"172.16.0.0/12"}, {}}).value().empty())
      << "nothing of the pool: nothing recorded";
}

TEST(SubnetpoolState, ApplyRejectsEventsThatCannotHappen) {
  EXPECT_THROW(M::apply(fresh(), subnetpool_updated{}), invalid_event);
  EXPECT_THROW(M::apply(fresh(), subnetpool_deleted{}), invalid_event);
  subnetpool_created bad;
  bad.prefixes = {"not-a-cidr"};
  EXPECT_THROW(M::apply(fresh(), bad), invalid_event);
  bad.prefixes = {"fd00::/8"};
  EXPECT_THROW(M::apply(fresh(), bad), invalid_event) << "another family";
  auto s = created();
  EXPECT_THROW(M::apply(s, subnetpool_created{}), invalid_event);
  subnetpool_updated other;
  other.prefixes = strings{"fd00::/8"};
  EXPECT_THROW(M::apply(s, other), invalid_event);
}

TEST(SubnetpoolState, EventsRoundTripThroughTheCodecAndTheLogFold) {
  std::vector<subnetpool_event> history;
  auto c = create_of({"10.10.0.0/16"});
  c.default_quota = 512;
  auto s = run(fresh(), c, &history);
  subnetpool::update u;
  u.name = "renamed";
  u.address_scope_id = "as1";
  s = run(s, u, &history);
  s = run(s, subnetpool::add_prefixes{{"10.11.0.0/16"}}, &history);
  std::set<std::string> types;
  auto folded = refold<M>("sp1", history, &types);
  EXPECT_EQ(folded.prefixes, strings{"10.10.0.0/15"});
  EXPECT_EQ(folded.name, "renamed");
  EXPECT_EQ(folded.address_scope_id, "as1");
  EXPECT_EQ(folded.default_quota, 512);
  EXPECT_EQ(folded.version, 3);
  s = run(s, subnetpool::remove{}, &history);
  EXPECT_FALSE(refold<M>("sp1", history, &types).exists());
  EXPECT_EQ(types.size(), 3u);
  const auto& kinds = stream_kinds();
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "subnetpool"), kinds.end());
}

TEST(SubnetpoolState, AllocationPoolIsWhatTheAllocationReads) {
  auto s = created();
  const auto p = allocation_pool(s);
  EXPECT_EQ(p.ip_version, 4);
  EXPECT_EQ(subnet_alloc::to_strings(p.prefixes), strings{"10.10.0.0/16"});
  EXPECT_EQ(p.default_prefixlen, 24);
  EXPECT_EQ(p.min_prefixlen, 8);
  EXPECT_EQ(p.max_prefixlen, 32);
}

}  // namespace
}  // namespace cumulo
