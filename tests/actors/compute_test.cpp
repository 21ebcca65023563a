// The compute actor: Nova's default flavors at the first start only, names
// unique (also when creates race), keypairs per user with their quota, the
// instance quota's reserve/commit/release, quotas an admin sets surviving a
// restart, and hosts seen and changed through the scheduler.
#include <gtest/gtest.h>

#include <caf/all.hpp>

#include "actors/compute.hpp"
#include "actors/compute_bootstrap.hpp"
#include "tests/actors/actor_test_support.hpp"
#include "tests/temp_dir.hpp"

namespace cumulo {
namespace {

const std::string key =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFXMiatOrtirOZkWl9eB38z6fdt8Nb3nSCNIfhz6jtv0 test@host";

cloud_options options(const temp_dir& dir) {
  cloud_options o;
  o.data_dir = dir.path() / "data";
  o.sync = durability::normal;
  return o;
}

std::vector<flavor_state> flavors(cloud& c) {
  auto all =
      ask<std::vector<flavor_state>>(c.system(), c.compute(), list_atom::value, flavor_atom::value);
  EXPECT_TRUE(all.ok()) << all.error.message;
  return all.ok() ? *all : std::vector<flavor_state>{};
}

flavor::command flavor_named(const std::string& name) {
  flavor::create f;
  f.name = name;
  f.vcpus = 1;
  f.ram = 256;
  f.disk = 1;
  return f;
}

TEST(Compute, DefaultFlavorsComeOnceWithAFreshDataDir) {
  temp_dir dir;
  {
    cloud c(options(dir));
    EXPECT_TRUE(flavors(c).empty());  // the bootstrap makes them, not the cloud
    EXPECT_EQ(bootstrap_flavors(c).size(), 5u);
    EXPECT_TRUE(bootstrap_flavors(c).empty());  // idempotent
    auto all = flavors(c);
    ASSERT_EQ(all.size(), 5u);
    EXPECT_EQ(all[0].id, "1");
    EXPECT_EQ(all[0].name, "m1.tiny");
    EXPECT_EQ(all[0].ram, 512);
    EXPECT_EQ(all[0].vcpus, 1);
    EXPECT_EQ(all[0].disk, 1);
    EXPECT_EQ(all[4].name, "m1.xlarge");
    EXPECT_EQ(all[4].ram, 16384);
    EXPECT_EQ(all[4].vcpus, 8);
    EXPECT_EQ(all[4].disk, 160);
    ASSERT_TRUE(ask<flavor_state>(c.system(), c.compute(), command_atom::value, std::string("1"),
                                  flavor::command{flavor::remove{}}, test_meta())
                    .ok());
  }
  cloud again(options(dir));
  EXPECT_TRUE(bootstrap_flavors(again).empty());
  auto all = flavors(again);
  ASSERT_EQ(all.size(), 4u);  // m1.tiny stays deleted
  EXPECT_EQ(all[0].name, "m1.small");
  // Its id is taken for good, in Nova's words.
  auto reuse = ask<flavor_state>(again.system(), again.compute(), command_atom::value,
                                 std::string("1"), flavor_named("x"), test_meta());
  ASSERT_FALSE(reuse.ok());
  EXPECT_EQ(reuse.error.code, errc::conflict);
  EXPECT_EQ(reuse.error.message, "Flavor with ID 1 already exists.");
}

TEST(Compute, FlavorNamesAndIdsAreUniqueEvenWhenCreatesRace) {
  temp_dir dir;
  cloud c(options(dir));
  bootstrap_flavors(c);
  auto dup = ask<flavor_state>(c.system(), c.compute(), command_atom::value, std::string("x1"),
                               flavor_named("m1.tiny"), test_meta());
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error.code, errc::conflict);
  EXPECT_EQ(dup.error.message, "Flavor with name m1.tiny already exists.");
  auto dup_id = ask<flavor_state>(c.system(), c.compute(), command_atom::value, std::string("2"),
                                  flavor_named("other"), test_meta());
  ASSERT_FALSE(dup_id.ok());
  EXPECT_EQ(dup_id.error.message, "Flavor with ID 2 already exists.");

  // 8 creates of one name at once: one wins.
  caf::scoped_actor self{c.system()};
  int ok = 0, conflicts = 0;
  for (int i = 0; i < 8; ++i)
    self->send(c.compute(), command_atom::value, "race-" + std::to_string(i), flavor_named("racer"),
               test_meta());
  for (int i = 0; i < 8; ++i)
    self->receive([&](flavor_state&) { ++ok; },
                  [&](caf::error& e) { conflicts += from_caf_error(e).code == errc::conflict; });
  EXPECT_EQ(ok, 1);
  EXPECT_EQ(conflicts, 7);
}

TEST(Compute, KeypairsAreUniquePerUserAndCountAgainstTheQuota) {
  temp_dir dir;
  cloud c(options(dir));
  auto create = [&](const std::string& user, const std::string& name) {
    return ask<keypair_state>(
        c.system(), c.compute(), command_atom::value, keypair_atom::value, std::string("p1"),
        keypair::command{keypair::create{name, user, "ssh", key}}, test_meta());
  };
  ASSERT_TRUE(create("u1", "k").ok());
  auto dup = create("u1", "k");
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error.code, errc::conflict);
  EXPECT_EQ(dup.error.message, "Key pair 'k' already exists.");
  EXPECT_TRUE(create("u2", "k").ok());  // another user's name space

  auto mine = ask<std::vector<keypair_state>>(c.system(), c.compute(), list_atom::value,
                                              keypair_atom::value, std::string("u1"));
  ASSERT_TRUE(mine.ok());
  ASSERT_EQ(mine->size(), 1u);
  auto other = ask<keypair_state>(c.system(), c.compute(), caf::get_atom::value,
                                  keypair_atom::value, std::string("u3"), std::string("k"));
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error.message, "Keypair k not found for user u3");

  // Deleted, the name is free again.
  ASSERT_TRUE(ask<keypair_state>(c.system(), c.compute(), caf::delete_atom::value,
                                 keypair_atom::value, std::string("u1"), std::string("k"),
                                 test_meta())
                  .ok());
  EXPECT_TRUE(create("u1", "k").ok());

  ASSERT_TRUE(ask<compute_quota_set>(
                  c.system(), c.compute(), compute_quota_atom::value, std::string("p1"),
                  compute_quota::command{compute_quota::update{{{"key_pairs", 2}}}}, test_meta())
                  .ok());
  ASSERT_TRUE(create("u1", "k2").ok());
  auto over = create("u1", "k3");
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error.code, errc::forbidden);
  EXPECT_EQ(over.error.message, "Quota exceeded, too many key pairs.");
}

TEST(Compute, InstanceQuotaIsReservedCommittedAndReleased) {
  temp_dir dir;
  cloud c(options(dir));
  auto& sys = c.system();
  ASSERT_TRUE(ask<compute_quota_set>(
                  sys, c.compute(), compute_quota_atom::value, std::string("p1"),
                  compute_quota::command{compute_quota::update{{{"instances", 2}}}}, test_meta())
                  .ok());
  const compute_usage one{1, 1, 512};
  auto r1 = ask<std::string>(sys, c.compute(), reserve_atom::value, std::string("p1"), one);
  auto r2 = ask<std::string>(sys, c.compute(), reserve_atom::value, std::string("p1"), one);
  ASSERT_TRUE(r1.ok() && r2.ok());
  auto r3 = ask<std::string>(sys, c.compute(), reserve_atom::value, std::string("p1"), one);
  ASSERT_FALSE(r3.ok());
  EXPECT_EQ(r3.error.code, errc::forbidden);
  EXPECT_EQ(r3.error.message,
            "Quota exceeded for instances: Requested 1, but already used 2 of 2 instances");
  // Another project is not affected.
  EXPECT_TRUE(ask<std::string>(sys, c.compute(), reserve_atom::value, std::string("p2"), one).ok());

  // A launch given up frees its place; a committed one holds it until its
  // instance is deleted.
  ASSERT_TRUE(ask<caf::ok_atom>(sys, c.compute(), release_atom::value, *r2).ok());
  ASSERT_TRUE(ask<caf::ok_atom>(sys, c.compute(), commit_atom::value, *r1, std::string("i1")).ok());
  auto used = ask<compute_usage>(sys, c.compute(), caf::get_atom::value, usage_atom::value,
                                 std::string("p1"));
  ASSERT_TRUE(used.ok());
  EXPECT_EQ(used->instances, 1);
  EXPECT_EQ(used->cores, 1);
  EXPECT_EQ(used->ram, 512);
  auto unknown = ask<caf::ok_atom>(sys, c.compute(), commit_atom::value, std::string("nope"),
                                   std::string("i9"));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error.code, errc::not_found);
  // A limit below what is used is refused (unless forced).
  auto below = ask<compute_quota_set>(
      sys, c.compute(), compute_quota_atom::value, std::string("p1"),
      compute_quota::command{compute_quota::update{{{"instances", 0}}}}, test_meta());
  ASSERT_FALSE(below.ok());
  EXPECT_EQ(below.error.code, errc::bad_request);
  ASSERT_TRUE(ask<caf::ok_atom>(sys, c.compute(), release_atom::value, instance_atom::value,
                                std::string("i1"))
                  .ok());
  used = ask<compute_usage>(sys, c.compute(), caf::get_atom::value, usage_atom::value,
                            std::string("p1"));
  EXPECT_EQ(used->instances, 0);
}

TEST(Compute, QuotasSurviveARestart) {
  temp_dir dir;
  {
    cloud c(options(dir));
    ASSERT_TRUE(ask<compute_quota_set>(
                    c.system(), c.compute(), compute_quota_atom::value, std::string("p1"),
                    compute_quota::command{compute_quota::update{{{"cores", 7}}}}, test_meta())
                    .ok());
  }
  cloud c(options(dir));
  auto q = ask<compute_quota_set>(c.system(), c.compute(), caf::get_atom::value,
                                  compute_quota_atom::value, std::string("p1"));
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->limit("cores"), 7);
  EXPECT_EQ(q->limit("instances"), 10);
}

TEST(Compute, HostsAreSeenAndDisabledThroughTheScheduler) {
  temp_dir dir;
  cloud c(options(dir));
  auto scheduler =
      *ask<caf::actor>(c.system(), c.conductor(), caf::get_atom::value, scheduler_atom::value);
  host::register_host reg;
  reg.hypervisor_hostname = "compute-1";
  reg.hypervisor_type = "QEMU";
  reg.vcpus = 4;
  reg.memory_mb = 8192;
  reg.local_gb = 100;
  ASSERT_TRUE(ask<host_state>(c.system(), scheduler, command_atom::value, std::string("compute-1"),
                              host::command{reg}, test_meta())
                  .ok());
  auto hosts = ask<std::vector<host_state>>(c.system(), c.compute(), list_atom::value,
                                            hypervisor_atom::value);
  ASSERT_TRUE(hosts.ok());
  ASSERT_EQ(hosts->size(), 1u);
  EXPECT_EQ(hosts->at(0).hypervisor_hostname, "compute-1");
  auto off = ask<host_state>(c.system(), c.compute(), command_atom::value, std::string("compute-1"),
                             host::command{host::disable{"maintenance"}}, test_meta());
  ASSERT_TRUE(off.ok()) << off.error.message;
  EXPECT_FALSE(off->enabled);
  EXPECT_EQ(off->disabled_reason, "maintenance");
}

}  // namespace
}  // namespace cumulo
