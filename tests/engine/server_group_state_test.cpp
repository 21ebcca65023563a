#include "engine/server_group_state.hpp"

#include <gtest/gtest.h>

#include "engine/fold.hpp"
#include "tests/engine/machine_test_support.hpp"

namespace cumulo {
namespace {

using M = server_group_machine;

server_group_state fresh() {
  server_group_state s;
  s.id = "g1";
  return s;
}

server_group_state made(const std::string& policy = "anti-affinity", std::int64_t most = 0) {
  return run_command_on<M>(fresh(), server_group::create{"web", "p1", "u1", policy, most});
}

TEST(ServerGroupState, NovasPoliciesAndTheRuleOfAntiAffinity) {
  for (const char* p : {"affinity", "anti-affinity", "soft-affinity", "soft-anti-affinity"})
    EXPECT_EQ(made(p).policy, p);
  expect_refusal<M>(fresh(), server_group::create{"web", "p1", "u1", "spread", 0},
                    errc::bad_request,
                    "Invalid input for field/attribute policy. Value: spread. 'spread' is not one "
                    "of ['anti-affinity', 'affinity', 'soft-anti-affinity', 'soft-affinity']");
  expect_refusal<M>(fresh(), server_group::create{"web", "p1", "u1", "affinity", 2},
                    errc::bad_request,
                    "Only anti-affinity policy supports the max_server_per_host rule");
  EXPECT_EQ(made("anti-affinity", 2).max_server_per_host, 2);
  EXPECT_EQ(members_per_host(made("anti-affinity", 2)), 2);
  EXPECT_EQ(members_per_host(made()), 1);
  EXPECT_FALSE(M::decide(fresh(), server_group::create{"", "p1", "u1", "affinity", 0}).ok());
}

TEST(ServerGroupState, MembersJoinOnceWithinTheQuotaAndLeave) {
  auto s = run_command_on<M>(made(), server_group::add_member{"i1", 2});
  s = run_command_on<M>(s, server_group::add_member{"i2", 2});
  EXPECT_EQ(s.members, (std::vector<std::string>{"i1", "i2"}));
  EXPECT_TRUE(M::decide(s, server_group::add_member{"i1", 2}).value().empty()) << "once";
  expect_refusal<M>(s, server_group::add_member{"i3", 2}, errc::forbidden,
                    "Quota exceeded, too many servers in group");
  s = run_command_on<M>(s, server_group::remove_member{"i1"});
  EXPECT_EQ(s.members, (std::vector<std::string>{"i2"}));
  EXPECT_TRUE(M::decide(s, server_group::remove_member{"i1"}).value().empty());
  s = run_command_on<M>(s, server_group::remove{});
  EXPECT_TRUE(s.deleted);
  expect_refusal<M>(s, server_group::add_member{"i4", -1}, errc::not_found,
                    "Instance group g1 could not be found.");
  expect_refusal<M>(fresh(), server_group::remove{}, errc::not_found,
                    "Instance group g1 could not be found.");
}

TEST(ServerGroupState, ApplyRejectsEventsThatCannotHappen) {
  EXPECT_THROW(M::apply(fresh(), server_group_member_added{"i1"}), invalid_event);
  EXPECT_THROW(M::apply(made(), server_group_member_removed{"nobody"}), invalid_event);
  EXPECT_THROW(M::apply(made(), server_group_created{}), invalid_event);
}

}  // namespace
}  // namespace cumulo
