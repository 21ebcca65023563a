#include "cli/hosts_file.hpp"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

namespace cumulo::cli {
namespace {

// A host name is also a file name (<data_dir>/hosts/<name>.xml).
bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 63 || name[0] == '.' || name[0] == '-') return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'))
      return false;
  return true;
}

void check(const compute_host_config& h, const std::string& where, std::set<std::string>& names) {
  if (!valid_name(h.name))
    throw std::runtime_error(where + ": host name '" + h.name +
                             "' must be letters, digits, '-', '_' or '.'");
  if (!names.insert(h.name).second)
    throw std::runtime_error(where + ": host " + h.name + " is given twice");
  if (h.vcpus <= 0 || h.memory_mb <= 0 || h.local_gb <= 0)
    throw std::runtime_error(where + ": vcpus, memory_mb and disk_gb must be positive");
}

std::vector<compute_host_config> from_yaml(const YAML::Node& list) {
  std::vector<compute_host_config> out;
  std::set<std::string> names;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto& n = list[i];
    const std::string where = "host entry " + std::to_string(i + 1);
    if (!n.IsMap() || !n["name"] || !n["vcpus"] || !n["memory_mb"] || !n["disk_gb"])
      throw std::runtime_error(where + ": needs name, vcpus, memory_mb and disk_gb");
    compute_host_config h;
    try {
      h.name = n["name"].as<std::string>();
      h.vcpus = n["vcpus"].as<int>();
      h.memory_mb = n["memory_mb"].as<std::int64_t>();
      h.local_gb = n["disk_gb"].as<std::int64_t>();
    } catch (const YAML::Exception&) {
      throw std::runtime_error(where + ": vcpus, memory_mb and disk_gb must be integers");
    }
    check(h, where, names);
    out.push_back(h);
  }
  return out;
}

std::vector<compute_host_config> from_lines(std::istream& in) {
  std::vector<compute_host_config> out;
  std::set<std::string> names;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    std::istringstream fields(line);
    compute_host_config h;
    if (!(fields >> h.name)) continue;  // blank
    std::string rest;
    if (!(fields >> h.vcpus >> h.memory_mb >> h.local_gb) || (fields >> rest))
      throw std::runtime_error("line " + std::to_string(number) +
                               ": expected 'name vcpus memory_mb disk_gb'");
    check(h, "line " + std::to_string(number), names);
    out.push_back(h);
  }
  return out;
}

}  // namespace

std::vector<compute_host_config> read_hosts_file(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot read hosts file " + file.string());
  std::stringstream text;
  text << in.rdbuf();
  std::vector<compute_host_config> hosts;
  try {
    YAML::Node root;
    bool yaml = false;
    try {
      root = YAML::Load(text.str());
      yaml = root.IsSequence() || (root.IsMap() && root["hosts"]);
    } catch (const YAML::Exception&) {
      yaml = false;  // not YAML: the simple lines
    }
    if (yaml) {
      hosts = from_yaml(root.IsSequence() ? root : root["hosts"]);
    } else {
      std::istringstream lines(text.str());
      hosts = from_lines(lines);
    }
  } catch (const std::runtime_error& e) {
    throw std::runtime_error("hosts file " + file.string() + ": " + e.what());
  }
  if (hosts.empty()) throw std::runtime_error("hosts file " + file.string() + " names no host");
  return hosts;
}

std::vector<compute_host_config> numbered_hosts(int count) {
  std::vector<compute_host_config> hosts;
  for (int i = 1; i <= count; ++i) {
    compute_host_config h;
    h.name = "compute-" + std::to_string(i);
    hosts.push_back(h);
  }
  return hosts;
}

}  // namespace cumulo::cli
