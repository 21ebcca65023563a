// A Neutron agent's stream (engine/agent_state): registered once, an
// admin's changes of admin_state_up and description, deleted; the fold of
// the log gives the same agent.
#include "engine/agent_state.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "engine/log_fold.hpp"
#include "tests/engine/machine_test_support.hpp"

namespace cumulo {
namespace {

using M = agent_machine;

agent_state fresh() {
  agent_state s;
  s.id = "a1";
  return s;
}

agent::register_agent dhcp() {
  return {"DHCP agent", "neutron-dhcp-agent", "host-1", "dhcp_agent", "nova"};
}

TEST(AgentState, RegisteredUpdatedDeleted) {
  std::vector<agent_event> history;
  auto s = run_command_on<M>(fresh(), dhcp(), &history);
  EXPECT_TRUE(s.exists());
  EXPECT_EQ(s.agent_type, "DHCP agent");
  EXPECT_EQ(s.binary, "neutron-dhcp-agent");
  EXPECT_EQ(s.host, "host-1");
  EXPECT_EQ(s.topic, "dhcp_agent");
  EXPECT_EQ(s.availability_zone, "nova");
  EXPECT_TRUE(s.admin_state_up);
  EXPECT_EQ(s.description, "");

  s = run_command_on<M>(s, agent::update{false, std::string("maintenance")}, &history);
  EXPECT_FALSE(s.admin_state_up);
  EXPECT_EQ(s.description, "maintenance");
  EXPECT_EQ(s.version, 2);
  // What it is already records nothing.
  auto same = M::decide(s, agent::update{false, std::string("maintenance")});
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(same.value().empty());
  // Only what changes is in the event.
  auto d = M::decide(s, agent::update{false, std::string("back")});
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d.value().size(), 1u);
  const auto& e = std::get<agent_updated>(d.value()[0]);
  EXPECT_FALSE(e.admin_state_up.has_value());
  EXPECT_EQ(e.description, "back");

  s = run_command_on<M>(s, agent::remove{}, &history);
  EXPECT_TRUE(s.deleted);
  EXPECT_FALSE(s.exists());

  std::set<std::string> types;
  auto folded = refold<M>("a1", history, &types);
  EXPECT_EQ(types.size(), std::variant_size_v<agent_event>) << "every event type";
  EXPECT_TRUE(folded.deleted);
  EXPECT_EQ(folded.description, "maintenance");
  EXPECT_FALSE(folded.admin_state_up);

  log_fold f;
  std::int64_t seq = 0;
  for (const auto& ev : history) {
    const new_event n = encode(ev);
    ++seq;
    f.apply(recorded_event{seq, "agent/a1", seq, n.type, n.schema_version, seq, "req", "admin",
                           n.payload});
  }
  EXPECT_FALSE(f.live("agent/a1"));
  const auto& kinds = stream_kinds();
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "agent"), kinds.end());
}

TEST(AgentState, RefusalsInNeutronsWords) {
  const auto missing = refusal_of<M>(fresh(), agent::update{true, std::nullopt});
  EXPECT_EQ(missing.code, errc::not_found);
  EXPECT_EQ(missing.type, "AgentNotFound");
  EXPECT_EQ(missing.message, "Agent a1 could not be found.");
  EXPECT_EQ(refusal_of<M>(fresh(), agent::remove{}).type, "AgentNotFound");

  auto s = run_command_on<M>(fresh(), dhcp());
  EXPECT_EQ(refusal_of<M>(s, dhcp()).code, errc::conflict) << "registered once";
  const auto long_text = refusal_of<M>(s, agent::update{std::nullopt, std::string(256, 'd')});
  EXPECT_EQ(long_text.code, errc::bad_request);
  EXPECT_EQ(long_text.type, "InvalidInput");
  EXPECT_EQ(refusal_of<M>(fresh(), agent::register_agent{"", "b", "h", "t", ""}).code,
            errc::bad_request);
}

}  // namespace
}  // namespace cumulo
