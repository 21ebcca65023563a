// The block storage backends with real bytes: the file backend in a temp
// folder, the LVM backend in a volume group of its own on a loop device
// (when the host has root, lvm2 and device-mapper; it skips, saying why,
// elsewhere). Every behaviour is asked of both; real qemu-img, no mocks.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <regex>
#include <nlohmann/json.hpp>

#include "store/ids.hpp"
#include "tests/temp_dir.hpp"
#include "virt/file_volume_backend.hpp"
#include "virt/host_command.hpp"
#include "virt/lvm_volume_backend.hpp"

namespace cumulo {
namespace {

namespace fs = std::filesystem;

// The last non-empty line of a tool's output.
std::string last_line(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  const auto nl = s.rfind('\n');
  return nl == std::string::npos ? s : s.substr(nl + 1);
}

// Plain reads and writes at an offset: a raw file and a block device alike.
void write_at(const std::string& path, std::int64_t offset, const std::string& bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0) << path;
  ASSERT_EQ(::pwrite(fd, bytes.data(), bytes.size(), offset), static_cast<ssize_t>(bytes.size()));
  ASSERT_EQ(::fsync(fd), 0);
  ::close(fd);
}

std::string read_at(const std::string& path, std::int64_t offset, std::size_t n) {
  std::string bytes(n, '?');
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "cannot open " + path;
  const auto got = ::pread(fd, bytes.data(), n, offset);
  ::close(fd);
  bytes.resize(got < 0 ? 0 : static_cast<std::size_t>(got));
  return bytes;
}

// What qemu-img says of a file: its format and virtual size.
nlohmann::json image_info(const std::string& path, const std::string& format) {
  const auto r = run_program({"qemu-img", "info", "--output=json", "-U", "-f", format, path});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const auto brace = r.output.find('{');
  return brace == std::string::npos ? nlohmann::json()
                                    : nlohmann::json::parse(r.output.substr(brace));
}

void qemu_img(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"qemu-img"};
  argv.insert(argv.end(), args.begin(), args.end());
  const auto r = run_program(argv);
  ASSERT_EQ(r.exit_code, 0) << r.output;
}

// The message a call throws, "" when it does not.
template <typename F>
std::string error_of(F&& call) {
  try {
    call();
  } catch (const volume_backend_error& e) {
    return e.what();
  }
  return "";
}

const std::string marker = "cumulo volume marker";
constexpr std::int64_t marker_at = 123456789;  // inside the first GB, not sector-aligned
constexpr std::int64_t mib = std::int64_t{1} << 20;

// The file backend in a folder of a temp dir.
struct file_env {
  static constexpr const char* name = "file";
  temp_dir dir;
  std::unique_ptr<volume_backend> backend;

  std::string set_up() {
    backend = std::make_unique<file_volume_backend>(dir.path() / "volumes");
    return "";
  }
  // What a crash mid-creation leaves.
  void leave_temporary(const std::string& volume_id) {
    const auto path = dir.path() / "volumes" / ("tmp-volume-" + volume_id);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::ftruncate(fd, volume_gib), 0);
    ::close(fd);
  }
  void tear_down() {}
};

// The LVM backend in a volume group of its own, on a loop device over a
// sparse file: nothing of the host's storage is touched.
struct lvm_env {
  static constexpr const char* name = "lvm";
  temp_dir dir;
  std::unique_ptr<volume_backend> backend;
  std::string loop;
  std::string vg;

  std::string set_up() {
    if (::geteuid() != 0) return "the LVM backend's test needs root (losetup, vgcreate)";
    if (find_program({"lvcreate"}).empty() || find_program({"vgcreate"}).empty())
      return "lvm2 is not installed (no lvcreate): scripts/install-deps would add Debian's lvm2";
    if (find_program({"losetup"}).empty()) return "losetup (util-linux) is not installed";
    if (!fs::exists("/dev/loop-control") || !fs::exists("/dev/mapper/control"))
      return "no loop devices or no device-mapper here (/dev/loop-control, "
             "/dev/mapper/control): a container without them cannot hold a volume group";
    // 8 GB: the largest test holds 5 GB of volumes and snapshots at once.
    const auto file = dir.path() / "pv.img";
    {
      const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
      if (fd < 0 || ::ftruncate(fd, 8 * volume_gib) != 0) return "cannot make the PV's file";
      ::close(fd);
    }
    auto r = run_program({"losetup", "--find", "--show", file.string()});
    if (r.exit_code != 0) return "losetup failed: " + r.output;
    loop = last_line(r.output);
    vg = "cumulo-test-" + new_random_uuid();
    r = run_program({"pvcreate", "--yes", loop});
    if (r.exit_code != 0) return "pvcreate failed: " + r.output;
    r = run_program({"vgcreate", vg, loop});
    if (r.exit_code != 0) return "vgcreate failed: " + r.output;
    backend = std::make_unique<lvm_volume_backend>(vg);
    return "";
  }
  void leave_temporary(const std::string& volume_id) {
    const auto r =
        run_program({"lvcreate", "--yes", "--name", "tmp-volume-" + volume_id, "--size", "1g", vg});
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  void tear_down() {
    backend.reset();
    if (!vg.empty()) run_program({"vgremove", "--yes", "--force", vg});
    if (!loop.empty()) {
      run_program({"pvremove", "--yes", loop});
      run_program({"losetup", "--detach", loop});
    }
  }
};

template <typename Env>
class VolumeBackend : public ::testing::Test {
 protected:
  void SetUp() override {
    if (find_program({"qemu-img"}).empty())
      GTEST_SKIP() << "qemu-img (qemu-utils) is not installed";
    if (const auto why = env_.set_up(); !why.empty()) GTEST_SKIP() << why;
  }
  void TearDown() override { env_.tear_down(); }

  volume_backend& backend() { return *env_.backend; }
  fs::path scratch() {
    const auto p = env_.dir.path() / "scratch";
    fs::create_directories(p);
    return p;
  }
  // A 64 MiB raw image with the marker at marker_at, and its qcow2 twin.
  fs::path raw_image() {
    const auto path = scratch() / "image.raw";
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(::ftruncate(fd, 64 * mib), 0);
    ::close(fd);
    write_at(path.string(), 1 * mib + 7, marker);
    return path;
  }
  fs::path qcow2_image() {
    const auto raw = raw_image();
    const auto path = scratch() / "image.qcow2";
    qemu_img({"convert", "-f", "raw", "-O", "qcow2", raw.string(), path.string()});
    return path;
  }

  Env env_;
};

struct env_names {
  template <typename Env>
  static std::string GetName(int) {
    return Env::name;
  }
};

using backends = ::testing::Types<file_env, lvm_env>;
TYPED_TEST_SUITE(VolumeBackend, backends, env_names);

TYPED_TEST(VolumeBackend, CreatesAnEmptyVolumeOfItsSize) {
  auto& b = this->backend();
  const auto id = new_uuid();
  const auto where = b.create(id, 1);
  EXPECT_EQ(where.format, "raw");
  EXPECT_EQ(where.block_device, std::string(TypeParam::name) == "lvm");
  EXPECT_EQ(image_info(where.path, "raw")["virtual-size"], volume_gib);
  EXPECT_EQ(read_at(where.path, marker_at, 64), std::string(64, '\0'));
  EXPECT_EQ(read_at(where.path, volume_gib - 64, 64), std::string(64, '\0'));
  EXPECT_EQ(b.size_gb(id), 1);
  ASSERT_TRUE(b.locate(id));
  EXPECT_EQ(b.locate(id)->path, where.path);
  const auto [total, free] = b.capacity_gb();
  EXPECT_GT(total, 0);
  EXPECT_LE(free, total);
}

TYPED_TEST(VolumeBackend, CreatesFromARawAndAQcow2Image) {
  auto& b = this->backend();
  const auto qcow2 = this->qcow2_image();
  const auto raw = this->scratch() / "image.raw";
  for (const auto& [image, format] :
       std::vector<std::pair<fs::path, std::string>>{{raw, "raw"}, {qcow2, "qcow2"}}) {
    SCOPED_TRACE(format);
    const auto id = new_uuid();
    const auto where = b.create_from_image(id, image, format, 1);
    // The image's bytes, then zeros to the volume's size.
    EXPECT_EQ(read_at(where.path, 1 * mib + 7, marker.size()), marker);
    EXPECT_EQ(image_info(where.path, "raw")["virtual-size"], volume_gib);
    EXPECT_EQ(read_at(where.path, 64 * mib, 64), std::string(64, '\0'));
    EXPECT_EQ(b.size_gb(id), 1);
  }
}

TYPED_TEST(VolumeBackend, RefusesAnImageLargerThanTheVolumeAndLeavesNothing) {
  auto& b = this->backend();
  const auto big = this->scratch() / "big.qcow2";
  qemu_img({"create", "-q", "-f", "qcow2", big.string(), "2G"});
  const auto id = new_uuid();
  EXPECT_EQ(error_of([&] { b.create_from_image(id, big, "qcow2", 1); }),
            "Image virtual size is 2 GB and doesn't fit in a volume of size 1 GB.");
  EXPECT_FALSE(b.locate(id));
  EXPECT_TRUE(b.reap({}, {}).empty());
  // It fits a volume of its size.
  b.create_from_image(id, big, "qcow2", 2);
  EXPECT_EQ(b.size_gb(id), 2);
}

TYPED_TEST(VolumeBackend, RefusesAnImageThatIsNotWhatItSaysOrRefersToAnotherFile) {
  auto& b = this->backend();
  const auto qcow2 = this->qcow2_image();
  // A "raw" image holding a qcow2 header would be read as qcow2 by anyone
  // who let qemu-img guess.
  EXPECT_EQ(error_of([&] { b.create_from_image(new_uuid(), qcow2, "raw", 1); }),
            "The image's data is qcow2, not the raw its disk_format says.");
  const auto overlay = this->scratch() / "overlay.qcow2";
  qemu_img({"create", "-q", "-f", "qcow2", "-F", "raw", "-b",
            (this->scratch() / "image.raw").string(), overlay.string()});
  EXPECT_EQ(error_of([&] { b.create_from_image(new_uuid(), overlay, "qcow2", 1); }),
            "The image refers to another file (a backing or data file).");
  EXPECT_EQ(error_of([&] { b.create_from_image(new_uuid(), this->scratch() / "none", "raw", 1); }),
            "Image file " + (this->scratch() / "none").string() + " does not exist.");
  EXPECT_EQ(error_of([&] { b.create_from_image(new_uuid(), qcow2, "ami", 1); }),
            "Images of disk_format ami cannot be written to a volume.");
  EXPECT_TRUE(b.reap({}, {}).empty());
}

TYPED_TEST(VolumeBackend, ACopyThatFailsHalfwayLeavesNothing) {
  auto& b = this->backend();
  // A qcow2 image whose header reads well and whose first L2 table's
  // offset is unaligned: qemu-img info accepts it, the copy fails reading.
  const auto image = this->qcow2_image();
  const auto header = read_at(image.string(), 40, 8);
  ASSERT_EQ(header.size(), 8u);
  std::int64_t l1_table = 0;
  for (unsigned char c : header) l1_table = (l1_table << 8) | c;
  write_at(image.string(), l1_table, std::string("\x80\0\0\0\0\0\x02\0", 8));
  const auto id = new_uuid();
  const auto refused = error_of([&] { b.create_from_image(id, image, "qcow2", 1); });
  EXPECT_EQ(refused.rfind("Cannot write the image to the volume: ", 0), 0u) << refused;
  EXPECT_FALSE(b.locate(id));
  EXPECT_EQ(b.size_gb(id), -1);
  // Not even a temporary for reap.
  EXPECT_TRUE(b.reap({id}, {}).empty());
}

TYPED_TEST(VolumeBackend, DataSurvivesCloneSnapshotAndCreateFromSnapshot) {
  auto& b = this->backend();
  const auto source = new_uuid();
  const auto path = b.create(source, 1).path;
  write_at(path, marker_at, marker);

  const auto copy = new_uuid();
  const auto copied = b.clone(copy, source, 2);
  EXPECT_EQ(read_at(copied.path, marker_at, marker.size()), marker);
  EXPECT_EQ(b.size_gb(copy), 2);
  EXPECT_EQ(read_at(copied.path, volume_gib + 4096, 64), std::string(64, '\0'));

  const auto snap = new_uuid();
  b.snapshot(snap, source);
  EXPECT_TRUE(b.snapshot_exists(snap));
  // The snapshot keeps what the volume held when it was taken, whatever
  // becomes of the volume (written over, then deleted).
  write_at(path, marker_at, std::string(marker.size(), 'x'));
  b.remove(source);
  const auto restored = new_uuid();
  const auto from_snap = b.create_from_snapshot(restored, snap, 1);
  EXPECT_EQ(read_at(from_snap.path, marker_at, marker.size()), marker);
  // ...and the clone is a copy of its own.
  EXPECT_EQ(read_at(copied.path, marker_at, marker.size()), marker);

  EXPECT_EQ(error_of([&] { b.clone(new_uuid(), copy, 1); }),
            "A volume of 1 GB cannot be smaller than its source volume (2 GB).");
}

TYPED_TEST(VolumeBackend, ExtendGrowsKeepingTheDataAndNeverShrinks) {
  auto& b = this->backend();
  const auto id = new_uuid();
  const auto path = b.create(id, 1).path;
  write_at(path, marker_at, marker);
  b.extend(id, 2);
  EXPECT_EQ(b.size_gb(id), 2);
  EXPECT_EQ(image_info(path, "raw")["virtual-size"], 2 * volume_gib);
  EXPECT_EQ(read_at(path, marker_at, marker.size()), marker);
  EXPECT_EQ(read_at(path, volume_gib + mib, 64), std::string(64, '\0'));
  // Asked again (a restart resolving an extend): nothing to do.
  b.extend(id, 2);
  EXPECT_EQ(b.size_gb(id), 2);
  EXPECT_EQ(error_of([&] { b.extend(id, 1); }),
            "Volume " + id + " is 2 GB: it cannot shrink to 1 GB.");
  EXPECT_EQ(b.size_gb(id), 2);
}

TYPED_TEST(VolumeBackend, RemoveIsIdempotent) {
  auto& b = this->backend();
  const auto id = new_uuid();
  const auto snap = new_uuid();
  b.create(id, 1);
  b.snapshot(snap, id);
  b.remove_snapshot(snap);
  b.remove_snapshot(snap);
  EXPECT_FALSE(b.snapshot_exists(snap));
  b.remove(id);
  b.remove(id);
  EXPECT_FALSE(b.locate(id));
  EXPECT_EQ(b.size_gb(id), -1);
  b.remove(new_uuid());
}

TYPED_TEST(VolumeBackend, ATemporaryIsNoVolumeAndReapRemovesIt) {
  auto& b = this->backend();
  const auto id = new_uuid();
  this->env_.leave_temporary(id);
  EXPECT_FALSE(b.locate(id));
  EXPECT_EQ(b.size_gb(id), -1);
  // Kept or not, a temporary is a creation cut off.
  EXPECT_EQ(b.reap({id}, {}), std::vector<std::string>{"tmp-volume-" + id});
  EXPECT_TRUE(b.reap({id}, {}).empty());
  // A creation of that id after a crash starts over.
  this->env_.leave_temporary(id);
  b.create(id, 1);
  EXPECT_EQ(b.size_gb(id), 1);
  EXPECT_TRUE(b.reap({id}, {}).empty());
}

TYPED_TEST(VolumeBackend, ReapKeepsWhatIsKept) {
  auto& b = this->backend();
  const auto kept = new_uuid(), dropped = new_uuid();
  const auto kept_snap = new_uuid(), dropped_snap = new_uuid();
  b.create(kept, 1);
  b.create(dropped, 1);
  b.snapshot(kept_snap, kept);
  b.snapshot(dropped_snap, dropped);
  auto removed = b.reap({kept}, {kept_snap});
  std::sort(removed.begin(), removed.end());
  EXPECT_EQ(removed, (std::vector<std::string>{"snapshot-" + dropped_snap, "volume-" + dropped}));
  EXPECT_TRUE(b.locate(kept));
  EXPECT_FALSE(b.locate(dropped));
  EXPECT_TRUE(b.snapshot_exists(kept_snap));
  EXPECT_FALSE(b.snapshot_exists(dropped_snap));
}

TYPED_TEST(VolumeBackend, UploadsToAQcow2AndARawImage) {
  auto& b = this->backend();
  const auto id = new_uuid();
  write_at(b.create(id, 1).path, marker_at, marker);

  const auto qcow2 = this->scratch() / "upload.qcow2.part";
  b.upload_to_image(id, qcow2, "qcow2");
  const auto info = image_info(qcow2.string(), "qcow2");
  EXPECT_EQ(info["format"], "qcow2");
  EXPECT_EQ(info["virtual-size"], volume_gib);
  const auto back = this->scratch() / "back.raw";
  qemu_img({"convert", "-f", "qcow2", "-O", "raw", qcow2.string(), back.string()});
  EXPECT_EQ(read_at(back.string(), marker_at, marker.size()), marker);

  const auto raw = this->scratch() / "upload.raw.part";
  b.upload_to_image(id, raw, "raw");
  EXPECT_EQ(fs::file_size(raw), static_cast<std::uintmax_t>(volume_gib));
  EXPECT_EQ(read_at(raw.string(), marker_at, marker.size()), marker);

  const auto vmdk = this->scratch() / "upload.vmdk.part";
  EXPECT_EQ(error_of([&] { b.upload_to_image(id, vmdk, "vmdk"); }),
            "A volume uploads to an image of disk_format raw or qcow2, not vmdk.");
  EXPECT_FALSE(fs::exists(vmdk));
}

TYPED_TEST(VolumeBackend, RefusesMissingSourcesAndNamesThatExist) {
  auto& b = this->backend();
  const auto missing = new_uuid();
  EXPECT_EQ(error_of([&] { b.clone(new_uuid(), missing, 1); }),
            "Volume " + missing + " could not be found.");
  EXPECT_EQ(error_of([&] { b.snapshot(new_uuid(), missing); }),
            "Volume " + missing + " could not be found.");
  EXPECT_EQ(error_of([&] { b.create_from_snapshot(new_uuid(), missing, 1); }),
            "Snapshot " + missing + " could not be found.");
  EXPECT_EQ(error_of([&] { b.extend(missing, 2); }), "Volume " + missing + " could not be found.");
  EXPECT_EQ(error_of([&] { b.upload_to_image(missing, this->scratch() / "x", "raw"); }),
            "Volume " + missing + " could not be found.");
  // A second creation of an id never replaces the first one's bytes.
  const auto id = new_uuid();
  const auto path = b.create(id, 1).path;
  write_at(path, marker_at, marker);
  EXPECT_EQ(error_of([&] { b.create(id, 2); }), "Volume " + id + " already exists.");
  EXPECT_EQ(error_of([&] { b.clone(id, id, 1); }), "Volume " + id + " already exists.");
  EXPECT_EQ(b.size_gb(id), 1);
  EXPECT_EQ(read_at(path, marker_at, marker.size()), marker);
  const auto snap = new_uuid();
  b.snapshot(snap, id);
  EXPECT_EQ(error_of([&] { b.snapshot(snap, id); }), "Snapshot " + snap + " already exists.");
  EXPECT_TRUE(b.reap({id}, {snap}).empty());
}

TYPED_TEST(VolumeBackend, RefusesWhatDoesNotFitAndIdsThatAreNotNames) {
  auto& b = this->backend();
  // A petabyte: more than any test machine has, whatever else fills it meanwhile.
  const std::regex no_space("Not enough space: [0-9]+ GB asked, [0-9]+ GB free");
  const auto id = new_uuid();
  const auto refused = error_of([&] { b.create(id, 1000000); });
  EXPECT_TRUE(std::regex_match(refused, no_space)) << refused;
  EXPECT_EQ(refused.rfind("Not enough space: 1000000 GB asked, ", 0), 0u) << refused;
  EXPECT_FALSE(b.locate(id));
  b.create(id, 1);
  const auto not_grown = error_of([&] { b.extend(id, 1000000); });
  EXPECT_EQ(not_grown.rfind("Not enough space: 999999 GB asked, ", 0), 0u) << not_grown;
  EXPECT_TRUE(std::regex_match(not_grown, no_space)) << not_grown;
  EXPECT_EQ(b.size_gb(id), 1);
  EXPECT_EQ(error_of([&] { b.create("../escape", 1); }), "Invalid volume id '../escape'.");
  EXPECT_EQ(error_of([&] { b.create("", 1); }), "Invalid volume id ''.");
  EXPECT_EQ(error_of([&] { b.remove_snapshot("a/b"); }), "Invalid snapshot id 'a/b'.");
  EXPECT_EQ(error_of([&] { b.create(new_uuid(), 0); }), "Invalid volume size 0 GB.");
}

// What only files have: modes and holes.
TEST(FileVolumeBackend, VolumesArePrivateSparseFiles) {
  if (find_program({"qemu-img"}).empty()) GTEST_SKIP() << "qemu-img (qemu-utils) is not installed";
  temp_dir dir;
  // Even where the process's umask would let others read.
  const auto old_umask = ::umask(022);
  file_volume_backend b(dir.path() / "volumes");
  const auto empty = b.create(new_uuid(), 1);
  const auto raw = dir.path() / "image.raw";
  qemu_img({"create", "-q", "-f", "raw", raw.string(), "16M"});
  const auto from_image = b.create_from_image(new_uuid(), raw, "raw", 1);
  ::umask(old_umask);
  struct stat st {};
  ASSERT_EQ(::stat((dir.path() / "volumes").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  for (const auto& where : {empty, from_image}) {
    ASSERT_EQ(::stat(where.path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u) << where.path;
    EXPECT_EQ(st.st_size, volume_gib);
    // A GB of zeros takes (almost) nothing.
    EXPECT_LT(st.st_blocks * 512, mib) << where.path;
    EXPECT_EQ(fs::path(where.path).parent_path(), dir.path() / "volumes");
  }
}

TEST(FileVolumeBackend, ReapLeavesFilesNotItsOwnAlone) {
  temp_dir dir;
  file_volume_backend b(dir.path() / "volumes");
  std::ofstream(dir.path() / "volumes" / "README");
  EXPECT_TRUE(b.reap({}, {}).empty());
  EXPECT_TRUE(fs::exists(dir.path() / "volumes" / "README"));
}

}  // namespace
}  // namespace cumulo
