// Cinder's door with the file backend, on real files: the default type at
// the bootstrap only; a volume created (creating, then available with its
// bytes), extended, snapshotted, cloned from its snapshot, refused while it
// has one, deleted with its file; quotas in Cinder's words; and a restart
// that finds a volume cut off mid-create, mid-extend and mid-delete.
// With Glance: volumes made from raw and qcow2 images hold the image's
// bytes and its metadata, images that do not fit are refused in Cinder's
// words, a volume goes to an image and back unchanged, and an upload cut
// off by a restart ends by what Glance had.
#include <gtest/gtest.h>

#include <caf/all.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <thread>
#include <tuple>
#include <vector>

#include "actors/block_storage.hpp"
#include "crypto/image_digest.hpp"
#include "store/ids.hpp"
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

// What an image made in a test is.
struct test_image {
  std::string name = "guest";
  std::string disk_format = "raw";
  std::string owner = "p1";
  std::string visibility = "private";
  std::int64_t min_disk = 0;
  std::map<std::string, std::string> properties;
  // Glance's record of the upload, when not the file's own.
  std::optional<std::int64_t> size;
  std::optional<std::int64_t> virtual_size;
};

// `n` bytes that are not zeros, with a marker at their start.
std::string guest_bytes(std::size_t n) {
  std::string out(n, '\0');
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<char>('A' + i % 23);
  out.replace(0, 20, "CUMULO-IMAGE-MARKER!");
  return out;
}

// Whether two files hold the same bytes (volumes of a GiB: read in chunks).
bool same_bytes(const std::filesystem::path& a, const std::filesystem::path& b) {
  std::ifstream fa(a, std::ios::binary), fb(b, std::ios::binary);
  if (!fa || !fb || std::filesystem::file_size(a) != std::filesystem::file_size(b)) return false;
  std::vector<char> x(1 << 20), y(1 << 20);
  while (fa && fb) {
    fa.read(x.data(), static_cast<std::streamsize>(x.size()));
    fb.read(y.data(), static_cast<std::streamsize>(y.size()));
    if (fa.gcount() != fb.gcount() || !std::equal(x.begin(), x.begin() + fa.gcount(), y.begin()))
      return false;
  }
  return true;
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
  reply_or_error<image_state> image_command(cloud& c, const std::string& id, image::command cmd) {
    return ask<image_state>(c.system(), c.image_registry(), command_atom::value, id, std::move(cmd),
                            test_meta());
  }
  reply_or_error<image_state> image(cloud& c, const std::string& id) {
    return ask<image_state>(c.system(), c.image_registry(), caf::get_atom::value, image_atom::value,
                            id);
  }
  // A queued image of Glance's; its id.
  std::string queued_image(cloud& c, const test_image& t) {
    image::create ic;
    ic.name = t.name;
    ic.owner = t.owner;
    ic.disk_format = t.disk_format;
    ic.container_format = "bare";
    ic.visibility = t.visibility;
    ic.min_disk = t.min_disk;
    ic.properties = t.properties;
    const std::string id = new_random_uuid();
    auto made = image_command(c, id, ic);
    EXPECT_TRUE(made.ok()) << made.error.message;
    return id;
  }
  // An active image whose bytes are the file `data`, as Glance's upload
  // leaves it; its id.
  std::string active_image(cloud& c, const std::filesystem::path& data, const test_image& t) {
    const std::string id = queued_image(c, t);
    EXPECT_TRUE(image_command(c, id, image::start_upload{}).ok());
    std::filesystem::create_directories(c.image_dir());
    std::filesystem::copy_file(data, c.image_dir() / id);
    auto sums = digest_file(data);
    EXPECT_TRUE(sums.has_value());
    image::finish_upload up{t.size.value_or(sums->size), sums->md5, "sha512", sums->sha512,
                            t.virtual_size};
    auto done = image_command(c, id, up);
    EXPECT_TRUE(done.ok()) << done.error.message;
    return id;
  }
  reply_or_error<volume_state> create(cloud& c, volume_create_request r) {
    return ask<volume_state>(c.system(), c.block_storage(), command_atom::value, volume_atom::value,
                             std::move(r));
  }
  volume_create_request from_image(const std::string& name, std::int64_t size,
                                   const std::string& image_ref,
                                   const std::string& project = "p1") {
    auto r = create_request(name, size, project);
    r.image_ref = image_ref;
    return r;
  }
  reply_or_error<volume_upload_answer> upload(cloud& c, const std::string& volume_id,
                                              const std::string& name,
                                              const std::string& disk_format = "raw") {
    volume_upload_request u;
    u.volume_id = volume_id;
    u.image_name = name;
    u.disk_format = disk_format;
    u.visibility = "private";
    u.project_id = "p1";
    u.user_id = "u1";
    u.meta = test_meta();
    return ask<volume_upload_answer>(c.system(), c.block_storage(), upload_atom::value, u);
  }
  // The image once it is no longer queued or saving (30 s at most).
  image_state settled_image(cloud& c, const std::string& id) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    image_state s;
    while (std::chrono::steady_clock::now() < deadline) {
      auto r = image(c, id);
      if (!r.ok()) return {};
      s = *r;
      if (s.status != "queued" && s.status != "saving") return s;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "image " << id << " stayed " << s.status;
    return s;
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

// A raw and a qcow2 image of the same bytes: each volume made from them
// holds those bytes, then zeros to its size, carries the image's metadata
// (its kernel_id too: what a boot from the volume needs) and is bootable
// once written. An image is found by its name too.
TEST_F(BlockStorage, AVolumeFromAnImageHoldsTheImagesBytes) {
  temp_dir dir;
  cloud c(options(dir));
  bootstrap_volume_types(c);
  const std::string bytes = guest_bytes(3 << 20);
  const auto raw_file = dir.path() / "guest.raw";
  std::ofstream(raw_file, std::ios::binary) << bytes;
  const auto qcow2_file = dir.path() / "guest.qcow2";
  ASSERT_EQ(run_program({"qemu-img", "convert", "-q", "-f", "raw", "-O", "qcow2", raw_file.string(),
                         qcow2_file.string()})
                .exit_code,
            0);
  test_image raw;
  raw.properties = {{"kernel_id", "k-1"}, {"ramdisk_id", "r-1"}, {"os_command_line", "quiet"}};
  const std::string raw_id = active_image(c, raw_file, raw);
  test_image qcow2;
  qcow2.name = "guest-qcow2";
  qcow2.disk_format = "qcow2";
  const std::string qcow2_id = active_image(c, qcow2_file, qcow2);

  for (const auto& [ref, id, format] :
       {std::tuple{raw_id, raw_id, "raw"},
        std::tuple{std::string("guest-qcow2"), qcow2_id, "qcow2"}}) {
    auto made = create(c, from_image("v-" + std::string(format), 1, ref));
    ASSERT_TRUE(made.ok()) << made.error.message;
    EXPECT_EQ(made->status, "creating");
    EXPECT_FALSE(made->bootable) << "not before its bytes are in";
    EXPECT_EQ(made->image_id, id);
    auto v = settle(c, made->id);
    ASSERT_EQ(v.status, "available") << v.error_reason;
    EXPECT_TRUE(v.bootable);
    EXPECT_EQ(v.volume_image_metadata.at("image_id"), id);
    EXPECT_EQ(v.volume_image_metadata.at("disk_format"), format);
    EXPECT_EQ(v.volume_image_metadata.at("container_format"), "bare");
    EXPECT_EQ(v.volume_image_metadata.at("min_disk"), "0");
    EXPECT_EQ(v.volume_image_metadata.at("checksum"), image(c, id)->checksum);
    const auto file = volume_file(dir, made->id);
    ASSERT_EQ(std::filesystem::file_size(file), std::uintmax_t{1} << 30);
    std::ifstream in(file, std::ios::binary);
    std::string head(bytes.size() + 4096, '\1');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    EXPECT_TRUE(head.compare(0, bytes.size(), bytes) == 0) << "the image's bytes, " << format;
    EXPECT_EQ(head.substr(bytes.size()), std::string(4096, '\0')) << "then zeros";
  }
  auto with_kernel = ask<std::vector<volume_state>>(c.system(), c.block_storage(), list_atom::value,
                                                    volume_atom::value);
  ASSERT_TRUE(with_kernel.ok());
  ASSERT_EQ(with_kernel->size(), 2u);
  EXPECT_EQ((*with_kernel)[0].volume_image_metadata.at("kernel_id"), "k-1");
  EXPECT_EQ((*with_kernel)[0].volume_image_metadata.at("os_command_line"), "quiet");
  EXPECT_EQ((*with_kernel)[0].volume_image_metadata.at("image_name"), "guest");
}

// Cinder's checks before anything is made, in its words; and an image
// whose data is not what it says leaves an error volume, never an
// available one.
TEST_F(BlockStorage, ImagesThatDoNotFitAreRefused) {
  temp_dir dir;
  cloud c(options(dir));
  bootstrap_volume_types(c);
  const auto file = dir.path() / "small.raw";
  std::ofstream(file, std::ios::binary) << guest_bytes(1 << 20);
  const std::string fits = active_image(c, file, {});
  auto refused = [&](volume_create_request r, errc code, const std::string& message) {
    auto v = create(c, std::move(r));
    ASSERT_FALSE(v.ok()) << message;
    EXPECT_EQ(v.error.code, code) << v.error.message;
    EXPECT_EQ(v.error.message, message);
  };
  refused(from_image("v", 0, fits), errc::bad_request,
          "Invalid input received: Volume size '0' must be an integer and greater than 0.");
  test_image big_disk;
  big_disk.name = "big-disk";
  big_disk.min_disk = 3;
  refused(from_image("v", 2, active_image(c, file, big_disk)), errc::bad_request,
          "Invalid input received: Volume size 2GB cannot be smaller than the image minDisk "
          "size 3GB.");
  test_image big;
  big.name = "big";
  big.size = (std::int64_t{5} << 30) + 1;
  refused(from_image("v", 5, active_image(c, file, big)), errc::bad_request,
          "Invalid input received: Size of specified image 6GB is larger than volume size 5GB.");
  test_image wide;
  wide.name = "wide";
  wide.virtual_size = std::int64_t{2} << 30;
  const std::string wide_id = active_image(c, file, wide);
  refused(from_image("v", 1, wide_id), errc::bad_request,
          "Image " + wide_id +
              " is unacceptable: Image virtual size is 2GB and doesn't fit in a volume of size "
              "1GB.");
  const std::string queued = queued_image(c, {});
  refused(from_image("v", 1, queued), errc::bad_request,
          "Invalid input received: Image " + queued + " is not active.");
  const std::string unknown = "Invalid image identifier or unable to access requested image.";
  refused(from_image("v", 1, fits, "p2"), errc::bad_request, unknown);
  refused(from_image("v", 1, new_random_uuid()), errc::bad_request, unknown);
  refused(from_image("v", 1, "no-such-name"), errc::bad_request, unknown);
  auto two = from_image("v", 1, fits);
  two.source_volid = new_uuid();
  refused(two, errc::bad_request,
          "Invalid input received: May specify only one of backup, imageRef, snapshot, source "
          "volume");
  // Another project sees a public image.
  test_image shared;
  shared.name = "public";
  shared.visibility = "public";
  auto theirs = create(c, from_image("v", 1, active_image(c, file, shared), "p2"));
  ASSERT_TRUE(theirs.ok()) << theirs.error.message;
  EXPECT_EQ(settle(c, theirs->id).status, "available");
  // Two images of one name: Cinder asks for an id.
  active_image(c, file, {});
  refused(from_image("v", 1, "guest"), errc::conflict,
          "Multiple matches found for 'guest', use an ID to be more specific.");

  // A raw file that says it is qcow2: the volume host refuses it.
  test_image liar;
  liar.name = "liar";
  liar.disk_format = "qcow2";
  auto made = create(c, from_image("v", 1, active_image(c, file, liar)));
  ASSERT_TRUE(made.ok()) << made.error.message;
  auto v = settle(c, made->id);
  EXPECT_EQ(v.status, "error");
  EXPECT_NE(v.error_reason.find("not the qcow2 its disk_format says"), std::string::npos)
      << v.error_reason;
  EXPECT_FALSE(v.bootable);
  EXPECT_FALSE(std::filesystem::exists(volume_file(dir, made->id)));
}

// A volume to an image (qcow2, then raw) and back: the new volumes hold the
// same bytes; the image is the project's, active with Glance's checksums
// of its file, and keeps the image properties the volume had.
TEST_F(BlockStorage, AVolumeGoesToAnImageAndBackUnchanged) {
  temp_dir dir;
  cloud c(options(dir));
  bootstrap_volume_types(c);
  const auto file = dir.path() / "guest.raw";
  std::ofstream(file, std::ios::binary) << guest_bytes(2 << 20);
  test_image guest;
  guest.properties = {{"kernel_id", "k-1"}, {"ramdisk_id", "r-1"}};
  auto made = create(c, from_image("source", 1, active_image(c, file, guest)));
  ASSERT_TRUE(made.ok()) << made.error.message;
  const std::string source = made->id;
  ASSERT_EQ(settle(c, source).status, "available");
  // A marker beyond the image's bytes: the volume's own writes go along.
  {
    std::fstream f(volume_file(dir, source), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(std::streamoff{512} << 20);
    f << "CUMULO-VOLUME-MARKER";
  }

  for (const std::string format : {"qcow2", "raw"}) {
    auto answer = upload(c, source, "from-volume-" + format, format);
    ASSERT_TRUE(answer.ok()) << answer.error.message;
    EXPECT_EQ(answer->volume.status, "uploading");
    EXPECT_EQ(answer->image.status, "queued");
    EXPECT_EQ(answer->image.name, "from-volume-" + format);
    EXPECT_EQ(answer->image.owner, "p1");
    EXPECT_EQ(answer->image.disk_format, format);
    ASSERT_TRUE(answer->type.has_value());
    EXPECT_EQ(answer->type->name, "__DEFAULT__");
    const std::string image_id = answer->image.id;
    auto img = settled_image(c, image_id);
    ASSERT_EQ(img.status, "active");
    auto v = settle(c, source, {"uploading"});
    EXPECT_EQ(v.status, "available");
    EXPECT_TRUE(v.error_reason.empty()) << v.error_reason;
    const auto image_path = c.image_dir() / image_id;
    auto sums = digest_file(image_path);
    ASSERT_TRUE(sums.has_value());
    EXPECT_EQ(img.size.value_or(-1), sums->size);
    EXPECT_EQ(img.checksum, sums->md5);
    EXPECT_EQ(img.os_hash_value, sums->sha512);
    EXPECT_EQ(img.virtual_size.value_or(-1), std::int64_t{1} << 30);
    EXPECT_EQ(img.visibility, "private");
    EXPECT_EQ(img.properties.at("kernel_id"), "k-1");
    EXPECT_EQ(img.properties.at("ramdisk_id"), "r-1");
    EXPECT_FALSE(img.properties.count("image_id")) << "Cinder's core properties stay behind";
    EXPECT_FALSE(std::filesystem::exists(c.image_dir() / (image_id + ".volume.part")));

    auto back = create(c, from_image("back-" + format, 1, image_id));
    ASSERT_TRUE(back.ok()) << back.error.message;
    ASSERT_EQ(settle(c, back->id).status, "available");
    EXPECT_TRUE(same_bytes(volume_file(dir, source), volume_file(dir, back->id))) << format;
    EXPECT_EQ(get(c, back->id).volume_image_metadata.at("kernel_id"), "k-1");
  }

  // Only an available volume: refused before any image is made.
  ASSERT_TRUE(command(c, source, volume::reset_status{std::string("error"), std::nullopt}).ok());
  auto before = ask<std::vector<image_state>>(c.system(), c.image_registry(), list_atom::value,
                                              image_atom::value);
  auto refused = upload(c, source, "never");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error.code, errc::bad_request);
  EXPECT_EQ(refused.error.message,
            "Invalid volume: Volume " + source + " status must be available");
  auto after = ask<std::vector<image_state>>(c.system(), c.image_registry(), list_atom::value,
                                             image_atom::value);
  EXPECT_EQ(after->size(), before->size());
  // Another project's volume is not found.
  ASSERT_TRUE(
      command(c, source, volume::reset_status{std::string("available"), std::nullopt}).ok());
  volume_upload_request u;
  u.volume_id = source;
  u.image_name = "theirs";
  u.project_id = "p2";
  u.meta = test_meta();
  auto hidden = ask<volume_upload_answer>(c.system(), c.block_storage(), upload_atom::value, u);
  ASSERT_FALSE(hidden.ok());
  EXPECT_EQ(hidden.error.code, errc::not_found);
}

// An upload the volume host cannot do (its file gone under it): the image
// is killed and deleted, the volume back to available with the reason.
TEST_F(BlockStorage, AFailedUploadTakesItsImageAwayAndLeavesTheVolume) {
  temp_dir dir;
  cloud c(options(dir));
  bootstrap_volume_types(c);
  auto made = create(c, create_request("v", 1));
  ASSERT_TRUE(made.ok());
  ASSERT_EQ(settle(c, made->id).status, "available");
  std::filesystem::remove(volume_file(dir, made->id));
  auto answer = upload(c, made->id, "broken");
  ASSERT_TRUE(answer.ok()) << answer.error.message;
  auto v = settle(c, made->id, {"uploading"});
  EXPECT_EQ(v.status, "available");
  EXPECT_NE(v.error_reason.find("could not be found"), std::string::npos) << v.error_reason;
  EXPECT_FALSE(image(c, answer->image.id).ok()) << "deleted";
  EXPECT_FALSE(std::filesystem::exists(c.image_dir() / (answer->image.id + ".volume.part")));
  EXPECT_FALSE(std::filesystem::exists(c.image_dir() / answer->image.id));
}

// Uploads cut off by a restart: one whose image never became whole (its
// .part file left) goes back with the reason and its image goes; one whose
// image Glance had already is finished, the image kept.
TEST_F(BlockStorage, ARestartEndsAnUploadByWhatGlanceHad) {
  temp_dir dir;
  std::string cut, whole, half_image, whole_image;
  {
    cloud c(options(dir));
    bootstrap_volume_types(c);
    for (auto* id : {&cut, &whole}) {
      auto v = create(c, create_request("v", 1));
      ASSERT_TRUE(v.ok()) << v.error.message;
      *id = v->id;
      EXPECT_EQ(settle(c, *id).status, "available");
    }
    // The state of a crash mid-copy: the image saving, a part file, the
    // volume uploading (straight to the actors, as the door had asked).
    half_image = queued_image(c, {});
    ASSERT_TRUE(image_command(c, half_image, image::start_upload{}).ok());
    std::ofstream(c.image_dir() / (half_image + ".volume.part")) << "half";
    auto raw = [&](const std::string& id, volume::command cmd) {
      return ask<volume_state>(c.system(), c.conductor(), command_atom::value, id, std::move(cmd),
                               test_meta());
    };
    ASSERT_TRUE(raw(cut, volume::upload_to_image{half_image}).ok());
    // A crash after Glance recorded the bytes, before the volume's end.
    const auto file = dir.path() / "bytes.raw";
    std::ofstream(file, std::ios::binary) << guest_bytes(4096);
    whole_image = active_image(c, file, {});
    ASSERT_TRUE(raw(whole, volume::upload_to_image{whole_image}).ok());
  }
  cloud again(options(dir));
  auto v = settle(again, cut, {"uploading"});
  EXPECT_EQ(v.status, "available");
  EXPECT_NE(v.error_reason.find("interrupted by a restart"), std::string::npos) << v.error_reason;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (image(again, half_image).ok() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(image(again, half_image).ok()) << "the half-made image is deleted";
  EXPECT_FALSE(std::filesystem::exists(again.image_dir() / (half_image + ".volume.part")));
  auto w = settle(again, whole, {"uploading"});
  EXPECT_EQ(w.status, "available");
  EXPECT_TRUE(w.error_reason.empty()) << w.error_reason;
  ASSERT_TRUE(image(again, whole_image).ok());
  EXPECT_EQ(image(again, whole_image)->status, "active");
}

}  // namespace
}  // namespace cumulo
