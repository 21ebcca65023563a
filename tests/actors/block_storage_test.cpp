// Cinder's door with the file backend, on real files: the default type at
// the bootstrap only; a volume created (creating, then available with its
// bytes), extended, snapshotted, cloned from its snapshot, refused while it
// has one, deleted with its file; quotas in Cinder's words; and a restart
// that finds a volume cut off mid-create, mid-extend and mid-delete.
#include <gtest/gtest.h>

#include <caf/all.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "actors/block_storage.hpp"
#include "tests/actors/actor_test_support.hpp"
#include "tests/temp_dir.hpp"
#include "virt/host_command.hpp"

namespace cumulo {
namespace {

cloud_options options(const temp_dir& dir) {
  cloud_options o;
  o.data_dir = dir.path() / "data";
  o.sync = durability::normal;
  return o;
}

std::filesystem::path volume_file(const temp_dir& dir, const std::string& id) {
  return dir.path() / "data" / "volumes" / ("volume-" + id);
}

volume_create_request create_request(const std::string& name, std::int64_t size,
                                     const std::string& project = "p1") {
  volume_create_request r;
  r.base.name = name;
  r.base.size = size;
  r.base.project_id = project;
  r.base.user_id = "u1";
  r.meta = test_meta();
  return r;
}

class BlockStorage : public ::testing::Test {
 protected:
  void SetUp() override {
    if (find_program({"qemu-img"}).empty()) GTEST_SKIP() << "qemu-img (qemu-utils) is missing";
  }

  volume_state get(cloud& c, const std::string& id) {
    auto v = ask<volume_state>(c.system(), c.block_storage(), caf::get_atom::value,
                               volume_atom::value, id);
    return v.ok() ? *v : volume_state{};
  }
  // The volume once its status is none of `moving` (at most 30 s).
  volume_state settle(cloud& c, const std::string& id,
                      const std::vector<std::string>& moving = {"creating", "extending",
                                                                "deleting"}) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    volume_state v;
    while (std::chrono::steady_clock::now() < deadline) {
      v = get(c, id);
      if (std::find(moving.begin(), moving.end(), v.status) == moving.end()) return v;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "volume " << id << " stayed " << v.status;
    return v;
  }
  volume_snapshot_state snapshot(cloud& c, const std::string& id) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    volume_snapshot_state s;
    while (std::chrono::steady_clock::now() < deadline) {
      auto r = ask<volume_snapshot_state>(c.system(), c.block_storage(), caf::get_atom::value,
                                          volume_snapshot_atom::value, id);
      if (!r.ok()) return {};
      s = *r;
      if (s.status != "creating" && s.status != "deleting") return s;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "snapshot " << id << " stayed " << s.status;
    return s;
  }
  reply_or_error<volume_state> command(cloud& c, const std::string& id, volume::command cmd) {
    return ask<volume_state>(c.system(), c.block_storage(), command_atom::value, volume_atom::value,
                             id, std::move(cmd), test_meta());
  }
};

TEST_F(BlockStorage, TheDefaultTypeComesWithTheBootstrapOnce) {
  temp_dir dir;
  cloud c(options(dir));
  auto none = ask<std::vector<volume_type_state>>(c.system(), c.block_storage(), list_atom::value,
                                                  volume_type_atom::value);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty()) << "the bootstrap makes it, not the cloud";
  bootstrap_volume_types(c);
  bootstrap_volume_types(c);
  auto types = ask<std::vector<volume_type_state>>(c.system(), c.block_storage(), list_atom::value,
                                                   volume_type_atom::value);
  ASSERT_TRUE(types.ok());
  ASSERT_EQ(types->size(), 1u);
  EXPECT_EQ((*types)[0].name, "__DEFAULT__");
  auto taken = ask<volume_type_state>(
      c.system(), c.block_storage(), command_atom::value, volume_type_atom::value,
      volume_type::create{"__DEFAULT__", "", true, {}}, test_meta());
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.error.message, "Volume Type __DEFAULT__ already exists.");
}

TEST_F(BlockStorage, AVolumesLifeOnItsFile) {
  temp_dir dir;
  cloud c(options(dir));
  bootstrap_volume_types(c);
  auto made = ask<volume_state>(c.system(), c.block_storage(), command_atom::value,
                                volume_atom::value, create_request("v1", 1));
  ASSERT_TRUE(made.ok()) << made.error.message;
  EXPECT_EQ(made->status, "creating");
  EXPECT_EQ(made->volume_type, "__DEFAULT__");
  const std::string id = made->id;
  EXPECT_EQ(settle(c, id).status, "available");
  ASSERT_TRUE(std::filesystem::exists(volume_file(dir, id)));
  EXPECT_EQ(std::filesystem::file_size(volume_file(dir, id)), std::uintmax_t{1} << 30);

  // Extend: only up, then the file has the new size.
  auto same = command(c, id, volume::extend{1, false});
  ASSERT_FALSE(same.ok());
  EXPECT_EQ(same.error.code, errc::bad_request);
  auto grown = command(c, id, volume::extend{2, false});
  ASSERT_TRUE(grown.ok()) << grown.error.message;
  EXPECT_EQ(grown->status, "extending");
  auto after = settle(c, id);
  EXPECT_EQ(after.status, "available");
  EXPECT_EQ(after.size, 2);
  EXPECT_EQ(std::filesystem::file_size(volume_file(dir, id)), std::uintmax_t{2} << 30);

  // A marker in the volume, then a snapshot, then a volume from it: the
  // marker is in the copy.
  {
    std::fstream f(volume_file(dir, id), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(4096);
    f << "CUMULO-VOLUME-MARKER";
  }
  snapshot_create_request sr;
  sr.base.volume_id = id;
  sr.base.name = "s1";
  sr.base.project_id = "p1";
  sr.base.user_id = "u1";
  sr.meta = test_meta();
  auto snap = ask<volume_snapshot_state>(c.system(), c.block_storage(), command_atom::value,
                                         volume_snapshot_atom::value, sr);
  ASSERT_TRUE(snap.ok()) << snap.error.message;
  EXPECT_EQ(snapshot(c, snap->id).status, "available");
  EXPECT_EQ(get(c, id).snapshot_ids, std::vector<std::string>{snap->id});

  auto from = create_request("v2", 0);
  from.snapshot_id = snap->id;
  auto copy = ask<volume_state>(c.system(), c.block_storage(), command_atom::value,
                                volume_atom::value, from);
  ASSERT_TRUE(copy.ok()) << copy.error.message;
  EXPECT_EQ(copy->size, 2) << "a snapshot's size when none is given";
  EXPECT_EQ(settle(c, copy->id).status, "available");
  {
    std::ifstream f(volume_file(dir, copy->id), std::ios::binary);
    f.seekg(4096);
    std::string marker(20, '\0');
    f.read(marker.data(), 20);
    EXPECT_EQ(marker, "CUMULO-VOLUME-MARKER");
  }

  // A volume with a snapshot is not deleted; without, it is, file and all.
  auto refused = command(c, id, volume::remove{});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error.code, errc::bad_request);
  auto gone = ask<volume_snapshot_state>(
      c.system(), c.block_storage(), command_atom::value, volume_snapshot_atom::value, snap->id,
      volume_snapshot::command{volume_snapshot::remove{}}, test_meta());
  ASSERT_TRUE(gone.ok()) << gone.error.message;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!get(c, id).snapshot_ids.empty() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto deleting = command(c, id, volume::remove{});
  ASSERT_TRUE(deleting.ok()) << deleting.error.message;
  EXPECT_EQ(deleting->status, "deleting");
  while (get(c, id).exists() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(get(c, id).exists());
  EXPECT_FALSE(std::filesystem::exists(volume_file(dir, id)));
  EXPECT_TRUE(std::filesystem::exists(volume_file(dir, copy->id)));
}

TEST_F(BlockStorage, QuotasInCindersWords) {
  temp_dir dir;
  cloud c(options(dir));
  bootstrap_volume_types(c);
  auto huge = ask<volume_state>(c.system(), c.block_storage(), command_atom::value,
                                volume_atom::value, create_request("big", 1001));
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.error.code, errc::too_large);
  EXPECT_NE(huge.error.message.find("gigabytes quota"), std::string::npos) << huge.error.message;
  auto unknown = create_request("v", 1);
  unknown.volume_type = "gold";
  auto refused = ask<volume_state>(c.system(), c.block_storage(), command_atom::value,
                                   volume_atom::value, unknown);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error.message, "Volume type gold could not be found.");
  // Another project's snapshot is not a source.
  auto mine = ask<volume_state>(c.system(), c.block_storage(), command_atom::value,
                                volume_atom::value, create_request("v", 1));
  ASSERT_TRUE(mine.ok());
  auto theirs = create_request("w", 1, "p2");
  theirs.source_volid = mine->id;
  auto hidden = ask<volume_state>(c.system(), c.block_storage(), command_atom::value,
                                  volume_atom::value, theirs);
  ASSERT_FALSE(hidden.ok());
  EXPECT_EQ(hidden.error.code, errc::not_found);
}

// A volume whose create, extend or delete was cut off by a restart: the
// file tells how far it got, and no state stays transitional.
TEST_F(BlockStorage, ARestartEndsWhatWasInFlight) {
  temp_dir dir;
  std::string created, extended, deleted, orphan;
  {
    cloud c(options(dir));
    bootstrap_volume_types(c);
    for (auto* id : {&created, &extended, &deleted, &orphan}) {
      auto v = ask<volume_state>(c.system(), c.block_storage(), command_atom::value,
                                 volume_atom::value, create_request("v", 1));
      ASSERT_TRUE(v.ok()) << v.error.message;
      *id = v->id;
      EXPECT_EQ(settle(c, *id).status, "available");
    }
    // Straight to the volumes' actors: the state of a crash between the
    // event and the work (the door would have done the work next).
    auto raw = [&](const std::string& id, volume::command cmd) {
      return ask<volume_state>(c.system(), c.conductor(), command_atom::value, id, std::move(cmd),
                               test_meta());
    };
    ASSERT_TRUE(raw(extended, volume::extend{3, false}).ok());
    ASSERT_TRUE(raw(deleted, volume::remove{}).ok());
    // A create whose bytes never came: the file removed under it.
    std::filesystem::remove(volume_file(dir, orphan));
    ASSERT_TRUE(raw(orphan, volume::reset_status{std::string("creating"), std::nullopt}).ok());
    // A leftover temporary, as a crash mid-copy leaves it.
    std::ofstream(dir.path() / "data" / "volumes" / "tmp-volume-x") << "half";
  }
  cloud again(options(dir));
  EXPECT_EQ(settle(again, created).status, "available");
  auto ext = settle(again, extended, {"extending"});
  EXPECT_EQ(ext.status, "error_extending") << "the file never grew";
  EXPECT_EQ(ext.size, 1);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (get(again, deleted).exists() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(get(again, deleted).exists()) << "the delete went on";
  EXPECT_FALSE(std::filesystem::exists(volume_file(dir, deleted)));
  auto lost = settle(again, orphan);
  EXPECT_EQ(lost.status, "error") << "never available without its bytes";
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "data" / "volumes" / "tmp-volume-x"));
}

}  // namespace
}  // namespace cumulo
