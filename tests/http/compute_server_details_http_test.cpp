// A server's details over HTTP on a real `cumulo serve`: metadata (Nova's
// keys, quota and states), tags (2.26, 2.52 on create), lock and unlock
// (who may act on a locked server, who may unlock), description and access
// addresses, /ips, the update body before 2.75, a given adminPass and
// security groups shown by name; each kept across a restart.
#include <gtest/gtest.h>

#include <thread>

#include "tests/support/compute_servers_support.hpp"

namespace cumulo {
namespace {

using nlohmann::json;

class ServerDetails : public servers_test {};

TEST_F(ServerDetails, MetadataAsNovaHasIt) {
  auto m = make_member("meta");
  const auto net = make_network(m.token, "private");
  const auto id = boot(m.token, "web", net);
  ASSERT_EQ(settle(m.token, id).value("status", ""), "ACTIVE");
  const std::string path = "/servers/" + id + "/metadata";

  auto put = compute("PUT", path, m.token, {{"metadata", {{"role", "web"}, {"tier", "1"}}}});
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(json_of(put)["metadata"], json({{"role", "web"}, {"tier", "1"}}));
  auto post = compute("POST", path, m.token, {{"metadata", {{"owner", "ops"}}}});
  ASSERT_EQ(post.status, 200) << post.body;
  EXPECT_EQ(json_of(post)["metadata"], json({{"role", "web"}, {"tier", "1"}, {"owner", "ops"}}));
  EXPECT_EQ(json_of(compute("GET", path + "/owner", m.token))["meta"], json({{"owner", "ops"}}));
  auto one = compute("PUT", path + "/tier", m.token, {{"meta", {{"tier", "2"}}}});
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(json_of(one)["meta"], json({{"tier", "2"}}));
  EXPECT_EQ(compute("DELETE", path + "/role", m.token).status, 204);
  EXPECT_EQ(json_of(compute("GET", path, m.token))["metadata"],
            json({{"tier", "2"}, {"owner", "ops"}}));
  EXPECT_EQ(json_of(compute("GET", "/servers/" + id, m.token))["server"]["metadata"],
            json({{"tier", "2"}, {"owner", "ops"}}));

  // Nova's 400s and 404s.
  expect_nova_error(compute("PUT", path + "/tier", m.token, {{"meta", {{"other", "x"}}}}), 400,
                    "Request body and URI mismatch");
  expect_nova_error(
      compute("PUT", path + "/tier", m.token, {{"meta", {{"tier", "x"}, {"b", "y"}}}}), 400,
      "Request body contains too many items");
  EXPECT_EQ(compute("POST", path, m.token, {{"metadata", {{"bad/key", "x"}}}}).status, 400);
  EXPECT_EQ(compute("POST", path, m.token, {{"metadata", {{"k", std::string(256, 'v')}}}}).status,
            400);
  EXPECT_EQ(compute("POST", path, m.token, {{"metadata", "nope"}}).status, 400);
  expect_nova_error(compute("GET", path + "/role", m.token), 404, "Metadata item was not found");
  expect_nova_error(compute("DELETE", path + "/role", m.token), 404, "Metadata item was not found");

  // The project's metadata_items quota (Nova's 403), for a merge; a
  // replace that fits is fine.
  ASSERT_EQ(call("PUT", "/compute/v2.1/os-quota-sets/" + m.project_id, admin_token,
                 {{"quota_set", {{"metadata_items", 2}}}})
                .status,
            200);
  expect_nova_error(compute("POST", path, m.token, {{"metadata", {{"third", "3"}}}}), 403,
                    "Quota exceeded for metadata_items: maximum number of metadata items is 2.");
  EXPECT_EQ(compute("PUT", path, m.token, {{"metadata", {{"a", "1"}, {"b", "2"}}}}).status, 200);

  // Another project sees no such server.
  auto other = make_member("meta-other");
  EXPECT_EQ(compute("GET", path, other.token).status, 404);
  EXPECT_EQ(compute("POST", path, other.token, {{"metadata", {{"x", "y"}}}}).status, 404);

  // Kept by the log.
  restart();
  EXPECT_EQ(json_of(compute("GET", path, admin_token))["metadata"], json({{"a", "1"}, {"b", "2"}}));
}

TEST_F(ServerDetails, TagsFrom226) {
  auto m = make_member("tags");
  const auto net = make_network(m.token, "private");
  auto b = boot_body("tagged", net);
  b["server"]["tags"] = {"blue", "web"};
  expect_nova_error(compute("POST", "/servers", m.token, b, "2.51"), 400,
                    "Invalid input for field/attribute server. Additional properties are not "
                    "allowed ('tags' was unexpected)");
  auto r = compute("POST", "/servers", m.token, b, "2.52");
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id = json_of(r)["server"].value("id", "");
  ASSERT_EQ(settle(m.token, id).value("status", ""), "ACTIVE");
  const std::string path = "/servers/" + id + "/tags";

  EXPECT_EQ(compute("GET", path, m.token, nullptr, "2.25").status, 404) << "before 2.26";
  EXPECT_EQ(json_of(compute("GET", path, m.token, nullptr, "2.26"))["tags"], json({"blue", "web"}));
  auto added = compute("PUT", path + "/green", m.token, nullptr, "2.26");
  EXPECT_EQ(added.status, 201) << added.body;
  EXPECT_NE(added.headers["location"].find(path + "/green"), std::string::npos);
  EXPECT_EQ(compute("PUT", path + "/green", m.token, nullptr, "2.26").status, 204);
  EXPECT_EQ(compute("GET", path + "/green", m.token, nullptr, "2.26").status, 204);
  EXPECT_EQ(compute("GET", path + "/red", m.token, nullptr, "2.26").status, 404);
  EXPECT_EQ(compute("DELETE", path + "/blue", m.token, nullptr, "2.26").status, 204);
  EXPECT_EQ(compute("DELETE", path + "/blue", m.token, nullptr, "2.26").status, 404);
  EXPECT_EQ(compute("PUT", path + "/a,b", m.token, nullptr, "2.26").status, 400);
  EXPECT_EQ(json_of(compute("GET", "/servers/" + id, m.token, nullptr, "2.26"))["server"]["tags"],
            json({"web", "green"}));
  auto all = compute("PUT", path, m.token, {{"tags", {"x", "y"}}}, "2.26");
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(json_of(all)["tags"], json({"x", "y"}));
  json many = json::array();
  for (int i = 0; i < 51; ++i) many.push_back("t" + std::to_string(i));
  EXPECT_EQ(compute("PUT", path, m.token, {{"tags", many}}, "2.26").status, 400);
  restart();
  EXPECT_EQ(json_of(compute("GET", path, m.token, nullptr, "2.26"))["tags"], json({"x", "y"}));
  EXPECT_EQ(compute("DELETE", path, m.token, nullptr, "2.26").status, 204);
  EXPECT_EQ(json_of(compute("GET", path, m.token, nullptr, "2.26"))["tags"], json::array());
}

TEST_F(ServerDetails, ALockedServerRefusesOthersActions) {
  auto m = make_member("locker");
  const auto net = make_network(m.token, "private");
  const auto id = boot(m.token, "locked", net);
  ASSERT_EQ(settle(m.token, id).value("status", ""), "ACTIVE");
  const std::string action = "/servers/" + id + "/action";

  // 2.73's reason; before it a reason is refused.
  EXPECT_EQ(compute("POST", action, m.token, {{"lock", {{"locked_reason", "why"}}}}, "2.72").status,
            400);
  ASSERT_EQ(
      compute("POST", action, m.token, {{"lock", {{"locked_reason", "backup"}}}}, "2.73").status,
      202);
  auto shown = json_of(compute("GET", "/servers/" + id, m.token, nullptr, "2.73"))["server"];
  EXPECT_EQ(shown["locked"], true);
  EXPECT_EQ(shown["locked_reason"], "backup");

  // The owner's own actions are held; an admin's are not.
  expect_nova_error(compute("POST", action, m.token, {{"os-stop", nullptr}}), 409,
                    "Instance " + id + " is locked");
  expect_nova_error(
      compute("POST", "/servers/" + id + "/metadata", m.token, {{"metadata", {{"k", "v"}}}}), 409,
      "Instance " + id + " is locked");
  expect_nova_error(compute("DELETE", "/servers/" + id, m.token), 409,
                    "Instance " + id + " is locked");
  EXPECT_EQ(compute("PUT", "/servers/" + id, m.token, {{"server", {{"name", "renamed"}}}}).status,
            200)
      << "Nova does not hold a rename";
  ASSERT_EQ(compute("POST", action, admin_token, {{"os-stop", nullptr}}).status, 202);
  EXPECT_EQ(settle(m.token, id, {"ACTIVE"}).value("status", ""), "SHUTOFF");

  // The lock survives a restart.
  restart();
  EXPECT_EQ(json_of(compute("GET", "/servers/" + id, m.token, nullptr, "2.9"))["server"]["locked"],
            true);

  // An admin's lock is the admin's to lift: the owner needs the override.
  ASSERT_EQ(compute("POST", action, m.token, {{"unlock", nullptr}}).status, 202);
  ASSERT_EQ(compute("POST", action, admin_token, {{"lock", nullptr}}).status, 202);
  EXPECT_EQ(compute("POST", action, m.token, {{"unlock", nullptr}}).status, 403);
  EXPECT_EQ(compute("POST", action, admin_token, {{"unlock", nullptr}}).status, 202);
  EXPECT_EQ(compute("POST", action, m.token, {{"os-start", nullptr}}).status, 202);
  EXPECT_EQ(settle(m.token, id, {"SHUTOFF"}).value("status", ""), "ACTIVE");
}

TEST_F(ServerDetails, DescriptionAccessAddressesIpsAndTheUpdateBody) {
  auto m = make_member("details");
  const auto net = make_network(m.token, "private");
  auto b = boot_body("described", net);
  b["server"]["description"] = "front end";
  b["server"]["accessIPv4"] = "192.0.2.10";
  b["server"]["adminPass"] = "Chosen-Pass-1";
  expect_nova_error(compute("POST", "/servers", m.token, b), 400,
                    "Invalid input for field/attribute server. Additional properties are not "
                    "allowed ('description' was unexpected)");
  auto bad_ip = b;
  bad_ip["server"]["accessIPv4"] = "not-an-ip";
  expect_nova_error(compute("POST", "/servers", m.token, bad_ip, "2.19"), 400,
                    "Invalid input for field/attribute accessIPv4. Value: not-an-ip. "
                    "'not-an-ip' is not a 'ipv4'");
  auto r = compute("POST", "/servers", m.token, b, "2.19");
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(json_of(r)["server"]["adminPass"], "Chosen-Pass-1") << "the client's own, kept";
  const std::string id = json_of(r)["server"].value("id", "");
  ASSERT_EQ(settle(m.token, id).value("status", ""), "ACTIVE");
  auto s = json_of(compute("GET", "/servers/" + id, m.token, nullptr, "2.19"))["server"];
  EXPECT_EQ(s["description"], "front end");
  EXPECT_EQ(s["accessIPv4"], "192.0.2.10");
  EXPECT_EQ(s["accessIPv6"], "");

  // PUT: description to null, an IPv6 access address; before 2.75 the
  // answer has no extension attributes, from 2.75 it is the whole server.
  auto put =
      compute("PUT", "/servers/" + id, m.token,
              {{"server", {{"description", nullptr}, {"accessIPv6", "2001:db8::5"}}}}, "2.19");
  ASSERT_EQ(put.status, 200) << put.body;
  auto u = json_of(put)["server"];
  EXPECT_TRUE(u["description"].is_null());
  EXPECT_EQ(u["accessIPv6"], "2001:db8::5");
  EXPECT_EQ(u["accessIPv4"], "192.0.2.10");
  for (const char* key : {"OS-EXT-STS:vm_state", "OS-EXT-AZ:availability_zone", "key_name",
                          "security_groups", "OS-SRV-USG:launched_at"})
    EXPECT_FALSE(u.contains(key)) << key;
  auto v75 = json_of(compute("PUT", "/servers/" + id, m.token,
                             {{"server", {{"name", "described-2"}}}}, "2.75"))["server"];
  EXPECT_EQ(v75["name"], "described-2");
  EXPECT_TRUE(v75.contains("OS-EXT-STS:vm_state"));
  EXPECT_EQ(compute("PUT", "/servers/" + id, m.token, {{"server", {{"description", "x"}}}}).status,
            400)
      << "description is 2.19's";
  EXPECT_EQ(
      compute("PUT", "/servers/" + id, m.token, {{"server", {{"accessIPv6", "1.2.3.4"}}}}).status,
      400);
  // Kept in the canonical form, as Nova does.
  auto canonical =
      compute("PUT", "/servers/" + id, m.token,
              {{"server", {{"accessIPv6", "0000:0000:0000:0000:0000:babe:220.12.22.2"}}}});
  EXPECT_EQ(json_of(canonical)["server"]["accessIPv6"], "::babe:dc0c:1602") << canonical.body;
  ASSERT_EQ(compute("PUT", "/servers/" + id, m.token, {{"server", {{"accessIPv6", "2001:db8::5"}}}})
                .status,
            200);

  // /ips: addresses by network, without the OS-EXT-IPS attributes.
  auto ips = json_of(compute("GET", "/servers/" + id + "/ips", m.token))["addresses"];
  ASSERT_EQ(ips["private"].size(), 1u) << ips.dump();
  EXPECT_EQ(ips["private"][0].size(), 2u) << ips.dump();
  EXPECT_EQ(ips["private"][0]["version"], 4);
  EXPECT_EQ(json_of(compute("GET", "/servers/" + id + "/ips/private", m.token))["private"],
            ips["private"]);
  expect_nova_error(compute("GET", "/servers/" + id + "/ips/public", m.token), 404,
                    "Instance is not a member of specified network");
  // No metadata service yet: the guest never posted a password.
  EXPECT_EQ(json_of(compute("GET", "/servers/" + id + "/os-server-password", m.token)),
            json({{"password", ""}}));
  EXPECT_EQ(compute("DELETE", "/servers/" + id + "/os-server-password", m.token).status, 204);

  restart();
  auto after = json_of(compute("GET", "/servers/" + id, m.token, nullptr, "2.19"))["server"];
  EXPECT_EQ(after["accessIPv6"], "2001:db8::5");
  EXPECT_TRUE(after["description"].is_null());
}

// createImage on the test hypervisor: a queued image with Nova's snapshot
// properties, the server through image_snapshot... back to no task, the
// image active with the copy's checksums; a new server boots from it.
TEST_F(ServerDetails, SnapshotMakesAnImageThatBoots) {
  auto m = make_member("snap");
  const auto net = make_network(m.token, "private");
  const auto id = boot(m.token, "origin", net);
  ASSERT_EQ(settle(m.token, id).value("status", ""), "ACTIVE");
  const std::string action = "/servers/" + id + "/action";

  auto r = compute(
      "POST", action, m.token,
      {{"createImage", {{"name", "origin-snap"}, {"metadata", {{"purpose", "test"}}}}}}, "2.45");
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string image_id = json_of(r).value("image_id", "");
  ASSERT_EQ(image_id.size(), 36u) << r.body;
  const auto after = settle(m.token, id, {"BUILD"});
  EXPECT_EQ(after.value("status", ""), "ACTIVE");
  json image;
  for (int i = 0; i < 100; ++i) {
    image = json_of(call("GET", "/image/v2/images/" + image_id, m.token));
    if (image.value("status", "") == "active") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(image.value("status", ""), "active") << image.dump();
  EXPECT_EQ(image["name"], "origin-snap");
  EXPECT_EQ(image["visibility"], "private");
  EXPECT_EQ(image["owner"], m.project_id);
  EXPECT_EQ(image["image_type"], "snapshot");
  EXPECT_EQ(image["instance_uuid"], id);
  EXPECT_EQ(image["base_image_ref"], "cirros");
  EXPECT_EQ(image["purpose"], "test");
  EXPECT_TRUE(image["checksum"].is_string()) << image.dump();

  // The instance's actions show it.
  auto actions = json_of(compute("GET", "/servers/" + id + "/os-instance-actions", m.token));
  EXPECT_NE(actions.dump().find("createImage"), std::string::npos) << actions.dump();

  // A server boots from the snapshot.
  auto b = boot_body("from-snap", net);
  b["server"]["imageRef"] = image_id;
  auto second = compute("POST", "/servers", m.token, b);
  ASSERT_EQ(second.status, 202) << second.body;
  EXPECT_EQ(settle(m.token, json_of(second)["server"].value("id", "")).value("status", ""),
            "ACTIVE");

  // Before 2.45 the image is a Location; a locked server may still be
  // snapshotted (Nova); a name is required.
  ASSERT_EQ(compute("POST", action, m.token, {{"lock", nullptr}}).status, 202);
  auto old = compute("POST", action, m.token, {{"createImage", {{"name", "old-style"}}}});
  ASSERT_EQ(old.status, 202) << old.body;
  EXPECT_NE(old.headers["location"].find("/image/v2/images/"), std::string::npos);
  settle(m.token, id);
  EXPECT_EQ(compute("POST", action, m.token, {{"createImage", json::object()}}).status, 400);
  // Another project's member cannot.
  auto other = make_member("snap-other");
  EXPECT_EQ(compute("POST", action, other.token, {{"createImage", {{"name", "x"}}}}).status, 404);

  // A refused snapshot leaves no image behind.
  const auto images_before = json_of(call("GET", "/image/v2/images", m.token))["images"].size();
  ASSERT_EQ(compute("POST", action, admin_token, {{"os-stop", nullptr}}).status, 202);
  auto stopping = compute("POST", action, m.token, {{"createImage", {{"name", "racing"}}}});
  if (stopping.status == 409) {
    EXPECT_EQ(json_of(call("GET", "/image/v2/images", m.token))["images"].size(), images_before);
  }
  settle(m.token, id, {"ACTIVE", "BUILD"});
}

// rebuild: the same server (id, ports) on a new image, REBUILD meanwhile,
// the body's name and metadata taken, a stopped server stopped again, the
// lock and the states as Nova checks them.
TEST_F(ServerDetails, RebuildKeepsIdAndPorts) {
  auto m = make_member("rebuild");
  const auto net = make_network(m.token, "private");
  const auto id = boot(m.token, "before", net);
  const auto before = settle(m.token, id);
  ASSERT_EQ(before.value("status", ""), "ACTIVE");
  const std::string action = "/servers/" + id + "/action";
  auto snap = compute("POST", action, m.token, {{"createImage", {{"name", "base-2"}}}}, "2.45");
  ASSERT_EQ(snap.status, 202) << snap.body;
  const std::string image = json_of(snap).value("image_id", "");
  settle(m.token, id);
  for (int i = 0;
       i < 100 &&
       json_of(call("GET", "/image/v2/images/" + image, m.token)).value("status", "") != "active";
       ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));

  auto r = compute("POST", action, m.token,
                   {{"rebuild",
                     {{"imageRef", image},
                      {"name", "after"},
                      {"metadata", {{"generation", "2"}}},
                      {"adminPass", "Rebuilt-1"}}}});
  ASSERT_EQ(r.status, 202) << r.body;
  auto answered = json_of(r)["server"];
  EXPECT_EQ(answered["id"], id);
  EXPECT_EQ(answered["adminPass"], "Rebuilt-1");
  EXPECT_EQ(answered["image"]["id"], image);
  const auto after = settle(m.token, id, {"REBUILD"});
  EXPECT_EQ(after.value("status", ""), "ACTIVE") << after.dump();
  EXPECT_EQ(after["name"], "after");
  EXPECT_EQ(after["metadata"], json({{"generation", "2"}}));
  EXPECT_EQ(after["image"]["id"], image);
  EXPECT_EQ(after["addresses"], before["addresses"]) << "the same ports";
  auto actions = json_of(compute("GET", "/servers/" + id + "/os-instance-actions", m.token));
  EXPECT_NE(actions.dump().find("\"rebuild\""), std::string::npos) << actions.dump();

  // Nova's 400s and 409s.
  EXPECT_EQ(compute("POST", action, m.token, {{"rebuild", {{"name", "x"}}}}).status, 400);
  EXPECT_EQ(compute("POST", action, m.token, {{"rebuild", {{"imageRef", "nope"}}}}).status, 400);
  EXPECT_EQ(
      compute("POST", action, m.token, {{"rebuild", {{"imageRef", image}, {"description", "d"}}}})
          .status,
      400)
      << "description is 2.19's";
  ASSERT_EQ(compute("POST", action, m.token, {{"pause", nullptr}}).status, 202);
  settle(m.token, id, {"ACTIVE"});
  EXPECT_EQ(compute("POST", action, m.token, {{"rebuild", {{"imageRef", image}}}}).status, 409);
  ASSERT_EQ(compute("POST", action, m.token, {{"unpause", nullptr}}).status, 202);
  settle(m.token, id, {"PAUSED"});
  ASSERT_EQ(compute("POST", action, m.token, {{"lock", nullptr}}).status, 202);
  EXPECT_EQ(compute("POST", action, m.token, {{"rebuild", {{"imageRef", image}}}}).status, 409);
  ASSERT_EQ(compute("POST", action, m.token, {{"unlock", nullptr}}).status, 202);

  // A stopped server is stopped again after its rebuild (Nova shows no
  // progress of a stopped server; before 2.75 the rebuild answers as an
  // update, without the extensions' attributes).
  ASSERT_EQ(compute("POST", action, m.token, {{"os-stop", nullptr}}).status, 202);
  const auto stopped = settle(m.token, id, {"ACTIVE"});
  ASSERT_EQ(stopped.value("status", ""), "SHUTOFF");
  EXPECT_FALSE(stopped.contains("progress")) << stopped.dump();
  auto again = compute("POST", action, m.token, {{"rebuild", {{"imageRef", "cirros"}}}});
  ASSERT_EQ(again.status, 202) << again.body;
  EXPECT_FALSE(json_of(again)["server"].contains("OS-EXT-STS:vm_state")) << again.body;
  EXPECT_EQ(settle(m.token, id, {"REBUILD"}).value("status", ""), "SHUTOFF");
  restart();
  EXPECT_EQ(settle(m.token, id).value("name", ""), "after");
}

TEST_F(ServerDetails, SecurityGroupsAreShownByNameAndExtensionsListed) {
  auto m = make_member("groups");
  const auto net = make_network(m.token, "private");
  auto g = call("POST", "/networking/v2.0/security-groups", m.token,
                {{"security_group", {{"name", "web"}}}});
  ASSERT_EQ(g.status, 201) << g.body;
  const std::string group_id = json_of(g)["security_group"].value("id", "");
  auto b = boot_body("grouped", net);
  b["server"]["security_groups"] = {{{"name", group_id}}};
  auto r = compute("POST", "/servers", m.token, b);
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id = json_of(r)["server"].value("id", "");
  const auto s = settle(m.token, id);
  EXPECT_EQ(s["security_groups"], json::parse(R"([{"name": "web"}])"));

  // addSecurityGroup puts the group on the server's ports; the server
  // lists it by name, os-security-groups in Nova's shape.
  const std::string action = "/servers/" + id + "/action";
  auto db = call("POST", "/networking/v2.0/security-groups", m.token,
                 {{"security_group", {{"name", "db"}}}});
  ASSERT_EQ(db.status, 201) << db.body;
  const std::string db_id = json_of(db)["security_group"].value("id", "");
  ASSERT_EQ(call("POST", "/networking/v2.0/security-group-rules", m.token,
                 {{"security_group_rule",
                   {{"security_group_id", db_id},
                    {"direction", "ingress"},
                    {"protocol", "tcp"},
                    {"port_range_min", 5432},
                    {"port_range_max", 5432},
                    {"remote_ip_prefix", "10.0.0.0/24"}}}})
                .status,
            201);
  auto add = compute("POST", action, m.token, {{"addSecurityGroup", {{"name", "db"}}}});
  ASSERT_EQ(add.status, 202) << add.body;
  EXPECT_EQ(compute("POST", action, m.token, {{"addSecurityGroup", {{"name", db_id}}}}).status, 400)
      << "already there (named by its id)";
  expect_nova_error(compute("POST", action, m.token, {{"addSecurityGroup", {{"name", "nope"}}}}),
                    404, "Security group nope not found for project " + m.project_id + ".");
  auto port_groups = [&] {
    auto ports = json_of(call("GET", "/networking/v2.0/ports?device_id=" + id, m.token))["ports"];
    return ports.size() == 1 ? ports[0]["security_groups"].size() : 0u;
  };
  EXPECT_EQ(port_groups(), 2u);
  auto listed = compute("GET", "/servers/" + id + "/os-security-groups", m.token);
  ASSERT_EQ(listed.status, 200) << listed.body;
  auto groups = json_of(listed)["security_groups"];
  ASSERT_EQ(groups.size(), 2u) << listed.body;
  EXPECT_EQ(groups[0]["name"], "web");
  EXPECT_EQ(groups[0]["rules"], json::array()) << "egress rules are not Nova's to show";
  EXPECT_EQ(groups[1]["name"], "db");
  EXPECT_EQ(groups[1]["tenant_id"], m.project_id);
  ASSERT_EQ(groups[1]["rules"].size(), 1u) << listed.body;
  EXPECT_EQ(groups[1]["rules"][0]["ip_protocol"], "tcp");
  EXPECT_EQ(groups[1]["rules"][0]["from_port"], 5432);
  EXPECT_EQ(groups[1]["rules"][0]["ip_range"]["cidr"], "10.0.0.0/24");
  EXPECT_EQ(groups[1]["rules"][0]["parent_group_id"], db_id);
  EXPECT_EQ(settle(m.token, id)["security_groups"],
            json::parse(R"([{"name": "web"}, {"name": "db"}])"));
  ASSERT_EQ(compute("POST", action, m.token, {{"removeSecurityGroup", {{"name", "web"}}}}).status,
            202);
  EXPECT_EQ(compute("POST", action, m.token, {{"removeSecurityGroup", {{"name", "web"}}}}).status,
            400);
  EXPECT_EQ(port_groups(), 1u);
  EXPECT_EQ(settle(m.token, id)["security_groups"], json::parse(R"([{"name": "db"}])"));
  // No group left: no security_groups key, as Nova shows it.
  ASSERT_EQ(compute("POST", action, m.token, {{"removeSecurityGroup", {{"name", "db"}}}}).status,
            202);
  EXPECT_FALSE(settle(m.token, id).contains("security_groups"));

  // Deletes are never deferred: nothing to restore, forceDelete deletes.
  expect_nova_error(compute("POST", action, m.token, {{"restore", nullptr}}), 409,
                    "Cannot 'restore' instance " + id + " while it is in vm_state active");
  EXPECT_EQ(compute("POST", "/servers/nope/action", m.token, {{"forceDelete", nullptr}}).status,
            404);

  // Nova's proxy of Neutron's groups (before 2.36), as the CLI finds a
  // group by name.
  auto proxied = compute("GET", "/os-security-groups", m.token);
  ASSERT_EQ(proxied.status, 200) << proxied.body;
  EXPECT_NE(proxied.body.find("\"db\""), std::string::npos) << proxied.body;
  EXPECT_EQ(
      json_of(compute("GET", "/os-security-groups/" + db_id, m.token))["security_group"]["name"],
      "db");
  EXPECT_EQ(compute("GET", "/os-security-groups/" + db_id, m.token, nullptr, "2.36").status, 404);
  EXPECT_EQ(compute("GET", "/os-security-groups/" + db_id, make_member("sg-other").token).status,
            404);
  // Its create (200, Nova's group with the default egress-only rules shown
  // as none) and delete (202).
  auto made = compute("POST", "/os-security-groups", m.token,
                      {{"security_group", {{"name", "web"}, {"description", "proxied"}}}});
  ASSERT_EQ(made.status, 200) << made.body;
  const auto web = json_of(made)["security_group"];
  EXPECT_EQ(web["name"], "web");
  EXPECT_EQ(web["tenant_id"], m.project_id);
  EXPECT_EQ(web["rules"], json::array());
  EXPECT_EQ(
      compute("POST", "/os-security-groups", m.token, {{"security_group", {{"name", "x"}}}}).status,
      400)
      << "a description is required";
  EXPECT_EQ(compute("POST", "/os-security-groups", m.token,
                    {{"security_group", {{"name", "x"}, {"description", ""}}}}, "2.36")
                .status,
            404);
  const std::string web_id = web.value("id", "");
  EXPECT_EQ(call("GET", "/networking/v2.0/security-groups/" + web_id, m.token).status, 200);
  EXPECT_EQ(compute("DELETE", "/os-security-groups/" + web_id, m.token).status, 202);
  EXPECT_EQ(call("GET", "/networking/v2.0/security-groups/" + web_id, m.token).status, 404);
  EXPECT_EQ(compute("DELETE", "/os-security-groups/" + web_id, m.token).status, 404);

  auto ext = compute("GET", "/extensions", m.token);
  ASSERT_EQ(ext.status, 200) << ext.body;
  bool lock = false;
  const json listed_extensions = json_of(ext)["extensions"];
  for (const auto& e : listed_extensions) lock = lock || e.value("alias", "") == "os-lock-server";
  EXPECT_TRUE(lock) << ext.body;
  EXPECT_EQ(json_of(compute("GET", "/extensions/os-keypairs", m.token))["extension"]["name"],
            "Keypairs");
  EXPECT_EQ(compute("GET", "/extensions/nope", m.token).status, 404);
  EXPECT_EQ(compute("GET", "/extensions", "").status, 401);

  // Nova's legacy /compute/v2 (advertised by discovery): v2.1 at 2.1.
  auto legacy = call("GET", "/compute/v2/servers/" + id, m.token, nullptr,
                     {{"OpenStack-API-Version", "compute 2.60"}});
  ASSERT_EQ(legacy.status, 200) << legacy.body;
  EXPECT_EQ(legacy.headers["openstack-api-version"], "compute 2.1");
  EXPECT_FALSE(json_of(legacy)["server"].contains("locked")) << "a 2.1 body";
  EXPECT_EQ(call("GET", "/compute/v2/", m.token).status, 200);
  ASSERT_EQ(compute("POST", action, m.token, {{"forceDelete", nullptr}}).status, 202);
  for (int i = 0; i < 100 && compute("GET", "/servers/" + id, m.token).status != 404; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(compute("GET", "/servers/" + id, m.token).status, 404);
}

}  // namespace
}  // namespace cumulo
