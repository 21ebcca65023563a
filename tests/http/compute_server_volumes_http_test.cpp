// Volumes on servers over HTTP on a real `cumulo serve` (libvirt's test
// driver, the file volume backend): Nova's os-volume_attachments attaches a
// Cinder volume (reserved, attaching, then in-use with the attachment shown
// on both sides: the volume's attachments, the server's volumes_attached),
// lists and shows it, detaches it (available again), with Nova's 400s,
// 404s and 409s; Cinder's attachments API walks the same steps by hand;
// boot from volume (block_device_mapping_v2: a volume made from an image
// at the build, deleted with the server; an existing volume, kept); a
// restart keeps every attachment whole.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/support/compute_servers_support.hpp"
#include "virt/host_command.hpp"

namespace cumulo {
namespace {

using nlohmann::json;

class ServerVolumes : public servers_test {
 protected:
  void SetUp() override {
    if (find_program({"qemu-img"}).empty()) GTEST_SKIP() << "qemu-img (qemu-utils) is missing";
    servers_test::SetUp();
  }

  http_response volume(const std::string& method, const std::string& path, const std::string& token,
                       const json& body = nullptr, const std::string& version = "3.60") {
    return call(method, "/volume/v3" + path, token, body,
                {{"OpenStack-API-Version", "volume " + version}});
  }
  http_response attachments(const std::string& method, const std::string& token,
                            const std::string& server, const std::string& tail = "",
                            const json& body = nullptr, const std::string& version = "2.79") {
    return compute(method, "/servers/" + server + "/os-volume_attachments" + tail, token, body,
                   version);
  }

  // The volume once its status is not transitional (30 s); {"status": "404"}
  // once it is gone.
  json settle_volume(const std::string& token, const std::string& id) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    json found;
    while (std::chrono::steady_clock::now() < deadline) {
      auto r = volume("GET", "/volumes/" + id, token);
      if (r.status == 404) return json{{"status", "404"}};
      found = json_of(r)["volume"];
      const std::string status = found.value("status", "");
      if (status != "creating" && status != "deleting" && status != "attaching" &&
          status != "detaching" && status != "reserved")
        return found;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "volume " << id << " stayed " << found.dump();
    return found;
  }
  std::string status_of(const std::string& token, const std::string& id) {
    return json_of(volume("GET", "/volumes/" + id, token))["volume"].value("status", "");
  }
  std::string make_volume(const std::string& token, const std::string& name) {
    auto r = volume("POST", "/volumes", token, {{"volume", {{"size", 1}, {"name", name}}}});
    EXPECT_EQ(r.status, 202) << r.body;
    const std::string id = json_of(r)["volume"].value("id", "");
    EXPECT_EQ(settle_volume(token, id).value("status", ""), "available");
    return id;
  }
  // A raw image of `bytes` uploaded through Glance by `token`; its id.
  std::string glance_image(const std::string& token, const std::string& name,
                           const std::string& bytes) {
    auto made = call("POST", "/image/v2/images", token,
                     {{"name", name}, {"disk_format", "raw"}, {"container_format", "bare"}});
    EXPECT_EQ(made.status, 201) << made.body;
    const std::string id = json_of(made).value("id", "");
    auto put = raw("PUT", "/image/v2/images/" + id + "/file", bytes,
                   {{"X-Auth-Token", token}, {"Content-Type", "application/octet-stream"}});
    EXPECT_EQ(put.status, 204) << put.body;
    return id;
  }
  std::filesystem::path volume_file(const std::string& id) {
    return dir.path() / "data" / "volumes" / ("volume-" + id);
  }
};

TEST_F(ServerVolumes, AttachShowsOnBothSidesAndDetachMakesItAvailable) {
  auto m = make_member("vera");
  const auto net = make_network(m.token, "net");
  const auto server = boot(m.token, "vm1", net);
  ASSERT_EQ(settle(m.token, server).value("status", ""), "ACTIVE");
  const auto vol = make_volume(m.token, "v1");

  auto attached =
      attachments("POST", m.token, server, "", {{"volumeAttachment", {{"volumeId", vol}}}});
  ASSERT_EQ(attached.status, 200) << attached.body;
  auto a = json_of(attached)["volumeAttachment"];
  EXPECT_EQ(a.value("volumeId", ""), vol);
  EXPECT_EQ(a.value("serverId", ""), server);
  EXPECT_EQ(a.value("id", ""), vol) << "before 2.89 the id is the volume's";
  EXPECT_EQ(a.value("device", ""), "/dev/vdb");
  EXPECT_EQ(a.value("delete_on_termination", true), false);

  // Cinder's side: in-use, the attachment naming the server and device.
  auto v = settle_volume(m.token, vol);
  EXPECT_EQ(v.value("status", ""), "in-use") << v.dump();
  ASSERT_EQ(v["attachments"].size(), 1u) << v.dump();
  EXPECT_EQ(v["attachments"][0].value("server_id", ""), server);
  EXPECT_EQ(v["attachments"][0].value("device", ""), "/dev/vdb");
  // Nova's side: the server lists it, and os-volume_attachments shows it.
  auto s = settle(m.token, server);
  ASSERT_EQ(s["os-extended-volumes:volumes_attached"].size(), 1u) << s.dump();
  EXPECT_EQ(s["os-extended-volumes:volumes_attached"][0].value("id", ""), vol);
  auto listed = attachments("GET", m.token, server);
  ASSERT_EQ(listed.status, 200) << listed.body;
  ASSERT_EQ(json_of(listed)["volumeAttachments"].size(), 1u) << listed.body;
  auto shown = attachments("GET", m.token, server, "/" + vol, nullptr, "2.70");
  ASSERT_EQ(shown.status, 200) << shown.body;
  EXPECT_EQ(json_of(shown)["volumeAttachment"].value("device", ""), "/dev/vdb");
  EXPECT_TRUE(json_of(shown)["volumeAttachment"]["tag"].is_null()) << shown.body;
  EXPECT_FALSE(json_of(shown)["volumeAttachment"].contains("delete_on_termination"))
      << "2.79's";

  // An attached volume cannot be deleted, nor attached again.
  EXPECT_EQ(volume("DELETE", "/volumes/" + vol, m.token).status, 400);
  const auto other = boot(m.token, "vm2", net);
  ASSERT_EQ(settle(m.token, other).value("status", ""), "ACTIVE");
  auto twice = attachments("POST", m.token, other, "", {{"volumeAttachment", {{"volumeId", vol}}}});
  EXPECT_EQ(twice.status, 400) << twice.body;
  EXPECT_NE(twice.body.find("Invalid volume"), std::string::npos) << twice.body;
  EXPECT_EQ(settle_volume(m.token, vol).value("status", ""), "in-use") << "the refusal left it";

  // Detach: 202, then available with no attachment, the server without it.
  auto detached = attachments("DELETE", m.token, server, "/" + vol);
  EXPECT_EQ(detached.status, 202) << detached.body;
  v = settle_volume(m.token, vol);
  EXPECT_EQ(v.value("status", ""), "available") << v.dump();
  EXPECT_TRUE(v["attachments"].empty()) << v.dump();
  EXPECT_TRUE(settle(m.token, server)["os-extended-volumes:volumes_attached"].empty());
  EXPECT_EQ(attachments("GET", m.token, server, "/" + vol).status, 404);
  EXPECT_EQ(attachments("DELETE", m.token, server, "/" + vol).status, 404) << "not attached";

  // Attached to the other server now, and both devices are its vdb.
  auto again = attachments("POST", m.token, other, "", {{"volumeAttachment", {{"volumeId", vol}}}});
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(json_of(again)["volumeAttachment"].value("device", ""), "/dev/vdb");
  // The server's delete lets the volume go (not deleted: delete_on_termination false).
  EXPECT_EQ(compute("DELETE", "/servers/" + other, m.token).status, 204);
  EXPECT_EQ(settle(m.token, other).value("http_status", 0), 404);
  v = settle_volume(m.token, vol);
  EXPECT_EQ(v.value("status", ""), "available") << v.dump();
  EXPECT_TRUE(std::filesystem::exists(volume_file(vol)));
}

TEST_F(ServerVolumes, NovasRefusals) {
  auto m = make_member("vera");
  auto other = make_member("otto");
  const auto net = make_network(m.token, "net");
  const auto server = boot(m.token, "vm1", net);
  ASSERT_EQ(settle(m.token, server).value("status", ""), "ACTIVE");
  const auto theirs = make_volume(other.token, "theirs");
  const auto mine = make_volume(m.token, "mine");

  // Another project's volume is not found; a server of another project neither.
  auto r = attachments("POST", m.token, server, "", {{"volumeAttachment", {{"volumeId", theirs}}}});
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_EQ(settle_volume(other.token, theirs).value("status", ""), "available");
  r = attachments("POST", other.token, server, "", {{"volumeAttachment", {{"volumeId", theirs}}}});
  EXPECT_EQ(r.status, 404) << r.body;
  // The body's schema and the microversions of its fields.
  EXPECT_EQ(attachments("POST", m.token, server, "", {{"volumeAttachment", json::object()}}).status,
            400);
  EXPECT_EQ(
      attachments("POST", m.token, server, "",
                  {{"volumeAttachment", {{"volumeId", mine}, {"delete_on_termination", true}}}},
                  "2.78")
          .status,
      400)
      << "delete_on_termination is 2.79's";
  EXPECT_EQ(attachments("POST", m.token, server, "",
                        {{"volumeAttachment", {{"volumeId", mine}, {"device", "vdc"}}}})
                .status,
            400);
  // A locked server refuses its owner (409).
  ASSERT_EQ(compute("POST", "/servers/" + server + "/action", m.token, {{"lock", nullptr}}).status,
            202);
  r = attachments("POST", m.token, server, "", {{"volumeAttachment", {{"volumeId", mine}}}});
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(settle_volume(m.token, mine).value("status", ""), "available");
  ASSERT_EQ(
      compute("POST", "/servers/" + server + "/action", m.token, {{"unlock", nullptr}}).status,
      202);
  // A stopped server takes volumes; tag and delete_on_termination are kept.
  ASSERT_EQ(
      compute("POST", "/servers/" + server + "/action", m.token, {{"os-stop", nullptr}}).status,
      202);
  ASSERT_EQ(settle(m.token, server, {"ACTIVE"}).value("status", ""), "SHUTOFF");
  r = attachments("POST", m.token, server, "",
                  {{"volumeAttachment",
                    {{"volumeId", mine}, {"tag", "data"}, {"delete_on_termination", true}}}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json_of(r)["volumeAttachment"].value("tag", ""), "data");
  EXPECT_EQ(settle_volume(m.token, mine).value("status", ""), "in-use");
  // Its delete takes the volume marked delete_on_termination with it.
  EXPECT_EQ(compute("DELETE", "/servers/" + server, m.token).status, 204);
  EXPECT_EQ(settle(m.token, server).value("http_status", 0), 404);
  EXPECT_EQ(settle_volume(m.token, mine).value("status", ""), "404");
  EXPECT_FALSE(std::filesystem::exists(volume_file(mine)));
}

TEST_F(ServerVolumes, CindersAttachmentsApiWalksTheStepsByHand) {
  auto m = make_member("vera");
  const auto vol = make_volume(m.token, "v");
  const std::string server = "0d8e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a";
  EXPECT_EQ(volume("POST", "/attachments", m.token,
                   {{"attachment", {{"volume_uuid", vol}, {"instance_uuid", server}}}}, "3.26")
                .status,
            404)
      << "attachments are 3.27's";
  auto made = volume("POST", "/attachments", m.token,
                     {{"attachment", {{"volume_uuid", vol}, {"instance_uuid", server}}}}, "3.44");
  ASSERT_EQ(made.status, 200) << made.body;
  const auto a = json_of(made)["attachment"];
  EXPECT_EQ(a.value("status", ""), "reserved");
  const std::string id = a.value("id", "");
  EXPECT_EQ(status_of(m.token, vol), "reserved") << "nothing moves it on but the client";

  auto updated = volume("PUT", "/attachments/" + id, m.token,
                        {{"attachment", {{"connector", {{"host", "compute-1"}}}}}}, "3.44");
  ASSERT_EQ(updated.status, 200) << updated.body;
  const auto info = json_of(updated)["attachment"]["connection_info"];
  EXPECT_EQ(info.value("driver_volume_type", ""), "file") << updated.body;
  EXPECT_EQ(status_of(m.token, vol), "attaching");
  EXPECT_EQ(
      volume("POST", "/attachments/" + id + "/action", m.token, {{"os-complete", nullptr}}, "3.44")
          .status,
      204);
  auto v = settle_volume(m.token, vol);
  EXPECT_EQ(v.value("status", ""), "in-use");
  ASSERT_EQ(v["attachments"].size(), 1u);
  EXPECT_EQ(v["attachments"][0].value("server_id", ""), server);

  auto listed = volume("GET", "/attachments?volume_id=" + vol, m.token, nullptr, "3.44");
  ASSERT_EQ(listed.status, 200) << listed.body;
  ASSERT_EQ(json_of(listed)["attachments"].size(), 1u);
  EXPECT_EQ(json_of(listed)["attachments"][0].value("status", ""), "attached");
  // Another project sees none of it.
  auto other = make_member("otto");
  EXPECT_EQ(volume("GET", "/attachments/" + id, other.token, nullptr, "3.44").status, 404);
  EXPECT_TRUE(
      json_of(volume("GET", "/attachments", other.token, nullptr, "3.44"))["attachments"].empty());

  auto deleted = volume("DELETE", "/attachments/" + id, m.token, nullptr, "3.44");
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_TRUE(json_of(deleted)["attachments"].empty());
  EXPECT_EQ(settle_volume(m.token, vol).value("status", ""), "available");
  EXPECT_EQ(volume("GET", "/attachments/" + id, m.token, nullptr, "3.44").status, 404);
}

TEST_F(ServerVolumes, BootFromAVolumeMadeFromAnImageAndFromAnExistingOne) {
  auto m = make_member("vera");
  const auto net = make_network(m.token, "net");
  std::string bytes(1 << 20, '\0');
  bytes.replace(0, 11, "BOOT-MARKER");
  const auto image = glance_image(m.token, "bootable", bytes);

  // Without a size, Nova's 400; the image made into a 1 GB volume otherwise.
  json body = {{"server",
                {{"name", "bfv"},
                 {"flavorRef", "1"},
                 {"networks", {{{"uuid", net}}}},
                 {"block_device_mapping_v2",
                  {{{"boot_index", "0"},
                    {"uuid", image},
                    {"source_type", "image"},
                    {"destination_type", "volume"},
                    {"delete_on_termination", true}}}}}}};
  auto r = compute("POST", "/servers", m.token, body);
  EXPECT_EQ(r.status, 400) << r.body;
  body["server"]["block_device_mapping_v2"][0]["volume_size"] = 1;
  r = compute("POST", "/servers", m.token, body);
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string bfv = json_of(r)["server"].value("id", "");
  auto s = settle(m.token, bfv);
  ASSERT_EQ(s.value("status", ""), "ACTIVE") << s.dump();
  EXPECT_EQ(s["image"], "") << "a server booted from a volume shows no image";
  ASSERT_EQ(s["os-extended-volumes:volumes_attached"].size(), 1u) << s.dump();
  const std::string root = s["os-extended-volumes:volumes_attached"][0].value("id", "");
  auto v = settle_volume(m.token, root);
  EXPECT_EQ(v.value("status", ""), "in-use") << v.dump();
  EXPECT_EQ(v.value("bootable", ""), "true");
  EXPECT_EQ(v["attachments"][0].value("device", ""), "/dev/vda");
  // Its bytes are the image's.
  {
    std::ifstream in(volume_file(root), std::ios::binary);
    std::string head(11, '\0');
    in.read(head.data(), 11);
    EXPECT_EQ(head, "BOOT-MARKER");
  }
  // The root volume cannot be detached (Nova's 400).
  EXPECT_EQ(attachments("DELETE", m.token, bfv, "/" + root).status, 400);
  // Deleting the server deletes the volume (delete_on_termination).
  EXPECT_EQ(compute("DELETE", "/servers/" + bfv, m.token).status, 204);
  EXPECT_EQ(settle(m.token, bfv).value("http_status", 0), 404);
  EXPECT_EQ(settle_volume(m.token, root).value("status", ""), "404");

  // An existing volume: kept when the server goes.
  const auto keep = make_volume(m.token, "keep");
  json from_volume = {{"server",
                       {{"name", "bfv2"},
                        {"flavorRef", "1"},
                        {"imageRef", ""},
                        {"networks", {{{"uuid", net}}}},
                        {"block_device_mapping_v2",
                         {{{"boot_index", 0},
                           {"uuid", keep},
                           {"source_type", "volume"},
                           {"destination_type", "volume"}}}}}}};
  r = compute("POST", "/servers", m.token, from_volume);
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string bfv2 = json_of(r)["server"].value("id", "");
  ASSERT_EQ(settle(m.token, bfv2).value("status", ""), "ACTIVE");
  EXPECT_EQ(settle_volume(m.token, keep).value("status", ""), "in-use");
  // In use: a second server cannot boot from it.
  from_volume["server"]["name"] = "bfv3";
  r = compute("POST", "/servers", m.token, from_volume);
  EXPECT_EQ(r.status, 400) << r.body;
  // Survives a restart whole, then the server's delete keeps it.
  restart();
  EXPECT_EQ(settle(m.token, bfv2).value("status", ""), "ACTIVE");
  EXPECT_EQ(settle_volume(m.token, keep).value("status", ""), "in-use");
  EXPECT_EQ(compute("DELETE", "/servers/" + bfv2, m.token).status, 204);
  EXPECT_EQ(settle(m.token, bfv2).value("http_status", 0), 404);
  EXPECT_EQ(settle_volume(m.token, keep).value("status", ""), "available");
  // Unsupported mappings are Nova's 400, not a server.
  json blank = {{"server",
                 {{"name", "b"},
                  {"flavorRef", "1"},
                  {"imageRef", image},
                  {"block_device_mapping_v2",
                   {{{"boot_index", -1},
                     {"source_type", "blank"},
                     {"destination_type", "local"},
                     {"volume_size", 1}}}}}}};
  EXPECT_EQ(compute("POST", "/servers", m.token, blank).status, 400);
}

}  // namespace
}  // namespace cumulo
