#include "engine/volume_type_state.hpp"

#include <gtest/gtest.h>

#include <set>

#include "tests/engine/machine_test_support.hpp"

namespace cumulo {
namespace {

using M = volume_type_machine;

volume_type_state run(volume_type_state s, const volume_type::command& c,
                      std::vector<volume_type_event>* history = nullptr) {
  return run_command_on<M>(std::move(s), c, history);
}

volume_type_state fresh() {
  volume_type_state s;
  s.id = "t1";
  return s;
}

volume_type_state lvm() {
  return run(fresh(),
             volume_type::create{"lvm", "local disks", true, {{"volume_backend_name", "lvm"}}});
}

TEST(VolumeTypeState, CreateUpdateAndDelete) {
  auto s = lvm();
  EXPECT_EQ(s.name, "lvm");
  EXPECT_EQ(s.description, "local disks");
  EXPECT_TRUE(s.is_public);
  EXPECT_EQ(s.extra_specs.at("volume_backend_name"), "lvm");
  s = run(s, volume_type::update{std::nullopt, std::nullopt, false});
  EXPECT_FALSE(s.is_public);
  EXPECT_EQ(s.name, "lvm");
  s = run(s, volume_type::update{std::string("fast"), std::string("ssd"), std::nullopt});
  EXPECT_EQ(s.name, "fast");
  EXPECT_EQ(s.description, "ssd");
  s = run(s, volume_type::remove{});
  EXPECT_TRUE(s.deleted);
  expect_refusal<M>(s, volume_type::remove{}, errc::not_found,
                    "Volume type t1 could not be found.");
  nlohmann::json j = lvm();
  EXPECT_EQ(j["extra_specs"]["volume_backend_name"], "lvm");
}

TEST(VolumeTypeState, RefusesWhatCinderRefuses) {
  expect_refusal<M>(lvm(), volume_type::create{"lvm", "", true, {}}, errc::conflict,
                    "Volume Type t1 already exists.");
  expect_refusal<M>(fresh(), volume_type::create{"  ", "", true, {}}, errc::bad_request,
                    "Volume type name can not be empty.");
  expect_refusal<M>(lvm(), volume_type::update{}, errc::bad_request,
                    "Specify volume type name, description, is_public or a combination thereof.");
  expect_refusal<M>(lvm(), volume_type::update{std::string(" "), std::nullopt, std::nullopt},
                    errc::bad_request, "Volume type name can not be empty.");
  expect_refusal<M>(fresh(), volume_type::update{std::string("x"), std::nullopt, std::nullopt},
                    errc::not_found, "Volume type t1 could not be found.");
}

TEST(VolumeTypeState, ExtraSpecsAreSetAndUnset) {
  auto s = run(lvm(), volume_type::set_extra_specs{{{"multiattach", "<is> True"}}});
  EXPECT_TRUE(multiattach_type(s));
  EXPECT_FALSE(multiattach_type(lvm()));
  EXPECT_EQ(s.extra_specs.size(), 2u);
  EXPECT_TRUE(M::decide(s, volume_type::set_extra_specs{}).value().empty());
  s = run(s, volume_type::unset_extra_spec{"multiattach"});
  EXPECT_FALSE(multiattach_type(s));
  expect_refusal<M>(s, volume_type::unset_extra_spec{"multiattach"}, errc::not_found,
                    "Volume Type t1 has no extra specs with key multiattach.");
}

TEST(VolumeTypeState, CacheableCannotGoWithMultiattach) {
  auto s = run(lvm(), volume_type::set_extra_specs{{{"multiattach", "<is> True"}}});
  expect_refusal<M>(s, volume_type::set_extra_specs{{{"cacheable", "<is> True"}}},
                    errc::bad_request, "cacheable cannot be set with multiattach.");
  expect_refusal<M>(fresh(),
                    volume_type::create{
                        "c", "", true, {{"cacheable", "<is> True"}, {"multiattach", "<is> True"}}},
                    errc::bad_request, "cacheable cannot be set with multiattach.");
}

TEST(VolumeTypeState, TheDefaultTypeCannotBeDeleted) {
  auto s =
      run(fresh(), volume_type::create{default_volume_type_name, "Default Volume Type", true, {}});
  expect_refusal<M>(s, volume_type::remove{}, errc::bad_request,
                    "The volume type t1 is a default volume type and cannot be deleted.");
}

TEST(VolumeTypeState, ApplyRejectsEventsThatCannotHappen) {
  EXPECT_THROW(M::apply(fresh(), volume_type_updated{}), invalid_event);
  EXPECT_THROW(M::apply(lvm(), volume_type_created{}), invalid_event);
  EXPECT_THROW(M::apply(lvm(), volume_type_extra_spec_unset{"nope"}), invalid_event);
}

TEST(VolumeTypeState, EventsRoundTripThroughTheCodec) {
  std::vector<volume_type_event> h;
  auto s = run(fresh(), volume_type::create{"lvm", "d", false, {{"a", "1"}}}, &h);
  s = run(s, volume_type::update{std::string("lvm2"), std::nullopt, true}, &h);
  s = run(s, volume_type::set_extra_specs{{{"b", "2"}}}, &h);
  s = run(s, volume_type::unset_extra_spec{"a"}, &h);
  s = run(s, volume_type::remove{}, &h);
  std::set<std::string> types;
  nlohmann::json a = s, b = refold<M>("t1", h, &types);
  for (auto* j : {&a, &b}) j->erase("created_at"), j->erase("updated_at");
  EXPECT_EQ(a, b);
  EXPECT_EQ(types.size(), std::variant_size_v<volume_type_event>) << "every event type";
}

}  // namespace
}  // namespace cumulo
