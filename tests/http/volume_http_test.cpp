// Cinder v3 over HTTP on a real `cumulo serve` (the file backend, in the
// data dir): the catalog names block storage under both its types; version
// discovery and the microversion echoed; a member's volume through its life
// (created `creating` then `available`, listed, shown, renamed, extended,
// snapshotted, copied from its snapshot, its delete refused while the
// snapshot is there, then everything deleted until 404), with the project id
// in the URL and without; metadata; quotas and limits, the quota exceeded in
// Cinder's words; another project's member finds nothing (404) and a URL
// naming another project is Cinder's 400; bad input is a 400 in Cinder's
// words; types are an admin's to make and anyone's to read. With Glance: a
// volume made from an image uploaded through Glance's API (its metadata
// shown as strings, bootable once written) and the images Cinder refuses;
// os-volume_upload_image's answer, the image it makes and the volume made
// back from it, and its refusals.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/keystone_client.hpp"
#include "virt/host_command.hpp"

namespace cumulo {
namespace {

using nlohmann::json;

// Glance's kernel_id and ramdisk_id are image ids (its schema wants UUIDs).
const std::string kKernel = "3f0c8d2e-6a1b-4c5d-9e7f-0a1b2c3d4e5f";
const std::string kRamdisk = "7b2e4f6a-8c0d-4e1f-a2b3-c4d5e6f7a8b9";

// Cinder's error body: one key (badRequest, itemNotFound, forbidden,
// overLimit...) holding the code and a message that contains `part`.
void expect_cinder_error(const http_response& r, int code, const std::string& key,
                         const std::string& part) {
  EXPECT_EQ(r.status, code) << r.body;
  auto body = json_of(r);
  ASSERT_TRUE(body.is_object() && body.size() == 1 && body.contains(key)) << r.body;
  EXPECT_EQ(body[key].value("code", 0), code) << r.body;
  EXPECT_NE(body[key].value("message", "").find(part), std::string::npos)
      << "wanted '" << part << "' in " << r.body;
}

class VolumeHttp : public identity_test {
 protected:
  void SetUp() override {
    // The file backend copies snapshots and volumes with qemu-img.
    if (find_program({"qemu-img"}).empty()) GTEST_SKIP() << "qemu-img (qemu-utils) is missing";
    identity_test::SetUp();
  }

  // /volume/v3/{project}<path>, or /volume/v3<path> when project is "".
  http_response volume(const std::string& method, const std::string& path, const std::string& token,
                       const json& body = nullptr, const std::string& project = "",
                       std::map<std::string, std::string> headers = {}) {
    const std::string prefix = project.empty() ? "/volume/v3" : "/volume/v3/" + project;
    return call(method, prefix + path, token, body, std::move(headers));
  }

  // The resource once its status is none of creating, extending, deleting
  // (30 s at most); {"status": "404"} once it is gone.
  json settle(const std::string& token, const std::string& collection, const std::string& key,
              const std::string& id) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    json found;
    while (std::chrono::steady_clock::now() < deadline) {
      auto r = volume("GET", "/" + collection + "/" + id, token);
      if (r.status == 404) return json{{"status", "404"}};
      found = json_of(r)[key];
      const std::string status = found.value("status", "");
      if (status != "creating" && status != "extending" && status != "deleting") return found;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << collection << " " << id << " stayed " << found.dump();
    return found;
  }
  json settle_volume(const std::string& token, const std::string& id) {
    return settle(token, "volumes", "volume", id);
  }
  json settle_snapshot(const std::string& token, const std::string& id) {
    return settle(token, "snapshots", "snapshot", id);
  }

  // A new volume of `size` GB, once available; its id.
  std::string make_volume(const std::string& token, const std::string& name, int size = 1) {
    auto r = volume("POST", "/volumes", token, {{"volume", {{"size", size}, {"name", name}}}});
    EXPECT_EQ(r.status, 202) << r.body;
    const std::string id = json_of(r)["volume"].value("id", "");
    EXPECT_EQ(settle_volume(token, id).value("status", ""), "available");
    return id;
  }

  // An image uploaded through Glance's API by `token`'s project: `bytes`
  // of raw data, with `extra` (properties, min_disk...) at its create; its
  // id once active.
  std::string glance_image(const std::string& token, const std::string& name,
                           const std::string& bytes, json extra = json::object()) {
    json body = {{"name", name}, {"disk_format", "raw"}, {"container_format", "bare"}};
    body.update(extra);
    auto made = call("POST", "/image/v2/images", token, body);
    EXPECT_EQ(made.status, 201) << made.body;
    const std::string id = json_of(made).value("id", "");
    auto put = raw("PUT", "/image/v2/images/" + id + "/file", bytes,
                   {{"X-Auth-Token", token}, {"Content-Type", "application/octet-stream"}});
    EXPECT_EQ(put.status, 204) << put.body;
    return id;
  }
  // The image's Glance body once it is no longer queued or saving (30 s).
  json settle_image(const std::string& token, const std::string& id) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    json found;
    while (std::chrono::steady_clock::now() < deadline) {
      auto r = call("GET", "/image/v2/images/" + id, token);
      if (r.status == 404) return json{{"status", "404"}};
      found = json_of(r);
      const std::string status = found.value("status", "");
      if (status != "queued" && status != "saving") return found;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "image " << id << " stayed " << found.dump();
    return found;
  }
  // The volume once it is no longer uploading (30 s).
  json settle_upload(const std::string& token, const std::string& id) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    json found;
    while (std::chrono::steady_clock::now() < deadline) {
      found = json_of(volume("GET", "/volumes/" + id, token))["volume"];
      if (found.value("status", "") != "uploading") return found;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "volume " << id << " stayed uploading";
    return found;
  }
  std::filesystem::path volume_file(const std::string& id) {
    return dir.path() / "data" / "volumes" / ("volume-" + id);
  }

  // DELETE of a volume: the snapshot it had is unlisted just after the
  // snapshot is gone, so a 400 right then is retried (5 s at most).
  long delete_volume(const std::string& token, const std::string& id) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    http_response r;
    do {
      r = volume("DELETE", "/volumes/" + id, token);
      if (r.status != 400) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    } while (std::chrono::steady_clock::now() < deadline);
    EXPECT_EQ(r.status, 202) << r.body;
    return r.status;
  }
};

TEST_F(VolumeHttp, TheCatalogAndVersionDiscovery) {
  // Both of block storage's types, one URL, on the address the client used.
  std::map<std::string, std::string> urls;
  const json token = json_of(admin);
  for (const auto& service : token["token"]["catalog"])
    for (const auto& e : service["endpoints"])
      if (e["interface"] == "public")
        urls[service["type"].get<std::string>()] = e["url"].get<std::string>();
  EXPECT_EQ(urls["block-storage"], cloud->url("/volume/v3"));
  EXPECT_EQ(urls["volumev3"], cloud->url("/volume/v3"));

  auto root = raw("GET", "/volume", "", {});
  EXPECT_EQ(root.status, 300) << root.body;
  auto versions = json_of(root)["versions"];
  ASSERT_TRUE(versions.is_array() && versions.size() == 1) << root.body;
  EXPECT_EQ(versions[0]["id"], "v3.0");
  EXPECT_EQ(versions[0]["status"], "CURRENT");
  EXPECT_EQ(versions[0]["min_version"], "3.0");
  EXPECT_EQ(versions[0]["version"], "3.70");
  bool self = false;
  for (const auto& link : versions[0]["links"])
    self = self || (link["rel"] == "self" && link["href"] == cloud->url("/volume/v3/"));
  EXPECT_TRUE(self) << root.body;
  auto v3 = raw("GET", "/volume/v3", "", {});
  EXPECT_EQ(v3.status, 200) << v3.body;
  EXPECT_EQ(json_of(v3)["versions"], versions);
  EXPECT_EQ(v3.headers["openstack-api-version"], "volume 3.0");

  // The version asked for is echoed with Vary; none is 3.0, latest 3.70.
  auto at =
      volume("GET", "/types", admin_token, nullptr, "", {{"OpenStack-API-Version", "volume 3.59"}});
  EXPECT_EQ(at.status, 200) << at.body;
  EXPECT_EQ(at.headers["openstack-api-version"], "volume 3.59");
  EXPECT_EQ(at.headers["vary"], "OpenStack-API-Version");
  EXPECT_EQ(volume("GET", "/types", admin_token).headers["openstack-api-version"], "volume 3.0");
  EXPECT_EQ(volume("GET", "/types", admin_token, nullptr, "",
                   {{"OpenStack-API-Version", "volume latest"}})
                .headers["openstack-api-version"],
            "volume 3.70");
  expect_cinder_error(
      volume("GET", "/types", admin_token, nullptr, "", {{"OpenStack-API-Version", "volume 3.71"}}),
      406, "computeFault",
      "Version 3.71 is not supported by the API. Minimum is 3.0 and maximum is "
      "3.70.");
  expect_cinder_error(
      volume("GET", "/types", admin_token, nullptr, "", {{"OpenStack-API-Version", "volume 3.x"}}),
      400, "badRequest",
      "API Version String 3.x is of invalid format. Must be of format "
      "MajorNum.MinorNum.");

  // An unknown route under /volume is a 404 in Cinder's format; no token, 401.
  expect_cinder_error(volume("GET", "/backups", admin_token), 404, "itemNotFound", "");
  expect_cinder_error(volume("GET", "/volumes", ""), 401, "unauthorized", "");
}

TEST_F(VolumeHttp, AMembersVolumeThroughItsLife) {
  auto m = make_member("vera");
  // Created with the project id in the URL: 202, creating, the default type.
  auto made = volume(
      "POST", "/volumes", m.token,
      {{"volume",
        {{"size", 1}, {"name", "v1"}, {"description", "first"}, {"metadata", {{"tier", "gold"}}}}}},
      m.project_id);
  ASSERT_EQ(made.status, 202) << made.body;
  auto v = json_of(made)["volume"];
  EXPECT_EQ(v["status"], "creating");
  EXPECT_EQ(v["size"], 1);
  EXPECT_EQ(v["name"], "v1");
  EXPECT_EQ(v["description"], "first");
  EXPECT_EQ(v["volume_type"], "__DEFAULT__");
  EXPECT_EQ(v["availability_zone"], "nova");
  EXPECT_EQ(v["bootable"], "false") << "a string, as Cinder's";
  EXPECT_EQ(v["encrypted"], false);
  EXPECT_EQ(v["multiattach"], false);
  EXPECT_EQ(v["attachments"], json::array());
  EXPECT_EQ(v["user_id"], m.user_id);
  EXPECT_EQ(v["os-vol-tenant-attr:tenant_id"], m.project_id);
  EXPECT_FALSE(v.contains("os-vol-host-attr:host")) << "an admin's";
  // Cinder's time stamps: microseconds, no zone.
  const std::string created = v.value("created_at", "");
  EXPECT_EQ(created.size(), 26u) << created;
  EXPECT_EQ(created.find('Z'), std::string::npos) << created;
  const std::string id = v.value("id", "");
  ASSERT_FALSE(id.empty()) << made.body;
  auto ready = settle_volume(m.token, id);
  EXPECT_EQ(ready["status"], "available") << ready.dump();

  // Listed with and without the project in the URL; /volumes is the summary.
  auto listed = volume("GET", "/volumes", m.token);
  ASSERT_EQ(listed.status, 200) << listed.body;
  auto summary = json_of(listed)["volumes"];
  ASSERT_EQ(summary.size(), 1u) << listed.body;
  EXPECT_EQ(summary[0]["id"], id);
  EXPECT_EQ(summary[0]["name"], "v1");
  EXPECT_TRUE(summary[0]["links"].is_array());
  EXPECT_FALSE(summary[0].contains("status"));
  auto detailed =
      json_of(volume("GET", "/volumes/detail?name=v1", m.token, nullptr, m.project_id))["volumes"];
  ASSERT_EQ(detailed.size(), 1u);
  EXPECT_EQ(detailed[0]["metadata"], json({{"tier", "gold"}}));
  EXPECT_EQ(json_of(volume("GET", "/volumes/detail?name=other", m.token))["volumes"].size(), 0u);
  EXPECT_EQ(json_of(volume("GET", "/volumes/detail?status=error", m.token))["volumes"].size(), 0u);

  // Renamed as OSC renames (display_name); the metadata merged and unset.
  auto renamed = volume("PUT", "/volumes/" + id, m.token, {{"volume", {{"display_name", "data"}}}});
  ASSERT_EQ(renamed.status, 200) << renamed.body;
  EXPECT_EQ(json_of(renamed)["volume"]["name"], "data");
  auto merged =
      volume("POST", "/volumes/" + id + "/metadata", m.token, {{"metadata", {{"a", "1"}}}});
  ASSERT_EQ(merged.status, 200) << merged.body;
  EXPECT_EQ(json_of(merged)["metadata"], json({{"a", "1"}, {"tier", "gold"}}));
  EXPECT_EQ(json_of(volume("GET", "/volumes/" + id + "/metadata/a", m.token))["meta"],
            json({{"a", "1"}}));
  EXPECT_EQ(volume("DELETE", "/volumes/" + id + "/metadata/a", m.token).status, 200);
  expect_cinder_error(volume("GET", "/volumes/" + id + "/metadata/a", m.token), 404, "itemNotFound",
                      "has no metadata with key a.");

  // Extended: larger only; extending, then the new size.
  expect_cinder_error(
      volume("POST", "/volumes/" + id + "/action", m.token, {{"os-extend", {{"new_size", 1}}}}),
      400, "badRequest", "New size for extend must be greater than current size.");
  auto extend =
      volume("POST", "/volumes/" + id + "/action", m.token, {{"os-extend", {{"new_size", 2}}}});
  ASSERT_EQ(extend.status, 202) << extend.body;
  EXPECT_TRUE(extend.body.empty()) << extend.body;
  auto grown = settle_volume(m.token, id);
  EXPECT_EQ(grown["status"], "available") << grown.dump();
  EXPECT_EQ(grown["size"], 2) << grown.dump();

  // A snapshot (OSC's body, nulls and all), then a volume from it.
  auto snap = volume("POST", "/snapshots", m.token,
                     {{"snapshot",
                       {{"volume_id", id},
                        {"force", false},
                        {"name", "s1"},
                        {"description", nullptr},
                        {"metadata", json::object()}}}});
  ASSERT_EQ(snap.status, 202) << snap.body;
  EXPECT_EQ(json_of(snap)["snapshot"]["status"], "creating");
  const std::string sid = json_of(snap)["snapshot"].value("id", "");
  auto s = settle_snapshot(m.token, sid);
  EXPECT_EQ(s["status"], "available") << s.dump();
  EXPECT_EQ(s["size"], 2);
  EXPECT_EQ(s["volume_id"], id);
  EXPECT_EQ(s["os-extended-snapshot-attributes:project_id"], m.project_id);
  EXPECT_EQ(s["os-extended-snapshot-attributes:progress"], "100%");
  auto snapshots = json_of(volume("GET", "/snapshots/detail?name=s1", m.token))["snapshots"];
  ASSERT_EQ(snapshots.size(), 1u);
  EXPECT_EQ(snapshots[0]["id"], sid);

  auto copy = volume("POST", "/volumes", m.token,
                     {{"volume", {{"snapshot_id", sid}, {"name", "v2"}, {"size", nullptr}}}});
  ASSERT_EQ(copy.status, 202) << copy.body;
  const std::string id2 = json_of(copy)["volume"].value("id", "");
  auto v2 = settle_volume(m.token, id2);
  EXPECT_EQ(v2["status"], "available") << v2.dump();
  EXPECT_EQ(v2["size"], 2) << "the snapshot's size";
  EXPECT_EQ(v2["snapshot_id"], sid);
  expect_cinder_error(
      volume("POST", "/volumes", m.token, {{"volume", {{"snapshot_id", sid}, {"size", 1}}}}), 400,
      "badRequest", "cannot be smaller than the snapshot size");

  // The volume keeps its snapshot: its delete is refused.
  expect_cinder_error(volume("DELETE", "/volumes/" + id, m.token), 400, "badRequest",
                      "have snapshots");

  // Gone in order: the snapshot, then both volumes, each until 404.
  auto snap_deleted = volume("DELETE", "/snapshots/" + sid, m.token);
  EXPECT_EQ(snap_deleted.status, 202) << snap_deleted.body;
  EXPECT_EQ(settle_snapshot(m.token, sid)["status"], "404");
  delete_volume(m.token, id);
  delete_volume(m.token, id2);
  EXPECT_EQ(settle_volume(m.token, id)["status"], "404");
  EXPECT_EQ(settle_volume(m.token, id2)["status"], "404");
  expect_cinder_error(volume("GET", "/volumes/" + id, m.token), 404, "itemNotFound",
                      "Volume " + id + " could not be found.");
  EXPECT_EQ(json_of(volume("GET", "/volumes/detail", m.token))["volumes"].size(), 0u);
}

TEST_F(VolumeHttp, ListsPageAndSort) {
  auto m = make_member("paula");
  const std::string a = make_volume(m.token, "a", 1);
  const std::string b = make_volume(m.token, "b", 3);
  const std::string c = make_volume(m.token, "c", 2);
  auto ids = [](const json& list) {
    std::vector<std::string> out;
    for (const auto& v : list) out.push_back(v.value("id", ""));
    return out;
  };
  // Newest first by default.
  EXPECT_EQ(ids(json_of(volume("GET", "/volumes", m.token))["volumes"]),
            (std::vector<std::string>{c, b, a}));
  EXPECT_EQ(ids(json_of(volume("GET", "/volumes/detail?sort=size:asc", m.token))["volumes"]),
            (std::vector<std::string>{a, c, b}));
  EXPECT_EQ(ids(json_of(volume("GET", "/volumes?sort_key=name&sort_dir=asc", m.token))["volumes"]),
            (std::vector<std::string>{a, b, c}));
  // A full page says where the next one begins.
  auto page = json_of(volume("GET", "/volumes?limit=2", m.token));
  EXPECT_EQ(ids(page["volumes"]), (std::vector<std::string>{c, b}));
  ASSERT_TRUE(page["volumes_links"].is_array()) << page.dump();
  EXPECT_NE(page["volumes_links"][0].value("href", "").find("marker=" + b), std::string::npos)
      << page.dump();
  EXPECT_EQ(ids(json_of(volume("GET", "/volumes?limit=2&marker=" + b, m.token))["volumes"]),
            (std::vector<std::string>{a}));
  // with_count is 3.45's.
  auto counted = json_of(volume("GET", "/volumes?limit=1&with_count=true", m.token, nullptr, "",
                                {{"OpenStack-API-Version", "volume 3.45"}}));
  EXPECT_EQ(counted["count"], 3) << counted.dump();
  expect_cinder_error(volume("GET", "/volumes?limit=x", m.token), 400, "badRequest",
                      "limit param must be an integer");
  expect_cinder_error(volume("GET", "/volumes?sort=size:sideways", m.token), 400, "badRequest",
                      "Unknown sort direction");
}

TEST_F(VolumeHttp, QuotasAndLimits) {
  auto m = make_member("quinn");
  auto q = volume("GET", "/os-quota-sets/" + m.project_id, m.token);
  ASSERT_EQ(q.status, 200) << q.body;
  auto set = json_of(q)["quota_set"];
  EXPECT_EQ(set["id"], m.project_id);
  EXPECT_EQ(set["volumes"], 10);
  EXPECT_EQ(set["snapshots"], 10);
  EXPECT_EQ(set["gigabytes"], 1000);
  EXPECT_EQ(set["backups"], 10);
  EXPECT_EQ(set["per_volume_gigabytes"], -1);
  EXPECT_EQ(set["volumes___DEFAULT__"], -1) << "each type's own, unlimited";
  EXPECT_EQ(json_of(volume("GET", "/os-quota-sets/" + m.project_id + "/defaults",
                           m.token))["quota_set"]["gigabytes"],
            1000);

  make_volume(m.token, "three", 3);
  auto used = json_of(
      volume("GET", "/os-quota-sets/" + m.project_id + "?usage=True", m.token))["quota_set"];
  EXPECT_EQ(used["volumes"], json({{"limit", 10}, {"in_use", 1}, {"reserved", 0}})) << used;
  EXPECT_EQ(used["gigabytes"]["in_use"], 3) << used;
  EXPECT_EQ(used["gigabytes___DEFAULT__"]["in_use"], 3) << used;

  auto limits = volume("GET", "/limits", m.token);
  ASSERT_EQ(limits.status, 200) << limits.body;
  auto absolute = json_of(limits)["limits"]["absolute"];
  EXPECT_EQ(absolute["maxTotalVolumes"], 10);
  EXPECT_EQ(absolute["maxTotalVolumeGigabytes"], 1000);
  EXPECT_EQ(absolute["maxTotalSnapshots"], 10);
  EXPECT_EQ(absolute["totalVolumesUsed"], 1);
  EXPECT_EQ(absolute["totalGigabytesUsed"], 3);
  EXPECT_EQ(absolute["totalSnapshotsUsed"], 0);
  EXPECT_EQ(json_of(limits)["limits"]["rate"], json::array());

  // Another project's quotas are an admin's to read.
  auto other = make_member("rita");
  expect_cinder_error(volume("GET", "/os-quota-sets/" + m.project_id, other.token), 403,
                      "forbidden",
                      "Policy doesn't allow volume_extension:quotas:show to be performed.");
  EXPECT_EQ(volume("GET", "/os-quota-sets/" + m.project_id, admin_token).status, 200);

  // Over the gigabytes quota: 413, in Cinder's words.
  expect_cinder_error(volume("POST", "/volumes", m.token, {{"volume", {{"size", 998}}}}), 413,
                      "overLimit",
                      "Requested volume or snapshot exceeds allowed gigabytes quota. Requested "
                      "998G, quota is 1000G and 3G has been consumed.");
}

TEST_F(VolumeHttp, AnotherProjectsVolumeIsNotFound) {
  auto m = make_member("owen");
  auto other = make_member("oscar");
  const std::string id = make_volume(m.token, "mine");
  expect_cinder_error(volume("GET", "/volumes/" + id, other.token), 404, "itemNotFound",
                      "Volume " + id + " could not be found.");
  EXPECT_EQ(volume("PUT", "/volumes/" + id, other.token, {{"volume", {{"name", "x"}}}}).status,
            404);
  EXPECT_EQ(volume("DELETE", "/volumes/" + id, other.token).status, 404);
  EXPECT_EQ(
      volume("POST", "/volumes/" + id + "/action", other.token, {{"os-extend", {{"new_size", 5}}}})
          .status,
      404);
  EXPECT_EQ(volume("GET", "/volumes/" + id + "/metadata", other.token).status, 404);
  EXPECT_EQ(json_of(volume("GET", "/volumes/detail?all_tenants=1", other.token))["volumes"].size(),
            0u)
      << "a member's all_tenants is ignored";
  // Nor may it take a copy of it.
  expect_cinder_error(
      volume("POST", "/snapshots", other.token, {{"snapshot", {{"volume_id", id}}}}), 404,
      "itemNotFound", "Volume " + id + " could not be found.");
  expect_cinder_error(volume("POST", "/volumes", other.token, {{"volume", {{"source_volid", id}}}}),
                      404, "itemNotFound", "Volume " + id + " could not be found.");
  // A URL that names another project: Cinder's 400, whoever asks.
  expect_cinder_error(volume("GET", "/volumes", other.token, nullptr, m.project_id), 400,
                      "badRequest", "Malformed request url");
  expect_cinder_error(volume("GET", "/volumes", admin_token, nullptr, m.project_id), 400,
                      "badRequest", "Malformed request url");

  // An admin sees it, with the admin's attributes, and every project's with
  // all_tenants.
  auto seen = volume("GET", "/volumes/" + id, admin_token);
  ASSERT_EQ(seen.status, 200) << seen.body;
  EXPECT_EQ(json_of(seen)["volume"]["os-vol-host-attr:host"], "cumulo@file#file");
  EXPECT_EQ(json_of(seen)["volume"]["os-vol-tenant-attr:tenant_id"], m.project_id);
  EXPECT_EQ(json_of(volume("GET", "/volumes/detail", admin_token))["volumes"].size(), 0u)
      << "its own project's";
  EXPECT_EQ(
      json_of(volume("GET", "/volumes/detail?all_tenants=True", admin_token))["volumes"].size(),
      1u);
  // Its reset of the status is an admin's.
  expect_cinder_error(volume("POST", "/volumes/" + id + "/action", m.token,
                             {{"os-reset_status", {{"status", "error"}}}}),
                      403, "forbidden",
                      "Policy doesn't allow volume_extension:volume_admin_actions:reset_status to "
                      "be performed.");
  EXPECT_EQ(volume("POST", "/volumes/" + id + "/action", admin_token,
                   {{"os-reset_status", {{"status", "error"}}}})
                .status,
            202);
  EXPECT_EQ(json_of(volume("GET", "/volumes/" + id, m.token))["volume"]["status"], "error");
}

TEST_F(VolumeHttp, BadInputIsA400InCindersWords) {
  auto m = make_member("bea");
  auto create = [&](const json& v) { return volume("POST", "/volumes", m.token, {{"volume", v}}); };
  expect_cinder_error(create({{"size", "big"}}), 400, "badRequest",
                      "Invalid input for field/attribute size.");
  expect_cinder_error(create({{"size", 0}}), 400, "badRequest",
                      "Invalid input for field/attribute size.");
  expect_cinder_error(volume("POST", "/volumes", m.token, {{"vol", {{"size", 1}}}}), 400,
                      "badRequest", "Invalid input");
  expect_cinder_error(create({{"name", "no size"}}), 400, "badRequest",
                      "must be an integer and greater than 0");
  // An image nobody has: Cinder's API says so for any reference it cannot use.
  expect_cinder_error(create({{"size", 1}, {"imageRef", "9d2e4c8a-3f4b-4b7a-9a55-1c0e6d2b7f10"}}),
                      400, "badRequest",
                      "Invalid image identifier or unable to access requested image.");
  expect_cinder_error(create({{"size", 1}, {"volume_type", "gold"}}), 404, "itemNotFound",
                      "Volume type gold could not be found.");
  expect_cinder_error(create({{"size", 1}, {"snapshot_id", "not-a-uuid"}}), 400, "badRequest",
                      "'not-a-uuid' is not a 'uuid'");
  expect_cinder_error(create({{"size", 1}, {"availability_zone", "mars"}}), 400, "badRequest",
                      "Availability zone 'mars' is invalid.");
  expect_cinder_error(create({{"size", 1}, {"metadata", {{"bad*key", "v"}}}}), 400, "badRequest",
                      "Additional properties are not allowed");
  // From 3.53 Cinder refuses what it does not know.
  expect_cinder_error(volume("POST", "/volumes", m.token, {{"volume", {{"size", 1}, {"x", 1}}}}, "",
                             {{"OpenStack-API-Version", "volume 3.53"}}),
                      400, "badRequest", "('x' was unexpected)");

  const std::string id = make_volume(m.token, "v");
  auto action = [&](const json& body) {
    return volume("POST", "/volumes/" + id + "/action", m.token, body);
  };
  expect_cinder_error(action({{"os-frobnicate", json::object()}}), 400, "badRequest",
                      "There is no such action: os-frobnicate");
  expect_cinder_error(action({{"os-attach", {{"mountpoint", "/dev/vdb"}}}}), 400, "badRequest",
                      "not supported by this cloud yet");
  expect_cinder_error(
      action({{"os-extend", {{"new_size", 2}}}, {"os-set_bootable", {{"bootable", true}}}}), 400,
      "badRequest", "Malformed request body");
  expect_cinder_error(action({{"os-extend", {{"size", 2}}}}), 400, "badRequest", "Invalid input");
  EXPECT_EQ(action({{"os-set_bootable", {{"bootable", true}}}}).status, 200);
  EXPECT_EQ(json_of(volume("GET", "/volumes/" + id, m.token))["volume"]["bootable"], "true");
  EXPECT_EQ(volume("DELETE", "/volumes/" + id + "?cascade=True", m.token).status, 400);

  // From 3.66 a snapshot's force of false is refused.
  expect_cinder_error(
      volume("POST", "/snapshots", m.token, {{"snapshot", {{"volume_id", id}, {"force", false}}}},
             "", {{"OpenStack-API-Version", "volume 3.66"}}),
      400, "badRequest", "Since microversion 3.66 the 'force' flag is invalid");
}

TEST_F(VolumeHttp, AnAdminChangesTypesAndQuotaSets) {
  auto m = make_member("tess");
  auto made = volume("POST", "/types", admin_token,
                     {{"volume_type", {{"name", "bronze"}, {"extra_specs", {{"tier", "3"}}}}}});
  ASSERT_EQ(made.status, 200) << made.body;
  const std::string id = json_of(made)["volume_type"].value("id", "");

  // Extra specs: set some (the answer is what was set), read, one key.
  auto set = volume("POST", "/types/" + id + "/extra_specs", admin_token,
                    {{"extra_specs", {{"multiattach", "<is> True"}, {"speed", "fast"}}}});
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(json_of(set)["extra_specs"].size(), 2u) << set.body;
  auto all = json_of(volume("GET", "/types/" + id + "/extra_specs", admin_token))["extra_specs"];
  EXPECT_EQ(all, (json{{"multiattach", "<is> True"}, {"speed", "fast"}, {"tier", "3"}}));
  // A member reads the ones Cinder calls user visible only.
  EXPECT_EQ(json_of(volume("GET", "/types/" + id + "/extra_specs", m.token))["extra_specs"],
            (json{{"multiattach", "<is> True"}}));
  expect_cinder_error(volume("GET", "/types/" + id + "/extra_specs/speed", m.token), 404,
                      "itemNotFound", "has no extra specs with key speed");
  EXPECT_EQ(json_of(volume("GET", "/types/" + id + "/extra_specs/speed", admin_token)),
            (json{{"speed", "fast"}}));
  auto one = volume("PUT", "/types/" + id + "/extra_specs/speed", admin_token, {{"speed", "slow"}});
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(json_of(one), (json{{"speed", "slow"}}));
  expect_cinder_error(
      volume("PUT", "/types/" + id + "/extra_specs/speed", admin_token, {{"other", "x"}}), 400,
      "badRequest", "Request body and URI mismatch");
  EXPECT_EQ(volume("DELETE", "/types/" + id + "/extra_specs/tier", admin_token).status, 202);
  expect_cinder_error(volume("DELETE", "/types/" + id + "/extra_specs/tier", admin_token), 404,
                      "itemNotFound", "has no extra specs with key tier");
  expect_cinder_error(
      volume("POST", "/types/" + id + "/extra_specs", m.token, {{"extra_specs", {{"a", "b"}}}}),
      403, "forbidden", "volume_extension:types_extra_specs:create");

  // The type itself: a new name (another type's is a 409), its visibility.
  auto renamed = volume("PUT", "/types/" + id, admin_token,
                        {{"volume_type", {{"name", "copper"}, {"description", "cheap"}}}});
  ASSERT_EQ(renamed.status, 200) << renamed.body;
  EXPECT_EQ(json_of(renamed)["volume_type"].value("name", ""), "copper");
  EXPECT_EQ(json_of(renamed)["volume_type"].value("description", ""), "cheap");
  expect_cinder_error(
      volume("PUT", "/types/" + id, admin_token, {{"volume_type", {{"name", "__DEFAULT__"}}}}), 409,
      "conflictingRequest", "already exists");
  expect_cinder_error(volume("PUT", "/types/" + id, admin_token, {{"volume_type", json::object()}}),
                      400, "badRequest", "Specify volume type name, description, is_public");
  expect_cinder_error(volume("PUT", "/types/" + id, m.token, {{"volume_type", {{"name", "mine"}}}}),
                      403, "forbidden", "volume_extension:type_update");

  // Quota sets: an admin's limits, checked against the usage; a reset.
  const std::string quota = "/os-quota-sets/" + m.project_id;
  auto q = volume("PUT", quota, admin_token,
                  {{"quota_set", {{"volumes", 2}, {"gigabytes", "5"}, {"volumes_copper", 1}}}});
  ASSERT_EQ(q.status, 200) << q.body;
  EXPECT_EQ(json_of(q)["quota_set"].value("volumes", 0), 2) << q.body;
  EXPECT_EQ(json_of(q)["quota_set"].value("gigabytes", 0), 5) << q.body;
  EXPECT_EQ(json_of(q)["quota_set"].value("volumes_copper", 0), 1) << q.body;
  EXPECT_FALSE(json_of(q)["quota_set"].contains("id"));
  expect_cinder_error(volume("PUT", quota, admin_token, {{"quota_set", {{"bananas", 2}}}}), 400,
                      "badRequest", "Bad key(s) in quota set: bananas");
  expect_cinder_error(volume("PUT", quota, admin_token, {{"quota_set", {{"volumes", "many"}}}}),
                      400, "badRequest", "must be an integer");
  expect_cinder_error(volume("PUT", quota, m.token, {{"quota_set", {{"volumes", 50}}}}), 403,
                      "forbidden", "volume_extension:quotas:update");
  make_volume(m.token, "one");
  make_volume(m.token, "two");
  expect_cinder_error(volume("POST", "/volumes", m.token, {{"volume", {{"size", 1}}}}), 413,
                      "overLimit", "Maximum number of volumes allowed (2) exceeded");
  expect_cinder_error(volume("PUT", quota, admin_token, {{"quota_set", {{"volumes", 1}}}}), 400,
                      "badRequest", "limit must be equal or greater than existing resources");
  EXPECT_EQ(volume("DELETE", quota, admin_token).status, 200);
  EXPECT_EQ(json_of(volume("GET", quota, m.token))["quota_set"].value("volumes", 0), 10);
}

TEST_F(VolumeHttp, TypesAreAnAdminsToMakeAndAnyonesToRead) {
  auto m = make_member("tess");
  auto types = json_of(volume("GET", "/types", m.token))["volume_types"];
  ASSERT_EQ(types.size(), 1u) << types;
  EXPECT_EQ(types[0]["name"], "__DEFAULT__");
  EXPECT_EQ(types[0]["is_public"], true);
  EXPECT_EQ(types[0]["os-volume-type-access:is_public"], true);
  EXPECT_EQ(json_of(volume("GET", "/types/default", m.token))["volume_type"]["name"],
            "__DEFAULT__");

  expect_cinder_error(volume("POST", "/types", m.token, {{"volume_type", {{"name", "gold"}}}}), 403,
                      "forbidden",
                      "Policy doesn't allow volume_extension:type_create to be performed.");
  auto made = volume(
      "POST", "/types", admin_token,
      {{"volume_type",
        {{"name", "gold"},
         {"description", "fast"},
         {"extra_specs", {{"volume_backend_name", "file"}, {"multiattach", "<is> True"}}}}}});
  ASSERT_EQ(made.status, 200) << made.body;
  auto gold = json_of(made)["volume_type"];
  EXPECT_EQ(gold["extra_specs"]["volume_backend_name"], "file") << "an admin reads them all";
  const std::string gold_id = gold.value("id", "");
  expect_cinder_error(volume("POST", "/types", admin_token, {{"volume_type", {{"name", "gold"}}}}),
                      409, "conflictingRequest", "Volume Type gold already exists.");
  // A member reads the specs Cinder calls user visible only.
  EXPECT_EQ(json_of(volume("GET", "/types/" + gold_id, m.token))["volume_type"]["extra_specs"],
            json({{"multiattach", "<is> True"}}));

  // A volume of that type (multiattach, from its spec): the type is in use.
  auto v =
      volume("POST", "/volumes", m.token, {{"volume", {{"size", 1}, {"volume_type", "gold"}}}});
  ASSERT_EQ(v.status, 202) << v.body;
  EXPECT_EQ(json_of(v)["volume"]["volume_type"], "gold");
  EXPECT_EQ(json_of(v)["volume"]["multiattach"], true);
  const std::string vid = json_of(v)["volume"].value("id", "");
  EXPECT_EQ(settle_volume(m.token, vid)["status"], "available");
  expect_cinder_error(volume("DELETE", "/types/" + gold_id, m.token), 403, "forbidden",
                      "Policy doesn't allow volume_extension:type_delete to be performed.");
  expect_cinder_error(volume("DELETE", "/types/" + gold_id, admin_token), 400, "badRequest",
                      "Target volume type is still in use.");
  delete_volume(m.token, vid);
  EXPECT_EQ(settle_volume(m.token, vid)["status"], "404");
  EXPECT_EQ(volume("DELETE", "/types/" + gold_id, admin_token).status, 202);
  expect_cinder_error(volume("GET", "/types/" + gold_id, m.token), 404, "itemNotFound",
                      "could not be found");

  // A private type is an admin's to see.
  auto secret =
      volume("POST", "/types", admin_token,
             {{"volume_type", {{"name", "secret"}, {"os-volume-type-access:is_public", false}}}});
  ASSERT_EQ(secret.status, 200) << secret.body;
  EXPECT_EQ(json_of(volume("GET", "/types", m.token))["volume_types"].size(), 1u);
  EXPECT_EQ(json_of(volume("GET", "/types?is_public=None", admin_token))["volume_types"].size(),
            2u);
  EXPECT_EQ(json_of(volume("GET", "/types?is_public=false", admin_token))["volume_types"].size(),
            1u);
}

TEST_F(VolumeHttp, ZonesAndServices) {
  auto m = make_member("zed");
  auto az = volume("GET", "/os-availability-zone", m.token);
  ASSERT_EQ(az.status, 200) << az.body;
  auto zones = json_of(az)["availabilityZoneInfo"];
  ASSERT_EQ(zones.size(), 1u) << az.body;
  EXPECT_EQ(zones[0]["zoneName"], "nova");
  EXPECT_EQ(zones[0]["zoneState"]["available"], true);

  expect_cinder_error(volume("GET", "/os-services", m.token), 403, "forbidden",
                      "Policy doesn't allow volume_extension:services:index to be performed.");
  auto services = volume("GET", "/os-services", admin_token);
  ASSERT_EQ(services.status, 200) << services.body;
  bool backend = false;
  const json listed = json_of(services);
  for (const auto& s : listed["services"])
    if (s["binary"] == "cinder-volume") {
      backend = true;
      EXPECT_EQ(s["host"], "cumulo@file") << s;
      EXPECT_EQ(s["state"], "up") << s;
      EXPECT_EQ(s["status"], "enabled") << s;
    }
  EXPECT_TRUE(backend) << services.body;
}

// POST /volumes with imageRef (or image_id, an id or a name) of an image
// uploaded through Glance: creating, then available and bootable with
// Cinder's volume_image_metadata (strings), the image's bytes in the
// volume; the images Cinder refuses, in its words.
TEST_F(VolumeHttp, AVolumeFromAGlanceImage) {
  auto m = make_member("ines");
  std::string bytes(1 << 20, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 7 % 251);
  const std::string image = glance_image(
      m.token, "guest", bytes, {{"kernel_id", kKernel}, {"ramdisk_id", kRamdisk}, {"min_ram", 64}});
  auto made = volume("POST", "/volumes", m.token,
                     {{"volume", {{"size", 1}, {"name", "boot"}, {"imageRef", image}}}});
  ASSERT_EQ(made.status, 202) << made.body;
  auto v = json_of(made)["volume"];
  EXPECT_EQ(v["status"], "creating");
  EXPECT_EQ(v["bootable"], "false");
  const std::string id = v.value("id", "");
  auto ready = settle_volume(m.token, id);
  ASSERT_EQ(ready["status"], "available") << ready.dump();
  EXPECT_EQ(ready["bootable"], "true");
  const json meta = ready["volume_image_metadata"];
  EXPECT_EQ(meta["image_id"], image) << ready.dump();
  EXPECT_EQ(meta["image_name"], "guest");
  EXPECT_EQ(meta["disk_format"], "raw");
  EXPECT_EQ(meta["container_format"], "bare");
  EXPECT_EQ(meta["size"], "1048576") << "strings, as Cinder's";
  EXPECT_EQ(meta["min_disk"], "0");
  EXPECT_EQ(meta["min_ram"], "64");
  EXPECT_EQ(meta["kernel_id"], kKernel);
  EXPECT_EQ(meta["ramdisk_id"], kRamdisk);
  for (const auto& [k, value] : meta.items()) EXPECT_TRUE(value.is_string()) << k;
  auto glance = json_of(call("GET", "/image/v2/images/" + image, m.token));
  EXPECT_EQ(meta["checksum"], glance["checksum"]);
  auto detail = json_of(volume("GET", "/volumes/detail?name=boot", m.token))["volumes"];
  ASSERT_EQ(detail.size(), 1u);
  EXPECT_EQ(detail[0]["volume_image_metadata"], meta);
  {
    std::ifstream in(volume_file(id), std::ios::binary);
    std::string head(bytes.size(), '\1');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    EXPECT_TRUE(head == bytes) << "the image's bytes";
  }
  // A plain volume has no volume_image_metadata at all.
  const std::string plain = make_volume(m.token, "plain");
  EXPECT_FALSE(json_of(volume("GET", "/volumes/" + plain, m.token))["volume"].contains(
      "volume_image_metadata"));

  // image_id and a name do as well.
  auto by_name =
      volume("POST", "/volumes", m.token, {{"volume", {{"size", 1}, {"image_id", "guest"}}}});
  ASSERT_EQ(by_name.status, 202) << by_name.body;
  EXPECT_EQ(settle_volume(m.token, json_of(by_name)["volume"].value(
                                       "id", ""))["volume_image_metadata"]["image_id"],
            image);

  auto create = [&](const json& v) { return volume("POST", "/volumes", m.token, {{"volume", v}}); };
  auto queued = call("POST", "/image/v2/images", m.token,
                     {{"name", "empty"}, {"disk_format", "raw"}, {"container_format", "bare"}});
  const std::string empty = json_of(queued).value("id", "");
  expect_cinder_error(create({{"size", 1}, {"imageRef", empty}}), 400, "badRequest",
                      "Invalid input received: Image " + empty + " is not active.");
  const std::string big = glance_image(m.token, "big", bytes, {{"min_disk", 2}});
  expect_cinder_error(create({{"size", 1}, {"imageRef", big}}), 400, "badRequest",
                      "Invalid input received: Volume size 1GB cannot be smaller than the image "
                      "minDisk size 2GB.");
  expect_cinder_error(create({{"imageRef", image}}), 400, "badRequest",
                      "must be an integer and greater than 0");
  // Another project's private image is no image to it.
  auto other = make_member("ivo");
  expect_cinder_error(
      volume("POST", "/volumes", other.token, {{"volume", {{"size", 1}, {"imageRef", image}}}}),
      400, "badRequest", "Invalid image identifier or unable to access requested image.");
  expect_cinder_error(create({{"size", 1}, {"imageRef", image}, {"source_volid", plain}}), 400,
                      "badRequest", "May specify only one of");
}

// os-volume_upload_image: Cinder's 202 body; the image is the project's,
// active once written, with the volume's image properties; a volume made
// from it holds the same bytes. Its refusals in Cinder's words.
TEST_F(VolumeHttp, AVolumeUploadedToAnImage) {
  auto m = make_member("uma");
  const std::string image =
      glance_image(m.token, "guest", std::string(4096, 'G'), {{"kernel_id", kKernel}});
  auto made = volume("POST", "/volumes", m.token,
                     {{"volume", {{"size", 1}, {"name", "source"}, {"imageRef", image}}}});
  ASSERT_EQ(made.status, 202) << made.body;
  const std::string id = json_of(made)["volume"].value("id", "");
  ASSERT_EQ(settle_volume(m.token, id)["status"], "available");
  const std::string action = "/volumes/" + id + "/action";

  // cinderclient's body at 3.0: Glance's default visibility.
  auto up = volume("POST", action, m.token,
                   {{"os-volume_upload_image",
                     {{"force", false},
                      {"image_name", "copy"},
                      {"container_format", "bare"},
                      {"disk_format", "qcow2"}}}});
  ASSERT_EQ(up.status, 202) << up.body;
  auto body = json_of(up)["os-volume_upload_image"];
  EXPECT_EQ(body["id"], id) << up.body;
  EXPECT_EQ(body["status"], "uploading");
  EXPECT_EQ(body["image_name"], "copy");
  EXPECT_EQ(body["disk_format"], "qcow2");
  EXPECT_EQ(body["container_format"], "bare");
  EXPECT_EQ(body["size"], 1);
  EXPECT_TRUE(body["display_description"].is_null());
  EXPECT_EQ(body["volume_type"]["name"], "__DEFAULT__") << "the type, as Cinder's object";
  EXPECT_EQ(body["protected"], false);
  EXPECT_EQ(body["visibility"], "shared");
  EXPECT_TRUE(body["updated_at"].is_string());
  const std::string copy = body.value("image_id", "");
  auto img = settle_image(m.token, copy);
  EXPECT_EQ(img["status"], "active") << img.dump();
  EXPECT_EQ(img["owner"], m.project_id);
  EXPECT_EQ(img["disk_format"], "qcow2");
  EXPECT_EQ(img["kernel_id"], kKernel) << "the volume's image properties go along";
  EXPECT_EQ(img["virtual_size"], std::int64_t{1} << 30);
  auto file = raw("GET", "/image/v2/images/" + copy + "/file", "", {{"X-Auth-Token", m.token}});
  EXPECT_EQ(file.status, 200);
  EXPECT_EQ(static_cast<std::int64_t>(file.body.size()), img.value("size", std::int64_t{-1}));
  EXPECT_EQ(settle_upload(m.token, id)["status"], "available");

  // And back: a volume from the new image holds the same bytes.
  auto back = volume("POST", "/volumes", m.token, {{"volume", {{"size", 1}, {"imageRef", copy}}}});
  ASSERT_EQ(back.status, 202) << back.body;
  const std::string back_id = json_of(back)["volume"].value("id", "");
  auto returned = settle_volume(m.token, back_id);
  ASSERT_EQ(returned["status"], "available") << returned.dump();
  EXPECT_EQ(returned["volume_image_metadata"]["kernel_id"], kKernel);
  EXPECT_EQ(returned["volume_image_metadata"]["disk_format"], "qcow2");
  {
    std::ifstream a(volume_file(id), std::ios::binary), b(volume_file(back_id), std::ios::binary);
    std::string x(8192, '\0'), y(8192, '\1');
    a.read(x.data(), 8192);
    b.read(y.data(), 8192);
    EXPECT_EQ(x.substr(0, 4096), std::string(4096, 'G'));
    EXPECT_TRUE(x == y);
    EXPECT_EQ(std::filesystem::file_size(volume_file(back_id)), std::uintmax_t{1} << 30);
  }

  // 3.1's visibility and protected.
  const std::map<std::string, std::string> v31{{"OpenStack-API-Version", "volume 3.1"}};
  auto own =
      volume("POST", action, m.token,
             {{"os-volume_upload_image",
               {{"image_name", "private-copy"}, {"visibility", "private"}, {"protected", false}}}},
             "", v31);
  ASSERT_EQ(own.status, 202) << own.body;
  auto own_body = json_of(own)["os-volume_upload_image"];
  EXPECT_EQ(own_body["visibility"], "private");
  EXPECT_EQ(own_body["disk_format"], "raw") << "Cinder's default";
  EXPECT_EQ(settle_image(m.token, own_body.value("image_id", ""))["visibility"], "private");
  EXPECT_EQ(settle_upload(m.token, id)["status"], "available");

  auto upload = [&](const json& args, std::map<std::string, std::string> headers = {}) {
    return volume("POST", action, m.token, {{"os-volume_upload_image", args}}, "", headers);
  };
  expect_cinder_error(upload({{"image_name", "x"}, {"visibility", "private"}}), 400, "badRequest",
                      "('visibility' was unexpected)");
  expect_cinder_error(upload({{"image_name", "x"}, {"visibility", "public"}}, v31), 403,
                      "forbidden",
                      "Policy doesn't allow volume_extension:volume_actions:upload_public to be "
                      "performed.");
  expect_cinder_error(upload({{"image_name", "x"}, {"disk_format", "vmdk"}}), 400, "badRequest",
                      "Invalid input");
  expect_cinder_error(upload({{"force", true}}), 400, "badRequest", "Invalid input");
  auto other = make_member("ugo");
  expect_cinder_error(
      volume("POST", action, other.token, {{"os-volume_upload_image", {{"image_name", "x"}}}}), 404,
      "itemNotFound", "Volume " + id + " could not be found.");
  // Only an available volume; Cinder ignores force (enable_force_upload is off).
  ASSERT_EQ(
      volume("POST", action, admin_token, {{"os-reset_status", {{"status", "error"}}}}).status,
      202);
  expect_cinder_error(upload({{"image_name", "x"}, {"force", true}}), 400, "badRequest",
                      "Invalid volume: Volume " + id + " status must be available");
}

}  // namespace
}  // namespace cumulo
