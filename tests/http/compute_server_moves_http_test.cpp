// Nova's moves over HTTP on a real `cumulo serve` with three compute
// hosts: resize (VERIFY_RESIZE on another host, the source's claim held
// until confirm; revert back to the source and the old flavor), an admin's
// cold and live migration, os-migrations, shelve (a "-shelved" snapshot,
// the host freed) and unshelve (scheduled again, the snapshot deleted),
// rescue and unrescue, with Nova's 400/403/409s.
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "tests/support/compute_servers_support.hpp"

namespace cumulo {
namespace {

using nlohmann::json;

class ServerMoves : public servers_test {
 protected:
  std::vector<std::string> extra_args() const override {
    const auto file = dir.path() / "hosts.txt";
    std::ofstream(file) << "node-1 4 4096 40\nnode-2 4 4096 40\nnode-3 4 4096 40\n";
    return {"--hosts-file", file.string()};
  }

  http_response act(const std::string& token, const std::string& id, const json& body,
                    const std::string& version = "") {
    return compute("POST", "/servers/" + id + "/action", token, body, version);
  }

  json server(const std::string& id, const std::vector<std::string>& moving) {
    return settle(admin_token, id, moving);
  }

  // The memory each host has claimed, by host name.
  std::map<std::string, std::int64_t> memory_used() {
    auto r = compute("GET", "/os-hypervisors/detail", admin_token);
    EXPECT_EQ(r.status, 200) << r.body;
    std::map<std::string, std::int64_t> out;
    const auto body = json_of(r);
    for (const auto& h : body["hypervisors"])
      out[h.value("hypervisor_hostname", "")] = h.value("memory_mb_used", std::int64_t{0});
    EXPECT_EQ(out.size(), 3u) << r.body;
    return out;
  }
};

const std::vector<std::string> resizing{"BUILD", "RESIZE"};

TEST_F(ServerMoves, ResizeConfirmsOnAnotherHostAndRevertGoesBack) {
  auto m = make_member("moves");
  const auto net = make_network(m.token, "net");
  const auto id = boot(m.token, "vm1", net);
  auto before = server(id, {"BUILD"});
  ASSERT_EQ(before.value("status", ""), "ACTIVE");
  const std::string source = before.value("OS-EXT-SRV-ATTR:host", "");

  // Nova's refusals first.
  EXPECT_EQ(act(m.token, id, {{"resize", {{"flavorRef", "1"}}}}).status, 400) << "the same flavor";
  EXPECT_EQ(act(m.token, id, {{"resize", {{"flavorRef", "nope"}}}}).status, 400);
  EXPECT_EQ(act(m.token, id, {{"resize", json::object()}}).status, 400);
  EXPECT_EQ(act(m.token, id, {{"confirmResize", nullptr}}).status, 409);
  EXPECT_EQ(act(m.token, id, {{"migrate", nullptr}}).status, 403) << "an admin's";

  auto r = act(m.token, id, {{"resize", {{"flavorRef", "2"}}}});
  ASSERT_EQ(r.status, 202) << r.body;
  auto resized = server(id, resizing);
  EXPECT_EQ(resized.value("status", ""), "VERIFY_RESIZE") << resized.dump();
  EXPECT_EQ(resized["OS-EXT-STS:vm_state"], "resized");
  EXPECT_EQ(resized["flavor"]["id"], "2");
  const std::string dest = resized.value("OS-EXT-SRV-ATTR:host", "");
  EXPECT_NE(dest, source) << "another host, while one fits";
  // The source still holds the old flavor's memory until the confirm.
  auto used = memory_used();
  EXPECT_EQ(used[source], 512);
  EXPECT_EQ(used[dest], 2048);
  EXPECT_EQ(act(m.token, id, {{"resize", {{"flavorRef", "3"}}}}).status, 409);

  auto c = act(m.token, id, {{"confirmResize", nullptr}});
  ASSERT_EQ(c.status, 204) << c.body;
  auto confirmed = server(id, {});
  EXPECT_EQ(confirmed.value("status", ""), "ACTIVE");
  used = memory_used();
  EXPECT_EQ(used[source], 0) << "the source's claim is gone";
  EXPECT_EQ(used[dest], 2048);
  EXPECT_EQ(act(m.token, id, {{"resize", {{"flavorRef", "1"}}}}).status, 400)
      << "Unable to resize disk down.";

  // Revert: back on its host with its old flavor, a stopped one stopped.
  const auto id2 = boot(m.token, "vm2", net);
  server(id2, {"BUILD"});
  ASSERT_EQ(act(m.token, id2, {{"os-stop", nullptr}}).status, 202);
  const std::string home = server(id2, {"ACTIVE"}).value("OS-EXT-SRV-ATTR:host", "");
  ASSERT_EQ(act(m.token, id2, {{"resize", {{"flavorRef", "2"}}}}).status, 202);
  auto moved = server(id2, resizing);
  ASSERT_EQ(moved.value("status", ""), "VERIFY_RESIZE") << moved.dump();
  EXPECT_EQ(moved["OS-EXT-STS:power_state"], 4) << "stopped before, stopped on the destination";
  ASSERT_EQ(act(m.token, id2, {{"revertResize", nullptr}}).status, 202);
  auto back = server(id2, {"REVERT_RESIZE"});
  EXPECT_EQ(back.value("status", ""), "SHUTOFF") << back.dump();
  EXPECT_EQ(back.value("OS-EXT-SRV-ATTR:host", ""), home);
  EXPECT_EQ(back["flavor"]["id"], "1");

  // os-migrations: an admin's, newest first, Nova's fields by version.
  EXPECT_EQ(compute("GET", "/os-migrations", m.token).status, 403);
  auto list = compute("GET", "/os-migrations?instance_uuid=" + id2, admin_token, nullptr, "2.80");
  ASSERT_EQ(list.status, 200) << list.body;
  auto migrations = json_of(list)["migrations"];
  ASSERT_EQ(migrations.size(), 1u) << migrations.dump();
  EXPECT_EQ(migrations[0]["status"], "reverted");
  EXPECT_EQ(migrations[0]["migration_type"], "resize");
  EXPECT_EQ(migrations[0]["source_compute"], home);
  EXPECT_EQ(migrations[0]["old_instance_type_id"], 1);
  EXPECT_EQ(migrations[0]["new_instance_type_id"], 2);
  EXPECT_EQ(migrations[0]["project_id"], m.project_id);
  EXPECT_TRUE(migrations[0]["uuid"].is_string());
  auto old = json_of(compute("GET", "/os-migrations", admin_token))["migrations"];
  ASSERT_EQ(old.size(), 2u);
  EXPECT_FALSE(old[0].contains("migration_type")) << "2.23";
  EXPECT_TRUE(old[0]["id"].is_number_integer());
}

TEST_F(ServerMoves, AnAdminMigratesColdAndLive) {
  auto m = make_member("migrations");
  const auto id = boot(m.token, "vm1", make_network(m.token, "net"));
  const std::string source = server(id, {"BUILD"}).value("OS-EXT-SRV-ATTR:host", "");
  ASSERT_EQ(act(admin_token, id, {{"migrate", nullptr}}).status, 202);
  auto moved = server(id, resizing);
  ASSERT_EQ(moved.value("status", ""), "VERIFY_RESIZE") << moved.dump();
  const std::string dest = moved.value("OS-EXT-SRV-ATTR:host", "");
  EXPECT_NE(dest, source);
  EXPECT_EQ(moved["flavor"]["id"], "1");
  ASSERT_EQ(act(admin_token, id, {{"confirmResize", nullptr}}).status, 204);
  server(id, {});

  // Live: to a named host (Nova's 400 for one that is not), or the
  // scheduler's choice; no confirm.
  EXPECT_EQ(act(admin_token, id,
                {{"os-migrateLive", {{"host", "node-9"}, {"block_migration", "auto"}}}}, "2.30")
                .status,
            400);
  EXPECT_EQ(act(admin_token, id, {{"os-migrateLive", {{"host", nullptr}}}}).status, 400)
      << "block_migration is required";
  EXPECT_EQ(act(m.token, id, {{"os-migrateLive", {{"host", nullptr}, {"block_migration", false}}}})
                .status,
            403);
  const std::string target = source;
  auto live = act(admin_token, id,
                  {{"os-migrateLive", {{"host", target}, {"block_migration", "auto"}}}}, "2.30");
  ASSERT_EQ(live.status, 202) << live.body;
  auto after = server(id, {"MIGRATING"});
  EXPECT_EQ(after.value("status", ""), "ACTIVE") << after.dump();
  EXPECT_EQ(after.value("OS-EXT-SRV-ATTR:host", ""), target);
  EXPECT_EQ(memory_used()[dest], 0) << "the source's claim goes with a live migration";

  auto list = json_of(compute("GET", "/os-migrations?migration_type=live-migration", admin_token,
                              nullptr, "2.23"))["migrations"];
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["status"], "completed");
  EXPECT_EQ(list[0]["dest_compute"], target);
  // One host only: a migration finds no other and the server stays.
  auto in_progress = compute("GET", "/servers/" + id + "/migrations", admin_token, nullptr, "2.23");
  EXPECT_EQ(in_progress.status, 200);
  EXPECT_EQ(json_of(in_progress)["migrations"], json::array());
}

// Evacuate: an admin says a host is down (os-services forced_down), the
// scheduler passes it over, and its servers come up elsewhere as they were.
TEST_F(ServerMoves, EvacuateFromAHostThatIsDown) {
  auto m = make_member("evacuees");
  const auto net = make_network(m.token, "net");
  const auto id = boot(m.token, "vm1", net);
  const std::string source = server(id, {"BUILD"}).value("OS-EXT-SRV-ATTR:host", "");
  // A second server on the same host (an admin's live migration there).
  const auto id2 = boot(m.token, "vm2", net);
  if (server(id2, {"BUILD"}).value("OS-EXT-SRV-ATTR:host", "") != source) {
    ASSERT_EQ(act(admin_token, id2,
                  {{"os-migrateLive", {{"host", source}, {"block_migration", "auto"}}}}, "2.30")
                  .status,
              202);
    ASSERT_EQ(server(id2, {"MIGRATING"}).value("OS-EXT-SRV-ATTR:host", ""), source);
  }
  EXPECT_EQ(act(m.token, id, {{"evacuate", json::object()}}, "2.29").status, 403) << "an admin's";
  auto up = act(admin_token, id, {{"evacuate", json::object()}}, "2.29");
  EXPECT_EQ(up.status, 400) << up.body;
  EXPECT_NE(up.body.find("Compute service of " + source + " is still in use."), std::string::npos)
      << up.body;
  EXPECT_EQ(act(admin_token, id, {{"evacuate", {{"host", "node-9"}}}}, "2.29").status, 404);
  EXPECT_EQ(act(admin_token, id, {{"evacuate", {{"host", source}}}}, "2.29").status, 400)
      << "The target host can't be the same one.";
  EXPECT_EQ(act(admin_token, id, {{"evacuate", json::object()}}, "2.1").status, 400)
      << "onSharedStorage is required before 2.14";
  EXPECT_EQ(act(admin_token, id, {{"evacuate", {{"onSharedStorage", true}}}}, "2.14").status, 400);

  // Forced down (2.53, by the service's id): down in os-services and
  // os-hypervisors, and no new server goes there.
  auto services = json_of(compute("GET", "/os-services?binary=nova-compute&host=" + source,
                                  admin_token, nullptr, "2.53"))["services"];
  ASSERT_EQ(services.size(), 1u);
  const std::string service = services[0].value("id", "");
  auto down =
      compute("PUT", "/os-services/" + service, admin_token, {{"forced_down", true}}, "2.53");
  ASSERT_EQ(down.status, 200) << down.body;
  EXPECT_EQ(json_of(down)["service"]["forced_down"], true);
  EXPECT_EQ(json_of(down)["service"]["state"], "down");
  auto hypervisors = json_of(compute("GET", "/os-hypervisors", admin_token))["hypervisors"];
  for (const auto& h : hypervisors)
    EXPECT_EQ(h["state"], h["hypervisor_hostname"] == source ? "down" : "up") << h.dump();
  const auto id3 = boot(m.token, "vm3", net);
  EXPECT_NE(server(id3, {"BUILD"}).value("OS-EXT-SRV-ATTR:host", ""), source);

  // A running server comes up elsewhere (200, no body from 2.14); a
  // stopped one stays stopped; before 2.14 the answer has the password.
  ASSERT_EQ(act(m.token, id2, {{"os-stop", nullptr}}).status, 202);
  server(id2, {"ACTIVE"});
  auto e = act(admin_token, id, {{"evacuate", json::object()}}, "2.29");
  ASSERT_EQ(e.status, 200) << e.body;
  EXPECT_TRUE(e.body.empty()) << e.body;
  auto moved = server(id, {"REBUILD"});
  EXPECT_EQ(moved.value("status", ""), "ACTIVE") << moved.dump();
  EXPECT_NE(moved.value("OS-EXT-SRV-ATTR:host", ""), source);
  EXPECT_EQ(moved["addresses"]["net"].size(), 1u) << "its port stays";
  auto old = act(admin_token, id2, {{"evacuate", {{"onSharedStorage", "False"}}}}, "2.1");
  ASSERT_EQ(old.status, 200) << old.body;
  EXPECT_TRUE(json_of(old)["adminPass"].is_string()) << old.body;
  auto stopped = server(id2, {"REBUILD"});
  EXPECT_EQ(stopped.value("status", ""), "SHUTOFF") << stopped.dump();
  EXPECT_NE(stopped.value("OS-EXT-SRV-ATTR:host", ""), source);
  EXPECT_EQ(memory_used()[source], 0) << "the down host keeps no claim";

  auto list = json_of(compute("GET", "/os-migrations?migration_type=evacuation", admin_token,
                              nullptr, "2.23"))["migrations"];
  ASSERT_EQ(list.size(), 2u) << list.dump();
  EXPECT_EQ(list[0]["status"], "done");
  EXPECT_EQ(list[0]["source_compute"], source);
  auto actions = json_of(
      compute("GET", "/servers/" + id + "/os-instance-actions", admin_token))["instanceActions"];
  EXPECT_EQ(actions[0]["action"], "evacuate") << actions.dump();

  // Up again: the scheduler takes it back.
  auto back =
      compute("PUT", "/os-services/force-down", admin_token,
              {{"host", source}, {"binary", "nova-compute"}, {"forced_down", false}}, "2.11");
  ASSERT_EQ(back.status, 200) << back.body;
  EXPECT_EQ(json_of(back)["service"]["forced_down"], false);
  EXPECT_EQ(compute("PUT", "/os-services/force-down", admin_token,
                    {{"host", source}, {"binary", "nova-compute"}, {"forced_down", false}}, "2.10")
                .status,
            404)
      << "force-down is 2.11's";
}

// The list's reservation_id (one POST's servers) and 2.26's tag filters.
TEST_F(ServerMoves, ListFiltersByReservationAndTags) {
  auto m = make_member("filters");
  const auto net = make_network(m.token, "net");
  json s = {{"name", "many"},
            {"imageRef", "cirros"},
            {"flavorRef", "1"},
            {"min_count", 2},
            {"return_reservation_id", true},
            {"networks", json::array({{{"uuid", net}}})}};
  auto r = compute("POST", "/servers", m.token, {{"server", s}});
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string reservation = json_of(r).value("reservation_id", "");
  ASSERT_FALSE(reservation.empty());
  const auto lone = boot(m.token, "lone", net);
  auto listed = json_of(compute("GET", "/servers/detail?reservation_id=" + reservation, m.token,
                                nullptr, "2.3"))["servers"];
  ASSERT_EQ(listed.size(), 2u) << listed.dump();
  auto shown = json_of(compute("GET", "/servers/" + listed[0].value("id", ""), admin_token, nullptr,
                               "2.3"))["server"];
  EXPECT_EQ(shown["OS-EXT-SRV-ATTR:reservation_id"], reservation) << "an admin's attribute";

  for (const auto& [id, tags] :
       std::vector<std::pair<std::string, json>>{{listed[0].value("id", ""), {"a", "b"}},
                                                 {listed[1].value("id", ""), {"b"}},
                                                 {lone, {"c"}}}) {
    ASSERT_EQ(settle(m.token, id).value("status", ""), "ACTIVE");  // tags wait for the build
    ASSERT_EQ(compute("PUT", "/servers/" + id + "/tags", m.token, {{"tags", tags}}, "2.26").status,
              200);
  }
  auto count = [&](const std::string& query) {
    return json_of(compute("GET", "/servers?" + query, m.token, nullptr, "2.26"))["servers"].size();
  };
  EXPECT_EQ(count("tags=a,b"), 1u);
  EXPECT_EQ(count("tags=b"), 2u);
  EXPECT_EQ(count("tags-any=a,c"), 2u);
  EXPECT_EQ(count("not-tags=a,b"), 2u);
  EXPECT_EQ(count("not-tags-any=a,c"), 1u);
  EXPECT_EQ(count("tags=b&not-tags=a"), 1u);
}

TEST_F(ServerMoves, ShelveFreesTheHostAndUnshelveComesBack) {
  auto m = make_member("shelves");
  const auto id = boot(m.token, "vm1", make_network(m.token, "net"));
  const std::string host = server(id, {"BUILD"}).value("OS-EXT-SRV-ATTR:host", "");
  EXPECT_EQ(act(m.token, id, {{"unshelve", nullptr}}).status, 409);
  ASSERT_EQ(act(m.token, id, {{"shelve", nullptr}}).status, 202);
  auto shelved = server(id, {"ACTIVE", "SHELVED"});
  ASSERT_EQ(shelved.value("status", ""), "SHELVED_OFFLOADED") << shelved.dump();
  EXPECT_TRUE(shelved["OS-EXT-SRV-ATTR:host"].is_null());
  EXPECT_EQ(memory_used()[host], 0) << "the host is freed";
  EXPECT_EQ(shelved["addresses"].size(), 1u) << "its ports stay";
  auto images = json_of(call("GET", "/image/v2/images?name=vm1-shelved", m.token))["images"];
  ASSERT_EQ(images.size(), 1u);
  EXPECT_EQ(images[0]["image_type"], "snapshot");
  const std::string image = images[0].value("id", "");
  EXPECT_EQ(act(m.token, id, {{"os-start", nullptr}}).status, 409);
  EXPECT_EQ(act(m.token, id, {{"shelveOffload", nullptr}}).status, 403) << "an admin's";
  EXPECT_EQ(act(m.token, id, {{"unshelve", {{"availability_zone", "elsewhere"}}}}, "2.77").status,
            400);

  ASSERT_EQ(act(m.token, id, {{"unshelve", nullptr}}).status, 202);
  auto back = server(id, {"SHELVED_OFFLOADED"});
  EXPECT_EQ(back.value("status", ""), "ACTIVE") << back.dump();
  EXPECT_FALSE(back.value("OS-EXT-SRV-ATTR:host", "").empty());
  EXPECT_EQ(call("GET", "/image/v2/images/" + image, m.token).status, 404)
      << "the shelved snapshot is deleted once the server runs";

  // A shelved server deletes cleanly, its snapshot with it.
  ASSERT_EQ(act(m.token, id, {{"shelve", nullptr}}).status, 202);
  server(id, {"ACTIVE", "SHELVED"});
  ASSERT_EQ(compute("DELETE", "/servers/" + id, m.token).status, 204);
  EXPECT_EQ(server(id, {"ACTIVE", "SHELVED_OFFLOADED"}).value("http_status", 0), 404);
  EXPECT_TRUE(json_of(call("GET", "/image/v2/images?name=vm1-shelved", m.token))["images"].empty());
}

TEST_F(ServerMoves, RescueAndUnrescue) {
  auto m = make_member("rescues");
  const auto id = boot(m.token, "vm1", make_network(m.token, "net"));
  server(id, {"BUILD"});
  EXPECT_EQ(act(m.token, id, {{"unrescue", nullptr}}).status, 409);
  EXPECT_EQ(act(m.token, id, {{"rescue", {{"rescue_image_ref", "missing"}}}}).status, 400);
  EXPECT_EQ(act(m.token, id, {{"rescue", {{"colour", "red"}}}}).status, 400);
  auto r = act(m.token, id, {{"rescue", {{"adminPass", "s3cret-pass"}}}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json_of(r)["adminPass"], "s3cret-pass");
  auto rescued = server(id, {"ACTIVE"});
  EXPECT_EQ(rescued.value("status", ""), "RESCUE") << rescued.dump();
  auto console = act(m.token, id, {{"os-getConsoleOutput", {{"length", 50}}}});
  EXPECT_NE(json_of(console).value("output", "").find("rescue disk from"), std::string::npos)
      << console.body;
  EXPECT_EQ(act(m.token, id, {{"os-stop", nullptr}}).status, 409);
  ASSERT_EQ(act(m.token, id, {{"unrescue", nullptr}}).status, 202);
  EXPECT_EQ(server(id, {"RESCUE"}).value("status", ""), "ACTIVE");
  // The log has each step (os-instance-actions, replay).
  auto events = call("GET", "/compute/v2.1/servers/" + id + "/os-instance-actions", m.token);
  EXPECT_NE(events.body.find("rescue"), std::string::npos) << events.body;
}

TEST_F(ServerMoves, UsageCountsEachServersHoursFromTheLog) {
  auto m = make_member("usage");
  const auto net = make_network(m.token, "net");
  const auto id = boot(m.token, "vm1", net);
  server(id, {"BUILD"});
  const auto gone = boot(m.token, "vm2", net);
  server(gone, {"BUILD"});
  ASSERT_EQ(compute("DELETE", "/servers/" + gone, m.token).status, 204);
  server(gone, {"ACTIVE"});
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const std::string window = "?start=2020-01-01T00:00:00&end=2099-01-01T00:00:00";

  auto mine = compute("GET", "/os-simple-tenant-usage/" + m.project_id + window, m.token);
  ASSERT_EQ(mine.status, 200) << mine.body;
  auto u = json_of(mine)["tenant_usage"];
  EXPECT_EQ(u["tenant_id"], m.project_id);
  EXPECT_GT(u["total_hours"].get<double>(), 0.0);
  EXPECT_GT(u["total_vcpus_usage"].get<double>(), 0.0);
  ASSERT_EQ(u["server_usages"].size(), 2u) << u.dump();
  std::map<std::string, json> by_id;
  for (const auto& s : u["server_usages"]) by_id[s.value("instance_id", "")] = s;
  EXPECT_EQ(by_id[id]["state"], "active");
  EXPECT_TRUE(by_id[id]["ended_at"].is_null());
  EXPECT_EQ(by_id[id]["flavor"], "m1.tiny");
  EXPECT_EQ(by_id[id]["vcpus"], 1);
  EXPECT_EQ(by_id[gone]["state"], "terminated") << "a deleted server's hours still count";
  EXPECT_TRUE(by_id[gone]["ended_at"].is_string());
  EXPECT_EQ(u["start"], "2020-01-01T00:00:00.000000");

  // An admin's list of every project; detailed adds the servers.
  EXPECT_EQ(compute("GET", "/os-simple-tenant-usage" + window, m.token).status, 403);
  auto all = compute("GET", "/os-simple-tenant-usage" + window + "&detailed=1", admin_token);
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_NE(all.body.find(m.project_id), std::string::npos);
  EXPECT_NE(all.body.find("server_usages"), std::string::npos);
  auto brief = compute("GET", "/os-simple-tenant-usage" + window, admin_token);
  EXPECT_EQ(brief.body.find("server_usages"), std::string::npos);
  auto paged = compute("GET", "/os-simple-tenant-usage" + window + "&detailed=1&limit=1",
                       admin_token, nullptr, "2.40");
  ASSERT_EQ(paged.status, 200) << paged.body;
  EXPECT_EQ(json_of(paged)["tenant_usages"][0]["server_usages"].size(), 1u);

  // A window before any server: nothing; Nova's 400s.
  auto before =
      compute("GET", "/os-simple-tenant-usage/" + m.project_id + "?start=2020-01-01&end=2020-02-01",
              m.token);
  EXPECT_EQ(json_of(before)["tenant_usage"], json::object());
  EXPECT_EQ(compute("GET", "/os-simple-tenant-usage/" + m.project_id + "?start=yesterday", m.token)
                .status,
            400);
  EXPECT_EQ(compute("GET",
                    "/os-simple-tenant-usage/" + m.project_id +
                        "?start=2021-01-01T00:00:00&end=2020-01-01T00:00:00",
                    m.token)
                .status,
            400);
}

TEST_F(ServerMoves, BackupsRotate) {
  auto m = make_member("backups");
  const auto id = boot(m.token, "vm1", make_network(m.token, "net"));
  server(id, {"BUILD"});
  EXPECT_EQ(act(m.token, id, {{"createBackup", {{"name", "b"}, {"backup_type", "daily"}}}}).status,
            400)
      << "rotation is required";
  EXPECT_EQ(act(m.token, id,
                {{"createBackup", {{"name", "b"}, {"backup_type", "daily"}, {"rotation", -1}}}})
                .status,
            400);
  std::vector<std::string> made;
  for (const char* name : {"b1", "b2", "b3"}) {
    auto r = act(m.token, id,
                 {{"createBackup", {{"name", name}, {"backup_type", "daily"}, {"rotation", 2}}}},
                 "2.45");
    ASSERT_EQ(r.status, 202) << r.body;
    made.push_back(json_of(r).value("image_id", ""));
    server(id, {});  // the snapshot's task ends first
  }
  auto listed = json_of(
      call("GET", "/image/v2/images?image_type=backup&backup_type=daily&instance_uuid=" + id,
           m.token))["images"];
  ASSERT_EQ(listed.size(), 2u) << listed.dump();
  EXPECT_EQ(call("GET", "/image/v2/images/" + made[0], m.token).status, 404)
      << "the oldest is rotated out";
  EXPECT_EQ(listed[0]["image_type"], "backup");
  // Rotation 0: no new backup, none kept.
  auto none = act(m.token, id,
                  {{"createBackup", {{"name", "b4"}, {"backup_type", "daily"}, {"rotation", 0}}}});
  EXPECT_EQ(none.status, 202) << none.body;
  EXPECT_TRUE(json_of(call("GET", "/image/v2/images?image_type=backup&instance_uuid=" + id,
                           m.token))["images"]
                  .empty());
}

}  // namespace
}  // namespace cumulo
