// api/compute_block_devices: which block_device_mapping_v2 bodies boot from
// a volume, which are the plain image boot, and Nova's 400s for the rest.
#include <gtest/gtest.h>

#include "api/compute_block_devices.hpp"

namespace cumulo::api {
namespace {

using nlohmann::json;

json server_with(json mappings) { return {{"name", "s"}, {"block_device_mapping_v2", mappings}}; }

TEST(BlockDevices, NoMappingIsTheImageBoot) {
  auto p = parse_boot_volume({{"name", "s"}, {"imageRef", "x"}}, 1);
  EXPECT_FALSE(p.error);
  EXPECT_FALSE(p.boot.requested());
  // The image's own disk named as a mapping is that boot too.
  p = parse_boot_volume(
      server_with({{{"boot_index", 0}, {"uuid", "img"}, {"source_type", "image"},
                    {"destination_type", "local"}}}),
      1);
  EXPECT_FALSE(p.error);
  EXPECT_FALSE(p.boot.requested());
}

TEST(BlockDevices, AVolumeFromAnImageNeedsASize) {
  json m = {{"boot_index", "0"},
            {"uuid", "img"},
            {"source_type", "image"},
            {"destination_type", "volume"},
            {"delete_on_termination", "True"}};
  auto p = parse_boot_volume(server_with({m}), 1);
  ASSERT_TRUE(p.error);
  EXPECT_EQ(*p.error,
            "Images with destination_type 'volume' need to have a non-zero size specified");
  m["volume_size"] = "2";
  p = parse_boot_volume(server_with({m}), 1);
  ASSERT_FALSE(p.error) << *p.error;
  EXPECT_EQ(p.boot.source_type, "image");
  EXPECT_EQ(p.boot.uuid, "img");
  EXPECT_EQ(p.boot.volume_size, 2);
  EXPECT_TRUE(p.boot.delete_on_termination);
  EXPECT_TRUE(p.boot.volume_id.empty()) << "the door names it";
}

TEST(BlockDevices, AnExistingVolume) {
  auto p = parse_boot_volume(server_with({{{"boot_index", 0},
                                           {"uuid", "vol"},
                                           {"source_type", "volume"},
                                           {"destination_type", "volume"}}}),
                             1);
  ASSERT_FALSE(p.error) << *p.error;
  EXPECT_EQ(p.boot.source_type, "volume");
  EXPECT_FALSE(p.boot.delete_on_termination) << "Nova's default";
}

TEST(BlockDevices, WhatCumuloRefusesInNovasWords) {
  const json volume = {{"boot_index", 0},
                       {"uuid", "v"},
                       {"source_type", "volume"},
                       {"destination_type", "volume"}};
  // Two boot volumes, a blank local disk, a non-boot volume, a snapshot.
  EXPECT_TRUE(parse_boot_volume(server_with({volume, volume}), 1).error);
  EXPECT_TRUE(parse_boot_volume(server_with({{{"source_type", "blank"},
                                              {"destination_type", "local"},
                                              {"boot_index", -1}}}),
                                1)
                  .error);
  json extra = volume;
  extra["boot_index"] = 1;
  EXPECT_TRUE(parse_boot_volume(server_with({extra}), 1).error);
  json snap = volume;
  snap["source_type"] = "snapshot";
  EXPECT_TRUE(parse_boot_volume(server_with({snap}), 1).error);
  // Values Nova's schema refuses.
  json bad = volume;
  bad["boot_index"] = "zero";
  EXPECT_TRUE(parse_boot_volume(server_with({bad}), 1).error);
  bad = volume;
  bad["boot_index"] = "99999999999999999999";
  EXPECT_TRUE(parse_boot_volume(server_with({bad}), 1).error) << "no overflow";
  bad = volume;
  bad["delete_on_termination"] = "maybe";
  EXPECT_TRUE(parse_boot_volume(server_with({bad}), 1).error);
  bad = volume;
  bad["uuid"] = "";
  EXPECT_TRUE(parse_boot_volume(server_with({bad}), 1).error);
  // volume_type is 2.67's.
  json typed = volume;
  typed["volume_type"] = "fast";
  EXPECT_TRUE(parse_boot_volume(server_with({typed}), 66).error);
  auto p = parse_boot_volume(server_with({typed}), 67);
  ASSERT_FALSE(p.error);
  EXPECT_EQ(p.boot.volume_type, "fast");
}

}  // namespace
}  // namespace cumulo::api
