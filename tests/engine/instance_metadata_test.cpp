// Nova's metadata as a guest reads it (engine/instance_metadata): what an
// instance's state, key pair, networks and floating IPs say, the OpenStack
// files of each version, the EC2 tree and its listings, and the paths that
// lead to them (normalised as Nova does) or to a 404.
#include "engine/instance_metadata.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace cumulo {
namespace {

using nlohmann::json;

const std::string uuid = "0192f0a4-5b6c-7d8e-9f01-23456789abcd";
const std::string key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKey alice@host";

instance_state an_instance() {
  instance_state s;
  s.id = uuid;
  s.version = 7;
  s.name = "Web Server_1";
  s.project_id = "p1";
  s.user_id = "u1";
  s.flavor.name = "m1.tiny";
  s.image_id = "0192f0a4-0000-7000-8000-0000deadbeef";
  s.key_name = "alice";
  s.metadata = {{"role", "web"}};
  s.user_data = "IyEvYmluL3NoCmVjaG8gaGkK";  // "#!/bin/sh\necho hi\n"
  s.security_groups = {"default", "web"};
  s.reservation_id = "r-abc123";
  s.addresses.push_back({"port-1", "net-1", "private", "10.0.0.5", "fa:16:3e:00:00:01"});
  instance::volume_attachment root;
  root.volume_id = "v0";
  root.device = "/dev/vda";
  root.boot_index = 0;
  instance::volume_attachment data;
  data.volume_id = "v1";
  data.device = "/dev/vdb";
  s.volumes = {root, data};
  return s;
}

network_state a_network(bool enable_dhcp, bool dhcp_port) {
  network_state n;
  n.id = "net-1";
  n.version = 3;
  n.mtu = 1450;
  network::subnet sub;
  sub.id = "sub-1";
  sub.cidr = "10.0.0.0/24";
  sub.gateway_ip = "10.0.0.1";
  sub.dns_nameservers = {"10.0.0.53", "9.9.9.9"};
  sub.host_routes = {{"192.168.0.0/16", "10.0.0.254"}};
  sub.enable_dhcp = enable_dhcp;
  n.subnets.push_back(sub);
  network::port p;
  p.id = "port-1";
  p.mac_address = "fa:16:3e:00:00:01";
  p.device_id = uuid;
  p.device_owner = "compute:nova";
  p.fixed_ips = {{"sub-1", "10.0.0.5"}};
  n.ports[p.id] = p;
  if (dhcp_port) {
    network::port d;
    d.id = "port-dhcp";
    d.device_owner = "network:dhcp";
    d.fixed_ips = {{"sub-1", "10.0.0.2"}};
    n.ports[d.id] = d;
  }
  return n;
}

floatingip_state a_floating_ip(const std::string& port_id) {
  floatingip_state f;
  f.id = "fip-1";
  f.version = 2;
  f.floating_ip_address = "172.24.4.10";
  f.port_id = port_id;
  f.fixed_ip_address = "10.0.0.5";
  return f;
}

keypair_state a_key() {
  keypair_state k;
  k.id = "k1";
  k.version = 1;
  k.name = "alice";
  k.user_id = "u1";
  k.type = "ssh";
  k.public_key = key;
  return k;
}

instance_metadata the_metadata(bool enable_dhcp = false, bool dhcp_port = false) {
  const auto k = a_key();
  return metadata_of(an_instance(), &k, {a_network(enable_dhcp, dhcp_port)},
                     {a_floating_ip("port-1"), a_floating_ip("port-of-another")});
}

json body_json(const metadata_response& r) {
  return json::parse(r.body);
}

TEST(InstanceMetadata, WhatAnInstanceSaysComesFromItsStateKeyNetworksAndFloatingIps) {
  const auto md = the_metadata();
  EXPECT_EQ(md.uuid, uuid);
  EXPECT_EQ(md.hostname, "web-server-1");
  EXPECT_EQ(md.availability_zone, "nova") << "Nova's default zone when none was asked";
  ASSERT_TRUE(md.user_data.has_value());
  EXPECT_EQ(*md.user_data, "#!/bin/sh\necho hi\n");
  EXPECT_EQ(md.public_key, key);
  ASSERT_EQ(md.ports.size(), 1u);
  EXPECT_EQ(md.ports[0].mtu, 1450);
  ASSERT_EQ(md.ports[0].addresses.size(), 1u);
  const auto& a = md.ports[0].addresses[0];
  EXPECT_EQ(a.ip_address, "10.0.0.5");
  EXPECT_EQ(a.cidr, "10.0.0.0/24");
  EXPECT_EQ(a.gateway_ip, "10.0.0.1");
  EXPECT_FALSE(a.dhcp_server);
  EXPECT_EQ(md.floating_ips, std::vector<std::string>{"172.24.4.10"})
      << "only the floating IPs on its own ports";
  EXPECT_EQ(md.volume_devices, std::vector<std::string>{"/dev/vdb"}) << "not the root";
  EXPECT_TRUE(the_metadata(true, true).ports[0].addresses[0].dhcp_server);

  // A key pair deleted since: its name, no key; a port its network lost:
  // the address the instance recorded.
  auto gone = metadata_of(an_instance(), nullptr, {}, {});
  EXPECT_EQ(gone.key_name, "alice");
  EXPECT_EQ(gone.public_key, "");
  ASSERT_EQ(gone.ports.size(), 1u);
  EXPECT_EQ(gone.ports[0].addresses[0].ip_address, "10.0.0.5");
  EXPECT_EQ(gone.ports[0].addresses[0].cidr, "");
}

TEST(InstanceMetadata, MetaDataJsonHasWhatEachVersionAdds) {
  auto md = the_metadata();
  md.random_seed = "c2VlZA==";
  const auto latest = json::parse(meta_data_json(md, "latest"));
  EXPECT_EQ(latest["uuid"], uuid);
  EXPECT_EQ(latest["name"], "Web Server_1");
  EXPECT_EQ(latest["hostname"], "web-server-1");
  EXPECT_EQ(latest["launch_index"], 0);
  EXPECT_EQ(latest["availability_zone"], "nova");
  EXPECT_EQ(latest["project_id"], "p1");
  EXPECT_EQ(latest["meta"], json({{"role", "web"}}));
  EXPECT_EQ(latest["public_keys"], json({{"alice", key}}));
  EXPECT_EQ(latest["keys"],
            json::parse(R"([{"name":"alice","type":"ssh","data":")" + key + R"("}])"));
  EXPECT_EQ(latest["random_seed"], "c2VlZA==");
  EXPECT_EQ(latest["devices"], json::array());
  EXPECT_EQ(latest["dedicated_cpus"], json::array());
  EXPECT_FALSE(latest.contains("admin_pass")) << "the metadata service never has it";

  const auto folsom = json::parse(meta_data_json(md, "2012-08-10"));
  EXPECT_FALSE(folsom.contains("random_seed"));
  EXPECT_FALSE(folsom.contains("project_id"));
  EXPECT_FALSE(folsom.contains("devices"));
  EXPECT_EQ(folsom["uuid"], uuid);
  const auto liberty = json::parse(meta_data_json(md, "2015-10-15"));
  EXPECT_EQ(liberty["project_id"], "p1");
  EXPECT_FALSE(liberty.contains("devices"));
  const auto rocky = json::parse(meta_data_json(md, "2018-08-27"));
  EXPECT_TRUE(rocky.contains("devices"));
  EXPECT_FALSE(rocky.contains("dedicated_cpus"));

  // Nova leaves out the metadata and the keys a server has not.
  md.meta.clear();
  md.key_name.clear();
  md.admin_pass = "s3cret";
  const auto bare = json::parse(meta_data_json(md, "latest"));
  EXPECT_FALSE(bare.contains("meta"));
  EXPECT_FALSE(bare.contains("public_keys"));
  EXPECT_FALSE(bare.contains("keys"));
  EXPECT_EQ(bare["admin_pass"], "s3cret") << "the config drive's (Nova's extra_md)";
}

TEST(InstanceMetadata, NetworkDataJsonDescribesLinksNetworksAndServices) {
  // A static subnet: the address, its netmask, the default and host routes.
  const auto stat = json::parse(network_data_json(the_metadata(false, false)));
  ASSERT_EQ(stat["links"].size(), 1u);
  const auto& link = stat["links"][0];
  EXPECT_EQ(link["id"], "tapport-1");
  EXPECT_EQ(link["vif_id"], "port-1");
  EXPECT_EQ(link["type"], "bridge");
  EXPECT_EQ(link["mtu"], 1450);
  EXPECT_EQ(link["ethernet_mac_address"], "fa:16:3e:00:00:01");
  ASSERT_EQ(stat["networks"].size(), 1u);
  const auto& net = stat["networks"][0];
  EXPECT_EQ(net["id"], "network0");
  EXPECT_EQ(net["type"], "ipv4");
  EXPECT_EQ(net["link"], "tapport-1");
  EXPECT_EQ(net["ip_address"], "10.0.0.5");
  EXPECT_EQ(net["netmask"], "255.255.255.0");
  EXPECT_EQ(net["network_id"], "net-1");
  EXPECT_EQ(net["routes"], json::parse(R"([
      {"network":"0.0.0.0","netmask":"0.0.0.0","gateway":"10.0.0.1"},
      {"network":"192.168.0.0","netmask":"255.255.0.0","gateway":"10.0.0.254"}])"));
  const auto dns = json::parse(R"([{"type":"dns","address":"10.0.0.53"},
                                   {"type":"dns","address":"9.9.9.9"}])");
  EXPECT_EQ(net["services"], dns);
  EXPECT_EQ(stat["services"], dns);

  // DHCP on the subnet: the guest asks it (Nova's ipv4_dhcp); a DHCP server
  // also gives the MTU, so the link's is null.
  const auto dhcp = json::parse(network_data_json(the_metadata(true, true)));
  EXPECT_EQ(dhcp["networks"][0], json({{"id", "network0"},
                                       {"type", "ipv4_dhcp"},
                                       {"link", "tapport-1"},
                                       {"network_id", "net-1"}}));
  EXPECT_TRUE(dhcp["links"][0]["mtu"].is_null());
  EXPECT_EQ(json::parse(network_data_json(the_metadata(true, false)))["networks"][0]["type"],
            "ipv4_dhcp");

  // An IPv6 port: its netmask in IPv6's text.
  instance_metadata v6;
  metadata::fixed_address a;
  a.ip_address = "fd00::5";
  a.ip_version = 6;
  a.cidr = "fd00::/64";
  a.gateway_ip = "fd00::1";
  v6.ports.push_back({"p6", "fa:16:3e:00:00:06", "n6", 0, {a}});
  const auto six = json::parse(network_data_json(v6));
  EXPECT_EQ(six["networks"][0]["type"], "ipv6");
  EXPECT_EQ(six["networks"][0]["netmask"], "ffff:ffff:ffff:ffff::");
  EXPECT_EQ(six["networks"][0]["routes"][0]["network"], "::");
  EXPECT_TRUE(six["links"][0]["mtu"].is_null());

  EXPECT_EQ(json::parse(network_data_json(instance_metadata{})),
            json::parse(R"({"links":[],"networks":[],"services":[]})"));
}

TEST(InstanceMetadata, TheOpenStackFormatAnswersItsPaths) {
  const auto md = the_metadata();
  auto versions = render_metadata(md, "/openstack");
  EXPECT_EQ(versions.status, 200);
  EXPECT_EQ(versions.body,
            "2012-08-10\n2013-04-04\n2013-10-17\n2015-10-15\n2016-06-30\n2016-10-06\n"
            "2017-02-22\n2018-08-27\n2020-10-14\n2025-04-04\nlatest");
  EXPECT_EQ(render_metadata(md, "/openstack/latest").body,
            "meta_data.json\nuser_data\npassword\nvendor_data.json\nnetwork_data.json\n"
            "vendor_data2.json");
  EXPECT_EQ(render_metadata(md, "/openstack/2012-08-10").body, "meta_data.json\nuser_data");

  const auto meta = render_metadata(md, "/openstack/latest/meta_data.json");
  EXPECT_EQ(meta.status, 200);
  EXPECT_EQ(meta.content_type, "application/json");
  EXPECT_EQ(body_json(meta)["uuid"], uuid);
  EXPECT_FALSE(body_json(render_metadata(md, "/openstack/2012-08-10/meta_data.json"))
                   .contains("project_id"));
  const auto net = render_metadata(md, "/openstack/2018-08-27/network_data.json");
  EXPECT_EQ(net.content_type, "application/json");
  EXPECT_EQ(body_json(net)["links"][0]["vif_id"], "port-1");

  const auto ud = render_metadata(md, "/openstack/latest/user_data");
  EXPECT_EQ(ud.status, 200);
  EXPECT_EQ(ud.body, "#!/bin/sh\necho hi\n");
  auto none = md;
  none.user_data.reset();
  EXPECT_EQ(render_metadata(none, "/openstack/latest/user_data").status, 404);
  EXPECT_EQ(render_metadata(none, "/openstack/latest").body.find("user_data"), std::string::npos);

  EXPECT_EQ(render_metadata(md, "/openstack/latest/password").status, 200);
  EXPECT_EQ(render_metadata(md, "/openstack/latest/password").body, "");
  EXPECT_EQ(render_metadata(md, "/openstack/2012-08-10/password").status, 404);
  EXPECT_EQ(render_metadata(md, "/openstack/latest/vendor_data.json").body, "{}");
  EXPECT_EQ(render_metadata(md, "/openstack/2013-04-04/vendor_data.json").status, 404);
  EXPECT_EQ(body_json(render_metadata(md, "/openstack/latest/vendor_data2.json")),
            json::parse(R"({"static":{}})"));
  EXPECT_EQ(render_metadata(md, "/openstack/2016-06-30/vendor_data2.json").status, 404);

  for (const char* missing :
       {"/openstack/1999-01-01/meta_data.json", "/openstack/latest/nothing",
        "/openstack/latest/meta_data.json/more", "/openstack/latest/content/0000"}) {
    const auto r = render_metadata(md, missing);
    EXPECT_EQ(r.status, 404) << missing;
    EXPECT_EQ(r.content_type, "text/plain") << missing;
  }
}

TEST(InstanceMetadata, TheEc2FormatListsAndAnswersItsTree) {
  const auto md = the_metadata();
  const std::string id = ec2_id("i", uuid);
  EXPECT_EQ(id, "i-6789abcd");
  EXPECT_EQ(render_metadata(md, "/").body,
            "1.0\n2007-01-19\n2007-03-01\n2007-08-29\n2007-10-10\n2007-12-15\n2008-02-01\n"
            "2008-09-01\n2009-04-04\nlatest");
  EXPECT_EQ(render_metadata(md, "/latest").body, "meta-data/\nuser-data");
  const auto listing = render_metadata(md, "/latest/meta-data/").body;
  EXPECT_EQ(listing,
            "ami-id\nami-launch-index\nami-manifest-path\nblock-device-mapping/\nhostname\n"
            "instance-action\ninstance-id\ninstance-type\nlocal-hostname\nlocal-ipv4\n"
            "placement/\npublic-hostname\npublic-ipv4\npublic-keys/\nreservation-id\n"
            "security-groups");
  auto get = [&](const std::string& path) { return render_metadata(md, path).body; };
  EXPECT_EQ(get("/latest/meta-data/instance-id"), id);
  EXPECT_EQ(get("/2009-04-04/meta-data/instance-id"), id);
  EXPECT_EQ(get("/latest/meta-data/ami-id"), "ami-deadbeef");
  EXPECT_EQ(get("/latest/meta-data/hostname"), "web-server-1");
  EXPECT_EQ(get("/latest/meta-data/local-hostname"), "web-server-1");
  EXPECT_EQ(get("/latest/meta-data/local-ipv4"), "10.0.0.5");
  EXPECT_EQ(get("/latest/meta-data/public-ipv4"), "172.24.4.10");
  EXPECT_EQ(get("/latest/meta-data/instance-type"), "m1.tiny");
  EXPECT_EQ(get("/latest/meta-data/reservation-id"), "r-abc123");
  EXPECT_EQ(get("/latest/meta-data/security-groups"), "default\nweb");
  EXPECT_EQ(get("/latest/meta-data/ami-launch-index"), "0");
  EXPECT_EQ(get("/latest/meta-data/instance-action"), "none");
  EXPECT_EQ(get("/latest/meta-data/placement/"), "availability-zone");
  EXPECT_EQ(get("/latest/meta-data/placement/availability-zone"), "nova");
  EXPECT_EQ(get("/latest/meta-data/block-device-mapping"), "ami\nebs0\nroot");
  EXPECT_EQ(get("/latest/meta-data/block-device-mapping/ebs0"), "/dev/vdb");
  EXPECT_EQ(get("/latest/meta-data/public-keys/"), "0=alice");
  EXPECT_EQ(get("/latest/meta-data/public-keys/0"), "openssh-key");
  EXPECT_EQ(get("/latest/meta-data/public-keys/0/openssh-key"), key);
  EXPECT_EQ(get("/latest/user-data"), "#!/bin/sh\necho hi\n");
  EXPECT_EQ(get("/ec2/latest/meta-data/hostname"), "web-server-1") << "Nova's /ec2 prefix";

  // What older versions had not yet.
  EXPECT_EQ(render_metadata(md, "/1.0/meta-data/local-hostname").status, 404);
  EXPECT_EQ(render_metadata(md, "/2007-01-19/meta-data/instance-type").status, 404);
  EXPECT_EQ(get("/2007-08-29/meta-data/instance-type"), "m1.tiny");
  EXPECT_EQ(render_metadata(md, "/2008-01-01/meta-data/hostname").status, 404);

  // No floating IP, no key: an empty public-ipv4, no public-keys.
  auto plain = metadata_of(an_instance(), nullptr, {}, {});
  EXPECT_EQ(render_metadata(plain, "/latest/meta-data/public-ipv4").body, "");
  EXPECT_EQ(render_metadata(plain, "/latest/meta-data/public-keys/").status, 404);
  plain.user_data.reset();
  EXPECT_EQ(render_metadata(plain, "/latest").body, "meta-data/");
  EXPECT_EQ(render_metadata(plain, "/latest/user-data").status, 404);

  for (const char* missing : {"/latest/meta-data/nothing", "/latest/meta-data/hostname/x",
                              "/latest/nothing", "/latest/meta-data/public-keys/1"})
    EXPECT_EQ(render_metadata(md, missing).status, 404) << missing;
}

TEST(InstanceMetadata, PathsAreNormalisedAsNovaDoes) {
  const auto md = the_metadata();
  const auto canonical = render_metadata(md, "/openstack/latest/meta_data.json").body;
  for (const char* p :
       {"/openstack/./latest/../latest//meta_data.json/", "//openstack/latest/meta_data.json",
        "/../../openstack/latest/meta_data.json", "openstack/latest/meta_data.json"})
    EXPECT_EQ(render_metadata(md, p).body, canonical) << p;
  EXPECT_EQ(render_metadata(md, "/latest/meta-data/../meta-data/hostname").body, "web-server-1");
  EXPECT_EQ(render_metadata(md, "").body, render_metadata(md, "/").body);
  EXPECT_EQ(render_metadata(md, "/openstack/..").body, render_metadata(md, "/").body);
}

TEST(InstanceMetadata, Ec2IdsAreTheUuidsLastBits) {
  EXPECT_EQ(ec2_id("i", "0192f0a4-5b6c-7d8e-9f01-23456789ABCD"), "i-6789abcd");
  EXPECT_EQ(ec2_id("ami", ""), "ami-00000000");
  EXPECT_EQ(ec2_id("i", "ab"), "i-000000ab");
  EXPECT_NE(ec2_id("i", "0192f0a4-5b6c-7d8e-9f01-000000000001"),
            ec2_id("i", "0192f0a4-5b6c-7d8e-9f01-000000000002"))
      << "two instances made in the same second differ";
}

TEST(InstanceMetadata, Ec2MetaDataJsonIsTheTreeWithoutListingNames) {
  const auto j = json::parse(ec2_meta_data_json(the_metadata(), "latest"));
  EXPECT_EQ(j["instance-id"], ec2_id("i", uuid));
  EXPECT_EQ(j["public-keys"], json({{"0", {{"openssh-key", key}}}}));
  EXPECT_FALSE(j.contains("user-data"));
}

TEST(InstanceMetadata, UserDataIsBase64AsTheApiTakesIt) {
  EXPECT_EQ(decode_base64("aGVsbG8="), "hello");
  EXPECT_EQ(decode_base64("aGVs\r\nbG8h"), "hello!");
  EXPECT_EQ(decode_base64("QQ=="), "A");
  EXPECT_EQ(decode_base64(""), "");
  EXPECT_FALSE(decode_base64("aGVsbG8"));
  EXPECT_FALSE(decode_base64("aGV*bG8="));
  EXPECT_FALSE(decode_base64("QQ==QQ=="));
  EXPECT_FALSE(decode_base64("Q==="));
  auto bad = an_instance();
  bad.user_data = "not base64!";
  EXPECT_FALSE(metadata_of(bad, nullptr, {}, {}).user_data.has_value());
}

TEST(InstanceMetadata, HostnamesAreNovasOfTheName) {
  EXPECT_EQ(hostname_of("Guest A"), "guest-a");
  EXPECT_EQ(hostname_of("web.example"), "web.example");
  EXPECT_EQ(hostname_of("--x--"), "x");
  EXPECT_EQ(hostname_of("!!!"), "server");
  EXPECT_EQ(hostname_of(std::string(80, 'a')).size(), 63u);
}

}  // namespace
}  // namespace cumulo
