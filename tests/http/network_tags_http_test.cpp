// Neutron's tags (standard-attr-tag, tag-creation) over HTTP on a real
// `cumulo serve`: the tag routes of every taggable collection with
// Neutron's statuses, tags given at create, the list filters tags,
// tags-any, not-tags and not-tags-any, the limits, who may see and change
// them, and a restart that keeps them.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>
#include <string>
#include <vector>

#include "tests/support/keystone_client.hpp"

namespace cumulo {
namespace {

const std::string kNet = "/networking/v2.0";
using strings = std::vector<std::string>;

void expect_neutron_error(const http_response& r, int status, const std::string& type,
                          const std::string& message = "") {
  EXPECT_EQ(r.status, status) << r.body;
  auto body = json_of(r);
  ASSERT_TRUE(body.is_object() && body.contains("NeutronError")) << r.body;
  EXPECT_EQ(body["NeutronError"].value("type", ""), type) << r.body;
  if (!message.empty()) {
    EXPECT_EQ(body["NeutronError"].value("message", ""), message) << r.body;
  }
}

std::set<std::string> names_of(const nlohmann::json& items) {
  std::set<std::string> out;
  if (items.is_array())
    for (const auto& i : items) out.insert(i.value("name", ""));
  return out;
}

class network_tags_test : public identity_test {
 protected:
  http_response net(const std::string& method, const std::string& path,
                    const nlohmann::json& body = nullptr, const std::string& token = "") {
    return call(method, kNet + path, token.empty() ? admin_token : token, body);
  }
  nlohmann::json create(const std::string& path, const std::string& key, const nlohmann::json& body,
                        const std::string& token = "") {
    auto r = net("POST", path, {{key, body}}, token);
    EXPECT_EQ(r.status, 201) << "POST " << path << " " << body.dump() << ": " << r.body;
    auto j = json_of(r);
    return r.status == 201 && j.contains(key) ? j[key] : nlohmann::json::object();
  }
  strings tags_at(const std::string& path, const std::string& token = "") {
    auto r = net("GET", path + "/tags", nullptr, token);
    EXPECT_EQ(r.status, 200) << path << ": " << r.body;
    auto j = json_of(r);
    return j.contains("tags") ? j["tags"].get<strings>() : strings{"<none>"};
  }
  nlohmann::json show(const std::string& path, const std::string& key) {
    auto r = net("GET", path);
    EXPECT_EQ(r.status, 200) << path << ": " << r.body;
    return json_of(r)[key];
  }
  std::set<std::string> listed(const std::string& query, const std::string& key = "networks") {
    auto r = net("GET", "/" + key + "?" + query);
    EXPECT_EQ(r.status, 200) << query << ": " << r.body;
    return names_of(json_of(r)[key]);
  }
};

class NetworkTags : public network_tags_test {};

// Every route of the extension on every kind of resource, as the SDK and
// gophercloud call them.
TEST_F(NetworkTags, EveryTaggableResourceTakesAndShowsTags) {
  const auto ext = create("/networks", "network", {{"name", "public"}, {"router:external", true}});
  create("/subnets", "subnet",
         {{"network_id", ext["id"]}, {"cidr", "172.24.4.0/24"}, {"ip_version", 4}});
  const auto n = create("/networks", "network", {{"name", "private"}});
  const auto s = create("/subnets", "subnet",
                        {{"network_id", n["id"]}, {"cidr", "10.0.0.0/24"}, {"ip_version", 4}});
  const auto p = create("/ports", "port", {{"network_id", n["id"]}});
  const auto r = create("/routers", "router", {{"name", "r1"}});
  const auto f = create("/floatingips", "floatingip", {{"floating_network_id", ext["id"]}});
  const auto g = create("/security-groups", "security_group", {{"name", "web"}});
  const std::vector<std::tuple<std::string, std::string, std::string>> kinds{
      {"networks", "network", n.value("id", "")},
      {"subnets", "subnet", s.value("id", "")},
      {"ports", "port", p.value("id", "")},
      {"routers", "router", r.value("id", "")},
      {"floatingips", "floatingip", f.value("id", "")},
      {"security-groups", "security_group", g.value("id", "")}};
  for (const auto& [collection, key, id] : kinds) {
    SCOPED_TRACE(collection);
    ASSERT_FALSE(id.empty());
    const std::string path = "/" + collection + "/" + id;
    EXPECT_EQ(tags_at(path), strings{});
    const auto before = show(path, key);
    EXPECT_EQ(before["tags"], nlohmann::json::array());

    // Replace all: 200 with the tags (a set: sorted here).
    auto put = net("PUT", path + "/tags", {{"tags", {"zeta", "alpha"}}});
    EXPECT_EQ(put.status, 200) << put.body;
    EXPECT_EQ(json_of(put)["tags"], nlohmann::json({"alpha", "zeta"})) << put.body;
    const auto after = show(path, key);
    EXPECT_EQ(after["tags"], nlohmann::json({"alpha", "zeta"}));
    EXPECT_EQ(after.value("revision_number", 0), before.value("revision_number", 0) + 1)
        << "a tag change is a revision";

    // One tag: add (201), check (204 / 404), remove (204 / 404).
    auto add = net("PUT", path + "/tags/red%20one");
    EXPECT_EQ(add.status, 201) << add.body;
    EXPECT_EQ(net("GET", path + "/tags/red%20one").status, 204);
    expect_neutron_error(net("GET", path + "/tags/blue"), 404, "TagNotFound",
                         "Tag blue could not be found.");
    EXPECT_EQ(net("DELETE", path + "/tags/alpha").status, 204);
    expect_neutron_error(net("DELETE", path + "/tags/alpha"), 404, "TagNotFound");
    EXPECT_EQ(tags_at(path), (strings{"red one", "zeta"}));

    // tag-creation: POST adds, keeps the others, answers with those given.
    auto post = net("POST", path + "/tags", {{"tags", {"%C3%A9t%C3%A9", "\u00e9t\u00e9", "zeta"}}});
    EXPECT_EQ(post.status, 200) << post.body;
    EXPECT_EQ(json_of(post)["tags"], nlohmann::json({"%C3%A9t%C3%A9", "\u00e9t\u00e9", "zeta"}));
    EXPECT_EQ(tags_at(path), (strings{"%C3%A9t%C3%A9", "red one", "zeta", "\u00e9t\u00e9"}));
    EXPECT_EQ(net("GET", path + "/tags/%C3%A9t%C3%A9").status, 204) << "decoded in the path";

    // Remove all: 204, none left.
    EXPECT_EQ(net("DELETE", path + "/tags").status, 204);
    EXPECT_EQ(tags_at(path), strings{});
    EXPECT_EQ(show(path, key)["tags"], nlohmann::json::array());
  }
}

TEST_F(NetworkTags, CreatesTakeTagsAndRefuseBadOnesWithNothingMade) {
  const auto n = create("/networks", "network", {{"name", "tagged"}, {"tags", {"b", "a"}}});
  EXPECT_EQ(n["tags"], nlohmann::json({"a", "b"})) << n.dump();
  create("/subnets", "subnet",
         {{"network_id", n["id"]}, {"cidr", "10.1.0.0/24"}, {"ip_version", 4}, {"tags", {"s"}}});
  const auto p = create("/ports", "port", {{"network_id", n["id"]}, {"tags", {"vm"}}});
  EXPECT_EQ(p["tags"], nlohmann::json({"vm"}));
  const auto g = create("/security-groups", "security_group", {{"name", "g"}, {"tags", {"fw"}}});
  EXPECT_EQ(g["tags"], nlohmann::json({"fw"}));
  EXPECT_EQ(g["security_group_rules"].size(), 2u) << "its egress rules too";
  const auto r = create("/routers", "router", {{"name", "r"}, {"tags", {"edge"}}});
  EXPECT_EQ(r["tags"], nlohmann::json({"edge"}));

  // Ports in bulk, each with its tags (tag-ports-during-bulk-creation).
  auto bulk = net("POST", "/ports",
                  {{"ports",
                    {{{"network_id", n["id"]}, {"name", "b1"}, {"tags", {"one"}}},
                     {{"network_id", n["id"]}, {"name", "b2"}, {"tags", {"two", "2"}}}}}});
  ASSERT_EQ(bulk.status, 201) << bulk.body;
  EXPECT_EQ(json_of(bulk)["ports"][1]["tags"], nlohmann::json({"2", "two"})) << bulk.body;

  expect_neutron_error(
      net("POST", "/networks", {{"network", {{"name", "dup"}, {"tags", {"x", "x"}}}}}), 400,
      "InvalidInput", "Invalid input for operation: Duplicate items in the list: 'x'.");
  EXPECT_EQ(listed("name=dup"), std::set<std::string>{}) << "nothing made";
  auto not_strings = net("POST", "/networks", {{"network", {{"name", "bad"}, {"tags", {1, 2}}}}});
  EXPECT_EQ(not_strings.status, 400) << not_strings.body;
}

TEST_F(NetworkTags, ListsFilterOnAllAnyAndNone) {
  create("/networks", "network", {{"name", "n1"}, {"tags", {"red", "blue"}}});
  create("/networks", "network", {{"name", "n2"}, {"tags", {"red"}}});
  create("/networks", "network", {{"name", "n3"}});
  using names = std::set<std::string>;
  EXPECT_EQ(listed("tags=red,blue"), names{"n1"});
  EXPECT_EQ(listed("tags=red&tags=blue"), names{"n1"}) << "a repeated key adds to the set";
  EXPECT_EQ(listed("tags=red"), (names{"n1", "n2"}));
  EXPECT_EQ(listed("tags-any=blue,green"), names{"n1"});
  EXPECT_EQ(listed("not-tags=red,blue"), (names{"n2", "n3"}));
  EXPECT_EQ(listed("not-tags-any=red"), names{"n3"});
  EXPECT_EQ(listed("tags=red&not-tags=blue"), names{"n2"});
  EXPECT_EQ(listed("tags=purple"), names{});
  // With other filters and fields=.
  auto r = net("GET", "/networks?tags=red&name=n2&fields=name&fields=tags");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json_of(r)["networks"], nlohmann::json::parse(R"([{"name":"n2","tags":["red"]}])"));
}

TEST_F(NetworkTags, NeutronsLimitsAndUnknownResources) {
  const auto n = create("/networks", "network", {{"name", "n"}});
  const std::string path = "/networks/" + n.value("id", "");
  nlohmann::json fifty = nlohmann::json::array();
  for (int i = 0; i < 50; ++i) fifty.push_back("t" + std::to_string(i));
  EXPECT_EQ(net("PUT", path + "/tags", {{"tags", fifty}}).status, 200);
  expect_neutron_error(net("PUT", path + "/tags/one-more"), 400, "BadRequest",
                       "Bad networks request: The number of tags exceed the per-resource limit of "
                       "50.");
  EXPECT_EQ(net("PUT", path + "/tags/t7").status, 201) << "one it has is no 51st";
  EXPECT_EQ(tags_at(path).size(), 50u);

  const std::string longest(255, 'x');
  EXPECT_EQ(net("PUT", path + "/tags", {{"tags", {longest}}}).status, 200);
  expect_neutron_error(net("PUT", path + "/tags/" + longest + "x"), 400, "InvalidInput");
  expect_neutron_error(net("PUT", path + "/tags", {{"tags", {longest + "y"}}}), 400,
                       "InvalidInput");
  EXPECT_EQ(net("PUT", path + "/tags", nlohmann::json{{"other", 1}}).status, 400)
      << "a body without tags";
  EXPECT_EQ(tags_at(path), strings{longest}) << "refusals change nothing";

  const std::string nobody = "00000000-0000-0000-0000-000000000000";
  expect_neutron_error(net("GET", "/networks/" + nobody + "/tags"), 404, "NetworkNotFound");
  expect_neutron_error(net("PUT", "/ports/" + nobody + "/tags/x"), 404, "PortNotFound");
  expect_neutron_error(net("DELETE", "/routers/" + nobody + "/tags"), 404, "RouterNotFound");
  expect_neutron_error(net("PUT", "/security-groups/" + nobody + "/tags", {{"tags", {"x"}}}), 404,
                       "SecurityGroupNotFound");
}

// The caller sees a resource's tags when it sees the resource; its owner
// (for a port, the network's owner too) changes them.
TEST_F(NetworkTags, AMemberTagsWhatItOwnsAndReadsWhatItSees) {
  const auto m = make_member("alice");
  const auto shared = create("/networks", "network", {{"name", "pub"}, {"shared", true}});
  create("/subnets", "subnet",
         {{"network_id", shared["id"]}, {"cidr", "10.2.0.0/24"}, {"ip_version", 4}});
  const auto hidden = create("/networks", "network", {{"name", "secret"}, {"tags", {"x"}}});
  net("PUT", "/networks/" + shared.value("id", "") + "/tags/public");

  const std::string shared_path = "/networks/" + shared.value("id", "");
  EXPECT_EQ(tags_at(shared_path, m.token), strings{"public"});
  expect_neutron_error(net("PUT", shared_path + "/tags/mine", nullptr, m.token), 403,
                       "PolicyNotAuthorized", "(rule:update_network:tags) is disallowed by policy");
  expect_neutron_error(net("DELETE", shared_path + "/tags", nullptr, m.token), 403,
                       "PolicyNotAuthorized", "(rule:delete_network:tags) is disallowed by policy");
  expect_neutron_error(
      net("GET", "/networks/" + hidden.value("id", "") + "/tags", nullptr, m.token), 404,
      "NetworkNotFound");

  const auto port = create("/ports", "port", {{"network_id", shared["id"]}}, m.token);
  const std::string port_path = "/ports/" + port.value("id", "");
  EXPECT_EQ(net("PUT", port_path + "/tags/mine", nullptr, m.token).status, 201);
  EXPECT_EQ(tags_at(port_path, m.token), strings{"mine"});
  const auto own = create("/networks", "network", {{"name", "own"}}, m.token);
  EXPECT_EQ(
      net("POST", "/networks/" + own.value("id", "") + "/tags", {{"tags", {"a"}}}, m.token).status,
      200);
  // A member's list filters only what it sees.
  auto r = net("GET", "/networks?tags=x", nullptr, m.token);
  EXPECT_EQ(names_of(json_of(r)["networks"]), std::set<std::string>{});
}

TEST_F(NetworkTags, TagsSurviveARestart) {
  const auto n = create("/networks", "network", {{"name", "n"}, {"tags", {"kept"}}});
  const auto s = create("/subnets", "subnet",
                        {{"network_id", n["id"]}, {"cidr", "10.3.0.0/24"}, {"ip_version", 4}});
  const auto p = create("/ports", "port", {{"network_id", n["id"]}});
  const auto g = create("/security-groups", "security_group", {{"name", "g"}});
  const std::string port_path = "/ports/" + p.value("id", "");
  ASSERT_EQ(net("PUT", "/subnets/" + s.value("id", "") + "/tags/sub").status, 201);
  ASSERT_EQ(net("PUT", port_path + "/tags", {{"tags", {"a", "b"}}}).status, 200);
  ASSERT_EQ(net("DELETE", port_path + "/tags/a").status, 204);
  ASSERT_EQ(net("PUT", "/security-groups/" + g.value("id", "") + "/tags/g").status, 201);
  const auto port_before = show(port_path, "port");
  ASSERT_NO_FATAL_FAILURE(restart());
  EXPECT_EQ(tags_at("/networks/" + n.value("id", "")), strings{"kept"});
  EXPECT_EQ(tags_at("/subnets/" + s.value("id", "")), strings{"sub"});
  EXPECT_EQ(tags_at(port_path), strings{"b"});
  EXPECT_EQ(tags_at("/security-groups/" + g.value("id", "")), strings{"g"});
  const auto port_after = show(port_path, "port");
  EXPECT_EQ(port_after["revision_number"], port_before["revision_number"]);
  EXPECT_EQ(port_after["updated_at"], port_before["updated_at"]);
  EXPECT_EQ(listed("tags=kept"), std::set<std::string>{"n"});
}

}  // namespace
}  // namespace cumulo
