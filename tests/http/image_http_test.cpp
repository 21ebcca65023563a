// Glance v2 over HTTP on a real `cumulo serve`: images and their metadata,
// streamed uploads (Content-Length, chunked, cut off, over the cap, a full
// disk, a killed server) and downloads with their checksums, visibility
// between projects, JSON Patch in both dialects, lists with pages.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/mount.h>

#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <thread>

#include "crypto/image_digest.hpp"
#include "tests/support/image_support.hpp"
#include "tests/support/keystone_client.hpp"
#include "tests/support/raw_http.hpp"

namespace cumulo {
namespace {

const std::string kImages = "/image/v2/images";

class ImageApi : public identity_test {
 protected:
  std::string create_image(const std::string& token, nlohmann::json body = nullptr) {
    if (body.is_null())
      body = {{"name", "img"}, {"disk_format", "qcow2"}, {"container_format", "bare"}};
    auto r = call("POST", kImages, token, body);
    EXPECT_EQ(r.status, 201) << r.body;
    return json_of(r).value("id", "");
  }
  http_response upload(const std::string& token, const std::string& id, const std::string& data,
                       const std::string& type = "application/octet-stream") {
    return raw("PUT", kImages + "/" + id + "/file", data,
               {{"X-Auth-Token", token}, {"Content-Type", type}});
  }
  nlohmann::json show(const std::string& id) {
    auto r = as_admin("GET", kImages + "/" + id);
    EXPECT_EQ(r.status, 200) << r.body;
    return json_of(r);
  }
  // Files in the image folder: what uploads leave behind.
  std::set<std::string> image_files() {
    std::set<std::string> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir.path() / "data" / "images", ec))
      out.insert(e.path().filename().string());
    return out;
  }
  std::string head_of(const std::string& id, std::size_t length, const std::string& token,
                      const std::string& extra = "") {
    return "PUT " + kImages + "/" + id + "/file HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Auth-Token: " +
           token + "\r\nContent-Type: application/octet-stream\r\n" + extra +
           (length == std::string::npos ? "Transfer-Encoding: chunked\r\n"
                                        : "Content-Length: " + std::to_string(length) + "\r\n") +
           "\r\n";
  }
  // Waits (bounded) for the image to reach a status.
  nlohmann::json wait_status(const std::string& id, const std::string& status) {
    nlohmann::json img;
    for (int i = 0; i < 200; ++i) {
      img = show(id);
      if (img.value("status", "") == status) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return img;
  }
};

TEST_F(ImageApi, VersionDiscoveryAtTheRootAndVersions) {
  auto root = raw("GET", "/image", "", {});
  EXPECT_EQ(root.status, 300) << root.body;
  auto versions = json_of(root)["versions"];
  ASSERT_TRUE(versions.is_array() && !versions.empty()) << root.body;
  EXPECT_EQ(versions[0].value("status", ""), "CURRENT");
  EXPECT_NE(versions[0]["links"][0].value("href", "").find("/image/v2/"), std::string::npos);
  auto list = raw("GET", "/image/versions", "", {});
  EXPECT_EQ(list.status, 200);
  EXPECT_EQ(json_of(list)["versions"], versions);
}

TEST_F(ImageApi, CreateShowListDeleteWithGlanceFields) {
  auto r = as_admin("POST", kImages,
                    {{"name", "cirros"},
                     {"disk_format", "qcow2"},
                     {"container_format", "bare"},
                     {"min_ram", 64},
                     {"tags", {"a", "b", "a"}},
                     {"hw_disk_bus", "virtio"}});
  ASSERT_EQ(r.status, 201) << r.body;
  auto img = json_of(r);
  const std::string id = img.value("id", "");
  EXPECT_EQ(img.value("status", ""), "queued");
  EXPECT_EQ(img.value("visibility", ""), "shared");
  EXPECT_TRUE(img["size"].is_null());
  EXPECT_TRUE(img["checksum"].is_null());
  EXPECT_EQ(img.value("min_ram", 0), 64);
  EXPECT_EQ(img["tags"], nlohmann::json({"a", "b"}));
  EXPECT_EQ(img.value("hw_disk_bus", ""), "virtio");
  EXPECT_EQ(img.value("self", ""), "/v2/images/" + id);
  EXPECT_EQ(img.value("file", ""), "/v2/images/" + id + "/file");
  EXPECT_EQ(img.value("schema", ""), "/v2/schemas/image");
  EXPECT_FALSE(img.value("os_hidden", true));
  EXPECT_EQ(show(id), img);

  auto list = json_of(as_admin("GET", kImages));
  ASSERT_EQ(list["images"].size(), 1u);
  EXPECT_EQ(list["images"][0].value("id", ""), id);
  EXPECT_EQ(list.value("first", ""), "/v2/images");
  EXPECT_EQ(list.value("schema", ""), "/v2/schemas/images");

  EXPECT_EQ(as_admin("DELETE", kImages + "/" + id).status, 204);
  expect_glance_error(as_admin("GET", kImages + "/" + id), 404, "No image found with ID " + id);
  expect_glance_error(as_admin("DELETE", kImages + "/" + id), 404);
  expect_glance_error(as_admin("GET", kImages + "/not-a-uuid"), 404);
}

// Glance answers an error as webob's HTML page to a client that does not
// prefer JSON (python3-glanceclient sends "*/*" and reads the page), as JSON
// to one that does; an upload's errors too.
TEST_F(ImageApi, ErrorsAreAnHtmlPageUnlessTheClientPrefersJson) {
  const std::string id = "0b7c8f62-0000-4000-8000-00000000abcd";
  for (const char* accept : {"*/*", "text/html"}) {
    auto r = call("GET", kImages + "/" + id, admin_token, nullptr, {{"Accept", accept}});
    EXPECT_EQ(r.status, 404) << accept;
    EXPECT_EQ(r.headers["content-type"].rfind("text/html", 0), 0u) << r.headers["content-type"];
    EXPECT_NE(r.body.find("<h1>404 Not Found</h1>"), std::string::npos) << r.body;
    EXPECT_NE(r.body.find("No image found with ID " + id + "<br />"), std::string::npos) << r.body;
  }
  auto json =
      call("GET", kImages + "/" + id, admin_token, nullptr, {{"Accept", "application/json, */*"}});
  expect_glance_error(json, 404, "No image found with ID " + id);
  auto upload = raw("PUT", kImages + "/" + id + "/file", "data",
                    {{"X-Auth-Token", admin_token},
                     {"Content-Type", "application/octet-stream"},
                     {"Accept", "*/*"}});
  EXPECT_EQ(upload.status, 404) << upload.body;
  EXPECT_NE(upload.body.find("<h1>404 Not Found</h1>"), std::string::npos) << upload.body;
  // Other services keep their JSON whatever the client accepts.
  auto nova = call("GET", "/compute/v2.1/servers/" + id, admin_token, nullptr, {{"Accept", "*/*"}});
  EXPECT_EQ(nova.status, 404);
  EXPECT_TRUE(json_of(nova).contains("itemNotFound")) << nova.body;
}

TEST_F(ImageApi, BadInputIsA4xxInGlanceWords) {
  expect_glance_error(as_admin("POST", kImages, {{"name", "x"}, {"disk_format", "floppy"}}), 400,
                      "floppy");
  expect_glance_error(as_admin("POST", kImages, {{"name", 5}}), 400);
  expect_glance_error(as_admin("POST", kImages, {{"name", "x"}, {"status", "active"}}), 403,
                      "read-only");
  expect_glance_error(as_admin("POST", kImages, {{"name", "x"}, {"color", 5}}), 400);
  expect_glance_error(call("POST", kImages, "", {{"name", "x"}}), 401);
  auto wrong_type = raw("POST", kImages, R"({"name":"x"})",
                        {{"X-Auth-Token", admin_token}, {"Content-Type", "text/plain"}});
  expect_glance_error(wrong_type, 415);
  const std::string id = create_image(admin_token);
  expect_glance_error(as_admin("POST", kImages, {{"id", id}, {"name", "again"}}), 409);
  expect_glance_error(raw("POST", kImages + "/" + id, "", {{"X-Auth-Token", admin_token}}), 405);
}

TEST_F(ImageApi, UploadThenDownloadKeepsEveryByteAndItsChecksums) {
  const std::string id = create_image(admin_token);
  const std::string data = random_bytes(3 << 20);
  auto r = upload(admin_token, id, data);
  EXPECT_EQ(r.status, 204) << r.body;
  auto img = show(id);
  const auto sums = sums_of(data);
  EXPECT_EQ(img.value("status", ""), "active");
  EXPECT_EQ(img.value("size", 0), static_cast<long>(data.size()));
  EXPECT_EQ(img.value("checksum", ""), sums.md5);
  EXPECT_EQ(img.value("os_hash_algo", ""), "sha512");
  EXPECT_EQ(img.value("os_hash_value", ""), sums.sha512);

  auto down = as_admin("GET", kImages + "/" + id + "/file");
  EXPECT_EQ(down.status, 200);
  EXPECT_EQ(down.headers["content-md5"], sums.md5);
  EXPECT_EQ(down.headers["content-type"], "application/octet-stream");
  EXPECT_TRUE(down.body == data) << "downloaded " << down.body.size() << " bytes";
  EXPECT_EQ(image_files(), std::set<std::string>{id});

  // A second upload to an active image is Glance's 409.
  expect_glance_error(upload(admin_token, id, "more"), 409);
  // Deleting the image removes its file.
  EXPECT_EQ(as_admin("DELETE", kImages + "/" + id).status, 204);
  EXPECT_TRUE(image_files().empty());
}

TEST_F(ImageApi, ChunkedUploadAndAnotherRequestOnTheSameConnection) {
  const std::string id = create_image(admin_token);
  const std::string data = random_bytes(100000, 3);
  raw_connection c(cloud->port());
  std::string body;
  // Uneven chunks, one with an extension, then a trailer.
  std::size_t at = 0;
  for (std::size_t size : {1u, 4095u, 30000u, 65904u}) {
    char hex[16];
    std::snprintf(hex, sizeof hex, "%zx", size);
    body += std::string(hex) + (size == 1 ? ";ext=1" : "") + "\r\n" + data.substr(at, size) + "\r\n";
    at += size;
  }
  body += "0\r\nX-Trailer: yes\r\n\r\n";
  c.send(head_of(id, std::string::npos, admin_token) + body);
  EXPECT_EQ(status_of_response(c.read_response()), 204);
  // The same connection then asks for the image (clients reuse
  // connections; none pipelines a request behind an upload).
  c.send("GET " + kImages + "/" + id + " HTTP/1.1\r\nHost: x\r\nX-Auth-Token: " + admin_token +
         "\r\n\r\n");
  auto second = c.read_response();
  EXPECT_EQ(status_of_response(second), 200) << second;
  auto img = show(id);
  EXPECT_EQ(img.value("size", 0), 100000);
  EXPECT_EQ(img.value("checksum", ""), sums_of(data).md5);
}

TEST_F(ImageApi, DownloadOfAnImageWithoutDataIs204AndADeactivatedOneIs403) {
  const std::string id = create_image(admin_token);
  EXPECT_EQ(as_admin("GET", kImages + "/" + id + "/file").status, 204);
  // Formats are needed before data.
  const std::string bare = create_image(admin_token, {{"name", "no-formats"}});
  expect_glance_error(upload(admin_token, bare, "abc"), 400, "disk_format");
  EXPECT_EQ(upload(admin_token, id, "abc").status, 204);

  auto m = make_member("dora");
  const std::string pub = create_image(admin_token, {{"name", "pub"},
                                                     {"visibility", "public"},
                                                     {"disk_format", "raw"},
                                                     {"container_format", "bare"}});
  EXPECT_EQ(upload(admin_token, pub, "public bytes").status, 204);
  EXPECT_EQ(call("GET", kImages + "/" + pub + "/file", m.token).body, "public bytes");
  // Deactivation is the owner's (or an admin's): another project's member
  // may not, and can't read the data of a deactivated image.
  expect_glance_error(call("POST", kImages + "/" + pub + "/actions/deactivate", m.token), 403,
                      "deactivate");
  EXPECT_EQ(as_admin("POST", kImages + "/" + pub + "/actions/deactivate").status, 204);
  EXPECT_EQ(show(pub).value("status", ""), "deactivated");
  expect_glance_error(call("GET", kImages + "/" + pub + "/file", m.token), 403, "deactivated");
  EXPECT_EQ(as_admin("GET", kImages + "/" + pub + "/file").status, 200);
  EXPECT_EQ(as_admin("POST", kImages + "/" + pub + "/actions/reactivate").status, 204);
  EXPECT_EQ(show(pub).value("status", ""), "active");
  expect_glance_error(as_admin("POST", kImages + "/" + bare + "/actions/reactivate"), 403);
}

TEST_F(ImageApi, UploadWithTheWrongContentTypeIs415) {
  const std::string id = create_image(admin_token);
  expect_glance_error(upload(admin_token, id, "abc", "text/plain"), 415);
  EXPECT_EQ(show(id).value("status", ""), "queued");
  expect_glance_error(upload("", id, "abc"), 401);
  expect_glance_error(upload(admin_token, "01a22b14-5190-74dc-85dc-49bf6d1a4bf6", "abc"), 404);
  expect_glance_error(upload(admin_token, "not-a-uuid", "abc"), 404);
  EXPECT_TRUE(image_files().empty());
}

TEST_F(ImageApi, MembersSeeTheirOwnAndPublicImagesOnly) {
  auto alice = make_member("alice");
  auto bob = make_member("bob");
  const std::string mine = create_image(alice.token, {{"name", "alice-private"},
                                                      {"visibility", "private"},
                                                      {"disk_format", "raw"},
                                                      {"container_format", "bare"}});
  const std::string shared = create_image(alice.token, {{"name", "alice-shared"}});
  EXPECT_EQ(upload(alice.token, mine, "secret").status, 204);
  // Bob sees none of them, by id, in lists or through their data.
  for (const auto& id : {mine, shared}) {
    expect_glance_error(call("GET", kImages + "/" + id, bob.token), 404);
    expect_glance_error(call("GET", kImages + "/" + id + "/file", bob.token), 404);
    expect_glance_error(call("DELETE", kImages + "/" + id, bob.token), 404);
  }
  EXPECT_TRUE(json_of(call("GET", kImages, bob.token))["images"].empty());
  expect_glance_error(upload(bob.token, shared, "x"), 404);
  // Only an admin may publish.
  expect_glance_error(call("POST", kImages, alice.token, {{"name", "p"}, {"visibility", "public"}}),
                      403, "publicize_image");
  auto patch = call("PATCH", kImages + "/" + mine, alice.token,
                    nlohmann::json::array({{{"op", "replace"}, {"path", "/visibility"}, {"value", "public"}}}),
                    {{"Content-Type", "application/openstack-images-v2.1-json-patch"}});
  expect_glance_error(patch, 403, "publicize_image");
  // Community images are seen by id, and listed when asked for.
  const std::string community = create_image(alice.token, {{"name", "comm"}, {"visibility", "community"}});
  EXPECT_EQ(call("GET", kImages + "/" + community, bob.token).status, 200);
  EXPECT_TRUE(json_of(call("GET", kImages, bob.token))["images"].empty());
  EXPECT_EQ(json_of(call("GET", kImages + "?visibility=community", bob.token))["images"].size(), 1u);
  // A public image is everyone's to see; the admin sees everything.
  const std::string pub = create_image(admin_token, {{"name", "pub"}, {"visibility", "public"}});
  auto bobs = json_of(call("GET", kImages, bob.token))["images"];
  ASSERT_EQ(bobs.size(), 1u);
  EXPECT_EQ(bobs[0].value("id", ""), pub);
  EXPECT_EQ(json_of(as_admin("GET", kImages))["images"].size(), 4u);
  EXPECT_EQ(json_of(call("GET", kImages, alice.token))["images"].size(), 4u);
}

TEST_F(ImageApi, ProtectedImagesCannotBeDeleted) {
  const std::string id = create_image(admin_token, {{"name", "keep"}, {"protected", true}});
  expect_glance_error(as_admin("DELETE", kImages + "/" + id), 403, "protected");
  auto r = call("PATCH", kImages + "/" + id, admin_token,
                nlohmann::json::array({{{"op", "replace"}, {"path", "/protected"}, {"value", false}}}),
                {{"Content-Type", "application/openstack-images-v2.1-json-patch"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(as_admin("DELETE", kImages + "/" + id).status, 204);
}

TEST_F(ImageApi, JsonPatchInBothDialects) {
  const std::string id = create_image(admin_token);
  auto patch = [&](const nlohmann::json& ops, const std::string& dialect) {
    return call("PATCH", kImages + "/" + id, admin_token, ops,
                {{"Content-Type", "application/openstack-images-" + dialect + "-json-patch"}});
  };
  auto r = patch(nlohmann::json::array({{{"op", "replace"}, {"path", "/name"}, {"value", "renamed"}},
                                        {{"op", "add"}, {"path", "/color"}, {"value", "blue"}},
                                        {{"op", "add"}, {"path", "/tags"}, {"value", {"t1"}}}}),
             "v2.1");
  ASSERT_EQ(r.status, 200) << r.body;
  auto img = json_of(r);
  EXPECT_EQ(img.value("name", ""), "renamed");
  EXPECT_EQ(img.value("color", ""), "blue");
  EXPECT_EQ(img["tags"], nlohmann::json({"t1"}));
  r = patch(nlohmann::json::array({{{"remove", "/color"}}, {{"replace", "/min_disk"}, {"value", 2}}}),
            "v2.0");
  ASSERT_EQ(r.status, 200) << r.body;
  img = json_of(r);
  EXPECT_FALSE(img.contains("color"));
  EXPECT_EQ(img.value("min_disk", 0), 2);
  expect_glance_error(patch(nlohmann::json::array({{{"op", "replace"}, {"path", "/status"}, {"value", "active"}}}), "v2.1"), 403, "read-only");
  expect_glance_error(patch(nlohmann::json::array({{{"op", "remove"}, {"path", "/nothing"}}}), "v2.1"), 409);
  expect_glance_error(patch(nlohmann::json::array({{{"op", "move"}, {"path", "/name"}}}), "v2.1"), 400);
  expect_glance_error(patch(nlohmann::json::array({{{"op", "replace"}, {"path", "/min_ram"}, {"value", "x"}}}), "v2.1"), 400);
  expect_glance_error(call("PATCH", kImages + "/" + id, admin_token, nlohmann::json::array(),
                           {{"Content-Type", "application/json"}}),
                      415);
  // Tags by URL.
  EXPECT_EQ(as_admin("PUT", kImages + "/" + id + "/tags/t2").status, 204);
  EXPECT_EQ(show(id)["tags"], nlohmann::json({"t1", "t2"}));
  EXPECT_EQ(as_admin("DELETE", kImages + "/" + id + "/tags/t1").status, 204);
  EXPECT_EQ(show(id)["tags"], nlohmann::json({"t2"}));
  expect_glance_error(as_admin("DELETE", kImages + "/" + id + "/tags/t1"), 404);
}

TEST_F(ImageApi, ListsFilterSortAndPageWithANextLink) {
  std::vector<std::string> ids;
  for (const char* name : {"delta", "alpha", "echo", "bravo", "charlie"})
    ids.push_back(create_image(admin_token, {{"name", name},
                                             {"disk_format", "raw"},
                                             {"container_format", "bare"},
                                             {"tags", {std::string(name) == "echo" ? "e" : "x"}}}));
  EXPECT_EQ(upload(admin_token, ids[1], "a").status, 204);
  auto names = [](const nlohmann::json& body) {
    std::vector<std::string> out;
    for (const auto& i : body["images"]) out.push_back(i.value("name", ""));
    return out;
  };
  // Newest first by default.
  EXPECT_EQ(names(json_of(as_admin("GET", kImages))),
            (std::vector<std::string>{"charlie", "bravo", "echo", "alpha", "delta"}));
  EXPECT_EQ(names(json_of(as_admin("GET", kImages + "?sort_key=name&sort_dir=asc"))),
            (std::vector<std::string>{"alpha", "bravo", "charlie", "delta", "echo"}));
  EXPECT_EQ(names(json_of(as_admin("GET", kImages + "?sort=name:desc"))),
            (std::vector<std::string>{"echo", "delta", "charlie", "bravo", "alpha"}));
  EXPECT_EQ(names(json_of(as_admin("GET", kImages + "?name=bravo"))), std::vector<std::string>{"bravo"});
  EXPECT_EQ(names(json_of(as_admin("GET", kImages + "?status=active"))), std::vector<std::string>{"alpha"});
  EXPECT_EQ(names(json_of(as_admin("GET", kImages + "?tag=e"))), std::vector<std::string>{"echo"});
  // Pages of two, following `next` as the SDK does.
  std::vector<std::string> seen;
  std::string next = "/v2/images?limit=2&sort_key=name&sort_dir=asc";
  int pages = 0;
  while (!next.empty() && pages < 10) {
    auto body = json_of(as_admin("GET", "/image" + next));
    auto page = names(body);
    EXPECT_LE(page.size(), 2u);
    seen.insert(seen.end(), page.begin(), page.end());
    next = body.value("next", "");
    ++pages;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"alpha", "bravo", "charlie", "delta", "echo"}));
  EXPECT_EQ(pages, 3);
  expect_glance_error(as_admin("GET", kImages + "?sort_key=colour"), 400, "Invalid sort key");
  expect_glance_error(as_admin("GET", kImages + "?marker=01a22b14-5190-74dc-85dc-49bf6d1a4bf6"), 400, "marker");
  expect_glance_error(as_admin("GET", kImages + "?limit=-1"), 400, "limit");
  expect_glance_error(as_admin("GET", kImages + "?visibility=everyone"), 400);
}

TEST_F(ImageApi, SchemasDescribeTheImage) {
  auto r = as_admin("GET", "/image/v2/schemas/image");
  ASSERT_EQ(r.status, 200);
  auto schema = json_of(r);
  EXPECT_EQ(schema.value("name", ""), "image");
  EXPECT_TRUE(schema["properties"].contains("os_hash_value"));
  auto list = json_of(as_admin("GET", "/image/v2/schemas/images"));
  EXPECT_EQ(list.value("name", ""), "images");
}

TEST_F(ImageApi, AnUploadCutOffMidWayLeavesTheImageQueuedAndNoFile) {
  const std::string id = create_image(admin_token);
  {
    raw_connection c(cloud->port());
    c.send(head_of(id, 1 << 20, admin_token) + random_bytes(300000));
    // Saving while the bytes come in.
    auto img = wait_status(id, "saving");
    EXPECT_EQ(img.value("status", ""), "saving");
  }  // the client goes away
  auto img = wait_status(id, "queued");
  EXPECT_EQ(img.value("status", ""), "queued");
  EXPECT_TRUE(image_files().empty());
  // A new upload then works.
  EXPECT_EQ(upload(admin_token, id, "whole").status, 204);
  EXPECT_EQ(show(id).value("size", 0), 5);
}

TEST_F(ImageApi, AServerKilledMidUploadComesBackWithTheImageQueuedAndNoPartialFile) {
  const std::string id = create_image(admin_token);
  raw_connection c(cloud->port());
  c.send(head_of(id, 1 << 20, admin_token) + random_bytes(500000));
  ASSERT_EQ(wait_status(id, "saving").value("status", ""), "saving");
  ASSERT_FALSE(image_files().empty());  // the partial file exists
  cloud->stop(SIGKILL);
  c.close();
  cloud = std::make_unique<served_cloud>(dir.path() / "data", dir.path(),
                                         std::vector<std::string>{"--password-cost", "min"});
  ASSERT_TRUE(cloud->serving()) << cloud->err();
  admin_token = token_for("admin", kAdminPassword, "admin");
  EXPECT_EQ(wait_status(id, "queued").value("status", ""), "queued");
  EXPECT_TRUE(image_files().empty());
  EXPECT_EQ(upload(admin_token, id, "again").status, 204);
}

class ImageApiWithACap : public ImageApi {
 protected:
  std::vector<std::string> extra_args() const override { return {"--image-size-cap", "100000"}; }
};

TEST_F(ImageApiWithACap, UploadsOverTheSizeCapAre413AndLeaveNothing) {
  const std::string id = create_image(admin_token);
  // Declared too large: refused before a byte is stored.
  expect_glance_error(upload(admin_token, id, random_bytes(100001)), 413, "100000");
  EXPECT_EQ(show(id).value("status", ""), "queued");
  // Chunked, found too large on the way.
  raw_connection c(cloud->port());
  std::string chunk = random_bytes(60000);
  c.send(head_of(id, std::string::npos, admin_token) + "ea60\r\n" + chunk + "\r\nea60\r\n" + chunk +
         "\r\n0\r\n\r\n");
  auto answer = c.read_response();
  EXPECT_EQ(status_of_response(answer), 413) << answer;
  EXPECT_EQ(wait_status(id, "queued").value("status", ""), "queued");
  EXPECT_TRUE(image_files().empty());
  // At the cap is fine.
  EXPECT_EQ(upload(admin_token, id, random_bytes(100000)).status, 204);
}

// The data dir's image folder on a 1 MiB tmpfs: a full disk is a 413 in
// Glance's words, and the image goes back to queued with nothing left.
TEST_F(ImageApi, AFullDiskIsAClearErrorAndACleanState) {
  const auto folder = dir.path() / "data" / "images";
  std::filesystem::create_directories(folder);
  if (::mount("tmpfs", folder.c_str(), "tmpfs", 0, "size=1m") != 0)
    GTEST_SKIP() << "cannot mount a small tmpfs here (" << std::strerror(errno)
                 << "): the full-disk case needs root";
  struct unmount {
    std::filesystem::path p;
    ~unmount() { ::umount2(p.c_str(), MNT_DETACH); }
  } guard{folder};
  const std::string id = create_image(admin_token);
  auto r = upload(admin_token, id, random_bytes(3 << 20));
  expect_glance_error(r, 413, "storage media is full");
  EXPECT_EQ(wait_status(id, "queued").value("status", ""), "queued");
  EXPECT_TRUE(image_files().empty());
  EXPECT_EQ(upload(admin_token, id, random_bytes(1000)).status, 204);
}

}  // namespace
}  // namespace cumulo

namespace cumulo {
namespace {

const std::string kPatch21 = "application/openstack-images-v2.1-json-patch";

// Issue 18: Glance's image sharing, as OpenStack's API tests walk it. The
// owner offers a shared image to a project; the member sees it by id at
// once, lists it after accepting, and sees only its own membership.
TEST_F(ImageApi, SharedImagesHaveMembersWhoAcceptThem) {
  auto alice = make_member("alice");
  auto bob = make_member("bob");
  auto carol = make_member("carol");
  const std::string id = create_image(alice.token, {{"name", "alice-shared"}});
  const std::string members = kImages + "/" + id + "/members";

  auto added = call("POST", members, alice.token, {{"member", bob.project_id}});
  ASSERT_EQ(added.status, 200) << added.body;
  auto m = json_of(added);
  EXPECT_EQ(m.value("status", ""), "pending");
  EXPECT_EQ(m.value("member_id", ""), bob.project_id);
  EXPECT_EQ(m.value("image_id", ""), id);
  EXPECT_EQ(m.value("schema", ""), "/v2/schemas/member");
  EXPECT_TRUE(m["created_at"].is_string());
  EXPECT_EQ(call("POST", members, alice.token, {{"member", carol.project_id}}).status, 200);
  expect_glance_error(call("POST", members, alice.token, {{"member", bob.project_id}}), 409,
                      "already associated");
  expect_glance_error(call("POST", members, alice.token, {{"nobody", "x"}}), 400);

  // Bob sees the image by id, not in his list until he accepts.
  EXPECT_EQ(call("GET", kImages + "/" + id, bob.token).status, 200);
  EXPECT_TRUE(json_of(call("GET", kImages, bob.token))["images"].empty());
  EXPECT_EQ(json_of(call("GET", kImages + "?member_status=pending", bob.token))["images"].size(),
            1u);
  // Only the member answers; only the owner offers.
  expect_glance_error(
      call("PUT", members + "/" + bob.project_id, alice.token, {{"status", "accepted"}}), 403);
  expect_glance_error(call("POST", members, bob.token, {{"member", bob.project_id}}), 403);
  expect_glance_error(call("PUT", members + "/" + bob.project_id, bob.token, {{"status", "maybe"}}),
                      400);
  auto accepted = call("PUT", members + "/" + bob.project_id, bob.token, {{"status", "accepted"}});
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  EXPECT_EQ(json_of(accepted).value("status", ""), "accepted");
  auto listed = json_of(call("GET", kImages, bob.token))["images"];
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].value("id", ""), id);

  // The owner lists every member, a member only itself; anyone else gets 404.
  auto all = json_of(call("GET", members, alice.token));
  EXPECT_EQ(all["members"].size(), 2u);
  EXPECT_EQ(all.value("schema", ""), "/v2/schemas/members");
  auto own = json_of(call("GET", members, bob.token))["members"];
  ASSERT_EQ(own.size(), 1u);
  EXPECT_EQ(own[0].value("member_id", ""), bob.project_id);
  expect_glance_error(call("GET", members + "/" + carol.project_id, bob.token), 404);
  EXPECT_EQ(call("GET", members + "/" + bob.project_id, bob.token).status, 200);
  auto dora = make_member("dora");
  expect_glance_error(call("GET", members, dora.token), 404);
  expect_glance_error(call("GET", kImages + "/" + id, dora.token), 404);

  // Withdrawn: Bob no longer sees it.
  EXPECT_EQ(call("DELETE", members + "/" + bob.project_id, alice.token).status, 204);
  expect_glance_error(call("GET", kImages + "/" + id, bob.token), 404);
  expect_glance_error(call("DELETE", members + "/" + bob.project_id, alice.token), 404);

  // A private image has no members.
  const std::string priv = create_image(alice.token, {{"name", "p"}, {"visibility", "private"}});
  expect_glance_error(
      call("POST", kImages + "/" + priv + "/members", alice.token, {{"member", bob.project_id}}),
      403, "Only shared images have members.");
  EXPECT_EQ(as_admin("GET", "/image/v2/schemas/member").status, 200);
  EXPECT_EQ(json_of(as_admin("GET", "/image/v2/schemas/members")).value("name", ""), "members");
}

// Issue 18: an admin gives an image to another project (PATCH owner); the
// owner deactivates its own image; size_min/size_max filter lists; the
// collection with a trailing slash is not a route (404, as Glance).
TEST_F(ImageApi, OwnerChangesDeactivationAndSizeFilters) {
  auto alice = make_member("alice");
  auto bob = make_member("bob");
  const std::string id = create_image(alice.token, {{"name", "a"},
                                                    {"visibility", "private"},
                                                    {"disk_format", "raw"},
                                                    {"container_format", "bare"}});
  EXPECT_EQ(upload(alice.token, id, "0123456789").status, 204);
  auto give = [&](const std::string& token) {
    return call(
        "PATCH", kImages + "/" + id, token,
        nlohmann::json::array({{{"op", "replace"}, {"path", "/owner"}, {"value", bob.project_id}}}),
        {{"Content-Type", kPatch21}});
  };
  expect_glance_error(give(alice.token), 403, "owner");
  auto given = give(admin_token);
  ASSERT_EQ(given.status, 200) << given.body;
  EXPECT_EQ(json_of(given).value("owner", ""), bob.project_id);
  expect_glance_error(call("GET", kImages + "/" + id, alice.token), 404);
  EXPECT_EQ(call("GET", kImages + "/" + id, bob.token).status, 200);

  EXPECT_EQ(call("POST", kImages + "/" + id + "/actions/deactivate", bob.token).status, 204);
  EXPECT_EQ(show(id).value("status", ""), "deactivated");
  EXPECT_EQ(call("POST", kImages + "/" + id + "/actions/reactivate", bob.token).status, 204);

  const std::string empty = create_image(bob.token);
  auto names = [&](const std::string& query) {
    std::vector<std::string> out;
    const auto body = json_of(call("GET", kImages + query, bob.token));
    for (const auto& i : body["images"]) out.push_back(i.value("id", ""));
    return out;
  };
  EXPECT_EQ(names("?size_min=10"), std::vector<std::string>{id});
  EXPECT_TRUE(names("?size_max=9").empty());
  EXPECT_EQ(names("").size(), 2u) << empty;
  expect_glance_error(call("GET", kImages + "?size_min=ten", bob.token), 400);
  expect_glance_error(call("GET", kImages + "/", bob.token), 404);
}

}  // namespace
}  // namespace cumulo

namespace cumulo {
namespace {

// Issue 18: the metadata definitions catalog Horizon's image forms read:
// namespaces by resource type, their properties, read-only.
TEST_F(ImageApi, MetadefsListTheImagePropertiesNovaReads) {
  auto m = make_member("md");
  const std::string md = "/image/v2/metadefs";
  auto list = call("GET", md + "/namespaces?resource_types=OS::Glance::Image", m.token);
  ASSERT_EQ(list.status, 200) << list.body;
  std::set<std::string> names;
  const auto body = json_of(list);
  for (const auto& n : body["namespaces"]) names.insert(n.value("namespace", ""));
  EXPECT_TRUE(names.count("OS::Compute::Libvirt")) << list.body;
  EXPECT_TRUE(names.count("OS::OperatingSystem")) << list.body;
  const auto flavors =
      json_of(call("GET", md + "/namespaces?resource_types=OS::Nova::Flavor", m.token));
  EXPECT_EQ(flavors["namespaces"].size(), 1u) << flavors.dump();

  auto shown = call("GET", md + "/namespaces/OS::Compute::Libvirt", m.token);
  ASSERT_EQ(shown.status, 200) << shown.body;
  const auto ns = json_of(shown);
  EXPECT_EQ(ns["properties"]["disk_bus"]["type"], "string");
  EXPECT_EQ(ns["resource_type_associations"][0]["prefix"], "hw_");
  auto prop =
      json_of(call("GET", md + "/namespaces/OS::Compute::Libvirt/properties/vif_model", m.token));
  EXPECT_EQ(prop.value("name", ""), "vif_model");
  expect_glance_error(call("GET", md + "/namespaces/OS::Nothing", m.token), 404, "OS::Nothing");
  expect_glance_error(call("GET", md + "/namespaces", ""), 401);
  expect_glance_error(call("POST", md + "/namespaces", admin_token, {{"namespace", "mine"}}), 403,
                      "read-only");
  EXPECT_EQ(json_of(call("GET", md + "/resource_types", m.token))["resource_types"].size(), 3u);
  EXPECT_EQ(as_admin("GET", "/image/v2/schemas/metadefs/namespace").status, 200);
}

}  // namespace
}  // namespace cumulo
