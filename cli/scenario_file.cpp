// Reading a scenario file: everything that can be wrong with it is found
// here, with its file, line and column, before the first step runs.
#include "cli/scenario_file.hpp"

#include <filesystem>
#include <map>
#include <set>

namespace cumulo::cli {
namespace {

// What a verb's value may be and which keys it takes.
struct verb_shape {
  std::set<std::string> keys;      // allowed keys of a mapping value
  std::set<std::string> required;  // of those, the ones it must have
  bool scalar = false;             // a scalar value is allowed (as: admin, sleep: 2)
  bool map = true;                 // a mapping value is allowed
  bool empty = false;              // no value at all (restart_cloud:)
};

// Keys every verb that makes one REST call takes: the HTTP status expected
// instead of success, a part of the error message, a reference name.
const std::set<std::string> rest_keys{"http", "error", "ref"};

std::set<std::string> with_rest(std::set<std::string> keys) {
  keys.insert(rest_keys.begin(), rest_keys.end());
  return keys;
}

// The resource kinds wait, expect and delete name (kind_names in scenario_session.cpp).
const std::set<std::string> kind_keys{
    "server", "network", "subnet",  "port", "router",     "floating_ip", "security_group", "image",
    "flavor", "keypair", "project", "user", "hypervisor", "volume",      "volume_snapshot"};

std::set<std::string> with_kinds(std::set<std::string> keys) {
  keys.insert(kind_keys.begin(), kind_keys.end());
  return keys;
}

const std::map<std::string, verb_shape>& verbs() {
  static const std::map<std::string, verb_shape> table{
      {"as", {{"user", "password", "project", "domain"}, {"user"}, true}},
      {"create_project", {with_rest({"name", "description"}), {"name"}}},
      {"create_user", {with_rest({"name", "password", "project"}), {"name", "password"}}},
      {"grant_role", {with_rest({"user", "project", "role"}), {"user", "project"}}},
      {"create_network", {with_rest({"name", "external", "shared"}), {"name"}}},
      {"create_subnet",
       {with_rest({"name", "network", "cidr", "gateway", "ip_version"}),
        {"name", "network", "cidr"}}},
      {"create_port", {with_rest({"name", "network", "fixed_ip"}), {"name", "network"}}},
      {"create_router", {with_rest({"name", "external_gateway"}), {"name"}}},
      {"add_router_interface", {with_rest({"router", "subnet"}), {"router", "subnet"}}},
      {"create_floating_ip", {with_rest({"network", "port"}), {"network"}}},
      {"create_security_group", {with_rest({"name", "description"}), {"name"}}},
      {"create_security_group_rule",
       {with_rest({"group", "direction", "protocol", "port", "remote_ip", "ethertype"}),
        {"group"}}},
      {"upload_image",
       {with_rest({"name", "file", "size", "disk_format", "container_format", "visibility"}),
        {"name"}}},
      {"create_flavor", {with_rest({"name", "ram", "vcpus", "disk", "id"}), {"name"}}},
      {"create_keypair", {with_rest({"name", "public_key"}), {"name"}}},
      {"launch",
       {with_rest({"name", "image", "flavor", "network", "networks", "port", "key_name", "count",
                   "group", "wait", "within"}),
        {"name", "image", "flavor"}}},
      {"stop", {with_rest({"server", "wait", "within"}), {"server"}}},
      {"start", {with_rest({"server", "wait", "within"}), {"server"}}},
      {"reboot", {with_rest({"server", "hard", "wait", "within"}), {"server"}}},
      {"terminate", {with_rest({"server", "wait", "within"}), {"server"}}},
      {"delete", {with_kinds(rest_keys), {}}},
      {"wait", {with_kinds({"status", "within", "list", "where", "count", "field", "equals"}), {}}},
      {"expect",
       {with_kinds(
            {"status", "field", "equals", "contains", "absent", "list", "where", "count", "event"}),
        {}}},
      {"request",
       {{"method", "path", "body", "status", "json", "contains", "ref", "microversion"},
        {"method", "path"}}},
      {"repeat", {{"times", "steps"}, {"times", "steps"}}},
      {"parallel", {{"times", "workers", "steps"}, {"steps"}}},
      {"fault",
       {{"crash_host", "host", "libvirt", "for", "image_store", "volume_backend", "clear"}, {}}},
      {"restart_cloud", {{}, {}, false, true, true}},
      {"sleep", {{}, {}, true, false}},
  };
  return table;
}

std::string where_of(const std::string& file, const YAML::Mark& m) {
  return file + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
}

[[noreturn]] void fail(const std::string& file, const YAML::Node& at, const std::string& why) {
  throw scenario_error(where_of(file, at.Mark()) + ": " + why);
}

bool uses_faults(const std::vector<scenario_step>& steps) {
  for (const auto& s : steps)
    if (s.verb == "fault" || uses_faults(s.steps)) return true;
  return false;
}

std::vector<scenario_step> read_steps(const std::string& file, const YAML::Node& list);

scenario_step read_step(const std::string& file, const YAML::Node& node) {
  if (!node.IsMap() || node.size() != 1) fail(file, node, "a step is a mapping with one verb");
  scenario_step step;
  step.verb = node.begin()->first.as<std::string>();
  step.params = node.begin()->second;
  step.file = file;
  step.line = node.Mark().line + 1;
  step.column = node.Mark().column + 1;
  const auto it = verbs().find(step.verb);
  if (it == verbs().end()) fail(file, node, "unknown verb '" + step.verb + "'");
  const verb_shape& shape = it->second;
  const YAML::Node& p = step.params;
  const YAML::Node& at = p.IsNull() ? node : p;
  if (p.IsNull() || !p.IsDefined()) {
    if (!shape.empty) fail(file, at, "'" + step.verb + "' needs a value");
    return step;
  }
  if (p.IsScalar()) {
    if (!shape.scalar) fail(file, at, "'" + step.verb + "' takes a mapping, not a scalar");
    return step;
  }
  if (!p.IsMap() || !shape.map)
    fail(file, at, "'" + step.verb + "' takes " + (shape.scalar ? "a scalar" : "a mapping"));
  for (const auto& kv : p) {
    const auto key = kv.first.as<std::string>();
    if (!shape.keys.count(key))
      fail(file, kv.first, "'" + step.verb + "' has no key '" + key + "'");
  }
  for (const auto& key : shape.required)
    if (!p[key]) fail(file, at, "'" + step.verb + "' needs '" + key + "'");
  if (step.verb == "repeat" || step.verb == "parallel") {
    const YAML::Node body = p["steps"];
    if (!body.IsSequence()) fail(file, body, "'steps' is a list of steps");
    step.steps = read_steps(file, body);
  }
  if (step.verb == "sleep" || step.verb == "repeat") {
    const YAML::Node n = step.verb == "sleep" ? p : p["times"];
    try {
      (void)n.as<double>();
    } catch (const YAML::Exception&) {
      fail(file, n, "'" + step.verb + "' needs a number");
    }
  }
  return step;
}

std::vector<scenario_step> read_steps(const std::string& file, const YAML::Node& list) {
  std::vector<scenario_step> out;
  for (const auto& node : list) out.push_back(read_step(file, node));
  return out;
}

void read_cloud(const std::string& file, const YAML::Node& c, scenario_cloud& cloud) {
  if (!c) return;
  if (!c.IsMap()) fail(file, c, "'cloud' is a mapping");
  static const std::set<std::string> keys{"hosts",        "host_vcpus", "host_ram_mb",
                                          "host_disk_gb", "hosts_file", "spawn_timeout",
                                          "faults"};
  for (const auto& kv : c) {
    const auto key = kv.first.as<std::string>();
    if (!keys.count(key)) fail(file, kv.first, "'cloud' has no key '" + key + "'");
    try {
      if (key == "hosts") cloud.hosts = kv.second.as<int>();
      if (key == "host_vcpus") cloud.host_vcpus = kv.second.as<int>();
      if (key == "host_ram_mb") cloud.host_ram_mb = kv.second.as<long long>();
      if (key == "host_disk_gb") cloud.host_disk_gb = kv.second.as<long long>();
      if (key == "spawn_timeout") cloud.spawn_timeout = kv.second.as<int>();
      if (key == "faults") cloud.faults = kv.second.as<bool>();
      if (key == "hosts_file")
        cloud.hosts_file =
            (std::filesystem::path(file).parent_path() / kv.second.as<std::string>()).string();
    } catch (const YAML::Exception&) {
      fail(file, kv.second, "'" + key + "' has the wrong type");
    }
  }
  if (cloud.hosts < 1 || cloud.hosts > 64) fail(file, c["hosts"], "'hosts' is 1 to 64");
}

}  // namespace

std::string scenario_step::where() const {
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

bool known_verb(const std::string& verb) {
  return verbs().count(verb) > 0;
}

namespace {

// A scenario file is a page of steps: anything this large is not one.
constexpr std::uintmax_t max_scenario_bytes = 4 << 20;

scenario_file read_scenario(const std::string& path, const YAML::Node& doc);

}  // namespace

scenario_file load_scenario(const std::string& path) {
  YAML::Node doc;
  std::error_code size_error;
  const auto size = std::filesystem::file_size(path, size_error);
  if (!size_error && size > max_scenario_bytes)
    throw scenario_error(path + ": the file is " + std::to_string(size) +
                         " bytes; a scenario file is at most " +
                         std::to_string(max_scenario_bytes) + " bytes");
  try {
    // yaml-cpp bounds its own nesting (DeepRecursion, a ParserException).
    doc = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw scenario_error(path + ": cannot read the file");
  } catch (const YAML::ParserException& e) {
    throw scenario_error(path + ":" + std::to_string(e.mark.line + 1) + ":" +
                         std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  if (!doc.IsMap() || !doc["steps"] || !doc["steps"].IsSequence())
    throw scenario_error(path + ":1:1: a scenario is a mapping with a 'steps' list");
  try {
    return read_scenario(path, doc);
  } catch (const YAML::Exception& e) {
    // A node of another shape than the one read (a list where a name is
    // expected, a mapping as a key): the file's mistake, said where it is.
    const auto line = e.mark.is_null() ? 1 : e.mark.line + 1;
    const auto column = e.mark.is_null() ? 1 : e.mark.column + 1;
    throw scenario_error(path + ":" + std::to_string(line) + ":" + std::to_string(column) +
                         ": a value of the wrong shape here (" + e.msg + ")");
  }
}

namespace {

scenario_file read_scenario(const std::string& path, const YAML::Node& doc) {
  for (const auto& kv : doc) {
    const auto key = kv.first.as<std::string>();
    if (key != "steps" && key != "cloud" && key != "name" && key != "description")
      fail(path, kv.first, "a scenario has no key '" + key + "' (name, description, cloud, steps)");
  }
  scenario_file f;
  f.path = path;
  f.name =
      doc["name"] ? doc["name"].as<std::string>() : std::filesystem::path(path).stem().string();
  read_cloud(path, doc["cloud"], f.cloud);
  f.steps = read_steps(path, doc["steps"]);
  if (uses_faults(f.steps)) f.cloud.faults = true;
  return f;
}

}  // namespace

}  // namespace cumulo::cli
