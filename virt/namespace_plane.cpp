#include "virt/namespace_plane.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "virt/host_command.hpp"

namespace cumulo {
namespace {

namespace fs = std::filesystem;

// Runs a command of the plane; a failure is logged (the command and what
// it said: nothing here is secret) and returned.
bool run(const std::vector<std::string>& argv) {
  auto r = run_program(argv);
  if (r.exit_code == 0) return true;
  std::string line;
  for (const auto& a : argv) line += (line.empty() ? "" : " ") + a;
  spdlog::warn("network host: `{}` failed ({}): {}", line, r.exit_code, r.output);
  return false;
}

nlohmann::json json_of(const std::vector<std::string>& argv) {
  auto r = run_program(argv);
  if (r.exit_code != 0) return nlohmann::json::array();
  auto j = nlohmann::json::parse(r.output, nullptr, false);
  return j.is_array() ? j : nlohmann::json::array();
}

std::vector<std::string> in_ns(const std::string& ns, std::vector<std::string> argv) {
  argv.insert(argv.begin(), {"ip", "netns", "exec", ns});
  return argv;
}

bool link_exists(const std::string& name) {
  return fs::exists("/sys/class/net/" + name);
}

bool namespace_exists(const std::string& ns) {
  return fs::exists("/run/netns/" + ns);
}

// The addresses (address/prefix) a link has of `family` ("inet", "inet6"),
// scope global: what the plan gives it (the kernel's link-local ones are
// its own).
std::set<std::string> addresses_of(const std::vector<std::string>& ip_addr_show) {
  std::set<std::string> out;
  for (const auto& link : json_of(ip_addr_show))
    for (const auto& a : link.value("addr_info", nlohmann::json::array()))
      if (a.value("scope", "") == "global")
        out.insert(a.value("local", "") + "/" + std::to_string(a.value("prefixlen", 0)));
  return out;
}

// Brings the addresses of a link to `want`; `ip` is {"ip"} or {"ip", "-n", NS}.
void set_addresses(const std::vector<std::string>& ip, const std::string& dev,
                   const std::vector<std::string>& want) {
  auto show = ip;
  show.insert(show.end(), {"-j", "addr", "show", "dev", dev});
  const auto have = addresses_of(show);
  const std::set<std::string> wanted(want.begin(), want.end());
  for (const auto& a : have)
    if (!wanted.count(a)) {
      auto del = ip;
      del.insert(del.end(), {"addr", "del", a, "dev", dev});
      run(del);
    }
  for (const auto& a : wanted)
    if (!have.count(a)) {
      auto add = ip;
      add.insert(add.end(), {"addr", "add", a, "dev", dev});
      run(add);
    }
}

// Written whole or not at all: dnsmasq may read it at any moment (SIGHUP).
bool write_file(const fs::path& path, const std::string& text) {
  const auto tmp = path.string() + ".new";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    if (!out) return false;
  }
  // dnsmasq reads its files as nobody after dropping root.
  fs::permissions(tmp, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                           fs::perms::others_read);
  std::error_code ec;
  fs::rename(tmp, path, ec);
  return !ec;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The dnsmasq of a DHCP directory when it runs: its pid, else 0.
pid_t running_dnsmasq(const std::string& dir) {
  const auto text = read_file(fs::path(dir) / "pid");
  const pid_t pid = static_cast<pid_t>(std::atol(text.c_str()));
  if (pid <= 0) return 0;
  const auto cmdline = read_file("/proc/" + std::to_string(pid) + "/cmdline");
  // Ours, not a process that got the number since: it names our pid file.
  return cmdline.find("--pid-file=" + dir + "/pid") != std::string::npos ? pid : 0;
}

std::string joined(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) s += a + '\0';
  return s;
}

// The MAC and address of each line of a hosts file.
std::set<std::pair<std::string, std::string>> leases_of(const std::string& hosts) {
  std::set<std::pair<std::string, std::string>> out;
  std::stringstream ss(hosts);
  for (std::string line; std::getline(ss, line);) {
    std::vector<std::string> f;
    std::stringstream ls(line);
    for (std::string x; std::getline(ls, x, ',');) f.push_back(x);
    // MAC[,set:tag],IP,hostname: the address is the first field after the
    // MAC that is not a tag.
    for (std::size_t i = 1; i < f.size(); ++i)
      if (f[i].rfind("set:", 0) != 0) {
        out.emplace(f[0], f[i]);
        break;
      }
  }
  return out;
}

}  // namespace

namespace_plane::namespace_plane(plane_options options) : options_(std::move(options)) {}

std::string namespace_plane::cannot_run() {
  if (::geteuid() != 0) return "network namespaces and bridges need root";
  for (const char* p : {"ip", "nft", "dnsmasq"})
    if (find_program({p}).empty())
      return std::string(p) + " is missing (./scripts/install-deps --guests)";
  return "";
}

void namespace_plane::ensure_namespace(const std::string& ns) {
  if (namespace_exists(ns)) return;
  if (run({"ip", "netns", "add", ns})) run({"ip", "-n", ns, "link", "set", "lo", "up"});
}

void namespace_plane::remove_namespace(const std::string& ns) {
  // Its processes (dnsmasq) first: a namespace with a process in it
  // outlives its name.
  auto pids = run_program({"ip", "netns", "pids", ns});
  std::stringstream ss(pids.output);
  for (std::string p; ss >> p;)
    if (const pid_t pid = static_cast<pid_t>(std::atol(p.c_str())); pid > 1) ::kill(pid, SIGKILL);
  run({"ip", "netns", "del", ns});
  spdlog::info("network host: namespace {} removed", ns);
}

void namespace_plane::apply_bridge(const plane::bridge& b) {
  if (!b.own) {
    if (!link_exists(b.name))
      spdlog::warn("network host: the external bridge {} does not exist", b.name);
    return;
  }
  if (!link_exists(b.name) && run({"ip", "link", "add", b.name, "type", "bridge"}))
    spdlog::info("network host: bridge {} of network {}", b.name, b.network_id);
  run({"ip", "link", "set", b.name, "alias", plane::link_alias(options_.cloud_id, "bridge"), "mtu",
       std::to_string(b.mtu), "up"});
  set_addresses({"ip"}, b.name, b.host_addresses);
}

void namespace_plane::apply_leg(const std::string& ns, const plane::leg& l) {
  if (!link_exists(l.host_end))
    run({"ip", "link", "add", l.host_end, "type", "veth", "peer", "name", l.ns_end, "netns", ns});
  run({"ip", "link", "set", l.host_end, "alias", plane::link_alias(options_.cloud_id, "port"),
       "master", l.bridge, "mtu", std::to_string(l.mtu), "up"});
  run({"ip", "-n", ns, "link", "set", l.ns_end, "address", l.mac, "mtu", std::to_string(l.mtu),
       "up"});
  set_addresses({"ip", "-n", ns}, l.ns_end, l.addresses);
}

void namespace_plane::keep_only_legs(const std::string& ns, const std::vector<plane::leg>& legs) {
  std::set<std::string> wanted{"lo"};
  for (const auto& l : legs) wanted.insert(l.ns_end);
  for (const auto& link : json_of({"ip", "-n", ns, "-j", "link", "show"}))
    if (const auto name = link.value("ifname", ""); !name.empty() && !wanted.count(name))
      run({"ip", "-n", ns, "link", "del", name});
}

void namespace_plane::apply_dhcp(const plane::dhcp_server& d) {
  auto was = dhcp_.find(d.ns);
  if (was != dhcp_.end() && was->second == d && namespace_exists(d.ns) && running_dnsmasq(d.dir))
    return;
  ensure_namespace(d.ns);
  apply_leg(d.ns, d.port);
  keep_only_legs(d.ns, {d.port});
  std::error_code ec;
  fs::create_directories(d.dir, ec);
  // dnsmasq, once it is nobody, reads its files through these (umask 077).
  const fs::path run = options_.run_dir;
  for (const auto& p : {fs::path(d.dir), fs::path(d.dir).parent_path(), run, run.parent_path()})
    fs::permissions(p, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec, ec);
  // What dnsmasq had (from its files: after a restart nothing was applied).
  const auto old_hosts = read_file(fs::path(d.dir) / "hosts");
  const auto old_opts = read_file(fs::path(d.dir) / "opts");
  write_file(fs::path(d.dir) / "hosts", d.hosts);
  write_file(fs::path(d.dir) / "opts", d.opts);
  pid_t pid = running_dnsmasq(d.dir);
  const auto cmdline = pid ? read_file("/proc/" + std::to_string(pid) + "/cmdline") : "";
  // dnsmasq 2.90 dies re-reading a hosts file with tags (set:): such a
  // file, before or after, restarts it (its leases are in its file).
  const bool tagged = d.hosts.find(",set:") != std::string::npos ||
                      old_hosts.find(",set:") != std::string::npos;
  const bool same_files = old_hosts == d.hosts && old_opts == d.opts;
  // A port gone keeps its lease until it expires, and dnsmasq gives its
  // address to no other MAC meanwhile (a server deleted and another made
  // at its address would get none). dhcp_release from inside the namespace
  // does not reach a dnsmasq bound to its interface, so the leases of the
  // ports gone are taken out of its lease file while it is stopped.
  std::set<std::pair<std::string, std::string>> gone;
  const auto now = leases_of(d.hosts);
  for (const auto& lease : leases_of(old_hosts))
    if (!now.count(lease)) gone.insert(lease);
  if (pid && cmdline == joined(d.dnsmasq) && same_files) {
    // As it is (a restart of cumulo finds it so).
  } else if (pid && cmdline == joined(d.dnsmasq) && !tagged && gone.empty()) {
    ::kill(pid, SIGHUP);  // re-reads the hosts and options files
  } else {
    if (pid) ::kill(pid, SIGTERM);
    for (int i = 0; i < 50 && pid && ::kill(pid, 0) == 0; ++i) ::usleep(20000);
    // One that would not go (an older cumulo started it with SIGTERM
    // blocked) goes all the same: two would answer for the network.
    if (pid && ::kill(pid, 0) == 0) ::kill(pid, SIGKILL);
    for (int i = 0; i < 50 && pid && ::kill(pid, 0) == 0; ++i) ::usleep(20000);
    if (!gone.empty()) {
      std::stringstream kept, in(read_file(fs::path(d.dir) / "leases"));
      for (std::string line; std::getline(in, line);) {
        std::stringstream fields(line);
        std::string expiry, mac, ip;
        fields >> expiry >> mac >> ip;
        if (!gone.count({mac, ip})) kept << line << "\n";
      }
      write_file(fs::path(d.dir) / "leases", kept.str());
    }
    auto argv = in_ns(d.ns, d.dnsmasq);
    if (start_daemon(argv) != 0)
      spdlog::warn("network host: dnsmasq of network {} did not start", d.network_id);
    else
      spdlog::info("network host: DHCP of network {} in {}", d.network_id, d.ns);
  }
  dhcp_[d.ns] = d;
}

void namespace_plane::apply_router(const plane::router& r) {
  auto was = routers_.find(r.ns);
  if (was != routers_.end() && was->second == r && namespace_exists(r.ns)) return;
  const bool is_new = !namespace_exists(r.ns);
  ensure_namespace(r.ns);
  if (is_new || was == routers_.end()) run(in_ns(r.ns, {"sysctl", "-qw", "net.ipv4.ip_forward=1"}));
  for (const auto& l : r.legs) apply_leg(r.ns, l);
  keep_only_legs(r.ns, r.legs);
  std::set<std::pair<std::string, std::string>> wanted;
  for (const auto& rt : r.routes) {
    wanted.emplace(rt.destination, rt.via);
    run({"ip", "-n", r.ns, "route", "replace", rt.destination, "via", rt.via});
  }
  for (const auto& rt : json_of({"ip", "-n", r.ns, "-j", "route", "show"}))
    if (rt.contains("gateway") && !wanted.count({rt.value("dst", ""), rt.value("gateway", "")}))
      run({"ip", "-n", r.ns, "route", "del", rt.value("dst", ""), "via", rt.value("gateway", "")});
  // The table whole, in one transaction: no moment without NAT.
  const auto file = fs::path(options_.run_dir) / "routers" / (r.router_id + ".nft");
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  const std::string rules = "table ip cumulo\ndelete table ip cumulo\n" + r.nat;
  if (write_file(file, rules)) run(in_ns(r.ns, {"nft", "-f", file.string()}));
  routers_[r.ns] = r;
}

void namespace_plane::apply_host_nat(const std::string& nat) {
  if (!first_ && nat == host_nat_) return;
  const auto table = plane::host_table(options_.cloud_id);
  if (nat.empty()) {
    if (run_program({"nft", "list", "table", "ip", table}).exit_code == 0)
      run({"nft", "delete", "table", "ip", table});
  } else {
    const auto file = fs::path(options_.run_dir) / "host.nft";
    std::error_code ec;
    fs::create_directories(file.parent_path(), ec);
    if (write_file(file, "table ip " + table + "\ndelete table ip " + table + "\n" + nat))
      run({"nft", "-f", file.string()});
    // The host routes the routers' traffic out: what --external-masquerade asks.
    run({"sysctl", "-qw", "net.ipv4.ip_forward=1"});
  }
  host_nat_ = nat;
}

void namespace_plane::sweep(const plane::layout& want) {
  const auto prefix = plane::namespace_prefix(options_.cloud_id);
  std::set<std::string> namespaces;
  for (const auto& d : want.dhcp) namespaces.insert(d.ns);
  for (const auto& r : want.routers) namespaces.insert(r.ns);
  std::error_code ec;
  if (fs::exists("/run/netns"))
    for (const auto& e : fs::directory_iterator("/run/netns", ec)) {
      const auto name = e.path().filename().string();
      if (name.rfind(prefix, 0) == 0 && !namespaces.count(name)) remove_namespace(name);
    }
  for (auto it = dhcp_.begin(); it != dhcp_.end();)
    it = namespaces.count(it->first) ? std::next(it) : dhcp_.erase(it);
  for (auto it = routers_.begin(); it != routers_.end();)
    it = namespaces.count(it->first) ? std::next(it) : routers_.erase(it);
  // The DHCP files of networks gone.
  const auto dhcp_dir = fs::path(options_.run_dir) / "dhcp";
  if (fs::exists(dhcp_dir))
    for (const auto& e : fs::directory_iterator(dhcp_dir, ec)) {
      const auto ns = plane::dhcp_namespace(options_.cloud_id, e.path().filename().string());
      if (!namespaces.count(ns)) fs::remove_all(e.path(), ec);
    }
  // Links of this cloud in the root namespace (bridges, legs' host ends)
  // no longer planned. A leg goes with its namespace; one left (its
  // namespace removed by hand) goes here.
  std::set<std::string> links;
  for (const auto& b : want.bridges) links.insert(b.name);
  for (const auto& d : want.dhcp) links.insert(d.port.host_end);
  for (const auto& r : want.routers)
    for (const auto& l : r.legs) links.insert(l.host_end);
  const auto mark = plane::link_alias(options_.cloud_id, "");
  for (const auto& link : json_of({"ip", "-j", "link", "show"})) {
    const auto name = link.value("ifname", "");
    if (link.value("ifalias", "").rfind(mark, 0) != 0 || links.count(name)) continue;
    // A leg's host end goes by itself once its namespace is gone (the
    // kernel takes a moment): only one still there after a refusal is news.
    auto r = run_program({"ip", "link", "del", name});
    if (r.exit_code == 0)
      spdlog::info("network host: link {} removed", name);
    else if (link_exists(name))
      spdlog::warn("network host: cannot remove link {}: {}", name, r.output);
  }
  for (auto it = bridges_.begin(); it != bridges_.end();)
    it = links.count(it->first) ? std::next(it) : bridges_.erase(it);
}

void namespace_plane::apply(const plane::layout& want) {
  for (const auto& b : want.bridges) {
    auto was = bridges_.find(b.name);
    if (was != bridges_.end() && was->second == b && (!b.own || link_exists(b.name))) continue;
    apply_bridge(b);
    bridges_[b.name] = b;
  }
  for (const auto& d : want.dhcp) apply_dhcp(d);
  for (const auto& r : want.routers) apply_router(r);
  apply_host_nat(want.host_nat);
  sweep(want);
  first_ = false;
}

}  // namespace cumulo
