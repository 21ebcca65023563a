#include "engine/volume_snapshot_state.hpp"

#include <gtest/gtest.h>

#include <set>
#include <tuple>

#include "tests/engine/machine_test_support.hpp"

namespace cumulo {
namespace {

using M = volume_snapshot_machine;

volume_snapshot_state run(volume_snapshot_state s, const volume_snapshot::command& c,
                          std::vector<volume_snapshot_event>* history = nullptr) {
  return run_command_on<M>(std::move(s), c, history);
}

volume_snapshot_state fresh() {
  volume_snapshot_state s;
  s.id = "snap1";
  return s;
}

volume_snapshot::create of_v1() {
  return {"v1", "nightly", "before the upgrade", 2, {{"k", "v"}}, "p1", "u1"};
}

volume_snapshot_state creating() {
  return run(fresh(), of_v1());
}
volume_snapshot_state available() {
  return run(creating(), volume_snapshot::finish_create{});
}

TEST(VolumeSnapshotState, CreatingThenAvailableAtFullProgress) {
  auto s = creating();
  EXPECT_EQ(s.status, "creating");
  EXPECT_EQ(s.progress, "0%");
  EXPECT_EQ(s.volume_id, "v1");
  EXPECT_EQ(s.size, 2);
  EXPECT_EQ(s.project_id, "p1");
  s = run(s, volume_snapshot::finish_create{});
  EXPECT_EQ(s.status, "available");
  EXPECT_EQ(s.progress, "100%");
  nlohmann::json j = s;
  EXPECT_EQ(j["progress"], "100%");
  EXPECT_EQ(j["metadata"]["k"], "v");
}

TEST(VolumeSnapshotState, AFailedCopyIsAnErrorThatCanBeDeleted) {
  auto s = run(creating(), volume_snapshot::fail_create{"no space"});
  EXPECT_EQ(s.status, "error");
  EXPECT_EQ(s.error_reason, "no space");
  s = run(s, volume_snapshot::remove{});
  EXPECT_EQ(s.status, "deleting");
  s = run(s, volume_snapshot::finish_delete{});
  EXPECT_TRUE(s.deleted);
  EXPECT_EQ(s.status, "deleted");
}

TEST(VolumeSnapshotState, DeleteNeedsAvailableOrErrorUnlessForced) {
  const std::string refused =
      "Invalid snapshot: Snapshot status must be available or error and must not be part of a "
      "group.";
  expect_refusal<M>(creating(), volume_snapshot::remove{}, errc::bad_request, refused);
  auto deleting = run(available(), volume_snapshot::remove{});
  expect_refusal<M>(deleting, volume_snapshot::remove{}, errc::bad_request, refused);
  auto stuck = run(deleting, volume_snapshot::fail_delete{"busy"});
  EXPECT_EQ(stuck.status, "error_deleting");
  expect_refusal<M>(stuck, volume_snapshot::remove{}, errc::bad_request, refused);
  EXPECT_EQ(run(stuck, volume_snapshot::remove{true}).status, "deleting");
  EXPECT_EQ(run(creating(), volume_snapshot::remove{true}).status, "deleting");
}

TEST(VolumeSnapshotState, StepsOfItsOwnFlowNeedTheirStatus) {
  expect_refusal<M>(available(), volume_snapshot::finish_create{}, errc::conflict,
                    "Snapshot snap1 status must be creating, but current status is: available.");
  expect_refusal<M>(available(), volume_snapshot::fail_create{"x"}, errc::conflict,
                    "Snapshot snap1 status must be creating, but current status is: available.");
  expect_refusal<M>(available(), volume_snapshot::finish_delete{}, errc::conflict,
                    "Snapshot snap1 status must be deleting, but current status is: available.");
  expect_refusal<M>(available(), volume_snapshot::fail_delete{"x"}, errc::conflict,
                    "Snapshot snap1 status must be deleting, but current status is: available.");
  expect_refusal<M>(available(), of_v1(), errc::conflict, "Snapshot snap1 already exists.");
  expect_refusal<M>(fresh(), volume_snapshot::remove{}, errc::not_found,
                    "Snapshot snap1 could not be found.");
  expect_refusal<M>(fresh(), volume_snapshot::update{std::string("x"), std::nullopt},
                    errc::not_found, "Snapshot snap1 could not be found.");
}

TEST(VolumeSnapshotState, NameDescriptionAndMetadataChange) {
  auto s = run(available(), volume_snapshot::update{std::string("weekly"), std::nullopt});
  EXPECT_EQ(s.name, "weekly");
  EXPECT_EQ(s.description, "before the upgrade");
  EXPECT_TRUE(M::decide(s, volume_snapshot::update{}).value().empty());
  s = run(s, volume_snapshot::set_metadata{{{"a", "1"}}, false});
  EXPECT_EQ(s.metadata.size(), 2u);
  s = run(s, volume_snapshot::set_metadata{{{"b", "2"}}, true});
  EXPECT_EQ(s.metadata, (std::map<std::string, std::string>{{"b", "2"}}));
  s = run(s, volume_snapshot::unset_metadata{"b"});
  EXPECT_TRUE(s.metadata.empty());
  expect_refusal<M>(s, volume_snapshot::unset_metadata{"b"}, errc::not_found,
                    "Snapshot snap1 has no metadata with key b.");
  expect_refusal<M>(s, volume_snapshot::set_metadata{{{"k", std::string(256, 'v')}}, false},
                    errc::bad_request,
                    "Invalid metadata size: Metadata property key k value greater than 255 "
                    "characters.");
}

TEST(VolumeSnapshotState, ResetStatusTakesCindersStatuses) {
  EXPECT_EQ(run(creating(), volume_snapshot::reset_status{"error"}).status, "error");
  expect_refusal<M>(available(), volume_snapshot::reset_status{"in-use"}, errc::bad_request,
                    "Snapshot status: in-use is invalid, valid statuses are: ('error', "
                    "'available', 'creating', 'deleting', 'deleted', 'updating', "
                    "'error_deleting', 'unmanaging', 'backing-up', 'restoring').");
}

TEST(VolumeSnapshotState, ARestartEndsACreateOrADelete) {
  auto failed = resolve_after_restart(creating(), {});
  ASSERT_TRUE(failed);
  auto s = run(creating(), *failed);
  EXPECT_EQ(s.status, "error");
  EXPECT_NE(s.error_reason.find("interrupted by a restart"), std::string::npos);
  auto done = resolve_after_restart(creating(), {.backing_file_complete = true});
  ASSERT_TRUE(done);
  EXPECT_EQ(run(creating(), *done).status, "available");
  auto deleting = run(available(), volume_snapshot::remove{});
  auto goes_on = resolve_after_restart(deleting, {});
  ASSERT_TRUE(goes_on);
  EXPECT_TRUE(run(deleting, *goes_on).deleted);
  EXPECT_FALSE(resolve_after_restart(available(), {}));
  EXPECT_FALSE(resolve_after_restart(fresh(), {}));
}

TEST(VolumeSnapshotState, ApplyRejectsEventsThatCannotHappen) {
  EXPECT_THROW(M::apply(fresh(), volume_snapshot_create_finished{}), invalid_event);
  EXPECT_THROW(M::apply(available(), volume_snapshot_created{}), invalid_event);
  EXPECT_THROW(M::apply(available(), volume_snapshot_create_finished{}), invalid_event);
  EXPECT_THROW(M::apply(available(), volume_snapshot_deleted{}), invalid_event);
  EXPECT_THROW(M::apply(available(), volume_snapshot_delete_failed{"x"}), invalid_event);
}

TEST(VolumeSnapshotState, EventsRoundTripThroughTheCodec) {
  std::vector<volume_snapshot_event> h;
  auto s = run(fresh(), of_v1(), &h);
  s = run(s, volume_snapshot::fail_create{"x"}, &h);
  s = run(s, volume_snapshot::reset_status{"available"}, &h);
  s = run(s, volume_snapshot::update{std::string("n"), std::string("d")}, &h);
  s = run(s, volume_snapshot::set_metadata{{{"a", "1"}}, true}, &h);
  s = run(s, volume_snapshot::remove{}, &h);
  s = run(s, volume_snapshot::fail_delete{"busy"}, &h);
  s = run(s, volume_snapshot::remove{true}, &h);
  s = run(s, volume_snapshot::finish_delete{}, &h);
  // create_finished lives on a second snapshot's stream.
  std::vector<volume_snapshot_event> h2;
  volume_snapshot_state other;
  other.id = "snap2";
  other = run(run(other, of_v1(), &h2), volume_snapshot::finish_create{}, &h2);

  std::set<std::string> types;
  for (auto [id, direct, history] : {std::tuple{"snap1", s, h}, std::tuple{"snap2", other, h2}}) {
    nlohmann::json a = direct, b = refold<M>(id, history, &types);
    for (auto* j : {&a, &b}) j->erase("created_at"), j->erase("updated_at");
    EXPECT_EQ(a, b) << id;
  }
  EXPECT_EQ(types.size(), std::variant_size_v<volume_snapshot_event>) << "every event type";
}

}  // namespace
}  // namespace cumulo
