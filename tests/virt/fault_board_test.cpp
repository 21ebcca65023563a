#include "virt/fault_board.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <memory>

#include "store/ids.hpp"
#include "tests/temp_dir.hpp"
#include "virt/faulty_virt_driver.hpp"
#include "virt/faulty_volume_backend.hpp"
#include "virt/file_volume_backend.hpp"
#include "virt/libvirt_driver.hpp"

namespace cumulo {
namespace {

using namespace std::chrono_literals;

// The board's clock is injected: a fault's expiry is tested without waiting.
TEST(FaultBoard, ALibvirtFaultEndsWhenItsTimeIsUp) {
  auto now = fault_board::clock::time_point{} + 100s;
  fault_board board([&now] { return now; });
  board.set_libvirt("compute-1", libvirt_fault::fail, now + 10s);
  EXPECT_EQ(board.libvirt_of("compute-1").mode, libvirt_fault::fail);
  EXPECT_EQ(board.libvirt_of("compute-2").mode, libvirt_fault::none);
  ASSERT_EQ(board.describe().size(), 1u);
  EXPECT_NE(board.describe()[0].find("compute-1"), std::string::npos);
  now += 9s;
  EXPECT_EQ(board.libvirt_of("compute-1").mode, libvirt_fault::fail);
  now += 1s;
  EXPECT_EQ(board.libvirt_of("compute-1").mode, libvirt_fault::none) << "expired";
  EXPECT_TRUE(board.describe().empty());
}

// A volume's attach and detach go through the board like every call that
// reaches libvirt: refused while the host's libvirt is broken.
TEST(FaultyVirtDriver, VolumeCallsFailWhileTheHostsLibvirtFails) {
  temp_dir dir;
  libvirt_driver_options o;
  o.console_dir = dir.path() / "instances";
  auto board = std::make_shared<fault_board>();
  auto inner = std::make_shared<libvirt_driver>(o);
  faulty_virt_driver d(inner, "compute-1", board);
  domain_spec spec;
  spec.instance_id = new_uuid();
  spec.vcpus = 1;
  spec.memory_mb = 64;
  d.spawn(spec);
  volume_disk v;
  v.volume_id = new_uuid();
  v.target_dev = "vdb";
  v.path = (dir.path() / "volume").string();
  board->set_libvirt("compute-1", libvirt_fault::fail, board->now() + 60s);
  try {
    d.attach_volume(spec.instance_id, v);
    FAIL() << "attached through a failing libvirt";
  } catch (const virt_error& e) {
    EXPECT_NE(std::string(e.what()).find("attach_volume"), std::string::npos) << e.what();
  }
  EXPECT_THROW(d.detach_volume(spec.instance_id, "vdb"), virt_error);
  const std::string vdb = "<target dev='vdb'";
  EXPECT_EQ(inner->domain_xml(spec.instance_id).find(vdb), std::string::npos);
  board->clear();
  d.attach_volume(spec.instance_id, v);
  EXPECT_NE(inner->domain_xml(spec.instance_id).find(vdb), std::string::npos) << "passed on";
  d.detach_volume(spec.instance_id, "vdb");
  EXPECT_EQ(inner->domain_xml(spec.instance_id).find(vdb), std::string::npos) << "passed on";
}

// A full volume backend refuses whatever would write new bytes, in the
// words of the backend's own space check, and leaves nothing behind; what
// frees space or only reads goes on; once it has room again the same calls
// pass to the real backend.
TEST(FaultyVolumeBackend, AFullBackendRefusesNewBytesAndLetsGoOfOldOnes) {
  temp_dir dir;
  auto board = std::make_shared<fault_board>();
  auto inner = std::make_shared<file_volume_backend>(dir.path() / "volumes");
  faulty_volume_backend b(inner, board);
  const std::string kept = new_uuid(), refused = new_uuid();
  b.create(kept, 1);
  board->set_volume_backend_full(true);
  ASSERT_EQ(board->describe().size(), 1u);
  EXPECT_EQ(board->describe()[0], "volume backend: full");
  auto refuses = [](const std::function<void()>& call, const std::string& words) {
    try {
      call();
      ADD_FAILURE() << "passed while full";
    } catch (const volume_backend_error& e) {
      EXPECT_EQ(std::string(e.what()), words);
    }
  };
  refuses([&] { b.create(refused, 2); }, "Not enough space: 2 GB asked, 0 GB free");
  refuses([&] { b.clone(refused, kept, 1); }, "Not enough space: 1 GB asked, 0 GB free");
  refuses([&] { b.snapshot(new_uuid(), kept); }, "Not enough space: 1 GB asked, 0 GB free");
  refuses([&] { b.extend(kept, 3); }, "Not enough space: 2 GB asked, 0 GB free");
  EXPECT_FALSE(b.locate(refused)) << "a refused create left a volume";
  EXPECT_EQ(b.size_gb(kept), 1) << "a refused extend grew it";
  EXPECT_EQ(b.capacity_gb().second, 0);
  EXPECT_GT(b.capacity_gb().first, 0);
  b.extend(kept, 1);  // its own size: nothing asked, nothing refused
  b.remove(kept);
  EXPECT_FALSE(b.locate(kept));
  board->clear();
  EXPECT_TRUE(board->describe().empty());
  b.create(refused, 1);
  b.extend(refused, 2);
  EXPECT_EQ(inner->size_gb(refused), 2) << "passed on once there is room";
}

}  // namespace
}  // namespace cumulo
