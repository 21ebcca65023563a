#include "virt/fault_board.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace cumulo
