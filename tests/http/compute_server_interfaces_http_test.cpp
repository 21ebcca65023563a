// Nova's os-interface over HTTP on a real `cumulo serve`: a port attached
// from a network and one the caller made, shown by networking and in the
// domain's definition (diagnostics read it from libvirt), detached again
// (the made one deleted, the caller's unbound), with Nova's 400/404/409s.
#include <gtest/gtest.h>

#include "tests/support/compute_servers_support.hpp"

namespace cumulo {
namespace {

using nlohmann::json;

class ServerInterfaces : public servers_test {
 protected:
  http_response interfaces(const std::string& method, const std::string& token,
                           const std::string& id, const std::string& tail = "",
                           const json& body = nullptr) {
    return compute(method, "/servers/" + id + "/os-interface" + tail, token, body, "2.70");
  }
  json port(const std::string& token, const std::string& id) {
    auto r = call("GET", "/networking/v2.0/ports/" + id, token);
    return r.status == 200 ? json_of(r)["port"] : json();
  }
  std::size_t domain_nics(const std::string& id) {
    auto d = compute("GET", "/servers/" + id + "/diagnostics", admin_token, nullptr, "2.48");
    EXPECT_EQ(d.status, 200) << d.body;
    return json_of(d)["nic_details"].size();
  }
};

TEST_F(ServerInterfaces, AttachFromANetworkAndAPortThenDetachBoth) {
  auto m = make_member("iris");
  const auto first = make_network(m.token, "first", "10.1.0.0/24");
  const auto second = make_network(m.token, "second", "10.2.0.0/24");
  const auto id = boot(m.token, "vm", first);
  ASSERT_EQ(settle(m.token, id).value("status", ""), "ACTIVE");

  auto listed = interfaces("GET", m.token, id);
  ASSERT_EQ(listed.status, 200) << listed.body;
  auto all = json_of(listed)["interfaceAttachments"];
  ASSERT_EQ(all.size(), 1u) << listed.body;
  EXPECT_EQ(all[0]["net_id"], first);
  EXPECT_EQ(all[0]["port_state"], "ACTIVE");
  EXPECT_TRUE(all[0]["tag"].is_null()) << "2.70";
  EXPECT_EQ(all[0]["fixed_ips"][0]["ip_address"].get<std::string>().rfind("10.1.0.", 0), 0u);
  EXPECT_EQ(domain_nics(id), 1u);

  // Nova's refusals first.
  EXPECT_EQ(interfaces("POST", m.token, id, "",
                       {{"interfaceAttachment", {{"net_id", second}, {"port_id", "x"}}}})
                .status,
            400)
      << "Must not input both network_id and port_id";
  EXPECT_EQ(interfaces("POST", m.token, id, "",
                       {{"interfaceAttachment", {{"fixed_ips", {{{"ip_address", "10.2.0.9"}}}}}}})
                .status,
            400)
      << "Must input network_id when request IP address";
  EXPECT_EQ(interfaces("POST", m.token, id, "", json::object()).status, 400)
      << "two networks: ambiguous";
  EXPECT_EQ(
      interfaces("POST", m.token, id, "",
                 {{"interfaceAttachment", {{"net_id", "01a22c00-0000-7000-8000-000000000000"}}}})
          .status,
      404);
  EXPECT_EQ(
      interfaces("POST", m.token, id, "",
                 {{"interfaceAttachment", {{"port_id", "01a22c00-0000-7000-8000-000000000000"}}}})
          .status,
      404);

  // From a network, at a chosen address: a port made for the server.
  auto made = interfaces("POST", m.token, id, "",
                         {{"interfaceAttachment",
                           {{"net_id", second}, {"fixed_ips", {{{"ip_address", "10.2.0.9"}}}}}}});
  ASSERT_EQ(made.status, 200) << made.body;
  const auto a = json_of(made)["interfaceAttachment"];
  EXPECT_EQ(a["net_id"], second);
  EXPECT_EQ(a["fixed_ips"][0]["ip_address"], "10.2.0.9");
  const std::string made_port = a.value("port_id", "");
  EXPECT_EQ(port(m.token, made_port)["device_id"], id);
  EXPECT_EQ(settle(m.token, id)["addresses"]["second"][0]["addr"], "10.2.0.9");
  EXPECT_EQ(domain_nics(id), 2u) << "the domain's definition carries the NIC";

  // The caller's own port.
  auto p = call("POST", "/networking/v2.0/ports", m.token,
                {{"port", {{"network_id", second}, {"name", "mine"}}}});
  ASSERT_EQ(p.status, 201) << p.body;
  const std::string mine = json_of(p)["port"].value("id", "");
  auto taken = interfaces("POST", m.token, id, "", {{"interfaceAttachment", {{"port_id", mine}}}});
  ASSERT_EQ(taken.status, 200) << taken.body;
  EXPECT_EQ(json_of(taken)["interfaceAttachment"]["port_id"], mine);
  EXPECT_EQ(
      interfaces("POST", m.token, id, "", {{"interfaceAttachment", {{"port_id", mine}}}}).status,
      409)
      << "Port X is still in use.";
  EXPECT_EQ(json_of(interfaces("GET", m.token, id))["interfaceAttachments"].size(), 3u);
  EXPECT_EQ(interfaces("GET", m.token, id, "/" + mine).status, 200);
  auto other =
      call("POST", "/networking/v2.0/ports", m.token, {{"port", {{"network_id", second}}}});
  const std::string loose = json_of(other)["port"].value("id", "");
  EXPECT_EQ(interfaces("GET", m.token, id, "/" + loose).status, 404);
  EXPECT_EQ(domain_nics(id), 3u);

  // Detach: the made port is deleted, the caller's unbound.
  EXPECT_EQ(interfaces("DELETE", m.token, id, "/" + loose).status, 404) << "Port X is not attached";
  ASSERT_EQ(interfaces("DELETE", m.token, id, "/" + made_port).status, 202);
  EXPECT_EQ(call("GET", "/networking/v2.0/ports/" + made_port, m.token).status, 404);
  ASSERT_EQ(interfaces("DELETE", m.token, id, "/" + mine).status, 202);
  auto kept = port(m.token, mine);
  EXPECT_EQ(kept.value("device_id", "?"), "") << kept.dump();
  EXPECT_EQ(json_of(interfaces("GET", m.token, id))["interfaceAttachments"].size(), 1u);
  EXPECT_EQ(domain_nics(id), 1u);
  EXPECT_FALSE(settle(m.token, id)["addresses"].contains("second"));

  auto actions = json_of(
      compute("GET", "/servers/" + id + "/os-instance-actions", m.token))["instanceActions"];
  std::vector<std::string> names;
  for (const auto& x : actions) names.push_back(x.value("action", ""));
  EXPECT_EQ(std::count(names.begin(), names.end(), "attach_interface"), 2) << actions.dump();
  EXPECT_EQ(std::count(names.begin(), names.end(), "detach_interface"), 2) << actions.dump();

  // A stopped server takes one too; a locked one refuses its owner; a
  // shelved one is 409; deleting the server deletes the made port.
  ASSERT_EQ(compute("POST", "/servers/" + id + "/action", m.token, {{"os-stop", nullptr}}).status,
            202);
  settle(m.token, id, {"ACTIVE"});
  auto off = interfaces("POST", m.token, id, "", {{"interfaceAttachment", {{"net_id", second}}}});
  ASSERT_EQ(off.status, 200) << off.body;
  const std::string off_port = json_of(off)["interfaceAttachment"].value("port_id", "");
  ASSERT_EQ(compute("POST", "/servers/" + id + "/action", m.token, {{"lock", nullptr}}).status,
            202);
  EXPECT_EQ(interfaces("DELETE", m.token, id, "/" + off_port).status, 409);
  ASSERT_EQ(compute("POST", "/servers/" + id + "/action", m.token, {{"unlock", nullptr}}).status,
            202);
  ASSERT_EQ(compute("POST", "/servers/" + id + "/action", m.token, {{"shelve", nullptr}}).status,
            202);
  settle(m.token, id, {"SHUTOFF", "SHELVED"});
  EXPECT_EQ(
      interfaces("POST", m.token, id, "", {{"interfaceAttachment", {{"net_id", second}}}}).status,
      409);
  ASSERT_EQ(compute("DELETE", "/servers/" + id, m.token).status, 204);
  EXPECT_EQ(settle(m.token, id, {"SHELVED_OFFLOADED"}).value("http_status", 0), 404);
  EXPECT_EQ(call("GET", "/networking/v2.0/ports/" + off_port, m.token).status, 404);
  EXPECT_EQ(port(m.token, mine).value("device_id", "?"), "") << "the caller's port stays";
}

}  // namespace
}  // namespace cumulo
