// Glance's interoperable image import over HTTP on a real `cumulo serve`
// (issue 18): what the cloud offers (/v2/info/import, /stores, /usage, the
// create's headers), glance-direct's staging and import with the digests
// of the staged bytes, Glance's 400s and 409s, copy-image on the one store,
// staged bytes removed with their image, and restarts in the middle: staged
// bytes wait, an import whose bytes are whole finishes, one whose bytes are
// gone goes back to queued and says so.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <set>
#include <string>
#include <thread>

#include "engine/codec.hpp"
#include "engine/image_state.hpp"
#include "store/data_dir.hpp"
#include "store/event_store.hpp"
#include "tests/support/image_support.hpp"
#include "tests/support/keystone_client.hpp"
#include "tests/support/raw_http.hpp"

namespace cumulo {
namespace {

const std::string kImages = "/image/v2/images";

nlohmann::json glance_direct() {
  return {{"method", {{"name", "glance-direct"}}}};
}

class ImageImport : public identity_test {
 protected:
  std::string create_image(const std::string& token, nlohmann::json body = nullptr) {
    if (body.is_null())
      body = {{"name", "imported"}, {"disk_format", "raw"}, {"container_format", "bare"}};
    auto r = call("POST", kImages, token, body);
    EXPECT_EQ(r.status, 201) << r.body;
    return json_of(r).value("id", "");
  }
  http_response stage(const std::string& token, const std::string& id, const std::string& data,
                      const std::string& type = "application/octet-stream") {
    return raw("PUT", kImages + "/" + id + "/stage", data,
               {{"X-Auth-Token", token}, {"Content-Type", type}});
  }
  http_response import(const std::string& token, const std::string& id,
                       const nlohmann::json& body = glance_direct(),
                       std::map<std::string, std::string> headers = {}) {
    return call("POST", kImages + "/" + id + "/import", token, body, std::move(headers));
  }
  // The head of a staging of `length` bytes, for a client that sends fewer.
  std::string stage_head(const std::string& id, std::size_t length) const {
    return "PUT " + kImages + "/" + id +
           "/stage HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Auth-Token: " + admin_token +
           "\r\nContent-Type: application/octet-stream\r\nContent-Length: " +
           std::to_string(length) + "\r\n\r\n";
  }
  nlohmann::json show(const std::string& id) {
    auto r = as_admin("GET", kImages + "/" + id);
    EXPECT_EQ(r.status, 200) << r.body;
    return json_of(r);
  }
  nlohmann::json wait_status(const std::string& id, const std::string& status) {
    nlohmann::json img;
    for (int i = 0; i < 250; ++i) {
      img = show(id);
      if (img.value("status", "") == status) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return img;
  }
  std::filesystem::path images_dir() const { return dir.path() / "data" / "images"; }
  std::set<std::string> image_files() const {
    std::set<std::string> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(images_dir(), ec))
      out.insert(e.path().filename().string());
    return out;
  }
  // Starts the cloud again on the data dir once it is stopped.
  void start_again() {
    cloud = std::make_unique<served_cloud>(dir.path() / "data", dir.path(),
                                           std::vector<std::string>{"--password-cost", "min"});
    ASSERT_TRUE(cloud->serving()) << cloud->err();
    admin_token = token_for("admin", kAdminPassword, "admin");
  }
  // Writes an import's start into the stopped cloud's log, as the registry
  // would have before a crash took the rest.
  void record_import_started(const std::string& id) {
    event_store store(data_dir::events_db_of(dir.path() / "data"));
    append_request req{"image/" + id,
                       event_store::any_version,
                       {encode(image_import_started{"glance-direct", {"file"}})},
                       {"req-test", "test"}};
    auto r = store.append(std::move(req));
    ASSERT_FALSE(r.error) << r.error->message;
  }
};

TEST_F(ImageImport, DiscoveryNamesTheMethodsAndTheOneStore) {
  auto info = as_admin("GET", "/image/v2/info/import");
  ASSERT_EQ(info.status, 200) << info.body;
  EXPECT_EQ(json_of(info),
            nlohmann::json::parse(R"({"import-methods": {"description": "Import methods available.",
                                    "type": "array", "value": ["glance-direct", "copy-image"]}})"))
      << "web-download is not offered: cumulo fetches nothing";
  EXPECT_EQ(raw("GET", "/image/v2/info/import", "", {}).status, 401) << "a token is needed";

  auto stores = json_of(as_admin("GET", "/image/v2/info/stores"));
  ASSERT_EQ(stores["stores"].size(), 1u) << stores.dump();
  EXPECT_EQ(stores["stores"][0].value("id", ""), "file");
  EXPECT_EQ(stores["stores"][0].value("default", ""), "true") << "Glance's text";

  auto detail = json_of(as_admin("GET", "/image/v2/info/stores/detail"));
  ASSERT_EQ(detail["stores"].size(), 1u) << detail.dump();
  EXPECT_EQ(detail["stores"][0].value("type", ""), "file");
  EXPECT_TRUE(detail["stores"][0]["properties"].contains("data_dir"));
  auto alice = make_member("alice");
  expect_glance_error(call("GET", "/image/v2/info/stores/detail", alice.token), 403,
                      "stores_info_detail");
  EXPECT_EQ(call("GET", "/image/v2/info/stores", alice.token).status, 200);

  auto usage = call("GET", "/image/v2/info/usage", alice.token);
  ASSERT_EQ(usage.status, 200) << usage.body;
  EXPECT_EQ(json_of(usage), nlohmann::json::parse(R"({"usage": {}})"));
}

// openstacksdk reads OpenStack-image-import-methods off the create's
// answer before it stages (image create --import).
TEST_F(ImageImport, ACreateAnswersWithTheImportMethodsAndStores) {
  auto r = as_admin("POST", kImages,
                    {{"name", "x"}, {"disk_format", "raw"}, {"container_format", "bare"}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.headers["openstack-image-import-methods"], "glance-direct,copy-image");
  EXPECT_EQ(r.headers["openstack-image-store-ids"], "file");
  EXPECT_FALSE(json_of(r).contains("stores")) << "no data, no store";
  auto schema = json_of(as_admin("GET", "/image/v2/schemas/image"));
  const auto statuses = schema["properties"]["status"]["enum"];
  EXPECT_NE(std::find(statuses.begin(), statuses.end(), "uploading"), statuses.end());
  EXPECT_NE(std::find(statuses.begin(), statuses.end(), "importing"), statuses.end());
}

TEST_F(ImageImport, StagedBytesBecomeAnActiveImageWithTheirChecksums) {
  auto alice = make_member("alice");
  const std::string id = create_image(alice.token);
  const std::string data = random_bytes(2 << 20);
  const auto sums = sums_of(data);

  auto staged = stage(alice.token, id, data);
  ASSERT_EQ(staged.status, 204) << staged.body;
  auto img = show(id);
  EXPECT_EQ(img.value("status", ""), "uploading");
  EXPECT_EQ(img.value("size", 0), static_cast<long>(data.size())) << "Glance shows the staged size";
  EXPECT_TRUE(img["checksum"].is_null()) << img.dump();
  EXPECT_FALSE(img.contains("stores"));
  EXPECT_EQ(image_files(), std::set<std::string>{id + ".staged"});
  EXPECT_EQ(as_admin("GET", kImages + "/" + id + "/file").status, 204) << "no data until imported";

  auto r = import(alice.token, id);
  EXPECT_EQ(r.status, 202) << r.body;
  EXPECT_TRUE(r.body.empty()) << r.body;
  img = wait_status(id, "active");
  EXPECT_EQ(img.value("status", ""), "active") << img.dump();
  EXPECT_EQ(img.value("size", 0), static_cast<long>(data.size()));
  EXPECT_EQ(img.value("checksum", ""), sums.md5);
  EXPECT_EQ(img.value("os_hash_algo", ""), "sha512");
  EXPECT_EQ(img.value("os_hash_value", ""), sums.sha512);
  EXPECT_EQ(img.value("stores", ""), "file");
  EXPECT_EQ(img.value("os_glance_importing_to_stores", "x"), "");
  EXPECT_EQ(img.value("os_glance_failed_import", "x"), "");
  EXPECT_EQ(image_files(), std::set<std::string>{id}) << "the staged bytes moved, not copied";

  auto down = call("GET", kImages + "/" + id + "/file", alice.token);
  EXPECT_EQ(down.status, 200);
  EXPECT_EQ(down.headers["content-md5"], sums.md5);
  EXPECT_TRUE(down.body == data) << "downloaded " << down.body.size() << " bytes";
}

TEST_F(ImageImport, RefusalsInGlancesWords) {
  const std::string id = create_image(admin_token);
  expect_glance_error(import(admin_token, id, {{"method", {{"name", "web-download"}}}}), 400,
                      "Unknown import method name 'web-download'.");
  expect_glance_error(import(admin_token, id, {{"stores", {"file"}}}), 400,
                      "Import request requires a 'method' field.");
  expect_glance_error(import(admin_token, id, {{"method", {{"uri", "x"}}}}), 400,
                      "Import request requires a 'name' field.");
  auto bad_flag = glance_direct();
  bad_flag["all_stores"] = "yes";
  expect_glance_error(import(admin_token, id, bad_flag), 400,
                      "'all_stores' must be boolean value only");
  auto both = glance_direct();
  both["stores"] = {"file"};
  expect_glance_error(import(admin_token, id, both, {{"X-Image-Meta-Store", "file"}}), 400,
                      "can't be both specified");
  expect_glance_error(import(admin_token, id), 409,
                      "Image needs to be staged before 'glance-direct' method can be used");
  expect_glance_error(import(admin_token, id, {{"method", {{"name", "copy-image"}}}}), 409,
                      "Only images with status active can be targeted for copying");
  expect_glance_error(stage(admin_token, id, "x", "text/plain"), 415, "text/plain");

  ASSERT_EQ(stage(admin_token, id, "some bytes").status, 204);
  expect_glance_error(stage(admin_token, id, "again"), 409,
                      "Image status transition from uploading to uploading is not allowed");
  expect_glance_error(
      raw("PUT", kImages + "/" + id + "/file", "data",
          {{"X-Auth-Token", admin_token}, {"Content-Type", "application/octet-stream"}}),
      409, "Image status transition from uploading to saving is not allowed");
  auto elsewhere = glance_direct();
  elsewhere["stores"] = {"ceph"};
  expect_glance_error(import(admin_token, id, elsewhere), 409,
                      "Unknown scheme 'ceph' found in URI");
  EXPECT_EQ(show(id).value("status", ""), "uploading") << "refusals change nothing";

  auto with_store = glance_direct();
  with_store["stores"] = {"file"};
  with_store["all_stores_must_succeed"] = false;
  ASSERT_EQ(import(admin_token, id, with_store).status, 202);
  ASSERT_EQ(wait_status(id, "active").value("status", ""), "active");
  expect_glance_error(import(admin_token, id), 409,
                      "Image with status active cannot be target for import");
  expect_glance_error(stage(admin_token, id, "more"), 409,
                      "Image status transition from active to uploading is not allowed");
  // copy-image: the image is in the one store already.
  expect_glance_error(import(admin_token, id, {{"method", {{"name", "copy-image"}}}}), 400,
                      "Image is already present at store 'file'");
  auto all = nlohmann::json{{"method", {{"name", "copy-image"}}}, {"all_stores", true}};
  EXPECT_EQ(import(admin_token, id, all).status, 202) << "nothing left to copy to";
  EXPECT_EQ(show(id).value("status", ""), "active");

  const std::string missing = "0b7c8f62-0000-4000-8000-00000000beef";
  expect_glance_error(import(admin_token, missing), 404, "No image found with ID " + missing);
  expect_glance_error(stage(admin_token, missing, "x"), 404, "No image found with ID " + missing);
  expect_glance_error(stage(admin_token, "not-a-uuid", "x"), 404, "No image found");
}

TEST_F(ImageImport, OnlyTheOwnerImportsAndOnlyAnAdminCopies) {
  auto alice = make_member("alice");
  auto bob = make_member("bob");
  const std::string priv = create_image(alice.token);
  // Another project's private image is not there for bob.
  expect_glance_error(stage(bob.token, priv, "x"), 404, "No image found");
  expect_glance_error(import(bob.token, priv), 404, "No image found");

  // A public image (the admin's) is seen by bob, not his to fill.
  const std::string pub = create_image(admin_token, {{"name", "pub"},
                                                     {"disk_format", "raw"},
                                                     {"container_format", "bare"},
                                                     {"visibility", "public"}});
  expect_glance_error(stage(bob.token, pub, "x"), 403, "modify_image");
  ASSERT_EQ(stage(admin_token, pub, "public bytes").status, 204);
  expect_glance_error(import(bob.token, pub), 403, "modify_image");
  ASSERT_EQ(import(admin_token, pub).status, 202);
  ASSERT_EQ(wait_status(pub, "active").value("status", ""), "active");

  // copy-image is an admin's (Glance's copy_image rule), even on one's own.
  ASSERT_EQ(stage(alice.token, priv, "alice's bytes").status, 204);
  ASSERT_EQ(import(alice.token, priv).status, 202);
  ASSERT_EQ(wait_status(priv, "active").value("status", ""), "active");
  expect_glance_error(import(alice.token, priv, {{"method", {{"name", "copy-image"}}}}), 403,
                      "copy_image");
}

TEST_F(ImageImport, DeletingAnImageRemovesItsStagedBytes) {
  const std::string id = create_image(admin_token);
  ASSERT_EQ(stage(admin_token, id, random_bytes(5000)).status, 204);
  ASSERT_EQ(image_files(), std::set<std::string>{id + ".staged"});
  EXPECT_EQ(as_admin("DELETE", kImages + "/" + id).status, 204);
  EXPECT_TRUE(image_files().empty());
}

TEST_F(ImageImport, AStagingCutOffLeavesTheImageQueuedAndNothingStaged) {
  const std::string id = create_image(admin_token);
  {
    raw_connection c(cloud->port());
    c.send(stage_head(id, 1 << 20) + random_bytes(300000));
    EXPECT_EQ(wait_status(id, "uploading").value("status", ""), "uploading");
  }  // the client goes away
  EXPECT_EQ(wait_status(id, "queued").value("status", ""), "queued");
  EXPECT_TRUE(show(id)["size"].is_null());
  EXPECT_TRUE(image_files().empty());
  // Staged again, whole, it imports.
  ASSERT_EQ(stage(admin_token, id, "whole").status, 204);
  ASSERT_EQ(import(admin_token, id).status, 202);
  EXPECT_EQ(wait_status(id, "active").value("size", 0), 5);
}

// A restart between the staging and the import: the staged bytes wait.
TEST_F(ImageImport, StagedBytesWaitAcrossARestart) {
  const std::string id = create_image(admin_token);
  const std::string data = random_bytes(70000);
  ASSERT_EQ(stage(admin_token, id, data).status, 204);
  restart();
  admin_token = token_for("admin", kAdminPassword, "admin");
  auto img = show(id);
  EXPECT_EQ(img.value("status", ""), "uploading");
  EXPECT_EQ(img.value("size", 0), 70000);
  EXPECT_EQ(image_files(), std::set<std::string>{id + ".staged"});
  ASSERT_EQ(import(admin_token, id).status, 202);
  EXPECT_EQ(wait_status(id, "active").value("checksum", ""), sums_of(data).md5);
}

// The process stopped once the import was recorded and before its end:
// the staged bytes are whole, so the start finishes it.
TEST_F(ImageImport, AnImportCutOffByARestartFinishesWhenItsBytesAreWhole) {
  const std::string id = create_image(admin_token);
  const std::string data = random_bytes(90000, 5);
  ASSERT_EQ(stage(admin_token, id, data).status, 204);
  ASSERT_EQ(cloud->stop(), 0) << cloud->err();
  record_import_started(id);
  start_again();
  auto img = wait_status(id, "active");
  EXPECT_EQ(img.value("status", ""), "active") << img.dump();
  EXPECT_EQ(img.value("checksum", ""), sums_of(data).md5);
  EXPECT_EQ(img.value("os_hash_value", ""), sums_of(data).sha512);
  EXPECT_EQ(img.value("os_glance_importing_to_stores", "x"), "");
  EXPECT_EQ(image_files(), std::set<std::string>{id});
  auto down = as_admin("GET", kImages + "/" + id + "/file");
  EXPECT_TRUE(down.body == data) << "downloaded " << down.body.size() << " bytes";
}

// ... and when its bytes are gone, the image goes back to queued, with the
// store in os_glance_failed_import, as a failed import in Glance.
TEST_F(ImageImport, AnImportCutOffByARestartFailsWhenItsBytesAreGone) {
  const std::string id = create_image(admin_token);
  ASSERT_EQ(stage(admin_token, id, random_bytes(40000)).status, 204);
  ASSERT_EQ(cloud->stop(), 0) << cloud->err();
  record_import_started(id);
  // Half the staged bytes survived.
  std::filesystem::resize_file(images_dir() / (id + ".staged"), 20000);
  start_again();
  auto img = wait_status(id, "queued");
  EXPECT_EQ(img.value("status", ""), "queued") << img.dump();
  EXPECT_TRUE(img["size"].is_null()) << img.dump();
  EXPECT_EQ(img.value("os_glance_failed_import", ""), "file");
  EXPECT_EQ(img.value("os_glance_importing_to_stores", "x"), "");
  EXPECT_TRUE(image_files().empty());
  // It may be staged and imported again.
  ASSERT_EQ(stage(admin_token, id, "second try").status, 204);
  ASSERT_EQ(import(admin_token, id).status, 202);
  img = wait_status(id, "active");
  EXPECT_EQ(img.value("status", ""), "active");
  EXPECT_EQ(img.value("os_glance_failed_import", "x"), "");
}

TEST_F(ImageImport, AServerKilledMidStageComesBackQueued) {
  const std::string id = create_image(admin_token);
  raw_connection c(cloud->port());
  c.send(stage_head(id, 1 << 20) + random_bytes(400000));
  ASSERT_EQ(wait_status(id, "uploading").value("status", ""), "uploading");
  cloud->stop(SIGKILL);
  c.close();
  start_again();
  EXPECT_EQ(wait_status(id, "queued").value("status", ""), "queued");
  EXPECT_TRUE(image_files().empty()) << "the partial staging is removed";
}

class ImageImportWithACap : public ImageImport {
 protected:
  std::vector<std::string> extra_args() const override { return {"--image-size-cap", "100000"}; }
};

TEST_F(ImageImportWithACap, StagingIsHeldToTheSizeCapAsAnUploadIs) {
  const std::string id = create_image(admin_token);
  expect_glance_error(stage(admin_token, id, random_bytes(100001)), 413, "100000");
  EXPECT_EQ(wait_status(id, "queued").value("status", ""), "queued");
  EXPECT_TRUE(image_files().empty());
  EXPECT_EQ(stage(admin_token, id, random_bytes(100000)).status, 204) << "at the cap is fine";
}

}  // namespace
}  // namespace cumulo
