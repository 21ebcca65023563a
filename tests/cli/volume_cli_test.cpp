// The real `openstack` CLI's volume commands against a real `cumulo serve`,
// in a clean environment (env -i). OSC 6.0 runs them through
// python3-cinderclient (9.1) at volume API 3.0 (no version header), on the
// catalog's `volumev3` endpoint (/volume/v3, no project id); a name is
// looked up as `GET /volumes/<name>` (404) then
// `GET /volumes/detail?all_tenants=1&name=<name>`. A member creates a
// volume, waits for it, lists, shows, extends and renames it, snapshots it,
// makes a second volume from the snapshot, is refused the delete of the
// first while the snapshot is there, deletes the snapshot and both volumes;
// reads the types, its quotas and limits; an admin makes a type a member
// may not. With Glance: `volume create --image` makes a bootable volume of
// an image the member uploaded, and `image create --volume` (cinderclient's
// os-volume_upload_image at 3.0) makes an image of it.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "tests/cli/openstack_cli.hpp"
#include "virt/host_command.hpp"

namespace cumulo {
namespace {

using nlohmann::json;

// Glance's kernel_id is an image id (its schema wants a UUID).
const std::string kKernel = "3f0c8d2e-6a1b-4c5d-9e7f-0a1b2c3d4e5f";

class VolumeCli : public openstack_cli_test {
 protected:
  void SetUp() override {
    // The file backend copies snapshots and volumes with qemu-img.
    if (find_program({"qemu-img"}).empty()) GTEST_SKIP() << "qemu-img (qemu-utils) is missing";
    openstack_cli_test::SetUp();
  }

  static cli_user who(const member_account& m) { return {m.user_name, m.password, m.project_name}; }

  // A volume's or a snapshot's object over HTTP ({"status": "404"} once it
  // is gone), polled until its status is `wanted` (30 s at most).
  json wait_for(const std::string& token, const std::string& collection, const std::string& key,
                const std::string& id, const std::string& wanted) {
    json found;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      auto r = call("GET", "/volume/v3/" + collection + "/" + id, token);
      found = r.status == 404 ? json{{"status", "404"}} : json_of(r)[key];
      if (found.value("status", "") == wanted) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return found;
  }
  json wait_volume(const std::string& token, const std::string& id, const std::string& wanted) {
    return wait_for(token, "volumes", "volume", id, wanted);
  }
};

TEST_F(VolumeCli, AVolumesLifeWithTheOpenstackCli) {
  auto m = make_member("cleo");
  const cli_user me = who(m);

  // POST /volumes {"volume": {"size": 1, "name": "v1", "metadata": {}, and
  // nulls for the rest}}: 202 with the volume, creating.
  auto made = openstack(me, {"volume", "create", "--size", "1", "v1", "-f", "json"});
  ASSERT_EQ(made.exit_code, 0) << report(made);
  auto v = json_out(made);
  EXPECT_EQ(v.value("name", ""), "v1") << report(made);
  EXPECT_EQ(v.value("size", 0), 1) << report(made);
  EXPECT_EQ(v.value("type", ""), "__DEFAULT__") << report(made);
  const std::string id = v.value("id", "");
  ASSERT_FALSE(id.empty()) << report(made);
  EXPECT_EQ(wait_volume(m.token, id, "available").value("status", ""), "available");

  auto shown = openstack(me, {"volume", "show", "v1", "-f", "json"});
  ASSERT_EQ(shown.exit_code, 0) << report(shown);
  auto s = json_out(shown);
  EXPECT_EQ(s.value("id", ""), id) << report(shown);
  EXPECT_EQ(s.value("status", ""), "available") << report(shown);
  EXPECT_EQ(s.value("bootable", ""), "false") << report(shown);
  EXPECT_EQ(s.value("os-vol-tenant-attr:tenant_id", ""), m.project_id) << report(shown);

  // GET /volumes/detail (and novaclient's server list, for the names of
  // servers volumes are attached to).
  auto listed = openstack(me, {"volume", "list", "-f", "json"});
  ASSERT_EQ(listed.exit_code, 0) << report(listed);
  auto rows = json_out(listed);
  ASSERT_TRUE(rows.is_array() && rows.size() == 1) << report(listed);
  EXPECT_EQ(rows[0].value("ID", ""), id);
  EXPECT_EQ(rows[0].value("Name", ""), "v1");
  EXPECT_EQ(rows[0].value("Status", ""), "available");
  EXPECT_EQ(rows[0].value("Size", 0), 1);

  // POST /volumes/{id}/action {"os-extend": {"new_size": 2}} (OSC wants the
  // volume available at 3.0), then PUT /volumes/{id} {"volume":
  // {"display_name": "data"}}.
  auto extended = openstack(me, {"volume", "set", "--size", "2", "v1"});
  ASSERT_EQ(extended.exit_code, 0) << report(extended);
  auto grown = wait_volume(m.token, id, "available");
  EXPECT_EQ(grown.value("size", 0), 2) << grown.dump();
  auto renamed = openstack(me, {"volume", "set", "--name", "data", "v1"});
  ASSERT_EQ(renamed.exit_code, 0) << report(renamed);
  auto by_id = openstack(me, {"volume", "show", id, "-f", "json"});
  ASSERT_EQ(by_id.exit_code, 0) << report(by_id);
  EXPECT_EQ(json_out(by_id).value("name", ""), "data") << report(by_id);
  EXPECT_EQ(json_out(by_id).value("size", 0), 2) << report(by_id);

  // POST /snapshots {"snapshot": {"volume_id", "force": false, "name": "s1",
  // "description": null, "metadata": {}}}.
  auto snap =
      openstack(me, {"volume", "snapshot", "create", "--volume", "data", "s1", "-f", "json"});
  ASSERT_EQ(snap.exit_code, 0) << report(snap);
  const std::string sid = json_out(snap).value("id", "");
  ASSERT_FALSE(sid.empty()) << report(snap);
  EXPECT_EQ(wait_for(m.token, "snapshots", "snapshot", sid, "available").value("status", ""),
            "available");

  // The snapshot is looked up (GET /snapshots/s1, then by name) and its size
  // is the new volume's: POST /volumes {"volume": {"size": 2, "snapshot_id"}}.
  auto copy = openstack(me, {"volume", "create", "--snapshot", "s1", "v2", "-f", "json"});
  ASSERT_EQ(copy.exit_code, 0) << report(copy);
  const std::string id2 = json_out(copy).value("id", "");
  EXPECT_EQ(json_out(copy).value("size", 0), 2) << report(copy);
  EXPECT_EQ(json_out(copy).value("snapshot_id", ""), sid) << report(copy);
  EXPECT_EQ(wait_volume(m.token, id2, "available").value("status", ""), "available");

  // The volume with a snapshot stays, in Cinder's words.
  auto refused = openstack(me, {"volume", "delete", "data"});
  EXPECT_NE(refused.exit_code, 0) << report(refused);
  EXPECT_NE(refused.err.find("have snapshots"), std::string::npos) << report(refused);
  EXPECT_NE(refused.err.find("(HTTP 400)"), std::string::npos) << report(refused);

  // DELETE /snapshots/{id}, then DELETE /volumes/{id} for each. The volume
  // lets go of its snapshot right after the snapshot is gone, well before
  // another CLI process has started.
  auto snap_deleted = openstack(me, {"volume", "snapshot", "delete", "s1"});
  ASSERT_EQ(snap_deleted.exit_code, 0) << report(snap_deleted);
  EXPECT_EQ(wait_for(m.token, "snapshots", "snapshot", sid, "404").value("status", ""), "404");
  auto deleted = openstack(me, {"volume", "delete", "data", "v2"});
  ASSERT_EQ(deleted.exit_code, 0) << report(deleted);
  EXPECT_EQ(wait_volume(m.token, id, "404").value("status", ""), "404");
  EXPECT_EQ(wait_volume(m.token, id2, "404").value("status", ""), "404");
  auto none = openstack(me, {"volume", "list", "-f", "json"});
  ASSERT_EQ(none.exit_code, 0) << report(none);
  EXPECT_EQ(json_out(none).size(), 0u) << report(none);

  // Another project's member does not find the volumes by name.
  auto other = make_member("cato");
  const std::string left = json_of(call("POST", "/volume/v3/volumes", m.token,
                                        {{"volume", {{"size", 1}, {"name", "mine"}}}}))["volume"]
                               .value("id", "");
  auto foreign = openstack(who(other), {"volume", "show", "mine"});
  EXPECT_NE(foreign.exit_code, 0) << report(foreign);
  EXPECT_NE(foreign.err.find("No volume with a name or ID of 'mine' exists."), std::string::npos)
      << report(foreign);
  EXPECT_EQ(wait_volume(m.token, left, "available").value("status", ""), "available");
}

TEST_F(VolumeCli, TypesQuotasAndLimits) {
  auto m = make_member("dora");
  // GET /types?is_public=None: a member sees the public ones.
  auto types = openstack(who(m), {"volume", "type", "list", "-f", "json"});
  ASSERT_EQ(types.exit_code, 0) << report(types);
  EXPECT_EQ(column(json_out(types), "Name"), std::set<std::string>{"__DEFAULT__"}) << report(types);

  auto refused = openstack(who(m), {"volume", "type", "create", "gold"});
  EXPECT_NE(refused.exit_code, 0) << report(refused);
  EXPECT_NE(refused.err.find("Policy doesn't allow volume_extension:type_create to be performed. "
                             "(HTTP 403)"),
            std::string::npos)
      << report(refused);
  // POST /types {"volume_type": {"name": "gold", "description": null,
  // "os-volume-type-access:is_public": false}}.
  auto made = cli({"volume", "type", "create", "--private", "gold", "-f", "json"});
  ASSERT_EQ(made.exit_code, 0) << report(made);
  EXPECT_EQ(json_out(made).value("name", ""), "gold") << report(made);
  auto all = cli({"volume", "type", "list", "-f", "json"});
  ASSERT_EQ(all.exit_code, 0) << report(all);
  EXPECT_EQ(column(json_out(all), "Name"), (std::set<std::string>{"__DEFAULT__", "gold"}))
      << report(all);
  auto still = openstack(who(m), {"volume", "type", "list", "-f", "json"});
  EXPECT_EQ(column(json_out(still), "Name"), std::set<std::string>{"__DEFAULT__"}) << report(still);

  // `quota show` reads Cinder's GET /os-quota-sets/{project}?usage=False
  // beside Nova's and Neutron's.
  auto quota = openstack(who(m), {"quota", "show", "-f", "json"});
  ASSERT_EQ(quota.exit_code, 0) << report(quota);
  auto q = json_out(quota);
  EXPECT_EQ(q.value("volumes", 0), 10) << report(quota);
  EXPECT_EQ(q.value("snapshots", 0), 10) << report(quota);
  EXPECT_EQ(q.value("gigabytes", 0), 1000) << report(quota);
  EXPECT_EQ(q.value("per-volume-gigabytes", 0), -1) << report(quota);
  EXPECT_EQ(q.value("instances", 0), 10) << "Nova's are still there\n" << report(quota);

  // `limits show` adds Cinder's GET /limits to Nova's (it looks the
  // volumev3 service up in the catalog by that name).
  auto limits = openstack(who(m), {"limits", "show", "--absolute", "-f", "json"});
  ASSERT_EQ(limits.exit_code, 0) << report(limits);
  std::map<std::string, long> absolute;
  for (const auto& row : json_out(limits))
    if (row["Value"].is_number_integer())
      absolute[row.value("Name", "")] = row["Value"].get<long>();
  EXPECT_EQ(absolute["maxTotalVolumes"], 10) << report(limits);
  EXPECT_EQ(absolute["maxTotalVolumeGigabytes"], 1000) << report(limits);
  EXPECT_EQ(absolute["totalVolumesUsed"], 0) << report(limits);
  EXPECT_EQ(absolute["maxTotalInstances"], 10) << report(limits);

  // An admin's changes: a type's properties (POST /types/{id}/extra_specs,
  // DELETE .../{key}), its name (PUT /types/{id}), and the member's
  // project's Cinder quota (PUT /os-quota-sets/{project}).
  auto silver = cli({"volume", "type", "create", "--property", "tier=2", "silver", "-f", "json"});
  ASSERT_EQ(silver.exit_code, 0) << report(silver);
  auto set =
      cli({"volume", "type", "set", "--property", "speed=fast", "--name", "argent", "silver"});
  ASSERT_EQ(set.exit_code, 0) << report(set);
  auto unset = cli({"volume", "type", "unset", "--property", "tier", "argent"});
  ASSERT_EQ(unset.exit_code, 0) << report(unset);
  auto shown = cli({"volume", "type", "show", "argent", "-f", "json"});
  ASSERT_EQ(shown.exit_code, 0) << report(shown);
  const std::string props = json_out(shown)["properties"].dump();
  EXPECT_NE(props.find("speed"), std::string::npos) << report(shown);
  EXPECT_EQ(props.find("tier"), std::string::npos) << report(shown);
  auto denied = openstack(who(m), {"volume", "type", "set", "--property", "x=y", "argent"});
  EXPECT_NE(denied.exit_code, 0) << report(denied);

  auto raised = cli({"quota", "set", "--volumes", "3", "--gigabytes", "20", m.project_id});
  ASSERT_EQ(raised.exit_code, 0) << report(raised);
  auto after = openstack(who(m), {"quota", "show", "-f", "json"});
  ASSERT_EQ(after.exit_code, 0) << report(after);
  EXPECT_EQ(json_out(after).value("volumes", 0), 3) << report(after);
  EXPECT_EQ(json_out(after).value("gigabytes", 0), 20) << report(after);
  auto mine = openstack(who(m), {"quota", "set", "--volumes", "30", m.project_id});
  EXPECT_NE(mine.exit_code, 0) << "a member sets no quota\n" << report(mine);
}

TEST_F(VolumeCli, AVolumeFromAnImageAndAnImageFromTheVolume) {
  auto m = make_member("vince");
  const cli_user me = who(m);
  const auto file = dir.path() / "guest.raw";
  {
    std::ofstream out(file, std::ios::binary);
    for (int i = 0; i < (1 << 20); ++i) out.put(static_cast<char>(i % 253));
  }
  auto uploaded = openstack(
      me, {"image", "create", "--disk-format", "raw", "--container-format", "bare", "--file",
           file.string(), "--property", "kernel_id=" + kKernel, "guest", "-f", "json"});
  ASSERT_EQ(uploaded.exit_code, 0) << report(uploaded);
  const std::string image = json_out(uploaded).value("id", "");
  ASSERT_FALSE(image.empty()) << report(uploaded);

  // The image is looked up through Glance (by name), then POST /volumes
  // {"volume": {"size": 1, "imageRef": <id>, ...}}.
  auto made =
      openstack(me, {"volume", "create", "--image", "guest", "--size", "1", "v", "-f", "json"});
  ASSERT_EQ(made.exit_code, 0) << report(made);
  const std::string id = json_out(made).value("id", "");
  ASSERT_FALSE(id.empty()) << report(made);
  auto ready = wait_volume(m.token, id, "available");
  EXPECT_EQ(ready.value("status", ""), "available") << ready.dump();
  auto shown = openstack(me, {"volume", "show", "v", "-f", "json"});
  ASSERT_EQ(shown.exit_code, 0) << report(shown);
  auto s = json_out(shown);
  EXPECT_EQ(s.value("bootable", ""), "true") << report(shown);
  ASSERT_TRUE(s["volume_image_metadata"].is_object()) << report(shown);
  EXPECT_EQ(s["volume_image_metadata"].value("image_id", ""), image) << report(shown);
  EXPECT_EQ(s["volume_image_metadata"].value("kernel_id", ""), kKernel) << report(shown);

  // POST /volumes/{id}/action {"os-volume_upload_image": {"force": false,
  // "image_name": "img2", "container_format": "bare", "disk_format": "raw"}}.
  auto copied = openstack(me, {"image", "create", "--volume", "v", "img2", "-f", "json"});
  ASSERT_EQ(copied.exit_code, 0) << report(copied);
  auto c = json_out(copied);
  EXPECT_EQ(c.value("status", ""), "uploading") << report(copied);
  EXPECT_EQ(c.value("image_name", ""), "img2") << report(copied);
  EXPECT_EQ(c.value("volume_type", ""), "__DEFAULT__") << report(copied);
  EXPECT_EQ(c.value("disk_format", ""), "raw") << report(copied);
  const std::string image2 = c.value("image_id", "");
  ASSERT_FALSE(image2.empty()) << report(copied);
  json img;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    img = json_of(call("GET", "/image/v2/images/" + image2, m.token));
    if (img.value("status", "") != "queued" && img.value("status", "") != "saving") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(img.value("status", ""), "active") << img.dump();
  EXPECT_EQ(img.value("size", 0L), 1L << 30) << img.dump();
  EXPECT_EQ(img.value("kernel_id", ""), kKernel) << img.dump();
  EXPECT_EQ(wait_volume(m.token, id, "available").value("status", ""), "available");
  auto listed = openstack(me, {"image", "show", "img2", "-f", "json"});
  ASSERT_EQ(listed.exit_code, 0) << report(listed);
  EXPECT_EQ(json_out(listed).value("status", ""), "active") << report(listed);
}

}  // namespace
}  // namespace cumulo
