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
  s.nics = {{"fa:16:3e:00:00:01", "cumulo-net1", "p1"}};
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

// The <disk> element of a domain's XML whose target is `dev`, "" if none.
std::string disk_of(const std::string& xml, const std::string& dev) {
  for (auto at = xml.find("<disk "); at != std::string::npos; at = xml.find("<disk ", at + 1)) {
    const auto end = xml.find("</disk>", at);
    const auto element = xml.substr(at, end - at);
    if (element.find("<target dev='" + dev + "'") != std::string::npos) return element;
  }
  return "";
}

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// A volume as the file backend makes it: a file of raw bytes.
volume_disk a_volume(const temp_dir& dir, const std::string& dev, const std::string& bytes = "") {
  volume_disk v;
  v.volume_id = new_uuid();
  v.target_dev = dev;
  std::filesystem::create_directories(dir.path() / "volumes");
  v.path = (dir.path() / "volumes" / ("volume-" + v.volume_id)).string();
  std::ofstream(v.path, std::ios::binary) << bytes;
  return v;
}

std::string file_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(LibvirtDriver, AnAttachedVolumeIsAVirtioDiskWhoseSerialIsTheVolumesId) {
  temp_dir dir;
  libvirt_driver d(options(dir, "compute-1", 4, 4096));
  const auto spec = a_spec(dir);
  const auto& id = spec.instance_id;
  d.spawn(spec);
  const auto v = a_volume(dir, "vdb");
  d.attach_volume(id, v);
  const auto disk = disk_of(d.domain_xml(id), "vdb");
  ASSERT_FALSE(disk.empty()) << d.domain_xml(id);
  EXPECT_NE(disk.find("<disk type='file' device='disk'>"), std::string::npos) << disk;
  EXPECT_NE(disk.find("<source file='" + v.path + "'/>"), std::string::npos) << disk;
  EXPECT_NE(disk.find("<target dev='vdb' bus='virtio'/>"), std::string::npos) << disk;
  EXPECT_NE(disk.find("<driver name='qemu' type='raw' cache='none'/>"), std::string::npos) << disk;
  // What virtio-blk carries: the id's first 20 characters.
  EXPECT_NE(disk.find("<serial>" + v.volume_id.substr(0, 20) + "</serial>"), std::string::npos)
      << disk;
  EXPECT_EQ(disk.find("<serial>" + v.volume_id + "</serial>"), std::string::npos)
      << "the whole id is longer than QEMU takes";
  EXPECT_EQ(disk.find("<readonly/>"), std::string::npos) << disk;
  EXPECT_FALSE(disk_of(d.domain_xml(id), "vda").empty()) << "the root disk stays";
  // The definition carries it: a power off/on and a hard reboot keep it.
  d.power_off(id, std::chrono::seconds(0));
  d.power_on(id);
  EXPECT_FALSE(disk_of(d.domain_xml(id, false), "vdb").empty()) << d.domain_xml(id, false);
  d.reboot(id, reboot_type::hard);
  EXPECT_FALSE(disk_of(d.domain_xml(id, false), "vdb").empty()) << d.domain_xml(id, false);
  EXPECT_EQ(d.power_state(id), power_states::running);
}

TEST(LibvirtDriver, ABlockDeviceVolumeIsABlockDiskAndAReadOnlyOneIsReadOnly) {
  temp_dir dir;
  libvirt_driver d(options(dir, "compute-1", 4, 4096));
  const auto spec = a_spec(dir);
  d.spawn(spec);
  volume_disk lv;
  lv.volume_id = new_uuid();
  lv.target_dev = "vdc";
  lv.path = "/dev/cinder-volumes/volume-" + lv.volume_id;  // the test driver opens nothing
  lv.block_device = true;
  lv.read_only = true;
  d.attach_volume(spec.instance_id, lv);
  const auto disk = disk_of(d.domain_xml(spec.instance_id), "vdc");
  EXPECT_NE(disk.find("<disk type='block' device='disk'>"), std::string::npos) << disk;
  EXPECT_NE(disk.find("<source dev='" + lv.path + "'/>"), std::string::npos) << disk;
  EXPECT_NE(disk.find("<readonly/>"), std::string::npos) << disk;
}

TEST(LibvirtDriver, ADetachedVolumeLeavesTheDomainAndItsDefinition) {
  temp_dir dir;
  libvirt_driver d(options(dir, "compute-1", 4, 4096));
  const auto spec = a_spec(dir);
  const auto& id = spec.instance_id;
  d.spawn(spec);
  const auto b = a_volume(dir, "vdb", "CUMULO-DATA b\n");
  const auto c = a_volume(dir, "vdc");
  d.attach_volume(id, b);
  d.attach_volume(id, c);
  d.detach_volume(id, "vdb");
  const auto xml = d.domain_xml(id);
  EXPECT_TRUE(disk_of(xml, "vdb").empty()) << xml;
  EXPECT_FALSE(disk_of(xml, "vdc").empty()) << "only the one asked for goes: " << xml;
  EXPECT_FALSE(disk_of(xml, "vda").empty()) << xml;
  d.power_off(id, std::chrono::seconds(0));
  d.power_on(id);
  EXPECT_TRUE(disk_of(d.domain_xml(id, false), "vdb").empty()) << "not back after a power cycle";
  EXPECT_EQ(file_text(b.path), "CUMULO-DATA b\n") << "the volume's bytes are not the driver's";
  // A retry after a crash finds it gone: nothing to do.
  EXPECT_NO_THROW(d.detach_volume(id, "vdb"));
  EXPECT_NO_THROW(d.detach_volume(id, "vdz")) << "never attached";
  EXPECT_THROW(d.detach_volume(id, "vda"), virt_error) << "the root disk is not a volume to detach";
  EXPECT_THROW(d.detach_volume(id, "sdb"), virt_error) << "virtio disks only";
}

TEST(LibvirtDriver, AVolumeAttachedToAShutOffDomainIsThereWhenItStarts) {
  temp_dir dir;
  libvirt_driver d(options(dir, "compute-1", 4, 4096));
  const auto spec = a_spec(dir);
  const auto& id = spec.instance_id;
  d.spawn(spec);
  d.power_off(id, std::chrono::seconds(0));
  const auto v = a_volume(dir, "vdb");
  d.attach_volume(id, v);
  EXPECT_EQ(d.power_state(id), power_states::shutdown) << "an attach does not start it";
  EXPECT_FALSE(disk_of(d.domain_xml(id), "vdb").empty()) << d.domain_xml(id);
  d.power_on(id);
  EXPECT_FALSE(disk_of(d.domain_xml(id, false), "vdb").empty()) << d.domain_xml(id, false);
  // And one detached while it is off is gone when it starts again.
  d.power_off(id, std::chrono::seconds(0));
  d.detach_volume(id, "vdb");
  d.power_on(id);
  EXPECT_TRUE(disk_of(d.domain_xml(id, false), "vdb").empty()) << d.domain_xml(id, false);
}

TEST(LibvirtDriver, AttachIsIdempotentAndATakenTargetIsRefused) {
  temp_dir dir;
  libvirt_driver d(options(dir, "compute-1", 4, 4096));
  const auto spec = a_spec(dir);
  const auto& id = spec.instance_id;
  d.spawn(spec);
  const auto v = a_volume(dir, "vdb");
  d.attach_volume(id, v);
  EXPECT_NO_THROW(d.attach_volume(id, v)) << "a retry after a crash";
  EXPECT_EQ(count_of(d.domain_xml(id), "<target dev='vdb'"), 1u) << d.domain_xml(id);
  const auto other = a_volume(dir, "vdb");
  EXPECT_THROW(d.attach_volume(id, other), virt_error) << "vdb holds another volume";
  EXPECT_NE(d.domain_xml(id).find(v.path), std::string::npos) << "the first one stays";
  EXPECT_EQ(d.domain_xml(id).find(other.path), std::string::npos);
  auto at_root = a_volume(dir, "vda");
  EXPECT_THROW(d.attach_volume(id, at_root), virt_error) << "vda is the root disk";
  at_root.target_dev = "hdb";
  EXPECT_THROW(d.attach_volume(id, at_root), virt_error) << "virtio disks only";
  // No domain (a shelved server): its next spawn has the volume.
  EXPECT_NO_THROW(d.attach_volume("nope", v));
  EXPECT_NO_THROW(d.detach_volume("nope", "vdb"));
  // A suspended domain would come back from memory without it.
  d.suspend(id);
  EXPECT_THROW(d.attach_volume(id, a_volume(dir, "vdc")), virt_error);
  EXPECT_TRUE(disk_of(d.domain_xml(id), "vdc").empty());
}

TEST(LibvirtDriver, ASpawnHasItsVolumesAfterTheRootDisk) {
  temp_dir dir;
  libvirt_driver d(options(dir, "compute-1", 4, 4096));
  auto spec = a_spec(dir);
  spec.volumes = {a_volume(dir, "vdb"), a_volume(dir, "vdc")};
  spec.volumes[1].read_only = true;
  d.spawn(spec);
  const auto xml = d.domain_xml(spec.instance_id);
  EXPECT_NE(disk_of(xml, "vda").find("<source file='" + spec.image_path + "'/>"), std::string::npos)
      << xml;
  EXPECT_NE(disk_of(xml, "vdb").find("<serial>" + spec.volumes[0].volume_id.substr(0, 20)),
            std::string::npos)
      << xml;
  EXPECT_NE(disk_of(xml, "vdc").find("<readonly/>"), std::string::npos) << xml;
  EXPECT_LT(xml.find("<target dev='vda'"), xml.find("<target dev='vdb'")) << "the root first";
  // The real guest's definition has them too, after its own disk.
  const auto qemu = libvirt_domain_xml(spec, false, dir.path() / "console.log", "qemu",
                                       dir.path() / "instances" / spec.instance_id);
  EXPECT_NE(disk_of(qemu, "vda").find("disk.qcow2"), std::string::npos) << qemu;
  EXPECT_NE(disk_of(qemu, "vdb").find("<source file='" + spec.volumes[0].path + "'/>"),
            std::string::npos)
      << qemu;
  EXPECT_NE(disk_of(qemu, "vdb").find("cache='none'"), std::string::npos) << qemu;
  // Refused: a volume at the root's place, two at one target.
  auto bad = a_spec(dir);
  bad.volumes = {a_volume(dir, "vda")};
  EXPECT_THROW(d.spawn(bad), virt_error);
  bad.volumes = {a_volume(dir, "vdb"), a_volume(dir, "vdb")};
  EXPECT_THROW(d.spawn(bad), virt_error);
  EXPECT_EQ(d.power_state(bad.instance_id), power_states::nostate);
}

TEST(LibvirtDriver, ABootVolumeIsTheRootDisk) {
  temp_dir dir;
  libvirt_driver d(options(dir, "compute-1", 4, 4096));
  auto spec = a_spec(dir);
  spec.image_path = "";  // a server booted from a volume has no image
  spec.boot_volume = a_volume(dir, "vda", "CUMULO-DATA root\n");
  spec.volumes = {a_volume(dir, "vdb")};
  spec.kernel_path = "/boot/vmlinuz";
  d.spawn(spec);
  const auto& id = spec.instance_id;
  EXPECT_EQ(d.power_state(id), power_states::running);
  const auto xml = d.domain_xml(id);
  const auto root = disk_of(xml, "vda");
  EXPECT_NE(root.find("<source file='" + spec.boot_volume->path + "'/>"), std::string::npos) << xml;
  EXPECT_NE(root.find("<serial>" + spec.boot_volume->volume_id.substr(0, 20)), std::string::npos)
      << xml;
  EXPECT_FALSE(disk_of(xml, "vdb").empty()) << xml;
  EXPECT_EQ(count_of(xml, "<disk "), 2u) << "no image disk beside the volume: " << xml;
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "instances" / id / "disk.qcow2"));
  // A real guest: the volume is vda, raw, with no overlay in the instance's
  // folder; the kernel still boots directly with root=/dev/vda.
  const auto inst = dir.path() / "instances" / id;
  const auto qemu = libvirt_domain_xml(spec, false, dir.path() / "console.log", "qemu", inst);
  EXPECT_NE(disk_of(qemu, "vda").find("<source file='" + spec.boot_volume->path + "'/>"),
            std::string::npos)
      << qemu;
  EXPECT_NE(disk_of(qemu, "vda").find("type='raw'"), std::string::npos) << qemu;
  EXPECT_EQ(qemu.find("disk.qcow2"), std::string::npos) << "no overlay: " << qemu;
  EXPECT_NE(qemu.find("<kernel>/boot/vmlinuz</kernel>"), std::string::npos) << qemu;
  EXPECT_NE(qemu.find("root=/dev/vda"), std::string::npos) << qemu;
  // A rescue boots its own disk; the volume is second, the others stay out.
  auto rescue = spec;
  rescue.rescue_image_path = (dir.path() / "images" / "rescue").string();
  const auto rescued = libvirt_domain_xml(rescue, false, dir.path() / "console.log", "qemu", inst);
  EXPECT_NE(disk_of(rescued, "vda").find("disk.rescue.qcow2"), std::string::npos) << rescued;
  EXPECT_NE(disk_of(rescued, "vdb").find("<source file='" + spec.boot_volume->path + "'/>"),
            std::string::npos)
      << rescued;
  EXPECT_EQ(rescued.find(spec.volumes[0].path), std::string::npos) << rescued;
  // A snapshot of the server is the volume's bytes.
  const auto dest = dir.path() / "snapshot";
  d.snapshot(id, "", dest, "raw");
  EXPECT_EQ(file_text(dest.string()).substr(0, 17), "CUMULO-DATA root\n");
}

TEST(LibvirtDriver, RemovingADomainLeavesItsVolumes) {
  temp_dir dir;
  libvirt_driver d(options(dir, "compute-1", 4, 4096));
  auto spec = a_spec(dir);
  spec.boot_volume = a_volume(dir, "vda", "CUMULO-DATA root\n");
  spec.volumes = {a_volume(dir, "vdb", "CUMULO-DATA b\n")};
  d.spawn(spec);
  const auto c = a_volume(dir, "vdc", "CUMULO-DATA c\n");
  d.attach_volume(spec.instance_id, c);
  d.undefine(spec.instance_id);  // a move
  auto moved = spec;
  moved.keep_disk = true;
  moved.volumes.push_back(c);
  d.spawn(moved);
  EXPECT_FALSE(disk_of(d.domain_xml(spec.instance_id), "vdc").empty());
  d.destroy(spec.instance_id);  // the server deleted
  EXPECT_EQ(d.power_state(spec.instance_id), power_states::nostate);
  EXPECT_EQ(file_text(spec.boot_volume->path), "CUMULO-DATA root\n");
  EXPECT_EQ(file_text(spec.volumes[0].path), "CUMULO-DATA b\n");
  EXPECT_EQ(file_text(c.path), "CUMULO-DATA c\n");
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
