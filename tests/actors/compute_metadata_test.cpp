// The compute door's half of the metadata service (actors/compute_metadata):
// its index of (network, fixed IP) -> instance kept from what instances
// report, and the metadata it answers for an address (the instance's key
// pair, its port's subnet), after a restart too.
#include <gtest/gtest.h>

#include <caf/all.hpp>

#include "actors/compute.hpp"
#include "actors/compute_metadata.hpp"
#include "tests/actors/compute_test_support.hpp"

namespace cumulo {
namespace {

const std::string key =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFXMiatOrtirOZkWl9eB38z6fdt8Nb3nSCNIfhz6jtv0 test@host";

instance_addresses report(const std::string& id, std::int64_t version,
                          std::vector<std::pair<std::string, std::string>> addresses,
                          bool exists = true) {
  return {id, version, exists, std::move(addresses)};
}

TEST(InstanceAddressIndex, TheNewestReportOfEachInstanceWins) {
  instance_address_index index;
  index.put(report("vm-1", 3, {{"net-1", "10.0.0.5"}, {"net-2", "10.1.0.5"}}));
  EXPECT_EQ(index.find("net-1", "10.0.0.5"), "vm-1");
  EXPECT_EQ(index.find("net-2", "10.1.0.5"), "vm-1");
  EXPECT_EQ(index.find("net-2", "10.0.0.5"), "") << "the address on another network is not it";

  // A port detached: the address goes with it; an older report is ignored.
  index.put(report("vm-1", 5, {{"net-1", "10.0.0.5"}}));
  EXPECT_EQ(index.find("net-2", "10.1.0.5"), "");
  index.put(report("vm-1", 4, {{"net-2", "10.1.0.9"}}));
  EXPECT_EQ(index.find("net-2", "10.1.0.9"), "");
  EXPECT_EQ(index.find("net-1", "10.0.0.5"), "vm-1");

  // Another instance takes an address over; the first one leaving does not
  // take it from the second.
  index.put(report("vm-2", 1, {{"net-1", "10.0.0.5"}}));
  EXPECT_EQ(index.find("net-1", "10.0.0.5"), "vm-2");
  index.put(report("vm-1", 6, {}, false));
  EXPECT_EQ(index.find("net-1", "10.0.0.5"), "vm-2");
  index.put(report("vm-2", 2, {}, false));
  EXPECT_EQ(index.find("net-1", "10.0.0.5"), "");
  EXPECT_EQ(index.size(), 0u);
}

TEST(InstanceAddressIndex, AStateSaysItsAddressesUnlessDeleted) {
  instance_state s;
  s.id = "vm-1";
  s.version = 4;
  s.addresses.push_back({"port-1", "net-1", "private", "10.0.0.5", "fa:16:3e:00:00:01"});
  auto a = addresses_of(s);
  EXPECT_EQ(a.instance_id, "vm-1");
  EXPECT_EQ(a.version, 4);
  EXPECT_TRUE(a.exists);
  EXPECT_EQ(a.addresses, (std::vector<std::pair<std::string, std::string>>{{"net-1", "10.0.0.5"}}));
  s.deleted = true;
  a = addresses_of(s);
  EXPECT_FALSE(a.exists);
  EXPECT_TRUE(a.addresses.empty());
}

reply_or_error<instance_metadata> metadata_at(cloud& c, const std::string& net,
                                              const std::string& ip) {
  return ask<instance_metadata>(c.system(), c.compute(), metadata_atom::value, caf::get_atom::value,
                                net, ip);
}

// The door learns an address once the instance's port is bound (after its
// launch was answered): asked until it knows, at most 10 s.
reply_or_error<instance_metadata> eventually_at(cloud& c, const std::string& net,
                                                const std::string& ip) {
  reply_or_error<instance_metadata> r;
  for (int i = 0; i < 1000; ++i) {
    r = metadata_at(c, net, ip);
    if (r.ok()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return r;
}

TEST(ComputeMetadata, TheDoorFindsAnInstanceByNetworkAndAddress) {
  temp_dir dir;
  std::string net, id;
  {
    cloud c(compute_cloud(dir));
    net = make_network(c, "p1");
    const auto image = make_image(c);
    ASSERT_TRUE(ask<keypair_state>(c.system(), c.compute(), command_atom::value,
                                   keypair_atom::value, std::string("p1"),
                                   keypair::command{keypair::create{"k1", "u1", "ssh", key}},
                                   test_meta())
                    .ok());
    auto r = a_request("Web 1", image);
    r.networks = {{net, "", "10.0.0.77"}};
    r.key_name = "k1";
    r.metadata = {{"role", "web"}};
    id = settled(c, launch(c, r)->id).id;
    ASSERT_FALSE(id.empty());

    auto md = eventually_at(c, net, "10.0.0.77");
    ASSERT_TRUE(md.ok()) << md.error.message;
    EXPECT_EQ(md->uuid, id);
    EXPECT_EQ(md->hostname, "web-1");
    EXPECT_EQ(md->project_id, "p1");
    EXPECT_EQ(md->meta, (std::map<std::string, std::string>{{"role", "web"}}));
    EXPECT_EQ(md->key_name, "k1");
    EXPECT_EQ(md->public_key, key) << "the door's own key pair";
    ASSERT_EQ(md->ports.size(), 1u);
    EXPECT_EQ(md->ports[0].network_id, net);
    ASSERT_EQ(md->ports[0].addresses.size(), 1u);
    EXPECT_EQ(md->ports[0].addresses[0].ip_address, "10.0.0.77");
    EXPECT_EQ(md->ports[0].addresses[0].cidr, "10.0.0.0/24") << "its subnet, from networking";

    // Nobody at another address, or at that address on another network.
    auto nobody = metadata_at(c, net, "10.0.0.78");
    EXPECT_EQ(nobody.error.code, errc::not_found);
    EXPECT_EQ(metadata_at(c, "net-other", "10.0.0.77").error.code, errc::not_found);

    // An instance's own state gives the same (its config drive's).
    auto vm = get_instance(c, id);
    ASSERT_TRUE(vm.ok());
    auto own = ask<instance_metadata>(c.system(), c.compute(), metadata_atom::value,
                                      caf::get_atom::value, *vm);
    ASSERT_TRUE(own.ok()) << own.error.message;
    EXPECT_EQ(own->uuid, id);
    EXPECT_EQ(own->public_key, key);
  }
  // After a restart the door reads where instances are from the log.
  {
    cloud c(compute_cloud(dir));
    auto md = metadata_at(c, net, "10.0.0.77");
    ASSERT_TRUE(md.ok()) << md.error.message;
    EXPECT_EQ(md->uuid, id);
    // Deleted: the address is nobody's.
    ASSERT_TRUE(action(c, id, instance::remove{}).ok());
    EXPECT_TRUE(settled(c, id).deleted);
    reply_or_error<instance_metadata> gone;
    for (int i = 0; i < 1000; ++i) {
      gone = metadata_at(c, net, "10.0.0.77");
      if (!gone.ok()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_FALSE(gone.ok());
    EXPECT_EQ(gone.error.code, errc::not_found);
  }
}

}  // namespace
}  // namespace cumulo
