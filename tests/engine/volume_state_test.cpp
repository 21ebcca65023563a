#include "engine/volume_state.hpp"

#include <gtest/gtest.h>

#include <set>
#include <tuple>

#include "engine/log_fold.hpp"
#include "tests/engine/machine_test_support.hpp"

namespace cumulo {
namespace {

using M = volume_machine;

// Every event the tests applied to volume v1, to replay them through the
// codec at the end (EventsRoundTripThroughTheCodec runs its own).
volume_state run(volume_state s, const volume::command& c,
                 std::vector<volume_event>* history = nullptr) {
  return run_command_on<M>(std::move(s), c, history);
}

volume_state fresh(const std::string& id = "v1") {
  volume_state s;
  s.id = id;
  return s;
}

volume::create one_gb(bool multiattach = false) {
  volume::create c;
  c.name = "data";
  c.description = "scratch";
  c.size = 1;
  c.volume_type = "__DEFAULT__";
  c.volume_type_id = "t1";
  c.multiattach = multiattach;
  c.metadata = {{"purpose", "test"}};
  c.project_id = "p1";
  c.user_id = "u1";
  return c;
}

volume_state available(bool multiattach = false) {
  return run(run(fresh(), one_gb(multiattach)), volume::finish_create{});
}

// A volume attached to server s1 through attachment a1.
volume_state in_use(bool multiattach = false, const std::string& attachment = "a1",
                    const std::string& server = "s1", volume_state s = available()) {
  if (s.version == 0 || multiattach != s.multiattach) s = available(multiattach);
  s = run(s, volume::reserve{attachment, server});
  s = run(s, volume::start_attach{attachment, "compute-1", "/dev/vdb"});
  return run(s, volume::complete_attach{attachment, 1'700'000'000'000'000});
}

volume_state with_status(const std::string& status) {
  return run(available(), volume::reset_status{status, std::nullopt});
}

const std::string cannot_delete =
    "Invalid volume: Volume status must be available or error or error_restoring or "
    "error_extending or error_managing and must not be migrating, attached, belong to a group, "
    "have snapshots, awaiting a transfer, or be disassociated from snapshots after volume "
    "transfer.";

// --- create ---

TEST(VolumeState, CreateThenFinishGivesAnAvailableVolumeWithCindersFields) {
  auto s = run(fresh(), one_gb());
  EXPECT_EQ(s.status, "creating");
  EXPECT_EQ(s.attach_status, "detached");
  s = run(s, volume::finish_create{});
  EXPECT_EQ(s.status, "available");
  EXPECT_EQ(s.size, 1);
  EXPECT_EQ(s.volume_type, "__DEFAULT__");
  EXPECT_EQ(s.availability_zone, "nova");
  EXPECT_FALSE(s.bootable);
  EXPECT_FALSE(s.multiattach);
  nlohmann::json j = s;
  EXPECT_EQ(j["encrypted"], false);
  EXPECT_TRUE(j["migration_status"].is_null());
  EXPECT_TRUE(j["source_volid"].is_null());
  EXPECT_TRUE(j["snapshot_id"].is_null());
  EXPECT_EQ(j["metadata"]["purpose"], "test");
  EXPECT_EQ(j["attachments"], nlohmann::json::array());
}

// Bootable once the image's bytes are in, as Cinder marks it after the
// copy: a volume whose copy failed is not one to boot from.
TEST(VolumeState, AVolumeFromAnImageCarriesItsMetadataAndIsBootableOnceWritten) {
  auto c = one_gb();
  c.image_id = "img1";
  c.volume_image_metadata = {{"image_id", "img1"}, {"disk_format", "qcow2"}};
  auto s = run(fresh(), c);
  EXPECT_EQ(s.status, "creating");
  EXPECT_FALSE(s.bootable);
  EXPECT_EQ(s.image_id, "img1");
  EXPECT_EQ(s.volume_image_metadata.at("disk_format"), "qcow2");
  auto written = run(s, volume::finish_create{});
  EXPECT_TRUE(written.bootable);
  auto broken = run(s, volume::fail_create{"The image's data is raw, not the qcow2 it says."});
  EXPECT_EQ(broken.status, "error");
  EXPECT_FALSE(broken.bootable);
  EXPECT_EQ(broken.volume_image_metadata.at("image_id"), "img1") << "what it was made from";
  // Any other source leaves bootable as the create said.
  EXPECT_FALSE(run(run(fresh(), one_gb()), volume::finish_create{}).bootable);
}

TEST(VolumeState, AFailedCreateLeavesAnErrorVolumeThatCanBeDeleted) {
  auto s = run(run(fresh(), one_gb()), volume::fail_create{"no space left"});
  EXPECT_EQ(s.status, "error");
  EXPECT_EQ(s.error_reason, "no space left");
  s = run(s, volume::remove{});
  EXPECT_EQ(s.status, "deleting");
  s = run(s, volume::finish_delete{});
  EXPECT_TRUE(s.deleted);
  EXPECT_FALSE(s.exists());
}

TEST(VolumeState, CreateRefusesBadInput) {
  auto c = one_gb();
  c.size = 0;
  expect_refusal<M>(fresh(), c, errc::bad_request,
                    "Invalid input received: Invalid volume size provided for create request: 0 "
                    "(size argument must be an integer (or string representation of an integer) "
                    "and greater than zero).");
  c = one_gb();
  c.metadata = {{std::string(256, 'k'), "v"}};
  expect_refusal<M>(fresh(), c, errc::bad_request,
                    "Invalid metadata size: Metadata property key " + std::string(256, 'k') +
                        " greater than 255 characters.");
  c.metadata = {{"k", std::string(256, 'v')}};
  expect_refusal<M>(fresh(), c, errc::bad_request,
                    "Invalid metadata size: Metadata property key k value greater than 255 "
                    "characters.");
  c.metadata = {{"", "v"}};
  expect_refusal<M>(fresh(), c, errc::bad_request,
                    "Invalid metadata: Metadata key:  has a minimum character requirement of 1.");
  expect_refusal<M>(available(), one_gb(), errc::conflict, "Volume v1 already exists.");
  expect_refusal<M>(available(), volume::finish_create{}, errc::conflict,
                    "Volume v1 status must be creating, but current status is: available.");
  expect_refusal<M>(available(), volume::fail_create{"x"}, errc::conflict,
                    "Volume v1 status must be creating, but current status is: available.");
}

TEST(VolumeState, AMissingOrDeletedVolumeIsNotFound) {
  const std::string missing = "Volume v1 could not be found.";
  expect_refusal<M>(fresh(), volume::remove{}, errc::not_found, missing);
  expect_refusal<M>(fresh(), volume::extend{2, false}, errc::not_found, missing);
  expect_refusal<M>(fresh(), volume::reserve{"a1", "s1"}, errc::not_found, missing);
  expect_refusal<M>(fresh(), volume::update{std::string("x"), std::nullopt}, errc::not_found,
                    missing);
  auto gone = run(run(available(), volume::remove{}), volume::finish_delete{});
  expect_refusal<M>(gone, volume::set_bootable{true}, errc::not_found, missing);
  expect_refusal<M>(gone, volume::add_snapshot{"snap1", false}, errc::not_found, missing);
  EXPECT_TRUE(M::decide(gone, volume::remove_snapshot{"snap1"}).value().empty());
}

// --- metadata, name, flags ---

TEST(VolumeState, NameDescriptionAndMetadataChange) {
  auto s = run(available(), volume::update{std::string("renamed"), std::nullopt});
  EXPECT_EQ(s.name, "renamed");
  EXPECT_EQ(s.description, "scratch");
  EXPECT_TRUE(M::decide(s, volume::update{}).value().empty());
  s = run(s, volume::set_metadata{{{"a", "1"}}, false});
  EXPECT_EQ(s.metadata, (std::map<std::string, std::string>{{"a", "1"}, {"purpose", "test"}}));
  s = run(s, volume::set_metadata{{{"b", "2"}}, true});
  EXPECT_EQ(s.metadata, (std::map<std::string, std::string>{{"b", "2"}}));
  s = run(s, volume::unset_metadata{"b"});
  EXPECT_TRUE(s.metadata.empty());
  expect_refusal<M>(s, volume::unset_metadata{"b"}, errc::not_found,
                    "Volume v1 has no metadata with key b.");
  EXPECT_TRUE(M::decide(s, volume::set_metadata{{}, false}).value().empty());
}

TEST(VolumeState, ReadonlyNeedsAnAvailableVolumeAndMakesAttachmentsReadOnly) {
  auto s = run(available(), volume::update_readonly_flag{true});
  EXPECT_TRUE(s.readonly);
  EXPECT_TRUE(M::decide(s, volume::update_readonly_flag{true}).value().empty());
  s = run(s, volume::reserve{"a1", "s1"});
  s = run(s, volume::start_attach{"a1", "compute-1", "/dev/vdb"});
  EXPECT_EQ(s.attachment("a1")->attach_mode, "ro");
  s = run(s, volume::complete_attach{"a1", 5});
  expect_refusal<M>(s, volume::update_readonly_flag{false}, errc::bad_request,
                    "Invalid volume: Volume v1 status must be available to update readonly flag, "
                    "but current status is: in-use.");
  EXPECT_EQ(in_use().attachment("a1")->attach_mode, "rw");
}

TEST(VolumeState, BootableIsSetByItsAction) {
  auto s = run(available(), volume::set_bootable{true});
  EXPECT_TRUE(s.bootable);
  EXPECT_TRUE(M::decide(s, volume::set_bootable{true}).value().empty());
  EXPECT_FALSE(run(s, volume::set_bootable{false}).bootable);
}

// --- extend ---

TEST(VolumeState, ExtendGrowsAnAvailableVolume) {
  auto s = run(available(), volume::extend{3, false});
  EXPECT_EQ(s.status, "extending");
  EXPECT_EQ(s.extending_to, 3);
  EXPECT_EQ(s.size, 1);
  s = run(s, volume::finish_extend{});
  EXPECT_EQ(s.status, "available");
  EXPECT_EQ(s.size, 3);
  EXPECT_EQ(s.extending_to, 0);
}

TEST(VolumeState, ExtendOnlyGrows) {
  expect_refusal<M>(available(), volume::extend{1, false}, errc::bad_request,
                    "Invalid input received: New size for extend must be greater than current "
                    "size. (current: 1, extended: 1).");
  // The size is checked before the status, as Cinder does.
  expect_refusal<M>(in_use(), volume::extend{0, false}, errc::bad_request,
                    "Invalid input received: New size for extend must be greater than current "
                    "size. (current: 1, extended: 0).");
}

TEST(VolumeState, AnInUseVolumeExtendsFromMicroversion342AndStaysInUse) {
  expect_refusal<M>(in_use(), volume::extend{2, false}, errc::bad_request,
                    "Invalid volume: Volume v1 status must be '{'status': 'available'}' to extend, "
                    "currently in-use.");
  auto s = run(in_use(), volume::extend{2, true});
  EXPECT_EQ(s.status, "extending");
  s = run(s, volume::finish_extend{});
  EXPECT_EQ(s.status, "in-use");
  EXPECT_EQ(s.size, 2);
  expect_refusal<M>(with_status("error"), volume::extend{2, true}, errc::bad_request,
                    "Invalid volume: Volume v1 status must be '{'status': 'available'}' to extend, "
                    "currently error.");
}

TEST(VolumeState, AFailedExtendLeavesErrorExtendingWhichCanBeDeleted) {
  auto s = run(run(available(), volume::extend{2, false}), volume::fail_extend{"disk full"});
  EXPECT_EQ(s.status, "error_extending");
  EXPECT_EQ(s.size, 1);
  EXPECT_EQ(s.error_reason, "disk full");
  expect_refusal<M>(s, volume::finish_extend{}, errc::conflict,
                    "Volume v1 status must be extending, but current status is: error_extending.");
  EXPECT_EQ(run(s, volume::remove{}).status, "deleting");
}

// --- attachments ---

TEST(VolumeState, AttachGoesReservedAttachingInUse) {
  auto s = run(available(), volume::reserve{"a1", "s1"});
  EXPECT_EQ(s.status, "reserved");
  EXPECT_EQ(s.attach_status, "detached");
  ASSERT_NE(s.attachment("a1"), nullptr);
  EXPECT_EQ(s.attachment("a1")->server_id, "s1");
  EXPECT_EQ(s.attachment("a1")->attach_status, "reserved");
  s = run(s, volume::start_attach{"a1", "compute-1", "/dev/vdb"});
  EXPECT_EQ(s.status, "attaching");
  EXPECT_EQ(s.attach_status, "attaching");
  s = run(s, volume::complete_attach{"a1", 1'700'000'000'000'000});
  EXPECT_EQ(s.status, "in-use");
  EXPECT_EQ(s.attach_status, "attached");
  const auto* a = s.attachment("a1");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->host_name, "compute-1");
  EXPECT_EQ(a->device, "/dev/vdb");
  EXPECT_EQ(a->attach_mode, "rw");
  EXPECT_EQ(a->attached_at_us, 1'700'000'000'000'000);
  nlohmann::json j = s;
  EXPECT_EQ(j["attachments"][0]["server_id"], "s1");
  EXPECT_EQ(j["attachments"][0]["attached_at"], "2023-11-14T22:13:20Z");
}

TEST(VolumeState, DetachGoesDetachingAvailable) {
  auto s = run(in_use(), volume::begin_detach{"a1"});
  EXPECT_EQ(s.status, "detaching");
  EXPECT_EQ(s.attach_status, "detaching");
  s = run(s, volume::finish_detach{"a1"});
  EXPECT_EQ(s.status, "available");
  EXPECT_EQ(s.attach_status, "detached");
  EXPECT_TRUE(s.attachments.empty());
}

TEST(VolumeState, AVolumeThatIsNotMultiattachTakesOneAttachment) {
  expect_refusal<M>(in_use(), volume::reserve{"a2", "s2"}, errc::bad_request,
                    "Invalid volume: Volume v1 status must be available or downloading to "
                    "reserve, but the current status is in-use.");
  auto reserved = run(available(), volume::reserve{"a1", "s1"});
  expect_refusal<M>(reserved, volume::reserve{"a2", "s2"}, errc::bad_request,
                    "Invalid volume: Volume v1 status must be available or downloading to "
                    "reserve, but the current status is reserved.");
  expect_refusal<M>(run(fresh(), one_gb()), volume::reserve{"a1", "s1"}, errc::bad_request,
                    "Invalid volume: Volume v1 status must be available or downloading to "
                    "reserve, but the current status is creating.");
}

TEST(VolumeState, AMultiattachVolumeTakesSeveralAndStaysInUseUntilTheLastDetach) {
  auto s = in_use(true);
  s = run(s, volume::reserve{"a2", "s2"});
  EXPECT_EQ(s.status, "reserved");
  EXPECT_EQ(s.attach_status, "attached");
  expect_refusal<M>(s, volume::reserve{"a3", "s3"}, errc::bad_request,
                    "Invalid volume: Volume v1 status must be available or in-use or downloading "
                    "to reserve, but the current status is reserved.");
  s = run(s, volume::start_attach{"a2", "compute-2", "/dev/vdc"});
  s = run(s, volume::complete_attach{"a2", 7});
  EXPECT_EQ(s.status, "in-use");
  EXPECT_EQ(s.attachments.size(), 2u);
  s = run(s, volume::begin_detach{"a1"});
  EXPECT_EQ(s.status, "detaching");
  s = run(s, volume::finish_detach{"a1"});
  EXPECT_EQ(s.status, "in-use") << "a2 remains";
  EXPECT_EQ(s.attach_status, "attached");
  s = run(s, volume::begin_detach{"a2"});
  s = run(s, volume::finish_detach{"a2"});
  EXPECT_EQ(s.status, "available");
  EXPECT_EQ(s.attach_status, "detached");
}

TEST(VolumeState, AnAttachmentThatNeverCompletesIsDropped) {
  auto s = run(available(), volume::reserve{"a1", "s1"});
  s = run(s, volume::fail_attach{"a1", "the server was deleted"});
  EXPECT_EQ(s.status, "available");
  EXPECT_TRUE(s.attachments.empty());
  EXPECT_TRUE(M::decide(s, volume::fail_attach{"a1", "again"}).value().empty()) << "idempotent";
  s = run(s, volume::reserve{"a2", "s1"});
  s = run(s, volume::start_attach{"a2", "compute-1", "/dev/vdb"});
  s = run(s, volume::fail_attach{"a2", "the host could not connect it"});
  EXPECT_EQ(s.status, "available");
  // On a multiattach volume the others stay.
  s = run(in_use(true), volume::reserve{"a2", "s2"});
  s = run(s, volume::fail_attach{"a2", "no"});
  EXPECT_EQ(s.status, "in-use");
  expect_refusal<M>(s, volume::fail_attach{"a1", "no"}, errc::conflict,
                    "Volume attachment a1 status must be reserved or attaching, but current "
                    "status is: attached.");
}

TEST(VolumeState, AttachStepsRefuseWhatCannotHappen) {
  auto error = with_status("error");
  expect_refusal<M>(error, volume::reserve{"a1", "s1"}, errc::bad_request,
                    "Invalid volume: Volume attachments can not be created if the volume is in an "
                    "error state. The Volume v1 currently has a status of: error ");
  expect_refusal<M>(available(), volume::start_attach{"a9", "h", "/dev/vdb"}, errc::not_found,
                    "Volume attachment could not be found with filter: attachment_id = a9.");
  expect_refusal<M>(available(), volume::complete_attach{"a9", 1}, errc::not_found,
                    "Volume attachment could not be found with filter: attachment_id = a9.");
  expect_refusal<M>(available(), volume::begin_detach{"a9"}, errc::not_found,
                    "Volume attachment could not be found with filter: attachment_id = a9.");
  expect_refusal<M>(available(), volume::finish_detach{"a9"}, errc::not_found,
                    "Volume attachment could not be found with filter: attachment_id = a9.");
  auto reserved = run(available(), volume::reserve{"a1", "s1"});
  expect_refusal<M>(reserved, volume::complete_attach{"a1", 1}, errc::conflict,
                    "Volume attachment a1 status must be attaching, but current status is: "
                    "reserved.");
  expect_refusal<M>(reserved, volume::begin_detach{"a1"}, errc::bad_request,
                    "Invalid volume: Unable to detach volume. Volume status must be 'in-use' and "
                    "attach_status must be 'attached' to detach.");
  expect_refusal<M>(reserved, volume::reserve{"a1", "s1"}, errc::bad_request,
                    "Invalid volume: Volume v1 status must be available or downloading to "
                    "reserve, but the current status is reserved.");
  expect_refusal<M>(in_use(), volume::start_attach{"a1", "h", "/dev/vdb"}, errc::conflict,
                    "Volume attachment a1 status must be reserved, but current status is: "
                    "attached.");
  expect_refusal<M>(in_use(), volume::finish_detach{"a1"}, errc::conflict,
                    "Volume attachment a1 status must be detaching, but current status is: "
                    "attached.");
  auto multi = run(available(true), volume::reserve{"a1", "s1"});
  expect_refusal<M>(multi, volume::reserve{"a1", "s1"}, errc::bad_request,
                    "Invalid volume: Volume v1 status must be available or in-use or downloading "
                    "to reserve, but the current status is reserved.");
}

TEST(VolumeState, ADetachThatDidNotHappenRollsBack) {
  auto s = run(in_use(), volume::begin_detach{"a1"});
  s = run(s, volume::roll_detaching{"a1", "the guest kept the disk"});
  EXPECT_EQ(s.status, "in-use");
  EXPECT_EQ(s.attachment("a1")->attach_status, "attached");
  EXPECT_TRUE(M::decide(s, volume::roll_detaching{"a1", "x"}).value().empty());
}

// --- upload to an image ---

TEST(VolumeState, UploadToAnImageNeedsAnAvailableVolumeAndReturnsToIt) {
  auto s = run(available(), volume::upload_to_image{"img9"});
  EXPECT_EQ(s.status, "uploading");
  EXPECT_EQ(s.uploading_image_id, "img9");
  s = run(s, volume::finish_upload{});
  EXPECT_EQ(s.status, "available");
  EXPECT_TRUE(s.uploading_image_id.empty());
  s = run(run(s, volume::upload_to_image{"img10"}), volume::fail_upload{"glance refused"});
  EXPECT_EQ(s.status, "available");
  EXPECT_EQ(s.error_reason, "glance refused");
  expect_refusal<M>(in_use(), volume::upload_to_image{"img9"}, errc::bad_request,
                    "Invalid volume: Volume v1 status must be available");
  expect_refusal<M>(available(), volume::finish_upload{}, errc::conflict,
                    "Volume v1 status must be uploading, but current status is: available.");
}

// --- snapshots ---

TEST(VolumeState, TheVolumeKeepsItsSnapshotsAndIsNotDeletedWhileItHasAny) {
  auto s = run(available(), volume::add_snapshot{"snap1", false});
  EXPECT_EQ(s.snapshot_ids, std::vector<std::string>{"snap1"});
  EXPECT_TRUE(M::decide(s, volume::add_snapshot{"snap1", false}).value().empty()) << "a retry";
  s = run(s, volume::add_snapshot{"snap2", false});
  expect_refusal<M>(s, volume::remove{}, errc::bad_request, cannot_delete);
  expect_refusal<M>(s, volume::remove{true}, errc::bad_request,
                    "Invalid volume: Volume  must not be migrating, attached, belong to a group, "
                    "have snapshots, awaiting a transfer, or be disassociated from snapshots "
                    "after volume transfer.");
  s = run(s, volume::remove_snapshot{"snap1"});
  EXPECT_TRUE(M::decide(s, volume::remove_snapshot{"snap1"}).value().empty()) << "a retry";
  s = run(s, volume::remove_snapshot{"snap2"});
  EXPECT_TRUE(s.snapshot_ids.empty());
  EXPECT_EQ(run(s, volume::remove{}).status, "deleting");
}

TEST(VolumeState, ASnapshotIsTakenOfAnAvailableVolumeOrAnInUseOneWhenAllowed) {
  expect_refusal<M>(in_use(), volume::add_snapshot{"snap1", false}, errc::bad_request,
                    "Invalid volume: Volume v1 status must be available, but current status is: "
                    "in-use.");
  auto s = run(in_use(), volume::add_snapshot{"snap1", true});
  EXPECT_EQ(s.snapshot_ids.size(), 1u);
  expect_refusal<M>(run(available(), volume::extend{2, false}), volume::add_snapshot{"s", true},
                    errc::bad_request,
                    "Invalid volume: Volume v1 status must be available, in-use, but current "
                    "status is: extending.");
  expect_refusal<M>(with_status("error"), volume::add_snapshot{"snap1", true}, errc::bad_request,
                    "Invalid volume: The snapshot cannot be created when the volume is in error "
                    "status.");
}

TEST(VolumeState, SnapshotsOnTheVolumeThatNeverBeganAreFoundAtStart) {
  auto s = run(available(), volume::add_snapshot{"snap1", false});
  s = run(s, volume::add_snapshot{"snap2", false});
  auto stray = unrecorded_snapshots(s, {"snap2"});
  ASSERT_EQ(stray.size(), 1u);
  EXPECT_EQ(std::get<volume::remove_snapshot>(stray[0]).snapshot_id, "snap1");
  EXPECT_TRUE(unrecorded_snapshots(s, {"snap1", "snap2"}).empty());
}

// --- delete ---

TEST(VolumeState, DeleteIsRefusedWhileAttachedOrBusy) {
  expect_refusal<M>(in_use(), volume::remove{}, errc::bad_request, cannot_delete);
  expect_refusal<M>(run(available(), volume::reserve{"a1", "s1"}), volume::remove{},
                    errc::bad_request, cannot_delete);
  expect_refusal<M>(run(fresh(), one_gb()), volume::remove{}, errc::bad_request, cannot_delete);
  expect_refusal<M>(run(available(), volume::extend{2, false}), volume::remove{}, errc::bad_request,
                    cannot_delete);
  auto deleting = run(available(), volume::remove{});
  expect_refusal<M>(deleting, volume::remove{}, errc::bad_request, cannot_delete);
  for (const char* st :
       {"available", "error", "error_restoring", "error_extending", "error_managing"})
    EXPECT_EQ(run(with_status(st), volume::remove{}).status, "deleting") << st;
}

TEST(VolumeState, AFailedDeleteIsErrorDeletingWhichOnlyAForcedDeleteTakes) {
  auto s = run(run(available(), volume::remove{}), volume::fail_delete{"backend busy"});
  EXPECT_EQ(s.status, "error_deleting");
  EXPECT_EQ(s.error_reason, "backend busy");
  expect_refusal<M>(s, volume::remove{}, errc::bad_request, cannot_delete);
  s = run(s, volume::remove{true});
  EXPECT_EQ(s.status, "deleting");
  s = run(s, volume::finish_delete{});
  EXPECT_TRUE(s.deleted);
  EXPECT_EQ(s.status, "deleted");
}

// --- an admin's reset ---

TEST(VolumeState, ResetStatusSetsAnyStatusAnAdminAsksFor) {
  for (const auto& st : volume_statuses()) {
    if (st == "deleting" || st == "error_deleting" || st == "detaching" || st == "in-use") continue;
    EXPECT_EQ(with_status(st).status, st);
  }
  auto s = run(in_use(), volume::reset_status{std::string("available"), std::nullopt});
  EXPECT_EQ(s.status, "available");
  EXPECT_EQ(s.attachments.size(), 1u) << "only attach_status detached drops attachments";
  s = run(s, volume::reset_status{std::nullopt, std::string("detached")});
  EXPECT_EQ(s.attach_status, "detached");
  EXPECT_TRUE(s.attachments.empty());
  EXPECT_EQ(run(in_use(), volume::reset_status{std::string("in-use"), std::nullopt}).status,
            "in-use");
}

TEST(VolumeState, ResetStatusRefusesWhatCinderRefuses) {
  expect_refusal<M>(available(), volume::reset_status{}, errc::bad_request,
                    "Must specify 'status', 'attach_status' or 'migration_status' for update.");
  expect_refusal<M>(
      available(), volume::reset_status{std::string("bogus"), std::nullopt}, errc::bad_request,
      "Volume status: bogus is invalid, valid statuses are: ('creating', 'available', "
      "'deleting', 'error', 'error_deleting', 'error_managing', 'managing', 'attaching', "
      "'in-use', 'detaching', 'maintenance', 'restoring-backup', 'error_restoring', 'reserved', "
      "'awaiting-transfer', 'backing-up', 'error_backing-up', 'error_extending', 'downloading', "
      "'uploading', 'retyping', 'extending').");
  expect_refusal<M>(available(), volume::reset_status{std::nullopt, std::string("attaching")},
                    errc::bad_request,
                    "Volume attach status: attaching is invalid, valid statuses are: "
                    "['attached', 'detached'].");
  for (const char* st : {"deleting", "error_deleting", "detaching"})
    expect_refusal<M>(available(), volume::reset_status{std::string(st), std::nullopt},
                      errc::bad_request, std::string("Cannot reset-state to ") + st);
  expect_refusal<M>(available(), volume::reset_status{std::string("in-use"), std::nullopt},
                    errc::bad_request,
                    "Cannot reset-state to in-use because volume does not have any attachments.");
}

// --- a restart ---

// Runs the commands a restart's resolution gives, as the actor would.
volume_state resolved(volume_state s, const volume::restart_facts& facts = {}) {
  for (const auto& c : resolve_after_restart(s, facts)) s = run(std::move(s), c);
  return s;
}

TEST(VolumeState, ACreateCutOffByARestartIsAnErrorUnlessItsFileIsComplete) {
  auto creating = run(fresh(), one_gb());
  auto s = resolved(creating);
  EXPECT_EQ(s.status, "error");
  EXPECT_NE(s.error_reason.find("interrupted by a restart"), std::string::npos) << s.error_reason;
  EXPECT_EQ(resolved(creating, {.backing_file_complete = true}).status, "available");
}

TEST(VolumeState, AnExtendCutOffByARestartEndsByWhatTheFileSays) {
  auto extending = run(available(), volume::extend{4, false});
  auto failed = resolved(extending);
  EXPECT_EQ(failed.status, "error_extending");
  EXPECT_EQ(failed.size, 1);
  auto done = resolved(extending, {.backing_file_extended = true});
  EXPECT_EQ(done.status, "available");
  EXPECT_EQ(done.size, 4);
  EXPECT_EQ(
      resolved(run(in_use(), volume::extend{4, true}), {.backing_file_extended = true}).status,
      "in-use");
}

TEST(VolumeState, AnAttachCutOffByARestartIsDropped) {
  auto reserved = run(available(), volume::reserve{"a1", "s1"});
  EXPECT_EQ(resolved(reserved).status, "available");
  auto attaching = run(reserved, volume::start_attach{"a1", "compute-1", "/dev/vdb"});
  auto s = resolved(attaching);
  EXPECT_EQ(s.status, "available");
  EXPECT_TRUE(s.attachments.empty());
  auto second = run(in_use(true), volume::reserve{"a2", "s2"});
  s = resolved(run(second, volume::start_attach{"a2", "compute-2", "/dev/vdc"}));
  EXPECT_EQ(s.status, "in-use");
  EXPECT_EQ(s.attachments.size(), 1u);
}

TEST(VolumeState, AnAttachTheServerRecordedCompletesAtARestart) {
  auto attaching = run(run(available(), volume::reserve{"a1", "s1"}),
                       volume::start_attach{"a1", "compute-1", "/dev/vdb"});
  auto s = resolved(attaching, {.on_servers = {"a1"}, .now_us = 42});
  EXPECT_EQ(s.status, "in-use");
  ASSERT_EQ(s.attachments.size(), 1u);
  EXPECT_EQ(s.attachments[0].attach_status, "attached");
  EXPECT_EQ(s.attachments[0].attached_at_us, 42);
  // Only attaching ones: a reserved attachment never reached a server.
  auto reserved = run(available(), volume::reserve{"a1", "s1"});
  EXPECT_EQ(resolved(reserved, {.on_servers = {"a1"}}).status, "available");
}

TEST(VolumeState, ADetachCutOffByARestartEndsByWhatTheServerHas) {
  auto detaching = run(in_use(), volume::begin_detach{"a1"});
  EXPECT_EQ(resolved(detaching, {.on_servers = {"a1"}}).status, "in-use");
  EXPECT_EQ(resolved(detaching).status, "available");
  auto multi = run(in_use(true, "a2", "s2", in_use(true)), volume::begin_detach{"a1"});
  auto s = resolved(multi, {.on_servers = {"a2"}});
  EXPECT_EQ(s.status, "in-use");
  ASSERT_EQ(s.attachments.size(), 1u);
  EXPECT_EQ(s.attachments[0].id, "a2");
}

TEST(VolumeState, AnUploadCutOffIsAvailableAndADeleteGoesOn) {
  auto uploading = run(available(), volume::upload_to_image{"img9"});
  auto s = resolved(uploading);
  EXPECT_EQ(s.status, "available");
  EXPECT_NE(s.error_reason.find("interrupted by a restart"), std::string::npos);
  // The crash came after Glance had the bytes: the upload is finished.
  s = resolved(uploading, {.upload_image_active = true});
  EXPECT_EQ(s.status, "available");
  EXPECT_TRUE(s.error_reason.empty()) << s.error_reason;
  EXPECT_TRUE(s.uploading_image_id.empty());
  s = resolved(run(available(), volume::remove{}));
  EXPECT_TRUE(s.deleted);
}

TEST(VolumeState, NothingToResolveInASettledVolume) {
  for (const auto& s : {available(), in_use(), with_status("error"),
                        run(run(available(), volume::extend{2, false}), volume::fail_extend{"x"})})
    EXPECT_TRUE(resolve_after_restart(s, {}).empty()) << s.status;
  EXPECT_TRUE(resolve_after_restart(fresh(), {}).empty());
}

// The project's invariant: whatever status a restart finds (an admin may
// have set any), no volume stays in a transitional one.
TEST(VolumeState, NoStatusSurvivesARestartTransitional) {
  const std::set<std::string> transitional{
      "creating",         "deleting",  "attaching",   "detaching", "reserved",
      "extending",        "uploading", "downloading", "retyping",  "backing-up",
      "restoring-backup", "managing",  "maintenance"};
  for (const auto& st : volume_statuses()) {
    if (st == "deleting" || st == "error_deleting" || st == "detaching") continue;
    volume_state s = st == "in-use" ? in_use() : with_status(st);
    s = resolved(s);
    EXPECT_FALSE(transitional.count(s.status)) << st << " -> " << s.status;
  }
}

// --- the log ---

TEST(VolumeState, ApplyRejectsEventsThatCannotHappen) {
  EXPECT_THROW(M::apply(fresh(), volume_create_finished{}), invalid_event);
  EXPECT_THROW(M::apply(available(), volume_created{}), invalid_event);
  EXPECT_THROW(M::apply(available(), volume_create_finished{}), invalid_event);
  EXPECT_THROW(M::apply(available(), volume_extended{5}), invalid_event);
  EXPECT_THROW(M::apply(available(), volume_extend_started{1}), invalid_event) << "not larger";
  EXPECT_THROW(M::apply(available(), volume_attached{"a1", 1}), invalid_event);
  EXPECT_THROW(M::apply(in_use(), volume_attachment_reserved{"a1", "s1"}), invalid_event);
  EXPECT_THROW(M::apply(in_use(), volume_detached{"a1"}), invalid_event) << "not detaching";
  EXPECT_THROW(M::apply(available(), volume_snapshot_removed{"snap1"}), invalid_event);
  EXPECT_THROW(M::apply(available(), volume_deleted{}), invalid_event) << "not deleting";
  EXPECT_THROW(M::apply(available(), volume_upload_finished{"img"}), invalid_event);
}

// Every event type, encoded, recorded and folded back, gives the same
// state; and the whole log's fold (replay's) knows the kind.
TEST(VolumeState, EventsRoundTripThroughTheCodec) {
  std::vector<volume_event> h;
  auto c = one_gb(true);
  c.image_id = "img1";
  c.bootable = true;
  c.volume_image_metadata = {{"image_id", "img1"}};
  auto s = run(fresh(), c, &h);
  s = run(s, volume::finish_create{}, &h);
  s = run(s, volume::update{std::string("renamed"), std::string("d")}, &h);
  s = run(s, volume::set_metadata{{{"k", "v"}}, true}, &h);
  s = run(s, volume::update_readonly_flag{true}, &h);
  s = run(s, volume::set_bootable{false}, &h);
  s = run(s, volume::extend{2, false}, &h);
  s = run(s, volume::finish_extend{}, &h);
  s = run(s, volume::extend{3, false}, &h);
  s = run(s, volume::fail_extend{"full"}, &h);
  s = run(s, volume::reset_status{std::string("available"), std::nullopt}, &h);
  s = run(s, volume::upload_to_image{"img2"}, &h);
  s = run(s, volume::finish_upload{}, &h);
  s = run(s, volume::upload_to_image{"img3"}, &h);
  s = run(s, volume::fail_upload{"glance"}, &h);
  s = run(s, volume::reserve{"a1", "s1"}, &h);
  s = run(s, volume::start_attach{"a1", "compute-1", "/dev/vdb"}, &h);
  s = run(s, volume::complete_attach{"a1", 42}, &h);
  s = run(s, volume::reserve{"a2", "s2"}, &h);
  s = run(s, volume::fail_attach{"a2", "gone"}, &h);
  s = run(s, volume::add_snapshot{"snap1", true}, &h);
  s = run(s, volume::begin_detach{"a1"}, &h);
  s = run(s, volume::roll_detaching{"a1", "kept"}, &h);
  s = run(s, volume::begin_detach{"a1"}, &h);
  s = run(s, volume::finish_detach{"a1"}, &h);
  s = run(s, volume::remove_snapshot{"snap1"}, &h);
  s = run(s, volume::remove{}, &h);
  s = run(s, volume::fail_delete{"busy"}, &h);
  s = run(s, volume::remove{true}, &h);
  s = run(s, volume::finish_delete{}, &h);

  // create_failed lives on a second volume's stream.
  std::vector<volume_event> h2;
  auto failed = run(run(fresh("v2"), one_gb(), &h2), volume::fail_create{"no space"}, &h2);

  std::set<std::string> types;
  for (auto [id, direct, history] : {std::tuple{"v1", s, h}, std::tuple{"v2", failed, h2}}) {
    nlohmann::json a = direct, b = refold<M>(id, history, &types);
    for (auto* j : {&a, &b}) j->erase("created_at"), j->erase("updated_at");
    EXPECT_EQ(a, b) << id;
  }
  EXPECT_EQ(types.size(), std::variant_size_v<volume_event>) << "every event type";

  log_fold f;
  std::int64_t v = 0;
  for (const auto& e : h) {
    const new_event n = encode(e);
    ++v;
    f.apply(recorded_event{v, "volume/v1", v, n.type, n.schema_version, v, "req", "u", n.payload});
  }
  const volume_state* in_log = f.get<volume_state>("volume/v1");
  ASSERT_NE(in_log, nullptr);
  EXPECT_TRUE(in_log->deleted);
  EXPECT_FALSE(f.live("volume/v1"));
  EXPECT_EQ(f.state_json("volume/v1")["name"], "renamed");
  const auto& kinds = stream_kinds();
  for (const char* k : {"volume", "volume_snapshot", "volume_type", "volume_quota"})
    EXPECT_NE(std::find(kinds.begin(), kinds.end(), k), kinds.end()) << k;
}

}  // namespace
}  // namespace cumulo
