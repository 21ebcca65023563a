// Tags as each taggable machine records them (<kind>.tags_set, and
// network.subnet_tags_set / port_tags_set): a create with tags, a change,
// a change of nothing (no event), refusals, and the fold of the log giving
// the same state.
#include <gtest/gtest.h>

#include <set>

#include "engine/floatingip_state.hpp"
#include "engine/network_state.hpp"
#include "engine/router_state.hpp"
#include "engine/security_group_state.hpp"
#include "tests/engine/machine_test_support.hpp"

namespace cumulo {
namespace {

using strings = std::vector<std::string>;
using tagging::change;
using tagging::op;

template <class M>
std::size_t events_of(const typename M::state& s, const typename M::command& c) {
  auto d = M::decide(s, c);
  EXPECT_TRUE(d.ok()) << (d.ok() ? "" : d.error().message);
  return d.ok() ? d.value().size() : 0;
}

// A state as JSON without its times (a fold has the log's, a run none).
template <class State>
nlohmann::json timeless(const State& s) {
  nlohmann::json j = s;
  j.erase("created_at");
  j.erase("updated_at");
  return j;
}

template <class M>
typename M::state fresh(const std::string& id) {
  typename M::state s;
  s.id = id;
  return s;
}

TEST(TagsState, ANetworkItsSubnetsAndPortsKeepTheirOwnTags) {
  using M = network_machine;
  std::vector<network_event> history;
  network::create c;
  c.name = "private";
  c.project_id = "p1";
  c.tags = {"red", "blue"};
  auto s = run_command_on<M>(fresh<M>("n1"), c, &history);
  EXPECT_EQ(s.tags, (strings{"blue", "red"}));
  EXPECT_EQ(s.version, 2) << "created, then its tags";

  network::add_subnet sub;
  sub.subnet_id = "s1";
  sub.cidr = "10.0.0.0/24";
  sub.project_id = "p1";
  sub.tags = {"web"};
  s = run_command_on<M>(s, sub, &history);
  EXPECT_EQ(s.find_subnet("s1")->tags, strings{"web"});
  EXPECT_EQ(s.tags, (strings{"blue", "red"})) << "the network's own are untouched";

  network::create_port port;
  port.port_id = "p1";
  port.mac_address = "fa:16:3e:00:00:01";
  port.project_id = "p1";
  s = run_command_on<M>(s, port, &history);
  EXPECT_TRUE(s.find_port("p1")->tags.empty());
  EXPECT_EQ(s.find_port("p1")->revision, 1);

  s = run_command_on<M>(s, network::set_port_tags{"p1", {op::add, {"db", "tier-1"}}}, &history);
  EXPECT_EQ(s.find_port("p1")->tags, (strings{"db", "tier-1"}));
  EXPECT_EQ(s.find_port("p1")->revision, 2) << "a tag change is a revision of the port";
  const auto before = s.find_subnet("s1")->revision;
  s = run_command_on<M>(s, network::set_subnet_tags{"s1", {op::remove, {"web"}}}, &history);
  EXPECT_TRUE(s.find_subnet("s1")->tags.empty());
  EXPECT_EQ(s.find_subnet("s1")->revision, before + 1);
  s = run_command_on<M>(s, network::set_tags{{op::replace, {"green"}}}, &history);
  EXPECT_EQ(s.tags, strings{"green"});

  // Nothing changes, nothing is recorded.
  EXPECT_EQ(events_of<M>(s, network::set_tags{{op::add, {"green"}}}), 0u);
  EXPECT_EQ(events_of<M>(s, network::set_port_tags{"p1", {op::replace, {"tier-1", "db"}}}), 0u);
  EXPECT_EQ(events_of<M>(s, network::set_subnet_tags{"s1", {op::clear, {}}}), 0u);

  EXPECT_EQ(refusal_of<M>(s, network::set_subnet_tags{"nope", {op::clear, {}}}).type,
            "SubnetNotFound");
  EXPECT_EQ(refusal_of<M>(s, network::set_port_tags{"nope", {op::clear, {}}}).type, "PortNotFound");
  EXPECT_EQ(refusal_of<M>(s, network::set_tags{{op::remove, {"red"}}}).type, "TagNotFound");
  network::create_port bad = port;
  bad.port_id = "p2";
  bad.mac_address = "fa:16:3e:00:00:02";
  bad.tags = {"x", "x"};
  EXPECT_EQ(refusal_of<M>(s, bad).type, "InvalidInput") << "a create's tags are checked too";
  EXPECT_EQ(refusal_of<M>(fresh<M>("n2"), network::set_tags{{op::clear, {}}}).type,
            "NetworkNotFound");

  std::set<std::string> types;
  const auto folded = refold<M>("n1", history, &types);
  EXPECT_EQ(timeless(folded), timeless(s));
  for (const char* t : {"network.tags_set", "network.subnet_tags_set", "network.port_tags_set"})
    EXPECT_TRUE(types.count(t)) << t;
  EXPECT_EQ(nlohmann::json(folded)["tags"], nlohmann::json(strings{"green"}));
}

TEST(TagsState, ARouterKeepsItsTags) {
  using M = router_machine;
  std::vector<router_event> history;
  router::create c{"r1", "p1", true, "", {"edge"}};
  auto s = run_command_on<M>(fresh<M>("r1"), c, &history);
  EXPECT_EQ(s.tags, strings{"edge"});
  s = run_command_on<M>(s, router::set_tags{{op::add, {"core"}}}, &history);
  EXPECT_EQ(s.tags, (strings{"core", "edge"}));
  EXPECT_EQ(s.version, 3);
  EXPECT_EQ(events_of<M>(s, router::set_tags{{op::replace, {"edge", "core"}}}), 0u);
  EXPECT_EQ(refusal_of<M>(fresh<M>("r2"), router::set_tags{{op::clear, {}}}).type,
            "RouterNotFound");
  EXPECT_EQ(timeless(refold<M>("r1", history)), timeless(s));
}

TEST(TagsState, AFloatingIpKeepsItsTags) {
  using M = floatingip_machine;
  std::vector<floatingip_event> history;
  floatingip::create c{"ext", "203.0.113.10", "fport", "p1", "", {"public"}};
  auto s = run_command_on<M>(fresh<M>("f1"), c, &history);
  EXPECT_EQ(s.tags, strings{"public"});
  s = run_command_on<M>(s, floatingip::set_tags{{op::clear, {}}}, &history);
  EXPECT_TRUE(s.tags.empty());
  EXPECT_EQ(timeless(refold<M>("f1", history)), timeless(s));
}

TEST(TagsState, ASecurityGroupKeepsItsTagsAfterItsRules) {
  using M = security_group_machine;
  std::vector<security_group_event> history;
  security_group::create c{"web", "", "p1", false, {"r1", "r2"}, {"http"}};
  auto s = run_command_on<M>(fresh<M>("g1"), c, &history);
  EXPECT_EQ(s.rules.size(), 2u);
  EXPECT_EQ(s.tags, strings{"http"});
  s = run_command_on<M>(s, security_group::set_tags{{op::replace, {"https", "http"}}}, &history);
  EXPECT_EQ(s.tags, (strings{"http", "https"}));
  const auto fifty_one = [] {
    strings out;
    for (int i = 0; i < 51; ++i) out.push_back(std::to_string(i));
    return out;
  }();
  EXPECT_EQ(refusal_of<M>(s, security_group::set_tags{{op::replace, fifty_one}}).message,
            "Bad security_groups request: The number of tags exceed the per-resource limit of 50.");
  EXPECT_EQ(timeless(refold<M>("g1", history)), timeless(s));
}

}  // namespace
}  // namespace cumulo
