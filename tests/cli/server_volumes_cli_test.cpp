// Issue 17's walkthrough with the real `openstack` CLI (python3-
// openstackclient: its server commands through novaclient, its volume
// commands through cinderclient) against a real `cumulo serve`: a volume
// made and listed, attached to a server (in-use, the attachment on both
// sides: `volume show` and `server volume list`), detached, snapshotted, a
// second volume from the snapshot, the first extended, a server booted from
// a new 1 GB volume of an image (`server create --boot-from-volume 1`), and
// everything deleted.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "tests/cli/openstack_cli.hpp"
#include "tests/support/compute_servers_support.hpp"
#include "virt/host_command.hpp"

namespace cumulo {
namespace {

using nlohmann::json;

class ServerVolumesCli : public openstack_cli<servers_test> {
 protected:
  void SetUp() override {
    if (find_program({"qemu-img"}).empty()) GTEST_SKIP() << "qemu-img (qemu-utils) is missing";
    openstack_cli<servers_test>::SetUp();
  }
  static cli_user who(const member_account& m) { return {m.user_name, m.password, m.project_name}; }

  // The volume over HTTP, polled until its status is `wanted` (30 s).
  json wait_volume(const std::string& token, const std::string& id, const std::string& wanted) {
    json found;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      auto r = call("GET", "/volume/v3/volumes/" + id, token);
      found = r.status == 404 ? json{{"status", "404"}} : json_of(r)["volume"];
      if (found.value("status", "") == wanted) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return found;
  }
  // The command's JSON output; an empty object (and a failure) when it is none.
  json parsed(const command_result& r) {
    auto j = json::parse(r.out, nullptr, false);
    if (j.is_object() || j.is_array()) return j;
    ADD_FAILURE() << "not JSON: " << report(r);
    return json::object();
  }
};

TEST_F(ServerVolumesCli, TheIssuesWalkthrough) {
  auto m = make_member("vic");
  const cli_user me = who(m);
  auto step = [&](std::vector<std::string> args) {
    auto r = openstack(me, args);
    EXPECT_EQ(r.exit_code, 0) << report(r);
    return r;
  };
  step({"network", "create", "private"});
  step({"subnet", "create", "--network", "private", "--subnet-range", "10.0.0.0/24", "sub"});
  const auto file = dir.path() / "tiny.img";
  std::ofstream(file) << std::string(1 << 16, 'x');
  step({"image", "create", "--file", file.string(), "--disk-format", "raw", "--container-format",
        "bare", "tiny"});
  auto vm1 = parsed(step({"server", "create", "--image", "tiny", "--flavor", "m1.tiny", "--network",
                          "private", "--wait", "vm1", "-f", "json"}));
  const std::string server = vm1.value("id", "");
  ASSERT_FALSE(server.empty());

  auto v1 = parsed(step({"volume", "create", "--size", "1", "v1", "-f", "json"}));
  const std::string id = v1.value("id", "");
  ASSERT_EQ(wait_volume(m.token, id, "available").value("status", ""), "available");
  auto listed = parsed(step({"volume", "list", "-f", "json"}));
  ASSERT_TRUE(listed.is_array() && listed.size() == 1u) << listed.dump();
  EXPECT_EQ(listed[0]["Name"], "v1");

  // server add volume: POST os-volume_attachments; in-use, shown on both sides.
  step({"server", "add", "volume", "vm1", "v1"});
  EXPECT_EQ(wait_volume(m.token, id, "in-use").value("status", ""), "in-use");
  auto shown = parsed(step({"volume", "show", "v1", "-f", "json"}));
  EXPECT_NE(shown.dump().find(server), std::string::npos)
      << "the attachment names the server: " << shown.dump();
  auto on_server = parsed(step({"server", "volume", "list", "vm1", "-f", "json"}));
  ASSERT_TRUE(on_server.is_array() && on_server.size() == 1u) << on_server.dump();
  EXPECT_EQ(on_server[0].value("Volume ID", ""), id) << on_server.dump();
  EXPECT_EQ(on_server[0].value("Device", ""), "/dev/vdb") << on_server.dump();
  auto vm1_shown = parsed(step({"server", "show", "vm1", "-f", "json"}));
  EXPECT_NE(vm1_shown.dump().find(id), std::string::npos)
      << "volumes_attached: " << vm1_shown.dump();

  step({"server", "remove", "volume", "vm1", "v1"});
  EXPECT_EQ(wait_volume(m.token, id, "available").value("status", ""), "available");

  auto snap = parsed(step({"volume", "snapshot", "create", "--volume", "v1", "s1", "-f", "json"}));
  const std::string snap_id = snap.value("id", "");
  ASSERT_FALSE(snap_id.empty());
  json s = json::object();
  for (int i = 0; i < 300 && s.value("status", "") != "available"; ++i) {
    s = json_of(call("GET", "/volume/v3/snapshots/" + snap_id, m.token))["snapshot"];
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(s.value("status", ""), "available");
  auto v2 = parsed(step({"volume", "create", "--snapshot", "s1", "v2", "-f", "json"}));
  EXPECT_EQ(wait_volume(m.token, v2.value("id", ""), "available").value("status", ""), "available");
  step({"volume", "set", "--size", "2", "v1"});
  EXPECT_EQ(wait_volume(m.token, id, "available").value("size", 0), 2);

  // Boot from a new 1 GB volume of the image.
  auto vm2 =
      parsed(step({"server", "create", "--boot-from-volume", "1", "--image", "tiny", "--flavor",
                   "m1.tiny", "--network", "private", "--wait", "vm2", "-f", "json"}));
  EXPECT_EQ(vm2.value("status", ""), "ACTIVE") << vm2.dump();
  auto vm2_volumes = parsed(step({"server", "volume", "list", "vm2", "-f", "json"}));
  ASSERT_TRUE(vm2_volumes.is_array() && vm2_volumes.size() == 1u) << vm2_volumes.dump();
  EXPECT_EQ(vm2_volumes[0].value("Device", ""), "/dev/vda");
  const std::string root = vm2_volumes[0].value("Volume ID", "");
  EXPECT_EQ(wait_volume(m.token, root, "in-use").value("bootable", ""), "true");

  // Deletes: servers first (the root volume, not delete_on_termination by
  // the CLI's default, stays available), then the rest.
  step({"server", "delete", "--wait", "vm2"});
  step({"server", "delete", "--wait", "vm1"});
  EXPECT_EQ(wait_volume(m.token, root, "available").value("status", ""), "available");
  step({"volume", "delete", "v2"});
  step({"volume", "snapshot", "delete", "s1"});
  EXPECT_EQ(wait_volume(m.token, v2.value("id", ""), "404").value("status", ""), "404");
  for (int i = 0; i < 300; ++i) {
    if (call("GET", "/volume/v3/snapshots/" + snap_id, m.token).status == 404) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  step({"volume", "delete", "v1", root});
  EXPECT_EQ(wait_volume(m.token, id, "404").value("status", ""), "404");
  EXPECT_EQ(wait_volume(m.token, root, "404").value("status", ""), "404");
}

}  // namespace
}  // namespace cumulo
