// `cumulo replay --stream instance/<id>` on the log of a real cloud: an
// instance's story across the actors that touched it. A launch onto hosts
// too small ends in ERROR and replay names each host's reason; an ACTIVE
// launch shows the scheduler's choice, the claim, the port, the image and
// each status change.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <thread>

#include "tests/support/keystone_client.hpp"
#include "tests/support/run_command.hpp"

namespace cumulo {
namespace {

using nlohmann::json;

// A cloud with an image, a network and helpers to launch and wait.
class replay_cloud : public identity_test {
 protected:
  std::string data() const { return (dir.path() / "data").string(); }

  std::string make_image(const std::string& name) {
    auto r = as_admin("POST", "/image/v2/images",
                      {{"name", name}, {"disk_format", "raw"}, {"container_format", "bare"}});
    EXPECT_EQ(r.status, 201) << r.body;
    const std::string id = json_of(r).value("id", "");
    EXPECT_EQ(raw("PUT", "/image/v2/images/" + id + "/file", std::string(1024, 'i'),
                  {{"X-Auth-Token", admin_token}, {"Content-Type", "application/octet-stream"}})
                  .status,
              204);
    return id;
  }

  std::string make_network(const std::string& name) {
    auto net = as_admin("POST", "/networking/v2.0/networks", {{"network", {{"name", name}}}});
    EXPECT_EQ(net.status, 201) << net.body;
    const std::string id = json_of(net)["network"].value("id", "");
    auto sub =
        as_admin("POST", "/networking/v2.0/subnets",
                 {{"subnet", {{"network_id", id}, {"ip_version", 4}, {"cidr", "10.30.0.0/24"}}}});
    EXPECT_EQ(sub.status, 201) << sub.body;
    return id;
  }

  std::string launch(const std::string& name, const std::string& image, const std::string& net) {
    auto r = as_admin("POST", "/compute/v2.1/servers",
                      {{"server",
                        {{"name", name},
                         {"imageRef", image},
                         {"flavorRef", "1"},
                         {"networks", {{{"uuid", net}}}}}}});
    EXPECT_EQ(r.status, 202) << r.body;
    return json_of(r)["server"].value("id", "");
  }

  json wait_for(const std::string& id, const std::string& status) {
    json s;
    for (int i = 0; i < 500; ++i) {
      auto r = as_admin("GET", "/compute/v2.1/servers/" + id);
      s = json_of(r)["server"];
      if (s.value("status", "") == status) return s;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << id << " never became " << status << ": " << s.dump();
    return s;
  }

  command_result replay(std::vector<std::string> args) {
    std::vector<std::string> all{CUMULO_BINARY, "replay", "--data-dir", data()};
    all.insert(all.end(), args.begin(), args.end());
    return run_command(all);
  }

  std::int64_t last_seq() {
    auto r = replay({"--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out)["last_seq"].get<std::int64_t>();
  }
};

class ReplaySmallHosts : public replay_cloud {
 protected:
  std::vector<std::string> extra_args() const override {
    const auto file = dir.path() / "hosts.txt";
    std::ofstream(file) << "small-1 1 256 10\nsmall-2 2 300 10\n";  // name vcpus MB GB
    return {"--hosts-file", file.string()};
  }
};

TEST_F(ReplaySmallHosts, NoValidHostShowsEachHostsReason) {
  const auto image = make_image("base");
  const auto net = make_network("private");
  const auto id = launch("too-big", image, net);
  auto s = wait_for(id, "ERROR");
  EXPECT_NE(s["fault"].value("message", "").find("No valid host was found"), std::string::npos)
      << s.dump();

  auto r = replay({"--stream", "instance/" + id});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("the story of instance/" + id + " (too-big), now ERROR"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("  small-1: rejected: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  small-2: rejected: "), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("<- chosen"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("No host passed the filters: small-1: "), std::string::npos)
      << "the fault's details name each host: " << r.out;
  EXPECT_NE(r.out.find("host: -"), std::string::npos) << r.out;

  auto j = replay({"--stream", "instance/" + id, "--json", "--story"});
  ASSERT_EQ(j.exit_code, 0) << j.err;
  auto story = json::parse(j.out);
  ASSERT_EQ(story["scheduler"]["hosts"].size(), 2u) << j.out;
  for (const auto& h : story["scheduler"]["hosts"])
    EXPECT_NE(h.value("rejected", "").find("RAM"), std::string::npos)
        << "hosts of 256 and 300 MB cannot take 512 MB: " << h.dump();
  EXPECT_EQ(story["status"], "ERROR");
  ASSERT_EQ(story["faults"].size(), 1u);
  EXPECT_FALSE(story["stream_events"].empty());
}

class ReplayStory : public replay_cloud {
 protected:
  std::vector<std::string> extra_args() const override { return {"--hosts", "2"}; }
};

TEST_F(ReplayStory, ActiveLaunchShowsSchedulerClaimPortImageAndStates) {
  const auto image = make_image("cirros");
  const auto net = make_network("private");
  const auto id = launch("web", image, net);
  auto s = wait_for(id, "ACTIVE");
  const std::string host = s.value("OS-EXT-SRV-ATTR:host", "");
  ASSERT_FALSE(host.empty()) << s.dump();

  auto r = replay({"--stream", "instance/" + id});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The stream's own events, as before, then the story.
  EXPECT_NE(r.out.find("instance.requested"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[host/" + host + "] claimed 1 vCPU, 512 MB"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(host + ": passed"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("<- chosen"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("image: " + image + " (cirros, active at the launch)"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("host: " + host), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("port: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("network.port_created"), std::string::npos)
      << "networking's port for it, from the network's stream: " << r.out;
  EXPECT_NE(r.out.find("states: BUILD (scheduling) ->"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ACTIVE -> now"), std::string::npos) << r.out;

  // After a delete: the claim released and the port deleted are in it too.
  ASSERT_EQ(as_admin("DELETE", "/compute/v2.1/servers/" + id).status, 204);
  for (int i = 0; i < 500; ++i) {
    if (as_admin("GET", "/compute/v2.1/servers/" + id).status == 404) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  auto after = json::parse(replay({"--stream", "instance/" + id, "--json", "--story"}).out);
  std::set<std::string> types;
  for (const auto& e : after["events"]) types.insert(e["type"].get<std::string>());
  for (const char* t : {"host.claimed", "host.released", "network.port_created",
                        "network.port_deleted", "instance.deleted"})
    EXPECT_TRUE(types.count(t)) << t << " missing from " << after["events"].dump();
}

TEST_F(ReplayStory, DiffShowsCreatedDeletedAndChangedFields) {
  const auto image = make_image("cirros");
  const auto net = make_network("private");
  const auto id = launch("before", image, net);
  wait_for(id, "ACTIVE");
  const auto from = last_seq();

  auto later = as_admin("POST", "/networking/v2.0/networks", {{"network", {{"name", "later"}}}});
  ASSERT_EQ(later.status, 201);
  const std::string later_id = json_of(later)["network"]["id"];
  ASSERT_EQ(
      as_admin("PUT", "/compute/v2.1/servers/" + id, {{"server", {{"name", "after"}}}}).status,
      200);
  ASSERT_EQ(as_admin("DELETE", "/image/v2/images/" + image).status, 204);
  const auto to = last_seq();

  auto r = replay({"--diff", std::to_string(from), std::to_string(to), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto d = json::parse(r.out);
  ASSERT_EQ(d["created"].size(), 1u) << r.out;
  EXPECT_EQ(d["created"][0]["stream"], "network/" + later_id);
  ASSERT_EQ(d["deleted"].size(), 1u) << r.out;
  EXPECT_EQ(d["deleted"][0]["stream"], "image/" + image);
  bool renamed = false;
  for (const auto& c : d["changed"])
    if (c["stream"] == "instance/" + id) {
      EXPECT_EQ(c["fields"]["name"]["old"], "before") << c.dump();
      EXPECT_EQ(c["fields"]["name"]["new"], "after") << c.dump();
      EXPECT_FALSE(c["fields"].contains("version")) << "bookkeeping is not a change";
      renamed = true;
    }
  EXPECT_TRUE(renamed) << r.out;

  auto text = replay({"--diff", std::to_string(from), std::to_string(to)});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("+ network/" + later_id + " (later)"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("- image/" + image + " (cirros)"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("~ instance/" + id), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("name: \"before\" -> \"after\""), std::string::npos) << text.out;

  // Nothing between a point and itself.
  auto same = json::parse(replay({"--diff", std::to_string(to), std::to_string(to), "--json"}).out);
  EXPECT_TRUE(same["created"].empty() && same["deleted"].empty() && same["changed"].empty());
  EXPECT_NE(replay({"--diff", "3"}).exit_code, 0) << "--diff takes two points";
}

TEST_F(ReplayStory, FollowTailsALiveCloud) {
  const auto from = last_seq() + 1;
  command_result followed;
  std::thread tail([&] {
    followed = replay({"--follow", "--from", std::to_string(from), "--count", "1", "--json"});
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  auto net = as_admin("POST", "/networking/v2.0/networks", {{"network", {{"name", "tailed"}}}});
  ASSERT_EQ(net.status, 201);
  tail.join();
  ASSERT_EQ(followed.exit_code, 0) << followed.err;
  auto e = json::parse(followed.out, nullptr, false);
  ASSERT_TRUE(e.is_object()) << followed.out;
  EXPECT_EQ(e["type"], "network.created") << followed.out;
  EXPECT_EQ(e["seq"].get<std::int64_t>(), from);
  EXPECT_EQ(e["payload"]["name"], "tailed");

  EXPECT_NE(replay({"--count", "1"}).exit_code, 0) << "--count needs --follow";
}

}  // namespace
}  // namespace cumulo
