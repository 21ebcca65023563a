// What the servers tests share: a cloud with images. The images are written
// into the data dir's event log while the cloud is stopped, as Glance's own
// events (image.created, image.upload_started, image.uploaded), so a test
// gets an image of any owner and state without uploading one; the restarted
// cloud folds them like any image.
#pragma once

#include <chrono>
#include <string>
#include <thread>

#include "engine/codec.hpp"
#include "store/data_dir.hpp"
#include "store/event_store.hpp"
#include "engine/image_state.hpp"
#include "tests/support/keystone_client.hpp"

namespace cumulo {

struct seeded_image {
  std::string id;
  std::string owner;
  std::string visibility;
  bool active = true;
};

inline void seed_images(const std::filesystem::path& data, const std::vector<seeded_image>& all) {
  event_store store(data_dir::events_db_of(data));
  for (const auto& i : all) {
    image_created created;
    created.name = i.id;
    created.owner = i.owner;
    created.disk_format = "qcow2";
    created.container_format = "bare";
    created.visibility = i.visibility;
    append_request req{
        "image/" + i.id, event_store::no_stream, {encode(created)}, {"req-seed", "test"}};
    if (i.active) {
      req.events.push_back(encode(image_upload_started{}));
      req.events.push_back(
          encode(image_uploaded{16, std::string(32, 'a'), "sha512", std::string(128, 'b'), 16}));
    }
    auto r = store.append(std::move(req));
    ASSERT_FALSE(r.error) << r.error->message;
  }
}

// A Nova error: one key ("badRequest", "conflictingRequest"...) holding
// this code and message.
inline void expect_nova_error(const http_response& r, int code, const std::string& message) {
  EXPECT_EQ(r.status, code) << r.body;
  auto body = json_of(r);
  ASSERT_TRUE(body.is_object() && body.size() == 1) << r.body;
  const auto& e = body.begin().value();
  EXPECT_EQ(e.value("code", 0), code) << r.body;
  EXPECT_EQ(e.value("message", ""), message) << r.body;
}

// A served cloud with a public active image "cirros", the admin's token, and
// helpers for networks and servers.
class servers_test : public identity_test {
 protected:
  void SetUp() override {
    identity_test::SetUp();
    ASSERT_EQ(cloud->stop(), 0) << cloud->err();
    seed_images(dir.path() / "data", images());
    restart();
  }
  virtual std::vector<seeded_image> images() const {
    return {{"cirros", "nobody", "public", true}};
  }

  // A network with one IPv4 subnet, made with `token`; its id.
  std::string make_network(const std::string& token, const std::string& name,
                           const std::string& cidr = "10.0.0.0/24") {
    auto n = call("POST", "/networking/v2.0/networks", token, {{"network", {{"name", name}}}});
    EXPECT_EQ(n.status, 201) << n.body;
    const std::string id = json_of(n)["network"].value("id", "");
    auto s = call("POST", "/networking/v2.0/subnets", token,
                  {{"subnet", {{"network_id", id}, {"cidr", cidr}, {"ip_version", 4}}}});
    EXPECT_EQ(s.status, 201) << s.body;
    return id;
  }

  http_response compute(const std::string& method, const std::string& path,
                        const std::string& token, const nlohmann::json& body = nullptr,
                        const std::string& version = "") {
    std::map<std::string, std::string> h;
    if (!version.empty()) h["OpenStack-API-Version"] = "compute " + version;
    return call(method, "/compute/v2.1" + path, token, body, h);
  }

  nlohmann::json boot_body(const std::string& name, const std::string& network,
                           const std::string& flavor = "1") {
    nlohmann::json s{{"name", name}, {"imageRef", "cirros"}, {"flavorRef", flavor}};
    if (!network.empty()) s["networks"] = nlohmann::json::array({{{"uuid", network}}});
    return {{"server", s}};
  }

  // Boots and returns the server id ("" and a failure when refused).
  std::string boot(const std::string& token, const std::string& name, const std::string& network) {
    auto r = compute("POST", "/servers", token, boot_body(name, network));
    EXPECT_EQ(r.status, 202) << r.body;
    return json_of(r)["server"].value("id", "");
  }

  // GET /servers/{id} until the status is none of BUILD and the given
  // transitional ones (at most 30 s); the last body.
  nlohmann::json settle(const std::string& token, const std::string& id,
                        const std::vector<std::string>& moving = {"BUILD"}) {
    nlohmann::json s;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      auto r = compute("GET", "/servers/" + id, token);
      if (r.status != 200) return nlohmann::json{{"http_status", r.status}};
      s = json_of(r)["server"];
      const auto status = s.value("status", "");
      if (std::find(moving.begin(), moving.end(), status) == moving.end() &&
          s["OS-EXT-STS:task_state"].is_null())
        return s;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "server " << id << " did not settle: " << s.dump();
    return s;
  }
};

}  // namespace cumulo
