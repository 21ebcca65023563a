// The virt driver on libvirt's test driver, each host on a node file of its
// own (test:///<file>), as `cumulo serve` runs it.
#include "virt/libvirt_driver.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "store/ids.hpp"
#include "tests/temp_dir.hpp"

namespace cumulo {
namespace {

libvirt_driver_options options(const temp_dir& dir, const std::string& name, int vcpus,
                               std::int64_t memory_mb) {
  libvirt_driver_options o;
  o.uri = write_test_node(dir.path() / "hosts" / (name + ".xml"), vcpus, memory_mb);
  o.hostname = name;
  o.local_gb = 50;
  o.console_dir = dir.path() / "instances";
  o.clock = [] { return std::int64_t{1764064800000000}; };  // 2025-11-25T10:00:00Z
  return o;
}

domain_spec a_spec(const temp_dir& dir) {
  domain_spec s;
  s.instance_id = new_uuid();
  s.name = "web-1";
  s.vcpus = 1;
  s.memory_mb = 512;
  s.disk_gb = 1;
  s.image_path = (dir.path() / "images" / "cirros").string();
  s.nics = {{"fa:16:3e:00:00:01", "cumulo-net1", "p1", ""}};
  s.flavor_name = "m1.tiny";
  s.project_id = "p1";
  return s;
}

TEST(LibvirtDriver, EachHostHasTheCapacityOfItsOwnNode) {
  temp_dir dir;
  libvirt_driver small(options(dir, "compute-1", 2, 2048));
  libvirt_driver big(options(dir, "compute-2", 16, 65536));
  const auto a = small.host();
  EXPECT_EQ(a.hostname, "compute-1");
  EXPECT_EQ(a.vcpus, 2);
  EXPECT_EQ(a.memory_mb, 2048);
  EXPECT_EQ(a.local_gb, 50);
  EXPECT_EQ(a.hypervisor_type, "test");
  EXPECT_EQ(a.cpu_model, "x86_64");
  const auto b = big.host();
  EXPECT_EQ(b.vcpus, 16);
  EXPECT_EQ(b.memory_mb, 65536);
  // A domain on one host is not on the other.
  auto spec = a_spec(dir);
  small.spawn(spec);
  EXPECT_EQ(small.power_state(spec.instance_id), power_states::running);
  EXPECT_EQ(big.power_state(spec.instance_id), power_states::nostate);
  EXPECT_TRUE(big.power_states_all().empty());
}

TEST(LibvirtDriver, DomainXmlCarriesTheInstance) {
  temp_dir dir;
  auto spec = a_spec(dir);
  spec.name = "a<b>";
  const auto xml = libvirt_domain_xml(spec, true, dir.path() / "console.log");
  EXPECT_NE(xml.find("<domain type='test'>"), std::string::npos);
  EXPECT_NE(xml.find("<name>instance-" + spec.instance_id + "</name>"), std::string::npos);
  EXPECT_NE(xml.find("<uuid>" + spec.instance_id + "</uuid>"), std::string::npos);
  EXPECT_NE(xml.find("<memory unit='MiB'>512</memory>"), std::string::npos);
  EXPECT_NE(xml.find("<mac address='fa:16:3e:00:00:01'/>"), std::string::npos);
  EXPECT_NE(xml.find("<source network='cumulo-net1'/>"), std::string::npos);
  EXPECT_NE(xml.find("<cumulo:name>a&lt;b&gt;</cumulo:name>"), std::string::npos);
  const auto qemu = libvirt_domain_xml(spec, false, dir.path() / "console.log");
  EXPECT_NE(qemu.find("<domain type='qemu'>"), std::string::npos);
  EXPECT_NE(qemu.find("<serial type='file'>"), std::string::npos) << "the real console's file";
  // Security groups: the port's nwfilter on real guests only.
  EXPECT_NE(qemu.find("<filterref filter='cumulo-port-p1'/>"), std::string::npos);
  EXPECT_EQ(xml.find("filterref"), std::string::npos);
}

TEST(LibvirtDriver, EveryActionMovesThePowerState) {
  temp_dir dir;
  libvirt_driver d(options(dir, "compute-1", 4, 4096));
  const auto spec = a_spec(dir);
  const auto& id = spec.instance_id;
  d.spawn(spec);
  EXPECT_EQ(d.power_state(id), power_states::running);
  d.power_off(id, std::chrono::seconds(1));
  EXPECT_EQ(d.power_state(id), power_states::shutdown);
  d.power_on(id);
  EXPECT_EQ(d.power_state(id), power_states::running);
  d.reboot(id, reboot_type::soft);
  EXPECT_EQ(d.power_state(id), power_states::running);
  d.pause(id);
  EXPECT_EQ(d.power_state(id), power_states::paused);
  d.unpause(id);
  EXPECT_EQ(d.power_state(id), power_states::running);
  d.suspend(id);
  EXPECT_EQ(d.power_state(id), power_states::suspended);
  d.resume(id);
  EXPECT_EQ(d.power_state(id), power_states::running);
  // A hard reboot starts the domain from whatever state it is in.
  d.suspend(id);
  d.reboot(id, reboot_type::hard);
  EXPECT_EQ(d.power_state(id), power_states::running);
  d.power_off(id, std::chrono::seconds(0));
  d.reboot(id, reboot_type::hard);
  EXPECT_EQ(d.power_state(id), power_states::running);
  EXPECT_EQ(d.power_states_all(),
            (std::map<std::string, power_states>{{id, power_states::running}}));
  d.destroy(id);
  EXPECT_EQ(d.power_state(id), power_states::nostate);
  EXPECT_TRUE(d.power_states_all().empty());
  EXPECT_NO_THROW(d.destroy(id)) << "nothing to destroy is not an error";
}

TEST(LibvirtDriver, RefusesWhatLibvirtWouldNotDo) {
  temp_dir dir;
  libvirt_driver d(options(dir, "compute-1", 4, 4096));
  const auto spec = a_spec(dir);
  d.spawn(spec);
  EXPECT_THROW(d.spawn(spec), virt_error) << "a second domain for one instance";
  EXPECT_THROW(d.unpause(spec.instance_id), virt_error) << "not paused";
  EXPECT_THROW(d.pause("nope"), virt_error) << "no domain";
  try {
    d.power_on("nope");
    FAIL();
  } catch (const virt_error& e) {
    EXPECT_STREQ(e.what(), "Instance nope has no domain on this host.");
  }
  auto bad = a_spec(dir);
  bad.memory_mb = 0;
  EXPECT_THROW(d.spawn(bad), virt_error);
  EXPECT_EQ(d.power_state(bad.instance_id), power_states::nostate);
}

TEST(LibvirtDriver, AMissingImageFileIsRefusedWhenFilesAreRequired) {
  temp_dir dir;
  auto o = options(dir, "compute-1", 4, 4096);
  o.require_image_files = true;
  libvirt_driver d(o);
  const auto spec = a_spec(dir);
  try {
    d.spawn(spec);
    FAIL() << "spawned without its image";
  } catch (const virt_error& e) {
    EXPECT_EQ(std::string(e.what()), "Image file " + spec.image_path + " does not exist.");
  }
  EXPECT_EQ(d.power_state(spec.instance_id), power_states::nostate) << "nothing left defined";
  std::filesystem::create_directories(dir.path() / "images");
  std::ofstream(spec.image_path) << "disk";
  EXPECT_NO_THROW(d.spawn(spec));
}

TEST(LibvirtDriver, ConsoleOutputIsTheDomainsLogBoundedFromTheEnd) {
  temp_dir dir;
  libvirt_driver d(options(dir, "compute-1", 4, 4096));
  const auto spec = a_spec(dir);
  d.spawn(spec);
  d.pause(spec.instance_id);
  d.unpause(spec.instance_id);
  const auto all = d.console_output(spec.instance_id, 0);
  EXPECT_NE(all.find("defined and started"), std::string::npos) << all;
  EXPECT_NE(all.find("domain paused"), std::string::npos) << all;
  EXPECT_EQ(all.rfind("2025-11-25T10:00:00Z ", 0), 0u) << "stamped by the injected clock: " << all;
  const auto last = d.console_output(spec.instance_id, 1);
  EXPECT_EQ(std::count(last.begin(), last.end(), '\n'), 1) << last;
  EXPECT_NE(last.find("domain unpaused"), std::string::npos) << last;
  EXPECT_LE(d.console_output(spec.instance_id, 0, 20).size(), 20u);
  EXPECT_THROW(d.console_output("nope", 0), virt_error);
  d.destroy(spec.instance_id);
  EXPECT_FALSE(std::filesystem::exists(d.console_log(spec.instance_id)));
}

TEST(LibvirtDriver, AnUnknownUriIsAClearError) {
  temp_dir dir;
  libvirt_driver_options o;
  o.uri = "test:///" + (dir.path() / "missing.xml").string();
  o.console_dir = dir.path();
  EXPECT_THROW(libvirt_driver{o}, virt_error);
}

}  // namespace
}  // namespace cumulo
