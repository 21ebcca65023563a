#include "engine/libvirt_driver.hpp"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <sstream>
#include <thread>

#include "engine/clock.hpp"
#include "engine/ids.hpp"
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

std::string libvirt_domain_xml(const domain_spec& spec, bool test_driver,
                               const std::filesystem::path& console_log) {
  std::ostringstream x;
  x << "<domain type='" << (test_driver ? "test" : "qemu") << "'>\n";
  x << "  <name>" << xml_escaped(domain_name(spec.instance_id)) << "</name>\n";
  if (is_uuid(spec.instance_id)) x << "  <uuid>" << spec.instance_id << "</uuid>\n";
  x << "  <metadata>\n    <cumulo:instance xmlns:cumulo='urn:cumulo:instance:1'>\n"
    << "      <cumulo:name>" << xml_escaped(spec.name) << "</cumulo:name>\n"
    << "      <cumulo:flavor vcpus='" << spec.vcpus << "' memory_mb='" << spec.memory_mb
    << "' disk_gb='" << spec.disk_gb << "'>" << xml_escaped(spec.flavor_name)
    << "</cumulo:flavor>\n"
    << "      <cumulo:project>" << xml_escaped(spec.project_id) << "</cumulo:project>\n"
    << "    </cumulo:instance>\n  </metadata>\n";
  x << "  <memory unit='MiB'>" << spec.memory_mb << "</memory>\n";
  x << "  <vcpu>" << spec.vcpus << "</vcpu>\n";
  x << "  <os>\n    <type arch='x86_64'>hvm</type>\n  </os>\n";
  x << "  <devices>\n";
  if (!spec.image_path.empty())
    x << "    <disk type='file' device='disk'>\n      <source file='"
      << xml_escaped(spec.image_path) << "'/>\n      <target dev='vda' bus='virtio'/>\n"
      << "    </disk>\n";
  for (const auto& nic : spec.nics)
    x << "    <interface type='network'>\n      <mac address='" << xml_escaped(nic.mac_address)
      << "'/>\n      <source network='" << xml_escaped(nic.network)
      << "'/>\n      <model type='virtio'/>\n    </interface>\n";
  if (!test_driver)
    x << "    <serial type='file'>\n      <source path='" << xml_escaped(console_log.string())
      << "'/>\n    </serial>\n";
  x << "  </devices>\n</domain>\n";
  return x.str();
}

libvirt_driver::libvirt_driver(libvirt_driver_options opts)
    : opts_(std::move(opts)), test_(is_test_uri(opts_.uri)) {
  // Expected errors (a lookup of a domain that isn't there) would be
  // printed to stderr otherwise: ours go into exceptions.
  virSetErrorFunc(nullptr, [](void*, virErrorPtr) {});
  if (opts_.console_dir.empty()) throw virt_error("a libvirt driver needs a console dir");
  std::filesystem::create_directories(opts_.console_dir);
  conn_ = virConnectOpen(opts_.uri.c_str());
  if (!conn_) throw libvirt_error("cannot open " + opts_.uri);
}

libvirt_driver::~libvirt_driver() {
  if (conn_) virConnectClose(conn_);
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

std::filesystem::path libvirt_driver::console_log(const std::string& instance_id) const {
  return opts_.console_dir / instance_id / "console.log";
}

void libvirt_driver::log_console(const std::string& instance_id, const std::string& line) const {
  // Only the test driver's domains get our lines: a real guest owns its
  // serial console file.
  if (!test_) return;
  std::error_code ignored;
  std::filesystem::create_directories(console_log(instance_id).parent_path(), ignored);
  std::ofstream out(console_log(instance_id), std::ios::app);
  out << format_iso8601(now_us()) << " " << line << "\n";
}

void libvirt_driver::spawn(const domain_spec& spec) {
  if (spec.instance_id.empty()) throw virt_error("A domain needs an instance id.");
  if (spec.vcpus <= 0 || spec.memory_mb <= 0)
    throw virt_error("A domain needs at least one vCPU and some memory.");
  const std::string name = domain_name(spec.instance_id);
  if (domain_ref existing{virDomainLookupByName(conn_, name.c_str())}; existing.p)
    throw virt_error("Domain " + name + " already exists on this host.");
  virResetLastError();
  if ((opts_.require_image_files || !test_) && !std::filesystem::exists(spec.image_path))
    throw virt_error("Image file " + spec.image_path + " does not exist.");
  std::filesystem::create_directories(console_log(spec.instance_id).parent_path());
  const std::string xml = libvirt_domain_xml(spec, test_, console_log(spec.instance_id));
  domain_ref d{virDomainDefineXML(conn_, xml.c_str())};
  if (!d.p) throw libvirt_error("Cannot define domain " + name);
  if (virDomainCreate(d.p) < 0) {
    auto e = libvirt_error("Cannot start domain " + name);
    virDomainUndefine(d.p);
    throw e;
  }
  log_console(spec.instance_id, "cumulo: domain " + name + " defined and started (" +
                                    std::to_string(spec.vcpus) + " vCPU, " +
                                    std::to_string(spec.memory_mb) + " MB, " +
                                    std::to_string(spec.nics.size()) + " NIC)");
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

void libvirt_driver::destroy(const std::string& instance_id) {
  domain_ref d{virDomainLookupByName(conn_, domain_name(instance_id).c_str())};
  if (d.p) {
    if (virDomainIsActive(d.p) == 1 && virDomainDestroy(d.p) < 0)
      throw libvirt_error("Cannot stop domain " + domain_name(instance_id));
    if (virDomainUndefineFlags(d.p, VIR_DOMAIN_UNDEFINE_MANAGED_SAVE) < 0)
      throw libvirt_error("Cannot undefine domain " + domain_name(instance_id));
  }
  virResetLastError();
  std::error_code ignored;
  std::filesystem::remove_all(console_log(instance_id).parent_path(), ignored);
}

power_states libvirt_driver::power_state(const std::string& instance_id) {
  domain_ref d{virDomainLookupByName(conn_, domain_name(instance_id).c_str())};
  if (!d.p) {
    virResetLastError();
    return power_states::nostate;
  }
  return power_of(d.p);
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
    if (s.rfind(prefix, 0) == 0) out[s.substr(prefix.size())] = power_of(d.p);
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
