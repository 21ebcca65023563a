#include "virt/libvirt_driver.hpp"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <fstream>
#include <optional>
#include <sstream>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "engine/clock.hpp"
#include "virt/config_drive.hpp"
#include "virt/host_command.hpp"
#include "engine/ids.hpp"
#include "virt/nwfilter.hpp"
#include "engine/tenant_plane.hpp"
#include "engine/xml_text.hpp"

namespace cumulo {
namespace {

constexpr const char* domain_prefix = "instance-";

virt_error libvirt_error(const std::string& what) {
  const char* m = virGetLastErrorMessage();
  return virt_error(what + ": " + (m ? m : "unknown libvirt error"));
}

struct domain_ref {
  virDomainPtr p = nullptr;
  domain_ref() = default;
  explicit domain_ref(virDomainPtr d) : p(d) {}
  domain_ref(const domain_ref&) = delete;
  domain_ref& operator=(const domain_ref&) = delete;
  ~domain_ref() {
    if (p) virDomainFree(p);
  }
};

power_states power_of(virDomainPtr d) {
  int state = VIR_DOMAIN_NOSTATE;
  int reason = 0;
  if (virDomainGetState(d, &state, &reason, 0) < 0) return power_states::nostate;
  switch (state) {
    case VIR_DOMAIN_RUNNING:
    case VIR_DOMAIN_BLOCKED:
      return power_states::running;
    case VIR_DOMAIN_PAUSED:
      return power_states::paused;
    case VIR_DOMAIN_SHUTDOWN:
      return power_states::shutdown;
    case VIR_DOMAIN_SHUTOFF:
      // A suspended instance is a stopped domain with its memory saved.
      return virDomainHasManagedSaveImage(d, 0) == 1 ? power_states::suspended
                                                     : power_states::shutdown;
    case VIR_DOMAIN_CRASHED:
      return power_states::crashed;
    case VIR_DOMAIN_PMSUSPENDED:
      return power_states::suspended;
    default:
      return power_states::nostate;
  }
}

}  // namespace

std::string domain_name(const std::string& instance_id) {
  return domain_prefix + instance_id;
}

bool is_test_uri(const std::string& uri) {
  return uri.rfind("test://", 0) == 0;
}

std::string write_test_node(const std::filesystem::path& file, int vcpus, std::int64_t memory_mb) {
  if (vcpus <= 0 || memory_mb <= 0)
    throw virt_error("a host needs at least one vCPU and some memory");
  std::filesystem::create_directories(file.parent_path());
  const auto path = std::filesystem::absolute(file);
  std::ofstream out(path, std::ios::trunc);
  // One socket of `vcpus` cores: virNodeGetInfo's cpus is their product.
  out << "<node>\n  <cpu>\n    <nodes>1</nodes>\n    <sockets>1</sockets>\n    <cores>" << vcpus
      << "</cores>\n    <threads>1</threads>\n    <active>" << vcpus
      << "</active>\n    <mhz>2000</mhz>\n    <model>x86_64</model>\n  </cpu>\n  <memory>"
      << memory_mb * 1024 << "</memory>\n</node>\n";
  out.close();
  if (!out) throw virt_error("cannot write " + path.string());
  return "test://" + path.string();
}

namespace {

void metadata_xml(std::ostringstream& x, const domain_spec& spec, const std::string& owner) {
  x << "  <metadata>\n    <cumulo:instance xmlns:cumulo='urn:cumulo:instance:1'>\n"
    << "      <cumulo:name>" << xml_escaped(spec.name) << "</cumulo:name>\n"
    << "      <cumulo:flavor vcpus='" << spec.vcpus << "' memory_mb='" << spec.memory_mb
    << "' disk_gb='" << spec.disk_gb << "'>" << xml_escaped(spec.flavor_name)
    << "</cumulo:flavor>\n"
    << "      <cumulo:project>" << xml_escaped(spec.project_id) << "</cumulo:project>\n";
  if (!owner.empty()) x << "      <cumulo:owner>" << xml_escaped(owner) << "</cumulo:owner>\n";
  x << "    </cumulo:instance>\n  </metadata>\n";
}

// The network id of a NIC ("cumulo-<id>", its libvirt network's name).
std::string network_id_of(const nic_spec& nic) {
  const std::string prefix = "cumulo-";
  return nic.network.rfind(prefix, 0) == 0 ? nic.network.substr(prefix.size()) : nic.network;
}

// The tenant plane's bridge of a NIC's network.
std::string bridge_of(const nic_spec& nic) {
  return plane::bridge_name(network_id_of(nic));
}

// Real guests' ports carry their security groups' filter (the test
// driver has no nwfilter).
void nics_xml(std::ostringstream& x, const domain_spec& spec, bool with_filters,
              bool bridges = false) {
  for (const auto& nic : spec.nics) {
    if (bridges)
      x << "    <interface type='bridge'>\n      <mac address='" << xml_escaped(nic.mac_address)
        << "'/>\n      <source bridge='" << xml_escaped(bridge_of(nic))
        << "'/>\n      <model type='virtio'/>\n";
    else
      x << "    <interface type='network'>\n      <mac address='" << xml_escaped(nic.mac_address)
        << "'/>\n      <source network='" << xml_escaped(nic.network)
        << "'/>\n      <model type='virtio'/>\n";
    if (with_filters && !nic.port_id.empty())
      x << "      <filterref filter='" << xml_escaped(port_nwfilter_name(nic.port_id)) << "'/>\n";
    x << "    </interface>\n";
  }
}

// A domain's XML as libvirt writes it (single-quoted attributes).
std::string domain_xml_of(virDomainPtr d, unsigned int flags) {
  char* x = virDomainGetXMLDesc(d, flags);
  if (!x) throw libvirt_error("Cannot read the domain's XML");
  std::string out = x;
  free(x);
  return out;
}

// An attribute's value in an XML start tag, "" when absent.
std::string attribute_of(const std::string& tag, const std::string& name) {
  for (const char quote : {'\'', '"'}) {
    const std::string key = " " + name + "=" + quote;
    const auto at = tag.find(key);
    if (at == std::string::npos) continue;
    const auto end = tag.find(quote, at + key.size());
    if (end == std::string::npos) return "";
    return tag.substr(at + key.size(), end - at - key.size());
  }
  return "";
}

// QEMU's virtio-blk takes at most 20 characters of serial
// (VIRTIO_BLK_ID_BYTES); Nova's serial is the volume's id, so its start.
std::string volume_serial(const std::string& volume_id) {
  return volume_id.substr(0, 20);
}

// Virtio disks only ("vd" and letters): the name goes into the domain's
// XML and the guest sees the disks in that order.
bool valid_target_dev(const std::string& dev) {
  return dev.size() >= 3 && dev.size() <= 4 && dev.rfind("vd", 0) == 0 &&
         std::all_of(dev.begin() + 2, dev.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

void check_volume_disk(const volume_disk& v) {
  if (v.volume_id.empty()) throw virt_error("A volume's disk needs the volume's id.");
  if (!valid_target_dev(v.target_dev))
    throw virt_error("Invalid device name '" + v.target_dev + "' for volume " + v.volume_id +
                     ": vd and a letter (vdb).");
  if (v.path.empty()) throw virt_error("Volume " + v.volume_id + " has no path.");
}

// cache='none' has QEMU open the volume with O_DIRECT: what the guest
// flushes is on the disk, and the host caches nothing twice. A file system
// without O_DIRECT (tmpfs) makes QEMU's open fail: writethrough there, as
// Nova picks.
std::string cache_mode_of(const volume_disk& v) {
  if (v.block_device) return "none";
  const int fd = ::open(v.path.c_str(), O_RDONLY | O_DIRECT | O_CLOEXEC);
  if (fd >= 0) {
    ::close(fd);
    return "none";
  }
  return errno == EINVAL ? "writethrough" : "none";
}

void volume_disk_xml(std::ostringstream& x, const volume_disk& v, const std::string& dev,
                     const std::string& cache) {
  x << "    <disk type='" << (v.block_device ? "block" : "file") << "' device='disk'>\n"
    << "      <driver name='qemu' type='" << xml_escaped(v.format.empty() ? "raw" : v.format)
    << "' cache='" << cache << "'/>\n"
    << "      <source " << (v.block_device ? "dev" : "file") << "='" << xml_escaped(v.path)
    << "'/>\n"
    << "      <target dev='" << xml_escaped(dev) << "' bus='virtio'/>\n"
    << "      <serial>" << xml_escaped(volume_serial(v.volume_id)) << "</serial>\n";
  if (v.read_only) x << "      <readonly/>\n";
  x << "    </disk>\n";
}

// Where the <disk> with target `dev` is in a domain's XML (as libvirt
// writes it: single quotes): [first, second), or npos when it has none.
std::pair<std::size_t, std::size_t> disk_element(const std::string& xml, const std::string& dev) {
  constexpr auto none = std::string::npos;
  const std::string target = "<target dev='" + xml_escaped(dev) + "'";
  for (auto at = xml.find("<disk "); at != none; at = xml.find("<disk ", at + 1)) {
    const auto close = xml.find("</disk>", at);
    if (close == none) break;
    const auto t = xml.find(target, at);
    if (t != none && t < close) return {at, close + std::string("</disk>").size()};
  }
  return {none, none};
}

std::string xml_unescaped(std::string text) {
  static const std::pair<const char*, char> entities[] = {
      {"&lt;", '<'}, {"&gt;", '>'}, {"&apos;", '\''}, {"&quot;", '"'}, {"&amp;", '&'}};
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    bool done = false;
    for (const auto& [name, c] : entities)
      if (text.compare(i, std::strlen(name), name) == 0) {
        out += c;
        i += std::strlen(name);
        done = true;
        break;
      }
    if (!done) out += text[i++];
  }
  return out;
}

// The file or device a <disk> element reads, as escaped in the XML.
std::string disk_source(const std::string& element) {
  const auto at = element.find("<source ");
  if (at == std::string::npos) return "";
  const auto tag = element.substr(at, element.find('>', at) - at);
  auto file = attribute_of(tag, "file");
  return file.empty() ? attribute_of(tag, "dev") : file;
}

// The root disk (vda) of a domain's XML when it is a volume (a disk with
// a serial: only volumes have one): its path and format.
struct root_volume {
  std::string path;
  std::string format;
};
std::optional<root_volume> root_volume_of(const std::string& xml) {
  const auto [begin, end] = disk_element(xml, "vda");
  if (begin == std::string::npos) return std::nullopt;
  const auto element = xml.substr(begin, end - begin);
  if (element.find("<serial>") == std::string::npos) return std::nullopt;
  std::string format = "raw";
  if (const auto at = element.find("<driver "); at != std::string::npos)
    if (auto f = attribute_of(element.substr(at, element.find('>', at) - at), "type"); !f.empty())
      format = xml_unescaped(f);
  return root_volume{xml_unescaped(disk_source(element)), format};
}

}  // namespace

std::string libvirt_domain_xml(const domain_spec& spec, bool test_driver,
                               const std::filesystem::path& console_log,
                               const std::string& virt_type,
                               const std::filesystem::path& instance_dir, bool run_as_root,
                               bool bridges) {
  std::ostringstream x;
  x << "<domain type='" << (test_driver ? "test" : xml_escaped(virt_type)) << "'>\n";
  x << "  <name>" << xml_escaped(domain_name(spec.instance_id)) << "</name>\n";
  if (is_uuid(spec.instance_id)) x << "  <uuid>" << spec.instance_id << "</uuid>\n";
  // The instances folder owns the domain: another cloud on the same
  // libvirt (another data dir) leaves it alone.
  metadata_xml(x, spec, test_driver ? "" : instance_dir.parent_path().string());
  x << "  <memory unit='MiB'>" << spec.memory_mb << "</memory>\n";
  x << "  <vcpu>" << spec.vcpus << "</vcpu>\n";
  // A rescue boots its own disk (vda); the instance's root is vdb, to
  // repair, and its volumes stay out (Nova's rescue has neither).
  const bool rescue = !spec.rescue_image_path.empty();
  const char* root_dev = rescue ? "vdb" : "vda";
  const auto volumes = rescue ? std::vector<volume_disk>{} : spec.volumes;
  if (test_driver) {
    x << "  <os>\n    <type arch='x86_64'>hvm</type>\n  </os>\n";
    x << "  <devices>\n";
    // Nothing opens the test driver's files: no cache mode to find out.
    auto image_disk = [&](const std::string& file, const char* dev) {
      x << "    <disk type='file' device='disk'>\n      <source file='" << xml_escaped(file)
        << "'/>\n      <target dev='" << dev << "' bus='virtio'/>\n    </disk>\n";
    };
    if (rescue) image_disk(spec.rescue_image_path, "vda");
    if (spec.boot_volume)
      volume_disk_xml(x, *spec.boot_volume, root_dev, "none");
    else if (!spec.image_path.empty())
      image_disk(spec.image_path, root_dev);
    for (const auto& v : volumes) volume_disk_xml(x, v, v.target_dev, "none");
    nics_xml(x, spec, false);
    x << "  </devices>\n</domain>\n";
    return x.str();
  }
  x << "  <os>\n    <type arch='x86_64'>hvm</type>\n";
  if (!spec.kernel_path.empty()) {
    // Direct kernel boot, as Nova does for an image with kernel_id.
    x << "    <kernel>" << xml_escaped(spec.kernel_path) << "</kernel>\n";
    if (!spec.ramdisk_path.empty())
      x << "    <initrd>" << xml_escaped(spec.ramdisk_path) << "</initrd>\n";
    x << "    <cmdline>"
      << xml_escaped(spec.kernel_args.empty() ? "console=ttyS0 root=/dev/vda" : spec.kernel_args)
      << "</cmdline>\n";
  } else {
    x << "    <boot dev='hd'/>\n";
  }
  x << "  </os>\n  <features>\n    <acpi/>\n    <apic/>\n  </features>\n";
  if (virt_type == "kvm") x << "  <cpu mode='host-passthrough'/>\n";
  x << "  <clock offset='utc'/>\n";
  // A guest that powers itself off stays defined (SHUTOFF), as in Nova.
  x << "  <on_poweroff>destroy</on_poweroff>\n  <on_reboot>restart</on_reboot>\n"
    << "  <on_crash>destroy</on_crash>\n";
  x << "  <devices>\n";
  auto disk_xml = [&](const char* file, const char* dev) {
    x << "    <disk type='file' device='disk'>\n      <driver name='qemu' type='qcow2'/>\n"
      << "      <source file='" << xml_escaped((instance_dir / file).string())
      << "'/>\n      <target dev='" << dev << "' bus='virtio'/>\n    </disk>\n";
  };
  if (rescue) disk_xml("disk.rescue.qcow2", "vda");
  // The root first: <boot dev='hd'/> boots the first disk.
  if (spec.boot_volume)
    volume_disk_xml(x, *spec.boot_volume, root_dev, cache_mode_of(*spec.boot_volume));
  else
    disk_xml("disk.qcow2", root_dev);
  for (const auto& v : volumes) volume_disk_xml(x, v, v.target_dev, cache_mode_of(v));
  x << "    <disk type='file' device='cdrom'>\n      <driver name='qemu' type='raw'/>\n"
    << "      <source file='" << xml_escaped((instance_dir / "config.iso").string())
    << "'/>\n      <target dev='hdc' bus='ide'/>\n      <readonly/>\n    </disk>\n";
  nics_xml(x, spec, true, bridges);
  // append: the log survives a stop/start, as a serial console's would.
  x << "    <serial type='file'>\n      <source path='" << xml_escaped(console_log.string())
    << "' append='on'/>\n    </serial>\n";
  // A screen and a VNC server on the host's loopback only, for Nova's
  // noVNC console: cumulo's console proxy is what clients reach.
  x << "    <graphics type='vnc' autoport='yes' listen='127.0.0.1'>\n"
    << "      <listen type='address' address='127.0.0.1'/>\n    </graphics>\n";
  x << "    <video>\n      <model type='vga'/>\n    </video>\n";
  x << "    <memballoon model='none'/>\n";
  x << "  </devices>\n";
  if (run_as_root)
    x << "  <seclabel type='static' model='dac' relabel='no'>\n    <label>+0:+0</label>\n"
      << "  </seclabel>\n";
  x << "</domain>\n";
  return x.str();
}

std::string detect_virt_type(virConnectPtr conn, std::string* why) {
  auto say = [why](std::string text) {
    if (why) *why = std::move(text);
  };
  if (::access("/dev/kvm", R_OK | W_OK) != 0) {
    say("no usable /dev/kvm");
    return "qemu";
  }
  std::ifstream cpuinfo("/proc/cpuinfo");
  bool vmx = false;
  for (std::string line; !vmx && std::getline(cpuinfo, line);)
    if (line.rfind("flags", 0) == 0) {
      std::istringstream words(line);
      for (std::string w; words >> w;)
        if (w == "vmx" || w == "svm") vmx = true;
    }
  if (!vmx) {
    say("/dev/kvm without vmx/svm in the CPU flags (a nested KVM that boots no stock kernel)");
    return "qemu";
  }
  char* caps = virConnectGetDomainCapabilities(conn, nullptr, "x86_64", nullptr, "kvm", 0);
  if (!caps) {
    virResetLastError();
    say("libvirt offers no kvm domains");
    return "qemu";
  }
  free(caps);
  say("/dev/kvm, vmx/svm and libvirt's kvm domain capabilities");
  return "kvm";
}

namespace {

// libvirt's event loop: one per process, run by a thread of its own. It
// must be registered before the connections that listen to events open.
void start_event_loop() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (virEventRegisterDefaultImpl() < 0) throw libvirt_error("cannot start libvirt's event loop");
    std::thread([] {
      while (virEventRunDefaultImpl() == 0) {
      }
    }).detach();
  });
}

int on_lifecycle(virConnectPtr, virDomainPtr dom, int event, int, void* opaque) {
  // SHUTDOWN: the guest is powering off, QEMU still runs; STOPPED follows.
  if (event == VIR_DOMAIN_EVENT_UNDEFINED || event == VIR_DOMAIN_EVENT_DEFINED ||
      event == VIR_DOMAIN_EVENT_SHUTDOWN)
    return 0;
  const char* name = virDomainGetName(dom);
  // The state now, not the event's: events of a reboot (stopped, started)
  // may arrive after it is over.
  if (name) static_cast<libvirt_driver*>(opaque)->domain_changed(name, power_of(dom));
  return 0;
}

// Whether QEMU, running as libvirt-qemu, can reach files under `dir`:
// every ancestor must let others (or the group kvm) through.
bool reachable_by_qemu(const std::filesystem::path& dir) {
  for (auto p = std::filesystem::absolute(dir);; p = p.parent_path()) {
    struct stat st {};
    if (::stat(p.c_str(), &st) == 0 && !(st.st_mode & S_IXOTH)) return false;
    if (p == p.parent_path()) return true;
  }
}

}  // namespace

libvirt_driver::libvirt_driver(libvirt_driver_options opts)
    : opts_(std::move(opts)), test_(is_test_uri(opts_.uri)) {
  // Expected errors (a lookup of a domain that isn't there) would be
  // printed to stderr otherwise: ours go into exceptions.
  virSetErrorFunc(nullptr, [](void*, virErrorPtr) {});
  if (opts_.console_dir.empty()) throw virt_error("a libvirt driver needs a console dir");
  // libvirtd and qemu-img resolve relative paths from elsewhere.
  opts_.console_dir = std::filesystem::absolute(opts_.console_dir);
  std::filesystem::create_directories(opts_.console_dir);
  if (!test_) start_event_loop();
  conn_ = virConnectOpen(opts_.uri.c_str());
  if (!conn_) throw libvirt_error("cannot open " + opts_.uri);
  if (test_) return;
  std::string why = "set by virt_type";
  virt_type_ = opts_.virt_type == "auto" ? detect_virt_type(conn_, &why) : opts_.virt_type;
  if (virt_type_ != "kvm" && virt_type_ != "qemu") {
    virConnectClose(conn_);
    conn_ = nullptr;
    throw virt_error("virt_type " + virt_type_ + ": kvm, qemu or auto");
  }
  spdlog::info("libvirt driver: {} guests on {} ({})", virt_type_, opts_.uri, why);
  run_as_root_ = !reachable_by_qemu(opts_.console_dir);
  if (run_as_root_)
    spdlog::warn(
        "libvirt driver: {} is not reachable by libvirt-qemu (a parent folder is not "
        "o+x); QEMU runs as root for cumulo's guests",
        opts_.console_dir.string());
  lifecycle_callback_ =
      virConnectDomainEventRegisterAny(conn_, nullptr, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                       VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), this, nullptr);
  if (lifecycle_callback_ < 0)
    spdlog::warn("libvirt driver: no lifecycle events ({})", virGetLastErrorMessage());
}

libvirt_driver::~libvirt_driver() {
  if (conn_ && lifecycle_callback_ >= 0)
    virConnectDomainEventDeregisterAny(conn_, lifecycle_callback_);
  if (conn_) virConnectClose(conn_);
}

void libvirt_driver::on_power_change(power_listener listener) {
  std::lock_guard lock(listener_mutex_);
  listener_ = std::move(listener);
}

void libvirt_driver::domain_changed(const std::string& domain, power_states power) {
  const std::string prefix = domain_prefix;
  if (domain.rfind(prefix, 0) != 0) return;
  std::lock_guard lock(listener_mutex_);
  if (listener_) listener_(domain.substr(prefix.size()), power);
}

host_info libvirt_driver::host() {
  virNodeInfo node;
  if (virNodeGetInfo(conn_, &node) < 0) throw libvirt_error("cannot read the node's info");
  host_info h;
  if (!opts_.hostname.empty()) {
    h.hostname = opts_.hostname;
  } else if (char* name = virConnectGetHostname(conn_)) {
    h.hostname = name;
    free(name);
  }
  const char* type = virConnectGetType(conn_);
  h.hypervisor_type = type ? type : "";
  if (h.hypervisor_type == "TEST") h.hypervisor_type = "test";
  // libvirt says QEMU for both; which one runs the guests is what matters.
  if (virt_type_ == "kvm") h.hypervisor_type = "KVM";
  unsigned long version = 0;
  if (virConnectGetVersion(conn_, &version) == 0)
    h.hypervisor_version = static_cast<std::int64_t>(version);
  h.vcpus = static_cast<int>(node.cpus);
  h.memory_mb = static_cast<std::int64_t>(node.memory / 1024);
  h.local_gb = opts_.local_gb;
  if (h.local_gb <= 0)
    h.local_gb =
        static_cast<std::int64_t>(std::filesystem::space(opts_.console_dir).capacity >> 30);
  h.cpu_model = node.model;
  h.cpu_mhz = static_cast<int>(node.mhz);
  h.cpu_sockets = static_cast<int>(node.sockets);
  h.cpu_cores = static_cast<int>(node.cores);
  h.cpu_threads = static_cast<int>(node.threads);
  return h;
}

std::filesystem::path libvirt_driver::instance_dir(const std::string& instance_id) const {
  return opts_.console_dir / instance_id;
}

std::filesystem::path libvirt_driver::console_log(const std::string& instance_id) const {
  return instance_dir(instance_id) / "console.log";
}

namespace {

double ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

void libvirt_driver::wait_for_networks(const domain_spec& spec) const {
  // The network host applies a new network (or port) within ~50 ms of the
  // port's creation, on its own connection: a spawn that comes first waits
  // for it rather than fail with "network not found".
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (const auto& nic : spec.nics) {
    if (bridges()) {
      // The tenant plane's bridge, which the network host makes.
      while (!std::filesystem::exists("/sys/class/net/" + bridge_of(nic))) {
        if (std::chrono::steady_clock::now() > deadline)
          throw virt_error("Bridge " + bridge_of(nic) + " of network " + network_id_of(nic) +
                           " does not exist on this host.");
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      continue;
    }
    for (;;) {
      virNetworkPtr n = virNetworkLookupByName(conn_, nic.network.c_str());
      const bool up = n && virNetworkIsActive(n) == 1;
      if (n) virNetworkFree(n);
      virResetLastError();
      if (up) break;
      if (std::chrono::steady_clock::now() > deadline)
        throw virt_error("Network " + nic.network + " is not running on this host.");
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
}

void libvirt_driver::wait_for_dhcp_host(const nic_spec& nic) const {
  // A running guest asks DHCP as soon as a hot-plugged NIC appears: the
  // port's host entry (which the network host adds within ~50 ms of the
  // port's binding, on its own connection) must be there first, or the
  // guest gets an address of the pool instead of its port's. Bounded: a
  // network without DHCP never has one.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  if (bridges()) {
    // The network's dnsmasq hosts file names the port's MAC. A network
    // without DHCP has no such file (after its bridge, made in the same
    // pass, exists).
    const auto hosts = std::filesystem::path(opts_.dhcp_dir) / network_id_of(nic) / "hosts";
    const auto bridge = "/sys/class/net/" + bridge_of(nic);
    const auto started = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() < deadline) {
      std::ifstream in(hosts);
      std::stringstream text;
      text << in.rdbuf();
      if (text.str().find(nic.mac_address + ",") != std::string::npos) return;
      if (!in && std::filesystem::exists(bridge) &&
          std::chrono::steady_clock::now() - started > std::chrono::seconds(1))
        return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return;
  }
  const std::string entry = "<host mac='" + nic.mac_address + "'";
  while (std::chrono::steady_clock::now() < deadline) {
    virNetworkPtr n = virNetworkLookupByName(conn_, nic.network.c_str());
    std::string xml;
    if (n) {
      if (char* text = virNetworkGetXMLDesc(n, 0)) {
        xml = text;
        std::free(text);
      }
      virNetworkFree(n);
    }
    virResetLastError();
    if (xml.find(entry) != std::string::npos) return;
    if (!xml.empty() && xml.find("<dhcp>") == std::string::npos) return;  // no DHCP at all
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void libvirt_driver::prepare_disks(const domain_spec& spec, spawn_times& times) const {
  auto t = std::chrono::steady_clock::now();
  const auto dir = instance_dir(spec.instance_id);
  for (const auto& p : {spec.kernel_path, spec.ramdisk_path})
    if (!p.empty() && !std::filesystem::exists(p))
      throw virt_error("Image file " + p + " does not exist.");
  const auto disk = dir / "disk.qcow2";
  const auto format = [](const std::string& f) { return f.empty() ? std::string("raw") : f; };
  if (spec.boot_volume) {
    // The volume is the root disk: nothing of the image is copied, and a
    // move or an unrescue finds it as it was (it is not the instance's).
  } else if (spec.keep_disk && std::filesystem::exists(disk)) {
    // A move or the end of a rescue: the guest's own disk, grown to the
    // flavor's size (never shrunk: the API refuses a smaller disk).
    if (spec.disk_gb > 0) {
      auto r = run_program({"qemu-img", "info", "--output=json", "-U", disk.string()});
      std::int64_t size = 0;
      if (r.exit_code == 0) {
        auto at = r.output.find("\"virtual-size\":");
        if (at != std::string::npos) size = std::atoll(r.output.c_str() + at + 15);
      }
      if (size < spec.disk_gb * (std::int64_t{1} << 30)) {
        r = run_program(
            {"qemu-img", "resize", "-q", disk.string(), std::to_string(spec.disk_gb) + "G"});
        if (r.exit_code != 0) throw virt_error("Cannot grow the disk of the instance: " + r.output);
      }
    }
  } else if (spec.copy_image) {
    // A copy that outlives its image (an unshelve's snapshot is deleted).
    auto r = run_program({"qemu-img", "convert", "-q", "-f", format(spec.image_format), "-O",
                          "qcow2", spec.image_path, disk.string()});
    if (r.exit_code == 0 && spec.disk_gb > 0)
      r = run_program(
          {"qemu-img", "resize", "-q", disk.string(), std::to_string(spec.disk_gb) + "G"});
    if (r.exit_code != 0) throw virt_error("Cannot create the disk of the instance: " + r.output);
  } else {
    // The instance's own disk: writes go to the overlay, the image is shared.
    std::vector<std::string> argv{
        "qemu-img", "create",        "-q",         "-f", "qcow2", "-F", format(spec.image_format),
        "-b",       spec.image_path, disk.string()};
    if (spec.disk_gb > 0) argv.push_back(std::to_string(spec.disk_gb) + "G");
    auto r = run_program(argv);
    if (r.exit_code != 0) throw virt_error("Cannot create the disk of the instance: " + r.output);
  }
  if (!spec.rescue_image_path.empty()) {
    // The rescue disk boots; it is an overlay, dropped at unrescue.
    auto r = run_program({"qemu-img", "create", "-q", "-f", "qcow2", "-F",
                          format(spec.rescue_image_format), "-b", spec.rescue_image_path,
                          (dir / "disk.rescue.qcow2").string()});
    if (r.exit_code != 0) throw virt_error("Cannot create the rescue disk: " + r.output);
  }
  times.overlay_ms = ms_since(t);
  t = std::chrono::steady_clock::now();
  instance_metadata c = spec.drive_metadata.value_or(instance_metadata{});
  c.uuid = spec.instance_id;
  c.name = spec.name;
  c.hostname = spec.hostname.empty() ? hostname_of(spec.name) : spec.hostname;
  if (!spec.availability_zone.empty()) c.availability_zone = spec.availability_zone;
  c.project_id = spec.project_id;
  c.meta = spec.metadata;
  if (!spec.flavor_name.empty()) c.flavor_name = spec.flavor_name;
  c.user_data.reset();
  if (!spec.user_data.empty()) {
    c.user_data = decode_base64(spec.user_data);
    if (!c.user_data) throw virt_error("user_data is not base64");
  }
  c.admin_pass = spec.admin_pass;
  try {
    write_config_drive(dir / "config.iso", std::move(c));
  } catch (const std::exception& e) {
    throw virt_error(e.what());
  }
  times.config_drive_ms = ms_since(t);
}

void libvirt_driver::check_volumes(domain_spec& spec) const {
  // A rescue leaves the volumes out (see libvirt_domain_xml): their
  // targets and files don't matter then.
  const bool rescue = !spec.rescue_image_path.empty();
  auto locate = [&](volume_disk& v) {
    if (test_) return;  // the test driver opens no file
    v.path = std::filesystem::absolute(v.path).string();
    std::error_code ec;
    if (!std::filesystem::exists(v.path, ec))
      throw virt_error("Volume " + v.volume_id + " is not at " + v.path + ".");
  };
  if (spec.boot_volume) {
    spec.boot_volume->target_dev = rescue ? "vdb" : "vda";
    check_volume_disk(*spec.boot_volume);
    locate(*spec.boot_volume);
  }
  std::set<std::string> taken;
  for (auto& v : spec.volumes) {
    check_volume_disk(v);
    if (v.target_dev == "vda")
      throw virt_error("Device vda is the root disk: volume " + v.volume_id + " can't be there.");
    if (!taken.insert(v.target_dev).second)
      throw virt_error("Device " + v.target_dev + " is given to two volumes.");
    if (!rescue) locate(v);
  }
}

void libvirt_driver::log_console(const std::string& instance_id, const std::string& line) const {
  // Only the test driver's domains get our lines: a real guest owns its
  // serial console file.
  if (!test_) return;
  std::error_code ignored;
  std::filesystem::create_directories(console_log(instance_id).parent_path(), ignored);
  std::ofstream out(console_log(instance_id), std::ios::app);
  out << format_iso8601(opts_.clock ? opts_.clock() : 0) << " " << line << "\n";
}

void libvirt_driver::spawn(const domain_spec& spec) {
  if (spec.instance_id.empty()) throw virt_error("A domain needs an instance id.");
  if (spec.vcpus <= 0 || spec.memory_mb <= 0)
    throw virt_error("A domain needs at least one vCPU and some memory.");
  const std::string name = domain_name(spec.instance_id);
  if (domain_ref existing{virDomainLookupByName(conn_, name.c_str())}; existing.p)
    throw virt_error("Domain " + name + " already exists on this host.");
  virResetLastError();
  // A boot volume is the root disk: the image is not read.
  if (!spec.boot_volume && (opts_.require_image_files || !test_) &&
      !std::filesystem::exists(spec.image_path))
    throw virt_error("Image file " + spec.image_path + " does not exist.");
  domain_spec real = spec;
  check_volumes(real);
  const auto dir = instance_dir(spec.instance_id);
  std::filesystem::create_directories(dir);
  for (auto* p : {&real.image_path, &real.kernel_path, &real.ramdisk_path})
    if (!test_ && !p->empty()) *p = std::filesystem::absolute(*p).string();
  // Nothing of a failed spawn stays: no domain, no disk. (The port filters
  // are the network host's: it removes them with the ports.)
  auto undo = [&](virDomainPtr d) {
    if (d) virDomainUndefine(d);
    if (!test_) {
      std::error_code ignored;
      // A kept disk is the guest's: only what this spawn made goes. A boot
      // volume is never in the folder; what a move of one had there stays.
      if (spec.keep_disk && (spec.boot_volume || std::filesystem::exists(dir / "disk.qcow2")))
        std::filesystem::remove(dir / "disk.rescue.qcow2", ignored);
      else
        std::filesystem::remove_all(dir, ignored);
    }
  };
  const auto t0 = std::chrono::steady_clock::now();
  if (!test_) wait_for_networks(spec);
  const double network_wait_ms = ms_since(t0);
  spawn_times times;
  if (!test_) {
    try {
      wait_for_port_filters(real);
      prepare_disks(real, times);
    } catch (...) {
      undo(nullptr);
      throw;
    }
  }
  const std::string xml = libvirt_domain_xml(real, test_, console_log(spec.instance_id), virt_type_,
                                             dir, run_as_root_, bridges());
  auto t = std::chrono::steady_clock::now();
  domain_ref d{virDomainDefineXML(conn_, xml.c_str())};
  if (!d.p) {
    auto e = libvirt_error("Cannot define domain " + name);
    undo(nullptr);
    throw e;
  }
  const double define_ms = ms_since(t);
  t = std::chrono::steady_clock::now();
  if (virDomainCreate(d.p) < 0) {
    auto e = libvirt_error("Cannot start domain " + name);
    undo(d.p);
    throw e;
  }
  if (!test_)
    // bench/guest_bench.py reads this line: the launch less these is cumulo's own time.
    spdlog::info(
        "libvirt driver: instance {} spawned in {:.1f} ms: overlay {:.1f} ms, config drive "
        "{:.1f} ms, define {:.1f} ms, start {:.1f} ms, network wait {:.1f} ms",
        spec.instance_id, ms_since(t0), times.overlay_ms, times.config_drive_ms, define_ms,
        ms_since(t), network_wait_ms);
  log_console(spec.instance_id, "cumulo: domain " + name + " defined and started (" +
                                    std::to_string(spec.vcpus) + " vCPU, " +
                                    std::to_string(spec.memory_mb) + " MB, " +
                                    std::to_string(spec.nics.size()) + " NIC)");
  // What a booting guest would say, so that a console read as a client
  // reads one (tempest wants more than 3 lines) has lines to show.
  log_console(spec.instance_id, "cumulo: hostname " + spec.hostname);
  for (const auto& nic : spec.nics)
    log_console(spec.instance_id, "cumulo: NIC " + nic.mac_address + " on " + nic.network);
  if (spec.boot_volume)
    log_console(spec.instance_id, "cumulo: root disk is volume " + spec.boot_volume->volume_id);
  else
    log_console(spec.instance_id, "cumulo: disk " + std::to_string(spec.disk_gb) + " GB from " +
                                      spec.image_path + (spec.keep_disk ? " (kept)" : ""));
  if (spec.rescue_image_path.empty())
    for (const auto& v : spec.volumes)
      log_console(spec.instance_id, "cumulo: volume " + v.volume_id + " at " + v.target_dev);
  if (!spec.rescue_image_path.empty())
    log_console(spec.instance_id, "cumulo: rescue disk from " + spec.rescue_image_path);
  log_console(spec.instance_id, "cumulo: login prompt (the test hypervisor runs no guest)");
}

namespace {

domain_ref lookup(virConnectPtr conn, const std::string& instance_id) {
  domain_ref d{virDomainLookupByName(conn, domain_name(instance_id).c_str())};
  if (!d.p) throw virt_error("Instance " + instance_id + " has no domain on this host.");
  return domain_ref{std::exchange(d.p, nullptr)};
}

}  // namespace

void libvirt_driver::power_off(const std::string& instance_id, std::chrono::seconds graceful) {
  auto d = lookup(conn_, instance_id);
  if (virDomainIsActive(d.p) != 1) return;
  // A guest that ignores the ACPI request (or a paused one) is stopped hard
  // once the grace period is over, as Nova's clean shutdown does.
  if (virDomainShutdown(d.p) == 0) {
    const auto deadline = std::chrono::steady_clock::now() + graceful;
    while (virDomainIsActive(d.p) == 1 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  virResetLastError();
  if (virDomainIsActive(d.p) == 1 && virDomainDestroy(d.p) < 0)
    throw libvirt_error("Cannot stop domain " + domain_name(instance_id));
  log_console(instance_id, "cumulo: domain powered off");
}

void libvirt_driver::power_on(const std::string& instance_id) {
  auto d = lookup(conn_, instance_id);
  if (virDomainIsActive(d.p) == 1) return;
  if (virDomainCreate(d.p) < 0)
    throw libvirt_error("Cannot start domain " + domain_name(instance_id));
  log_console(instance_id, "cumulo: domain powered on");
}

void libvirt_driver::reboot(const std::string& instance_id, reboot_type type) {
  auto d = lookup(conn_, instance_id);
  if (type == reboot_type::soft) {
    if (virDomainReboot(d.p, 0) < 0)
      throw libvirt_error("Cannot reboot domain " + domain_name(instance_id));
    log_console(instance_id, "cumulo: domain rebooted (soft)");
    return;
  }
  // Hard: whatever state the domain is in, it ends running from a cold start.
  if (virDomainIsActive(d.p) == 1 && virDomainDestroy(d.p) < 0)
    throw libvirt_error("Cannot stop domain " + domain_name(instance_id));
  if (virDomainHasManagedSaveImage(d.p, 0) == 1 && virDomainManagedSaveRemove(d.p, 0) < 0)
    throw libvirt_error("Cannot drop the saved state of " + domain_name(instance_id));
  if (virDomainCreate(d.p) < 0)
    throw libvirt_error("Cannot start domain " + domain_name(instance_id));
  log_console(instance_id, "cumulo: domain rebooted (hard)");
}

void libvirt_driver::snapshot(const std::string& instance_id,
                              const std::filesystem::path& image_path,
                              const std::filesystem::path& dest, const std::string& format) {
  auto d = lookup(conn_, instance_id);  // no domain, no snapshot
  std::error_code ec;
  // A boot volume (the root disk with a serial) is copied as it is read:
  // its bytes are the server's disk, on either driver. A sparse volume
  // stays sparse (qemu-img skips zeros).
  const auto root = root_volume_of(domain_xml_of(d.p, VIR_DOMAIN_XML_INACTIVE));
  if (root) {
    if (!std::filesystem::exists(root->path, ec))
      throw virt_error("Cannot copy the disk of the instance: volume not at " + root->path);
    const bool running = !test_ && power_of(d.p) == power_states::running;
    if (running && virDomainSuspend(d.p) < 0)
      throw libvirt_error("Cannot pause domain " + domain_name(instance_id) + " for its snapshot");
    auto r = run_program({"qemu-img", "convert", "-U", "-f", root->format, "-O",
                          format == "qcow2" ? "qcow2" : "raw", root->path, dest.string()});
    if (running && virDomainResume(d.p) < 0)
      spdlog::error("domain {}: cannot unpause after its snapshot", domain_name(instance_id));
    if (r.exit_code != 0) throw virt_error("Cannot copy the disk of the instance: " + r.output);
    log_console(instance_id, "cumulo: snapshot taken of its boot volume");
    return;
  }
  if (test_) {
    // An image seeded without bytes (tests) gives an empty snapshot.
    if (std::filesystem::exists(image_path, ec))
      std::filesystem::copy_file(image_path, dest,
                                 std::filesystem::copy_options::overwrite_existing, ec);
    else
      std::ofstream(dest, std::ios::binary | std::ios::trunc);
    if (ec) throw virt_error("Cannot copy the disk of the instance: " + ec.message());
    log_console(instance_id, "cumulo: snapshot taken");
    return;
  }
  const bool running = power_of(d.p) == power_states::running;
  if (running && virDomainSuspend(d.p) < 0)
    throw libvirt_error("Cannot pause domain " + domain_name(instance_id) + " for its snapshot");
  // -U: QEMU holds the overlay's lock while the domain exists; the guest is
  // paused (or off), so what qemu-img reads does not move.
  auto r = run_program({"qemu-img", "convert", "-U", "-O", format == "qcow2" ? "qcow2" : "raw",
                        (instance_dir(instance_id) / "disk.qcow2").string(), dest.string()});
  if (running && virDomainResume(d.p) < 0)
    spdlog::error("domain {}: cannot unpause after its snapshot", domain_name(instance_id));
  if (r.exit_code != 0) throw virt_error("Cannot copy the disk of the instance: " + r.output);
}

void libvirt_driver::pause(const std::string& instance_id) {
  auto d = lookup(conn_, instance_id);
  if (virDomainSuspend(d.p) < 0)
    throw libvirt_error("Cannot pause domain " + domain_name(instance_id));
  log_console(instance_id, "cumulo: domain paused");
}

void libvirt_driver::unpause(const std::string& instance_id) {
  auto d = lookup(conn_, instance_id);
  if (virDomainResume(d.p) < 0)
    throw libvirt_error("Cannot unpause domain " + domain_name(instance_id));
  log_console(instance_id, "cumulo: domain unpaused");
}

void libvirt_driver::suspend(const std::string& instance_id) {
  auto d = lookup(conn_, instance_id);
  if (virDomainManagedSave(d.p, 0) < 0)
    throw libvirt_error("Cannot suspend domain " + domain_name(instance_id));
  log_console(instance_id, "cumulo: domain suspended (memory saved)");
}

void libvirt_driver::resume(const std::string& instance_id) {
  auto d = lookup(conn_, instance_id);
  // Starting a domain with a managed save image restores it.
  if (virDomainCreate(d.p) < 0)
    throw libvirt_error("Cannot resume domain " + domain_name(instance_id));
  log_console(instance_id, "cumulo: domain resumed");
}

// Stops and undefines the instance's domain, if it has one; true when
// there was a domain. Its ports' filters stay: the network host removes
// them once the ports are gone (a move or a resize spawns again with them).
bool libvirt_driver::remove_domain(const std::string& instance_id) {
  domain_ref d{virDomainLookupByName(conn_, domain_name(instance_id).c_str())};
  if (d.p) {
    if (virDomainIsActive(d.p) == 1 && virDomainDestroy(d.p) < 0)
      throw libvirt_error("Cannot stop domain " + domain_name(instance_id));
    if (virDomainUndefineFlags(d.p, VIR_DOMAIN_UNDEFINE_MANAGED_SAVE) < 0)
      throw libvirt_error("Cannot undefine domain " + domain_name(instance_id));
  }
  virResetLastError();
  return d.p != nullptr;
}

void libvirt_driver::undefine(const std::string& instance_id) {
  if (remove_domain(instance_id))
    log_console(instance_id, "cumulo: domain undefined (its disk kept)");
  std::error_code ignored;
  std::filesystem::remove(instance_dir(instance_id) / "disk.rescue.qcow2", ignored);
}

void libvirt_driver::destroy(const std::string& instance_id) {
  remove_domain(instance_id);
  std::error_code ignored;
  std::filesystem::remove_all(instance_dir(instance_id), ignored);
}

std::vector<std::string> libvirt_driver::reap_leftovers(const std::set<std::string>& keep) {
  std::vector<std::string> reaped;
  const auto domains = power_states_all();
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(opts_.console_dir, ec)) {
    const std::string id = entry.path().filename().string();
    if (!entry.is_directory() || keep.count(id) || domains.count(id)) continue;
    std::filesystem::remove_all(entry.path(), ec);
    reaped.push_back(id);
  }
  return reaped;
}

void libvirt_driver::wait_for_port_filters(const domain_spec& spec) const {
  // A port's filter is the network host's (virt/port_filters.hpp), which
  // defines it within ~50 ms of the port's binding, on its own connection:
  // the guest waits for it. Bounded: if it never comes, the guest starts
  // behind one that only denies ingress (never unfiltered), and the
  // network host's next definition replaces it.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (const auto& nic : spec.nics) {
    if (nic.port_id.empty()) continue;
    const auto name = port_nwfilter_name(nic.port_id);
    auto exists = [&] {
      virNWFilterPtr f = virNWFilterLookupByName(conn_, name.c_str());
      if (f) virNWFilterFree(f);
      virResetLastError();
      return f != nullptr;
    };
    while (!exists() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (exists()) continue;
    spdlog::warn("libvirt driver: no filter for port {} after 10 s; ingress denied until it comes",
                 nic.port_id);
    const std::string xml = port_nwfilter_xml(nic.port_id, {}, {});
    virNWFilterPtr f = virNWFilterDefineXML(conn_, xml.c_str());
    if (!f) throw libvirt_error("Cannot define the security group filter " + name);
    virNWFilterFree(f);
  }
}

power_states libvirt_driver::power_state(const std::string& instance_id) {
  domain_ref d{virDomainLookupByName(conn_, domain_name(instance_id).c_str())};
  if (!d.p) {
    virResetLastError();
    return power_states::nostate;
  }
  return power_of(d.p);
}

namespace {

// A typed parameter of a stats record as a number (0 when absent).
std::int64_t stat(const virDomainStatsRecordPtr r, const std::string& name) {
  for (int i = 0; i < r->nparams; ++i) {
    const auto& p = r->params[i];
    if (name != p.field) continue;
    switch (p.type) {
      case VIR_TYPED_PARAM_INT:
        return p.value.i;
      case VIR_TYPED_PARAM_UINT:
        return p.value.ui;
      case VIR_TYPED_PARAM_LLONG:
        return p.value.l;
      case VIR_TYPED_PARAM_ULLONG:
        return static_cast<std::int64_t>(p.value.ul);
      default:
        return 0;
    }
  }
  return 0;
}

// The MACs of a domain's interfaces, in its order (only they have <mac>).
std::vector<std::string> interface_macs(const std::string& xml) {
  std::vector<std::string> out;
  const std::string key = "<mac address='";
  for (auto at = xml.find(key); at != std::string::npos; at = xml.find(key, at + key.size())) {
    const auto open = at + key.size();
    const auto close = xml.find('\'', open);
    if (close == std::string::npos) break;
    out.push_back(xml.substr(open, close - open));
  }
  return out;
}

// Where the <interface> with this MAC is in a domain's XML: [first,
// second), or npos when it has none.
std::pair<std::size_t, std::size_t> interface_element(const std::string& xml,
                                                      const std::string& mac) {
  constexpr auto none = std::string::npos;
  const auto at = xml.find("<mac address='" + mac + "'");
  if (at == none) return {none, none};
  const auto begin = xml.rfind("<interface", at);
  const auto close = xml.find("</interface>", at);
  if (begin == none || close == none) return {none, none};
  return {begin, close + std::string("</interface>").size()};
}

std::string stat_text(const virDomainStatsRecordPtr r, const std::string& name) {
  for (int i = 0; i < r->nparams; ++i)
    if (name == r->params[i].field && r->params[i].type == VIR_TYPED_PARAM_STRING)
      return r->params[i].value.s;
  return "";
}

}  // namespace

domain_diagnostics libvirt_driver::diagnostics(const std::string& instance_id) {
  domain_diagnostics out;
  domain_ref d{virDomainLookupByName(conn_, domain_name(instance_id).c_str())};
  if (!d.p) {
    virResetLastError();
    return out;
  }
  out.state = power_of(d.p);
  out.hypervisor = virt_type_;
  out.config_drive = !test_;  // every real guest gets one
  virDomainInfo info{};
  if (virDomainGetInfo(d.p, &info) < 0) throw libvirt_error("Cannot read the domain's info");
  out.vcpus = info.nrVirtCpu;
  out.memory_max_kib = static_cast<std::int64_t>(info.maxMem);
  out.memory_used_kib = static_cast<std::int64_t>(info.memory);
  // The NICs as the domain has them (the test driver's plugged ones are in
  // its definition), their counters below when libvirt has them.
  for (auto& mac : interface_macs(domain_xml_of(d.p, test_ ? VIR_DOMAIN_XML_INACTIVE : 0)))
    out.nics.push_back({std::move(mac)});
  // One call for every counter (libvirt's bulk stats); a driver without
  // them (the test driver) answers the state only.
  virDomainPtr doms[] = {d.p, nullptr};
  virDomainStatsRecordPtr* records = nullptr;
  const unsigned int want = VIR_DOMAIN_STATS_VCPU | VIR_DOMAIN_STATS_INTERFACE |
                            VIR_DOMAIN_STATS_BLOCK | VIR_DOMAIN_STATS_BALLOON;
  if (virDomainListGetStats(doms, want, &records, 0) < 0 || !records || !records[0]) {
    virResetLastError();
    if (records) virDomainStatsRecordListFree(records);
    return out;
  }
  virDomainStatsRecordPtr rec = records[0];
  for (std::int64_t i = 0, n = stat(rec, "vcpu.current"); i < n; ++i)
    out.vcpu_time_ns.push_back(stat(rec, "vcpu." + std::to_string(i) + ".time"));
  if (const auto rss = stat(rec, "balloon.rss"); rss > 0) out.memory_used_kib = rss;
  for (std::int64_t i = 0, n = stat(rec, "net.count"); i < n; ++i) {
    const std::string k = "net." + std::to_string(i) + ".";
    const auto at = static_cast<std::size_t>(i);
    if (at >= out.nics.size()) out.nics.emplace_back();
    auto& nic = out.nics[at];
    nic.name = stat_text(rec, k + "name");
    nic.rx_octets = stat(rec, k + "rx.bytes");
    nic.rx_packets = stat(rec, k + "rx.pkts");
    nic.rx_errors = stat(rec, k + "rx.errs");
    nic.rx_drop = stat(rec, k + "rx.drop");
    nic.tx_octets = stat(rec, k + "tx.bytes");
    nic.tx_packets = stat(rec, k + "tx.pkts");
    nic.tx_errors = stat(rec, k + "tx.errs");
    nic.tx_drop = stat(rec, k + "tx.drop");
  }
  for (std::int64_t i = 0, n = stat(rec, "block.count"); i < n; ++i) {
    const std::string k = "block." + std::to_string(i) + ".";
    domain_diagnostics::disk disk;
    disk.name = stat_text(rec, k + "name");
    disk.read_bytes = stat(rec, k + "rd.bytes");
    disk.read_requests = stat(rec, k + "rd.reqs");
    disk.write_bytes = stat(rec, k + "wr.bytes");
    disk.write_requests = stat(rec, k + "wr.reqs");
    disk.errors = stat(rec, k + "errors");
    out.disks.push_back(std::move(disk));
  }
  virDomainStatsRecordListFree(records);
  return out;
}

console_connection libvirt_driver::remote_console(const std::string& instance_id,
                                                  const std::string& protocol) {
  if (protocol == "serial") {
    // Every domain's serial port writes the console log (the test driver's
    // is what cumulo says for it): the console follows that file.
    if (power_state(instance_id) != power_states::running)
      throw virt_error("Instance " + instance_id + " is not ready");
    return {"serial", "", 0, console_log(instance_id)};
  }
  if (protocol != "vnc" || test_) throw console_unavailable("no " + protocol + " console");
  domain_ref d{virDomainLookupByName(conn_, domain_name(instance_id).c_str())};
  if (!d.p || virDomainIsActive(d.p) != 1) {
    virResetLastError();
    throw virt_error("Instance " + instance_id + " is not ready");
  }
  // The live definition has the port QEMU took (autoport); a domain
  // defined before consoles existed has no graphics at all.
  const auto xml = domain_xml_of(d.p, 0);
  const auto at = xml.find("<graphics type=");
  const auto end = at == std::string::npos ? at : xml.find('>', at);
  if (end == std::string::npos) throw console_unavailable("the domain has no graphics");
  const auto tag = xml.substr(at, end - at);
  if (attribute_of(tag, "type") != "vnc") throw console_unavailable("the domain has no VNC");
  int port = 0;
  try {
    port = std::stoi(attribute_of(tag, "port"));
  } catch (const std::exception&) {
    port = 0;
  }
  if (port <= 0 || port > 65535) throw virt_error("Instance " + instance_id + " is not ready");
  auto listen = attribute_of(tag, "listen");
  return {"vnc", listen.empty() ? "127.0.0.1" : listen, port, {}};
}

void libvirt_driver::attach_interface(const std::string& instance_id, const nic_spec& nic) {
  domain_ref d{virDomainLookupByName(conn_, domain_name(instance_id).c_str())};
  if (!d.p) {
    virResetLastError();
    return;
  }
  domain_spec one;
  one.instance_id = instance_id;
  one.nics = {nic};
  std::ostringstream x;
  nics_xml(x, one, !test_, bridges());
  if (test_) {
    // The test driver plugs nothing live: its definition carries the NIC.
    auto xml = domain_xml_of(d.p, VIR_DOMAIN_XML_INACTIVE);
    const auto at = xml.rfind("</devices>");
    if (at == std::string::npos) throw virt_error("The domain's XML has no devices.");
    xml.insert(at, x.str());
    domain_ref again{virDomainDefineXML(conn_, xml.c_str())};
    if (!again.p) throw libvirt_error("Cannot define the domain with its new interface");
    return;
  }
  wait_for_networks(one);
  wait_for_dhcp_host(nic);
  wait_for_port_filters(one);
  const unsigned int flags =
      VIR_DOMAIN_AFFECT_CONFIG | (virDomainIsActive(d.p) == 1 ? VIR_DOMAIN_AFFECT_LIVE : 0);
  if (virDomainAttachDeviceFlags(d.p, x.str().c_str(), flags) < 0)
    throw libvirt_error("Cannot attach the interface " + nic.mac_address);
}

void libvirt_driver::detach_interface(const std::string& instance_id, const std::string& mac) {
  domain_ref d{virDomainLookupByName(conn_, domain_name(instance_id).c_str())};
  if (!d.p) {
    virResetLastError();
    return;
  }
  const bool live = !test_ && virDomainIsActive(d.p) == 1;
  auto xml = domain_xml_of(d.p, live ? 0 : VIR_DOMAIN_XML_INACTIVE);
  const auto [begin, end] = interface_element(xml, mac);
  if (begin == std::string::npos) return;  // unplugged already
  if (test_) {
    xml.erase(begin, end - begin);
    domain_ref again{virDomainDefineXML(conn_, xml.c_str())};
    if (!again.p) throw libvirt_error("Cannot define the domain without its interface");
    return;
  }
  const unsigned int flags = VIR_DOMAIN_AFFECT_CONFIG | (live ? VIR_DOMAIN_AFFECT_LIVE : 0);
  if (virDomainDetachDeviceFlags(d.p, xml.substr(begin, end - begin).c_str(), flags) < 0)
    throw libvirt_error("Cannot detach the interface " + mac);
}

void libvirt_driver::attach_volume(const std::string& instance_id, const volume_disk& disk) {
  check_volume_disk(disk);
  if (disk.target_dev == "vda")
    throw virt_error("Device vda is the root disk: volume " + disk.volume_id + " can't be there.");
  domain_ref d{virDomainLookupByName(conn_, domain_name(instance_id).c_str())};
  if (!d.p) {
    virResetLastError();
    return;
  }
  // A suspended guest comes back from its saved memory, which has no such
  // disk, while its definition would: refused rather than split.
  if (power_of(d.p) == power_states::suspended)
    throw virt_error("Cannot attach volume " + disk.volume_id + " to instance " + instance_id +
                     " while it is suspended.");
  volume_disk v = disk;
  if (!test_) v.path = std::filesystem::absolute(v.path).string();
  // Where the target is there already (a retry after a crash may find it in
  // the definition and not live, or the other way round): with this
  // volume's path it is done there; with another, the target is taken.
  auto holds = [&](const std::string& xml) {
    const auto [begin, end] = disk_element(xml, v.target_dev);
    if (begin == std::string::npos) return false;
    const auto source = disk_source(xml.substr(begin, end - begin));
    if (source != xml_escaped(v.path))
      throw virt_error("Device " + v.target_dev + " of instance " + instance_id +
                       " is taken by another disk.");
    return true;
  };
  const bool in_config = holds(domain_xml_of(d.p, VIR_DOMAIN_XML_INACTIVE));
  std::ostringstream x;
  if (test_) {
    // The test driver plugs nothing live: its definition carries the disk.
    if (in_config) return;
    volume_disk_xml(x, v, v.target_dev, "none");
    auto xml = domain_xml_of(d.p, VIR_DOMAIN_XML_INACTIVE);
    const auto at = xml.rfind("</devices>");
    if (at == std::string::npos) throw virt_error("The domain's XML has no devices.");
    xml.insert(at, x.str());
    domain_ref again{virDomainDefineXML(conn_, xml.c_str())};
    if (!again.p) throw libvirt_error("Cannot define the domain with volume " + v.volume_id);
    log_console(instance_id, "cumulo: volume " + v.volume_id + " attached at " + v.target_dev);
    return;
  }
  if (!std::filesystem::exists(v.path))
    throw virt_error("Volume " + v.volume_id + " is not at " + v.path + ".");
  const bool live = virDomainIsActive(d.p) == 1;
  const bool in_live = live && holds(domain_xml_of(d.p, 0));
  const unsigned int flags = (in_config ? 0u : unsigned{VIR_DOMAIN_AFFECT_CONFIG}) |
                             (live && !in_live ? unsigned{VIR_DOMAIN_AFFECT_LIVE} : 0u);
  if (flags == 0) return;
  volume_disk_xml(x, v, v.target_dev, cache_mode_of(v));
  if (virDomainAttachDeviceFlags(d.p, x.str().c_str(), flags) < 0)
    throw libvirt_error("Cannot attach volume " + v.volume_id + " at " + v.target_dev);
}

void libvirt_driver::detach_volume(const std::string& instance_id, const std::string& target_dev) {
  if (!valid_target_dev(target_dev))
    throw virt_error("Invalid device name '" + target_dev + "': vd and a letter (vdb).");
  domain_ref d{virDomainLookupByName(conn_, domain_name(instance_id).c_str())};
  if (!d.p) {
    virResetLastError();
    return;
  }
  const auto failed = [&](const std::string& why) {
    // Nova's words (DeviceDetachFailed), which the attachment's fault shows.
    return virt_error("Device detach failed for " + target_dev + ": " + why);
  };
  // The root disk (a boot volume) stays while the server has a domain.
  if (target_dev == "vda") throw failed("it is the root disk.");
  auto config = domain_xml_of(d.p, VIR_DOMAIN_XML_INACTIVE);
  const auto [cbegin, cend] = disk_element(config, target_dev);
  const bool in_config = cbegin != std::string::npos;
  if (test_) {
    if (!in_config) return;  // detached already
    config.erase(cbegin, cend - cbegin);
    domain_ref again{virDomainDefineXML(conn_, config.c_str())};
    if (!again.p) throw failed(virGetLastErrorMessage());
    log_console(instance_id, "cumulo: volume detached from " + target_dev);
    return;
  }
  const auto live_xml = virDomainIsActive(d.p) == 1 ? domain_xml_of(d.p, 0) : std::string{};
  const auto [lbegin, lend] = disk_element(live_xml, target_dev);
  const bool in_live = lbegin != std::string::npos;
  if (!in_config && !in_live) return;  // detached already
  // libvirt finds the disk by its target; the element says which.
  const auto element =
      in_config ? config.substr(cbegin, cend - cbegin) : live_xml.substr(lbegin, lend - lbegin);
  const unsigned int flags = (in_config ? unsigned{VIR_DOMAIN_AFFECT_CONFIG} : 0u) |
                             (in_live ? unsigned{VIR_DOMAIN_AFFECT_LIVE} : 0u);
  if (virDomainDetachDeviceFlags(d.p, element.c_str(), flags) < 0) {
    const char* m = virGetLastErrorMessage();
    const std::string why = m ? m : "unknown libvirt error";
    // An earlier request the guest has not answered yet (a detach that
    // timed out, retried): QEMU takes no second one; wait for the first.
    if (!in_live || why.find("already in the process of unplug") == std::string::npos)
      throw failed(why);
    if (in_config && virDomainDetachDeviceFlags(d.p, element.c_str(), VIR_DOMAIN_AFFECT_CONFIG) < 0)
      throw failed(virGetLastErrorMessage());
  }
  if (!in_live) return;
  // libvirt returns once QEMU asked the guest (or after its own few
  // seconds); the disk is gone only when the guest has released it.
  const auto deadline = std::chrono::steady_clock::now() + opts_.detach_timeout;
  for (;;) {
    // A guest that stopped meanwhile has let go: its definition has no disk.
    if (virDomainIsActive(d.p) != 1) return;
    if (disk_element(domain_xml_of(d.p, 0), target_dev).first == std::string::npos) return;
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  throw failed("the guest did not release it within " +
               std::to_string(
                   std::chrono::duration_cast<std::chrono::seconds>(opts_.detach_timeout).count()) +
               " s (does it handle ACPI PCI hot unplug?)");
}

std::string libvirt_driver::domain_xml(const std::string& instance_id, bool persistent) const {
  auto d = lookup(conn_, instance_id);
  return domain_xml_of(d.p, persistent ? VIR_DOMAIN_XML_INACTIVE : 0);
}

bool libvirt_driver::owned(virDomainPtr d) const {
  char* meta = virDomainGetMetadata(d, VIR_DOMAIN_METADATA_ELEMENT, "urn:cumulo:instance:1", 0);
  if (!meta) {
    virResetLastError();
    return false;
  }
  const std::string text = meta;
  free(meta);
  return text.find(">" + xml_escaped(opts_.console_dir.string()) + "</") != std::string::npos;
}

std::map<std::string, power_states> libvirt_driver::power_states_all() {
  virDomainPtr* domains = nullptr;
  const int n = virConnectListAllDomains(conn_, &domains, 0);
  if (n < 0) throw libvirt_error("Cannot list domains");
  std::map<std::string, power_states> out;
  const std::string prefix = domain_prefix;
  for (int i = 0; i < n; ++i) {
    domain_ref d{domains[i]};
    const char* name = virDomainGetName(d.p);
    if (!name) continue;
    const std::string s = name;
    if (s.rfind(prefix, 0) != 0) continue;
    if (!test_ && !owned(d.p)) continue;
    out[s.substr(prefix.size())] = power_of(d.p);
  }
  free(domains);
  return out;
}

std::string libvirt_driver::console_output(const std::string& instance_id, std::size_t max_lines,
                                           std::size_t max_bytes) {
  if (power_state(instance_id) == power_states::nostate)
    throw virt_error("Instance " + instance_id + " has no domain on this host.");
  std::ifstream in(console_log(instance_id), std::ios::binary);
  if (!in) return "";
  // Only the tail is kept while reading: a guest's log can be large.
  std::deque<std::string> lines;
  std::size_t bytes = 0;
  for (std::string line; std::getline(in, line);) {
    bytes += line.size() + 1;
    lines.push_back(std::move(line));
    while ((max_lines && lines.size() > max_lines) || (lines.size() > 1 && bytes > max_bytes)) {
      bytes -= lines.front().size() + 1;
      lines.pop_front();
    }
  }
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  if (out.size() > max_bytes) out = out.substr(out.size() - max_bytes);
  return out;
}

}  // namespace cumulo
