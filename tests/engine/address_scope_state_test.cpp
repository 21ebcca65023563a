// An address scope's machine (engine/address_scope_state): create, rename,
// share (never unshare), delete, and its events through the codec and the
// fold.
#include "engine/address_scope_state.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "engine/log_fold.hpp"
#include "tests/engine/machine_test_support.hpp"

namespace cumulo {
namespace {

using M = address_scope_machine;

address_scope_state fresh() {
  address_scope_state s;
  s.id = "as1";
  return s;
}

TEST(AddressScopeState, CreateRenameShareDelete) {
  std::vector<address_scope_event> history;
  auto s = run_command_on<M>(fresh(), address_scope::create{"s1", "proj", 4, false}, &history);
  EXPECT_TRUE(s.exists());
  EXPECT_EQ(s.name, "s1");
  EXPECT_EQ(s.project_id, "proj");
  EXPECT_EQ(s.ip_version, 4);
  EXPECT_FALSE(s.shared);
  s = run_command_on<M>(s, address_scope::update{"s2", true}, &history);
  EXPECT_EQ(s.name, "s2");
  EXPECT_TRUE(s.shared);
  s = run_command_on<M>(s, address_scope::update{std::nullopt, true}, &history);
  EXPECT_TRUE(s.shared) << "shared again: nothing to refuse";
  auto e = refusal_of<M>(s, address_scope::update{std::nullopt, false});
  EXPECT_EQ(e.code, errc::bad_request);
  EXPECT_EQ(e.type, "AddressScopeUpdateError");
  EXPECT_EQ(e.message,
            "Unable to update address scope as1 : Shared address scope can't be "
            "unshared.");
  const auto j = nlohmann::json(s);
  EXPECT_EQ(j["ip_version"], 4);
  EXPECT_EQ(j["shared"], true);

  std::set<std::string> types;
  auto folded = refold<M>("as1", history, &types);
  EXPECT_EQ(folded.name, "s2");
  EXPECT_TRUE(folded.shared);
  s = run_command_on<M>(s, address_scope::remove{}, &history);
  EXPECT_FALSE(s.exists());
  EXPECT_FALSE(refold<M>("as1", history, &types).exists());
  EXPECT_EQ(types.size(), 3u);
  const auto& kinds = stream_kinds();
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "address_scope"), kinds.end());
}

TEST(AddressScopeState, RefusesWhatNeutronRefuses) {
  expect_refusal<M>(fresh(), address_scope::create{"s", "p", 5, false}, errc::bad_request,
                    "Invalid input for ip_version. Reason: '5' is not in [4, 6].");
  EXPECT_EQ(
      refusal_of<M>(fresh(), address_scope::create{std::string(256, 'x'), "p", 6, false}).code,
      errc::bad_request);
  auto e = refusal_of<M>(fresh(), address_scope::update{"x", std::nullopt});
  EXPECT_EQ(e.type, "AddressScopeNotFound");
  EXPECT_EQ(e.message, "Address scope as1 could not be found.");
  EXPECT_EQ(refusal_of<M>(fresh(), address_scope::remove{}).code, errc::not_found);
  auto s = run_command_on<M>(fresh(), address_scope::create{"s", "p", 6, true});
  EXPECT_EQ(refusal_of<M>(s, address_scope::create{"s", "p", 6, true}).code, errc::conflict);
}

TEST(AddressScopeState, ApplyRejectsEventsThatCannotHappen) {
  EXPECT_THROW(M::apply(fresh(), address_scope_updated{}), invalid_event);
  EXPECT_THROW(M::apply(fresh(), address_scope_deleted{}), invalid_event);
  EXPECT_THROW(M::apply(fresh(), address_scope_created{"s", "p", 5, false}), invalid_event);
  auto s = M::apply(fresh(), address_scope_created{"s", "p", 4, false});
  s.version = 1;
  EXPECT_THROW(M::apply(s, address_scope_created{"s", "p", 4, false}), invalid_event);
}

}  // namespace
}  // namespace cumulo
