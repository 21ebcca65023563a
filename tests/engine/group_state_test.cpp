// A Keystone group's machine (engine/group_state): the group, its members
// and its role assignments on projects, as the identity actor drives it
// and as replay folds its stream back.
#include "engine/group_state.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "engine/log_fold.hpp"
#include "tests/engine/machine_test_support.hpp"

namespace cumulo {
namespace {

using M = group_machine;

group_state fresh() {
  group_state s;
  s.id = "g1";
  return s;
}

group_state run(group_state s, const group::command& c, std::vector<group_event>* history) {
  return run_command_on<M>(std::move(s), c, history);
}

TEST(GroupState, CreateUpdateDelete) {
  auto s = run(fresh(), group::create{"devs", "default", "the developers"}, nullptr);
  EXPECT_TRUE(s.exists());
  EXPECT_EQ(s.name, "devs");
  EXPECT_EQ(s.domain_id, "default");
  EXPECT_EQ(s.description, "the developers");
  s = run(s, group::update{"developers", std::nullopt, std::nullopt}, nullptr);
  EXPECT_EQ(s.name, "developers");
  EXPECT_EQ(s.description, "the developers");
  s = run(s, group::update{std::nullopt, "", "default"}, nullptr);
  EXPECT_EQ(s.description, "") << "the same domain is no move";
  s = run(s, group::remove{}, nullptr);
  EXPECT_TRUE(s.deleted);
  EXPECT_FALSE(s.exists());
}

TEST(GroupState, MembersComeAndGoOnceEach) {
  auto s = run(fresh(), group::create{"devs"}, nullptr);
  s = run(s, group::add_member{"u1"}, nullptr);
  s = run(s, group::add_member{"u2"}, nullptr);
  EXPECT_TRUE(s.has_member("u1"));
  EXPECT_EQ(s.members, (std::set<std::string>{"u1", "u2"}));
  auto again = M::decide(s, group::add_member{"u1"});
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again.value().empty()) << "adding a member twice records nothing";
  s = run(s, group::remove_member{"u1"}, nullptr);
  EXPECT_FALSE(s.has_member("u1"));
  expect_refusal<M>(s, group::remove_member{"u1"}, errc::not_found,
                    "User 'u1' not found in group 'g1'");
  EXPECT_EQ(nlohmann::json(s)["members"], nlohmann::json::array({"u2"}));
}

TEST(GroupState, RolesOnProjectsAndTheirRevocation) {
  auto s = run(fresh(), group::create{"devs"}, nullptr);
  s = run(s, group::grant_role{"p1", "r-member"}, nullptr);
  s = run(s, group::grant_role{"p1", "r-reader"}, nullptr);
  s = run(s, group::grant_role{"p2", "r-member"}, nullptr);
  EXPECT_TRUE(s.has_role("p1", "r-member"));
  EXPECT_EQ(s.roles_on("p1").size(), 2u);
  EXPECT_TRUE(s.roles_on("p3").empty());
  EXPECT_TRUE(M::decide(s, group::grant_role{"p1", "r-member"}).value().empty())
      << "granting twice records nothing";

  s = run(s, group::revoke_role{"p1", "r-reader", 1234}, nullptr);
  EXPECT_FALSE(s.has_role("p1", "r-reader"));
  EXPECT_EQ(s.tokens_revoked_before.at("p1"), 1234)
      << "the members' tokens on p1 issued until then are revoked";
  expect_refusal<M>(s, group::revoke_role{"p1", "r-reader", 1300}, errc::not_found,
                    "Could not find role assignment with role: r-reader, user or group: g1, "
                    "project, domain, or system: p1.");

  // A deleted project takes every role of the group there along, and
  // revokes nothing: none of its tokens validates any more.
  auto dropped = M::decide(s, group::drop_project{"p2"});
  ASSERT_TRUE(dropped.ok());
  ASSERT_EQ(dropped.value().size(), 1u);
  s = run(s, group::drop_project{"p2"}, nullptr);
  EXPECT_TRUE(s.roles_on("p2").empty());
  EXPECT_EQ(s.roles.count("p2"), 0u);
  EXPECT_EQ(s.tokens_revoked_before.count("p2"), 0u);
  EXPECT_TRUE(M::decide(s, group::drop_project{"p2"}).value().empty());
}

TEST(GroupState, RefusesIllegalCommands) {
  auto none = fresh();
  expect_refusal<M>(none, group::update{}, errc::not_found, "Could not find group: g1.");
  EXPECT_EQ(M::decide(none, group::add_member{"u1"}).error().code, errc::not_found);
  EXPECT_EQ(M::decide(none, group::grant_role{"p1", "r1"}).error().code, errc::not_found);
  EXPECT_EQ(M::decide(none, group::remove{}).error().code, errc::not_found);
  EXPECT_EQ(M::decide(none, group::create{""}).error().code, errc::bad_request);
  EXPECT_EQ(M::decide(none, group::create{std::string(256, 'g')}).error().code, errc::bad_request);
  auto s = run(none, group::create{"devs"}, nullptr);
  expect_refusal<M>(s, group::create{"devs"}, errc::conflict, "Group g1 already exists.");
  EXPECT_EQ(M::decide(s, group::update{""}).error().code, errc::bad_request);
  expect_refusal<M>(s, group::update{std::nullopt, std::nullopt, "elsewhere"}, errc::bad_request,
                    "Cannot change Domain ID");
  EXPECT_EQ(M::decide(s, group::add_member{""}).error().code, errc::bad_request);
  EXPECT_EQ(M::decide(s, group::grant_role{"p1", ""}).error().code, errc::bad_request);
  s = run(s, group::remove{}, nullptr);
  EXPECT_EQ(M::decide(s, group::remove{}).error().code, errc::not_found) << "delete twice";
}

TEST(GroupState, ApplyRejectsEventsThatCannotHappen) {
  EXPECT_THROW(M::apply(fresh(), group_deleted{}), invalid_event);
  EXPECT_THROW(M::apply(fresh(), group_member_added{"u1"}), invalid_event);
  EXPECT_THROW(M::apply(fresh(), group_role_granted{"p1", "r1"}), invalid_event);
  auto s = run(fresh(), group::create{"devs"}, nullptr);
  EXPECT_THROW(M::apply(s, group_created{}), invalid_event);
  EXPECT_THROW(M::apply(s, group_member_removed{"u1"}), invalid_event);
  EXPECT_THROW(M::apply(s, group_role_revoked{"p1", "r1", std::nullopt}), invalid_event);
  s = run(s, group::add_member{"u1"}, nullptr);
  EXPECT_THROW(M::apply(s, group_member_added{"u1"}), invalid_event);
  s = run(s, group::grant_role{"p1", "r1"}, nullptr);
  EXPECT_THROW(M::apply(s, group_role_granted{"p1", "r1"}), invalid_event);
}

TEST(GroupState, EveryEventRoundTripsThroughTheCodecAndTheFold) {
  std::vector<group_event> history;
  auto s = run(fresh(), group::create{"devs", "default", "d"}, &history);
  s = run(s, group::update{"developers", std::nullopt, std::nullopt}, &history);
  s = run(s, group::add_member{"u1"}, &history);
  s = run(s, group::add_member{"u2"}, &history);
  s = run(s, group::remove_member{"u2"}, &history);
  s = run(s, group::grant_role{"p1", "r1"}, &history);
  s = run(s, group::grant_role{"p2", "r1"}, &history);
  s = run(s, group::revoke_role{"p1", "r1", 777}, &history);
  std::set<std::string> types;
  auto live = refold<M>("g1", history, &types);
  EXPECT_EQ(live.name, "developers");
  EXPECT_EQ(live.members, (std::set<std::string>{"u1"}));
  EXPECT_EQ(live.roles_on("p2"), (std::set<std::string>{"r1"}));
  EXPECT_TRUE(live.roles_on("p1").empty());
  EXPECT_EQ(live.tokens_revoked_before.at("p1"), 777);
  s = run(s, group::remove{}, &history);
  auto gone = refold<M>("g1", history, &types);
  EXPECT_TRUE(gone.deleted);
  EXPECT_EQ(types.size(), std::variant_size_v<group_event>) << "every event type was met";

  // The whole log's fold knows the kind (start, replay, verify).
  log_fold f;
  std::int64_t seq = 0;
  for (const auto& e : history) {
    const new_event n = encode(e);
    ++seq;
    f.apply(recorded_event{seq, "group/g1", seq, n.type, n.schema_version, 100 + seq, "req", "u",
                           n.payload});
  }
  const auto* folded = f.get<group_state>("group/g1");
  ASSERT_NE(folded, nullptr);
  EXPECT_TRUE(folded->deleted);
  EXPECT_FALSE(f.live("group/g1"));
  EXPECT_EQ(f.state_json("group/g1")["name"], "developers");
  const auto& kinds = stream_kinds();
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "group"), kinds.end());
}

}  // namespace
}  // namespace cumulo
