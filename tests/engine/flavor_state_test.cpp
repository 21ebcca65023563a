#include "engine/flavor_state.hpp"

#include <gtest/gtest.h>

#include "engine/fold.hpp"
#include "tests/engine/machine_test_support.hpp"

namespace cumulo {
namespace {

using M = flavor_machine;

flavor_state fresh(const std::string& id = "42") {
  flavor_state s;
  s.id = id;
  return s;
}

flavor::create tiny() {
  flavor::create c;
  c.name = "m1.tiny";
  c.vcpus = 1;
  c.ram = 512;
  c.disk = 1;
  return c;
}

flavor_state created(std::vector<flavor_event>* history = nullptr) {
  return run_command_on<M>(fresh(), tiny(), history);
}

TEST(FlavorState, CreateKeepsEveryField) {
  flavor::create c = tiny();
  c.ephemeral = 10;
  c.swap = 1024;
  c.rxtx_factor = 2.0;
  c.is_public = false;
  c.description = "small";
  auto s = run_command_on<M>(fresh(), c);
  EXPECT_TRUE(s.exists());
  EXPECT_EQ(s.name, "m1.tiny");
  EXPECT_EQ(s.vcpus, 1);
  EXPECT_EQ(s.ram, 512);
  EXPECT_EQ(s.disk, 1);
  EXPECT_EQ(s.ephemeral, 10);
  EXPECT_EQ(s.swap, 1024);
  EXPECT_DOUBLE_EQ(s.rxtx_factor, 2.0);
  EXPECT_FALSE(s.is_public);
  EXPECT_EQ(s.description, std::optional<std::string>("small"));
  EXPECT_TRUE(s.extra_specs.empty());
}

TEST(FlavorState, RefusesBadSizesAndATakenId) {
  auto c = tiny();
  c.vcpus = 0;
  EXPECT_EQ(refusal_of<M>(fresh(), c).code, errc::bad_request);
  c = tiny();
  c.ram = 0;
  EXPECT_EQ(refusal_of<M>(fresh(), c).code, errc::bad_request);
  c = tiny();
  c.disk = -1;
  EXPECT_EQ(refusal_of<M>(fresh(), c).code, errc::bad_request);
  c = tiny();
  c.name = "   ";
  EXPECT_EQ(refusal_of<M>(fresh(), c).code, errc::bad_request);
  c = tiny();
  c.rxtx_factor = 0;
  EXPECT_EQ(refusal_of<M>(fresh(), c).code, errc::bad_request);
  expect_refusal<M>(created(), tiny(), errc::conflict, "Flavor with ID 42 already exists.");
  // A deleted flavor's id stays taken: its stream is its history.
  auto gone = run_command_on<M>(created(), flavor::remove{});
  EXPECT_FALSE(gone.exists());
  expect_refusal<M>(gone, tiny(), errc::conflict, "Flavor with ID 42 already exists.");
}

TEST(FlavorState, ExtraSpecsAreSetReplacedAndDeleted) {
  auto s = created();
  s = run_command_on<M>(s, flavor::set_extra_specs{{{"hw:cpu_policy", "shared"}, {"a", "1"}}});
  s = run_command_on<M>(s, flavor::set_extra_specs{{{"a", "2"}}});
  EXPECT_EQ(s.extra_specs,
            (std::map<std::string, std::string>{{"a", "2"}, {"hw:cpu_policy", "shared"}}));
  s = run_command_on<M>(s, flavor::delete_extra_spec{"a"});
  EXPECT_EQ(s.extra_specs.count("a"), 0u);
  expect_refusal<M>(s, flavor::delete_extra_spec{"a"}, errc::not_found,
                    "Flavor 42 has no extra specs with key a.");
  expect_refusal<M>(fresh(), flavor::set_extra_specs{{{"a", "1"}}}, errc::not_found,
                    "Flavor 42 could not be found.");
}

TEST(FlavorState, DescriptionUpdatesAndDelete) {
  auto s = created();
  s = run_command_on<M>(s, flavor::update_description{"now described"});
  EXPECT_EQ(s.description, std::optional<std::string>("now described"));
  auto same = M::decide(s, flavor::update_description{"now described"});
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(same.value().empty());
  s = run_command_on<M>(s, flavor::update_description{std::nullopt});
  EXPECT_FALSE(s.description);
  s = run_command_on<M>(s, flavor::remove{});
  EXPECT_TRUE(s.deleted);
  expect_refusal<M>(s, flavor::remove{}, errc::not_found, "Flavor 42 could not be found.");
}

TEST(FlavorState, EventsSurviveTheCodec) {
  std::vector<flavor_event> history;
  auto s = created(&history);
  s = run_command_on<M>(s, flavor::set_extra_specs{{{"k", "v"}}}, &history);
  s = run_command_on<M>(s, flavor::update_description{"d"}, &history);
  s = run_command_on<M>(s, flavor::delete_extra_spec{"k"}, &history);
  recorded_events records;
  std::int64_t version = 0;
  for (const auto& e : history) {
    new_event n = std::visit([](const auto& x) { return encode(x); }, e);
    records.push_back({version + 1, "flavor/42", ++version, n.type, n.schema_version,
                       1000 * version, "", "", n.payload});
  }
  auto folded = fold_stream<M>("42", records);
  EXPECT_EQ(folded.name, s.name);
  EXPECT_EQ(folded.description, s.description);
  EXPECT_EQ(folded.extra_specs, s.extra_specs);
  EXPECT_EQ(folded.version, 4);
}

}  // namespace
}  // namespace cumulo
