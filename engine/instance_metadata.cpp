#include "engine/instance_metadata.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <nlohmann/json.hpp>

#include "engine/ipam.hpp"

namespace cumulo {
namespace {

using nlohmann::json;

// Nova's nova/api/metadata/base.py lists these; each adds what its comment says.
const std::vector<std::string> openstack_versions = {
    "2012-08-10",  // Folsom: meta_data.json, user_data
    "2013-04-04",  // Grizzly: random_seed, password
    "2013-10-17",  // Havana: vendor_data.json
    "2015-10-15",  // Liberty: project_id, network_data.json
    "2016-06-30",  // Newton: devices
    "2016-10-06",  // Newton: vendor_data2.json
    "2017-02-22",  // Ocata: devices' vlans
    "2018-08-27",  // Rocky: devices' vf_trusted
    "2020-10-14",  // Victoria: dedicated_cpus
    "2025-04-04",  // Epoxy: devices' shares
};
const std::vector<std::string> ec2_versions = {"1.0",        "2007-01-19", "2007-03-01",
                                               "2007-08-29", "2007-10-10", "2007-12-15",
                                               "2008-02-01", "2008-09-01", "2009-04-04"};

// The position of a version in its list ("latest": the newest), -1 when unknown.
int version_index(const std::vector<std::string>& all, std::string_view v) {
  if (v == "latest") return static_cast<int>(all.size()) - 1;
  auto it = std::find(all.begin(), all.end(), v);
  return it == all.end() ? -1 : static_cast<int>(it - all.begin());
}

bool at_least(const std::vector<std::string>& all, int requested, const char* required) {
  return requested >= version_index(all, required);
}

std::string dumped(const json& j) {
  // Bytes that are not UTF-8 (they cannot reach here through the API) are
  // replaced rather than thrown on.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// A prefix length as a netmask in its family's text ("255.255.255.0", "ffff:ffff::").
std::string netmask_of(int version, int prefix) {
  ipam::address mask;
  mask.version = version;
  const int bits = version == 4 ? 32 : 128;
  prefix = std::clamp(prefix, 0, bits);
  for (int i = 0; i < prefix; ++i) {
    const int bit = bits - 1 - i;  // from the top
    if (bit >= 64)
      mask.value.hi |= std::uint64_t{1} << (bit - 64);
    else
      mask.value.lo |= std::uint64_t{1} << bit;
  }
  return ipam::to_string(mask);
}

json route_json(const std::string& destination, const std::string& gateway) {
  auto c = ipam::parse_cidr(destination);
  if (!c) return nullptr;
  return {{"network", ipam::to_string(c->network)},
          {"netmask", netmask_of(c->network.version, c->prefix)},
          {"gateway", gateway}};
}

json dns_services(const metadata::fixed_address& a) {
  json out = json::array();
  for (const auto& d : a.dns_nameservers) out.push_back({{"type", "dns"}, {"address", d}});
  return out;
}

// One network of network_data.json (Nova's netutils._get_nets).
json network_json(const metadata::port& p, const metadata::fixed_address& a, int number,
                  const std::string& link) {
  const std::string id = "network" + std::to_string(number);
  const std::string type = "ipv" + std::to_string(a.ip_version);
  if (a.enable_dhcp || a.dhcp_server)
    return {{"id", id}, {"type", type + "_dhcp"}, {"link", link}, {"network_id", p.network_id}};
  json routes = json::array();
  if (!a.gateway_ip.empty())
    routes.push_back({{"network", a.ip_version == 4 ? "0.0.0.0" : "::"},
                      {"netmask", a.ip_version == 4 ? "0.0.0.0" : "::"},
                      {"gateway", a.gateway_ip}});
  for (const auto& r : a.host_routes)
    if (auto j = route_json(r.destination, r.nexthop); !j.is_null()) routes.push_back(j);
  json netmask = nullptr;
  if (auto c = ipam::parse_cidr(a.cidr)) netmask = netmask_of(a.ip_version, c->prefix);
  return {{"id", id},
          {"type", type},
          {"link", link},
          {"ip_address", a.ip_address},
          {"netmask", netmask},
          {"routes", routes},
          {"network_id", p.network_id},
          {"services", dns_services(a)}};
}

const metadata::fixed_address* first_of(const metadata::port& p, int version) {
  for (const auto& a : p.addresses)
    if (a.ip_version == version) return &a;
  return nullptr;
}

std::vector<std::string> fixed_ipv4s(const instance_metadata& md) {
  std::vector<std::string> out;
  for (const auto& p : md.ports)
    for (const auto& a : p.addresses)
      if (a.ip_version == 4) out.push_back(a.ip_address);
  return out;
}

// The EC2 format's tree at a version (Nova's get_ec2_metadata). An object
// whose "_name" is set lists as that name; user-data sits beside
// meta-data, raw.
json ec2_tree(const instance_metadata& md, int version) {
  const auto& v = ec2_versions;
  const auto fixed = fixed_ipv4s(md);
  json m = {{"ami-id", ec2_id("ami", md.image_id)},
            {"ami-launch-index", md.launch_index},
            // Nova's EC2 metadata answers this literal word (what clients see).
            {"ami-manifest-path", "FIXME"},
            {"instance-id", ec2_id("i", md.uuid)},
            {"hostname", md.hostname},
            {"local-ipv4", fixed.empty() ? std::string() : fixed.front()},
            {"reservation-id", md.reservation_id},
            {"security-groups", md.security_groups}};
  if (!md.key_name.empty() && !md.public_key.empty())
    m["public-keys"] = {{"0", {{"_name", "0=" + md.key_name}, {"openssh-key", md.public_key}}}};
  if (at_least(v, version, "2007-01-19")) {
    m["local-hostname"] = md.hostname;
    m["public-hostname"] = md.hostname;
    m["public-ipv4"] = md.floating_ips.empty() ? std::string() : md.floating_ips.front();
  }
  if (at_least(v, version, "2007-08-29")) m["instance-type"] = md.flavor_name;
  if (at_least(v, version, "2007-12-15")) {
    // Nova's instance_block_mapping: the root device, then each volume.
    json mapping = {{"ami", "vda"}, {"root", "/dev/vda"}};
    for (std::size_t i = 0; i < md.volume_devices.size(); ++i)
      mapping["ebs" + std::to_string(i)] = md.volume_devices[i];
    m["block-device-mapping"] = mapping;
  }
  if (at_least(v, version, "2008-02-01"))
    m["placement"] = {{"availability-zone", md.availability_zone}};
  if (at_least(v, version, "2008-09-01")) m["instance-action"] = "none";
  json data = {{"meta-data", m}};
  if (md.user_data) data["user-data"] = *md.user_data;
  return data;
}

// How Nova prints a node of the EC2 tree (ec2_md_print): an object lists
// its keys (objects as "key/", or their "_name"), a list its items, a leaf
// its value.
std::string ec2_text(const json& node) {
  std::string out;
  auto line = [&out](const std::string& s) {
    if (!out.empty()) out += '\n';
    out += s;
  };
  if (node.is_object()) {
    for (const auto& [key, value] : node.items()) {
      if (key == "_name") continue;
      if (value.is_object())
        line(value.contains("_name") ? value["_name"].get<std::string>() : key + "/");
      else
        line(key);
    }
    return out;
  }
  if (node.is_array()) {
    for (const auto& item : node) line(item.is_string() ? item.get<std::string>() : item.dump());
    return out;
  }
  if (node.is_string()) return node.get<std::string>();
  return node.dump();
}

std::vector<std::string> normalised(std::string_view path) {
  // posixpath.normpath, as Nova's lookup: "." goes, ".." climbs (never
  // above the root), empty segments (repeated or trailing slashes) go.
  std::vector<std::string> tokens;
  while (!path.empty()) {
    const auto slash = path.find('/');
    const std::string_view piece = path.substr(0, slash);
    path.remove_prefix(slash == std::string_view::npos ? path.size() : slash + 1);
    if (piece.empty() || piece == ".") continue;
    if (piece == "..") {
      if (!tokens.empty()) tokens.pop_back();
      continue;
    }
    tokens.emplace_back(piece);
  }
  return tokens;
}

metadata_response not_found() {
  return {404, "text/plain", "404 Not Found\n\nThe resource could not be found.\n"};
}

metadata_response text(std::string body) {
  return {200, "text/plain", std::move(body)};
}

metadata_response json_file(std::string body) {
  return {200, "application/json", std::move(body)};
}

std::string listing(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += (out.empty() ? "" : "\n") + l;
  return out;
}

// Nova's RouteConfiguration: a version's files.
metadata_response openstack_item(const instance_metadata& md,
                                 const std::vector<std::string>& tokens) {
  const auto& v = openstack_versions;
  const int version = version_index(v, tokens[1]);
  if (version < 0) return not_found();
  if (tokens.size() == 2) {
    std::vector<std::string> files{"meta_data.json"};
    if (md.user_data) files.emplace_back("user_data");
    if (at_least(v, version, "2013-04-04")) files.emplace_back("password");
    if (at_least(v, version, "2013-10-17")) files.emplace_back("vendor_data.json");
    if (at_least(v, version, "2015-10-15")) files.emplace_back("network_data.json");
    if (at_least(v, version, "2016-10-06")) files.emplace_back("vendor_data2.json");
    return text(listing(files));
  }
  std::string file;
  for (std::size_t i = 2; i < tokens.size(); ++i) file += (i > 2 ? "/" : "") + tokens[i];
  if (file == "meta_data.json") return json_file(meta_data_json(md, v[version]));
  // Nova serves network_data.json whatever the version asked.
  if (file == "network_data.json") return json_file(network_data_json(md));
  if (file == "user_data") return md.user_data ? text(*md.user_data) : not_found();
  // The password a guest posted: none is kept (a POST is refused with 405).
  if (file == "password") return at_least(v, version, "2013-04-04") ? text("") : not_found();
  if (file == "vendor_data.json")
    return at_least(v, version, "2013-10-17") ? json_file(vendor_data_json()) : not_found();
  if (file == "vendor_data2.json")
    return at_least(v, version, "2016-10-06") ? json_file(vendor_data2_json()) : not_found();
  return not_found();
}

metadata_response ec2_item(const instance_metadata& md, const std::vector<std::string>& tokens,
                           std::size_t first) {
  const int version = version_index(ec2_versions, tokens[first]);
  if (version < 0) return not_found();
  json node = ec2_tree(md, version);
  for (std::size_t i = first + 1; i < tokens.size(); ++i) {
    if (!node.is_object() || !node.contains(tokens[i])) return not_found();
    node = json(node[tokens[i]]);
  }
  return text(ec2_text(node));
}

int base64_value(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

std::string hostname_of(const std::string& server_name) {
  std::string h;
  for (char c : server_name) {
    const auto u = static_cast<unsigned char>(c);
    h += std::isalnum(u) || c == '-' || c == '.' ? static_cast<char>(std::tolower(u)) : '-';
  }
  while (!h.empty() && (h.front() == '-' || h.front() == '.')) h.erase(h.begin());
  if (h.size() > 63) h.resize(63);
  while (!h.empty() && (h.back() == '-' || h.back() == '.')) h.pop_back();
  return h.empty() ? "server" : h;
}

std::string ec2_id(const std::string& prefix, const std::string& uuid) {
  std::string hex;
  for (char c : uuid)
    if (std::isxdigit(static_cast<unsigned char>(c)))
      hex += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (hex.size() > 8) hex.erase(0, hex.size() - 8);
  return prefix + "-" + std::string(8 - hex.size(), '0') + hex;
}

std::optional<std::string> decode_base64(std::string_view text) {
  std::string out;
  std::uint32_t acc = 0;
  int have = 0;     // sextets in acc
  int padding = 0;  // '=' seen
  std::size_t symbols = 0;
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == ' ' || c == '\r' || c == '\n' || c == '\t') continue;
    ++symbols;
    if (c == '=') {
      ++padding;
      if (padding > 2) return std::nullopt;
      continue;
    }
    if (padding > 0) return std::nullopt;  // data after the padding
    const int v = base64_value(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    if (++have == 4) {
      out += static_cast<char>((acc >> 16) & 0xff);
      out += static_cast<char>((acc >> 8) & 0xff);
      out += static_cast<char>(acc & 0xff);
      acc = 0;
      have = 0;
    }
  }
  if (symbols % 4 != 0) return std::nullopt;
  if (have + padding != 0 && have + padding != 4) return std::nullopt;
  if (have == 3 && padding == 1) {
    out += static_cast<char>((acc >> 10) & 0xff);
    out += static_cast<char>((acc >> 2) & 0xff);
  } else if (have == 2 && padding == 2) {
    out += static_cast<char>((acc >> 4) & 0xff);
  } else if (have != 0) {
    return std::nullopt;
  }
  return out;
}

instance_metadata metadata_of(const instance_state& s, const keypair_state* key,
                              const std::vector<network_state>& networks,
                              const std::vector<floatingip_state>& floating_ips) {
  instance_metadata md;
  md.uuid = s.id;
  md.name = s.name;
  md.hostname = hostname_of(s.name);
  md.project_id = s.project_id;
  if (!s.availability_zone.empty()) md.availability_zone = s.availability_zone;
  md.meta = s.metadata;
  if (!s.user_data.empty()) md.user_data = decode_base64(s.user_data);
  md.key_name = s.key_name;
  if (key && !s.key_name.empty()) {
    if (!key->type.empty()) md.key_type = key->type;
    md.public_key = key->public_key;
  }
  md.reservation_id = s.reservation_id;
  md.image_id = s.image_id;
  md.flavor_name = s.flavor.name;
  md.security_groups = s.security_groups;
  for (const auto& a : s.addresses) {
    metadata::port p{a.port_id, a.mac_address, a.network_id, 0, {}};
    auto n = std::find_if(networks.begin(), networks.end(),
                          [&](const network_state& x) { return x.id == a.network_id; });
    const network::port* port = n == networks.end() ? nullptr : n->find_port(a.port_id);
    if (n != networks.end()) p.mtu = n->mtu;
    if (port) {
      for (const auto& ip : port->fixed_ips) {
        metadata::fixed_address f;
        f.ip_address = ip.ip_address;
        f.ip_version = ip.ip_address.find(':') == std::string::npos ? 4 : 6;
        if (const auto* sub = n->find_subnet(ip.subnet_id)) {
          f.ip_version = sub->ip_version;
          f.cidr = sub->cidr;
          f.gateway_ip = sub->gateway_ip;
          f.dns_nameservers = sub->dns_nameservers;
          f.host_routes = sub->host_routes;
          f.enable_dhcp = sub->enable_dhcp;
          for (const auto& [_, other] : n->ports) {
            if (other.device_owner != "network:dhcp") continue;
            for (const auto& o : other.fixed_ips) f.dhcp_server |= o.subnet_id == sub->id;
          }
        }
        p.addresses.push_back(std::move(f));
      }
    } else {
      // The network's answer lacks the port (it went meanwhile): the
      // address the instance recorded, without its subnet.
      metadata::fixed_address f;
      f.ip_address = a.ip_address;
      f.ip_version = a.ip_address.find(':') == std::string::npos ? 4 : 6;
      p.addresses.push_back(std::move(f));
    }
    md.ports.push_back(std::move(p));
  }
  for (const auto& a : s.addresses)
    for (const auto& f : floating_ips)
      if (f.exists() && f.associated() && f.port_id == a.port_id)
        md.floating_ips.push_back(f.floating_ip_address);
  for (const auto& v : s.volumes)
    if (v.boot_index != 0) md.volume_devices.push_back(v.device);
  return md;
}

const std::vector<std::string>& openstack_metadata_versions() {
  return openstack_versions;
}
const std::vector<std::string>& ec2_metadata_versions() {
  return ec2_versions;
}

std::string meta_data_json(const instance_metadata& md, const std::string& version) {
  const auto& v = openstack_versions;
  int at = version_index(v, version);
  if (at < 0) at = static_cast<int>(v.size()) - 1;
  json j = {{"uuid", md.uuid}};
  // Nova leaves out what the server has not: no metadata, no key pair.
  if (!md.meta.empty()) j["meta"] = md.meta;
  if (!md.key_name.empty() && !md.public_key.empty()) {
    j["public_keys"] = {{md.key_name, md.public_key}};
    j["keys"] =
        json::array({{{"name", md.key_name}, {"type", md.key_type}, {"data", md.public_key}}});
  }
  j["hostname"] = md.hostname;
  j["name"] = md.name;
  j["launch_index"] = md.launch_index;
  j["availability_zone"] = md.availability_zone;
  if (at_least(v, at, "2013-04-04") && !md.random_seed.empty()) j["random_seed"] = md.random_seed;
  if (at_least(v, at, "2015-10-15")) j["project_id"] = md.project_id;
  // Devices are those with tags (none here: cumulo keeps no device metadata).
  if (at_least(v, at, "2016-06-30")) j["devices"] = json::array();
  if (at_least(v, at, "2020-10-14")) j["dedicated_cpus"] = json::array();
  if (!md.admin_pass.empty()) j["admin_pass"] = md.admin_pass;
  return dumped(j);
}

std::string network_data_json(const instance_metadata& md) {
  json links = json::array(), nets = json::array(), services = json::array();
  int number = 0;
  for (const auto& p : md.ports) {
    const auto* v4 = first_of(p, 4);
    const auto* v6 = first_of(p, 6);
    if (!v4 && !v6) continue;
    // The tap device Nova's libvirt driver names after the port.
    const std::string link = "tap" + p.port_id.substr(0, 11);
    const bool dhcp_server = std::any_of(p.addresses.begin(), p.addresses.end(),
                                         [](const auto& a) { return a.dhcp_server; });
    links.push_back({{"id", link},
                     {"vif_id", p.port_id},
                     {"type", "bridge"},
                     {"mtu", dhcp_server || p.mtu <= 0 ? json(nullptr) : json(p.mtu)},
                     {"ethernet_mac_address", p.mac_address}});
    for (const auto* a : {v4, v6}) {
      if (!a) continue;
      nets.push_back(network_json(p, *a, number++, link));
      for (const auto& d : dns_services(*a))
        if (std::find(services.begin(), services.end(), d) == services.end()) services.push_back(d);
    }
  }
  return dumped({{"links", links}, {"networks", nets}, {"services", services}});
}

// Nova's StaticJSON provider without a file: nothing; vendor_data2.json
// names each provider ("static").
std::string vendor_data_json() {
  return "{}";
}
std::string vendor_data2_json() {
  return R"({"static":{}})";
}

std::string ec2_meta_data_json(const instance_metadata& md, const std::string& version) {
  int at = version_index(ec2_versions, version);
  if (at < 0) at = static_cast<int>(ec2_versions.size()) - 1;
  json m = ec2_tree(md, at)["meta-data"];
  // As Nova's config drive: the public key without its listing name.
  if (m.contains("public-keys")) m["public-keys"]["0"].erase("_name");
  return dumped(m);
}

metadata_response render_metadata(const instance_metadata& md, std::string_view path) {
  const auto tokens = normalised(path);
  if (tokens.empty()) {
    auto versions = ec2_versions;
    versions.emplace_back("latest");
    return text(listing(versions));
  }
  if (tokens[0] == "openstack") {
    if (tokens.size() == 1) {
      auto versions = openstack_versions;
      versions.emplace_back("latest");
      return text(listing(versions));
    }
    return openstack_item(md, tokens);
  }
  // Nova's "/ec2/..." is "/..." too.
  const std::size_t first = tokens[0] == "ec2" ? 1 : 0;
  if (first == tokens.size()) {
    auto versions = ec2_versions;
    versions.emplace_back("latest");
    return text(listing(versions));
  }
  return ec2_item(md, tokens, first);
}

}  // namespace cumulo
